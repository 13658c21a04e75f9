<?php
/**
 * Deleting the plugin deletes its settings (the hook secrets) on every site of a network; order
 * notes and meta stay.
 */

declare(strict_types=1);

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}
if (is_multisite()) {
    foreach (get_sites(['fields' => 'ids', 'number' => 0]) as $siteId) {
        switch_to_blog((int) $siteId);
        delete_option('everifin_webhook_secrets');
        restore_current_blog();
    }
} else {
    delete_option('everifin_webhook_secrets');
}
