#!/usr/bin/env python3
"""Checks of tests/dist/wordpress.sh against the running WordPress, through HTTP like Everifin and
a merchant, and the stored order state through the test's setup.php:

  - the admin logs in, saves two hook secrets on the plugin's settings screen (stored with autoload
    off, never printed back), and sees the admin notice naming the backend of each PHP-FPM pool;
  - per pool: a valid payment BOOKED (order paid once), the same event again (duplicate), a forged
    signature, a stale signature, a late older event, no Signature header, bodies WordPress cannot
    parse, a booked refund (a note, no status change), orders paid or completed in the shop (never
    moved back), a payment booked but not applied, a second payment of a paid order and a payment
    for an order payment_complete() does not mark paid (checkout draft, trash) (a warning note and
    log line, once), an order that needs no processing (completed), Everifin's order-level PAID
    (the checkout's transaction id kept), a refund without externalId (found by the Everifin orderId an earlier
    event stored with the order), an unknown order, megabytes of nested JSON arrays (WordPress would decode them out of
    memory before the route: answered 413/401, no fatal error), a batch of webhook sub-requests
    (WordPress's 400 rest_batch_not_allowed), the same event delivered concurrently by many
    requests, named by its externalId or found by Everifin's ids (applied exactly once), and a
    payment_complete() that fails because a hook throws: before the order is paid (500, rolled
    back, applied on the retry) and after WooCommerce saved it paid (200, kept, a warning), and a
    save of the webhook state that WooCommerce's save() fails and catches (500, rolled back,
    applied once on the retry).

Signatures are made with Python's hmac (independent of the library). Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.cookiejar
import json
import re
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

SECRETS = ["wp-test hook secret 2025 (old)", "wp-test hook secret 2026 (new)"]
PAYMENT = "da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21"
failures = 0
passed = 0


def check(what: str, ok: bool, detail: Any = "") -> bool:
    global failures, passed
    if ok:
        passed += 1
        print(f"  ok    {what}")
    else:
        failures += 1
        print(f"  FAIL  {what}: {detail}")
    return ok


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def sign(body: bytes, secret: str, at: Optional[datetime] = None) -> str:
    ts = iso(at or datetime.now(timezone.utc))
    return "ts=%s;v0=%s" % (ts, hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest())


def event(order_id: int, status: str, at: datetime, event_id: Optional[str] = None, refund: bool = False) -> bytes:
    entity = {"refundId": "2b1f0c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"} if refund else {"paymentId": PAYMENT}
    return json.dumps({
        "eventId": event_id or str(uuid.uuid4()),
        "eventType": "payment.statusChange",
        "eventTimestamp": iso(at),
        "data": {**entity, "status": status, "externalId": str(order_id),
                 "hookData": {"note": "objednávka %d" % order_id}},
    }, ensure_ascii=False, separators=(",", ":")).encode()


def event_of(data: Dict[str, Any], at: datetime, event_type: str = "payment.statusChange", event_id: Optional[str] = None) -> bytes:
    """An event with the given data (any entity: payment, refund, Everifin's order)."""
    return json.dumps({"eventId": event_id or str(uuid.uuid4()), "eventType": event_type, "eventTimestamp": iso(at), "data": data},
                      ensure_ascii=False, separators=(",", ":")).encode()


def dec(answer: Dict[str, Any]) -> Dict[str, Any]:
    """The decision of an answer in the shape docs/design.md "What endpoints answer" gives."""
    d = answer.get("decision")
    return d if isinstance(d, dict) else {}


class Site:
    def __init__(self, name: str, url: str, php: List[str]) -> None:
        self.name, self.url, self.php = name, url.rstrip("/"), php
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> Tuple[int, str, str]:
        with self.opener.open(self.url + path, timeout=60) as r:
            return r.status, r.geturl(), r.read().decode("utf-8", "replace")

    def post_form(self, path: str, fields: Dict[str, str]) -> Tuple[int, str, str]:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.url + path, data=data, timeout=60) as r:
            return r.status, r.geturl(), r.read().decode("utf-8", "replace")

    def login(self, password: str) -> bool:
        self.get("/wp-login.php")  # sets WordPress's test cookie
        _, url, html = self.post_form("/wp-login.php", {
            "log": "admin", "pwd": password, "wp-submit": "Log In", "testcookie": "1",
            "redirect_to": self.url + "/wp-admin/"})
        return check(f"{self.name}: the admin logs in", "/wp-admin/" in url and "wp-login.php" not in url, url)

    def webhook(self, body: bytes, signature: Optional[str], path: str = "/wp-json/everifin/v1/webhook") -> Tuple[int, Dict[str, Any]]:
        code, ans, _ = self.webhook_with_headers(body, signature, path)
        return code, ans

    def webhook_with_headers(self, body: bytes, signature: Optional[str], path: str = "/wp-json/everifin/v1/webhook") -> Tuple[int, Dict[str, Any], Dict[str, str]]:
        # As Everifin sends it: WordPress parses such a body before the route unless told not to.
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Signature"] = signature
        req = urllib.request.Request(self.url + path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                code, raw, got = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            code, raw, got = e.code, e.read(), dict(e.headers)
        try:
            return code, json.loads(raw), got
        except ValueError:
            return code, {"raw": raw[:300].decode("utf-8", "replace")}, got

    def wp(self, *args: str) -> str:
        out = subprocess.run(self.php + list(args), check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def new_order(self, status: str = "pending") -> int:
        return int(self.wp("order", status))

    def order(self, order_id: int) -> Dict[str, Any]:
        return json.loads(self.wp("order-state", str(order_id)))


def settings(site: Site) -> None:
    page = "/wp-admin/admin.php?page=everifin-webhook"
    code, _, html = site.get(page)
    check("settings screen: shows the webhook URL", f"{site.url}/wp-json/everifin/v1/webhook" in html, re.findall(r'everifin-webhook-url">([^<]*)', html))
    check("settings screen: no secret configured yet", "0 hook secret(s) configured." in html, "")
    nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', html)
    if not check("settings screen: the form has a nonce", nonce is not None, ""):
        return
    assert nonce is not None
    _, url, html = site.post_form("/wp-admin/admin-post.php", {
        "action": "everifin_webhook_save", "_wpnonce": nonce.group(1),
        "_wp_http_referer": page, "secrets": "\r\n".join(SECRETS) + "\r\n"})
    check("settings screen: saving two secrets (old and new, CRLF lines) succeeds",
          "updated=1" in url and "2 hook secret(s) configured." in html, url)
    check("settings screen: the secrets are never printed back", not any(s in html for s in SECRETS), "a secret is in the page")
    opt = json.loads(site.wp("option", "everifin_webhook_secrets"))
    check("option everifin_webhook_secrets: 2 secrets, autoload no", opt == {"autoload": "no", "count": 2}, opt)

    # A secret pasted with a blank at either end would make every genuine webhook a 401: refused,
    # naming which secret, never showing it; the configured secrets stay.
    for typed, which in (([SECRETS[0], SECRETS[1] + " "], "the second secret ends with a space"),
                         (["\u00a0" + SECRETS[0], SECRETS[1]], "the first secret begins with a space")):
        _, _, html = site.get(page)
        nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', html)
        _, url, html = site.post_form("/wp-admin/admin-post.php", {
            "action": "everifin_webhook_save", "_wpnonce": nonce.group(1) if nonce else "",
            "_wp_http_referer": page, "secrets": "\r\n".join(typed)})
        shown = re.findall(r'everifin-webhook-error"><p>([^<]*)', html)
        check(f"settings screen: refuses a secret with a blank at one end ({which}), keeps the configured ones",
              "updated=1" not in url and len(shown) == 1 and which in shown[0] and "2 hook secret(s) configured." in html, (url, shown))
        check("settings screen: ... without showing the secret", not any(s in html for s in SECRETS), "a secret is in the page")
        _, _, html = site.get(page + "&everifin-error=1")
        check("settings screen: ... and shows that error once", "everifin-webhook-error" not in html, re.findall(r'notice-error[^>]*><p>([^<]*)', html))

    # The error notice shows only what a save of this user left, never text from the URL (phishing).
    _, _, html = site.get(page + "&everifin-error=" + urllib.parse.quote("Security alert: call +420 000 000 000"))
    check("settings screen: a link cannot put text into the error notice",
          "Security alert" not in html and "everifin-webhook-error" not in html, re.findall(r'notice-error[^>]*><p>([^<]*)', html))


def remove_secrets(site: Site) -> None:
    """The merchant removes every secret (the checkbox): webhooks are then answered 500, retried."""
    page = "/wp-admin/admin.php?page=everifin-webhook"
    _, _, html = site.get(page)
    nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', html)
    if not check("settings screen: offers to remove the secrets", nonce is not None and 'name="remove"' in html, ""):
        return
    assert nonce is not None
    _, url, html = site.post_form("/wp-admin/admin-post.php", {
        "action": "everifin_webhook_save", "_wpnonce": nonce.group(1), "_wp_http_referer": page, "secrets": "", "remove": "1"})
    check("settings screen: removing every secret succeeds", "updated=1" in url and "0 hook secret(s) configured." in html, url)
    body = event(site.new_order(), "BOOKED", datetime.now(timezone.utc))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    check("without secrets a webhook -> 500 INVALID_OPTIONS (Everifin retries)", (code, ans.get("status")) == (500, "INVALID_OPTIONS"), (code, ans))


def notice(site: Site, backend: str) -> None:
    _, _, html = site.get("/wp-admin/plugins.php")
    m = re.search(r'<div class="notice notice-(\w+) everifin-webhook-backend"><p>(.*?)</p></div>', html, re.S)
    if not check(f"{site.name}: the plugins screen has the backend notice", m is not None, html[:0]):
        return
    assert m is not None
    cls, text = m.group(1), m.group(2)
    print(f"        notice ({cls}): {text[:200]}")
    if backend == "ffi":
        check(f"{site.name}: notice says the native library runs, preloaded", cls == "info" and "the native library runs (PHP FFI, preloaded at PHP start" in text, text)
    else:
        check(f"{site.name}: notice says the pure-PHP fallback runs and why (ffi.enable=0)",
              cls == "warning" and "the pure-PHP fallback runs, because" in text and "ffi.enable=0" in text, text)
        # The binding's own advice names php.ini lines in its folder, here the plugin folder, which an
        # update or deletion removes (PHP-FPM then does not start): the plugin points to its own.
        check(f"{site.name}: notice names no php.ini line into the plugin folder, points to the settings page",
              "ffi.preload=" not in text and "opcache.preload=" not in text and "/plugins/" not in text
              and 'follow &quot;Native library&quot; on the plugin&#039;s settings page' in text, text)
    check(f"{site.name}: no warning about php.ini naming files in a plugin folder", "everifin-webhook-preload-path" not in html,
          re.findall(r'everifin-webhook-preload-path"><p>([^<]*)', html))


def native_section(site: Site) -> None:
    """The settings page's "Native library" commands: the library and header copied outside the plugin folder."""
    _, _, html = site.get("/wp-admin/admin.php?page=everifin-webhook")
    block = re.search(r'<pre class="everifin-webhook-native-setup">(.*?)</pre>', html, re.S)
    report = re.search(r'<pre class="everifin-webhook-report">(.*?)</pre>', html, re.S)
    text = block.group(1) if block else ""
    check(f"{site.name}: settings page: native library commands with stable paths outside the plugin folder",
          "ffi.preload=/opt/everifin-webhook/everifin_webhook.ffi.h" in text and "opcache.preload=/opt/everifin-webhook/preload.php" in text
          and "--lib=/opt/everifin-webhook/libeverifin_webhook.so --out=/opt/everifin-webhook/everifin_webhook.ffi.h" in text
          and " -t &amp;&amp; " in text, text)
    check(f"{site.name}: settings page: the backend report names no php.ini line into the plugin folder",
          report is not None and "Add to php.ini" not in report.group(1) and "add to php.ini" not in report.group(1), report.group(1) if report else html[:0])


def configure(site: Site) -> None:
    """Saves the two secrets (after remove_secrets() of an earlier run)."""
    page = "/wp-admin/admin.php?page=everifin-webhook"
    _, _, html = site.get(page)
    nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', html)
    _, url, html = site.post_form("/wp-admin/admin-post.php", {
        "action": "everifin_webhook_save", "_wpnonce": nonce.group(1) if nonce else "",
        "_wp_http_referer": page, "secrets": "\n".join(SECRETS)})
    check(f"{site.name}: the two secrets saved again", "updated=1" in url and "2 hook secret(s) configured." in html, url)


def genuine(site: Site) -> None:
    order = site.new_order()
    body = event(order, "BOOKED", datetime.now(timezone.utc))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    check(f"{site.name}: a genuine BOOKED -> 200 apply, order paid", (code, dec(ans).get("action"), ans.get("orderState")) == (200, "apply", "processing"), (code, ans))


def preload_warning(site: Site) -> None:
    """php.ini names files in the plugin folder (the former readme's setup): an error notice on every admin page."""
    _, _, html = site.get("/wp-admin/")
    shown = re.findall(r'notice-error everifin-webhook-preload-path"><p>([^<]*)', html)
    check(f"{site.name}: php.ini naming files in the plugin folder -> an error notice on the dashboard",
          len(shown) == 1 and "ffi.preload=" in shown[0] and "/plugins/everifin-webhook/" in shown[0]
          and "PHP-FPM then does not start at all" in shown[0], shown)


def webhooks(site: Site, concurrency: int, first: bool) -> None:
    now = datetime.now(timezone.utc)
    order = site.new_order()
    booked = event(order, "BOOKED", now - timedelta(seconds=5))
    code, ans = site.webhook(booked, sign(booked, SECRETS[1]))
    check(f"{site.name}: valid BOOKED (new secret) -> 200 apply first, order paid", (code, ans) == (200, {
        "received": True, "order": order, "decision": {"action": "apply", "reason": "first"},
        "orderOutcome": "paid", "orderState": "processing"}), (code, ans))
    st = site.order(order)
    check(f"{site.name}: order paid once (processing, payment_complete x1, transaction id)",
          st["status"] == "wc-processing" and st["paymentComplete"] == 1 and st["transactionId"] == PAYMENT, st)
    eid = json.loads(booked)["eventId"]
    check(f"{site.name}: the webhook state is stored in order meta", st["state"] is not None and eid in json.dumps(st["state"]), st["state"])

    code, ans, headers = site.webhook_with_headers(booked, sign(booked, SECRETS[0]))
    check(f"{site.name}: the answer carries WordPress's Allow: POST (rest_send_allow_header, a matched route)",
          headers.get("Allow") == "POST", headers)
    check(f"{site.name}: same event again (old secret) -> 200 skip duplicate", (code, dec(ans).get("action"), dec(ans).get("reason")) == (200, "skip", "duplicate"), (code, ans))
    forged = sign(booked, "someone else's secret")
    code, ans = site.webhook(booked, forged)
    check(f"{site.name}: forged signature -> 401 SIGNATURE_MISMATCH", (code, ans.get("status")) == (401, "SIGNATURE_MISMATCH"), (code, ans))
    code, ans = site.webhook(booked, sign(booked, SECRETS[1], now - timedelta(minutes=10)))
    check(f"{site.name}: stale signature (10 min old) -> 401 TIMESTAMP_TOO_OLD", (code, ans.get("status")) == (401, "TIMESTAMP_TOO_OLD"), (code, ans))
    if first:
        # The first rejected delivery of the run is on the settings page; the next, within the
        # minute, is not recorded (a flood writes one row a minute). Never the body or the header.
        _, _, html = site.get("/wp-admin/admin.php?page=everifin-webhook")
        shown = re.findall(r'everifin-webhook-last-rejected">([^<]*)', html)
        check(f"{site.name}: settings page shows the last rejected delivery: 401 SIGNATURE_MISMATCH, the plugin's description",
              len(shown) == 1 and "HTTP 401 SIGNATURE_MISMATCH: no signature in the Signature header matches a configured hook secret." in shown[0], shown)
        raw = site.wp("option-raw", "everifin_webhook_last_rejected")
        check(f"{site.name}: ... stored with autoload off, without a secret, the header or the body",
              '"autoload":"no"' in raw and "SIGNATURE_MISMATCH" in raw and "message" not in raw
              and not any(x in raw for x in SECRETS + [forged, forged.split("v0=")[1], eid]), raw)
    code, ans = site.webhook(booked, None)
    check(f"{site.name}: no Signature header -> 401 HEADER_MISSING", (code, ans.get("status")) == (401, "HEADER_MISSING"), (code, ans))
    late = event(order, "PROCESSING", now - timedelta(seconds=30))
    code, ans = site.webhook(late, sign(late, SECRETS[1]))
    check(f"{site.name}: a late older PROCESSING -> 200 skip", (code, dec(ans).get("action")) == (200, "skip"), (code, ans))
    expired = event(order, "EXPIRED", now)
    code, ans = site.webhook(expired, sign(expired, SECRETS[1]))
    check(f"{site.name}: EXPIRED after BOOKED of the same payment -> 200 skip, the order stays paid",
          (code, dec(ans).get("action"), ans.get("orderOutcome")) == (200, "skip", "paid"), (code, ans))
    st = site.order(order)
    check(f"{site.name}: the order is still paid, once", st["status"] == "wc-processing" and st["paymentComplete"] == 1
          and st["statusChanges"] == ["pending>processing"], st)
    code, ans = site.webhook(b"not json", None)
    check(f"{site.name}: unsigned non-JSON body -> 401 HEADER_MISSING (not WordPress's 400 rest_invalid_json)",
          (code, ans.get("status")) == (401, "HEADER_MISSING"), (code, ans))
    # WordPress's batch endpoint runs rest_pre_dispatch for each sub-request (built without a raw
    # body) before it refuses a route that does not allow batching: a stranger's batch of 25
    # webhook sub-requests is WordPress's 400 rest_batch_not_allowed each, and reaches neither the
    # library nor WooCommerce's log.
    log_before = json.loads(site.wp("log"))
    rejected_before = site.wp("option-raw", "everifin_webhook_last_rejected")
    subs = [{"method": "POST", "path": "/everifin/v1/webhook"}] * 24 + [{"method": "POST", "path": "/everifin/v1/webhook", "headers": {"Signature": forged}}]
    for path, batch in (("/wp-json/batch/v1", {"requests": subs}), ("/?rest_route=/batch/v1", {"requests": subs}),
                        ("/wp-json/batch/v1", {"validation": "require-all-validate", "requests": subs})):
        code, ans = site.webhook(json.dumps(batch).encode(), None, path)
        got = [(r.get("status"), (r.get("body") or {}).get("code")) for r in ans.get("responses", []) if isinstance(r, dict)]
        check(f"{site.name}: POST {path} with 25 webhook sub-requests{' (require-all-validate)' if 'validation' in batch else ''} -> 207, each 400 rest_batch_not_allowed",
              code == 207 and got == [(400, "rest_batch_not_allowed")] * 25, (code, str(ans)[:300]))
    log_after = json.loads(site.wp("log"))
    check(f"{site.name}: ... nothing written to WooCommerce's log, the last rejected delivery unchanged",
          len(log_after) == len(log_before) and site.wp("option-raw", "everifin_webhook_last_rejected") == rejected_before, log_after[len(log_before):][:2])
    latin1 = b'{"eventId":"caf\xe9"}'
    code, ans = site.webhook(latin1, sign(latin1, SECRETS[1]))
    check(f"{site.name}: signed non-UTF-8 JSON body -> 400 BODY_NOT_UTF8", (code, ans.get("status")) == (400, "BODY_NOT_UTF8"), (code, ans))
    refund = event(order, "BOOKED", now + timedelta(seconds=1), refund=True)
    code, ans = site.webhook(refund, sign(refund, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: refund booked -> 200 apply refunded; the order stays processing with a note (the amount is not in the webhook)",
          (code, dec(ans).get("action"), ans.get("orderOutcome"), st["status"]) == (200, "apply", "refunded", "wc-processing")
          and "record it with the Refund button" in st["notes"][-1], (code, ans, st))

    # The order moved in the shop without a webhook (paid another way, completed by the merchant).
    for before, status, after in (("processing", "EXPIRED", "wc-processing"), ("completed", "FAILED", "wc-completed"), ("on-hold", "FAILED", "wc-failed")):
        shop_order = site.new_order(before)
        body = event(shop_order, status, now)
        code, ans = site.webhook(body, sign(body, SECRETS[1]))
        st = site.order(shop_order)
        check(f"{site.name}: order {before} in the shop, then {status} -> 200 apply first, order {after}",
              (code, dec(ans).get("reason"), st["status"], ans.get("orderState")) == (200, "first", after, after[3:]), (code, ans, st))

    unknown = event(999999, "BOOKED", now)
    code, ans = site.webhook(unknown, sign(unknown, SECRETS[1]))
    check(f"{site.name}: unknown order -> 200 received, no order, no decision", (code, ans.get("received"), ans.get("order"), "decision" in ans) == (200, True, None, False), (code, ans))
    if first:
        _, _, html = site.get("/wp-admin/admin.php?page=everifin-webhook")
        shown = re.findall(r'everifin-webhook-last-unmatched">([^<]*)', html)
        want = "event %s (payment.statusChange BOOKED), looked for externalId &quot;999999&quot;, Everifin paymentId %s." % (json.loads(unknown)["eventId"], PAYMENT)
        check(f"{site.name}: settings page shows the last verified delivery that matched no order (event, externalId, Everifin paymentId)",
              len(shown) == 1 and want in shown[0], shown)
        raw = site.wp("option-raw", "everifin_webhook_last_unmatched")
        check(f"{site.name}: ... stored with autoload off, without a secret or the body's hookData",
              '"autoload":"no"' in raw and not any(x in raw for x in SECRETS + ["objedn"]), raw)

    # Bodies WordPress itself would json_decode before the route (WP_REST_Request::has_valid_params)
    # and run out of memory on (memory_limit=128M): a PHP fatal error, 500, before any check.
    nested = ("[" + ",".join(["[1,[2,[3]]]"] * 300000) + "]").encode()
    code, ans = site.webhook(nested, None)
    check(f"{site.name}: 3.3 MB of nested arrays, unsigned -> 413 BODY_TOO_LARGE (not a PHP fatal error)",
          (code, ans.get("status")) == (413, "BODY_TOO_LARGE"), (code, ans))
    # The same through every URL WordPress routes to the webhook: ?rest_route=, and a final "\n"
    # (%0A), which the `$` of WordPress's route regex also matches.
    for path in ("/?rest_route=/everifin/v1/webhook", "/?rest_route=/everifin/v1/webhook%0A", "/?rest_route=/Everifin/V1/Webhook/"):
        code, ans = site.webhook(nested, None, path)
        check(f"{site.name}: ... POST {path} -> 413 BODY_TOO_LARGE (answered before WordPress decodes the body)",
              (code, ans.get("status")) == (413, "BODY_TOO_LARGE"), (code, ans))
    nested = ("[" + ",".join(["[1,[2,[3]]]"] * 80000) + "]").encode()
    code, ans = site.webhook(nested, sign(nested, "someone else's secret"))
    check(f"{site.name}: 0.9 MB of nested arrays, forged signature -> 401 SIGNATURE_MISMATCH",
          (code, ans.get("status")) == (401, "SIGNATURE_MISMATCH"), (code, ans))
    body = event(site.new_order(), "BOOKED", now)
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    check(f"{site.name}: ... and a genuine delivery right after -> 200 apply", (code, dec(ans).get("action")) == (200, "apply"), (code, ans))

    # Everifin delivers the same event again while the first delivery is still running.
    order2 = site.new_order()
    body = event(order2, "BOOKED", now)
    answers = concurrently(site, body, concurrency)
    got = sorted((c, dec(a).get("action"), dec(a).get("reason")) for c, a in answers)
    want = sorted([(200, "apply", "first")] + [(200, "skip", "duplicate")] * (concurrency - 1))
    check(f"{site.name}: {concurrency} concurrent deliveries of one event -> 1 apply, {concurrency - 1} duplicate", got == want, got)
    st = site.order(order2)
    check(f"{site.name}: ... and the order was paid exactly once", st["status"] == "wc-processing" and st["paymentComplete"] == 1
          and st["statusChanges"] == ["pending>processing"], st)


def payment_complete_paths(site: Site) -> None:
    """WooCommerce's payment_complete() completes an order that needs no processing (virtual,
    downloadable products only), and an empty transaction id (Everifin's order-level PAID names no
    payment) leaves the one the checkout recorded."""
    now = datetime.now(timezone.utc)
    order = int(site.wp("order", "pending", "_test_needs_processing=no"))
    body = event(order, "BOOKED", now)
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: BOOKED for an order that needs no processing -> 200 apply, the order completed (paid once)",
          (code, dec(ans).get("action"), ans.get("orderState"), st["status"], st["paymentComplete"]) == (200, "apply", "completed", "wc-completed", 1), (code, ans, st))
    order = int(site.wp("order", "on-hold", "_transaction_id=checkout-attempt-7"))
    body = event_of({"orderId": str(uuid.uuid4()), "externalId": str(order), "status": "PAID"}, now, "order.statusChange")
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: Everifin's order-level PAID (no payment id) -> 200 apply, paid, the checkout's transaction id kept",
          (code, dec(ans).get("action"), st["status"], st["paymentComplete"], st["transactionId"]) == (200, "apply", "wc-processing", 1, "checkout-attempt-7"), (code, ans, st))


def failing_hook(site: Site) -> None:
    """WooCommerce's payment_complete() catches what a hook throws and returns false (test-hooks.php).
    A woocommerce_pre_payment_complete hook (_test_pre_payment_hook_throws): the order is not paid,
    the delivery is rolled back and answered 500, logged, so that Everifin delivers it again; once
    the hook works, the retry marks the order paid. A woocommerce_payment_complete hook
    (_test_payment_hook_throws), which WooCommerce runs after it saved the order paid: the order
    stays paid and the event applied, answered 200 with a warning; Everifin's retry is a duplicate
    (the order is not saved paid, nor e-mailed, twice). A woocommerce_before_order_object_save hook
    on the save of the webhook state (_test_state_save_throws), which WooCommerce's save() catches:
    the state is not stored, so the delivery is rolled back and answered 500; the retry applies it."""
    order = int(site.wp("order", "pending", "_test_pre_payment_hook_throws=1"))
    body = event(order, "BOOKED", datetime.now(timezone.utc))
    log_before = len(json.loads(site.wp("log")))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: BOOKED while a woocommerce_pre_payment_complete hook throws -> 500 INTERNAL; nothing kept (pending, no webhook state, no note)",
          (code, ans.get("status"), st["status"], st["state"], st["paymentComplete"], st["notes"]) == (500, "INTERNAL", "wc-pending", None, 0, []), (code, ans, st))
    new = json.loads(site.wp("log"))[log_before:]
    check(f"{site.name}: ... and one error in WooCommerce's log naming payment_complete() and the order",
          [line["level"] for line in new] == ["error"] and len(new) == 1
          and ("Everifin_Webhook_Not_Applied: WooCommerce's payment_complete() failed for order %d" % order) in new[0]["message"], new)
    site.wp("delete-meta", str(order), "_test_pre_payment_hook_throws")
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: ... Everifin's retry once the hook works -> 200 apply first, the order paid once",
          (code, dec(ans).get("reason"), st["status"], st["paymentComplete"]) == (200, "first", "wc-processing", 1), (code, ans, st))

    order = int(site.wp("order", "pending", "_test_payment_hook_throws=1"))
    body = event(order, "BOOKED", datetime.now(timezone.utc))
    log_before = len(json.loads(site.wp("log")))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    text = ("Everifin payment %s: BOOKED (event %s): WooCommerce marked the order paid (processing), but a woocommerce_payment_complete hook of another plugin failed afterwards; "
            "WooCommerce wrote the cause to its log (WooCommerce > Status > Logs) and to an order note. What that hook does (a stock sync, an export) may not have happened: check it. "
            "The payment stays applied: Everifin does not send it again.") % (PAYMENT, json.loads(body)["eventId"])
    check(f"{site.name}: BOOKED while a woocommerce_payment_complete hook throws after the order was saved paid -> 200 apply, the order stays paid, "
          "WooCommerce's note and the plugin's warning",
          (code, dec(ans).get("reason"), ans.get("orderState"), st["status"], st["paymentComplete"], st["state"] is not None, st["notes"])
          == (200, "first", "processing", "wc-processing", 1, True, ["Payment complete event failed. test hook: the warehouse did not answer (order processing)", text]), (code, ans, st))
    new = json.loads(site.wp("log"))[log_before:]
    check(f"{site.name}: ... in WooCommerce's log its own error, then the plugin's warning with the order id",
          [(line["level"], line["message"]) for line in new] == [("error", "Error completing payment for order #%d" % order), ("warning", "order %d: %s" % (order, text))], new)
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: ... Everifin's retry -> 200 duplicate; the order was saved paid once",
          (code, dec(ans).get("reason"), st["paymentComplete"], st["statusChanges"], len(st["notes"])) == (200, "duplicate", 1, ["pending>processing"], 2), (code, ans, st))

    # A woocommerce_before_order_object_save hook throws on the delivery's last save only, the one
    # of the webhook state (_test_state_save_throws): WooCommerce's save() catches it and returns as
    # after a save. The plugin reads the state back before COMMIT: 500, nothing kept.
    order = int(site.wp("order", "pending", "_test_state_save_throws=1"))
    body = event(order, "BOOKED", datetime.now(timezone.utc))
    log_before = len(json.loads(site.wp("log")))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: BOOKED while a woocommerce_before_order_object_save hook throws on the save of the webhook state (WooCommerce's save() catches it) "
          "-> 500 INTERNAL; nothing kept (pending, not paid, no webhook state, no note)",
          (code, ans.get("status"), st["status"], st["state"], st["paymentComplete"], st["statusChanges"], st["notes"]) == (500, "INTERNAL", "wc-pending", None, 0, [], []), (code, ans, st))
    # WooCommerce's own "Error saving order ID" line went to the stand-in's log, kept in the
    # database (as WooCommerce's database log handler keeps it): rolled back with the delivery.
    new = json.loads(site.wp("log"))[log_before:]
    check(f"{site.name}: ... and one error in WooCommerce's log naming the order and the save, without the state",
          [line["level"] for line in new] == ["error"]
          and ("Everifin_Webhook_Not_Applied: WooCommerce could not save order %d: its webhook state is not in the database after save()" % order) in new[0]["message"]
          and json.loads(body)["eventId"] not in new[0]["message"], new)
    site.wp("delete-meta", str(order), "_test_state_save_throws")
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: ... Everifin's retry once the hook works -> 200 apply first, the order paid once, the state stored",
          (code, dec(ans).get("reason"), st["status"], st["paymentComplete"], st["statusChanges"], json.loads(body)["eventId"] in json.dumps(st["state"]))
          == (200, "first", "wc-processing", 1, ["pending>processing"], True), (code, ans, st))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: ... and a delivery after it -> 200 duplicate, paid once",
          (code, dec(ans).get("reason"), st["paymentComplete"]) == (200, "duplicate", 1), (code, ans, st))


def concurrently(site: Site, body: bytes, n: int) -> List[Tuple[int, Dict[str, Any]]]:
    """The answers to n deliveries of one signed body, all sent at once."""
    answers: List[Tuple[int, Dict[str, Any]]] = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def deliver() -> None:
        start.wait()
        r = site.webhook(body, sign(body, SECRETS[1]))
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def concurrent_everifin_ids(site: Site, concurrency: int) -> None:
    """The same event delivered concurrently, matched by the Everifin ids an earlier event stored
    with the order (no externalId): the order is read under its lock past the copies a request
    read before (the lookup reads them too), so it is applied exactly once."""
    now = datetime.now(timezone.utc)
    order = site.new_order()
    ids = {"paymentId": str(uuid.uuid4()), "orderId": str(uuid.uuid4())}
    first = event_of({**ids, "externalId": str(order), "status": "PROCESSING"}, now - timedelta(minutes=1))
    code, ans = site.webhook(first, sign(first, SECRETS[1]))
    check(f"{site.name}: PROCESSING with externalId -> 200 apply; Everifin's ids stored with the order", (code, dec(ans).get("action")) == (200, "apply"), (code, ans))
    booked = event_of({**ids, "status": "BOOKED"}, now)
    got = sorted((c, a.get("order"), dec(a).get("action"), dec(a).get("reason")) for c, a in concurrently(site, booked, concurrency))
    want = sorted([(200, order, "apply", "newer")] + [(200, order, "skip", "duplicate")] * (concurrency - 1))
    check(f"{site.name}: {concurrency} concurrent deliveries of one BOOKED without externalId (found by Everifin's ids) -> 1 apply, {concurrency - 1} duplicate",
          got == want, got)
    st = site.order(order)
    check(f"{site.name}: ... and the order was paid exactly once, with one BOOKED note",
          st["status"] == "wc-processing" and st["paymentComplete"] == 1 and st["statusChanges"] == ["pending>processing"]
          and len([n for n in st["notes"] if ": BOOKED (event " in n]) == 1, st)


def object_cache(site: Site) -> None:
    """With a persistent object cache (wordpress.sh's Redis drop-in): WordPress and WooCommerce drop
    an order's cached copies when they write it, not when the delivery's transaction commits. A
    request that reads the order in between (the customer's return page) caches it as committed
    before, pending; the plugin drops the copies again once the transaction ended."""
    order = int(site.wp("order", "pending", "_test_pause_on_update=3"))
    body = event(order, "BOOKED", datetime.now(timezone.utc))
    answer: Dict[str, Tuple[int, Dict[str, Any]]] = {}
    delivery = threading.Thread(target=lambda: answer.update(a=site.webhook(body, sign(body, SECRETS[1]))))
    delivery.start()
    for _ in range(300):
        if json.loads(site.wp("paused", str(order))):
            break
        time.sleep(0.1)
    during = json.loads(site.wp("cached-status", str(order)))
    delivery.join()
    code, ans = answer.get("a", (0, {}))
    check(f"{site.name}: BOOKED -> 200 apply, order processing (a hook after the last save took 3 s)",
          (code, dec(ans).get("action"), ans.get("orderState")) == (200, "apply", "processing"), (code, ans))
    check(f"{site.name}: ... a request reading the order meanwhile got it as committed before: pending",
          during == {"cached": "pending", "db": "wc-pending"}, during)
    after = json.loads(site.wp("cached-status", str(order)))
    check(f"{site.name}: ... after the delivery the object cache says what the database says: processing",
          after == {"cached": "processing", "db": "wc-processing"}, after)

    # A delivery rolled back after payment_complete() wrote the order (the webhook state's save
    # failed after reading the order).
    order = int(site.wp("order", "pending", "_test_state_save_fails=1"))
    body = event(order, "BOOKED", datetime.now(timezone.utc))
    code, ans = site.webhook(body, sign(body, SECRETS[1]))
    after = json.loads(site.wp("cached-status", str(order)))
    check(f"{site.name}: a delivery rolled back after payment_complete() (500 INTERNAL) leaves the order pending in the object cache too",
          (code, ans.get("status"), after) == (500, "INTERNAL", {"cached": "pending", "db": "wc-pending"}), (code, ans, after))


def everifin_ids(site: Site) -> None:
    """A refund event carries refundId and Everifin's orderId, no externalId: the plugin finds the
    order by the Everifin orderId an earlier event stored with it (post meta on this storage, found
    with wc_get_orders meta_key/meta_value, which the posts storage passes to WP_Query)."""
    now = datetime.now(timezone.utc)
    other = site.new_order()
    order = site.new_order()
    everifin_order, payment = str(uuid.uuid4()), str(uuid.uuid4())
    booked = event_of({"paymentId": payment, "orderId": everifin_order, "externalId": str(order), "status": "BOOKED"}, now - timedelta(minutes=3))
    code, ans = site.webhook(booked, sign(booked, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: BOOKED with Everifin's orderId -> order paid; Everifin's order and payment ids stored with it",
          (code, ans.get("order"), st["status"], st["everifinOrderIds"], st["everifinPaymentIds"]) == (200, order, "wc-processing", [everifin_order], [payment]), (code, ans, st))
    refund = event_of({"refundId": str(uuid.uuid4()), "orderId": everifin_order, "instructionId": "refund-%d-1" % order, "status": "BOOKED"}, now - timedelta(minutes=2))
    code, ans = site.webhook(refund, sign(refund, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: refund BOOKED without externalId (refundId, Everifin's orderId) -> 200 apply refunded for that order, a note",
          (code, ans.get("order"), dec(ans).get("action"), ans.get("orderOutcome"), st["status"]) == (200, order, "apply", "refunded", "wc-processing")
          and "record it with the Refund button" in st["notes"][-1], (code, ans, st))
    late = event_of({"paymentId": payment, "status": "FINISHED"}, now - timedelta(minutes=1))
    code, ans = site.webhook(late, sign(late, SECRETS[1]))
    check(f"{site.name}: a payment event with neither externalId nor Everifin's orderId -> found by its paymentId",
          (code, ans.get("order")) == (200, order), (code, ans))
    unknown = event_of({"refundId": str(uuid.uuid4()), "orderId": str(uuid.uuid4()), "status": "BOOKED"}, now)
    code, ans = site.webhook(unknown, sign(unknown, SECRETS[1]))
    st = site.order(other)
    check(f"{site.name}: a refund of an Everifin order no event matched -> 200, no order (no other order touched)",
          (code, ans.get("order"), "decision" in ans, st["state"], st["everifinOrderIds"]) == (200, None, False, None, []), (code, ans, st))


def warnings(site: Site) -> None:
    """Events that leave the order as it is but need the merchant: a private order note and a
    warning in WooCommerce's log (source everifin-webhook) with the order id, once per event."""
    now = datetime.now(timezone.utc)
    order = site.new_order()
    pay = {"paymentId": str(uuid.uuid4()), "externalId": str(order), "hookData": {"note": "Call us +420 123 456 789"}}
    for minutes, status in ((10, "PROCESSING"), (8, "PROCESSING_EXPIRED")):
        body = event_of({**pay, "status": status}, now - timedelta(minutes=minutes))
        site.webhook(body, sign(body, SECRETS[1]))
    booked = event_of({**pay, "status": "BOOKED"}, now - timedelta(minutes=5))
    code, ans = site.webhook(booked, sign(booked, SECRETS[1]))
    st = site.order(order)
    note = "Everifin payment %s: BOOKED (event %s) reports a payment, but it was not applied to the order (skipped: regression): the money may have arrived although the order is on-hold." % (
        pay["paymentId"], json.loads(booked)["eventId"])
    check(f"{site.name}: BOOKED after PROCESSING_EXPIRED -> 200 skip regression; the order stays on hold, with a note saying the money may have arrived",
          (code, dec(ans).get("reason"), st["status"], st["paymentComplete"]) == (200, "regression", "wc-on-hold", 0)
          and st["notes"][-1].startswith(note) and "Call us" not in json.dumps(st["notes"]), (code, ans, st))
    log = json.loads(site.wp("log"))
    mine = [line for line in log if line["message"].startswith("order %d: " % order)]
    check(f"{site.name}: ... and one warning in WooCommerce's log, source everifin-webhook, with the order id",
          [(line["level"], line["context"], line["message"]) for line in mine] == [("warning", {"source": "everifin-webhook"}, "order %d: %s" % (order, st["notes"][-1]))], mine)
    code, ans = site.webhook(booked, sign(booked, SECRETS[1]))
    again = site.order(order)
    check(f"{site.name}: ... Everifin's retry of that event -> duplicate: no second note, no second log line",
          (code, dec(ans).get("reason"), len(again["notes"]), len(json.loads(site.wp("log")))) == (200, "duplicate", len(st["notes"]), len(log)), (code, ans, again))

    order = site.new_order()
    first = event(order, "BOOKED", now - timedelta(minutes=2))
    site.webhook(first, sign(first, SECRETS[1]))
    second_payment = str(uuid.uuid4())
    second = event_of({"paymentId": second_payment, "externalId": str(order), "status": "BOOKED"}, now - timedelta(minutes=1))
    code, ans = site.webhook(second, sign(second, SECRETS[1]))
    st = site.order(order)
    check(f"{site.name}: a second payment BOOKED for the paid order -> paid once, a note saying the customer may have paid twice",
          (code, st["status"], st["paymentComplete"]) == (200, "wc-processing", 1)
          and ("Everifin payment %s: BOOKED" % second_payment) in st["notes"][-1]
          and ("paid by payment %s; left as it is): the customer may have paid twice." % PAYMENT) in st["notes"][-1], (code, ans, st))
    mine = [line for line in json.loads(site.wp("log")) if line["message"].startswith("order %d: " % order)]
    check(f"{site.name}: ... and a warning in WooCommerce's log", [line["level"] for line in mine] == ["warning"], mine)

    # payment_complete() leaves an order of another status as it is (a checkout draft, a trashed
    # order): the money has arrived, so a warning instead of the usual note; the event stays applied.
    for status in ("checkout-draft", "trash"):
        order = site.new_order(status)
        body = event(order, "BOOKED", now)
        code, ans = site.webhook(body, sign(body, SECRETS[1]))
        st = site.order(order)
        text = ("Everifin payment %s: BOOKED (event %s) reports a payment, but WooCommerce did not mark the order paid: it is %s, a status payment_complete() leaves as it is. "
                "The money has arrived: check the order, then mark it paid by hand or refund the payment.") % (PAYMENT, json.loads(body)["eventId"], status)
        want_status = status if status == "trash" else "wc-" + status
        check(f"{site.name}: BOOKED for a {status} order -> 200 apply, the order left {status}, a note saying WooCommerce did not mark it paid",
              (code, dec(ans).get("action"), ans.get("orderState"), st["status"], st["paymentComplete"], st["notes"]) == (200, "apply", status, want_status, 0, [text]), (code, ans, st))
        mine = [line for line in json.loads(site.wp("log")) if line["message"].startswith("order %d: " % order)]
        check(f"{site.name}: ... and the same warning in WooCommerce's log", [(line["level"], line["message"]) for line in mine] == [("warning", "order %d: %s" % (order, text))], mine)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--php", required=True, help="command running setup.php with its WordPress dir")
    ap.add_argument("--site", action="append", required=True, help="backend=url (ffi=..., fallback=...)")
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--db", default="")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--mode", choices=["full", "preload-warning", "after-update", "deactivated", "object-cache"], default="full",
                    help="full: everything above; preload-warning: the notice of php.ini naming the plugin folder; "
                         "object-cache: no stale order left in a persistent object cache (Redis drop-in installed); "
                         "after-update: backend notice, settings page and a genuine delivery after the plugin folder "
                         "was replaced; deactivated: what the webhook URL answers while the plugin is deactivated")
    args = ap.parse_args()
    php = shlex.split(args.php)
    sites = [Site(s.split("=", 1)[0], s.split("=", 1)[1], php) for s in args.site]
    if args.mode != "full":
        for site in sites:
            if args.mode == "deactivated":
                body = event(site.new_order(), "BOOKED", datetime.now(timezone.utc))
                code, ans = site.webhook(body, sign(body, SECRETS[1]))
                check(f"{site.name}: plugin deactivated: a genuine delivery -> 404 rest_no_route (a 4xx: Everifin does not retry)",
                      (code, ans.get("code")) == (404, "rest_no_route"), (code, ans))
                continue
            if not site.login(args.admin_password):
                continue
            if args.mode == "preload-warning":
                preload_warning(site)
            elif args.mode == "object-cache":
                configure(site)
                object_cache(site)
            else:
                notice(site, "ffi" if site.name == "ffi" else "php")
                native_section(site)
                configure(site)
                genuine(site)
        print(f"webhooks ({args.mode}): {passed} passed, {failures} failed")
        return 1 if failures else 0
    for i, site in enumerate(sites):
        print(f"- {site.name}: {site.url}")
        if not site.login(args.admin_password):
            continue
        if i == 0:
            settings(site)
        native_section(site)
        notice(site, "ffi" if site.name == "ffi" else "php")
        webhooks(site, args.concurrency, i == 0)
        warnings(site)
        payment_complete_paths(site)
        everifin_ids(site)
        concurrent_everifin_ids(site, args.concurrency)
        failing_hook(site)
    if sites and failures == 0:
        remove_secrets(sites[0])
    print(f"webhooks: {passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
