<?php
/** Deleting the plugin deletes its settings (the hook secrets); order notes and meta stay. */

declare(strict_types=1);

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}
delete_option('everifin_webhook_secrets');
