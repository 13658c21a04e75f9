<?php
/**
 * Run by PrestaShop when the module is updated from a version before 0.2.0: creates the tables
 * 0.2.0 added (Everifin's ids of the matched orders, the last deliveries that changed no order).
 * The front controller also creates them when they are missing (EverifinWebhook::ensureSchema()),
 * for a shop whose files were replaced without this upgrade being run.
 */

if (!defined('_PS_VERSION_')) {
    exit;
}

/** @param EverifinWebhook $module */
function upgrade_module_0_2_0($module)
{
    return EverifinWebhook::installSchema();
}
