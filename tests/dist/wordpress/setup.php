<?php
/**
 * Test helper of tests/dist/wordpress.sh, run with the PHP CLI against the test's WordPress:
 * Env: WORDPRESS_CONFIG (the /etc/wordpress/config-<name>.php to use), WP_TEST_HOST (host:port).
 *   php setup.php WP_DIR install PASSWORD      wp_install(), pretty permalinks
 *   php setup.php WP_DIR upload ZIP            Plugins > Add New > Upload: Plugin_Upgrader::install
 *   php setup.php WP_DIR activate PLUGIN       activate_plugin(), the way the Plugins screen does
 *   php setup.php WP_DIR replace ZIP           Upload Plugin, "Replace current with uploaded":
 *                                              Plugin_Upgrader::install with overwrite_package
 *   php setup.php WP_DIR deactivate PLUGIN     deactivate_plugins()
 *   php setup.php WP_DIR delete PLUGIN         delete_plugins(), the Plugins screen's Delete (runs uninstall.php)
 *   php setup.php WP_DIR native-setup          the plugin's "Native library" commands (settings page)
 *   php setup.php WP_DIR order [STATUS [KEY=VALUE]]  a new shop_order, pending or STATUS, with post
 *                                              meta KEY if given (test-hooks.php's) (prints its id)
 *   php setup.php WP_DIR order-state ID        JSON: status, state meta, payment_complete count, ...
 *   php setup.php WP_DIR cached-status ID      JSON: the status as a page reads it (wc_get_order(),
 *                                              through the object cache) and as the database holds it
 *   php setup.php WP_DIR paused ID             JSON: whether a delivery paused in test-hooks.php
 *   php setup.php WP_DIR delete-meta ID KEY    deletes the order's post meta KEY
 *   php setup.php WP_DIR option NAME           JSON: the option's autoload flag, whether set
 *   php setup.php WP_DIR option-raw NAME       JSON: the option's autoload flag and stored text
 *   php setup.php WP_DIR log                   JSON: the lines written to WooCommerce's log (stand-in), oldest first
 * Exit status 1 with a message on failure.
 */

declare(strict_types=1);

$evf_dir = $argv[1] ?? "";
$evf_cmd = $argv[2] ?? "";
$evf_arg = $argv[3] ?? null;
// Debian's wp-config.php picks /etc/wordpress/config-$WORDPRESS_CONFIG.php (nginx passes the same).
$_SERVER['WORDPRESS_CONFIG'] = (string) getenv('WORDPRESS_CONFIG');
$_SERVER['HTTP_HOST'] = (string) getenv('WP_TEST_HOST');
if ($evf_cmd === 'install') {
    define('WP_INSTALLING', true);
}
require $evf_dir . '/wp-load.php';

function evf_out($v): void
{
    echo json_encode($v, JSON_UNESCAPED_SLASHES), "\n";
}

function evf_fail(string $m): void
{
    fwrite(STDERR, $m . "\n");
    exit(1);
}

switch ($evf_cmd) {
    case 'install':
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        $r = wp_install('Everifin test shop', 'admin', 'admin@shop.example', false, '', wp_slash($evf_arg), 'en_US');
        if (empty($r['user_id'])) {
            evf_fail('wp_install failed');
        }
        update_option('permalink_structure', '/%postname%/');
        flush_rewrite_rules(false);
        evf_out(['installed' => get_bloginfo('version'), 'user' => $r['user_id']]);
        break;
    case 'upload':
        require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
        require_once ABSPATH . 'wp-admin/includes/file.php';
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        wp_set_current_user(1);
        $upgrader = new Plugin_Upgrader(new Automatic_Upgrader_Skin());
        $r = $upgrader->install($evf_arg);
        if ($r !== true) {
            evf_fail('Plugin_Upgrader::install failed: ' . (is_wp_error($r) ? $r->get_error_message() : var_export($r, true))
                . ' ' . implode(' ', (array) $upgrader->skin->get_upgrade_messages()));
        }
        evf_out(['installed' => $upgrader->plugin_info()]);
        break;
    case 'replace':
        require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
        require_once ABSPATH . 'wp-admin/includes/file.php';
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        wp_set_current_user(1);
        $upgrader = new Plugin_Upgrader(new Automatic_Upgrader_Skin());
        $r = $upgrader->install($evf_arg, ['overwrite_package' => true]);
        if ($r !== true) {
            evf_fail('Plugin_Upgrader::install (overwrite_package) failed: ' . (is_wp_error($r) ? $r->get_error_message() : var_export($r, true))
                . ' ' . implode(' ', (array) $upgrader->skin->get_upgrade_messages()));
        }
        $plugin = $upgrader->plugin_info();
        evf_out(['replaced' => $plugin, 'active' => is_plugin_active((string) $plugin)]);
        break;
    case 'deactivate':
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        wp_set_current_user(1);
        deactivate_plugins($evf_arg);
        evf_out(['active' => is_plugin_active($evf_arg)]);
        break;
    case 'delete':
        require_once ABSPATH . 'wp-admin/includes/file.php';
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        wp_set_current_user(1);
        $r = delete_plugins([$evf_arg]);
        if ($r !== true) {
            evf_fail('delete_plugins failed: ' . (is_wp_error($r) ? $r->get_error_message() : var_export($r, true)));
        }
        evf_out(['deleted' => $evf_arg, 'folderExists' => is_dir(WP_PLUGIN_DIR . '/' . dirname($evf_arg))]);
        break;
    case 'native-setup':
        if (!class_exists('Everifin_Webhook_Admin')) {
            evf_fail('the plugin is not active');
        }
        echo Everifin_Webhook_Admin::nativeSetup();
        break;
    case 'activate':
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        wp_set_current_user(1);
        $r = activate_plugin($evf_arg, '', false, false);
        if (is_wp_error($r)) {
            evf_fail('activate_plugin: ' . $r->get_error_message());
        }
        if (!is_plugin_active($evf_arg)) {
            evf_fail("$evf_arg is not active after activate_plugin");
        }
        $data = get_plugin_data(WP_PLUGIN_DIR . '/' . $evf_arg, false, false);
        evf_out(['active' => $evf_arg, 'name' => $data['Name'], 'version' => $data['Version']]);
        break;
    case 'order':
        // As WooCommerce's posts storage stores a status: wc-<status>, except trash, draft and auto-draft.
        $evf_status = $evf_arg ?? 'pending';
        $evf_status = in_array($evf_status, ['trash', 'draft', 'auto-draft'], true) ? $evf_status : 'wc-' . $evf_status;
        $id = wp_insert_post(['post_type' => 'shop_order', 'post_status' => $evf_status, 'post_title' => 'Order', 'post_author' => 1], true);
        if (is_wp_error($id)) {
            evf_fail($id->get_error_message());
        }
        if (isset($argv[4])) {
            [$key, $value] = explode('=', $argv[4], 2) + ['', ''];
            add_post_meta($id, $key, $value);
        }
        echo $id, "\n";
        break;
    case 'cached-status':
        global $wpdb;
        $order = wc_get_order((int) $evf_arg);
        evf_out([
            'cached' => $order ? $order->get_status() : null,
            'db' => $wpdb->get_var($wpdb->prepare("SELECT post_status FROM {$wpdb->posts} WHERE ID = %d", (int) $evf_arg)),
        ]);
        break;
    case 'delete-meta':
        evf_out(delete_post_meta((int) $evf_arg, (string) ($argv[4] ?? '')));
        break;
    case 'paused':
        evf_out(file_exists(evf_test_paused_marker((int) $evf_arg)));
        break;
    case 'order-state':
        $id = (int) $evf_arg;
        $state = get_post_meta($id, '_everifin_webhook_state', true);
        evf_out([
            'status' => get_post_status($id),
            'state' => $state === '' ? null : json_decode((string) $state, true),
            'paymentComplete' => count(get_post_meta($id, '_test_payment_complete')),
            'statusChanges' => get_post_meta($id, '_test_status_change'),
            'transactionId' => get_post_meta($id, '_transaction_id', true),
            'notes' => get_post_meta($id, '_test_order_note'),
            'everifinOrderIds' => get_post_meta($id, '_everifin_webhook_order_id'),
            'everifinPaymentIds' => get_post_meta($id, '_everifin_webhook_payment_id'),
            'everifinRefundIds' => get_post_meta($id, '_everifin_webhook_refund_id'),
        ]);
        break;
    case 'option':
        global $wpdb;
        $row = $wpdb->get_row($wpdb->prepare("SELECT autoload, option_value FROM {$wpdb->options} WHERE option_name = %s", $evf_arg));
        evf_out($row === null ? null : ['autoload' => $row->autoload, 'count' => count((array) maybe_unserialize($row->option_value))]);
        break;
    case 'option-raw':
        global $wpdb;
        $row = $wpdb->get_row($wpdb->prepare("SELECT autoload, option_value FROM {$wpdb->options} WHERE option_name = %s", $evf_arg));
        evf_out($row === null ? null : ['autoload' => $row->autoload, 'value' => $row->option_value]);
        break;
    case 'log':
        global $wpdb;
        $rows = $wpdb->get_col($wpdb->prepare("SELECT option_value FROM {$wpdb->options} WHERE option_name LIKE %s ORDER BY option_id", $wpdb->esc_like('_test_wc_log_') . '%'));
        evf_out(array_map('maybe_unserialize', $rows));
        break;
    default:
        evf_fail("unknown command $evf_cmd");
}
