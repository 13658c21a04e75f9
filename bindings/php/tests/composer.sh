#!/usr/bin/env bash
# The Composer install of bindings/php/README.md, run exactly as written there (the lines between
# the composer-install markers, with /path/to/everifin-webhook replaced by this checkout), in a
# temporary project with its own COMPOSER_HOME; then a webhook is verified through
# vendor/autoload.php. Installs Debian's composer when missing. Exit status non-zero on failure.
set -euo pipefail
PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$PKG_DIR/../.." && pwd)"
command -v composer >/dev/null 2>&1 || bash "$ROOT/scripts/dist-tools.sh" --apt-only composer
DIR="$(mktemp -d /tmp/everifin-composer.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
# The shell block between the markers, as written.
awk '/<!-- composer-install/ {on=1; next} /<!-- \/composer-install -->/ {on=0} on' "$PKG_DIR/README.md" \
  | sed -e '/^```/d' -e "s#/path/to/everifin-webhook#$ROOT#g" > "$DIR/install.sh"
grep -q 'composer install' "$DIR/install.sh" || { echo "composer.sh: no install block found in README.md" >&2; exit 1; }
mkdir "$DIR/shop"
(cd "$DIR/shop" && COMPOSER_HOME="$DIR/composer-home" COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_NO_INTERACTION=1 bash -e "$DIR/install.sh")
test -f "$DIR/shop/vendor/autoload.php"
# The version Composer installed is the package's own (composer.json "version"), as the README says.
want="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["version"] ?? "";' "$PKG_DIR/composer.json")"
got="$(php -r 'foreach (json_decode(file_get_contents($argv[1]), true)["packages"] ?? [] as $p) { if ($p["name"] === "everifin/webhook") { echo $p["version"]; } }' "$DIR/shop/vendor/composer/installed.json")"
[ -n "$want" ] && [ "$got" = "$want" ] || { echo "composer.sh: installed everifin/webhook '$got'; composer.json's version is '$want'" >&2; exit 1; }
echo "composer install: everifin/webhook $got, composer.json's version"
cat > "$DIR/shop/check.php" <<'PHP'
<?php
require __DIR__ . '/vendor/autoload.php';
use Everifin\Webhook\Verifier;
$body = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED"}}';
$v = new Verifier(['shop-secret']);
$e = $v->verify($body, Verifier::sign($body, ['shop-secret']));
if ($e->outcome !== 'paid' || $e->suggestedFor('woocommerce') !== 'processing') {
    fwrite(STDERR, "unexpected event\n");
    exit(1);
}
$r = (new ReflectionClass(Verifier::class))->getFileName();
echo "composer install: verified through vendor/autoload.php (", $v->backend(), " backend, ", $r, ")\n";
PHP
(cd "$DIR/shop" && php -d ffi.enable=1 check.php && php -d ffi.enable=0 check.php)
