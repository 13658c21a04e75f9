<?php
/**
 * Deleting the plugin deletes its settings (the hook secrets) and its records of the last
 * deliveries that changed no order, on every site of a network; order notes and meta stay.
 */

declare(strict_types=1);

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}
$everifin_webhook_options = ['everifin_webhook_secrets', 'everifin_webhook_last_rejected', 'everifin_webhook_last_unmatched'];
if (is_multisite()) {
    foreach (get_sites(['fields' => 'ids', 'number' => 0]) as $siteId) {
        switch_to_blog((int) $siteId);
        foreach ($everifin_webhook_options as $option) {
            delete_option($option);
        }
        restore_current_blog();
    }
} else {
    foreach ($everifin_webhook_options as $option) {
        delete_option($option);
    }
}
