<?php
/**
 * Test stubs of WooCommerce's order caches (HPOS): WC_Order_Factory::get_order() returns the copy
 * OrderCache holds when the orders cache is on; OrderCache::remove() drops it. Here the copies are
 * WpStub::$cachedOrders, shared with the posts storage's object cache (tests/stubs/woocommerce.php).
 * HPOS's meta data store caches each order's meta rows (WpStub::$hposMetaCache) when HPOS data
 * caching is on; its clear_cached_data() drops them.
 */

declare(strict_types=1);

namespace Automattic\WooCommerce\Internal\DataStores\Orders {

class OrdersTableDataStoreMeta
{
    /**
     * @param list<int> $objectIds
     * @return array<int, bool>
     */
    public function clear_cached_data(array $objectIds): array
    {
        \WpStub::$log[] = 'OrdersTableDataStoreMeta::clear_cached_data(' . implode(',', $objectIds) . ')';
        foreach ($objectIds as $id) {
            unset(\WpStub::$hposMetaCache[$id]);
        }
        return array_fill_keys($objectIds, true);
    }
}

}

namespace Automattic\WooCommerce\Caches {

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

}
