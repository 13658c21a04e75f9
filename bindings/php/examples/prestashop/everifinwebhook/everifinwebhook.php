<?php
/**
 * Everifin webhook example module for PrestaShop 1.7/8: the front controller
 * controllers/front/webhook.php receives Everifin Paygate webhooks at
 * index.php?fc=module&module=everifinwebhook&controller=webhook and updates the order.
 */

declare(strict_types=1);

if (!defined('_PS_VERSION_')) {
    exit;
}

if (!class_exists(\Everifin\Webhook\Verifier::class)) {
    // With Composer: the module's vendor/autoload.php. Without: the package's own autoloader.
    require_once getenv('EVERIFIN_WEBHOOK_AUTOLOAD') ?: dirname(__DIR__, 3) . '/autoload.php';
}

class EverifinWebhook extends Module
{
    public const CONFIG_SECRETS = 'EVERIFIN_WEBHOOK_SECRETS';
    public const STATE_TABLE = 'everifin_webhook_state';

    public function __construct()
    {
        $this->name = 'everifinwebhook';
        $this->tab = 'payments_gateways';
        $this->version = '0.1.0';
        $this->author = 'Everifin webhook example';
        $this->need_instance = 0;
        parent::__construct();
        $this->displayName = 'Everifin webhook example';
        $this->description = 'Verifies Everifin Paygate webhooks and updates orders.';
    }

    public function install(): bool
    {
        return parent::install() && Db::getInstance()->execute(
            'CREATE TABLE IF NOT EXISTS `' . _DB_PREFIX_ . self::STATE_TABLE . '` (
                `id_order` INT UNSIGNED NOT NULL PRIMARY KEY,
                `state` TEXT NOT NULL
            ) ENGINE=' . _MYSQL_ENGINE_ . ' DEFAULT CHARSET=utf8mb4'
        );
    }

    /** @return list<string> the hook secrets, oldest first (one per line in the configuration) */
    public static function secrets(): array
    {
        $raw = (string) Configuration::get(self::CONFIG_SECRETS);
        return array_values(array_filter(preg_split('/\R/', $raw) ?: [], static fn ($s) => $s !== ''));
    }

    public static function loadState(int $idOrder): string
    {
        $v = Db::getInstance()->getValue('SELECT `state` FROM `' . _DB_PREFIX_ . self::STATE_TABLE . '` WHERE `id_order` = ' . (int) $idOrder);
        return is_string($v) ? $v : '';
    }

    public static function saveState(int $idOrder, string $stateJson): void
    {
        Db::getInstance()->execute('REPLACE INTO `' . _DB_PREFIX_ . self::STATE_TABLE . '` (`id_order`, `state`) VALUES ('
            . (int) $idOrder . ", '" . pSQL($stateJson) . "')");
    }
}
