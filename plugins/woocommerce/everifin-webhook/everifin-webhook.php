<?php
/**
 * Plugin Name:          Everifin Webhook for WooCommerce
 * Plugin URI:           https://www.everifin.com/
 * Description:          Receives Everifin Paygate webhooks at /wp-json/everifin/v1/webhook: verifies the signature, ignores duplicates and out-of-order events and moves the WooCommerce order to the right state, with the order locked. Native library through PHP FFI, pure-PHP fallback.
 * Version:              0.2.0
 * Requires at least:    6.0
 * Requires PHP:         8.1
 * Requires Plugins:     woocommerce
 * WC requires at least: 8.2
 * WC tested up to:      9.4
 * Author:               Everifin
 * License:              MIT OR Apache-2.0
 * Text Domain:          everifin-webhook
 *
 * The order is found by the event's externalId (the shop's own order id, set when the payment was
 * created), or hookData.orderId as a fallback, else by Everifin's orderId, paymentId or refundId
 * that an earlier event left with the order (a refund carries only Everifin's orderId). The webhook state
 * of each order (duplicates, out-of-order events) is kept in order meta, read and written with the
 * order locked. Only the HPOS-compatible order API is used (wc_get_order, wc_get_orders,
 * update_status, payment_complete, update_meta_data / add_meta_data + save, and the order data
 * store's read_meta to check that the state was saved), so the plugin works with both order storages.
 */

declare(strict_types=1);

if (!defined('ABSPATH')) {
    exit;
}

define('EVERIFIN_WEBHOOK_PLUGIN_FILE', __FILE__);

// The PHP binding everifin/webhook is bundled in vendor/everifin-webhook (with the native library
// in its lib/). A Composer-managed site may have loaded it already.
if (!class_exists(\Everifin\Webhook\Verifier::class) && is_file(__DIR__ . '/vendor/everifin-webhook/autoload.php')) {
    require_once __DIR__ . '/vendor/everifin-webhook/autoload.php';
}

require_once __DIR__ . '/includes/class-everifin-webhook-plugin.php';
require_once __DIR__ . '/includes/class-everifin-webhook-admin.php';

Everifin_Webhook_Plugin::register();
Everifin_Webhook_Admin::register();
