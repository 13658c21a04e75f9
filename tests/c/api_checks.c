/* C-only checks of the ABI conventions: NULL arguments, status names and HTTP statuses, version
 * macros, and inputs that are not NUL-terminated. */
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A signed request for these checks: an Everifin payment that was booked. */
static const char BODY[] =
    "{\"eventId\":\"c2949dfe-4585-46eb-9213-35f0f7faf055\",\"eventType\":\"payment.statusChange\","
    "\"eventTimestamp\":\"2024-05-07T14:49:55.884Z\",\"data\":{\"paymentId\":"
    "\"da96bc8f-1c7e-4f4b-9a59-2b1f0d3e6a10\",\"status\":\"BOOKED\",\"hookData\":{\"cart\":17}}}";
static const char TS[] = "2024-05-07T14:49:55.887Z";
static const int64_t NOW_MS = 1715093395887LL + 113; /* 113 ms after TS */
static const char SECRETS[] = "[\"shop webhook secret old\",\"shop webhook secret new\"]";
static const char OPTIONS[] =
    "{\"secrets\":[\"shop webhook secret old\",\"shop webhook secret new\"],"
    "\"toleranceSeconds\":300}";
/* The same secrets, with the option compactResult (docs/design.md, "Compact process result"). */
static const char COMPACT_OPTIONS[] =
    "{\"secrets\":[\"shop webhook secret old\",\"shop webhook secret new\"],"
    "\"compactResult\":true}";
static const char EVENT[] =
    "{\"eventId\":\"c2949dfe-4585-46eb-9213-35f0f7faf055\",\"eventTimestampMs\":1715093395884,"
    "\"entity\":\"payment\",\"entityId\":\"da96bc8f-1c7e-4f4b-9a59-2b1f0d3e6a10\","
    "\"status\":\"BOOKED\",\"final\":true,\"outcome\":\"paid\"}";

/* Every status constant the header defines, by name. check_status_table holds it (values and
 * names) to tests/vectors/statuses.json, the one status table. */
struct status_macro {
    evf_status code;
    const char *name;
};

static const struct status_macro STATUSES[] = {
    {EVF_OK, "OK"},
    {EVF_ERR_NULL_ARGUMENT, "NULL_ARGUMENT"},
    {EVF_ERR_INVALID_OPTIONS, "INVALID_OPTIONS"},
    {EVF_ERR_INTERNAL, "INTERNAL"},
    {EVF_ERR_HEADER_MISSING, "HEADER_MISSING"},
    {EVF_ERR_HEADER_MALFORMED, "HEADER_MALFORMED"},
    {EVF_ERR_HEADER_TIMESTAMP_INVALID, "HEADER_TIMESTAMP_INVALID"},
    {EVF_ERR_SIGNATURE_MISMATCH, "SIGNATURE_MISMATCH"},
    {EVF_ERR_TIMESTAMP_TOO_OLD, "TIMESTAMP_TOO_OLD"},
    {EVF_ERR_TIMESTAMP_IN_FUTURE, "TIMESTAMP_IN_FUTURE"},
    {EVF_ERR_BODY_TOO_LARGE, "BODY_TOO_LARGE"},
    {EVF_ERR_BODY_NOT_UTF8, "BODY_NOT_UTF8"},
    {EVF_ERR_BODY_NOT_JSON, "BODY_NOT_JSON"},
    {EVF_ERR_EVENT_INVALID, "EVENT_INVALID"},
    {EVF_ERR_STATE_INVALID, "STATE_INVALID"},
};
#define N_STATUSES (sizeof STATUSES / sizeof STATUSES[0])

void check_status_table(const cJSON *doc, const char *path)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "statuses");
    const cJSON *row;
    size_t i, n = 0;
    char label[512];
    cJSON_ArrayForEach(row, rows) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(row, "name");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(row, "code");
        const cJSON *http = cJSON_GetObjectItemCaseSensitive(row, "httpStatus");
        const struct status_macro *m = NULL;
        const char *got;
        n++;
        snprintf(label, sizeof label, "%s: row %lu has a name, a code and an httpStatus", path,
                 (unsigned long)n);
        check_true(label, cJSON_IsString(name) && cJSON_IsNumber(code) && cJSON_IsNumber(http),
                   "malformed row");
        if (!cJSON_IsString(name) || !cJSON_IsNumber(code) || !cJSON_IsNumber(http))
            continue;
        for (i = 0; i < N_STATUSES; i++)
            if (strcmp(STATUSES[i].name, name->valuestring) == 0)
                m = &STATUSES[i];
        snprintf(label, sizeof label, "status %s: the header defines it as %d", name->valuestring,
                 code->valueint);
        if (m)
            check_true(label, m->code == code->valueint, "the constant is %ld", (long)m->code);
        else
            check_true(label, 0, "the harness knows no EVF_ constant of that name");
        got = evf_status_name(code->valueint);
        snprintf(label, sizeof label, "status %s: evf_status_name(%d)", name->valuestring,
                 code->valueint);
        check_true(label, got && strcmp(got, name->valuestring) == 0, "gives \"%s\"",
                   got ? got : "(NULL)");
        snprintf(label, sizeof label, "status %s: evf_status_http_status is %d",
                 name->valuestring, http->valueint);
        check_true(label, evf_status_http_status(code->valueint) == http->valueint, "it is %ld",
                   (long)evf_status_http_status(code->valueint));
    }
    snprintf(label, sizeof label, "%s: as many statuses as the header has constants (%lu)", path,
             (unsigned long)N_STATUSES);
    check_true(label, n == N_STATUSES, "the table has %lu", (unsigned long)n);
}

/* Copy of a result's text (NULL when r is NULL). The result is not freed. */
static char *result_text(const evf_result *r)
{
    const char *js = r ? evf_result_json(r) : NULL;
    char *c;
    if (!js)
        return NULL;
    c = malloc(strlen(js) + 1);
    if (!c)
        exit(2);
    strcpy(c, js);
    return c;
}

/* One check: the result has the generic shape, status `want`, and when `same_as` is given exactly
 * that text. Optional `must_have` names a member the result must contain. Frees r. */
static void check_result(const char *label, evf_result *r, evf_status want, const char *same_as,
                         const char *must_have)
{
    strbuf why;
    cJSON *o;
    sb_init(&why);
    o = inspect_result(r, &why);
    if (r && evf_result_status(r) != want)
        sb_printf(&why, "status: expected %s, got %s\n", evf_status_name(want),
                  evf_status_name(evf_result_status(r)));
    if (r && same_as && evf_result_json(r) && strcmp(same_as, evf_result_json(r)) != 0) {
        sb_printf(&why, "result text differs from the reference call\n      reference: ");
        sb_quote(&why, same_as, strlen(same_as), 1500);
        sb_printf(&why, "\n");
    }
    if (o && must_have && !cJSON_GetObjectItemCaseSensitive(o, must_have))
        sb_printf(&why, "result has no \"%s\"\n", must_have);
    if (why.n && r && evf_result_json(r)) {
        sb_printf(&why, "result: ");
        sb_quote(&why, evf_result_json(r), strlen(evf_result_json(r)), 1500);
        sb_printf(&why, "\n");
    }
    record_check(label, &why);
    sb_free(&why);
    cJSON_Delete(o);
    evf_result_free(r);
}

/* The Signature header evf_sign makes for (body, ts) with SECRETS (malloc'd; NULL on failure). */
static char *make_header(const char *body, size_t body_len, const char *ts, const char *secrets)
{
    evf_result *r = evf_sign(body, body_len, ts, strlen(ts), secrets, strlen(secrets));
    cJSON *o = NULL, *h;
    char *out = NULL;
    if (r && evf_result_status(r) == EVF_OK && evf_result_json(r)) {
        o = cJSON_Parse(evf_result_json(r));
        h = cJSON_GetObjectItemCaseSensitive(o, "header");
        if (cJSON_IsString(h)) {
            out = malloc(strlen(h->valuestring) + 1);
            if (!out)
                exit(2);
            strcpy(out, h->valuestring);
        }
    }
    cJSON_Delete(o);
    evf_result_free(r);
    return out;
}

/* A heap copy of s (n bytes) followed by `garbage`, so that reading past n changes the input. */
static char *with_garbage(const char *s, size_t n, const char *garbage)
{
    size_t g = strlen(garbage);
    char *b = malloc(n + g);
    if (!b)
        exit(2);
    memcpy(b, s, n);
    memcpy(b + n, garbage, g);
    return b;
}

static void check_versions(void)
{
    char buf[64];
    const char *v = evf_version();
    snprintf(buf, sizeof buf, "%ld.%ld.%ld", (long)EVF_VERSION_MAJOR, (long)EVF_VERSION_MINOR,
             (long)EVF_VERSION_PATCH);
    check_true("version: evf_version() is not NULL", v != NULL, "evf_version() returned NULL");
    check_true("version: EVF_VERSION equals evf_version()", v && strcmp(EVF_VERSION, v) == 0,
               "EVF_VERSION \"%s\", evf_version() \"%s\"", EVF_VERSION, v ? v : "(NULL)");
    check_true("version: EVF_VERSION_MAJOR.MINOR.PATCH equals evf_version()",
               v && strcmp(buf, v) == 0, "macros give \"%s\", evf_version() \"%s\"", buf,
               v ? v : "(NULL)");
    check_true("version: evf_version() is static (same pointer twice)", evf_version() == v,
               "two calls returned different pointers");
    check_true("version: EVF_ABI_VERSION equals evf_abi_version()",
               (uint32_t)EVF_ABI_VERSION == evf_abi_version(), "EVF_ABI_VERSION %lu, "
               "evf_abi_version() %lu", (unsigned long)EVF_ABI_VERSION,
               (unsigned long)evf_abi_version());
    check_true("version: EVF_ABI_VERSION is 1", (long)EVF_ABI_VERSION == 1,
               "EVF_ABI_VERSION is %ld", (long)EVF_ABI_VERSION);
}

/* Numbers that are no status (the known ones are checked against statuses.json). */
static void check_status_names(void)
{
    size_t i, j;
    static const int32_t unknown[] = {4, 9, 16, 24, 29, 31, 99, -1, 1000, INT32_MAX, INT32_MIN};
    char label[256];
    for (j = 0; j < sizeof unknown / sizeof unknown[0]; j++) {
        const char *n = evf_status_name(unknown[j]);
        int is_known = 0;
        for (i = 0; n && i < N_STATUSES; i++)
            if (strcmp(n, STATUSES[i].name) == 0)
                is_known = 1;
        snprintf(label, sizeof label, "status %ld (unknown): evf_status_name gives a non-NULL "
                 "string that is no status name", (long)unknown[j]);
        check_true(label, n != NULL && n[0] != '\0' && !is_known, "evf_status_name(%ld) = %s%s%s",
                   (long)unknown[j], n ? "\"" : "", n ? n : "NULL", n ? "\"" : "");
        /* the header documents "UNKNOWN_STATUS" and 500 for a number that is not a status */
        snprintf(label, sizeof label, "status %ld (unknown): \"UNKNOWN_STATUS\", HTTP 500 "
                 "(as the header documents)", (long)unknown[j]);
        check_true(label, n && strcmp(n, "UNKNOWN_STATUS") == 0 &&
                              evf_status_http_status(unknown[j]) == 500,
                   "name %s, http %ld", n ? n : "NULL", (long)evf_status_http_status(unknown[j]));
    }
}

static void check_null_arguments(void)
{
    size_t blen = strlen(BODY);
    evf_verifier *v = NULL, *out;
    evf_status st;
    char *hdr = make_header(BODY, blen, TS, SECRETS);
    char *empty_hdr = make_header("", 0, TS, SECRETS);
    char *ref;
    size_t hlen = hdr ? strlen(hdr) : 0;

    check_true("sign: evf_sign makes headers for the NULL checks", hdr && empty_hdr,
               "evf_sign failed");
    if (!hdr || !empty_hdr) {
        free(hdr);
        free(empty_hdr);
        return;
    }

    /* evf_verifier_new */
    out = NULL;
    st = evf_verifier_new(NULL, 5, &out);
    check_true("verifier_new(NULL, 5, &out) is NULL_ARGUMENT and leaves out NULL",
               st == EVF_ERR_NULL_ARGUMENT && out == NULL, "status %s, out %s",
               evf_status_name(st), out ? "set" : "NULL");
    evf_verifier_free(out);
    st = evf_verifier_new(OPTIONS, strlen(OPTIONS), NULL);
    check_true("verifier_new(options, n, NULL) is NULL_ARGUMENT", st == EVF_ERR_NULL_ARGUMENT,
               "status %s", evf_status_name(st));
    {
        /* on failure *out is set to NULL (header), even when it held something before */
        int dummy = 0;
        out = (evf_verifier *)(void *)&dummy;
        st = evf_verifier_new(NULL, 0, &out);
        check_true("verifier_new(NULL, 0, &out) reads {} and wants secrets: INVALID_OPTIONS, "
                   "*out = NULL",
                   st == EVF_ERR_INVALID_OPTIONS && out == NULL, "status %s, out %s",
                   evf_status_name(st), out ? "not NULL" : "NULL");
        if (out != (evf_verifier *)(void *)&dummy)
            evf_verifier_free(out);
        out = (evf_verifier *)(void *)&dummy;
        st = evf_verifier_new("{\"secrets\":[]}", 14, &out);
        check_true("verifier_new(no secrets) is INVALID_OPTIONS and sets *out = NULL",
                   st == EVF_ERR_INVALID_OPTIONS && out == NULL, "status %s, out %s",
                   evf_status_name(st), out ? "not NULL" : "NULL");
        if (out != (evf_verifier *)(void *)&dummy)
            evf_verifier_free(out);
    }

    /* evf_options_check */
    check_result("options_check(NULL, 3) is NULL_ARGUMENT", evf_options_check(NULL, 3),
                 EVF_ERR_NULL_ARGUMENT, NULL, NULL);
    {
        evf_result *r = evf_options_check("", 0);
        char *t = result_text(r);
        evf_result_free(r);
        check_result("options_check(NULL, 0) equals options_check(\"\", 0): INVALID_OPTIONS",
                     evf_options_check(NULL, 0), EVF_ERR_INVALID_OPTIONS, t, "message");
        free(t);
    }
    check_result("options_check(valid options) is OK",
                 evf_options_check(OPTIONS, strlen(OPTIONS)), EVF_OK, NULL, NULL);

    st = evf_verifier_new(OPTIONS, strlen(OPTIONS), &v);
    check_true("verifier_new(valid options) is OK with a verifier", st == EVF_OK && v != NULL,
               "status %s", evf_status_name(st));
    if (v) {
        evf_result *r;
        check_result("process(v, signed booked payment) is OK",
                     evf_verifier_process(v, BODY, blen, hdr, hlen, NOW_MS), EVF_OK, NULL,
                     "signature");
        check_result("process(NULL verifier, ...) is NULL_ARGUMENT",
                     evf_verifier_process(NULL, BODY, blen, hdr, hlen, NOW_MS),
                     EVF_ERR_NULL_ARGUMENT, NULL, "message");
        check_result("process(v, NULL body, 5, ...) is NULL_ARGUMENT",
                     evf_verifier_process(v, NULL, 5, hdr, hlen, NOW_MS), EVF_ERR_NULL_ARGUMENT,
                     NULL, NULL);
        check_result("process(v, body, NULL header, 5) is NULL_ARGUMENT",
                     evf_verifier_process(v, BODY, blen, NULL, 5, NOW_MS),
                     EVF_ERR_NULL_ARGUMENT, NULL, NULL);
        r = evf_verifier_process(v, "", 0, empty_hdr, strlen(empty_hdr), NOW_MS);
        ref = result_text(r);
        evf_result_free(r);
        check_result("process(v, NULL body, 0, header signed over no bytes) equals the empty "
                     "body: authentic, BODY_NOT_JSON, with signature",
                     evf_verifier_process(v, NULL, 0, empty_hdr, strlen(empty_hdr), NOW_MS),
                     EVF_ERR_BODY_NOT_JSON, ref, "signature");
        free(ref);
        r = evf_verifier_process(v, BODY, blen, "", 0, NOW_MS);
        ref = result_text(r);
        evf_result_free(r);
        check_result("process(v, body, NULL header, 0) equals the empty header: HEADER_MISSING",
                     evf_verifier_process(v, BODY, blen, NULL, 0, NOW_MS),
                     EVF_ERR_HEADER_MISSING, ref, NULL);
        free(ref);
        check_result("process(v, NULL, 0, NULL, 0) is HEADER_MISSING",
                     evf_verifier_process(v, NULL, 0, NULL, 0, NOW_MS), EVF_ERR_HEADER_MISSING,
                     NULL, NULL);
        /* now = 0 means the system clock: a 2024 timestamp is then far too old */
        check_result("process(v, ..., now 0) uses the clock: a 2024 signature is TIMESTAMP_TOO_OLD",
                     evf_verifier_process(v, BODY, blen, hdr, hlen, 0),
                     EVF_ERR_TIMESTAMP_TOO_OLD, NULL, "signature");
        {
            /* ... and a header signed just now passes */
            evf_result *s = evf_sign(BODY, blen, "", 0, SECRETS, strlen(SECRETS));
            cJSON *o = s ? cJSON_Parse(evf_result_json(s)) : NULL;
            const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "header");
            if (cJSON_IsString(h))
                check_result("process(v, header signed now by evf_sign(ts \"\"), now 0) is OK",
                             evf_verifier_process(v, BODY, blen, h->valuestring,
                                                  strlen(h->valuestring), 0),
                             EVF_OK, NULL, "event");
            else
                check_true("sign(body, \"\" = now, secrets) gives a header", 0, "no header: %s",
                           s && evf_result_json(s) ? evf_result_json(s) : "(NULL)");
            cJSON_Delete(o);
            evf_result_free(s);
        }
        evf_verifier_free(v);
    }

    /* evf_normalize */
    check_result("normalize(NULL, 3, ...) is NULL_ARGUMENT", evf_normalize(NULL, 3, "{}", 2),
                 EVF_ERR_NULL_ARGUMENT, NULL, NULL);
    check_result("normalize(body, n, NULL, 3) is NULL_ARGUMENT",
                 evf_normalize(BODY, blen, NULL, 3), EVF_ERR_NULL_ARGUMENT, NULL, NULL);
    {
        evf_result *r = evf_normalize(BODY, blen, "{}", 2);
        ref = result_text(r);
        evf_result_free(r);
        check_result("normalize(body, n, NULL, 0) equals options {}: OK",
                     evf_normalize(BODY, blen, NULL, 0), EVF_OK, ref, "event");
        free(ref);
        r = evf_normalize("", 0, "", 0);
        ref = result_text(r);
        evf_result_free(r);
        check_result("normalize(NULL, 0, NULL, 0) equals empty inputs: BODY_NOT_JSON",
                     evf_normalize(NULL, 0, NULL, 0), EVF_ERR_BODY_NOT_JSON, ref, NULL);
        free(ref);
    }

    /* evf_decide */
    check_result("decide(NULL, 3, ...) is NULL_ARGUMENT", evf_decide(NULL, 3, "{}", 2),
                 EVF_ERR_NULL_ARGUMENT, NULL, NULL);
    check_result("decide(event, n, NULL, 3) is NULL_ARGUMENT",
                 evf_decide(EVENT, strlen(EVENT), NULL, 3), EVF_ERR_NULL_ARGUMENT, NULL, NULL);
    {
        evf_result *r = evf_decide(EVENT, strlen(EVENT), "{}", 2);
        ref = result_text(r);
        evf_result_free(r);
        check_result("decide(event, n, NULL, 0) equals state {}: OK",
                     evf_decide(EVENT, strlen(EVENT), NULL, 0), EVF_OK, ref, "decision");
        free(ref);
        r = evf_decide("", 0, "", 0);
        ref = result_text(r);
        evf_result_free(r);
        check_result("decide(NULL, 0, NULL, 0) equals empty inputs: EVENT_INVALID",
                     evf_decide(NULL, 0, NULL, 0), EVF_ERR_EVENT_INVALID, ref, "field");
        free(ref);
    }

    /* evf_sign */
    check_result("sign(NULL, 3, ...) is NULL_ARGUMENT",
                 evf_sign(NULL, 3, TS, strlen(TS), SECRETS, strlen(SECRETS)),
                 EVF_ERR_NULL_ARGUMENT, NULL, NULL);
    check_result("sign(body, n, NULL, 5, ...) is NULL_ARGUMENT",
                 evf_sign(BODY, blen, NULL, 5, SECRETS, strlen(SECRETS)), EVF_ERR_NULL_ARGUMENT,
                 NULL, NULL);
    check_result("sign(body, n, ts, n, NULL, 5) is NULL_ARGUMENT",
                 evf_sign(BODY, blen, TS, strlen(TS), NULL, 5), EVF_ERR_NULL_ARGUMENT, NULL,
                 NULL);
    check_result("sign(body, n, ts, n, NULL, 0) is INVALID_OPTIONS (no secrets)",
                 evf_sign(BODY, blen, TS, strlen(TS), NULL, 0), EVF_ERR_INVALID_OPTIONS, NULL,
                 "message");
    {
        evf_result *r = evf_sign("", 0, TS, strlen(TS), SECRETS, strlen(SECRETS));
        ref = result_text(r);
        evf_result_free(r);
        check_result("sign(NULL, 0, ...) equals the empty body: OK",
                     evf_sign(NULL, 0, TS, strlen(TS), SECRETS, strlen(SECRETS)), EVF_OK, ref,
                     "header");
        free(ref);
    }
    {
        /* sign(body, n, NULL, 0, ...): timestamp now, within a minute of this machine's clock */
        evf_result *r = evf_sign(BODY, blen, NULL, 0, SECRETS, strlen(SECRETS));
        cJSON *o = r && evf_result_json(r) ? cJSON_Parse(evf_result_json(r)) : NULL;
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "header");
        int good = 0;
        char got[64] = "";
        if (cJSON_IsString(h) && strncmp(h->valuestring, "ts=", 3) == 0 &&
            strlen(h->valuestring) > 3 + 24) {
            struct tm tm;
            int y, mo, d, hh, mi, ss, ms;
            memset(&tm, 0, sizeof tm);
            snprintf(got, sizeof got, "%.40s", h->valuestring);
            if (sscanf(h->valuestring + 3, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ;", &y, &mo, &d, &hh,
                       &mi, &ss, &ms) == 7) {
                /* days since the epoch (civil calendar), no timegm needed */
                long yy = y - (mo <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
                long yoe = yy - era * 400;
                long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
                long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                long days = era * 146097 + doe - 719468;
                long long secs = (long long)days * 86400 + hh * 3600 + mi * 60 + ss;
                long long diff = secs - (long long)time(NULL);
                good = diff > -60 && diff < 60 && h->valuestring[3 + 24] == ';';
            }
        }
        check_true("sign(body, n, NULL, 0, ...) signs with the current time (ts=...Z;)",
                   r && evf_result_status(r) == EVF_OK && good, "header starts \"%s\"", got);
        cJSON_Delete(o);
        evf_result_free(r);
    }

    /* result accessors and frees (NULL behaviour as the header documents it) */
    check_true("evf_result_status(NULL) is NULL_ARGUMENT",
               evf_result_status(NULL) == EVF_ERR_NULL_ARGUMENT, "got %ld",
               (long)evf_result_status(NULL));
    check_true("evf_result_json(NULL) is NULL", evf_result_json(NULL) == NULL, "not NULL");
    check_true("evf_result_json_len(NULL) is 0", evf_result_json_len(NULL) == 0, "got %lu",
               (unsigned long)evf_result_json_len(NULL));
    evf_result_free(NULL);
    check_true("evf_result_free(NULL) is a no-op", 1, " ");
    evf_verifier_free(NULL);
    check_true("evf_verifier_free(NULL) is a no-op", 1, " ");

    free(hdr);
    free(empty_hdr);
}

/* Inputs followed by bytes that would change the answer if read: lengths must be honoured. */
static void check_unterminated(void)
{
    size_t blen = strlen(BODY);
    char *hdr = make_header(BODY, blen, TS, SECRETS);
    evf_verifier *v = NULL;
    char *ref;
    evf_result *r;
    char *b, *h, *o;
    if (!hdr) {
        check_true("unterminated: evf_sign makes a header", 0, "evf_sign failed");
        return;
    }
    b = with_garbage(BODY, blen, "}garbage\xff\x00{");
    h = with_garbage(hdr, strlen(hdr), ";ts=2020-01-01T00:00:00.000Z;v0=zz\x01");
    o = with_garbage(OPTIONS, strlen(OPTIONS), ",\"toleranceSeconds\":\x00zz");

    if (evf_verifier_new(o, strlen(OPTIONS), &v) != EVF_OK || !v) {
        check_true("unterminated: verifier_new reads only options_len bytes", 0,
                   "evf_verifier_new failed on options followed by garbage");
    } else {
        check_true("unterminated: verifier_new reads only options_len bytes", 1, " ");
        r = evf_verifier_process(v, BODY, blen, hdr, strlen(hdr), NOW_MS);
        ref = result_text(r);
        evf_result_free(r);
        check_result("unterminated: process reads only body_len and header_len bytes",
                     evf_verifier_process(v, b, blen, h, strlen(hdr), NOW_MS), EVF_OK, ref,
                     "event");
        free(ref);
        evf_verifier_free(v);
    }
    {
        evf_result *c = evf_options_check(o, strlen(OPTIONS));
        check_result("unterminated: options_check reads only options_len bytes", c, EVF_OK, NULL,
                     NULL);
    }

    r = evf_normalize(BODY, blen, OPTIONS, strlen(OPTIONS));
    ref = result_text(r);
    evf_result_free(r);
    check_result("unterminated: normalize reads only the given lengths",
                 evf_normalize(b, blen, o, strlen(OPTIONS)), EVF_OK, ref, "event");
    free(ref);

    {
        char *e = with_garbage(EVENT, strlen(EVENT), "]]]\x00");
        char *s = with_garbage("{}", 2, "x");
        r = evf_decide(EVENT, strlen(EVENT), "{}", 2);
        ref = result_text(r);
        evf_result_free(r);
        check_result("unterminated: decide reads only the given lengths",
                     evf_decide(e, strlen(EVENT), s, 2), EVF_OK, ref, "state");
        free(ref);
        free(e);
        free(s);
    }
    {
        char *t = with_garbage(TS, strlen(TS), "1999");
        char *s = with_garbage(SECRETS, strlen(SECRETS), ",\"x\"]");
        r = evf_sign(BODY, blen, TS, strlen(TS), SECRETS, strlen(SECRETS));
        ref = result_text(r);
        evf_result_free(r);
        check_result("unterminated: sign reads only the given lengths",
                     evf_sign(b, blen, t, strlen(TS), s, strlen(SECRETS)), EVF_OK, ref,
                     "header");
        free(ref);
        free(t);
        free(s);
    }
    {
        /* a NUL inside the counted bytes is data, not an end: signed over all bytes, authentic,
         * and the trailing NUL makes the body not JSON */
        size_t n = blen + 1; /* BODY plus its NUL */
        char *nh = make_header(BODY, n, TS, SECRETS);
        if (evf_verifier_new(OPTIONS, strlen(OPTIONS), &v) == EVF_OK && v && nh) {
            check_result("embedded NUL: a body ending in NUL is authentic and BODY_NOT_JSON",
                         evf_verifier_process(v, BODY, n, nh, strlen(nh), NOW_MS),
                         EVF_ERR_BODY_NOT_JSON, NULL, "signature");
            check_result("embedded NUL: the header for the body without the NUL does not match",
                         evf_verifier_process(v, BODY, n, hdr, strlen(hdr), NOW_MS),
                         EVF_ERR_SIGNATURE_MISMATCH, NULL, NULL);
            evf_verifier_free(v);
        } else {
            check_true("embedded NUL: setup", 0, "verifier or header could not be made");
        }
        free(nh);
    }
    {
        /* the result text is borrowed: stable across accessor calls until freed */
        evf_result *x = evf_normalize(BODY, blen, NULL, 0);
        const char *p1 = x ? evf_result_json(x) : NULL;
        const char *p2 = x ? evf_result_json(x) : NULL;
        check_true("result: evf_result_json returns the same text on every call",
                   p1 && p1 == p2 && evf_result_json_len(x) == strlen(p1),
                   "pointers %p %p", (const void *)p1, (const void *)p2);
        evf_result_free(x);
    }
    free(b);
    free(h);
    free(o);
    free(hdr);
}

/* Option compactResult (docs/design.md): success is one array; hookData is given as its byte
 * range in the body, which a C caller reads in place; errors stay objects. */
static void check_compact(void)
{
    size_t blen = strlen(BODY);
    char *hdr = make_header(BODY, blen, TS, SECRETS);
    evf_verifier *v = NULL;
    evf_result *r;
    cJSON *a = NULL, *off, *len;
    if (!hdr || evf_verifier_new(COMPACT_OPTIONS, strlen(COMPACT_OPTIONS), &v) != EVF_OK || !v) {
        check_true("compact: setup", 0, "header or verifier could not be made");
        free(hdr);
        return;
    }
    r = evf_verifier_process(v, BODY, blen, hdr, strlen(hdr), NOW_MS);
    if (r && evf_result_status(r) == EVF_OK)
        a = cJSON_Parse(evf_result_json(r));
    check_true("compact: success is an array of 25 members, layout 1",
               cJSON_IsArray(a) && cJSON_GetArraySize(a) == 25 &&
                   cJSON_GetArrayItem(a, 0)->valueint == 1,
               "result: %s", r && evf_result_json(r) ? evf_result_json(r) : "(none)");
    off = cJSON_GetArrayItem(a, 22);
    len = cJSON_GetArrayItem(a, 23);
    check_true("compact: hookData is its byte range in the body",
               cJSON_IsNumber(off) && cJSON_IsNumber(len) && off->valueint >= 0 &&
                   (size_t)(off->valueint + len->valueint) <= blen &&
                   len->valueint == (int)strlen("{\"cart\":17}") &&
                   memcmp(BODY + off->valueint, "{\"cart\":17}", (size_t)len->valueint) == 0,
               "offset %d length %d", off ? off->valueint : -1, len ? len->valueint : -1);
    check_true("compact: eventId and outcome at their places",
               cJSON_IsString(cJSON_GetArrayItem(a, 5)) && cJSON_IsString(cJSON_GetArrayItem(a, 19)) &&
                   strcmp(cJSON_GetArrayItem(a, 5)->valuestring,
                          "c2949dfe-4585-46eb-9213-35f0f7faf055") == 0 &&
                   strcmp(cJSON_GetArrayItem(a, 19)->valuestring, "paid") == 0,
               "result: %s", r && evf_result_json(r) ? evf_result_json(r) : "(none)");
    cJSON_Delete(a);
    evf_result_free(r);
    check_result("compact: an error is the usual object",
                 evf_verifier_process(v, BODY, blen - 1, hdr, strlen(hdr), NOW_MS),
                 EVF_ERR_SIGNATURE_MISMATCH, NULL, "message");
    evf_verifier_free(v);
    free(hdr);
}

/* evf_verifier_process_into: the same JSON as evf_verifier_process, in the caller's buffer. */
static void check_process_into_case(const char *label, const evf_verifier *v, const char *body,
                                    size_t body_len, const char *hdr, size_t hdr_len)
{
    char buf[4096], small[4096];
    evf_result *r = evf_verifier_process(v, body, body_len, hdr, hdr_len, NOW_MS);
    const char *want = r ? evf_result_json(r) : NULL;
    size_t want_len = r ? evf_result_json_len(r) : 0;
    size_t got = evf_verifier_process_into(v, body, body_len, hdr, hdr_len, NOW_MS, buf, sizeof buf);
    check_true(label, want && got == want_len && got <= sizeof buf && memcmp(buf, want, got) == 0,
               "want %s, got %zu bytes: %.*s", want ? want : "(none)", got,
               (int)(got <= sizeof buf ? got : 0), buf);
    /* Too small a buffer: the length, and not one byte written. */
    memset(small, '#', sizeof small);
    got = evf_verifier_process_into(v, body, body_len, hdr, hdr_len, NOW_MS, small, want_len - 1);
    check_true("process_into: a short buffer gets the length and no byte",
               got == want_len && small[0] == '#' && small[want_len - 1] == '#', "got %zu of %zu", got,
               want_len);
    got = evf_verifier_process_into(v, body, body_len, hdr, hdr_len, NOW_MS, small, want_len);
    check_true("process_into: a buffer of exactly the length gets the JSON",
               got == want_len && want && memcmp(small, want, want_len) == 0 && small[want_len] == '#',
               "got %zu of %zu", got, want_len);
    got = evf_verifier_process_into(v, body, body_len, hdr, hdr_len, NOW_MS, NULL, 0);
    check_true("process_into: NULL with capacity 0 gets the length", got == want_len, "got %zu of %zu",
               got, want_len);
    evf_result_free(r);
}

static void check_process_into(void)
{
    size_t blen = strlen(BODY);
    char *hdr = make_header(BODY, blen, TS, SECRETS);
    evf_verifier *v = NULL, *compact = NULL;
    if (!hdr || evf_verifier_new(OPTIONS, strlen(OPTIONS), &v) != EVF_OK ||
        evf_verifier_new(COMPACT_OPTIONS, strlen(COMPACT_OPTIONS), &compact) != EVF_OK) {
        check_true("process_into: setup", 0, "header or verifiers could not be made");
    } else {
        check_process_into_case("process_into: success, as evf_verifier_process", v, BODY, blen, hdr,
                                strlen(hdr));
        check_process_into_case("process_into: compact success, as evf_verifier_process", compact,
                                BODY, blen, hdr, strlen(hdr));
        check_process_into_case("process_into: an error, as evf_verifier_process", v, BODY, blen - 1,
                                hdr, strlen(hdr));
        check_process_into_case("process_into: a NULL verifier is NULL_ARGUMENT", NULL, BODY, blen,
                                hdr, strlen(hdr));
        check_process_into_case("process_into: a NULL body with a length is NULL_ARGUMENT", v, NULL,
                                blen, hdr, strlen(hdr));
        /* A NULL out with a capacity is NULL_ARGUMENT, whose result has nowhere to go: 0 (a result
         * is never empty), and nothing processed. */
        check_true("process_into: NULL out with capacity 4096 returns 0",
                   evf_verifier_process_into(v, BODY, blen, hdr, strlen(hdr), NOW_MS, NULL, 4096) == 0,
                   "a length was returned for a buffer that does not exist");
        check_true("process_into: NULL out with capacity 1 returns 0",
                   evf_verifier_process_into(compact, BODY, blen, hdr, strlen(hdr), NOW_MS, NULL, 1) == 0,
                   "a length was returned for a buffer that does not exist");
        check_true("process_into: NULL out with capacity SIZE_MAX returns 0",
                   evf_verifier_process_into(NULL, NULL, 1, NULL, 1, NOW_MS, NULL, (size_t)-1) == 0,
                   "a length was returned for a buffer that does not exist");
    }
    evf_verifier_free(v);
    evf_verifier_free(compact);
    free(hdr);
}

void run_api_checks(void)
{
    check_versions();
    check_status_names();
    check_null_arguments();
    check_unterminated();
    check_compact();
    check_process_into();
}
