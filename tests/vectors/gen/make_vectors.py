#!/usr/bin/env python3
"""Write the shared test vectors of everifin-webhook (tests/vectors/*.json).

Run:  python3 tests/vectors/gen/make_vectors.py [--out DIR]
      (default DIR: tests/vectors; check_vectors.py writes to a temporary folder and compares)

Standard library only. Every Signature header is computed here with Python's own hmac (an
implementation independent of the library's), over the exact body bytes stored in the case.
The expectations follow docs/behaviour.md and docs/design.md; they are written out per case
(status, entity, outcome, final, ...). The only derived parts are mechanical: the HMAC, Unix
milliseconds of a timestamp, the re-printed timestamp and the `suggested` object (the default table
of docs/behaviour.md section 3). The output is deterministic.
"""

import argparse
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
VECTOR_DIR = os.path.dirname(HERE)
OUT_DIR = VECTOR_DIR  # main() may send the files elsewhere (--out)

# The one status table: name -> httpStatus (tests/vectors/statuses.json).
with open(os.path.join(VECTOR_DIR, "statuses.json"), encoding="utf-8") as _f:
    HTTP = {s["name"]: s["httpStatus"] for s in json.load(_f)["statuses"]}

# ---------------------------------------------------------------------------------------------
# Timestamps (docs/behaviour.md section 4). Only used for values the cases declare valid; the
# parser is strict so that a case that calls an invalid timestamp "valid" fails loudly here.


def _days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _parse_ts(s):
    """(y, mo, d, h, mi, sec, millis) of a valid RFC 3339 UTC timestamp, else ValueError."""
    def num(part):
        if not part or not all("0" <= c <= "9" for c in part):
            raise ValueError(s)
        return int(part)
    if len(s) < 20 or s[4] != "-" or s[7] != "-" or s[10] != "T" or s[13] != ":" or s[16] != ":":
        raise ValueError(s)
    y, mo, d = num(s[0:4]), num(s[5:7]), num(s[8:10])
    h, mi, sec = num(s[11:13]), num(s[14:16]), num(s[17:19])
    rest = s[19:]
    frac = ""
    if rest.startswith("."):
        i = 1
        while i < len(rest) and "0" <= rest[i] <= "9":
            i += 1
        frac = rest[1:i]
        if not 1 <= len(frac) <= 9:
            raise ValueError(s)
        rest = rest[i:]
    if rest not in ("Z", "+00:00", "-00:00"):
        raise ValueError(s)
    mdays = [31, 29 if _leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= mo <= 12 and 1 <= d <= mdays[mo - 1] and h <= 23 and mi <= 59 and sec <= 59):
        raise ValueError(s)
    millis = int((frac + "000")[:3])
    return y, mo, d, h, mi, sec, millis


def ts_ms(s):
    y, mo, d, h, mi, sec, millis = _parse_ts(s)
    return ((_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + sec * 1000 + millis


def reprint(s):
    y, mo, d, h, mi, sec, millis = _parse_ts(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (y, mo, d, h, mi, sec, millis)


def assert_invalid_ts(s):
    try:
        _parse_ts(s)
    except ValueError:
        return s
    raise AssertionError("timestamp unexpectedly valid: %r" % s)


# ---------------------------------------------------------------------------------------------
# Bodies and signatures


def body_bytes(c):
    if "body" in c:
        return c["body"].encode("utf-8")
    if "bodyHex" in c:
        return bytes.fromhex(c["bodyHex"])
    out = []
    for p in c["bodyParts"]:
        if isinstance(p, str):
            out.append(p)
        else:
            out.append(p["repeat"] * p["times"])
    return "".join(out).encode("utf-8")


def mac(secret, ts, body):
    """Lower-case hex HMAC-SHA256(key = secret's UTF-8 bytes, message = ts + "." + body)."""
    return hmac.new(secret.encode("utf-8"), ts.encode("utf-8") + b"." + body,
                    hashlib.sha256).hexdigest()


def header(ts, body, *signers):
    """"ts=<ts>;v0=<mac>;..." where signers are (key, secret) pairs or plain secrets (v0, v1, ...)."""
    parts = ["ts=" + ts]
    for i, s in enumerate(signers):
        key, secret = s if isinstance(s, tuple) else ("v%d" % i, s)
        parts.append("%s=%s" % (key, mac(secret, ts, body)))
    return ";".join(parts)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Fixed data

SECRET_PRIMARY = "whsec-shop-primary-7f3a9c2e41"      # the oldest configured secret
SECRET_ROTATED = "whsec-shop-rotated-b81d04e6c9"      # the new one after "Regenerate Hook Secret"
SECRET_OTHER_SHOP = "whsec-other-shop-0d5e2a9b77"     # someone else's secret: never configured
SECRET_UTF8 = "tajný-kľúč-obchodu-ä7ô2ň-€"            # key = its UTF-8 bytes

EVENT_ID = "c2949dfe-4585-46eb-9213-35f0f7faf055"
PAYMENT_A = "da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19"
PAYMENT_B = "0b7e3f52-9c1a-4d8e-a6f4-2c5b8d7e9f01"
REFUND_R = "7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a"
ORDER_O = "8840d948-12da-4ca1-8269-3cfdc10b73bc"
INSTRUCTION = "302d7603-f5ce-45fb-82b3-a1a90ee26aca"
CLIENT_ID = "5b0e8d2c-7a41-4f6e-b3c9-0d1e2f3a4b5c"

EVENT_TS = "2024-05-07T14:49:55.884Z"          # eventTimestamp of the typical body
SIG_TS = "2024-05-07T14:49:55.887Z"            # ts of the Signature header (not eventTimestamp)
SIG_TS_MS = ts_ms(SIG_TS)
NOW = SIG_TS_MS + 113                          # the request arrives 113 ms after signing


def eid(n):
    """A distinct, valid event id per case."""
    return "4e896aa3-bbba-4a75-a888-%012d" % n


SUGGESTED_DEFAULTS = {
    "pending": ("pending", "PS_OS_BANKWIRE"),
    "authorized": ("on-hold", "PS_OS_BANKWIRE"),
    "partially_paid": ("on-hold", "PS_OS_BANKWIRE"),
    "paid": ("processing", "PS_OS_PAYMENT"),
    "failed": ("failed", "PS_OS_ERROR"),
    "expired": ("failed", "PS_OS_CANCELED"),
    "withdrawn": ("cancelled", "PS_OS_CANCELED"),
    "review": ("on-hold", "PS_OS_ERROR"),
    "refund_pending": (None, None),
    "refunded": ("refunded", "PS_OS_REFUND"),
    "refund_failed": (None, None),
    "unknown": (None, None),
}


def suggested(outcome, overrides=None):
    """The `suggested` object: defaults, then overrides {platform: {outcome: value}} in order."""
    woo, ps = SUGGESTED_DEFAULTS[outcome]
    out = {"woocommerce": woo, "prestashop": ps}
    for platform, table in (overrides or {}).items():
        if platform not in out:
            out[platform] = None
        if outcome in table:
            out[platform] = table[outcome]
    return out


_ABSENT = object()


def ev(event_id, event_type, entity, status, outcome, final, *, ts=EVENT_TS, payment=None,
       refund=None, order=None, instruction=None, external=None, reason=None, hook=None,
       legacy=False, status_known=None, overrides=None):
    """The full normalized event (schema version 1). entityId follows the entity."""
    entity_id = {"payment": payment, "refund": refund, "order": order, "unknown": None}[entity]
    if status_known is None:
        status_known = outcome != "unknown"
    return {
        "schemaVersion": 1,
        "eventId": event_id,
        "eventType": event_type,
        "eventTimestamp": reprint(ts),
        "eventTimestampMs": ts_ms(ts),
        "entity": entity,
        "entityId": entity_id,
        "paymentId": payment,
        "refundId": refund,
        "orderId": order,
        "instructionId": instruction,
        "externalId": external,
        "status": status,
        "statusKnown": status_known,
        "final": final,
        "outcome": outcome,
        "reasonCode": reason,
        "hookData": hook,
        "legacyFields": legacy,
        "suggested": suggested(outcome, overrides),
    }


def sig_obj(ts, key, index, now):
    return {"timestamp": reprint(ts), "key": key, "secretIndex": index, "ageMs": now - ts_ms(ts)}


def expect(status, **kw):
    e = {"status": status, "httpStatus": HTTP[status]}
    e.update(kw)
    return e


def invalid(field, **kw):
    return expect("EVENT_INVALID", field=field, **kw)


# The typical body: payment.statusChange, BOOKED, as Everifin sends it (compact JSON).
GOOD_DATA = {
    "paymentId": PAYMENT_A, "orderId": ORDER_O, "status": "BOOKED", "instructionId": INSTRUCTION,
    "hookData": {"customId": 12341234, "note": "order x54352"},
}
GOOD_BODY = compact({"eventId": EVENT_ID, "eventType": "payment.statusChange",
                     "eventTimestamp": EVENT_TS, "data": GOOD_DATA})
GOOD_EVENT = ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                payment=PAYMENT_A, order=ORDER_O, instruction=INSTRUCTION,
                hook={"customId": 12341234, "note": "order x54352"})

# A body with non-ASCII text (signed with the non-ASCII secret as well).
UTF8_DATA = {"paymentId": PAYMENT_B, "status": "PROCESSING", "externalId": "objednávka-č-2024/0042",
             "hookData": {"zákazník": "Žofia Ďurčová", "košík": "🛒"}}
UTF8_BODY = compact({"eventId": eid(9001), "eventType": "payment.statusChange",
                     "eventTimestamp": EVENT_TS, "data": UTF8_DATA})
UTF8_EVENT = ev(eid(9001), "payment.statusChange", "payment", "PROCESSING", "pending", False,
                payment=PAYMENT_B, external="objednávka-č-2024/0042",
                hook={"zákazník": "Žofia Ďurčová", "košík": "🛒"})

DEFAULT_OPTIONS = {"secrets": [SECRET_PRIMARY]}


def proc(name, body=None, *, hdr=_ABSENT, now=NOW, options=_ABSENT, options_raw=None, exp,
         body_hex=None, body_parts=None, sign_ts=SIG_TS, signers=(SECRET_PRIMARY,)):
    """A `process` case. Unless `hdr` is given, the header is ts=sign_ts signed by `signers`."""
    c = {"name": name, "function": "process"}
    if options_raw is not None:
        c["optionsRaw"] = options_raw
    else:
        c["options"] = DEFAULT_OPTIONS if options is _ABSENT else options
    if body_hex is not None:
        c["bodyHex"] = body_hex
    elif body_parts is not None:
        c["bodyParts"] = body_parts
    else:
        c["body"] = body
    if hdr is _ABSENT:
        hdr = header(sign_ts, body_bytes(c), *signers)
    if hdr is not None:
        c["header"] = hdr
    c["nowMs"] = now
    c["expect"] = exp
    return c


def norm(name, body, exp, *, options=_ABSENT, options_raw=None, body_parts=None):
    c = {"name": name, "function": "normalize"}
    if options_raw is not None:
        c["optionsRaw"] = options_raw
    elif options is not _ABSENT:
        c["options"] = options
    if body_parts is not None:
        c["bodyParts"] = body_parts
    else:
        c["body"] = body
    c["expect"] = exp
    return c


def ok_sig(event, ts=SIG_TS, key="v0", index=0, now=NOW):
    return expect("OK", signature=sig_obj(ts, key, index, now), event=event)


def write(filename, description, cases):
    names = [c["name"] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, (filename, dup)
    doc = {"description": description, "cases": cases}
    with open(os.path.join(OUT_DIR, filename), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print("%-15s %3d cases" % (filename, len(cases)))


# =============================================================================================
# signature.json


def signature_cases():
    C = []
    B = GOOD_BODY.encode("utf-8")
    good = header(SIG_TS, B, SECRET_PRIMARY)
    good_hex = mac(SECRET_PRIMARY, SIG_TS, B)
    other_hex = mac(SECRET_OTHER_SHOP, SIG_TS, B)
    zeros = "0" * 64

    C.append(proc("good signature, typical payment.statusChange BOOKED body", GOOD_BODY,
                  exp=ok_sig(GOOD_EVENT)))
    tampered = GOOD_BODY.replace("12341234", "12341235")
    assert len(tampered) == len(GOOD_BODY) and tampered != GOOD_BODY
    C.append(proc("body tampered by one byte after signing (customId 12341234 -> 12341235)",
                  tampered, hdr=good, exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("signature made with another shop's secret", GOOD_BODY,
                  signers=(SECRET_OTHER_SHOP,), exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("signature over the body with a re-printed ts (+00:00 form) does not match",
                  GOOD_BODY, hdr="ts=%s;v0=%s" % (SIG_TS, mac(SECRET_PRIMARY, "2024-05-07T14:49:55.887+00:00", B)),
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("signature over a re-encoded body (pretty-printed JSON) does not match",
                  GOOD_BODY, hdr="ts=%s;v0=%s" % (
                      SIG_TS, mac(SECRET_PRIMARY, SIG_TS, json.dumps(json.loads(GOOD_BODY), indent=2).encode())),
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("signature without the dot separator (ts + body) does not match", GOOD_BODY,
                  hdr="ts=%s;v0=%s" % (SIG_TS, hmac.new(SECRET_PRIMARY.encode(), SIG_TS.encode() + B,
                                                         hashlib.sha256).hexdigest()),
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))

    # Rotation: after "Regenerate Hook Secret" Everifin signs with v0 (old) and v1 (new).
    both = header(SIG_TS, B, SECRET_PRIMARY, SECRET_ROTATED)
    C.append(proc("rotation: v0 (old secret) and v1 (new secret), both secrets configured",
                  GOOD_BODY, hdr=both, options={"secrets": [SECRET_PRIMARY, SECRET_ROTATED]},
                  exp=ok_sig(GOOD_EVENT, key="v0", index=0)))
    C.append(proc("rotation: v0 and v1 in the header, only the new secret configured",
                  GOOD_BODY, hdr=both, options={"secrets": [SECRET_ROTATED]},
                  exp=ok_sig(GOOD_EVENT, key="v1", index=0)))
    C.append(proc("rotation: only v1 (new secret) in the header, two secrets configured",
                  GOOD_BODY, hdr=header(SIG_TS, B, ("v1", SECRET_ROTATED)),
                  options={"secrets": [SECRET_PRIMARY, SECRET_ROTATED]},
                  exp=ok_sig(GOOD_EVENT, key="v1", index=1)))
    C.append(proc("rotation: v1 listed before v0, both match; the first part in header order is reported",
                  GOOD_BODY, hdr=header(SIG_TS, B, ("v1", SECRET_ROTATED), ("v0", SECRET_PRIMARY)),
                  options={"secrets": [SECRET_PRIMARY, SECRET_ROTATED]},
                  exp=ok_sig(GOOD_EVENT, key="v1", index=1)))
    C.append(proc("rotation: v0 is garbage, v1 matches the second configured secret",
                  GOOD_BODY, hdr="ts=%s;v0=%s;v1=%s" % (SIG_TS, zeros, mac(SECRET_ROTATED, SIG_TS, B)),
                  options={"secrets": [SECRET_PRIMARY, SECRET_ROTATED]},
                  exp=ok_sig(GOOD_EVENT, key="v1", index=1)))
    C.append(proc("rotation: old secret only configured, header signed with the new secret only",
                  GOOD_BODY, hdr=header(SIG_TS, B, ("v0", SECRET_ROTATED)),
                  options={"secrets": [SECRET_PRIMARY]},
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("secretIndex is the position in the configured secrets, not the vN number",
                  GOOD_BODY, hdr=good, options={"secrets": [SECRET_OTHER_SHOP, SECRET_PRIMARY]},
                  exp=ok_sig(GOOD_EVENT, key="v0", index=1)))
    C.append(proc("non-ASCII secret: the HMAC key is its UTF-8 bytes", UTF8_BODY,
                  signers=(SECRET_UTF8,), options={"secrets": [SECRET_UTF8]},
                  exp=ok_sig(UTF8_EVENT)))
    sixteen = ["whsec-shop-%02d-4c1e9a" % k for k in range(16)]
    C.append(proc("16 secrets configured, header with v0 to v15 (as evf_sign makes it)", GOOD_BODY,
                  hdr=header(SIG_TS, B, *sixteen), options={"secrets": sixteen},
                  exp=ok_sig(GOOD_EVENT, key="v0", index=0)))
    C.append(proc("signed empty body: the signature verifies, then the body is not JSON", "",
                  exp=expect("BODY_NOT_JSON", signature=sig_obj(SIG_TS, "v0", 0, NOW))))
    C.append(proc("non-ASCII secret: a header made with the Latin-2 bytes of the configured secret does not match",
                  UTF8_BODY,
                  hdr="ts=%s;v0=%s" % (SIG_TS, hmac.new(SECRET_UTF8[:-2].encode("iso-8859-2"),
                                                         SIG_TS.encode() + b"." + UTF8_BODY.encode(),
                                                         hashlib.sha256).hexdigest()),
                  options={"secrets": [SECRET_UTF8[:-2]]},
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))

    # Grammar tolerance
    C.append(proc("upper-case hex signature accepted", GOOD_BODY,
                  hdr="ts=%s;v0=%s" % (SIG_TS, good_hex.upper()), exp=ok_sig(GOOD_EVENT)))
    mixed = "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(good_hex))
    C.append(proc("mixed-case hex signature accepted", GOOD_BODY,
                  hdr="ts=%s;v0=%s" % (SIG_TS, mixed), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("spaces, tabs and CRLF around parts, keys and values", GOOD_BODY,
                  hdr=" \tts = %s \t;\r\n\t v0 =\t%s \r\n" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("parts on separate lines as printed in the documentation", GOOD_BODY,
                  hdr="ts=%s;\nv0=%s" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("parts in another order: v0 before ts", GOOD_BODY,
                  hdr="v0=%s;ts=%s" % (good_hex, SIG_TS), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("empty parts are skipped", GOOD_BODY,
                  hdr=";;ts=%s;; ;v0=%s;" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("unknown keys ignored: foo=bar, v0a=..., v1234=... (4 digits), x=",
                  GOOD_BODY, hdr="ts=%s;foo=bar;v0=%s;v0a=zz;v1234=%s;x=" % (SIG_TS, good_hex, good_hex),
                  exp=ok_sig(GOOD_EVENT)))
    C.append(proc("unknown key whose value contains '=' (split on the first '=')", GOOD_BODY,
                  hdr="ts=%s;note=a=b==;v0=%s" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("part with an empty key ('=value') is an unknown key, ignored", GOOD_BODY,
                  hdr="ts=%s;=orphan;v0=%s" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("keys are case-insensitive: TS and V0", GOOD_BODY,
                  hdr="TS=%s;V0=%s" % (SIG_TS, good_hex), exp=expect("OK", event=GOOD_EVENT)))
    C.append(proc("signature key with three digits (v999) is a signature key", GOOD_BODY,
                  hdr="ts=%s;v999=%s" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT, key="v999")))
    C.append(proc("signature key repeated: two v0 parts, the second one matches", GOOD_BODY,
                  hdr="ts=%s;v0=%s;v0=%s" % (SIG_TS, other_hex, good_hex), exp=ok_sig(GOOD_EVENT)))
    wrong15 = ["v%d=%s" % (i, mac("unused-%d" % i, SIG_TS, B)) for i in range(1, 16)]
    C.append(proc("16 signature parts (15 wrong, the last matches) is fine", GOOD_BODY,
                  hdr="ts=%s;%s;v0=%s" % (SIG_TS, ";".join(wrong15), good_hex), exp=ok_sig(GOOD_EVENT)))
    wrong16 = wrong15 + ["v16=%s" % mac("unused-16", SIG_TS, B)]
    C.append(proc("17 signature parts is malformed even though one matches", GOOD_BODY,
                  hdr="ts=%s;%s;v0=%s" % (SIG_TS, ";".join(wrong16), good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))

    # Header length (untrimmed, bytes)
    base = "ts=%s;v0=%s;pad=" % (SIG_TS, good_hex)
    h4096 = base + "x" * (4096 - len(base))
    h4097 = base + "x" * (4097 - len(base))
    assert len(h4096) == 4096 and len(h4097) == 4097
    C.append(proc("header of exactly 4096 bytes (padded with an unknown part) is accepted", GOOD_BODY,
                  hdr=h4096, exp=ok_sig(GOOD_EVENT)))
    C.append(proc("header of 4097 bytes is malformed", GOOD_BODY, hdr=h4097,
                  exp=expect("HEADER_MALFORMED", signature=None)))
    short = "ts=%s;v0=%s" % (SIG_TS, good_hex)
    C.append(proc("header of 4097 bytes because of trailing spaces is malformed (length is untrimmed)",
                  GOOD_BODY, hdr=short + " " * (4097 - len(short)),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("header of 5000 spaces is missing (the trim comes before the length check)",
                  GOOD_BODY, hdr=" " * 5000, exp=expect("HEADER_MISSING", signature=None)))

    # Missing / malformed
    C.append(proc("no Signature header", GOOD_BODY, hdr=None,
                  exp=expect("HEADER_MISSING", signature=None)))
    C.append(proc("empty Signature header", GOOD_BODY, hdr="",
                  exp=expect("HEADER_MISSING", signature=None)))
    C.append(proc("whitespace-only Signature header (space, tab, CR, LF)", GOOD_BODY, hdr=" \t\r\n \t",
                  exp=expect("HEADER_MISSING", signature=None)))
    C.append(proc("header of separators only is malformed (no ts)", GOOD_BODY, hdr=" ; ;; ",
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("non-ASCII character in the header", GOOD_BODY,
                  hdr="ts=%s;v0=%s;shop=Obchod-č1" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("non-breaking space (U+00A0) around a part is not whitespace: malformed", GOOD_BODY,
                  hdr="ts=%s;\u00a0v0=%s" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("control character (U+0001) in the header", GOOD_BODY,
                  hdr="ts=%s;v0=%s;\u0001" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("DEL (U+007F) in the header", GOOD_BODY,
                  hdr="ts=%s;v0=%s;x=\u007f" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("vertical tab (U+000B) around a part is not allowed", GOOD_BODY,
                  hdr="ts=%s;\u000bv0=%s" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("a part without '='", GOOD_BODY, hdr="ts=%s;v0=%s;garbage" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("comma instead of ';': a single ts part and no vN part, malformed", GOOD_BODY,
                  hdr="ts=%s,v0=%s" % (SIG_TS, good_hex), exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("missing ts", GOOD_BODY, hdr="v0=%s" % good_hex,
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("two ts parts with the same value", GOOD_BODY,
                  hdr="ts=%s;ts=%s;v0=%s" % (SIG_TS, SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("two ts parts differing in key case (ts and TS)", GOOD_BODY,
                  hdr="ts=%s;v0=%s;TS=%s" % (SIG_TS, good_hex, SIG_TS),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("no vN part", GOOD_BODY, hdr="ts=%s" % SIG_TS,
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("only a v0a part (not a signature key): no vN, malformed", GOOD_BODY,
                  hdr="ts=%s;v0a=%s" % (SIG_TS, good_hex), exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("only a v1234 part (four digits: not a signature key): no vN, malformed", GOOD_BODY,
                  hdr="ts=%s;v1234=%s" % (SIG_TS, good_hex), exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("a v1234 part (not a signature key) with a value that is no signature is ignored",
                  GOOD_BODY, hdr="ts=%s;v0=%s;v1234=zz" % (SIG_TS, good_hex), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("only a 'v' part without digits: no vN, malformed", GOOD_BODY,
                  hdr="ts=%s;v=%s" % (SIG_TS, good_hex), exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("vN with 63 hex digits", GOOD_BODY, hdr="ts=%s;v0=%s" % (SIG_TS, good_hex[:63]),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("vN with 65 hex digits", GOOD_BODY, hdr="ts=%s;v0=%s0" % (SIG_TS, good_hex),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("vN with a non-hex character (64 characters)", GOOD_BODY,
                  hdr="ts=%s;v0=%sg" % (SIG_TS, good_hex[:63]), exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("vN with an empty value", GOOD_BODY, hdr="ts=%s;v0=" % SIG_TS,
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("vN in base64 instead of hex", GOOD_BODY,
                  hdr="ts=%s;v0=%s" % (SIG_TS, "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRW"),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("one good vN and one vN with 63 hex digits: malformed", GOOD_BODY,
                  hdr="ts=%s;v0=%s;v1=%s" % (SIG_TS, good_hex, good_hex[:63]),
                  exp=expect("HEADER_MALFORMED", signature=None)))
    C.append(proc("malformed vN wins over an invalid ts (grammar before the ts value)", GOOD_BODY,
                  hdr="ts=yesterday;v0=%s" % good_hex[:63], exp=expect("HEADER_MALFORMED", signature=None)))

    # ts value validity (step 5, before the HMAC)
    bad_ts = [
        ("without Z", "2024-05-07T14:49:55.887"),
        ("with +01:00 offset", "2024-05-07T15:49:55.887+01:00"),
        ("with +02:00 offset (Central European Summer Time)", "2024-05-07T16:49:55.887+02:00"),
        ("with lower-case z", "2024-05-07T14:49:55.887z"),
        ("with lower-case t", "2024-05-07t14:49:55.887Z"),
        ("with a space instead of T", "2024-05-07 14:49:55.887Z"),
        ("2024-02-30 (no such day)", "2024-02-30T10:00:00.000Z"),
        ("2023-02-29 (not a leap year)", "2023-02-29T10:00:00.000Z"),
        ("1900-02-29 (century, not a leap year)", "1900-02-29T10:00:00.000Z"),
        ("second 60 (no leap second)", "2024-05-07T23:59:60.000Z"),
        ("hour 24", "2024-05-07T24:00:00.000Z"),
        ("minute 60", "2024-05-07T14:60:00.000Z"),
        ("month 13", "2024-13-07T14:49:55.887Z"),
        ("day 00", "2024-05-00T14:49:55.887Z"),
        ("10 fractional digits", "2024-05-07T14:49:55.8870000000Z"),
        ("a dot without digits", "2024-05-07T14:49:55.Z"),
        ("without seconds", "2024-05-07T14:49Z"),
        ("without zero padding", "2024-5-7T14:49:55.887Z"),
        ("offset without colon (+0000)", "2024-05-07T14:49:55.887+0000"),
        ("Z followed by +00:00", "2024-05-07T14:49:55.887Z+00:00"),
        ("trailing garbage after Z", "2024-05-07T14:49:55.887ZZ"),
        ("Unix milliseconds", "1715093395887"),
        ("date only", "2024-05-07"),
        ("empty value", ""),
    ]
    for label, ts in bad_ts:
        assert_invalid_ts(ts)
        C.append(proc("ts invalid: " + label, GOOD_BODY, sign_ts=ts,
                      exp=expect("HEADER_TIMESTAMP_INVALID", signature=None)))
    C.append(proc("ts value starting with '=' (ts==...: split on the first '=')", GOOD_BODY,
                  hdr="ts==%s;v0=%s" % (SIG_TS, mac(SECRET_PRIMARY, "=" + SIG_TS, B)),
                  exp=expect("HEADER_TIMESTAMP_INVALID", signature=None)))
    C.append(proc("invalid ts is reported before a forged signature", GOOD_BODY,
                  hdr="ts=2024-05-07T14:49:55.887;v0=%s" % zeros,
                  exp=expect("HEADER_TIMESTAMP_INVALID", signature=None)))

    good_ts = [
        ("2024-02-29 (leap year)", "2024-02-29T10:00:00.123Z"),
        ("2000-02-29 (leap century)", "2000-02-29T10:00:00.123Z"),
        ("9 fractional digits", "2024-05-07T14:49:55.887654321Z"),
        ("1 fractional digit", "2024-05-07T14:49:55.8Z"),
        ("no fraction", "2024-05-07T14:49:55Z"),
        ("+00:00 offset", "2024-05-07T14:49:55.887+00:00"),
        ("-00:00 offset", "2024-05-07T14:49:55.887-00:00"),
        ("last millisecond of a year", "2023-12-31T23:59:59.999Z"),
    ]
    for label, ts in good_ts:
        now = ts_ms(ts) + 1500
        C.append(proc("ts valid: " + label, GOOD_BODY, sign_ts=ts, now=now,
                      exp=ok_sig(GOOD_EVENT, ts=ts, now=now)))

    # Signature before timestamp
    old_now = SIG_TS_MS + 3600 * 1000
    C.append(proc("forged and too old: SIGNATURE_MISMATCH (signature checked before the timestamp)",
                  GOOD_BODY, signers=(SECRET_OTHER_SHOP,), now=old_now,
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("forged and in the future: SIGNATURE_MISMATCH", GOOD_BODY, signers=(SECRET_OTHER_SHOP,),
                  now=SIG_TS_MS - 3600 * 1000, exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("authentic but one hour old: TIMESTAMP_TOO_OLD carries the signature", GOOD_BODY,
                  now=old_now, exp=expect("TIMESTAMP_TOO_OLD", signature=sig_obj(SIG_TS, "v0", 0, old_now))))

    # Tolerance edges (default 300 s)
    for label, delta, status in [
        ("age exactly +300000 ms is accepted", 300000, "OK"),
        ("age +300001 ms is too old", 300001, "TIMESTAMP_TOO_OLD"),
        ("age exactly -300000 ms (clock skew) is accepted", -300000, "OK"),
        ("age -300001 ms is in the future", -300001, "TIMESTAMP_IN_FUTURE"),
        ("age 0 ms", 0, "OK"),
    ]:
        now = SIG_TS_MS + delta
        s = sig_obj(SIG_TS, "v0", 0, now)
        exp = ok_sig(GOOD_EVENT, now=now) if status == "OK" else expect(status, signature=s)
        C.append(proc("tolerance 300 s: " + label, GOOD_BODY, now=now, exp=exp))
    for label, delta, status in [
        ("age exactly 60000 ms accepted", 60000, "OK"),
        ("age 60001 ms too old", 60001, "TIMESTAMP_TOO_OLD"),
        ("age -60001 ms in the future", -60001, "TIMESTAMP_IN_FUTURE"),
        ("age 299000 ms (fine by default) too old", 299000, "TIMESTAMP_TOO_OLD"),
    ]:
        now = SIG_TS_MS + delta
        s = sig_obj(SIG_TS, "v0", 0, now)
        exp = ok_sig(GOOD_EVENT, now=now) if status == "OK" else expect(status, signature=s)
        C.append(proc("custom tolerance 60 s: " + label, GOOD_BODY, now=now,
                      options={"secrets": [SECRET_PRIMARY], "toleranceSeconds": 60}, exp=exp))
    old_ts = "2014-05-07T14:49:55.887Z"
    C.append(proc("toleranceSeconds 0 turns the check off: a 10-year-old ts is accepted", GOOD_BODY,
                  sign_ts=old_ts, options={"secrets": [SECRET_PRIMARY], "toleranceSeconds": 0},
                  exp=ok_sig(GOOD_EVENT, ts=old_ts)))
    future_ts = "2034-05-07T14:49:55.887Z"
    C.append(proc("toleranceSeconds 0: a ts 10 years in the future is accepted (negative ageMs)", GOOD_BODY,
                  sign_ts=future_ts, options={"secrets": [SECRET_PRIMARY], "toleranceSeconds": 0},
                  exp=ok_sig(GOOD_EVENT, ts=future_ts)))

    # Sub-millisecond digits are truncated
    micro = "2024-05-07T14:49:55.887999Z"
    C.append(proc("ts with microseconds: truncated to milliseconds for ageMs and the re-printed timestamp",
                  GOOD_BODY, sign_ts=micro, exp=ok_sig(GOOD_EVENT, ts=micro)))
    now = SIG_TS_MS + 300001
    C.append(proc("ts .887999: age from .887 (truncation, not rounding) is 300001 ms: too old",
                  GOOD_BODY, sign_ts=micro, now=now,
                  exp=expect("TIMESTAMP_TOO_OLD", signature=sig_obj(micro, "v0", 0, now))))
    now = SIG_TS_MS - 300000
    C.append(proc("ts .887999: age from .887 (truncation, not rounding) is -300000 ms: accepted",
                  GOOD_BODY, sign_ts=micro, now=now, exp=ok_sig(GOOD_EVENT, ts=micro, now=now)))
    return C


# =============================================================================================
# body.json


def body_cases():
    C = []
    authentic = sig_obj(SIG_TS, "v0", 0, NOW)

    def pad_to(text, size):
        assert len(text.encode()) <= size
        return [text, {"repeat": " ", "times": size - len(text.encode())}]

    # Size
    C.append(proc("body of 1048577 bytes (default maxBodyBytes 1048576): too large",
                  body_parts=pad_to(GOOD_BODY, 1048577), exp=expect("BODY_TOO_LARGE", signature=None)))
    C.append(proc("body of exactly 1048576 bytes (event plus trailing whitespace) is accepted",
                  body_parts=pad_to(GOOD_BODY, 1048576), exp=ok_sig(GOOD_EVENT)))
    C.append(proc("oversized body without a Signature header: BODY_TOO_LARGE comes first",
                  body_parts=pad_to(GOOD_BODY, 1048577), hdr=None, exp=expect("BODY_TOO_LARGE", signature=None)))
    C.append(proc("oversized body with a forged signature: BODY_TOO_LARGE comes first",
                  body_parts=pad_to(GOOD_BODY, 2 * 1048576), signers=(SECRET_OTHER_SHOP,),
                  exp=expect("BODY_TOO_LARGE", signature=None)))
    small = {"secrets": [SECRET_PRIMARY], "maxBodyBytes": 100}
    note101 = '{"note":"%s"}' % ("x" * (101 - 11))
    note100 = '{"note":"%s"}' % ("x" * (100 - 11))
    assert len(note101) == 101 and len(note100) == 100
    C.append(proc("maxBodyBytes 100: a body of 101 bytes is too large", note101, options=small,
                  exp=expect("BODY_TOO_LARGE", signature=None)))
    C.append(proc("maxBodyBytes 100: a body of exactly 100 bytes passes the size check (then no eventId)",
                  note100, options=small, exp=invalid("eventId", signature=authentic)))
    tiny_body = compact({"eventId": eid(100), "hookType": "x", "timestamp": "2024-05-07T14:49:55Z",
                         "data": {}})
    tiny_event = ev(eid(100), "x", "unknown", None, "unknown", False, ts="2024-05-07T14:49:55Z",
                    legacy=True)
    C.append(proc("maxBodyBytes %d: a valid event of exactly %d bytes is accepted"
                  % (len(tiny_body), len(tiny_body)), tiny_body,
                  options={"secrets": [SECRET_PRIMARY], "maxBodyBytes": len(tiny_body)},
                  exp=ok_sig(tiny_event)))
    C.append(proc("maxBodyBytes 128: a valid event padded to 128 bytes is accepted", body_parts=pad_to(tiny_body, 128),
                  options={"secrets": [SECRET_PRIMARY], "maxBodyBytes": 128}, exp=ok_sig(tiny_event)))
    C.append(proc("maxBodyBytes 128: the same event padded to 129 bytes is too large",
                  body_parts=pad_to(tiny_body, 129),
                  options={"secrets": [SECRET_PRIMARY], "maxBodyBytes": 128},
                  exp=expect("BODY_TOO_LARGE", signature=None)))
    C.append(proc("maxBodyBytes counts bytes, not characters (a JSON string of 62 characters, 122 bytes > 100)",
                  '"%s"' % ("č" * 60), options=small, exp=expect("BODY_TOO_LARGE", signature=None)))
    # evf_normalize checks no signature but applies the same size limit, first.
    C.append(norm("normalize: maxBodyBytes 100 applies too (a body of 101 bytes is too large)", note101,
                  options={"maxBodyBytes": 100}, exp=expect("BODY_TOO_LARGE", signature=None)))
    C.append(norm("normalize: a body of exactly maxBodyBytes 100 passes the size check (then no eventId)", note100,
                  options={"maxBodyBytes": 100}, exp=invalid("eventId", signature=None)))
    C.append(norm("normalize: the default maxBodyBytes 1048576 applies (a body of 1048577 bytes is too large)",
                  None, body_parts=pad_to(GOOD_BODY, 1048577), exp=expect("BODY_TOO_LARGE", signature=None)))

    # UTF-8
    def hexbody(prefix, raw, suffix):
        return (prefix.encode() + raw + suffix.encode()).hex()
    pre = '{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s","data":{"paymentId":"%s","status":"BOOKED","hookData":"' % (EVENT_ID, EVENT_TS, PAYMENT_A)
    post = '"}}'
    for label, raw in [
        ("byte 0xFF", b"\xff"),
        ("Windows-1250 text (objedn\\xe1vka)", "objednávka".encode("cp1250")),
        ("overlong encoding of '/' (C0 AF)", b"\xc0\xaf"),
        ("UTF-8-encoded surrogate U+D800 (ED A0 80)", b"\xed\xa0\x80"),
        ("truncated 3-byte sequence (E2 82)", b"\xe2\x82"),
        ("lone continuation byte 0x80", b"\x80"),
        ("code point above U+10FFFF (F4 90 80 80)", b"\xf4\x90\x80\x80"),
    ]:
        C.append(proc("invalid UTF-8 in a string: " + label, body_hex=hexbody(pre, raw, post),
                      exp=expect("BODY_NOT_UTF8", signature=authentic)))
    C.append(proc("invalid UTF-8 at the very end of the body", body_hex=(GOOD_BODY.encode() + b"\xc3").hex(),
                  exp=expect("BODY_NOT_UTF8", signature=authentic)))
    C.append(proc("invalid UTF-8 body without a header: HEADER_MISSING comes first",
                  body_hex=hexbody(pre, b"\xff", post), hdr=None, exp=expect("HEADER_MISSING", signature=None)))

    # JSON syntax
    for label, body in [
        ("UTF-8 byte-order mark before the JSON (not stripped)", "\ufeff" + GOOD_BODY),
        ("truncated JSON", GOOD_BODY[:-3]),
        ("trailing garbage after the object", GOOD_BODY + "x"),
        ("two JSON objects", GOOD_BODY + GOOD_BODY),
        ("empty body", ""),
        ("whitespace-only body", " \r\n\t "),
        ("trailing comma in an object", GOOD_BODY[:-2] + ",}}"),
        ("single-quoted strings", GOOD_BODY.replace('"', "'")),
        ("raw tab character inside a string", GOOD_BODY.replace("order x54352", "order\tx54352")),
        ("raw line feed inside a string", GOOD_BODY.replace("order x54352", "order\nx54352")),
        ("NaN as a value", GOOD_BODY.replace("12341234", "NaN")),
        ("number with a leading zero", GOOD_BODY.replace("12341234", "012341234")),
        ("comment inside the JSON", GOOD_BODY.replace('{"customId"', '{/* id */"customId"')),
        ("non-breaking space (U+00A0) between tokens", GOOD_BODY.replace(',"data"', ",\u00a0\"data\"")),
        ("form feed between tokens", GOOD_BODY.replace(',"data"', ",\f\"data\"")),
        ("invalid escape \\x41 in a string", GOOD_BODY.replace("order x54352", "order \\x41")),
        ("form-encoded body instead of JSON", "payload=" + GOOD_BODY),
    ]:
        C.append(proc("not JSON: " + label, body, exp=expect("BODY_NOT_JSON", signature=authentic)))
    C.append(proc("forged signature over invalid JSON: SIGNATURE_MISMATCH comes first", GOOD_BODY[:-3],
                  signers=(SECRET_OTHER_SHOP,), exp=expect("SIGNATURE_MISMATCH", signature=None)))
    old_now = SIG_TS_MS + 3600 * 1000
    C.append(proc("too old and invalid JSON: TIMESTAMP_TOO_OLD comes first", GOOD_BODY[:-3], now=old_now,
                  exp=expect("TIMESTAMP_TOO_OLD", signature=sig_obj(SIG_TS, "v0", 0, old_now))))

    # Nesting: the top-level object is depth 1, data depth 2, hookData arrays from depth 3.
    head = '{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s","data":{"paymentId":"%s","status":"BOOKED","hookData":' % (EVENT_ID, EVENT_TS, PAYMENT_A)
    deep62 = []
    for _ in range(61):
        deep62 = [deep62]
    C.append(proc("nesting depth exactly 64 (62 arrays in hookData) is accepted and passed through",
                  body_parts=[head, {"repeat": "[", "times": 62}, {"repeat": "]", "times": 62}, "}}"],
                  exp=ok_sig(ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                payment=PAYMENT_A, hook=deep62))))
    C.append(proc("nesting depth 65 (63 arrays in hookData) is not JSON",
                  body_parts=[head, {"repeat": "[", "times": 63}, {"repeat": "]", "times": 63}, "}}"],
                  exp=expect("BODY_NOT_JSON", signature=authentic)))
    C.append(proc("nesting depth 65 with objects ({\"a\": ...} in hookData) is not JSON",
                  body_parts=[head, {"repeat": '{"a":', "times": 62}, "{}", {"repeat": "}", "times": 62}, "}}"],
                  exp=expect("BODY_NOT_JSON", signature=authentic)))
    deep_obj = {}
    for _ in range(61):
        deep_obj = {"a": deep_obj}
    C.append(proc("nesting depth exactly 64 with objects in hookData is accepted",
                  body_parts=[head, {"repeat": '{"a":', "times": 61}, "{}", {"repeat": "}", "times": 61}, "}}"],
                  exp=ok_sig(ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                payment=PAYMENT_A, hook=deep_obj))))
    C.append(proc("top-level array nested 64 deep: valid JSON, not an object",
                  body_parts=[{"repeat": "[", "times": 64}, {"repeat": "]", "times": 64}],
                  exp=invalid("", signature=authentic)))
    C.append(proc("top-level array nested 65 deep: not JSON (depth before type)",
                  body_parts=[{"repeat": "[", "times": 65}, {"repeat": "]", "times": 65}],
                  exp=expect("BODY_NOT_JSON", signature=authentic)))
    C.append(proc("brackets inside a string do not count as nesting",
                  head + '"' + "[{" * 100 + '"}}',
                  exp=ok_sig(ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                payment=PAYMENT_A, hook="[{" * 100))))

    # Not an object
    for label, body in [
        ("top-level array", "[" + GOOD_BODY + "]"),
        ("top-level string", json.dumps(GOOD_BODY)),
        ("top-level number", "12341234"),
        ("top-level null", "null"),
        ("top-level true", "true"),
        ("top-level empty array", "[]"),
    ]:
        C.append(proc("valid JSON, not an object: " + label, body, exp=invalid("", signature=authentic)))
    C.append(proc("empty object: first missing field is eventId", "{}", exp=invalid("eventId", signature=authentic)))

    # Unicode and whitespace passthrough
    uni_body = ('\r\n\t{ "eventId" :\t"%s" ,\n "eventType":"payment.statusChange",\r\n'
                ' "eventTimestamp":"%s", "data":{"paymentId":"%s","status":"BOOKED",\n'
                '   "hookData":{"note":"objednávka č. 42 🛒","escaped":"caf\\u00e9","url":"https:\\/\\/shop.example\\/order\\/42",'
                '"pair":"\\ud83d\\uded2","quote":"say \\"hi\\"\\n","backslash":"C:\\\\shop"} } }\n\t ' % (
                    EVENT_ID, EVENT_TS, PAYMENT_A))
    uni_hook = {"note": "objednávka č. 42 🛒", "escaped": "café", "url": "https://shop.example/order/42",
                "pair": "🛒", "quote": 'say "hi"\n', "backslash": "C:\\shop"}
    assert json.loads(uni_body)["data"]["hookData"] == uni_hook
    C.append(proc("Unicode, escapes (\\u00e9, \\/, surrogate pair) and whitespace: hookData is the JSON value",
                  uni_body, exp=ok_sig(ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                          payment=PAYMENT_A, hook=uni_hook))))
    C.append(proc("non-ASCII body signed with a non-ASCII secret", UTF8_BODY, signers=(SECRET_UTF8,),
                  options={"secrets": [SECRET_UTF8]}, exp=ok_sig(UTF8_EVENT)))
    C.append(proc("EVENT_INVALID after an authentic signature carries the signature",
                  compact({"eventId": "not-a-uuid", "eventType": "payment.statusChange",
                           "eventTimestamp": EVENT_TS, "data": GOOD_DATA}),
                  exp=invalid("eventId", signature=authentic)))

    # Strict JSON everywhere, also in values passed through raw (docs/behaviour.md section 2):
    # lone UTF-16 surrogate escapes and numbers beyond the double range are BODY_NOT_JSON.
    meta = '{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s",' % (EVENT_ID, EVENT_TS)
    good_data = '{"paymentId":"%s","status":"BOOKED"}' % PAYMENT_A
    for label, body, exp in [
        ("lone surrogate as data", meta + '"data":"\\ud800"}', expect("BODY_NOT_JSON")),
        ("number out of double range as data", meta + '"data":1e400}', expect("BODY_NOT_JSON")),
        ("earlier duplicate data with a lone surrogate",
         meta + '"data":"\\udc00","data":' + good_data + '}', expect("BODY_NOT_JSON")),
        ("lone surrogate in a key of data",
         meta + '"data":{"\\ud800":1,"paymentId":"%s","status":"BOOKED"}}' % PAYMENT_A, expect("BODY_NOT_JSON")),
        ("lone surrogate in a top-level key", meta + '"\\ud800":1,"data":' + good_data + '}',
         expect("BODY_NOT_JSON")),
        ("top-level number out of double range", "1e400", expect("BODY_NOT_JSON")),
        ("top-level array holding a number out of double range", "[1e400]", expect("BODY_NOT_JSON")),
        ("lone surrogate as the eventId",
         '{"eventId":"\\ud800","eventType":"payment.statusChange","eventTimestamp":"%s","data":%s}' % (EVENT_TS, good_data),
         expect("BODY_NOT_JSON")),
        ("high surrogate followed by a non-surrogate escape inside hookData",
         meta + '"data":{"paymentId":"%s","status":"BOOKED","hookData":"\\ud83d\\u0041"}}' % PAYMENT_A,
         expect("BODY_NOT_JSON")),
        ("lone surrogate inside hookData", 
         meta + '"data":{"paymentId":"%s","status":"BOOKED","hookData":"\\ud800"}}' % PAYMENT_A, expect("BODY_NOT_JSON")),
        ("number out of double range inside hookData",
         meta + '"data":{"paymentId":"%s","status":"BOOKED","hookData":[1e400]}}' % PAYMENT_A, expect("BODY_NOT_JSON")),
        ("integer of 400 digits inside hookData",
         meta + '"data":{"paymentId":"%s","status":"BOOKED","hookData":1%s}}' % (PAYMENT_A, "0" * 400),
         expect("BODY_NOT_JSON")),
        ("lone surrogate in an unknown top-level field",
         meta + '"note":"\\ud800","data":' + good_data + '}', expect("BODY_NOT_JSON")),
        ("escaped backslash before ud800 is plain text, and extreme finite numbers pass: OK",
         meta + '"data":{"paymentId":"%s","status":"BOOKED","hookData":["\\\\ud800",1e308,-1.5e-400]}}' % PAYMENT_A,
         expect("OK", event=ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                               payment=PAYMENT_A, hook=["\\ud800", 1e308, -0.0]))),
    ]:
        C.append(norm("decoding: " + label, body, exp))
    return C


# =============================================================================================
# events.json


def body_of(event_id=_ABSENT, event_type=_ABSENT, ts=_ABSENT, data=_ABSENT, **extra):
    obj = {}
    for k, v in (("eventId", event_id), ("eventType", event_type), ("eventTimestamp", ts)):
        if v is not _ABSENT:
            obj[k] = v
    obj.update(extra)
    if data is not _ABSENT:
        obj["data"] = data
    return compact(obj)


def event_cases():
    C = []
    n = [0]

    def next_id():
        n[0] += 1
        return eid(n[0])

    def pay_change(name, status, outcome, final, *, options=_ABSENT, reason=None, hook=None,
                   etype="payment.statusChange", known=None):
        i = next_id()
        data = {"paymentId": PAYMENT_A, "orderId": ORDER_O, "status": status}
        if reason is not None:
            data["reasonCode"] = reason
        C.append(norm(name, body_of(i, etype, EVENT_TS, data), options=options,
                      exp=expect("OK", event=ev(i, etype, "payment", status, outcome, final, payment=PAYMENT_A,
                                                order=ORDER_O, reason=reason, status_known=known))))

    # Payment outcome table
    pay_change("payment CREATED: pending", "CREATED", "pending", False)
    pay_change("payment SEEN: pending", "SEEN", "pending", False)
    pay_change("payment PROCESSING: pending", "PROCESSING", "pending", False)
    pay_change("payment CONFIRMED: authorized by default", "CONFIRMED", "authorized", False)
    pay_change("payment CONFIRMED with confirmedIsPaid false: authorized", "CONFIRMED", "authorized", False,
               options={"confirmedIsPaid": False})
    pay_change("payment CONFIRMED with confirmedIsPaid: paid, still not final", "CONFIRMED", "paid", False,
               options={"confirmedIsPaid": True})
    pay_change("payment BOOKED: paid, final", "BOOKED", "paid", True)
    pay_change("payment BOOKED with confirmedIsPaid: paid, final", "BOOKED", "paid", True,
               options={"confirmedIsPaid": True})
    pay_change("payment FINISHED (legacy): paid, final", "FINISHED", "paid", True)
    pay_change("payment FAILED with reasonCode CANCELED_BY_PAYER_AT_BANK", "FAILED", "failed", True,
               reason="CANCELED_BY_PAYER_AT_BANK")
    pay_change("payment FAILED with an undocumented reasonCode passed through", "FAILED", "failed", True,
               reason="SCA_TIMEOUT_AT_BANK")
    pay_change("payment FAILED without reasonCode", "FAILED", "failed", True)
    pay_change("payment REJECTED (legacy): failed", "REJECTED", "failed", True)
    pay_change("payment EXPIRED: expired", "EXPIRED", "expired", True)
    pay_change("payment WITHDRAWN: withdrawn", "WITHDRAWN", "withdrawn", True)
    pay_change("payment PROCESSING_EXPIRED: review", "PROCESSING_EXPIRED", "review", True)
    pay_change("payment unknown status ON_HOLD: unknown, not an error", "ON_HOLD", "unknown", False)
    pay_change("payment lower-case 'booked' is an unknown status (case-sensitive)", "booked", "unknown", False)
    pay_change("payment status with a trailing space is unknown (matched exactly)", "BOOKED ", "unknown", False)
    pay_change("order status PAID on a payment is unknown", "PAID", "unknown", False)

    # Refunds
    def refund(name, status, outcome, final, options=_ABSENT):
        i = next_id()
        data = {"refundId": REFUND_R, "orderId": ORDER_O, "status": status, "instructionId": "refund-42-1"}
        C.append(norm(name, body_of(i, "payment.statusChange", EVENT_TS, data), options=options,
                      exp=expect("OK", event=ev(i, "payment.statusChange", "refund", status, outcome, final,
                                                refund=REFUND_R, order=ORDER_O, instruction="refund-42-1"))))
    refund("refund CREATED: refund_pending", "CREATED", "refund_pending", False)
    refund("refund SEEN: refund_pending", "SEEN", "refund_pending", False)
    refund("refund PROCESSING: refund_pending", "PROCESSING", "refund_pending", False)
    refund("refund CONFIRMED: refund_pending", "CONFIRMED", "refund_pending", False)
    refund("refund CONFIRMED with confirmedIsPaid: still refund_pending", "CONFIRMED", "refund_pending", False,
           options={"confirmedIsPaid": True})
    refund("refund BOOKED: refunded", "BOOKED", "refunded", True)
    refund("refund FINISHED: refunded", "FINISHED", "refunded", True)
    refund("refund FAILED: refund_failed", "FAILED", "refund_failed", True)
    refund("refund REJECTED: refund_failed", "REJECTED", "refund_failed", True)
    refund("refund EXPIRED: refund_failed", "EXPIRED", "refund_failed", True)
    refund("refund WITHDRAWN: refund_failed", "WITHDRAWN", "refund_failed", True)
    refund("refund PROCESSING_EXPIRED: refund_failed", "PROCESSING_EXPIRED", "refund_failed", True)
    refund("refund unknown status ON_HOLD", "ON_HOLD", "unknown", False)

    # Orders
    def order(name, status, outcome, final, extra=None):
        i = next_id()
        data = {"orderId": ORDER_O, "status": status, "externalId": "WC-1042"}
        data.update(extra or {})
        C.append(norm(name, body_of(i, "order.statusChange", EVENT_TS, data),
                      exp=expect("OK", event=ev(i, "order.statusChange", "order", status, outcome, final,
                                                order=ORDER_O, external="WC-1042",
                                                payment=(extra or {}).get("paymentId")))))
    order("order UNPAID: pending", "UNPAID", "pending", False)
    order("order PARTIALLY_PAID: partially_paid", "PARTIALLY_PAID", "partially_paid", False)
    order("order PAID: paid, final", "PAID", "paid", True)
    order("order with a payment status BOOKED is unknown", "BOOKED", "unknown", False)
    order("order event with a paymentId too: entity stays order", "PAID", "paid", True,
          extra={"paymentId": PAYMENT_B})

    # payment.statusCheck
    i = next_id()
    C.append(norm("payment.statusCheck without status: unknown outcome, not an error",
                  body_of(i, "payment.statusCheck", EVENT_TS, {"paymentId": PAYMENT_A, "instructionId": INSTRUCTION}),
                  exp=expect("OK", event=ev(i, "payment.statusCheck", "payment", None, "unknown", False,
                                            payment=PAYMENT_A, instruction=INSTRUCTION))))
    i = next_id()
    C.append(norm("payment.statusCheck with status PROCESSING: known payment status",
                  body_of(i, "payment.statusCheck", EVENT_TS, {"paymentId": PAYMENT_A, "status": "PROCESSING"}),
                  exp=expect("OK", event=ev(i, "payment.statusCheck", "payment", "PROCESSING", "pending", False,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("payment.statusCheck for a refund",
                  body_of(i, "payment.statusCheck", EVENT_TS, {"refundId": REFUND_R}),
                  exp=expect("OK", event=ev(i, "payment.statusCheck", "refund", None, "unknown", False,
                                            refund=REFUND_R))))

    # Unknown event types
    i = next_id()
    C.append(norm("unknown event type payment.statusUpdate with BOOKED: unknown, not final",
                  body_of(i, "payment.statusUpdate", EVENT_TS, {"paymentId": PAYMENT_A, "status": "BOOKED"}),
                  exp=expect("OK", event=ev(i, "payment.statusUpdate", "payment", "BOOKED", "unknown", False,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("unknown event type merchant.somethingNew without ids: entity unknown",
                  body_of(i, "merchant.somethingNew", EVENT_TS, {"message": "hello"}),
                  exp=expect("OK", event=ev(i, "merchant.somethingNew", "unknown", None, "unknown", False))))
    i = next_id()
    C.append(norm("unknown event type with paymentId and refundId: entity refund, no error",
                  body_of(i, "refund.created", EVENT_TS, {"paymentId": PAYMENT_A, "refundId": REFUND_R,
                                                          "status": "CREATED"}),
                  exp=expect("OK", event=ev(i, "refund.created", "refund", "CREATED", "unknown", False,
                                            payment=PAYMENT_A, refund=REFUND_R))))
    i = next_id()
    C.append(norm("unknown event type with only orderId: entity order",
                  body_of(i, "order.created", EVENT_TS, {"orderId": ORDER_O}),
                  exp=expect("OK", event=ev(i, "order.created", "order", None, "unknown", False, order=ORDER_O))))
    i = next_id()
    C.append(norm("unknown event type still validates the id fields",
                  body_of(i, "merchant.somethingNew", EVENT_TS, {"paymentId": "12345"}),
                  exp=invalid("data.paymentId")))
    i = next_id()
    C.append(norm("event type is case-sensitive: Payment.StatusChange is unknown",
                  body_of(i, "Payment.StatusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "BOOKED"}),
                  exp=expect("OK", event=ev(i, "Payment.StatusChange", "payment", "BOOKED", "unknown", False,
                                            payment=PAYMENT_A))))

    # Legacy bodies
    legacy_ts = "2023-12-21T20:34:59.895Z"
    i = next_id()
    C.append(norm("legacy body: clientId, hookType, timestamp, no eventType/eventTimestamp",
                  compact({"clientId": CLIENT_ID, "eventId": i, "hookType": "payment.statusChange",
                           "timestamp": legacy_ts, "data": {"paymentId": PAYMENT_A, "status": "PROCESSING"}}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "PROCESSING", "pending", False,
                                            ts=legacy_ts, payment=PAYMENT_A, legacy=True))))
    i = next_id()
    C.append(norm("both legacy and new fields: eventType and eventTimestamp win over hookType and timestamp",
                  compact({"eventId": i, "eventType": "payment.statusChange", "eventTimestamp": EVENT_TS,
                           "clientId": CLIENT_ID, "hookType": "payment.statusUpdate", "timestamp": legacy_ts,
                           "data": {"paymentId": PAYMENT_A, "status": "BOOKED"}}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, legacy=True))))
    i = next_id()
    C.append(norm("only clientId of the legacy fields: legacyFields true",
                  body_of(i, "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "SEEN"},
                          clientId=CLIENT_ID),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "SEEN", "pending", False,
                                            payment=PAYMENT_A, legacy=True))))
    i = next_id()
    C.append(norm("clientId is not validated (not in the validation table)",
                  body_of(i, "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "SEEN"},
                          clientId=42),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "SEEN", "pending", False,
                                            payment=PAYMENT_A, legacy=True))))
    i = next_id()
    C.append(norm("eventType null falls back to hookType (null counts as absent)",
                  compact({"eventId": i, "eventType": None, "hookType": "payment.statusChange",
                           "eventTimestamp": None, "timestamp": legacy_ts,
                           "data": {"paymentId": PAYMENT_A, "status": "BOOKED"}}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            ts=legacy_ts, payment=PAYMENT_A, legacy=True))))

    # Normalization of ids and timestamps
    i = next_id()
    C.append(norm("upper-case UUIDs are lower-cased (eventId, paymentId, orderId); instructionId kept as is",
                  body_of(i.upper(), "payment.statusChange", EVENT_TS,
                          {"paymentId": PAYMENT_A.upper(), "orderId": ORDER_O.upper(), "status": "BOOKED",
                           "instructionId": INSTRUCTION.upper()}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, order=ORDER_O, instruction=INSTRUCTION.upper()))))
    i = next_id()
    C.append(norm("mixed-case refundId lower-cased",
                  body_of(i, "payment.statusChange", EVENT_TS, {"refundId": "7C1d9E2a-5B4f-4E3c-8A2d-1F0e9D8c7B6a",
                                                               "status": "BOOKED"}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "refund", "BOOKED", "refunded", True,
                                            refund=REFUND_R))))
    for label, ts in [
        ("eventTimestamp with +00:00 re-printed with Z", "2024-05-07T14:49:55.884+00:00"),
        ("eventTimestamp with -00:00 re-printed with Z", "2024-05-07T14:49:55.884-00:00"),
        ("eventTimestamp with microseconds truncated to milliseconds", "2024-05-07T14:49:55.884999Z"),
        ("eventTimestamp with nanoseconds truncated", "2024-05-07T14:49:55.884000001Z"),
        ("eventTimestamp without fraction gets .000", "2024-05-07T14:49:55Z"),
        ("eventTimestamp with one fractional digit", "2024-05-07T14:49:55.8Z"),
        ("eventTimestamp on a leap day", "2024-02-29T23:59:59.999Z"),
        ("eventTimestamp before 2000", "1999-12-31T23:59:59.999Z"),
    ]:
        i = next_id()
        C.append(norm(label, body_of(i, "payment.statusChange", ts, {"paymentId": PAYMENT_A, "status": "BOOKED"}),
                      exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                                ts=ts, payment=PAYMENT_A))))

    # hookData passthrough
    for label, hook in [
        ("nested object", {"customId": 12341234, "note": "order x54352", "cart": {"items": [{"sku": "A-1", "qty": 2}]}}),
        ("array", [1, "two", {"three": 3}, [4], None, True]),
        ("integer 2^53+1 kept exact", 9007199254740993),
        ("negative number with a fraction", -12.5),
        ("string", "order 42"),
        ("empty string", ""),
        ("empty object", {}),
        ("empty array", []),
        ("false", False),
        ("explicit null", None),
    ]:
        i = next_id()
        C.append(norm("hookData passthrough: " + label,
                      body_of(i, "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "PROCESSING",
                                                                    "hookData": hook}),
                      exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "PROCESSING", "pending", False,
                                                payment=PAYMENT_A, hook=hook))))
    i = next_id()
    C.append(norm("Back Office test hook: arbitrary merchant JSON as data, unknown fields ignored",
                  body_of(i, "payment.statusChange", EVENT_TS,
                          {"paymentId": PAYMENT_A, "status": "BOOKED", "amount": {"value": 12.5, "currency": "EUR"},
                           "test": True}, merchantId=CLIENT_ID, apiVersion=2),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("all data fields present (externalId, instructionId, reasonCode, hookData)",
                  body_of(i, "payment.statusChange", EVENT_TS,
                          {"paymentId": PAYMENT_A, "orderId": ORDER_O, "instructionId": "wc-order-1042-attempt-2",
                           "externalId": "1042", "status": "FAILED", "reasonCode": "INSUFFICIENT_AMOUNT",
                           "hookData": {"orderKey": "wc_order_abc"}}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "FAILED", "failed", True,
                                            payment=PAYMENT_A, order=ORDER_O, instruction="wc-order-1042-attempt-2",
                                            external="1042", reason="INSUFFICIENT_AMOUNT",
                                            hook={"orderKey": "wc_order_abc"}))))
    i = next_id()
    C.append(norm("optional data fields given as null are absent",
                  body_of(i, "payment.statusChange", EVENT_TS,
                          {"paymentId": PAYMENT_A, "refundId": None, "orderId": None, "instructionId": None,
                           "externalId": None, "status": "BOOKED", "reasonCode": None, "hookData": None}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("empty instructionId and externalId are valid strings, passed through",
                  body_of(i, "payment.statusChange", EVENT_TS,
                          {"paymentId": PAYMENT_A, "status": "BOOKED", "instructionId": "", "externalId": ""}),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, instruction="", external=""))))
    i, j = next_id(), next_id()
    C.append(norm("duplicate keys: the last one wins (eventId, status)",
                  '{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s","eventId":"%s",'
                  '"data":{"paymentId":"%s","status":"PROCESSING","status":"BOOKED"}}' % (i, EVENT_TS, j, PAYMENT_A),
                  exp=expect("OK", event=ev(j, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("duplicate keys: an invalid first value is replaced by a valid last one",
                  '{"eventId":"not-a-uuid","eventType":"payment.statusChange","eventTimestamp":"%s",'
                  '"data":[],"data":{"paymentId":"%s","status":"SEEN"},"eventId":"%s"}' % (EVENT_TS, PAYMENT_A, i),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "SEEN", "pending", False,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("duplicate keys: a valid first value is replaced by an invalid last one",
                  '{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s",'
                  '"data":{"paymentId":"%s","status":"SEEN","paymentId":"nope"}}' % (i, EVENT_TS, PAYMENT_A),
                  exp=invalid("data.paymentId")))
    i = next_id()
    C.append(norm("escaped key names are the same keys (\"event\\u0049d\" is eventId)",
                  '{"event\\u0049d":"%s","eventType":"payment.statusChange","eventTimestamp":"%s",'
                  '"d\\u0061ta":{"paymentId":"%s","st\\u0061tus":"BOOKED"}}' % (i, EVENT_TS, PAYMENT_A),
                  exp=expect("OK", event=ev(i, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A))))
    i = next_id()
    C.append(norm("UUIDs of another version (v1) and the nil UUID are accepted (any version)",
                  body_of("c2949dfe-4585-11eb-9213-35f0f7faf055", "payment.statusChange", EVENT_TS,
                          {"paymentId": "00000000-0000-0000-0000-000000000000", "status": "CREATED"}),
                  exp=expect("OK", event=ev("c2949dfe-4585-11eb-9213-35f0f7faf055", "payment.statusChange",
                                            "payment", "CREATED", "pending", False,
                                            payment="00000000-0000-0000-0000-000000000000"))))

    # A few through process (signed)
    legacy_body = compact({"clientId": CLIENT_ID, "eventId": eid(700).upper(), "hookType": "payment.statusChange",
                           "timestamp": legacy_ts, "data": {"paymentId": PAYMENT_A.upper(), "status": "BOOKED",
                                                            "hookData": {"orderId": 1042}}})
    C.append(proc("process: signed legacy body with upper-case UUIDs", legacy_body,
                  exp=ok_sig(ev(eid(700), "payment.statusChange", "payment", "BOOKED", "paid", True, ts=legacy_ts,
                                payment=PAYMENT_A, hook={"orderId": 1042}, legacy=True))))
    C.append(proc("process: signed order.statusChange PAID", compact(
        {"eventId": eid(701), "eventType": "order.statusChange", "eventTimestamp": EVENT_TS,
         "data": {"orderId": ORDER_O, "status": "PAID", "externalId": "1042"}}),
        exp=ok_sig(ev(eid(701), "order.statusChange", "order", "PAID", "paid", True, order=ORDER_O,
                      external="1042"))))
    C.append(proc("process: signed body with confirmedIsPaid option", compact(
        {"eventId": eid(702), "eventType": "payment.statusChange", "eventTimestamp": EVENT_TS,
         "data": {"paymentId": PAYMENT_A, "status": "CONFIRMED"}}),
        options={"secrets": [SECRET_PRIMARY], "confirmedIsPaid": True},
        exp=ok_sig(ev(eid(702), "payment.statusChange", "payment", "CONFIRMED", "paid", False,
                      payment=PAYMENT_A))))
    C.append(proc("process: signed body with a missing status carries the signature", compact(
        {"eventId": eid(703), "eventType": "payment.statusChange", "eventTimestamp": EVENT_TS,
         "data": {"paymentId": PAYMENT_A}}),
        exp=invalid("data.status", signature=sig_obj(SIG_TS, "v0", 0, NOW))))
    C.append(norm("normalize result has no signature object", GOOD_BODY,
                  exp=expect("OK", signature=None, event=GOOD_EVENT)))

    # ---- EVENT_INVALID, in the order of the validation table
    P = {"paymentId": PAYMENT_A, "status": "BOOKED"}
    T = "payment.statusChange"

    def bad(name, body, field):
        C.append(norm("invalid: " + name, body, exp=invalid(field)))

    bad("eventId missing", body_of(event_type=T, ts=EVENT_TS, data=P), "eventId")
    bad("eventId null", body_of(None, T, EVENT_TS, P), "eventId")
    bad("eventId a number", body_of(12341234, T, EVENT_TS, P), "eventId")
    bad("eventId an object", body_of({"id": EVENT_ID}, T, EVENT_TS, P), "eventId")
    bad("eventId empty string", body_of("", T, EVENT_TS, P), "eventId")
    bad("eventId not a UUID", body_of("evt_12345", T, EVENT_TS, P), "eventId")
    bad("eventId in braces {...}", body_of("{%s}" % EVENT_ID, T, EVENT_TS, P), "eventId")
    bad("eventId without hyphens", body_of(EVENT_ID.replace("-", ""), T, EVENT_TS, P), "eventId")
    bad("eventId with urn:uuid: prefix", body_of("urn:uuid:" + EVENT_ID, T, EVENT_TS, P), "eventId")
    bad("eventId with a non-hex character", body_of(EVENT_ID[:-1] + "g", T, EVENT_TS, P), "eventId")
    bad("eventId with hyphens in the wrong places", body_of("c2949dfe4-585-46eb-9213-35f0f7faf055", T, EVENT_TS, P),
        "eventId")
    bad("eventId with surrounding spaces", body_of(" %s " % EVENT_ID, T, EVENT_TS, P), "eventId")
    bad("eventId invalid and eventType missing: eventId reported first",
        body_of("nope", ts=EVENT_TS, data=P), "eventId")
    bad("eventType missing (and no hookType)", body_of(EVENT_ID, ts=EVENT_TS, data=P), "eventType")
    bad("eventType null and no hookType", body_of(EVENT_ID, None, EVENT_TS, P), "eventType")
    bad("eventType empty", body_of(EVENT_ID, "", EVENT_TS, P), "eventType")
    bad("eventType a number", body_of(EVENT_ID, 1, EVENT_TS, P), "eventType")
    bad("eventType empty while hookType is valid: eventType is used and reported",
        body_of(EVENT_ID, "", EVENT_TS, P, hookType=T), "eventType")
    bad("eventType a number while hookType is valid", body_of(EVENT_ID, 7, EVENT_TS, P, hookType=T), "eventType")
    bad("hookType used and a number", body_of(EVENT_ID, ts=EVENT_TS, data=P, hookType=7), "hookType")
    bad("hookType used and empty", body_of(EVENT_ID, ts=EVENT_TS, data=P, hookType=""), "hookType")
    bad("hookType used and an array", body_of(EVENT_ID, ts=EVENT_TS, data=P, hookType=[T]), "hookType")
    bad("eventTimestamp missing (and no timestamp)", body_of(EVENT_ID, T, data=P), "eventTimestamp")
    bad("eventTimestamp null and no timestamp", body_of(EVENT_ID, T, None, P), "eventTimestamp")
    bad("eventTimestamp a number (Unix ms)", body_of(EVENT_ID, T, 1715093395884, P), "eventTimestamp")
    for label, ts in [
        ("empty", ""),
        ("without Z", "2024-05-07T14:49:55.884"),
        ("with +02:00 offset", "2024-05-07T16:49:55.884+02:00"),
        ("with lower-case z", "2024-05-07T14:49:55.884z"),
        ("2023-02-29", "2023-02-29T14:49:55.884Z"),
        ("hour 24", "2024-05-07T24:00:00.000Z"),
        ("10 fractional digits", "2024-05-07T14:49:55.8840000000Z"),
        ("date only", "2024-05-07"),
        ("RFC 2822 format", "Tue, 07 May 2024 14:49:55 GMT"),
    ]:
        assert_invalid_ts(ts)
        bad("eventTimestamp " + label, body_of(EVENT_ID, T, ts, P), "eventTimestamp")
    bad("eventTimestamp invalid while timestamp is valid: eventTimestamp reported",
        body_of(EVENT_ID, T, "yesterday", P, timestamp=EVENT_TS), "eventTimestamp")
    bad("legacy timestamp used and invalid", body_of(EVENT_ID, T, data=P, timestamp="2023-12-21 20:34:59"),
        "timestamp")
    bad("legacy timestamp used and a number", body_of(EVENT_ID, ts=_ABSENT, data=P, hookType=T, timestamp=1703190899895),
        "timestamp")
    bad("data missing", body_of(EVENT_ID, T, EVENT_TS), "data")
    bad("data null", body_of(EVENT_ID, T, EVENT_TS, None), "data")
    bad("data an array", body_of(EVENT_ID, T, EVENT_TS, [P]), "data")
    bad("data a JSON string", body_of(EVENT_ID, T, EVENT_TS, compact(P)), "data")
    bad("data missing and eventTimestamp invalid: eventTimestamp reported first",
        body_of(EVENT_ID, T, "nope"), "eventTimestamp")
    bad("data.paymentId a number", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": 42, "status": "BOOKED"}),
        "data.paymentId")
    bad("data.paymentId empty", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": "", "status": "BOOKED"}),
        "data.paymentId")
    bad("data.paymentId not a UUID", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": "pay_42", "status": "BOOKED"}),
        "data.paymentId")
    bad("data.paymentId and data.refundId both invalid: paymentId reported first",
        body_of(EVENT_ID, T, EVENT_TS, {"refundId": 1, "paymentId": 2, "status": "BOOKED"}), "data.paymentId")
    bad("data.refundId not a UUID", body_of(EVENT_ID, T, EVENT_TS, {"refundId": "refund-1", "status": "BOOKED"}),
        "data.refundId")
    bad("data.refundId a boolean", body_of(EVENT_ID, T, EVENT_TS, {"refundId": True, "status": "BOOKED"}),
        "data.refundId")
    bad("data.orderId not a UUID", body_of(EVENT_ID, T, EVENT_TS, {**P, "orderId": "1042"}), "data.orderId")
    bad("data.orderId a number", body_of(EVENT_ID, T, EVENT_TS, {**P, "orderId": 1042}), "data.orderId")
    bad("data.instructionId a number", body_of(EVENT_ID, T, EVENT_TS, {**P, "instructionId": 1042}),
        "data.instructionId")
    bad("data.externalId an object", body_of(EVENT_ID, T, EVENT_TS, {**P, "externalId": {"id": "1042"}}),
        "data.externalId")
    bad("data.externalId a number", body_of(EVENT_ID, T, EVENT_TS, {**P, "externalId": 1042}), "data.externalId")
    bad("data.status a number", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A, "status": 3}), "data.status")
    bad("data.status empty string", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A, "status": ""}),
        "data.status")
    bad("data.status empty string on an unknown event type",
        body_of(EVENT_ID, "merchant.somethingNew", EVENT_TS, {"status": ""}), "data.status")
    bad("data.reasonCode a number", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A, "status": "FAILED",
                                                                   "reasonCode": 17}), "data.reasonCode")
    bad("data.reasonCode a number while status is also missing: reasonCode reported first",
        body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A, "reasonCode": 17}), "data.reasonCode")
    bad("payment.statusChange with neither paymentId nor refundId",
        body_of(EVENT_ID, T, EVENT_TS, {"orderId": ORDER_O, "status": "BOOKED"}), "data.paymentId")
    bad("payment.statusChange with both paymentId and refundId",
        body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A, "refundId": REFUND_R, "status": "BOOKED"}),
        "data.refundId")
    bad("payment.statusChange without status", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A}),
        "data.status")
    bad("payment.statusChange with status null", body_of(EVENT_ID, T, EVENT_TS, {"paymentId": PAYMENT_A,
                                                                                "status": None}), "data.status")
    bad("payment.statusChange with neither id and no status: the id is reported",
        body_of(EVENT_ID, T, EVENT_TS, {}), "data.paymentId")
    bad("payment.statusCheck with neither paymentId nor refundId",
        body_of(EVENT_ID, "payment.statusCheck", EVENT_TS, {"orderId": ORDER_O}), "data.paymentId")
    bad("payment.statusCheck with both ids",
        body_of(EVENT_ID, "payment.statusCheck", EVENT_TS, {"paymentId": PAYMENT_A, "refundId": REFUND_R}),
        "data.refundId")
    bad("order.statusChange without orderId",
        body_of(EVENT_ID, "order.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "PAID"}), "data.orderId")
    bad("order.statusChange without status",
        body_of(EVENT_ID, "order.statusChange", EVENT_TS, {"orderId": ORDER_O}), "data.status")
    bad("order.statusChange with an empty status",
        body_of(EVENT_ID, "order.statusChange", EVENT_TS, {"orderId": ORDER_O, "status": ""}), "data.status")
    return C


# =============================================================================================
# options.json


def option_cases():
    C = []
    body = GOOD_BODY

    def opt_fail(name, options=_ABSENT, options_raw=None):
        C.append(proc(name, body, options=options, options_raw=options_raw, exp=expect("INVALID_OPTIONS")))

    opt_fail("unknown option key (typo 'tolerence')", {"secrets": [SECRET_PRIMARY], "tolerence": 300})
    opt_fail("unknown option key 'secret' (singular)", {"secret": SECRET_PRIMARY})
    opt_fail("option keys are case-sensitive ('Secrets')", {"Secrets": [SECRET_PRIMARY]})
    opt_fail("secrets missing", {"toleranceSeconds": 300})
    opt_fail("empty options object (secrets required by the verifier)", {})
    opt_fail("empty options input (secrets required by the verifier)", options_raw="")
    opt_fail("secrets an empty array", {"secrets": []})
    opt_fail("secrets containing an empty string", options_raw='{"secrets":["%s",""]}' % SECRET_PRIMARY)
    opt_fail("secrets a single string instead of an array", options_raw='{"secrets":"%s"}' % SECRET_PRIMARY)
    opt_fail("secrets containing a number", options_raw='{"secrets":[12345678]}')
    opt_fail("secrets containing null", options_raw='{"secrets":[null]}')
    opt_fail("secrets null", options_raw='{"secrets":null}')
    opt_fail("17 secrets", {"secrets": ["whsec-shop-%02d-4c1e9a" % k for k in range(17)]})
    opt_fail("toleranceSeconds negative", {"secrets": [SECRET_PRIMARY], "toleranceSeconds": -1})
    opt_fail("toleranceSeconds 31536001 (over one year)", {"secrets": [SECRET_PRIMARY], "toleranceSeconds": 31536001})
    opt_fail("toleranceSeconds 1.5", {"secrets": [SECRET_PRIMARY], "toleranceSeconds": 1.5})
    opt_fail("toleranceSeconds a string", {"secrets": [SECRET_PRIMARY], "toleranceSeconds": "300"})
    opt_fail("toleranceSeconds a boolean", {"secrets": [SECRET_PRIMARY], "toleranceSeconds": True})
    opt_fail("confirmedIsPaid a string", {"secrets": [SECRET_PRIMARY], "confirmedIsPaid": "true"})
    opt_fail("confirmedIsPaid a number", {"secrets": [SECRET_PRIMARY], "confirmedIsPaid": 1})
    opt_fail("maxBodyBytes 0", {"secrets": [SECRET_PRIMARY], "maxBodyBytes": 0})
    opt_fail("maxBodyBytes negative", {"secrets": [SECRET_PRIMARY], "maxBodyBytes": -5})
    opt_fail("maxBodyBytes 67108865 (over 64 MiB)", {"secrets": [SECRET_PRIMARY], "maxBodyBytes": 67108865})
    opt_fail("maxBodyBytes a string", {"secrets": [SECRET_PRIMARY], "maxBodyBytes": "1048576"})
    opt_fail("options an array", options_raw='["%s"]' % SECRET_PRIMARY)
    opt_fail("options a string", options_raw='"%s"' % SECRET_PRIMARY)
    opt_fail("options null", options_raw="null")
    opt_fail("optionsRaw malformed JSON", options_raw='{"secrets":["%s"' % SECRET_PRIMARY)
    opt_fail("optionsRaw with trailing garbage", options_raw='{"secrets":["%s"]} x' % SECRET_PRIMARY)
    opt_fail("optionsRaw whitespace only (not empty, not JSON)", options_raw="  ")
    opt_fail("suggestedStates with an unknown outcome name",
             {"secrets": [SECRET_PRIMARY], "suggestedStates": {"woocommerce": {"settled": "completed"}}})
    opt_fail("suggestedStates with an empty platform name",
             {"secrets": [SECRET_PRIMARY], "suggestedStates": {"": {"paid": "completed"}}})
    opt_fail("suggestedStates platform not an object",
             {"secrets": [SECRET_PRIMARY], "suggestedStates": {"woocommerce": "completed"}})
    opt_fail("suggestedStates value a number",
             {"secrets": [SECRET_PRIMARY], "suggestedStates": {"prestashop": {"paid": 2}}})
    opt_fail("suggestedStates an array", {"secrets": [SECRET_PRIMARY], "suggestedStates": []})
    opt_fail("compactResult a number (1)", {"secrets": [SECRET_PRIMARY], "compactResult": 1})
    opt_fail("compactResult a string (\"true\")", {"secrets": [SECRET_PRIMARY], "compactResult": "true"})
    opt_fail("compactResult null", {"secrets": [SECRET_PRIMARY], "compactResult": None})
    opt_fail("compactResult an array", {"secrets": [SECRET_PRIMARY], "compactResult": [True]})

    # Accepted edge values (verifier)
    C.append(proc("toleranceSeconds 31536000 (one year) is accepted", body,
                  options={"secrets": [SECRET_PRIMARY], "toleranceSeconds": 31536000},
                  now=SIG_TS_MS + 31536000 * 1000,
                  exp=ok_sig(GOOD_EVENT, now=SIG_TS_MS + 31536000 * 1000)))
    C.append(proc("maxBodyBytes 67108864 is accepted", body,
                  options={"secrets": [SECRET_PRIMARY], "maxBodyBytes": 67108864}, exp=ok_sig(GOOD_EVENT)))
    C.append(proc("maxBodyBytes 1 is accepted (and then any body is too large)", body,
                  options={"secrets": [SECRET_PRIMARY], "maxBodyBytes": 1},
                  exp=expect("BODY_TOO_LARGE", signature=None)))
    sixteen = ["whsec-shop-%02d-4c1e9a" % k for k in range(16)]
    C.append(proc("16 secrets, signed with the newest one as v15", body,
                  hdr=header(SIG_TS, body.encode(), ("v15", sixteen[15])), options={"secrets": sixteen},
                  exp=ok_sig(GOOD_EVENT, key="v15", index=15)))
    C.append(proc("all options given with their default values", body,
                  options={"secrets": [SECRET_PRIMARY], "toleranceSeconds": 300, "confirmedIsPaid": False,
                           "maxBodyBytes": 1048576, "suggestedStates": {}},
                  exp=ok_sig(GOOD_EVENT)))
    C.append(proc("compactResult false: the result is the object", body,
                  options={"secrets": [SECRET_PRIMARY], "compactResult": False}, exp=ok_sig(GOOD_EVENT)))
    # Duplicate keys in the options: the last one wins, as in a body (no error).
    C.append(proc("duplicate option keys: the last secrets win (the body is signed with it)", body,
                  options_raw='{"secrets":["%s"],"secrets":["%s"]}' % (SECRET_OTHER_SHOP, SECRET_PRIMARY),
                  exp=ok_sig(GOOD_EVENT)))
    C.append(proc("duplicate option keys: the last secrets win (the first one, which signed, is not used)", body,
                  options_raw='{"secrets":["%s"],"secrets":["%s"]}' % (SECRET_PRIMARY, SECRET_OTHER_SHOP),
                  exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("duplicate option keys: the last toleranceSeconds wins (0 turns the check off)", body,
                  options_raw='{"secrets":["%s"],"toleranceSeconds":300,"toleranceSeconds":0}' % SECRET_PRIMARY,
                  now=SIG_TS_MS + 3600 * 1000, exp=ok_sig(GOOD_EVENT, now=SIG_TS_MS + 3600 * 1000)))
    C.append(proc("options with surrounding whitespace in optionsRaw", body,
                  options_raw=' \n{"secrets": ["%s"]}\n ' % SECRET_PRIMARY, exp=ok_sig(GOOD_EVENT)))
    C.append(proc("the secret is used exactly: a configured secret with a trailing space does not match", body,
                  options={"secrets": [SECRET_PRIMARY + " "]}, exp=expect("SIGNATURE_MISMATCH", signature=None)))

    # suggestedStates
    paid = {"paymentId": PAYMENT_A, "status": "BOOKED"}
    woo_completed = {"woocommerce": {"paid": "completed"}}
    C.append(norm("suggestedStates: woocommerce paid -> completed (prestashop keeps its default)",
                  body_of(eid(801), "payment.statusChange", EVENT_TS, paid),
                  options={"suggestedStates": woo_completed},
                  exp=expect("OK", event=ev(eid(801), "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, overrides=woo_completed))))
    assert suggested("paid", woo_completed) == {"woocommerce": "completed", "prestashop": "PS_OS_PAYMENT"}
    C.append(norm("suggestedStates: override of paid leaves other outcomes at their defaults",
                  body_of(eid(802), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "FAILED"}),
                  options={"suggestedStates": woo_completed},
                  exp=expect("OK", event=ev(eid(802), "payment.statusChange", "payment", "FAILED", "failed", True,
                                            payment=PAYMENT_A, overrides=woo_completed))))
    shoptet = {"shoptet": {"paid": "Vyřízena", "failed": "Stornována"}}
    C.append(norm("suggestedStates: added platform shoptet, given entry (paid)",
                  body_of(eid(803), "payment.statusChange", EVENT_TS, paid),
                  options={"suggestedStates": shoptet},
                  exp=expect("OK", event=ev(eid(803), "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, overrides=shoptet))))
    assert list(suggested("paid", shoptet)) == ["woocommerce", "prestashop", "shoptet"]
    C.append(norm("suggestedStates: added platform shoptet is null for outcomes not given (pending)",
                  body_of(eid(804), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "PROCESSING"}),
                  options={"suggestedStates": shoptet},
                  exp=expect("OK", event=ev(eid(804), "payment.statusChange", "payment", "PROCESSING", "pending",
                                            False, payment=PAYMENT_A, overrides=shoptet))))
    assert suggested("pending", shoptet)["shoptet"] is None
    both = {"prestashop": {"paid": "PS_OS_WS_PAYMENT"}, "shoptet": {"paid": "Vyřízena"},
            "woocommerce": {"paid": "completed"}}
    C.append(norm("suggestedStates: defaults first in fixed order, then added platforms; both defaults overridden",
                  body_of(eid(805), "payment.statusChange", EVENT_TS, paid),
                  options={"suggestedStates": both},
                  exp=expect("OK", event=ev(eid(805), "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, overrides=both))))
    assert list(suggested("paid", both)) == ["woocommerce", "prestashop", "shoptet"]
    added = {"shoptet": {"paid": "Vyřízena"}, "medusa": {"paid": "captured"}, "abante": {}}
    C.append(norm("suggestedStates: added platforms keep the order given (shoptet, medusa, abante)",
                  body_of(eid(806), "payment.statusChange", EVENT_TS, paid),
                  options={"suggestedStates": added},
                  exp=expect("OK", event=ev(eid(806), "payment.statusChange", "payment", "BOOKED", "paid", True,
                                            payment=PAYMENT_A, overrides=added))))
    assert list(suggested("paid", added)) == ["woocommerce", "prestashop", "shoptet", "medusa", "abante"]
    nulled = {"woocommerce": {"failed": None}}
    C.append(norm("suggestedStates: null override means leave the order as it is",
                  body_of(eid(806), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "FAILED"}),
                  options={"suggestedStates": nulled},
                  exp=expect("OK", event=ev(eid(806), "payment.statusChange", "payment", "FAILED", "failed", True,
                                            payment=PAYMENT_A, overrides=nulled))))
    unk = {"woocommerce": {"unknown": "on-hold"}}
    C.append(norm("suggestedStates: the unknown outcome can be mapped too",
                  body_of(eid(807), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "ON_HOLD"}),
                  options={"suggestedStates": unk},
                  exp=expect("OK", event=ev(eid(807), "payment.statusChange", "payment", "ON_HOLD", "unknown", False,
                                            payment=PAYMENT_A, overrides=unk))))
    C.append(norm("suggestedStates with confirmedIsPaid: CONFIRMED uses the paid entry",
                  body_of(eid(808), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "CONFIRMED"}),
                  options={"confirmedIsPaid": True, "suggestedStates": woo_completed},
                  exp=expect("OK", event=ev(eid(808), "payment.statusChange", "payment", "CONFIRMED", "paid", False,
                                            payment=PAYMENT_A, overrides=woo_completed))))
    C.append(proc("process with suggestedStates", body,
                  options={"secrets": [SECRET_PRIMARY], "suggestedStates": woo_completed},
                  exp=ok_sig(ev(EVENT_ID, "payment.statusChange", "payment", "BOOKED", "paid", True,
                                payment=PAYMENT_A, order=ORDER_O, instruction=INSTRUCTION,
                                hook={"customId": 12341234, "note": "order x54352"}, overrides=woo_completed))))

    # normalize and options
    C.append(norm("normalize with valid secrets in the options is fine (checked, unused)", body,
                  options={"secrets": [SECRET_PRIMARY, SECRET_ROTATED], "toleranceSeconds": 60},
                  exp=expect("OK", event=GOOD_EVENT)))
    C.append(norm("normalize with empty options input", body, options_raw="", exp=expect("OK", event=GOOD_EVENT)))
    C.append(norm("normalize without options", body, exp=expect("OK", event=GOOD_EVENT)))
    C.append(norm("normalize with an empty options object", body, options={}, exp=expect("OK", event=GOOD_EVENT)))
    C.append(norm("normalize with an unknown option key", body, options={"confirmedIsPayed": True},
                  exp=expect("INVALID_OPTIONS")))
    C.append(norm("normalize with malformed options JSON", body, options_raw="{confirmedIsPaid: true}",
                  exp=expect("INVALID_OPTIONS")))
    C.append(norm("normalize with confirmedIsPaid not a boolean", body, options={"confirmedIsPaid": "yes"},
                  exp=expect("INVALID_OPTIONS")))
    C.append(norm("normalize with suggestedStates with an unknown outcome", body,
                  options={"suggestedStates": {"shoptet": {"booked": "Vyřízena"}}}, exp=expect("INVALID_OPTIONS")))
    C.append(norm("normalize with options not an object", body, options_raw="[]", exp=expect("INVALID_OPTIONS")))
    return C


# =============================================================================================
# decide.json
#
# The expected decisions of every case are written by hand below (action, reason, orderOutcome);
# the expected states come from the reference model `model_decide`, a plain transcription of
# docs/behaviour.md section 6, and every case's hand-written decision is asserted against it.

T0 = "2024-05-07T14:40:00.000Z"
T1 = "2024-05-07T14:45:00.000Z"
T2 = "2024-05-07T14:49:55.884Z"
T3 = "2024-05-07T14:55:00.000Z"
T0_MS, T1_MS, T2_MS, T3_MS = ts_ms(T0), ts_ms(T1), ts_ms(T2), ts_ms(T3)
PAYMENT_C = "3f9a2c1e-7b6d-4e5f-8a9b-0c1d2e3f4a5b"
REFUND_S = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"

STATE_TOP = ["status", "entity", "entityId", "outcome", "final", "lastEventId", "lastEventTimestampMs",
             "recentEventIds"]
STATE_KNOWN = STATE_TOP + ["orderOutcome", "entities"]
RECORD_KEYS = ["entity", "entityId", "status", "outcome", "final", "lastEventTimestampMs"]
MAX_RECENT = 32
MAX_ENTITIES = 16
PAYMENT_STATUSES = {"CREATED": (False, "pending"), "SEEN": (False, "pending"), "PROCESSING": (False, "pending"),
                    "CONFIRMED": (False, "authorized"), "BOOKED": (True, "paid"), "FINISHED": (True, "paid"),
                    "FAILED": (True, "failed"), "REJECTED": (True, "failed"), "EXPIRED": (True, "expired"),
                    "WITHDRAWN": (True, "withdrawn"), "PROCESSING_EXPIRED": (True, "review")}
ORDER_STATUSES = {"UNPAID": (False, "pending"), "PARTIALLY_PAID": (False, "partially_paid"),
                  "PAID": (True, "paid")}
REFUND_OUTCOMES = ("refund_pending", "refunded", "refund_failed")
RANK = {"CREATED": 0, "SEEN": 1, "PROCESSING": 2, "CONFIRMED": 3}
ORDER_RANK = {"UNPAID": 0, "PARTIALLY_PAID": 1}


def _known_outcome(o):
    return o in SUGGESTED_DEFAULTS and o != "unknown"


def model_order_outcome(records):
    if any(r["entity"] == "refund" and r["outcome"] == "refunded" for r in records):
        return "refunded"
    if any(r["entity"] in ("payment", "order") and r["outcome"] == "paid" for r in records):
        return "paid"
    best, best_key = None, None
    for r in records:
        if r["entity"] in ("payment", "order") and _known_outcome(r["outcome"]):
            key = r["lastEventTimestampMs"] if r["lastEventTimestampMs"] is not None else float("-inf")
            if best is None or key >= best_key:
                best, best_key = r, key
    return best["outcome"] if best else "unknown"


def _rank(status, final, entity):
    if final:
        return 4
    return (ORDER_RANK if entity == "order" else RANK).get(status, 0)


# The compact process result (option compactResult, docs/design.md "Compact process result"), layout
# version 1: its members by their names in the object result.
COMPACT_V1 = ["layoutVersion", "signature.timestamp", "signature.key", "signature.secretIndex", "signature.ageMs",
              "eventId", "eventType", "eventTimestamp", "eventTimestampMs", "entity", "entityId", "paymentId",
              "refundId", "orderId", "instructionId", "externalId", "status", "statusKnown", "final", "outcome",
              "reasonCode", "legacyFields", "hookDataOffset", "hookDataLength", "suggested"]


def compact_result(event, sig, hook_span=(None, None)):
    """The compact process result of a full normalized event and its signature object (hookData is
    not in it: only its byte range in the body, `hook_span`)."""
    values = dict(event, layoutVersion=1, hookDataOffset=hook_span[0], hookDataLength=hook_span[1])
    values.update({"signature." + k: v for k, v in sig.items()})
    assert len(values) == len(COMPACT_V1) + 2, sorted(values)  # + schemaVersion and hookData
    return [values[k] for k in COMPACT_V1]


def model_decide(event, state):
    """(decision, new state) as docs/behaviour.md section 6 says; inputs already valid."""
    if isinstance(event, list):  # a compact process result: its members by name
        assert event[0] == 1 and len(event) == len(COMPACT_V1)
        event = dict(zip(COMPACT_V1, event))
    e = event["event"] if isinstance(event.get("event"), dict) else event
    eid_ = e["eventId"].lower()
    ets = e["eventTimestampMs"]
    ent, ent_id, status = e.get("entity"), e.get("entityId"), e.get("status")
    outcome, final = e.get("outcome"), bool(e.get("final") or False)
    top = {k: state.get(k) for k in STATE_TOP}
    top["recentEventIds"] = list(state.get("recentEventIds") or [])
    looked_entity = None
    if top["status"] is not None:
        for table, name in ((PAYMENT_STATUSES, "payment"), (ORDER_STATUSES, "order")):
            if top["status"] in table:
                looked_entity = name
                f, o = table[top["status"]]
                top["final"] = f if top["final"] is None else top["final"]
                top["outcome"] = o if top["outcome"] is None else top["outcome"]
                break
    if state.get("entities") is not None:
        records = [{k: r.get(k) for k in RECORD_KEYS} for r in state["entities"]]
    else:
        records = []
        o = top["outcome"]
        if (top["status"] is not None or o is not None) and _known_outcome(o):
            entity = top["entity"] or looked_entity or ("refund" if o in REFUND_OUTCOMES else "payment")
            records.append({"entity": entity, "entityId": top["entityId"], "status": top["status"], "outcome": o,
                            "final": bool(top["final"]), "lastEventTimestampMs": top["lastEventTimestampMs"]})
    other = [(k, v) for k, v in state.items() if k not in STATE_KNOWN]
    before = model_order_outcome(records)
    had_records = bool(records)

    def done(action, reason):
        while len(records) > MAX_ENTITIES:
            idx = next((i for i, r in enumerate(records) if r["outcome"] not in ("paid", "refunded")), 0)
            del records[idx]
        after = model_order_outcome(records)
        s = dict(top)
        s["orderOutcome"] = after
        s["entities"] = records
        for k, v in other:
            s[k] = v
        sugg = e.get("suggested")
        if not (isinstance(sugg, dict) and outcome == after):
            sugg = suggested(after if after in SUGGESTED_DEFAULTS else "unknown")
        return {"action": action, "reason": reason, "orderOutcome": after, "suggested": sugg}, s

    if (top["lastEventId"] or "").lower() == eid_ or any(r.lower() == eid_ for r in top["recentEventIds"]):
        return done("skip", "duplicate")
    recent = [r for r in top["recentEventIds"] if r.lower() != eid_] + [eid_]
    top["recentEventIds"] = recent[-MAX_RECENT:]

    R = next((r for r in records if r["entity"] == ent and r["entityId"] == ent_id), None)
    if R is None:
        R = next((r for r in records if r["entity"] == ent and r["entityId"] is None), None)

    def record():
        if R is not None:
            records.remove(R)
        records.append({"entity": ent, "entityId": ent_id, "status": status, "outcome": outcome, "final": final,
                        "lastEventTimestampMs": ets})

    if R is not None and R["lastEventTimestampMs"] is not None and ets < R["lastEventTimestampMs"]:
        return done("skip", "stale")
    if ent not in ("payment", "refund", "order") or not _known_outcome(outcome):
        return done("skip", "no_outcome")
    if R is not None and status is not None and R["status"] == status:
        is_top = (top["status"] is not None and top["status"] == R["status"] and top["entityId"] == R["entityId"]
                  and top["entity"] in (None, R["entity"]))
        records.remove(R)
        R["lastEventTimestampMs"] = ets
        if R["entityId"] is None:
            R["entityId"] = ent_id
        records.append(R)
        if is_top:
            top["lastEventId"], top["lastEventTimestampMs"] = eid_, ets
        return done("skip", "unchanged")
    if R is not None and (R["final"] is True or (R["outcome"] == "paid" and outcome != "paid"
                                                 and not (R["status"] == "CONFIRMED" and final))):
        return done("skip", "regression")
    if (R is not None and R["lastEventTimestampMs"] == ets
            and _rank(status, final, ent) < _rank(R["status"], R["final"], R["entity"])):
        return done("skip", "same_timestamp")
    if before == "paid" and ent in ("payment", "order") and outcome != "paid" and not (
            R is not None and R["outcome"] == "paid"):
        record()
        return done("skip", "already_paid")
    record()
    if model_order_outcome(records) == outcome:
        reason = "first" if not had_records and top["lastEventTimestampMs"] is None else "newer"
        top.update({"status": status, "entity": ent, "entityId": ent_id, "outcome": outcome, "final": final,
                    "lastEventId": eid_, "lastEventTimestampMs": ets})
        return done("apply", reason)
    return done("skip", "recorded")


def rec(entity, entity_id, status, outcome, final, last_ms):
    return {"entity": entity, "entityId": entity_id, "status": status, "outcome": outcome, "final": final,
            "lastEventTimestampMs": last_ms}


def st(status=None, entity=None, entity_id=None, outcome=None, final=None, last_id=None, last_ms=None,
       recent=(), extra=None, entities=_ABSENT, order_outcome=_ABSENT):
    """A state in the normalized key order. Without `entities` it is a state as release 0.1 stored it."""
    s = {"status": status, "entity": entity, "entityId": entity_id, "outcome": outcome, "final": final,
         "lastEventId": last_id, "lastEventTimestampMs": last_ms, "recentEventIds": list(recent)}
    if order_outcome is not _ABSENT:
        s["orderOutcome"] = order_outcome
    if entities is not _ABSENT:
        s["entities"] = entities
    s.update(extra or {})
    return s


def pay_ev(event_id, status, outcome, final, ts, payment=PAYMENT_A, overrides=None):
    return ev(event_id, "payment.statusChange", "payment", status, outcome, final, ts=ts, payment=payment,
              order=ORDER_O, overrides=overrides)


def refund_ev(event_id, status, outcome, final, ts, refund=REFUND_R):
    return ev(event_id, "payment.statusChange", "refund", status, outcome, final, ts=ts, refund=refund,
              order=ORDER_O)


def order_ev(event_id, status, outcome, final, ts):
    return ev(event_id, "order.statusChange", "order", status, outcome, final, ts=ts, order=ORDER_O)


def decide_cases():
    C = []

    def dec(name, want=None, event=_ABSENT, event_raw=None, state=_ABSENT, state_raw=None, exp=None,
            contains=None):
        """A case. `want` = (action, reason, orderOutcome): checked against the model, which gives the state."""
        c = {"name": name, "function": "decide"}
        if event_raw is not None:
            c["eventRaw"] = event_raw
        else:
            c["event"] = event
        if state_raw is not None:
            c["stateRaw"] = state_raw
        elif state is not _ABSENT:
            c["state"] = state
        new_state = None
        if want is not None:
            model_state = json.loads(state_raw) if state_raw is not None and state_raw.strip() else (
                {} if state is _ABSENT or state_raw is not None else state)
            d, new_state = model_decide(event, model_state)
            got = (d["action"], d["reason"], d["orderOutcome"])
            assert got == tuple(want), (name, got, want)
            exp = expect("OK", decision=d, state=new_state)
        if contains:
            exp["resultContains"] = list(contains)
        c["expect"] = exp
        C.append(c)
        return new_state

    def chain(title, state, steps):
        """Cases that follow one order: each step's state is the state the previous step returned."""
        for label, event, want in steps:
            state = dec("%s: %s" % (title, label), want, event=event, state=state)
        return state

    e0, e1, e2, e3 = eid(500), eid(501), eid(502), eid(503)
    processing_t0 = pay_ev(e0, "PROCESSING", "pending", False, T0)
    booked_t1 = pay_ev(e1, "BOOKED", "paid", True, T1)
    # States as release 0.1 stored them (no orderOutcome, no entities): upgraded when read.
    s_processing = st("PROCESSING", "payment", PAYMENT_A, "pending", False, e0, T0_MS, [e0])
    s_booked = st("BOOKED", "payment", PAYMENT_A, "paid", True, e1, T1_MS, [e0, e1])
    s_confirmed = st("CONFIRMED", "payment", PAYMENT_A, "authorized", False, e1, T1_MS, [e1])
    s_failed_a = st("FAILED", "payment", PAYMENT_A, "failed", True, e1, T1_MS, [e1])

    # -- first, newer, duplicate, stale, equal timestamps -------------------------------------
    dec("first event for a new order (state {}): apply first", ("apply", "first", "paid"), event=booked_t1,
        state={})
    dec("first event, state input absent (empty)", ("apply", "first", "pending"), event=processing_t0)
    dec("first event, stateRaw empty string acts as {}", ("apply", "first", "pending"), event=processing_t0,
        state_raw="")
    dec("first event, stateRaw with whitespace around {}", ("apply", "first", "pending"), event=processing_t0,
        state_raw=" {}\n")
    dec("newer event: PROCESSING then BOOKED applies", ("apply", "newer", "paid"), event=booked_t1,
        state=s_processing)
    dec("duplicate: eventId equals lastEventId", ("skip", "duplicate", "paid"), event=booked_t1, state=s_booked)
    older_dup = st("PROCESSING", "payment", PAYMENT_A, "pending", False, e2, T2_MS, [e0, e1, e2])
    dec("duplicate: eventId in recentEventIds (not the last), state returned unchanged",
        ("skip", "duplicate", "pending"), event=booked_t1, state=older_dup)
    dec("duplicate: upper-case eventId given, compared lower-cased", ("skip", "duplicate", "paid"),
        event=dict(booked_t1, eventId=e1.upper()), state=s_booked)
    dec("duplicate wins over stale: an old event already seen", ("skip", "duplicate", "paid"),
        event=processing_t0, state=s_booked)
    dec("duplicate: partial state from the shop is returned normalized", ("skip", "duplicate", "unknown"),
        event=booked_t1, state={"lastEventId": e1})
    dec("stale: an older event arrives after a newer one was applied", ("skip", "stale", "paid"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T0), state=s_booked)
    dec("stale even when not final: SEEN older than stored CONFIRMED", ("skip", "stale", "authorized"),
        event=pay_ev(e2, "SEEN", "pending", False, T0), state=s_confirmed)
    dec("equal timestamp is not stale: CONFIRMED at the same ms as stored PROCESSING applies",
        ("apply", "newer", "authorized"), event=pay_ev(e2, "CONFIRMED", "authorized", False, T0),
        state=s_processing)
    dec("same_timestamp: PROCESSING at the same ms as stored CONFIRMED does not move it back",
        ("skip", "same_timestamp", "authorized"), event=pay_ev(e2, "PROCESSING", "pending", False, T1),
        state=s_confirmed)
    dec("same_timestamp: order UNPAID at the same ms as stored PARTIALLY_PAID",
        ("skip", "same_timestamp", "partially_paid"), event=order_ev(e2, "UNPAID", "pending", False, T1),
        state=st("PARTIALLY_PAID", "order", ORDER_O, "partially_paid", False, e1, T1_MS, [e1]))
    dec("regression at the same ms: FAILED at the ms of stored BOOKED", ("skip", "regression", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T1), state=s_booked)
    dec("equal timestamp, forward: BOOKED at the same ms as stored CONFIRMED applies", ("apply", "newer", "paid"),
        event=pay_ev(e2, "BOOKED", "paid", True, T1), state=s_confirmed)

    # -- the paid payment itself ---------------------------------------------------------------
    dec("regression: BOOKED then PROCESSING (newer timestamp) for the same payment", ("skip", "regression", "paid"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T2), state=s_booked)
    dec("regression: BOOKED then FAILED for the same payment", ("skip", "regression", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T2), state=s_booked)
    dec("CONFIRMED then FAILED for the same payment is applied (CONFIRMED is not final)",
        ("apply", "newer", "failed"), event=pay_ev(e2, "FAILED", "failed", True, T2), state=s_confirmed)
    dec("payment A FAILED, then PROCESSING for payment A again: regression", ("skip", "regression", "failed"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T2), state=s_failed_a)
    dec("unchanged: BOOKED again with a new eventId advances lastEventId and lastEventTimestampMs",
        ("skip", "unchanged", "paid"), event=pay_ev(e2, "BOOKED", "paid", True, T2), state=s_booked)
    dec("unchanged: PROCESSING again (not final) with a new eventId", ("skip", "unchanged", "pending"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T1), state=s_processing)
    dec("stale wins over regression: an older PROCESSING after BOOKED", ("skip", "stale", "paid"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T0), state=s_booked)

    # confirmedIsPaid: the normalized CONFIRMED event carries outcome paid.
    chain("confirmedIsPaid, CONFIRMED reversed by FAILED", {}, [
        ("CONFIRMED (paid) applies", pay_ev(e0, "CONFIRMED", "paid", False, T0), ("apply", "first", "paid")),
        ("PROCESSING later is a regression of a paid payment", pay_ev(e1, "PROCESSING", "pending", False, T1),
         ("skip", "regression", "paid")),
        ("another payment EXPIRED is skipped, the order stays paid",
         pay_ev(e2, "EXPIRED", "expired", True, T1, payment=PAYMENT_B), ("skip", "already_paid", "paid")),
        ("FAILED of the same payment reverses it: the order is failed",
         pay_ev(e3, "FAILED", "failed", True, T2), ("apply", "newer", "failed")),
    ])
    chain("confirmedIsPaid, CONFIRMED then BOOKED", {}, [
        ("CONFIRMED (paid) applies", pay_ev(e0, "CONFIRMED", "paid", False, T0), ("apply", "first", "paid")),
        ("BOOKED applies (paid stays paid)", pay_ev(e1, "BOOKED", "paid", True, T1), ("apply", "newer", "paid")),
    ])
    chain("confirmedIsPaid, reversal while another payment is booked", {}, [
        ("A CONFIRMED (paid)", pay_ev(e0, "CONFIRMED", "paid", False, T0), ("apply", "first", "paid")),
        ("B BOOKED", pay_ev(e1, "BOOKED", "paid", True, T1, payment=PAYMENT_B), ("apply", "newer", "paid")),
        ("A FAILED: recorded, B still pays the order", pay_ev(e2, "FAILED", "failed", True, T2),
         ("skip", "recorded", "paid")),
    ])

    # -- other payments, the order level, unknown events: the issue's measured cases ------------
    chain("measured: P1 BOOKED, unknown event type, P2 EXPIRED", {}, [
        ("P1 BOOKED applies", pay_ev(e0, "BOOKED", "paid", True, T0), ("apply", "first", "paid")),
        ("an event of an unknown type with a status but no ids changes nothing",
         ev(e1, "payment.somethingNew", "unknown", "BOOKED", "unknown", False, ts=T1), ("skip", "no_outcome", "paid")),
        ("P2 (an abandoned first attempt) EXPIRED does not un-pay the order",
         pay_ev(e2, "EXPIRED", "expired", True, T2, payment=PAYMENT_B), ("skip", "already_paid", "paid")),
    ])
    chain("measured: P1 BOOKED, order UNPAID", {}, [
        ("P1 BOOKED applies", pay_ev(e0, "BOOKED", "paid", True, T0), ("apply", "first", "paid")),
        ("order UNPAID is skipped", order_ev(e1, "UNPAID", "pending", False, T1), ("skip", "already_paid", "paid")),
        ("order PARTIALLY_PAID is skipped", order_ev(e2, "PARTIALLY_PAID", "partially_paid", False, T2),
         ("skip", "already_paid", "paid")),
        ("order PAID applies", order_ev(e3, "PAID", "paid", True, T3), ("apply", "newer", "paid")),
    ])
    chain("retries: A FAILED, B EXPIRED, C BOOKED, late A and B", {}, [
        ("A CREATED", pay_ev(e0, "CREATED", "pending", False, T0), ("apply", "first", "pending")),
        ("A FAILED", pay_ev(e1, "FAILED", "failed", True, T1), ("apply", "newer", "failed")),
        ("C BOOKED (the third attempt pays)", pay_ev(e2, "BOOKED", "paid", True, T3, payment=PAYMENT_C),
         ("apply", "newer", "paid")),
        ("B EXPIRED delivered late", pay_ev(e3, "EXPIRED", "expired", True, T2, payment=PAYMENT_B),
         ("skip", "already_paid", "paid")),
        ("A PROCESSING delivered late (stale for A)", pay_ev(eid(504), "PROCESSING", "pending", False, T0),
         ("skip", "stale", "paid")),
        ("B EXPIRED again with a new eventId", pay_ev(eid(505), "EXPIRED", "expired", True, T3, payment=PAYMENT_B),
         ("skip", "unchanged", "paid")),
    ])
    dec("another payment FAILED after the order was paid: already_paid", ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T2, payment=PAYMENT_B), state=s_booked)
    dec("another payment CREATED after the order was paid: already_paid", ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "CREATED", "pending", False, T2, payment=PAYMENT_B), state=s_booked)
    dec("another payment BOOKED after the order was paid: applied (outcome paid)", ("apply", "newer", "paid"),
        event=pay_ev(e2, "BOOKED", "paid", True, T2, payment=PAYMENT_B), state=s_booked)
    dec("order PAID, then a payment FAILED: already_paid", ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T2),
        state=st("PAID", "order", ORDER_O, "paid", True, e1, T1_MS, [e1]))
    dec("no_outcome: same payment statusCheck without status after BOOKED", ("skip", "no_outcome", "paid"),
        event=ev(e2, "payment.statusCheck", "payment", None, "unknown", False, ts=T2, payment=PAYMENT_A),
        state=s_booked)
    dec("no_outcome: an unknown status of a known payment", ("skip", "no_outcome", "pending"),
        event=ev(e1, "payment.statusChange", "payment", "ON_HOLD_AT_BANK", "unknown", False, ts=T1,
                 payment=PAYMENT_A, order=ORDER_O), state=s_processing)
    dec("payment A FAILED, then payment B CREATED (new attempt with the same cart): applied",
        ("apply", "newer", "pending"), event=pay_ev(e2, "CREATED", "pending", False, T2, payment=PAYMENT_B),
        state=s_failed_a)
    dec("recorded: an older attempt's late CREATED does not move a failed order back",
        ("skip", "recorded", "failed"), event=pay_ev(e2, "CREATED", "pending", False, T0, payment=PAYMENT_B),
        state=s_failed_a)

    # -- refunds ---------------------------------------------------------------------------------
    dec("refund BOOKED after a paid payment is applied (a refund is not a payment)",
        ("apply", "newer", "refunded"), event=refund_ev(e2, "BOOKED", "refunded", True, T2), state=s_booked)
    chain("refunds", {}, [
        ("payment BOOKED", pay_ev(e0, "BOOKED", "paid", True, T0), ("apply", "first", "paid")),
        ("refund CREATED is recorded, the order stays paid", refund_ev(e1, "CREATED", "refund_pending", False, T1),
         ("skip", "recorded", "paid")),
        ("refund BOOKED: refunded", refund_ev(e2, "BOOKED", "refunded", True, T2), ("apply", "newer", "refunded")),
        ("refund FAILED after BOOKED: regression", refund_ev(e3, "FAILED", "refund_failed", True, T3),
         ("skip", "regression", "refunded")),
        ("a second refund FAILED is recorded, the order stays refunded",
         refund_ev(eid(504), "FAILED", "refund_failed", True, T3, refund=REFUND_S), ("skip", "recorded", "refunded")),
        ("a payment FAILED after the refund is recorded", pay_ev(eid(505), "FAILED", "failed", True, T3,
                                                                  payment=PAYMENT_B), ("skip", "recorded", "refunded")),
    ])
    dec("a refund pending on a new order: recorded, outcome unknown", ("skip", "recorded", "unknown"),
        event=refund_ev(e1, "PROCESSING", "refund_pending", False, T1), state={})
    dec("order PARTIALLY_PAID then PAID", ("apply", "newer", "paid"), event=order_ev(e2, "PAID", "paid", True, T2),
        state=st("PARTIALLY_PAID", "order", ORDER_O, "partially_paid", False, e1, T1_MS, [e1]))

    # -- recentEventIds and entities stay bounded ------------------------------------------------
    ids32 = ["5e1f0000-0000-4000-8000-%012d" % k for k in range(32)]
    dec("recentEventIds bounded at 32: with 32 stored ids the oldest is dropped", ("apply", "newer", "paid"),
        event=booked_t1, state=st("PROCESSING", "payment", PAYMENT_A, "pending", False, ids32[-1], T0_MS, ids32))
    dec("recentEventIds with 31 stored ids grows to 32", ("apply", "newer", "paid"),
        event=booked_t1, state=st("PROCESSING", "payment", PAYMENT_A, "pending", False, ids32[30], T0_MS,
                                  ids32[:31]))
    ids40 = ["5e1f0000-0000-4000-8000-%012d" % k for k in range(40)]
    dec("recentEventIds with 40 stored ids (longer than the bound) keeps the last 32", ("apply", "newer", "paid"),
        event=booked_t1, state=st("PROCESSING", "payment", PAYMENT_A, "pending", False, ids40[-1], T0_MS, ids40))
    dec("a skip also records the eventId with the bound of 32 (stale)", ("skip", "stale", "paid"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T0),
        state=st("BOOKED", "payment", PAYMENT_A, "paid", True, ids32[-1], T1_MS, ids32))
    pays = ["6d2e0000-0000-4000-8000-%012d" % k for k in range(17)]
    sixteen = [rec("payment", pays[0], "BOOKED", "paid", True, T0_MS)] + [
        rec("payment", pays[k], "EXPIRED", "expired", True, T0_MS + k) for k in range(1, 16)]
    full = st("BOOKED", "payment", pays[0], "paid", True, e0, T0_MS, [e0], order_outcome="paid", entities=sixteen)
    dec("entities bounded at 16: a 17th drops the first record that is neither paid nor refunded",
        ("skip", "already_paid", "paid"), event=pay_ev(e1, "FAILED", "failed", True, T1, payment=pays[16]),
        state=full)
    all_paid = st("BOOKED", "payment", pays[15], "paid", True, e0, T0_MS, [e0], order_outcome="paid",
                  entities=[rec("payment", pays[k], "BOOKED", "paid", True, T0_MS + k) for k in range(16)])
    dec("entities bounded at 16: when every record is paid the first is dropped", ("apply", "newer", "paid"),
        event=pay_ev(e1, "BOOKED", "paid", True, T1, payment=pays[16]), state=all_paid)
    twenty = st(order_outcome="paid", entities=[rec("payment", "p%d" % k, "EXPIRED", "expired", True, k)
                                                for k in range(20)])
    dec("a state with more than 16 records is written with 16", ("skip", "duplicate", "expired"),
        event=booked_t1, state=dict(twenty, recentEventIds=[e1]))

    # -- unknown keys, upgrades, states written by the shop --------------------------------------
    shop_state = {"orderRef": "wc-1042", "status": "PROCESSING", "entity": "payment", "entityId": PAYMENT_A,
                  "outcome": "pending", "final": False, "lastEventId": e0, "lastEventTimestampMs": T0_MS,
                  "recentEventIds": [e0], "lockedBy": {"worker": 3}}
    dec("unknown state keys are kept, after the known keys, in input order", ("apply", "newer", "paid"),
        event=booked_t1, state=shop_state)
    dec("unknown state keys kept on a skip", ("skip", "stale", "pending"),
        event=pay_ev(e2, "PROCESSING", "pending", False, T0), state=dict(shop_state, lastEventTimestampMs=T1_MS))
    exact = ('{"price": 1.50,"status":"PROCESSING","ledger":{"total":12345678901234567890123,"rate":1e-400,'
             '"items":[1.0, 2E+3]},"note":"a\\u00e9\\/b","lastEventTimestampMs":%d}' % T0_MS)
    dec("unknown keys survive byte-exact: 1.50, 12345678901234567890123, 1e-400, escapes",
        ("apply", "newer", "paid"), event=booked_t1, state_raw=exact,
        contains=['"price":1.50', '"ledger":{"total":12345678901234567890123,"rate":1e-400,"items":[1.0, 2E+3]}',
                  '"note":"a\\u00e9\\/b"'])
    dec("unknown keys survive byte-exact on a duplicate", ("skip", "duplicate", "paid"),
        event=booked_t1, state_raw='{"lastEventId":"%s","status":"BOOKED","amount":100.10,"qty":3}' % e1,
        contains=['"amount":100.10,"qty":3'])
    dec("state from the shop with only status BOOKED (final and outcome looked up): PROCESSING is a regression",
        ("skip", "regression", "paid"), event=pay_ev(e2, "PROCESSING", "pending", False, T2), state={"status": "BOOKED"})
    dec("state from the shop with only status BOOKED: another payment EXPIRED is a regression of that payment",
        ("skip", "regression", "paid"), event=pay_ev(e2, "EXPIRED", "expired", True, T2, payment=PAYMENT_B),
        state={"status": "BOOKED"})
    dec("state from the shop with only status BOOKED and entityId: another payment failing is already_paid",
        ("skip", "already_paid", "paid"),
        event=ev(e2, "payment.statusChange", "payment", "FAILED", "failed", True, ts=T2, payment=PAYMENT_B),
        state={"status": "BOOKED", "entityId": PAYMENT_A})
    dec("measured: stored outcome paid without status: PROCESSING is a regression",
        ("skip", "regression", "paid"), event=pay_ev(e2, "PROCESSING", "pending", False, T2),
        state={"outcome": "paid"})
    dec("measured: stored outcome paid without status: another payment EXPIRED is a regression",
        ("skip", "regression", "paid"), event=pay_ev(e2, "EXPIRED", "expired", True, T2, payment=PAYMENT_B),
        state={"outcome": "paid"})
    dec("stored outcome paid with entityId, no status: another payment EXPIRED is already_paid",
        ("skip", "already_paid", "paid"), event=pay_ev(e2, "EXPIRED", "expired", True, T2, payment=PAYMENT_B),
        state={"outcome": "paid", "entityId": PAYMENT_A})
    dec("stored outcome refunded without status: a payment BOOKED is recorded, the order stays refunded",
        ("skip", "recorded", "refunded"), event=pay_ev(e2, "BOOKED", "paid", True, T2),
        state={"outcome": "refunded"})
    dec("state from the shop with only status PROCESSING: BOOKED applies as newer", ("apply", "newer", "paid"),
        event=booked_t1, state={"status": "PROCESSING"})
    dec("state with only status UNPAID (an order status): PAID applies", ("apply", "newer", "paid"),
        event=order_ev(e2, "PAID", "paid", True, T2), state={"status": "UNPAID"})
    dec("state with only lastEventTimestampMs: a later event applies as newer", ("apply", "newer", "paid"),
        event=booked_t1, state={"lastEventTimestampMs": T0_MS})
    dec("state as written by release 0.1 with null values is accepted back", ("apply", "newer", "paid"),
        event=booked_t1, state=st(last_id=e0, last_ms=T0_MS, recent=[e0]))
    dec("release 0.1 state with an unknown status (no record): BOOKED applies", ("apply", "newer", "paid"),
        event=booked_t1, state=st("ON_HOLD", "unknown", None, "unknown", False, e0, T0_MS, [e0]))
    after = dec("state as written by this release is accepted back (round trip)", ("apply", "newer", "paid"),
                event=booked_t1, state=s_processing)
    dec("round trip: a later event on the returned state", ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T2, payment=PAYMENT_B), state=after)
    dec("orderOutcome stored by the shop is ignored: derived from entities", ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T2, payment=PAYMENT_B),
        state=dict(after, orderOutcome="failed"))
    dec("a record without entityId takes the id of the first event that matches it",
        ("apply", "newer", "paid"), event=booked_t1,
        state=st(order_outcome="pending", entities=[rec("payment", None, "SEEN", "pending", False, T0_MS)]))
    dec("entities null acts as absent (the state is upgraded)", ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "FAILED", "failed", True, T2, payment=PAYMENT_B), state=dict(s_booked, entities=None))
    dec("record keys other than the six are dropped", ("apply", "newer", "paid"), event=booked_t1,
        state=st(entities=[dict(rec("payment", PAYMENT_A, "SEEN", "pending", False, T0_MS), note="x")]))

    # -- suggested in the decision ----------------------------------------------------------------
    wc = {"woocommerce": {"paid": "completed"}, "shoptet": {"paid": "PAID"}}
    dec("suggested: the event's own table (with overrides) when its outcome is the order's",
        ("apply", "newer", "paid"), event=pay_ev(e1, "BOOKED", "paid", True, T1, overrides=wc), state=s_processing)
    dec("suggested: the default table for orderOutcome when the event's outcome is not the order's",
        ("skip", "already_paid", "paid"),
        event=pay_ev(e2, "EXPIRED", "expired", True, T2, payment=PAYMENT_B, overrides=wc), state=s_booked)

    # -- the event --------------------------------------------------------------------------------
    dec("whole normalize result given: its event is used", ("apply", "newer", "paid"),
        event={"ok": True, "status": "OK", "httpStatus": 200, "event": booked_t1}, state=s_processing)
    dec("whole process result (with signature) given: its event is used", ("skip", "regression", "paid"),
        event={"ok": True, "status": "OK", "httpStatus": 200,
               "signature": {"timestamp": SIG_TS, "key": "v0", "secretIndex": 0, "ageMs": 113},
               "event": pay_ev(e2, "PROCESSING", "pending", False, T2)},
        state=s_booked)
    check_ev = ev(e0, "payment.statusCheck", "payment", None, "unknown", False, ts=T0, payment=PAYMENT_A)
    dec("event without status on a new order: no_outcome", ("skip", "no_outcome", "unknown"), event=check_ev, state={})
    dec("event without status after PROCESSING (not final): no_outcome, stored status kept",
        ("skip", "no_outcome", "pending"),
        event=ev(e1, "payment.statusCheck", "payment", None, "unknown", False, ts=T1, payment=PAYMENT_A),
        state=s_processing)
    dec("minimal event (eventId and eventTimestampMs only) on a new order: no_outcome",
        ("skip", "no_outcome", "unknown"), event={"eventId": e1, "eventTimestampMs": T1_MS})
    dec("event with only the decide fields (final absent defaults to false)", ("apply", "first", "authorized"),
        event={"eventId": e1, "eventTimestampMs": T1_MS, "entity": "payment", "entityId": PAYMENT_A,
               "status": "CONFIRMED", "outcome": "authorized"})
    dec("event with an outcome name decide does not know: no_outcome", ("skip", "no_outcome", "pending"),
        event={"eventId": e1, "eventTimestampMs": T1_MS, "entity": "payment", "entityId": PAYMENT_A,
               "status": "BOOKED", "outcome": "settled"}, state=s_processing)

    # -- the event as the compact process result (option compactResult) -------------------------
    # The same cases again with the event as evf_verifier_process answers it with compactResult: the
    # same decision and the same state, byte for byte.
    def compact_twin(name, hook_span=(None, None)):
        orig = next((c for c in C if c["name"] == name), None)
        assert orig is not None, name
        event = orig["event"]
        sig = event.get("signature") or sig_obj(SIG_TS, "v0", 0, NOW)
        event = event.get("event", event)
        kw = {}
        if "stateRaw" in orig:
            kw["state_raw"] = orig["stateRaw"]
        elif "state" in orig:
            kw["state"] = orig["state"]
        d = orig["expect"]["decision"]
        dec("compact process result: " + name, (d["action"], d["reason"], d["orderOutcome"]),
            event=compact_result(event, sig, hook_span), **kw)
        assert C[-1]["expect"] == orig["expect"], name

    for name in [
        "first event for a new order (state {}): apply first",
        "first event, state input absent (empty)",
        "newer event: PROCESSING then BOOKED applies",
        "duplicate: eventId equals lastEventId",
        "duplicate: upper-case eventId given, compared lower-cased",
        "stale: an older event arrives after a newer one was applied",
        "same_timestamp: PROCESSING at the same ms as stored CONFIRMED does not move it back",
        "regression: BOOKED then FAILED for the same payment",
        "unchanged: BOOKED again with a new eventId advances lastEventId and lastEventTimestampMs",
        "confirmedIsPaid, CONFIRMED reversed by FAILED: CONFIRMED (paid) applies",
        "confirmedIsPaid, CONFIRMED reversed by FAILED: PROCESSING later is a regression of a paid payment",
        "confirmedIsPaid, CONFIRMED reversed by FAILED: another payment EXPIRED is skipped, the order stays paid",
        "confirmedIsPaid, CONFIRMED reversed by FAILED: FAILED of the same payment reverses it: the order is failed",
        "measured: P1 BOOKED, unknown event type, P2 EXPIRED: an event of an unknown type with a status but no ids "
        "changes nothing",
        "order PAID, then a payment FAILED: already_paid",
        "refund BOOKED after a paid payment is applied (a refund is not a payment)",
        "recorded: an older attempt's late CREATED does not move a failed order back",
        "suggested: the event's own table (with overrides) when its outcome is the order's",
        "suggested: the default table for orderOutcome when the event's outcome is not the order's",
        "event without status on a new order: no_outcome",
        "unknown state keys kept on a skip",
        "round trip: a later event on the returned state",
    ]:
        compact_twin(name)
    compact_twin("whole process result (with signature) given: its event is used", hook_span=(112, 48))
    compact_twin("order PARTIALLY_PAID then PAID", hook_span=(0, 4))
    booked_compact = compact_result(booked_t1, sig_obj(SIG_TS, "v0", 0, NOW))
    dec("compact result of layout version 2: not read", event=[2] + booked_compact[1:], exp=invalid(""))
    dec("compact result of layout version 0: not read", event=[0] + booked_compact[1:], exp=invalid(""))
    dec("compact result of layout version 1 with a member missing (24)", event=booked_compact[:-1],
        exp=invalid(""))
    dec("compact result of layout version 1 with a member too many (26)", event=booked_compact + [None],
        exp=invalid(""))
    dec("compact result with only its layout version", event=[1], exp=invalid(""))
    dec("array with the layout version as a string", event=["1"] + booked_compact[1:], exp=invalid(""))
    dec("array with the layout version 1.0 (not an integer)", event_raw=compact([1.5] + booked_compact[1:]).replace(
        "[1.5,", "[1.0,", 1), exp=invalid(""))
    dec("empty array", event=[], exp=invalid(""))
    dec("compact result of layout version 2**70 (beyond a 64-bit integer): not read",
        event=[2 ** 70] + booked_compact[1:], exp=invalid(""))
    dec("compact result of layout version 2**64 - 1: not read", event=[2 ** 64 - 1] + booked_compact[1:],
        exp=invalid(""))
    dec("compact result with eventTimestampMs a string",
        event=[str(v) if i == COMPACT_V1.index("eventTimestampMs") else v for i, v in enumerate(booked_compact)],
        exp=invalid("eventTimestampMs"))
    dec("compact result with eventId null", event=[None if i == COMPACT_V1.index("eventId") else v
                                                   for i, v in enumerate(booked_compact)], exp=invalid("eventId"))
    dec("compact result with final a string", event=["yes" if i == COMPACT_V1.index("final") else v
                                                     for i, v in enumerate(booked_compact)], exp=invalid("final"))
    dec("compact result with suggested an array", event=[[] if i == COMPACT_V1.index("suggested") else v
                                                         for i, v in enumerate(booked_compact)],
        exp=invalid("suggested"))

    # Invalid input
    dec("eventRaw malformed JSON", event_raw='{"eventId": "%s",' % e1, exp=expect("EVENT_INVALID"))
    dec("eventRaw empty", event_raw="", exp=invalid("eventId"))  # read as {}: no eventId
    dec("eventRaw whitespace only: not JSON (not read as {})", event_raw=" \n", exp=invalid(""))
    dec("event without eventId", event={"eventTimestampMs": T1_MS, "status": "BOOKED"}, exp=invalid("eventId"))
    dec("event with eventId a number", event={"eventId": 42, "eventTimestampMs": T1_MS}, exp=invalid("eventId"))
    dec("event without eventTimestampMs", event={"eventId": e1, "status": "BOOKED"}, exp=invalid("eventTimestampMs"))
    dec("event with eventTimestampMs a string",
        event={"eventId": e1, "eventTimestampMs": str(T1_MS)}, exp=invalid("eventTimestampMs"))
    dec("event with eventTimestampMs a fraction",
        event={"eventId": e1, "eventTimestampMs": T1_MS + 0.5}, exp=invalid("eventTimestampMs"))
    dec("event with final a string", event={"eventId": e1, "eventTimestampMs": T1_MS, "final": "yes"},
        exp=invalid("final"))
    dec("event with status a number", event={"eventId": e1, "eventTimestampMs": T1_MS, "status": 5},
        exp=invalid("status"))
    dec("event with entityId an object", event={"eventId": e1, "eventTimestampMs": T1_MS, "entityId": {}},
        exp=invalid("entityId"))
    dec("event with suggested a string", event=dict(booked_t1, suggested="processing"), exp=invalid("suggested"))
    dec("event an array of an event (not a compact process result)", event=[booked_t1], exp=invalid(""))
    dec("event a string", event="BOOKED", exp=invalid(""))
    dec("stateRaw malformed JSON", event=booked_t1, state_raw='{"status":"BOOKED"', exp=expect("STATE_INVALID"))
    dec("state with lastEventTimestampMs a string", event=booked_t1,
        state={"status": "PROCESSING", "lastEventTimestampMs": str(T0_MS)}, exp=expect("STATE_INVALID"))
    dec("state not an object (array)", event=booked_t1, state=[e0], exp=expect("STATE_INVALID"))
    dec("state not an object (string)", event=booked_t1, state="PROCESSING", exp=expect("STATE_INVALID"))
    dec("state JSON null is not an object", event=booked_t1, state_raw="null", exp=expect("STATE_INVALID"))
    dec("state with recentEventIds containing a number", event=booked_t1, state={"recentEventIds": [e0, 7]},
        exp=expect("STATE_INVALID"))
    dec("state with recentEventIds a string", event=booked_t1, state={"recentEventIds": e0},
        exp=expect("STATE_INVALID"))
    dec("state with final a string", event=booked_t1, state={"status": "BOOKED", "final": "true"},
        exp=expect("STATE_INVALID"))
    dec("state with status a number", event=booked_t1, state={"status": 3}, exp=expect("STATE_INVALID"))
    dec("state with an unknown key holding a lone surrogate escape (kept raw, must be strict JSON)",
        event=booked_t1, state_raw='{"note":"\\ud800"}', exp=expect("STATE_INVALID"))
    dec("state with an unknown key holding a number beyond f64", event=booked_t1, state_raw='{"total":1e400}',
        exp=expect("STATE_INVALID"))
    dec("state with orderOutcome a number", event=booked_t1, state={"orderOutcome": 1}, exp=expect("STATE_INVALID"))
    dec("state with entities an object", event=booked_t1, state={"entities": {}}, exp=expect("STATE_INVALID"))
    dec("state with a record that is not an object", event=booked_t1, state={"entities": ["payment"]},
        exp=expect("STATE_INVALID"))
    dec("state with a record whose final is a string", event=booked_t1,
        state={"entities": [{"entity": "payment", "final": "no"}]}, exp=expect("STATE_INVALID"))
    dec("state with a record whose lastEventTimestampMs is a fraction", event=booked_t1,
        state={"entities": [{"entity": "payment", "lastEventTimestampMs": 1.5}]}, exp=expect("STATE_INVALID"))
    dec("state with a record whose status is a number", event=booked_t1,
        state={"entities": [{"entity": "payment", "status": 7}]}, exp=expect("STATE_INVALID"))
    return C


# =============================================================================================
# sign.json


def sign_cases():
    C = []

    def sign(name, body, timestamp, exp, secrets=_ABSENT, secrets_raw=None):
        c = {"name": name, "function": "sign", "body": body, "timestamp": timestamp}
        if secrets_raw is not None:
            c["secretsRaw"] = secrets_raw
        else:
            c["secrets"] = secrets
        c["expect"] = exp
        C.append(c)

    B = GOOD_BODY.encode()
    sign("one secret", GOOD_BODY, SIG_TS, expect("OK", header=header(SIG_TS, B, SECRET_PRIMARY)),
         secrets=[SECRET_PRIMARY])
    sign("two secrets: v0 (oldest) and v1", GOOD_BODY, SIG_TS,
         expect("OK", header=header(SIG_TS, B, SECRET_PRIMARY, SECRET_ROTATED)),
         secrets=[SECRET_PRIMARY, SECRET_ROTATED])
    sign("non-ASCII secret (key = UTF-8 bytes) and non-ASCII body", UTF8_BODY, SIG_TS,
         expect("OK", header=header(SIG_TS, UTF8_BODY.encode(), SECRET_UTF8)), secrets=[SECRET_UTF8])
    sixteen = ["whsec-shop-%02d-4c1e9a" % k for k in range(16)]
    sign("16 secrets: v0 to v15", GOOD_BODY, SIG_TS, expect("OK", header=header(SIG_TS, B, *sixteen)),
         secrets=sixteen)
    sign("timestamp with +00:00 is used exactly as given", GOOD_BODY, "2024-05-07T14:49:55.887+00:00",
         expect("OK", header=header("2024-05-07T14:49:55.887+00:00", B, SECRET_PRIMARY)), secrets=[SECRET_PRIMARY])
    sign("timestamp without fraction is used exactly as given", GOOD_BODY, "2024-05-07T14:49:55Z",
         expect("OK", header=header("2024-05-07T14:49:55Z", B, SECRET_PRIMARY)), secrets=[SECRET_PRIMARY])
    sign("empty body", "", SIG_TS, expect("OK", header=header(SIG_TS, b"", SECRET_PRIMARY)), secrets=[SECRET_PRIMARY])
    sign("empty timestamp means now (header not compared)", GOOD_BODY, "", expect("OK"), secrets=[SECRET_PRIMARY])
    for label, ts in [
        ("without Z", "2024-05-07T14:49:55.887"),
        ("with +01:00 offset", "2024-05-07T15:49:55.887+01:00"),
        ("2023-02-29", "2023-02-29T10:00:00.000Z"),
        ("not a date", "now"),
    ]:
        assert_invalid_ts(ts)
        sign("invalid timestamp: " + label, GOOD_BODY, ts, expect("HEADER_TIMESTAMP_INVALID"),
             secrets=[SECRET_PRIMARY])
    sign("secrets an empty array", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"), secrets=[])
    sign("secretsRaw not JSON", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"), secrets_raw="not json")
    sign("secretsRaw empty", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"), secrets_raw="")
    sign("secrets containing an empty string", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"),
         secrets=[SECRET_PRIMARY, ""])
    sign("secrets containing a number", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"), secrets=[SECRET_PRIMARY, 7])
    sign("secrets an object (options instead of the array)", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"),
         secrets={"secrets": [SECRET_PRIMARY]})
    sign("secrets a single string", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"), secrets=SECRET_PRIMARY)
    sign("17 secrets", GOOD_BODY, SIG_TS, expect("INVALID_OPTIONS"),
         secrets=["whsec-shop-%02d-4c1e9a" % k for k in range(17)])
    return C


# =============================================================================================
# compact.json


def hook_span(body, value_text, last=False):
    """(offset, length) in bytes of hookData's value `value_text` in `body`: the text after the
    first (or last) "hookData" key and its colon, whitespace around the value not included."""
    b, v, key = body.encode("utf-8"), value_text.encode("utf-8"), b'"hookData"'
    k = b.rfind(key) if last else b.find(key)
    assert k >= 0, body
    i = b.index(v, k + len(key))
    assert b[k + len(key):i].strip(b" \t\r\n") == b":", (body, value_text)
    return i, len(v)


def compact_cases():
    C = []
    opts = {"secrets": [SECRET_PRIMARY], "compactResult": True}
    authentic = sig_obj(SIG_TS, "v0", 0, NOW)

    def ok(name, body, event, span=(None, None), *, options=opts, sig=authentic, **kw):
        C.append(proc(name, body, options=options,
                      exp=expect("OK", compact=compact_result(event, sig, span)), **kw))

    ok("typical body: hookData an object, as its byte range", GOOD_BODY, GOOD_EVENT,
       hook_span(GOOD_BODY, compact(GOOD_DATA["hookData"])))
    b = body_of(eid(1001), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "SEEN"})
    ok("no hookData: offset and length null", b,
       ev(eid(1001), "payment.statusChange", "payment", "SEEN", "pending", False, payment=PAYMENT_A))
    b = body_of(eid(1002), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "BOOKED",
                                                               "hookData": None})
    ok("hookData null: offset and length null", b,
       ev(eid(1002), "payment.statusChange", "payment", "BOOKED", "paid", True, payment=PAYMENT_A))
    ok("non-ASCII text before hookData: offset and length count bytes", UTF8_BODY, UTF8_EVENT,
       hook_span(UTF8_BODY, compact(UTF8_DATA["hookData"])))
    b = ('{"eventId": "%s", "eventType": "payment.statusChange", "eventTimestamp": "%s",\n "data": {\n'
         '  "paymentId": "%s", "status": "BOOKED",\n  "hookData" :\t12.50 \n }\n}\n' % (eid(1003), EVENT_TS, PAYMENT_A))
    ok("hookData 12.50 in a pretty-printed body: the range is its exact text, no whitespace", b,
       ev(eid(1003), "payment.statusChange", "payment", "BOOKED", "paid", True, payment=PAYMENT_A),
       hook_span(b, "12.50"))
    b = body_of(eid(1004), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "BOOKED",
                                                               "hookData": False})
    ok("hookData false is a value: its range, not null", b,
       ev(eid(1004), "payment.statusChange", "payment", "BOOKED", "paid", True, payment=PAYMENT_A),
       hook_span(b, "false"))
    i, j = eid(1005), eid(1006)
    b = ('{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s","eventId":"%s",'
         '"data":{"paymentId":"%s","status":"PROCESSING","hookData":{"a":1},"status":"BOOKED",'
         '"hookData":["č",2]}}' % (i, EVENT_TS, j, PAYMENT_A))
    ok("duplicate keys: the last eventId, status and hookData win", b,
       ev(j, "payment.statusChange", "payment", "BOOKED", "paid", True, payment=PAYMENT_A),
       hook_span(b, '["č",2]', last=True))
    b = ('{"eventId":"%s","eventType":"payment.statusChange","eventTimestamp":"%s",'
         '"data":{"paymentId":"%s","status":"BOOKED","hookData":"first"},'
         '"data":{"paymentId":"%s","status":"SEEN","hookData":"second"}}' % (eid(1007), EVENT_TS, PAYMENT_A, PAYMENT_B))
    ok("duplicate data objects: the last one is read, hookData's range is in it", b,
       ev(eid(1007), "payment.statusChange", "payment", "SEEN", "pending", False, payment=PAYMENT_B),
       hook_span(b, '"second"', last=True))
    b = body_of(eid(1008), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "BOOKED",
                                                               "hookData": {"orderId": 1}})
    ok("hookData null after an object: null wins, offset and length null",
       b[:-2] + ',"hookData":null}}',
       ev(eid(1008), "payment.statusChange", "payment", "BOOKED", "paid", True, payment=PAYMENT_A))
    legacy_ts = "2023-12-21T20:34:59.895Z"
    b = compact({"clientId": CLIENT_ID, "eventId": eid(1009).upper(), "hookType": "payment.statusChange",
                 "timestamp": legacy_ts, "data": {"paymentId": PAYMENT_A.upper(), "status": "BOOKED",
                                                  "hookData": {"orderId": 1042}}})
    ok("legacy body (hookType, timestamp, upper-case UUIDs): legacyFields true, ids lower-cased", b,
       ev(eid(1009), "payment.statusChange", "payment", "BOOKED", "paid", True, ts=legacy_ts, payment=PAYMENT_A,
          legacy=True), hook_span(b, '{"orderId":1042}'))
    b = body_of(eid(1010), "payment.statusChange", EVENT_TS, {"refundId": REFUND_R, "status": "BOOKED"})
    ok("refund signed with the new secret as v1 (secretIndex 1)", b,
       ev(eid(1010), "payment.statusChange", "refund", "BOOKED", "refunded", True, refund=REFUND_R),
       options={"secrets": [SECRET_PRIMARY, SECRET_ROTATED], "compactResult": True},
       sig=sig_obj(SIG_TS, "v1", 1, NOW), signers=(SECRET_OTHER_SHOP, SECRET_ROTATED))
    overrides = {"woocommerce": {"paid": "completed"}, "shoptet": {"paid": "Vyřízena"}}
    b = body_of(eid(1011), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "status": "CONFIRMED",
                                                               "reasonCode": "OK"})
    ok("confirmedIsPaid and suggestedStates: suggested as the object result has it", b,
       ev(eid(1011), "payment.statusChange", "payment", "CONFIRMED", "paid", False, payment=PAYMENT_A,
          reason="OK", overrides=overrides),
       options={"secrets": [SECRET_PRIMARY], "compactResult": True, "confirmedIsPaid": True,
                "suggestedStates": overrides})
    b = body_of(eid(1012), "merchant.somethingNew", EVENT_TS, {"note": "x"})
    ok("unknown event type without ids: entity unknown, statusKnown false, outcome unknown", b,
       ev(eid(1012), "merchant.somethingNew", "unknown", None, "unknown", False))

    # Failures stay the object of every other result.
    C.append(proc("a failure stays the object: SIGNATURE_MISMATCH", GOOD_BODY, options=opts,
                  signers=(SECRET_OTHER_SHOP,), exp=expect("SIGNATURE_MISMATCH", signature=None)))
    C.append(proc("a failure stays the object: HEADER_MISSING", GOOD_BODY, options=opts, hdr=None,
                  exp=expect("HEADER_MISSING", signature=None)))
    C.append(proc("a failure stays the object: TIMESTAMP_TOO_OLD, with its signature", GOOD_BODY, options=opts,
                  now=SIG_TS_MS + 300001, exp=expect("TIMESTAMP_TOO_OLD", signature=sig_obj(SIG_TS, "v0", 0,
                                                                                             SIG_TS_MS + 300001))))
    C.append(proc("a failure stays the object: BODY_TOO_LARGE", '{"note":"%s"}' % ("x" * 90),
                  options=dict(opts, maxBodyBytes=100), exp=expect("BODY_TOO_LARGE", signature=None)))
    b = body_of(eid(1013), "payment.statusChange", EVENT_TS, {"paymentId": PAYMENT_A, "hookData": {"a": 1}})
    C.append(proc("a failure stays the object: EVENT_INVALID, with its signature", b, options=opts,
                  exp=invalid("data.status", signature=authentic)))
    C.append(proc("a failure stays the object: BODY_NOT_JSON, with its signature", '{"eventId":', options=opts,
                  exp=expect("BODY_NOT_JSON", signature=authentic)))
    return C


def main():
    global OUT_DIR
    parser = argparse.ArgumentParser(description="Write the shared test vectors.")
    parser.add_argument("--out", default=VECTOR_DIR, help="the folder to write (default: tests/vectors)")
    OUT_DIR = parser.parse_args().out
    write("signature.json",
          "Signature header grammar, HMAC-SHA256 over ts + '.' + body, secret rotation (v0/v1, secretIndex), "
          "timestamp validity and the tolerance window (docs/behaviour.md sections 1 and 4). "
          "Headers are computed by gen/make_vectors.py with Python's hmac.", signature_cases())
    write("body.json",
          "Body checks after an authentic signature: size limit (checked first), UTF-8, JSON syntax, nesting "
          "depth 64, non-object bodies, Unicode passthrough (docs/behaviour.md sections 1 and 2).", body_cases())
    write("events.json",
          "Event validation (every EVENT_INVALID row with its field) and normalization: every payment, refund "
          "and order status of the outcome table, statusCheck, unknown types and statuses, legacy bodies, "
          "UUID case, timestamp re-printing, hookData passthrough (docs/behaviour.md section 3).", event_cases())
    write("options.json",
          "Option validation (INVALID_OPTIONS for unknown keys, wrong types, out-of-range values) and "
          "suggestedStates overrides (docs/behaviour.md sections 3 and 5).", option_cases())
    write("decide.json",
          "evf_decide: order safety (several payments, refunds, order-level statuses, unknown events, a paid "
          "order never un-paid), duplicate / stale / same_timestamp / regression / unchanged / no_outcome / "
          "already_paid / recorded / first / newer, orderOutcome and suggested, the new state to store (key "
          "order, bounded recentEventIds and entities, states of release 0.1 upgraded, unknown keys byte-exact) "
          "and invalid inputs (docs/behaviour.md section 6).", decide_cases())
    write("compact.json",
          "The compact process result (option compactResult, docs/design.md \"Compact process result\"): "
          "the array of layout version 1 for successes (hookData as its byte range in the body, null when "
          "absent or null; duplicate keys, legacy bodies, rotation, options), and failures, which stay the "
          "result object (docs/behaviour.md section 5).", compact_cases())
    write("sign.json",
          "evf_sign: header creation with one or several secrets (v0 oldest), timestamp and secrets validation "
          "(docs/behaviour.md section 7). Each expected header also verifies in a process case of "
          "signature.json.", sign_cases())


if __name__ == "__main__":
    main()
