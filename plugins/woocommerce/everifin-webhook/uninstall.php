<?php
/**
 * Deleting the plugin deletes its settings (the hook secrets), its records of the last
 * deliveries that changed no order and the settings page's pending save errors, on every site of
 * a network; order notes and meta stay.
 */

declare(strict_types=1);

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}
$everifin_webhook_options = ['everifin_webhook_secrets', 'everifin_webhook_last_rejected', 'everifin_webhook_last_unmatched'];
$everifin_webhook_delete = static function () use ($everifin_webhook_options): void {
    global $wpdb;
    foreach ($everifin_webhook_options as $option) {
        delete_option($option);
    }
    // The settings page's save errors wait in one transient per user (everifin_webhook_error_<user
    // id>, ten minutes at most): their rows in this site's options table. With a persistent object
    // cache they are kept there instead, and expire on their own.
    $wpdb->query($wpdb->prepare(
        "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
        $wpdb->esc_like('_transient_everifin_webhook_error_') . '%',
        $wpdb->esc_like('_transient_timeout_everifin_webhook_error_') . '%'
    ));
};
if (is_multisite()) {
    foreach (get_sites(['fields' => 'ids', 'number' => 0]) as $siteId) {
        switch_to_blog((int) $siteId);
        $everifin_webhook_delete();
        restore_current_blog();
    }
} else {
    $everifin_webhook_delete();
}
