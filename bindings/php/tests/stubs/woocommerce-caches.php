<?php
/**
 * Test stub of WooCommerce's order cache (HPOS): WC_Order_Factory::get_order() returns the copy
 * OrderCache holds when the orders cache is on; OrderCache::remove() drops it. Here the copies are
 * WpStub::$cachedOrders, shared with the posts storage's object cache (tests/stubs/woocommerce.php).
 */

declare(strict_types=1);

namespace Automattic\WooCommerce\Caches;

class OrderCache
{
    public function remove($id): bool
    {
        \WpStub::$log[] = 'OrderCache::remove(' . (int) $id . ')';
        if (\WpStub::$hpos) {
            unset(\WpStub::$cachedOrders[(int) $id]);
        }
        return true;
    }
}
