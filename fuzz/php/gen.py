#!/usr/bin/env python3
"""Inputs of the PHP differential fuzz (fuzz/php/run.sh): random and mutated cases derived from the
shared vectors, one JSON object per line, for fuzz/php/differential.php to run through both
backends of the PHP binding.

    python3 fuzz/php/gen.py COUNT SEED > cases.jsonl

Each line: {"fn": "verify"|"normalize"|"decide"|"sign"|"explain"|"story", "secrets": [...],
"toleranceSeconds", "confirmedIsPaid", "maxBodyBytes", "suggestedStates", "body" (base64),
"header", "nowMs", "event", "state", "timestamp", "origin"}. Bodies are mutated bytewise and as
JSON (values, types, keys, duplicate keys, formatting, Unicode, nesting), then usually re-signed
(with Python's own hmac, at a time inside or outside the tolerance) so the body checks are reached;
headers, decide events and stored states are mutated too. A "story" is a list of bodies for one
order (payments, refunds, order events, unknown types; any status; timestamps out of order;
redeliveries), normalized and decided in a chain, each backend on its own returned state.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import sys
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "tests", "vectors")

STATUSES = ["CREATED", "SEEN", "PROCESSING", "CONFIRMED", "BOOKED", "FINISHED", "FAILED", "REJECTED",
            "EXPIRED", "WITHDRAWN", "PROCESSING_EXPIRED", "UNPAID", "PARTIALLY_PAID", "PAID", "ON_HOLD",
            "booked", "BOOKED ", ""]
TYPES = ["payment.statusChange", "payment.statusCheck", "order.statusChange", "merchant.somethingNew",
         "Payment.StatusChange", "payment.statusUpdate", ""]
OUTCOMES = ["pending", "authorized", "paid", "failed", "expired", "withdrawn", "review", "unknown",
            "refund_pending", "refunded", "refund_failed", "partially_paid", "bogus"]
WEIRD = [None, True, False, 0, -1, 1.5, 1e308, 12345678901234567890123, "", " ", "\u0000", "é☕🐎",
         "\ud7ff", [], {}, [1, "a"], {"a": {"b": []}}, "4E896AA3-BBBA-4A75-A888-06BCFE403C99",
         "2024-02-29T23:59:59.999999999+00:00", "2024-05-07T14:49:55Z", "not-a-uuid", "1.50"]
TOKENS = [b"{", b"}", b"[", b"]", b",", b":", b"\"", b"\\u0000", b"\\ud83d", b"\\", b"\xc3\x28",
          b"\xef\xbb\xbf", b"\r\n", b"\t", b"null", b"1e999", b"-0", b"\"eventId\":", b"\xff"]


def load_cases():
    cases = []
    for name in sorted(os.listdir(VECTORS)):
        if name.endswith(".json") and name != "statuses.json":
            with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
                for c in json.load(f)["cases"]:
                    c["_file"] = name
                    cases.append(c)
    return cases


def body_of(case):
    if "body" in case:
        return case["body"].encode("utf-8")
    if "bodyHex" in case:
        return bytes.fromhex(case["bodyHex"])
    if "bodyParts" in case:
        return "".join(p if isinstance(p, str) else p["repeat"] * p["times"] for p in case["bodyParts"]).encode()
    return b""


def ts_of(ms):
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def sign(body, secrets, ts):
    return "ts=" + ts + "".join(
        f";v{i}=" + hmac.new(s.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        for i, s in enumerate(secrets))


def mutate_value(rng, v, depth=0):
    """Returns a mutated copy of a JSON value."""
    if isinstance(v, dict) and v and rng.random() < 0.8:
        v = dict(v)
        k = rng.choice(list(v))
        r = rng.random()
        if r < 0.15:
            del v[k]
        elif r < 0.25:
            v[rng.choice(["extra", "status", "refundId", "orderId", "paymentId", "hookData", "x" * 40])] = rng.choice(WEIRD)
        elif k == "status" or (r < 0.45 and isinstance(v[k], str) and v[k].isupper()):
            v[k] = rng.choice(STATUSES)
        elif k in ("eventType", "hookType"):
            v[k] = rng.choice(TYPES)
        elif k == "outcome":
            v[k] = rng.choice(OUTCOMES)
        elif r < 0.7 and depth < 4:
            v[k] = mutate_value(rng, v[k], depth + 1)
        else:
            v[k] = rng.choice(WEIRD)
        return v
    if isinstance(v, list) and v and rng.random() < 0.7:
        v = list(v)
        i = rng.randrange(len(v))
        if rng.random() < 0.3:
            del v[i]
        elif rng.random() < 0.3:
            v.extend(v[: rng.randint(1, 40)])
        else:
            v[i] = mutate_value(rng, v[i], depth + 1)
        return v
    if isinstance(v, str) and v and rng.random() < 0.5:
        r = rng.random()
        if r < 0.3:
            return v.upper()
        if r < 0.6:
            i = rng.randrange(len(v))
            return v[:i] + rng.choice(["", "0", "-", " ", "é", "Z", "\n"]) + v[i + 1:]
        return v + rng.choice(["", " ", "0", "Z", "+01:00"])
    if isinstance(v, int) and not isinstance(v, bool) and rng.random() < 0.5:
        return rng.choice([v + 1, v - 1, -v, v * 1000, 2 ** 63, 2 ** 53 + 1, 0])
    return rng.choice(WEIRD)


def encode(rng, v):
    r = rng.random()
    if r < 0.4:
        text = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    elif r < 0.6:
        text = json.dumps(v, indent=rng.choice([1, 2, 4, "\t"]), ensure_ascii=rng.random() < 0.5)
    elif r < 0.8:
        text = json.dumps(v, ensure_ascii=True).replace("/", "\\/")
    else:
        text = json.dumps(v, separators=(", ", ": "), ensure_ascii=False)
        if isinstance(v, dict) and v and rng.random() < 0.5:
            # a duplicate key: the last one wins
            k = rng.choice(list(v))
            text = "{" + json.dumps(k) + ":" + json.dumps(rng.choice(WEIRD)) + "," + text[1:]
    if rng.random() < 0.1:
        text = rng.choice([" ", "\n", "\r\n", "\ufeff"]) + text + rng.choice(["", "\n", " x"])
    return text.encode("utf-8", "surrogatepass")


def mutate_bytes(rng, b):
    b = bytearray(b)
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        i = rng.randrange(len(b) + 1)
        if r < 0.3 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif r < 0.6:
            b[i:i] = rng.choice(TOKENS)
        elif b:
            del b[i:i + rng.randint(1, 8)]
    return bytes(b)


def mutate_body(rng, body):
    try:
        v = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return mutate_bytes(rng, body) if rng.random() < 0.7 else body
    for _ in range(rng.randint(0, 3)):
        v = mutate_value(rng, v)
    if rng.random() < 0.05:
        for _ in range(rng.randint(60, 70)):
            v = {"data": v} if rng.random() < 0.5 else [v]
    out = encode(rng, v)
    return mutate_bytes(rng, out) if rng.random() < 0.15 else out


def mutate_header(rng, h):
    r = rng.random()
    if r < 0.2:
        return h.upper()
    if r < 0.35:
        return h.replace(";", rng.choice([" ; ", ";;", ",", "; "]))
    if r < 0.5:
        return h + rng.choice([";v1=" + "0" * 64, ";v0=zz", ";x=1", ";", " ", ";ts=2024-05-07T14:49:55.887Z"])
    if r < 0.65 and h:
        i = rng.randrange(len(h))
        return h[:i] + h[i + 1:]
    if r < 0.75:
        return h.replace("ts=", rng.choice(["TS=", "t=", "ts = ", "ts=1715093395887;x="]))
    if r < 0.85:
        # another spelling of a signature key: a digit more or fewer, leading zeros, a letter
        # (which of them are signature keys is grammar both backends must agree on)
        key = rng.choice(["v", "v00", "v007", "v999", "v1000", "v1234", "v0a", "V12", "va"])
        return re.sub(r"(?i)\bv\d+=", key + "=", h, count=rng.choice([0, 1]))
    return mutate_bytes(rng, h.encode()).decode("utf-8", "replace")


def options_of(rng, case):
    o = case.get("options") if isinstance(case.get("options"), dict) else {}
    secrets = o.get("secrets") if isinstance(o.get("secrets"), list) and o.get("secrets") else ["whsec-shop-primary-7f3a9c2e41"]
    def integer(key, default):
        v = o.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2 ** 62 else default

    out = {
        "secrets": [s for s in secrets if isinstance(s, str)] or ["whsec-shop-primary-7f3a9c2e41"],
        "toleranceSeconds": integer("toleranceSeconds", 300),
        "confirmedIsPaid": o.get("confirmedIsPaid") is True,
        "maxBodyBytes": integer("maxBodyBytes", 1048576),
        "suggestedStates": o.get("suggestedStates") if isinstance(o.get("suggestedStates"), dict) else {},
    }
    r = rng.random()
    if r < 0.05:
        out["toleranceSeconds"] = rng.choice([0, -1, 1, 31536000, 31536001])
    elif r < 0.1:
        out["maxBodyBytes"] = rng.choice([0, 1, 64, 300, 67108864, 67108865])
    elif r < 0.15:
        out["confirmedIsPaid"] = not out["confirmedIsPaid"]
    elif r < 0.2:
        out["suggestedStates"] = {rng.choice(["woocommerce", "prestashop", "shopx", ""]): {rng.choice(OUTCOMES): rng.choice(["x", None, "completed", 1])}}
    elif r < 0.23:
        out["secrets"] = rng.choice([[""], ["a"] * 17, [" whsec "], ["tajný-kľúč"]])
    return out


PAY_IDS = ["da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19", "0b8a3f4e-9c2d-4e1f-8a7b-6c5d4e3f2a10", "5e2d1c0b-a987-4654-b321-0fedcba98765"]
REFUND_IDS = ["7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "302d7603-f5ce-45fb-82b3-a1a90ee26aca"]


def story(rng):
    bodies = []
    base = 1715093395884
    for i in range(rng.randint(2, 20)):
        if bodies and rng.random() < 0.15:
            bodies.append(rng.choice(bodies))  # a redelivery
            continue
        kind = rng.randrange(7)
        st = rng.choice(STATUSES[:15] + [None])
        pid = rng.choice(PAY_IDS)
        data = [{"paymentId": pid}, {"refundId": rng.choice(REFUND_IDS)}, {"orderId": "8840d948-12da-4ca1-8269-3cfdc10b73bc"},
                {"paymentId": pid}, {}, {"paymentId": pid}, {"paymentId": pid}][kind]
        etype = ["payment.statusChange", "payment.statusChange", "order.statusChange", "payment.statusCheck",
                 "merchant.somethingNew", "payment.statusUpdate", "payment.statusChange"][kind]
        if st is not None:
            data["status"] = st
        ms = base + rng.randint(-60, 60) * 1000 + rng.choice([0, 0, 1])
        body = {"eventId": f"4e896aa3-bbba-4a75-a888-{0x7000 + i:012x}", "eventType": etype,
                "eventTimestamp": ts_of(ms), "data": data}
        bodies.append(base64.b64encode(json.dumps(body).encode()).decode())
    return {"fn": "story", "bodies": bodies, "confirmedIsPaid": rng.random() < 0.5,
            "origin": "a generated story of one order"}


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    cases = load_cases()
    bodies = [c for c in cases if c["function"] in ("process", "normalize") and len(body_of(c)) < 70000]
    decides = [c for c in cases if c["function"] == "decide"]
    signs = [c for c in cases if c["function"] == "sign"]
    for n in range(count):
        r = rng.random()
        if r < 0.45:
            fn = "verify"
        elif r < 0.7:
            fn = "normalize"
        elif r < 0.9:
            fn = "decide"
        elif r < 0.93:
            fn = "sign"
        elif r < 0.95:
            fn = "explain"
        else:
            sys.stdout.write(json.dumps(story(rng)) + "\n")
            continue
        out = {"fn": fn}
        if fn in ("verify", "normalize", "explain", "sign"):
            base = rng.choice(signs if fn == "sign" and rng.random() < 0.5 else bodies)
            out.update(options_of(rng, base))
            body = body_of(base)
            if rng.random() < 0.8:
                body = mutate_body(rng, body)
            if fn == "explain" and len(body) > 4096:
                body = body[:4096]
            now = base.get("nowMs", 1715093396000)
            header = base.get("header", "")
            hr = rng.random()
            if hr < 0.6:
                skew = rng.choice([113, 0, -1000, 299_999, 300_001, -300_001, 86_400_000])
                secrets = out["secrets"][:]
                if rng.random() < 0.2:
                    secrets = [rng.choice(["whsec-other-shop-0d5e2a9b77", secrets[0] + " "])] + secrets[1:]
                header = sign(body, secrets[: rng.randint(1, len(secrets))], ts_of(now - skew))
            if hr > 0.85 or rng.random() < 0.1:
                header = mutate_header(rng, header)
            out.update({"body": base64.b64encode(body).decode(), "header": header, "nowMs": now,
                        "origin": base["_file"] + ": " + base["name"]})
            if fn == "sign":
                out["timestamp"] = rng.choice([ts_of(now), base.get("timestamp") or ts_of(now), "2024-13-01T00:00:00Z",
                                               "2024-05-07T14:49:55.887+01:00", "2024-05-07 14:49:55", ""])
                if out["timestamp"] == "":
                    out["timestamp"] = ts_of(now)
        else:
            base = rng.choice(decides)
            ev = base.get("eventRaw") if "eventRaw" in base else json.dumps(base.get("event", {}))
            st = base.get("stateRaw") if "stateRaw" in base else json.dumps(base.get("state", {}))
            if rng.random() < 0.3:  # an event and a state from different cases
                other = rng.choice(decides)
                st = other.get("stateRaw") if "stateRaw" in other else json.dumps(other.get("state", {}))
            for which in ("event", "state"):
                text = ev if which == "event" else st
                if rng.random() < 0.7:
                    try:
                        v = json.loads(text) if text.strip() else {}
                        for _ in range(rng.randint(1, 3)):
                            v = mutate_value(rng, v)
                        text = encode(rng, v).decode("utf-8", "surrogatepass")
                    except ValueError:
                        text = mutate_bytes(rng, text.encode()).decode("utf-8", "replace")
                if which == "event":
                    ev = text
                else:
                    st = text
            if rng.random() < 0.1:
                st = st.replace("}", ', "shopNote": 1.50, "big": 12345678901234567890123, "e": {}, "l": []}', 1) if "}" in st else st
            # As base64 of their exact bytes: a mutation may leave a lone UTF-16 surrogate (written
            # with surrogatepass), which no JSON line could carry to differential.php.
            out.update({"event": base64.b64encode(ev.encode("utf-8", "surrogatepass")).decode(),
                        "state": base64.b64encode(st.encode("utf-8", "surrogatepass")).decode(),
                        "origin": base["_file"] + ": " + base["name"]})
        sys.stdout.write(json.dumps(out, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
