#!/usr/bin/env python3
"""Validate tests/vectors/*.json against the format of tests/vectors/README.md.

Run:  python3 tests/vectors/gen/check_vectors.py [files...]     (default: every tests/vectors/*.json)

Checks: file shape, unique case names, known functions and the inputs each one takes, exactly one
BODY form where a body is needed, known status names with the httpStatus of tests/vectors/statuses.json,
the shape of expected events, signatures and states, that no case secret appears in an expectation,
that signed process cases are consistent with their headers (an independent HMAC check), that every
sign header verifies in a matching process case of signature.json, and (for the default set) that
each file is exactly what make_vectors.py writes now: a case edited by hand would be lost by the next
`make vectors`. Exits 1 and lists the problems when anything is wrong. Standard library only.
"""

import glob
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VECTOR_DIR = os.path.dirname(HERE)

# The one status table: name -> httpStatus (tests/vectors/statuses.json).
with open(os.path.join(VECTOR_DIR, "statuses.json"), encoding="utf-8") as _f:
    HTTP = {s["name"]: s["httpStatus"] for s in json.load(_f)["statuses"]}
BODY_FORMS = ("body", "bodyHex", "bodyParts")
INPUTS = {
    # function: (allowed input keys, needs a BODY)
    "process": ({"options", "optionsRaw", "header", "nowMs"}, True),
    "normalize": ({"options", "optionsRaw"}, True),
    "decide": ({"event", "eventRaw", "state", "stateRaw"}, False),
    "sign": ({"timestamp", "secrets", "secretsRaw"}, True),
}
EXPECT_KEYS = {
    "process": {"status", "httpStatus", "field", "event", "signature", "compact"},
    "normalize": {"status", "httpStatus", "field", "event", "signature"},
    "decide": {"status", "httpStatus", "field", "decision", "state", "resultContains"},
    "sign": {"status", "httpStatus", "header"},
}
EVENT_KEYS = ["schemaVersion", "eventId", "eventType", "eventTimestamp", "eventTimestampMs", "entity",
              "entityId", "paymentId", "refundId", "orderId", "instructionId", "externalId", "status",
              "statusKnown", "final", "outcome", "reasonCode", "hookData", "legacyFields", "suggested"]
STATE_KEYS = ["status", "entity", "entityId", "outcome", "final", "lastEventId", "lastEventTimestampMs",
              "recentEventIds", "orderOutcome", "entities"]
RECORD_KEYS = ["entity", "entityId", "status", "outcome", "final", "lastEventTimestampMs"]
REASONS = {"apply": {"first", "newer"},
           "skip": {"duplicate", "stale", "regression", "unchanged", "same_timestamp", "no_outcome", "already_paid",
                    "recorded"}}
OUTCOMES = {"pending", "authorized", "partially_paid", "paid", "failed", "expired", "withdrawn", "review",
            "refund_pending", "refunded", "refund_failed", "unknown"}
ENTITIES = {"payment", "refund", "order", "unknown"}
SIG_KEYS = ["timestamp", "key", "secretIndex", "ageMs"]
# The compact process result, layout version 1 (docs/design.md "Compact process result").
COMPACT_V1 = ["layoutVersion", "signature.timestamp", "signature.key", "signature.secretIndex", "signature.ageMs",
              "eventId", "eventType", "eventTimestamp", "eventTimestampMs", "entity", "entityId", "paymentId",
              "refundId", "orderId", "instructionId", "externalId", "status", "statusKnown", "final", "outcome",
              "reasonCode", "legacyFields", "hookDataOffset", "hookDataLength", "suggested"]
WS = " \t\r\n"


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def body_bytes(c):
    if "body" in c:
        return c["body"].encode("utf-8")
    if "bodyHex" in c:
        return bytes.fromhex(c["bodyHex"])
    return "".join(p if isinstance(p, str) else p["repeat"] * p["times"] for p in c["bodyParts"]).encode("utf-8")


def case_secrets(c):
    out = []
    for v in (c.get("options") if isinstance(c.get("options"), dict) else {}).get("secrets", []), c.get("secrets"):
        if isinstance(v, list):
            out += [s for s in v if isinstance(s, str) and s]
    return out


def header_candidates(header):
    """(ts, [(key, hex)]) by a simple reading of the grammar; None when not parseable."""
    ts, sigs = None, []
    for part in header.split(";"):
        part = part.strip(WS)
        if not part or "=" not in part:
            continue
        k, v = part.split("=", 1)
        k, v = k.strip(WS).lower(), v.strip(WS)
        if k == "ts":
            ts = v
        elif len(k) in (2, 3, 4) and k[0] == "v" and k[1:].isdigit() and k[1:].isascii():
            sigs.append((k, v.lower()))
    return ts, sigs


class Checker:
    def __init__(self):
        self.problems = []

    def bad(self, where, msg):
        self.problems.append("%s: %s" % (where, msg))

    # -- inputs ---------------------------------------------------------------------------------
    def check_body(self, w, c):
        forms = [k for k in BODY_FORMS if k in c]
        if len(forms) != 1:
            self.bad(w, "needs exactly one of body/bodyHex/bodyParts, has %s" % forms)
            return False
        f = forms[0]
        v = c[f]
        if f == "body" and not isinstance(v, str):
            self.bad(w, "body must be a string")
            return False
        if f == "bodyHex":
            if not isinstance(v, str) or len(v) % 2:
                self.bad(w, "bodyHex must be an even-length hex string")
                return False
            try:
                bytes.fromhex(v)
            except ValueError:
                self.bad(w, "bodyHex is not hex")
                return False
        if f == "bodyParts":
            if not isinstance(v, list) or not v:
                self.bad(w, "bodyParts must be a non-empty array")
                return False
            for p in v:
                if isinstance(p, str):
                    continue
                if not (isinstance(p, dict) and set(p) == {"repeat", "times"} and isinstance(p["repeat"], str)
                        and is_int(p["times"]) and p["times"] >= 0):
                    self.bad(w, "bad bodyParts item %r" % (p,))
                    return False
        return True

    def one_of(self, w, c, a, b, required):
        n = (a in c) + (b in c)
        if n > 1 or (required and n == 0):
            self.bad(w, "needs %s one of %s/%s" % ("exactly" if required else "at most", a, b))
        if b in c and not isinstance(c[b], str):
            self.bad(w, "%s must be a string" % b)

    # -- expectations ---------------------------------------------------------------------------
    def check_event(self, w, e):
        if not isinstance(e, dict):
            return self.bad(w, "expect.event must be an object")
        if list(e) != EVENT_KEYS:
            return self.bad(w, "expect.event keys differ from docs/design.md: %s" % list(e))
        if e["schemaVersion"] != 1:
            self.bad(w, "schemaVersion must be 1")
        if e["entity"] not in ENTITIES or e["outcome"] not in OUTCOMES:
            self.bad(w, "unknown entity or outcome")
        for k in ("statusKnown", "final", "legacyFields"):
            if not isinstance(e[k], bool):
                self.bad(w, "event.%s must be a boolean" % k)
        if not is_int(e["eventTimestampMs"]):
            self.bad(w, "eventTimestampMs must be an integer")
        ts = e["eventTimestamp"]
        if not (isinstance(ts, str) and len(ts) == 24 and ts.endswith("Z") and ts[19] == "."):
            self.bad(w, "eventTimestamp must be YYYY-MM-DDTHH:MM:SS.mmmZ")
        sug = e["suggested"]
        if not isinstance(sug, dict) or list(sug)[:2] != ["woocommerce", "prestashop"]:
            self.bad(w, "suggested must start with woocommerce, prestashop")
        if e["statusKnown"] != (e["outcome"] != "unknown"):
            self.bad(w, "statusKnown must be true exactly when the outcome is known")
        ids = {"payment": "paymentId", "refund": "refundId", "order": "orderId"}
        if e["entity"] in ids and e["entityId"] != e[ids[e["entity"]]]:
            self.bad(w, "entityId must be the entity's id")
        if e["entity"] == "unknown" and e["entityId"] is not None:
            self.bad(w, "entityId must be null for entity unknown")

    def check_signature_obj(self, w, s):
        if s is None:
            return
        if not isinstance(s, dict) or list(s) != SIG_KEYS:
            return self.bad(w, "expect.signature must be null or {timestamp,key,secretIndex,ageMs}")
        if not (is_int(s["secretIndex"]) and is_int(s["ageMs"]) and isinstance(s["key"], str)):
            self.bad(w, "signature field types")

    def check_state(self, w, s):
        if not isinstance(s, dict) or list(s)[:len(STATE_KEYS)] != STATE_KEYS:
            return self.bad(w, "expect.state must start with the known keys in order %s" % STATE_KEYS)
        if not isinstance(s["recentEventIds"], list) or len(s["recentEventIds"]) > 32:
            self.bad(w, "recentEventIds must be an array of at most 32")
        elif len(set(s["recentEventIds"])) != len(s["recentEventIds"]):
            self.bad(w, "recentEventIds must not repeat an id")
        if s["orderOutcome"] not in OUTCOMES:
            self.bad(w, "orderOutcome must be an outcome name")
        records = s["entities"]
        if not isinstance(records, list) or len(records) > 16:
            return self.bad(w, "entities must be an array of at most 16")
        for r in records:
            if not isinstance(r, dict) or list(r) != RECORD_KEYS:
                self.bad(w, "each record of entities has exactly the keys %s in order" % RECORD_KEYS)

    def check_compact(self, w, c, a):
        """The compact array: layout version 1, its members typed as in the event, hookData's range
        inside the body and holding one JSON value."""
        if not (isinstance(a, list) and len(a) == len(COMPACT_V1)):
            return self.bad(w, "expect.compact must be an array of %d members" % len(COMPACT_V1))
        m = dict(zip(COMPACT_V1, a))
        if m["layoutVersion"] != 1 or not is_int(m["layoutVersion"]):
            self.bad(w, "compact layout version must be 1")
        self.check_signature_obj(w, {k: m["signature." + k] for k in SIG_KEYS})
        event = {k: m.get(k) for k in EVENT_KEYS}
        event.update(schemaVersion=1, hookData=None)
        self.check_event(w, event)
        at, n = m["hookDataOffset"], m["hookDataLength"]
        if (at is None) != (n is None):
            return self.bad(w, "hookDataOffset and hookDataLength are both null or both integers")
        if at is not None:
            body = body_bytes(c)
            if not (is_int(at) and is_int(n) and at >= 0 and n > 0 and at + n <= len(body)):
                return self.bad(w, "hookData's range is not inside the body")
            try:
                json.loads(body[at:at + n].decode("utf-8"))
            except ValueError:
                self.bad(w, "hookData's range does not hold one JSON value")

    # -- signed process cases -------------------------------------------------------------------
    def check_hmac(self, w, c):
        """A signature expectation must agree with an independent HMAC over the case's inputs."""
        exp = c["expect"]
        secrets = (c.get("options") or {}).get("secrets") if isinstance(c.get("options"), dict) else None
        if not isinstance(secrets, list) or not all(isinstance(s, str) for s in secrets):
            return
        header = c.get("header", "")
        ts, sigs = header_candidates(header)
        if ts is None:
            return
        body = body_bytes(c)
        macs = [hmac.new(s.encode("utf-8"), ts.encode("utf-8") + b"." + body, hashlib.sha256).hexdigest()
                for s in secrets]
        match = None
        for key, value in sigs:
            for i, m in enumerate(macs):
                if hmac.compare_digest(value, m):
                    match = (key, i)
                    break
            if match:
                break
        sig = exp.get("signature", "absent")
        if isinstance(exp.get("compact"), list) and len(exp["compact"]) == len(COMPACT_V1):
            sig = {"key": exp["compact"][2], "secretIndex": exp["compact"][3]}
        if isinstance(sig, dict):
            if match is None:
                self.bad(w, "expects an authentic signature but no vN matches")
            elif (sig["key"].lower(), sig["secretIndex"]) != match:
                self.bad(w, "expected signature %s/%s, first match is %s/%s" % (sig["key"], sig["secretIndex"],
                                                                               *match))
        if exp["status"] == "SIGNATURE_MISMATCH" and match is not None:
            self.bad(w, "expects SIGNATURE_MISMATCH but a vN matches")
        if exp["status"] == "OK" and match is None:
            self.bad(w, "expects OK but no vN matches")

    # -- cases ----------------------------------------------------------------------------------
    def check_case(self, fname, idx, c, names):
        w = "%s case %d" % (fname, idx)
        if not isinstance(c, dict):
            return self.bad(w, "case must be an object")
        name = c.get("name")
        if not isinstance(name, str) or not name.strip():
            self.bad(w, "missing or empty name")
        else:
            w = "%s [%s]" % (fname, name)
            if name in names:
                self.bad(w, "duplicate name")
            names.add(name)
        fn = c.get("function")
        if fn not in INPUTS:
            return self.bad(w, "unknown function %r" % (fn,))
        allowed, needs_body = INPUTS[fn]
        extra = set(c) - allowed - {"name", "function", "expect"} - (set(BODY_FORMS) if needs_body else set())
        if extra:
            self.bad(w, "keys not allowed for %s: %s" % (fn, sorted(extra)))
        body_ok = self.check_body(w, c) if needs_body else True

        if fn == "process":
            self.one_of(w, c, "options", "optionsRaw", True)
            if "header" in c and not isinstance(c["header"], str):
                self.bad(w, "header must be a string")
            if not is_int(c.get("nowMs")) or c.get("nowMs") == 0:
                self.bad(w, "nowMs must be a non-zero integer")
        elif fn == "normalize":
            self.one_of(w, c, "options", "optionsRaw", False)
        elif fn == "decide":
            self.one_of(w, c, "event", "eventRaw", True)
            self.one_of(w, c, "state", "stateRaw", False)
        elif fn == "sign":
            if not isinstance(c.get("timestamp"), str):
                self.bad(w, "timestamp must be a string")
            self.one_of(w, c, "secrets", "secretsRaw", True)

        exp = c.get("expect")
        if not isinstance(exp, dict):
            return self.bad(w, "missing expect object")
        st = exp.get("status")
        if st not in HTTP:
            return self.bad(w, "unknown status %r" % (st,))
        if exp.get("httpStatus") != HTTP[st] or not is_int(exp.get("httpStatus")):
            self.bad(w, "httpStatus %r, statuses.json says %d for %s (if the table is right: run "
                        "`make vectors`, then make src/status.rs, docs/design.md and README.md agree)"
                     % (exp.get("httpStatus"), HTTP[st], st))
        extra = set(exp) - EXPECT_KEYS[fn]
        if extra:
            self.bad(w, "expect keys not allowed for %s: %s" % (fn, sorted(extra)))
        ok = st == "OK"
        if "field" in exp:
            if st != "EVENT_INVALID" or not isinstance(exp["field"], str):
                self.bad(w, "field only for EVENT_INVALID, as a string")
        elif st == "EVENT_INVALID" and fn in ("process", "normalize"):
            self.bad(w, "EVENT_INVALID needs a field")
        compact_option = fn == "process" and isinstance(c.get("options"), dict) and \
            c["options"].get("compactResult") is True
        if "compact" in exp:
            if not (ok and compact_option) or "event" in exp or "signature" in exp:
                self.bad(w, "compact only for OK process cases with the option compactResult true, "
                            "without event and signature")
            elif self.check_body(w, c):
                self.check_compact(w, c, exp["compact"])
        elif ok and compact_option:
            self.bad(w, "an OK case with the option compactResult needs the expected compact array")
        if fn in ("process", "normalize") and "compact" not in exp:
            if ok and "event" not in exp:
                self.bad(w, "an OK %s case needs the full expected event" % fn)
            if "event" in exp:
                if not ok:
                    self.bad(w, "event only for OK cases")
                self.check_event(w, exp["event"])
            if "signature" in exp:
                self.check_signature_obj(w, exp["signature"])
                if fn == "normalize" and exp["signature"] is not None:
                    self.bad(w, "normalize results have no signature")
                if exp["signature"] is not None and st in ("HEADER_MISSING", "HEADER_MALFORMED",
                                                           "HEADER_TIMESTAMP_INVALID", "SIGNATURE_MISMATCH",
                                                           "BODY_TOO_LARGE", "INVALID_OPTIONS"):
                    self.bad(w, "%s comes before the signature is known: signature must be null" % st)
        if fn == "process" and body_ok:
            self.check_hmac(w, c)
        if fn == "decide":
            if ok and not ("decision" in exp and "state" in exp):
                self.bad(w, "an OK decide case needs decision and state")
            if not ok and ("decision" in exp or "state" in exp):
                self.bad(w, "decision/state only for OK cases")
            if "decision" in exp:
                d = exp["decision"]
                if not (isinstance(d, dict) and list(d) == ["action", "reason", "orderOutcome", "suggested"]
                        and d["reason"] in REASONS.get(d["action"], ())
                        and d["orderOutcome"] in OUTCOMES and isinstance(d["suggested"], dict)
                        and list(d["suggested"])[:2] == ["woocommerce", "prestashop"]):
                    self.bad(w, "bad decision %r" % (d,))
                elif "state" in exp and exp["state"].get("orderOutcome") != d["orderOutcome"]:
                    self.bad(w, "decision.orderOutcome must equal state.orderOutcome")
            if "state" in exp:
                self.check_state(w, exp["state"])
            if "resultContains" in exp:
                rc = exp["resultContains"]
                if not ok or not (isinstance(rc, list) and rc and all(isinstance(x, str) and x for x in rc)):
                    self.bad(w, "resultContains: a non-empty array of non-empty strings, for OK cases")
        if fn == "sign" and "header" in exp:
            if not ok or not isinstance(exp["header"], str):
                self.bad(w, "header only for OK sign cases, as a string")
        if fn != "sign":
            text = json.dumps(exp, ensure_ascii=False)
            for s in case_secrets(c):
                if s in text:
                    self.bad(w, "a secret of the case appears in the expectation")

    def check_file(self, path):
        fname = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            doc = json.loads(text)
        except (OSError, ValueError) as e:
            self.bad(fname, "not readable JSON: %s" % e)
            return None
        if not isinstance(doc, dict) or set(doc) != {"description", "cases"}:
            self.bad(fname, "top level must be {description, cases}")
            return None
        if not isinstance(doc["description"], str) or not doc["description"].strip():
            self.bad(fname, "empty description")
        if not isinstance(doc["cases"], list) or not doc["cases"]:
            self.bad(fname, "cases must be a non-empty array")
            return None
        if text != json.dumps(doc, indent=2, ensure_ascii=False) + "\n":
            self.bad(fname, "not written as make_vectors.py writes it (indent 2, UTF-8, trailing newline)")
        names = set()
        for i, c in enumerate(doc["cases"]):
            self.check_case(fname, i, c, names)
        return doc

    def check_sign_against_process(self, docs):
        sig = docs.get("signature.json")
        sign = docs.get("sign.json")
        if not sig or not sign:
            return
        verified = set()
        for c in sig["cases"]:
            if c.get("function") != "process" or not isinstance(c.get("options"), dict):
                continue
            s = c["expect"].get("signature")
            if isinstance(s, dict):
                verified.add((body_bytes(c), json.dumps(c["options"].get("secrets")), c.get("header")))
        for c in sign["cases"]:
            h = c.get("expect", {}).get("header")
            if h is None:
                continue
            key = (body_bytes(c), json.dumps(c.get("secrets")), h)
            if key not in verified:
                self.bad("sign.json [%s]" % c.get("name"),
                         "no process case in signature.json verifies this header (same body, secrets, header)")


def check_generated(ch, names):
    """Each file against what make_vectors.py writes now (into a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="everifin-vectors-") as out:
        run = subprocess.run([sys.executable, os.path.join(HERE, "make_vectors.py"), "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if run.returncode != 0:
            ch.bad("make_vectors.py", "failed (exit %d):\n%s" % (run.returncode, run.stdout))
            return
        for name in sorted(names):
            with open(os.path.join(VECTOR_DIR, name), "rb") as f:
                committed = f.read()
            try:
                with open(os.path.join(out, name), "rb") as f:
                    generated = f.read()
            except OSError:
                ch.bad(name, "make_vectors.py does not write this file")
                continue
            if committed != generated:
                ch.bad(name, "differs from what make_vectors.py writes (%s): the case files are "
                             "generated, never edited by hand; put the case in "
                             "tests/vectors/gen/make_vectors.py and run `make vectors`"
                       % first_difference(committed, generated))


def first_difference(committed, generated):
    a = committed.decode("utf-8", "replace").split("\n")
    b = generated.decode("utf-8", "replace").split("\n")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "first at line %d: %r, generated %r" % (i + 1, x.strip()[:80], y.strip()[:80])
    return "%d lines, generated %d" % (len(a), len(b))


def main(argv):
    # statuses.json is the status table, not a case file (HTTP above is read from it).
    paths = argv[1:] or sorted(p for p in glob.glob(os.path.join(VECTOR_DIR, "*.json"))
                               if os.path.basename(p) != "statuses.json")
    expected = {"signature.json", "body.json", "events.json", "options.json", "decide.json", "compact.json",
                "sign.json"}
    ch = Checker()
    if not argv[1:]:
        missing = expected - {os.path.basename(p) for p in paths}
        for m in sorted(missing):
            ch.bad(m, "file missing")
    docs = {}
    total = 0
    for p in paths:
        doc = ch.check_file(p)
        if doc is not None:
            docs[os.path.basename(p)] = doc
            print("%-15s %4d cases" % (os.path.basename(p), len(doc["cases"])))
            total += len(doc["cases"])
    ch.check_sign_against_process(docs)
    if not argv[1:]:
        check_generated(ch, expected & set(docs))
    print("%-15s %4d cases" % ("total", total))
    if ch.problems:
        for pr in ch.problems:
            print("PROBLEM " + pr)
        print("%d problem(s)" % len(ch.problems))
        return 1
    print("vectors OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
