<?php
/**
 * Plugin Name: TEST HOOKS (everifin-webhook tests only, never shipped)
 * Description: What other code does in WooCommerce's order hooks, for the orders of
 *              tests/dist/wordpress.sh that carry these post meta (setup.php's "order STATUS KEY=VALUE"):
 *              _test_pause_on_update SECONDS: the save that follows payment_complete() runs
 *                  woocommerce_update_order for that long (a plugin sending the order elsewhere),
 *                  after WooCommerce dropped the order's cached copies; the request marks
 *                  uploads/everifin-test-paused-ID first (setup.php's "paused ID");
 *              _test_pre_payment_hook_throws 1: a woocommerce_pre_payment_complete hook throws:
 *                  payment_complete() returns false before it changed the order;
 *              _test_payment_hook_throws 1: a woocommerce_payment_complete hook reads the order
 *                  (as the e-mails and stock syncs do) and throws: payment_complete() returns
 *                  false after it saved the order paid;
 *              _test_state_save_fails 1: the save of the Everifin plugin's webhook state fails
 *                  after reading the order, with a PHP \Error (which WooCommerce's save() does
 *                  not catch): the delivery fails after payment_complete() saved the order paid;
 *              _test_state_save_throws 1: a woocommerce_before_order_object_save hook throws an
 *                  Exception on the save of the Everifin plugin's webhook state only (the state
 *                  set differs from the stored one), which WooCommerce's save() catches, logs and
 *                  returns from as after a save: the state is not written.
 */

declare(strict_types=1);

if (!defined('ABSPATH')) {
    exit;
}

function evf_test_paused_marker(int $orderId): string
{
    return WP_CONTENT_DIR . '/uploads/everifin-test-paused-' . $orderId;
}

add_action('woocommerce_update_order', static function ($orderId): void {
    $seconds = (int) get_post_meta((int) $orderId, '_test_pause_on_update', true);
    if ($seconds > 0 && did_action('woocommerce_payment_complete') > 0) {
        touch(evf_test_paused_marker((int) $orderId));
        sleep($seconds);
    }
});

add_action('woocommerce_payment_complete', static function ($orderId): void {
    if (get_post_meta((int) $orderId, '_test_payment_hook_throws', true) !== '') {
        $order = wc_get_order((int) $orderId);
        throw new Exception('test hook: the warehouse did not answer (order ' . ($order ? $order->get_status() : '?') . ')');
    }
});

add_action('woocommerce_pre_payment_complete', static function ($orderId): void {
    if (get_post_meta((int) $orderId, '_test_pre_payment_hook_throws', true) !== '') {
        throw new Exception('test hook: the fraud check did not answer');
    }
});

add_action('woocommerce_before_order_object_save', static function ($order): void {
    $orderId = (int) $order->get_id();
    if (get_post_meta($orderId, '_test_state_save_fails', true) !== '' && $order->get_meta('_everifin_webhook_state') !== '') {
        $read = wc_get_order($orderId);
        throw new Error('test hook: the database went away (order ' . ($read ? $read->get_status() : '?') . ')');
    }
});

add_action('woocommerce_before_order_object_save', static function ($order): void {
    $orderId = (int) $order->get_id();
    if (get_post_meta($orderId, '_test_state_save_throws', true) !== ''
        && $order->get_meta('_everifin_webhook_state') !== get_post_meta($orderId, '_everifin_webhook_state', true)) {
        throw new Exception('test hook: the ERP rejected the order');
    }
});
