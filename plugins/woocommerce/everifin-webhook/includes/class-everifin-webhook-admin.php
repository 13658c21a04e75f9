<?php
/**
 * The settings screen (hook secrets, webhook URL, backend report) and the admin notice saying
 * which backend runs (native library through FFI, or the pure-PHP fallback) and why.
 */

declare(strict_types=1);

use Everifin\Webhook\Environment;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\SecretInput;
use Everifin\Webhook\Status;
use Everifin\Webhook\Verifier;

if (!defined('ABSPATH')) {
    exit;
}

final class Everifin_Webhook_Admin
{
    public const PAGE = 'everifin-webhook';
    public const CAPABILITY = 'manage_options';
    private const ACTION = 'everifin_webhook_save';
    /** A save error waits for the next page view in this transient, per user (plus the user id). */
    private const ERROR_TRANSIENT = 'everifin_webhook_error_';

    public static function register(): void
    {
        add_action('admin_menu', [self::class, 'menu']);
        add_action('admin_notices', [self::class, 'notices']);
        add_action('admin_post_' . self::ACTION, [self::class, 'save']);
        add_filter('plugin_action_links_' . plugin_basename(EVERIFIN_WEBHOOK_PLUGIN_FILE), [self::class, 'actionLinks']);
    }

    public static function menu(): void
    {
        // Under WooCommerce when its menu exists, else under Settings.
        $parent = !empty($GLOBALS['admin_page_hooks']['woocommerce']) ? 'woocommerce' : 'options-general.php';
        add_submenu_page($parent, 'Everifin webhook', 'Everifin webhook', self::CAPABILITY, self::PAGE, [self::class, 'render']);
    }

    /** @param array<string, string> $links */
    public static function actionLinks(array $links): array
    {
        array_unshift($links, '<a href="' . esc_url(self::pageUrl()) . '">' . esc_html__('Settings', 'everifin-webhook') . '</a>');
        return $links;
    }

    public static function pageUrl(array $args = []): string
    {
        return add_query_arg(['page' => self::PAGE] + $args, admin_url('admin.php'));
    }

    /**
     * Where the native library and its header are copied for PHP-FPM: a folder outside
     * wp-content/plugins that only root can write (PHP-FPM's master, which runs as root, loads them
     * when it starts). php.ini must never name a file in the plugin folder: an update (WordPress
     * replaces the folder) or a deletion removes it, and PHP-FPM then does not start at all.
     */
    public const NATIVE_DIR = Environment::STABLE_DIR;

    /**
     * The backend in one sentence, from Environment::diagnose() (or the given result of it):
     * [notice class, text]. The binding's own php.ini advice names files in its package folder,
     * here the plugin folder, which an update or a deletion removes: it is left out, and the
     * settings page's "Native library" section says what to do instead.
     *
     * @param array<string, mixed>|null $d
     * @return array{0: string, 1: string}
     */
    public static function backendSummary(?array $d = null): array
    {
        if ($d === null && !class_exists(Environment::class)) {
            return ['error', 'Everifin webhook: the everifin-webhook library is missing from the plugin folder (vendor/everifin-webhook); reinstall the plugin.'];
        }
        $d ??= Environment::diagnose();
        if ($d['backend'] === 'ffi') {
            return ['info', sprintf(
                'Everifin webhook: the native library runs (PHP FFI, %s, library %s).',
                $d['via'] === 'scope' ? 'preloaded at PHP start' : 'loaded from ' . (string) $d['library'],
                (string) $d['libraryVersion']
            )];
        }
        if (method_exists(Environment::class, 'withoutIniAdvice')) {
            $d = Environment::withoutIniAdvice($d);
        }
        $text = sprintf('Everifin webhook: the pure-PHP fallback runs, because %s.', rtrim((string) $d['reason'], '.'));
        foreach ($d['fix'] as $fix) {
            $text .= ' ' . $fix;
        }
        $text .= ' To use the native library, follow "Native library" on the plugin\'s settings page (php.ini must not name files in the plugin folder).';
        return ['warning', $text];
    }

    /**
     * Environment::report() of Environment::diagnose() (or of the given result of it) for the
     * settings page, without the php.ini advice that names the plugin folder
     * (Environment::withoutIniAdvice()).
     *
     * @param array<string, mixed>|null $d
     */
    public static function report(?array $d = null): string
    {
        if (!method_exists(Environment::class, 'withoutIniAdvice')) {
            // Classes of an older version, preloaded at PHP-FPM's start.
            return Environment::report();
        }
        return Environment::report(Environment::withoutIniAdvice($d ?? Environment::diagnose()));
    }

    /**
     * The ffi.preload and opcache.preload entries of this PHP that name a file in a plugin folder:
     * PHP-FPM does not start once an update or a deletion removed it.
     *
     * @return list<string> "ffi.preload=/path", ...
     */
    public static function preloadsInPluginFolder(): array
    {
        if (!method_exists(Environment::class, 'preloadsInside')) {
            return [];
        }
        return Environment::preloadsInside(defined('WP_PLUGIN_DIR') ? (string) WP_PLUGIN_DIR : dirname(EVERIFIN_WEBHOOK_PLUGIN_FILE, 2));
    }

    /**
     * The commands that set up the native library for PHP-FPM with this site's paths (readme.txt,
     * Installation step 3, gives the same with example paths): copies of the library and of its
     * header in NATIVE_DIR, an opcache.preload script there that preloads the plugin's library
     * classes only while the plugin is installed, the php.ini lines, a check that PHP-FPM starts
     * (php-fpm -t), then the reload: Environment::phpFpmSetup() of the bundled binding. The pool
     * user is Debian's www-data (the plugin uses no extension to look it up): the text says to
     * adapt it. Null where they cannot be given: not on a server with "/" paths (Windows), or a
     * plugin folder whose path phpFpmSetup() refuses (", \ or $ in it); nativeSetupUnavailable()
     * says why.
     *
     * @param string|null $pluginDir default: this plugin's folder
     */
    public static function nativeSetup(?string $pluginDir = null): ?string
    {
        if (DIRECTORY_SEPARATOR !== '/') {
            return null;
        }
        try {
            return Environment::phpFpmSetup(($pluginDir ?? dirname(EVERIFIN_WEBHOOK_PLUGIN_FILE)) . '/vendor/everifin-webhook', 'plugin', self::NATIVE_DIR, 'www-data');
        } catch (\InvalidArgumentException $e) {
            return null;
        }
    }

    /** Why nativeSetup() gives no commands, in one sentence. */
    public static function nativeSetupUnavailable(): string
    {
        if (DIRECTORY_SEPARATOR !== '/') {
            return 'The native library runs on Linux x86_64 only; on this server the pure-PHP fallback runs, with the same results.';
        }
        return 'The commands cannot be shown for this plugin folder: its path has a character they cannot quote (", \\ or $). Follow readme.txt, Installation step 3, with your paths.';
    }

    public static function notices(): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            return;
        }
        $screen = function_exists('get_current_screen') ? get_current_screen() : null;
        $id = $screen !== null ? (string) $screen->id : '';
        // The plugins list and the plugin's own page; a missing secret is shown everywhere.
        $ours = $id === 'plugins' || str_contains($id, self::PAGE);
        if ($ours) {
            [$class, $text] = self::backendSummary();
            printf('<div class="notice notice-%s everifin-webhook-backend"><p>%s</p></div>', esc_attr($class), esc_html($text));
        }
        $inside = self::preloadsInPluginFolder();
        if ($inside !== []) {
            printf(
                '<div class="notice notice-error everifin-webhook-preload-path"><p>%s <a href="%s">%s</a></p></div>',
                esc_html(sprintf(
                    'Everifin webhook: php.ini names a file in a plugin folder (%s). Updating or deleting the plugin removes it, and PHP-FPM then does not start at all (every page of the site answers 502). Move it to %s as "Native library" on the settings page says, and check with php-fpm -t before PHP-FPM is next reloaded or restarted.',
                    implode(', ', $inside),
                    self::NATIVE_DIR
                )),
                esc_url(self::pageUrl()),
                esc_html('Settings')
            );
        }
        if (Everifin_Webhook_Plugin::secrets() === []) {
            printf(
                '<div class="notice notice-warning everifin-webhook-secret"><p>%s <a href="%s">%s</a></p></div>',
                esc_html('Everifin webhook: no hook secret is configured; webhooks are answered with HTTP 500 (Everifin retries them) until you set one.'),
                esc_url(self::pageUrl()),
                esc_html('Configure')
            );
        }
    }

    public static function render(): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            wp_die(esc_html__('Sorry, you are not allowed to access this page.'));
        }
        $count = count(Everifin_Webhook_Plugin::secrets());
        $url = rest_url(Everifin_Webhook_Plugin::REST_NAMESPACE . Everifin_Webhook_Plugin::REST_ROUTE);
        echo '<div class="wrap"><h1>Everifin webhook</h1>';
        // The error of this user's last save, kept by save() for one page view. Never text from the
        // URL: a link could otherwise put any message into this page.
        $error = isset($_GET['everifin-error']) ? self::takeError() : null;
        if ($error !== null) {
            printf('<div class="notice notice-error everifin-webhook-error"><p>%s</p></div>', esc_html($error));
        } elseif (isset($_GET['updated'])) {
            echo '<div class="notice notice-success"><p>' . esc_html(sprintf('Saved: %d hook secret(s) configured.', $count)) . '</p></div>';
        }
        echo '<p>Webhook URL to enter in the Everifin Back Office: <code class="everifin-webhook-url">' . esc_html($url) . '</code></p>';
        echo '<form method="post" action="' . esc_url(admin_url('admin-post.php')) . '">';
        echo '<input type="hidden" name="action" value="' . esc_attr(self::ACTION) . '">';
        wp_nonce_field(self::ACTION);
        echo '<table class="form-table"><tr><th scope="row"><label for="everifin-webhook-secrets">Hook secrets</label></th><td>';
        // Secrets are never printed back: only how many are configured.
        echo '<p class="everifin-webhook-count">' . esc_html(sprintf('%d hook secret(s) configured.', $count)) . '</p>';
        echo '<textarea id="everifin-webhook-secrets" name="secrets" rows="3" cols="70" autocomplete="off" spellcheck="false" placeholder="'
            . esc_attr($count > 0 ? 'Leave empty to keep the configured secrets' : 'The hook secret from the Everifin Back Office') . '"></textarea>';
        echo '<p class="description">One secret per line, oldest first. During a rotation enter the old and the new secret; after a leak, only the new one. Saving replaces all configured secrets.</p>';
        if ($count > 0) {
            echo '<p><label><input type="checkbox" name="remove" value="1"> Remove all hook secrets (webhooks are then answered with HTTP 500, which Everifin retries, until new ones are saved)</label></p>';
        }
        echo '</td></tr></table>';
        submit_button('Save secrets');
        echo '</form>';
        self::renderDeliveries();
        [, $summary] = self::backendSummary();
        echo '<h2>Backend</h2><p>' . esc_html($summary) . '</p>';
        if (class_exists(Environment::class)) {
            echo '<pre class="everifin-webhook-report">' . esc_html(self::report()) . '</pre>';
        }
        echo '<h2>Native library (optional, faster)</h2>';
        if (!method_exists(Environment::class, 'phpFpmSetup')) {
            echo '<p class="everifin-webhook-native-setup">' . esc_html('The commands need the library of this plugin version; reload PHP-FPM (the classes it preloaded at its start are of an older version) or reinstall the plugin.') . '</p></div>';
            return;
        }
        $setup = self::nativeSetup();
        if ($setup === null) {
            echo '<p class="everifin-webhook-native-setup">' . esc_html(self::nativeSetupUnavailable()) . '</p></div>';
            return;
        }
        echo '<p>' . esc_html('The pure-PHP fallback gives the same results; the native library is faster. Under PHP-FPM it is loaded when PHP-FPM starts, from files named in php.ini. Those files must not be in the plugin folder: updating the plugin replaces the folder and deleting it removes it, and PHP-FPM does not start at all with a missing file (every page of the site answers 502). With sudo, with this site\'s paths (Debian/Ubuntu; elsewhere adapt the php.ini folder and the service name, and www-data to the user of your PHP-FPM pool):') . '</p>';
        echo '<pre class="everifin-webhook-native-setup">' . esc_html($setup) . '</pre>';
        echo '<p class="description">' . esc_html(sprintf(
            'PHP allows one opcache.preload: if php.ini has one already, leave out the opcache.preload line and add the line require \'%s/preload.php\'; to that file. After each plugin update, run the first three commands again (the new library and its header), then the last line: php-fpm -t must succeed before PHP-FPM is reloaded; until then the library copied before is used. To remove: delete 90-everifin-webhook.ini, run the last line, then delete %s.',
            self::NATIVE_DIR,
            self::NATIVE_DIR
        )) . '</p>';
        echo '</div>';
    }

    /**
     * What the endpoint recorded of deliveries that changed no order: the last one answered with
     * an error (a wrong secret makes every genuine delivery a 401) and the last verified one that
     * matched no order. At most one of each kind a minute is recorded.
     */
    private static function renderDeliveries(): void
    {
        echo '<h2>Deliveries that changed no order</h2>';
        $rejected = get_option(Everifin_Webhook_Plugin::OPTION_LAST_REJECTED, null);
        if (is_array($rejected) && isset($rejected['time'])) {
            $http = (int) ($rejected['httpStatus'] ?? 0);
            $status = (string) ($rejected['status'] ?? '');
            printf(
                '<p class="everifin-webhook-last-rejected">Last answered with an error: %s, HTTP %s: %s</p>',
                esc_html(self::when((int) $rejected['time'])),
                esc_html(trim($http . ' ' . $status)),
                esc_html(self::describeRejection($http, $status))
            );
            $hint = $http >= 500
                ? 'Everifin retries a 5xx answer a few times: fix the cause soon.'
                : 'Everifin does not retry a 4xx answer. A stranger\'s request is rejected like this too; if Everifin\'s own deliveries are (its Back Office shows their answers), the hook secret here is not the one in the Back Office: enter it again.';
            echo '<p class="description">' . esc_html($hint) . '</p>';
        } else {
            echo '<p class="everifin-webhook-last-rejected">No delivery answered with an error has been recorded.</p>';
        }
        $unmatched = get_option(Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED, null);
        if (is_array($unmatched) && isset($unmatched['time'])) {
            // The binding's words, as the PrestaShop module shows them (an older copy of the
            // binding loaded by another plugin may lack them).
            $known = class_exists(\Everifin\Webhook\Unmatched::class);
            printf(
                '<p class="everifin-webhook-last-unmatched">Last verified delivery that matched no order: %s, %s.</p>',
                esc_html(self::when((int) $unmatched['time'])),
                esc_html($known ? \Everifin\Webhook\Unmatched::describe($unmatched) : 'event ' . (string) ($unmatched['eventId'] ?? ''))
            );
            echo '<p class="description">' . esc_html('Answered 200 (Everifin does not send it again) and written to WooCommerce > Status > Logs, source everifin-webhook. '
                . ($known ? \Everifin\Webhook\Unmatched::matching('WooCommerce', 'wc-1042') : 'The order is found by the payment\'s externalId, which must be the WooCommerce order ID (digits only).')) . '</p>';
        } else {
            echo '<p class="everifin-webhook-last-unmatched">No verified delivery without a matching order has been recorded.</p>';
        }
        echo '<p class="description">At most one delivery of each kind is recorded a minute. Their bodies and Signature headers are not stored, nor the error message sent back (it may quote them).</p>';
    }

    /**
     * What a status of a rejected delivery means, in the plugin's own words: the record holds no
     * text of the request (the library's message quotes it), so a stranger cannot put words on
     * this page.
     */
    public static function describeRejection(int $httpStatus, string $status): string
    {
        // The binding's sentence (an older copy of the binding loaded by another plugin may lack it).
        $meaning = method_exists(Status::class, 'rejectionMeaning') ? Status::rejectionMeaning($status) : null;
        if ($meaning !== null) {
            return Status::family($status) === 'internal' ? $meaning . ' (see WooCommerce > Status > Logs, source everifin-webhook).' : $meaning . '.';
        }
        if ($status === '' && $httpStatus === 503) {
            return 'the order was being updated by another delivery; Everifin retries.';
        }
        return 'see the status name.';
    }

    /** A recorded time in the site's time zone. */
    private static function when(int $time): string
    {
        return function_exists('wp_date') ? (string) wp_date('Y-m-d H:i:s T', $time) : gmdate('Y-m-d H:i:s', $time) . ' UTC';
    }

    /** admin-post.php handler of the settings form. */
    public static function save(): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            wp_die(esc_html__('Sorry, you are not allowed to access this page.'), 403);
        }
        check_admin_referer(self::ACTION);
        $raw = isset($_POST['secrets']) ? (string) wp_unslash($_POST['secrets']) : '';
        // One per line; used as typed (not trimmed: a secret is its exact bytes).
        $secrets = array_values(array_filter(preg_split('/\r\n|\n|\r/', $raw) ?: [], static fn ($s) => $s !== ''));
        if ($secrets === []) {
            if (!empty($_POST['remove'])) {
                Everifin_Webhook_Plugin::saveSecrets([]);
                wp_safe_redirect(self::pageUrl(['updated' => '1']));
                exit;
            }
            wp_safe_redirect(self::pageUrl());
            exit;
        }
        if (class_exists(Verifier::class)) {
            try {
                new Verifier($secrets);
            } catch (WebhookException $e) {
                // The message names the problem, never a secret. The configured secrets stay.
                self::failSave('Not saved: ' . rtrim($e->getMessage(), '.') . '. The configured secrets are unchanged.');
            }
        }
        // A blank pasted with a secret would make every genuine webhook a 401 (SecretInput).
        $blank = class_exists(SecretInput::class) ? SecretInput::blankProblem($secrets) : null;
        if ($blank !== null) {
            self::failSave('Not saved: ' . $blank . ' The configured secrets are unchanged.');
        }
        Everifin_Webhook_Plugin::saveSecrets($secrets);
        wp_safe_redirect(self::pageUrl(['updated' => '1']));
        exit;
    }

    /** Back to the settings page with $message shown once to this user as an error; nothing saved. */
    private static function failSave(string $message): never
    {
        set_transient(self::ERROR_TRANSIENT . get_current_user_id(), $message, 10 * MINUTE_IN_SECONDS);
        wp_safe_redirect(self::pageUrl(['everifin-error' => '1']));
        exit;
    }

    /** The error failSave() left for the current user, once; null when there is none. */
    private static function takeError(): ?string
    {
        $key = self::ERROR_TRANSIENT . get_current_user_id();
        $message = get_transient($key);
        if (!is_string($message) || $message === '') {
            return null;
        }
        delete_transient($key);
        return $message;
    }
}
