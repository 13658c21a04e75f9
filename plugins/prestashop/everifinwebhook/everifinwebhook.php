<?php
/**
 * Everifin webhook module for PrestaShop 8 (PHP 8.1 or newer): the front controller
 * controllers/front/webhook.php receives Everifin Paygate webhooks at
 * index.php?fc=module&module=everifinwebhook&controller=webhook, verifies them and updates the
 * order with the order row locked. The configuration page takes the hook secrets and says which
 * backend of the bundled everifin-webhook library runs (native through FFI, or pure PHP) and why.
 *
 * This file is read by PrestaShop's module list on any PHP it runs on: it keeps to PHP 7.2 syntax
 * and loads the library (PHP 8.1) only where it can run, so an older PHP gets a clear refusal at
 * install time instead of a parse error.
 */

declare(strict_types=1);

if (!defined('_PS_VERSION_')) {
    exit;
}

// The PHP binding everifin/webhook is bundled in vendor/everifin-webhook (native library in lib/).
if (PHP_VERSION_ID >= EverifinWebhook::MIN_PHP_VERSION_ID && !class_exists(\Everifin\Webhook\Verifier::class) && is_file(__DIR__ . '/vendor/everifin-webhook/autoload.php')) {
    require_once __DIR__ . '/vendor/everifin-webhook/autoload.php';
}

class EverifinWebhook extends Module
{
    public const CONFIG_SECRETS = 'EVERIFIN_WEBHOOK_SECRETS';
    public const STATE_TABLE = 'everifin_webhook_state';
    /** The bundled library needs PHP 8.1. */
    public const MIN_PHP_VERSION_ID = 80100;

    public function __construct()
    {
        $this->name = 'everifinwebhook';
        $this->tab = 'payments_gateways';
        $this->version = '0.1.0';
        $this->author = 'Everifin';
        $this->need_instance = 0;
        // PrestaShop 8.0 is the first that runs on PHP 8.1.
        $this->ps_versions_compliancy = ['min' => '8.0.0', 'max' => _PS_VERSION_];
        $this->bootstrap = true;
        parent::__construct();
        $this->displayName = 'Everifin webhook';
        $this->description = 'Verifies Everifin Paygate webhooks and updates orders.';
        if (PHP_VERSION_ID < self::MIN_PHP_VERSION_ID) {
            $this->warning = self::phpTooOld();
        }
    }

    public static function phpTooOld(): string
    {
        return sprintf('This module needs PHP 8.1 or newer; this shop runs PHP %s.', PHP_VERSION);
    }

    public function install(): bool
    {
        if (PHP_VERSION_ID < self::MIN_PHP_VERSION_ID) {
            $this->_errors[] = self::phpTooOld();
            return false;
        }
        return parent::install() && Db::getInstance()->execute(
            'CREATE TABLE IF NOT EXISTS `' . _DB_PREFIX_ . self::STATE_TABLE . '` (
                `id_order` INT UNSIGNED NOT NULL PRIMARY KEY,
                `state` TEXT NOT NULL
            ) ENGINE=' . _MYSQL_ENGINE_ . ' DEFAULT CHARSET=utf8mb4'
        );
    }

    public function uninstall(): bool
    {
        Configuration::deleteByName(self::CONFIG_SECRETS);
        return parent::uninstall();
    }

    /** @return list<string> the hook secrets, oldest first (one per line in the configuration) */
    public static function secrets(): array
    {
        $raw = (string) Configuration::get(self::CONFIG_SECRETS);
        return self::lines($raw);
    }

    /** @return list<string> the non-empty lines of $text, as typed (a secret is its exact bytes) */
    private static function lines(string $text): array
    {
        return array_values(array_filter(preg_split('/\R/', $text) ?: [], static function ($s) {
            return $s !== '';
        }));
    }

    /**
     * A line in Advanced Parameters > Logs about an order (severity 1: informative, 3: error).
     * PrestaShop refuses <, >, { and } in a log message: they are replaced.
     */
    public static function log(string $message, int $severity, ?int $idOrder = null): void
    {
        $message = 'everifin-webhook: ' . strtr($message, ['<' => '(', '>' => ')', '{' => '(', '}' => ')']);
        PrestaShopLogger::addLog($message, $severity, null, $idOrder === null ? null : 'Order', $idOrder, true);
    }

    /** Reads the state of an order; call with the order row locked (see the front controller). */
    public static function loadState(int $idOrder): string
    {
        $v = Db::getInstance()->getValue('SELECT `state` FROM `' . _DB_PREFIX_ . self::STATE_TABLE . '` WHERE `id_order` = ' . (int) $idOrder, false);
        return is_string($v) ? $v : '';
    }

    public static function saveState(int $idOrder, string $stateJson): void
    {
        Db::getInstance()->execute('REPLACE INTO `' . _DB_PREFIX_ . self::STATE_TABLE . '` (`id_order`, `state`) VALUES ('
            . (int) $idOrder . ", '" . pSQL($stateJson) . "')");
    }

    /**
     * Runs $work inside a transaction with the order's row locked (SELECT ... FOR UPDATE), so two
     * deliveries of one order never both read the old state. Returns null when there is no such order.
     *
     * @template T
     * @param callable(): T $work
     * @return T|null
     */
    public static function withOrderLocked(int $idOrder, callable $work)
    {
        $db = Db::getInstance();
        if (!$db->execute('START TRANSACTION')) {
            throw new RuntimeException('cannot start a transaction');
        }
        try {
            // Db::getValue adds "LIMIT 1" unless the query has one: it must come before FOR UPDATE.
            $locked = $db->getValue('SELECT `id_order` FROM `' . _DB_PREFIX_ . 'orders` WHERE `id_order` = ' . (int) $idOrder . ' LIMIT 1 FOR UPDATE', false);
            $result = $locked ? $work() : null;
        } catch (\Throwable $e) {
            $db->execute('ROLLBACK');
            throw $e;
        }
        if (!$db->execute('COMMIT')) {
            throw new RuntimeException('cannot commit the order update');
        }
        return $result;
    }

    /** The backend in one sentence, from Environment::diagnose(): [ok, text]. @return array{0: bool, 1: string} */
    public static function backendSummary(): array
    {
        if (!class_exists(\Everifin\Webhook\Environment::class)) {
            return [false, 'The everifin-webhook library is missing from the module folder (vendor/everifin-webhook); reinstall the module.'];
        }
        $d = \Everifin\Webhook\Environment::diagnose();
        if ($d['backend'] === 'ffi') {
            return [true, sprintf('The native library runs (PHP FFI, %s, library %s).', $d['via'] === 'scope' ? 'preloaded at PHP start' : 'loaded from ' . (string) $d['library'], (string) $d['libraryVersion'])];
        }
        return [false, sprintf('The pure-PHP fallback runs, because %s. %s', rtrim((string) $d['reason'], '.'), implode(' ', $d['fix']))];
    }

    /** The configuration page: the hook secrets (never shown back) and the backend notice. */
    public function getContent(): string
    {
        $out = '';
        if (Tools::isSubmit('submitEverifinWebhook')) {
            $secrets = self::lines((string) Tools::getValue('EVERIFIN_WEBHOOK_SECRETS'));
            $error = null;
            if ($secrets !== [] && class_exists(\Everifin\Webhook\Verifier::class)) {
                try {
                    new \Everifin\Webhook\Verifier($secrets);
                } catch (\Everifin\Webhook\Exception\WebhookException $e) {
                    $error = $e->getMessage();   // names the problem, never a secret
                }
            }
            if ($error !== null) {
                $out .= $this->displayError(htmlspecialchars($error, ENT_QUOTES)); // displayError() prints HTML as given
            } elseif ($secrets !== []) {
                Configuration::updateValue(self::CONFIG_SECRETS, implode("\n", $secrets));
                $out .= $this->displayConfirmation(sprintf('%d hook secret(s) saved.', count($secrets)));
            }
        }
        [$ok, $summary] = self::backendSummary();
        $out .= $ok ? $this->displayInformation($summary) : $this->displayWarning($summary);
        if (self::secrets() === []) {
            $out .= $this->displayWarning('No hook secret is configured: webhooks are answered with HTTP 500 (Everifin retries them) until you set one.');
        }
        $url = $this->context->link->getModuleLink($this->name, 'webhook', [], true);
        $out .= '<div class="panel"><h3>Everifin webhook</h3>'
            . '<p>Webhook URL to enter in the Everifin Back Office: <code>' . htmlspecialchars($url, ENT_QUOTES) . '</code></p>'
            . '<form method="post" action="' . htmlspecialchars((string) $_SERVER['REQUEST_URI'], ENT_QUOTES) . '">'
            . '<p>' . count(self::secrets()) . ' hook secret(s) configured. One per line, oldest first; saving replaces them all.</p>'
            . '<textarea name="EVERIFIN_WEBHOOK_SECRETS" rows="3" cols="70" autocomplete="off"></textarea>'
            . '<button type="submit" name="submitEverifinWebhook" class="btn btn-primary">Save</button>'
            . '</form></div>';
        return $out;
    }
}
