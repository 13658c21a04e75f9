/* Runs the shared test vectors (tests/vectors/README.md) through the C ABI.
 * One check per case; a failed case prints its file/name and every difference found. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An input for one ABI argument: bytes in an exactly sized heap block (no NUL after them, so
 * AddressSanitizer's redzone sits right behind the last byte). */
typedef struct {
    char *p;
    size_t n;
} bytes;

static const char EMPTY[1] = {0};

static void bytes_free(bytes *b)
{
    if (b->p && b->p != EMPTY)
        free(b->p);
    b->p = NULL;
    b->n = 0;
}

/* Takes ownership of a malloc'd buffer of n bytes, re-allocating it to exactly n bytes. */
static bytes bytes_exact(char *buf, size_t n)
{
    bytes b;
    if (n == 0) {
        free(buf);
        b.p = (char *)EMPTY; /* a valid pointer with length 0: the empty input */
        b.n = 0;
        return b;
    }
    b.p = malloc(n);
    if (!b.p) {
        fprintf(stderr, "harness: out of memory\n");
        exit(2);
    }
    memcpy(b.p, buf, n);
    free(buf);
    b.n = n;
    return b;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        size_t got;
        if (cap - n < 65536) {
            char *nb;
            cap = cap ? cap * 2 : 1 << 20;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* `key` as a compactly serialized JSON value, or `rawkey` as the exact text. present = 0 when
 * neither is given (the input is then empty). Returns 0 on a broken vector (reason in why). */
static int json_input(jspan cs, const char *key, const char *rawkey, bytes *in, int *present,
                      strbuf *why)
{
    jspan v, raw;
    int has_v = span_member(cs, key, &v);
    int has_raw = span_member(cs, rawkey, &raw);
    in->p = (char *)EMPTY;
    in->n = 0;
    *present = 0;
    if (has_v && has_raw) {
        sb_printf(why, "broken vector: both \"%s\" and \"%s\"\n", key, rawkey);
        return 0;
    }
    if (has_v) {
        size_t n;
        char *c = span_compact(v, &n);
        if (!c)
            exit(2);
        *in = bytes_exact(c, n);
        *present = 1;
    } else if (has_raw) {
        char *s;
        size_t n;
        if (!span_string(raw, &s, &n)) {
            sb_printf(why, "broken vector: \"%s\" is not a string\n", rawkey);
            return 0;
        }
        *in = bytes_exact(s, n);
        *present = 1;
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses a JSON integer from its exact text (no fraction, no exponent). */
static int span_int64(jspan s, long long *out)
{
    char tmp[32];
    char *end;
    size_t i;
    if (s.n == 0 || s.n >= sizeof tmp)
        return 0;
    for (i = 0; i < s.n; i++)
        if (!((s.p[i] >= '0' && s.p[i] <= '9') || (i == 0 && s.p[i] == '-')))
            return 0;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    errno = 0;
    *out = strtoll(tmp, &end, 10);
    return errno == 0 && *end == '\0';
}

/* BODY: exactly one of body / bodyHex / bodyParts. */
static int body_input(jspan cs, bytes *in, strbuf *why)
{
    jspan b, h, parts;
    int has_b = span_member(cs, "body", &b);
    int has_h = span_member(cs, "bodyHex", &h);
    int has_p = span_member(cs, "bodyParts", &parts);
    in->p = (char *)EMPTY;
    in->n = 0;
    if (has_b + has_h + has_p != 1) {
        sb_printf(why, "broken vector: needs exactly one of body, bodyHex, bodyParts (has %d)\n",
                  has_b + has_h + has_p);
        return 0;
    }
    if (has_b) {
        char *s;
        size_t n;
        if (!span_string(b, &s, &n)) {
            sb_printf(why, "broken vector: \"body\" is not a string\n");
            return 0;
        }
        *in = bytes_exact(s, n);
        return 1;
    }
    if (has_h) {
        char *s = NULL, *out;
        size_t n = 0, i;
        if (!span_string(h, &s, &n) || n % 2 != 0) {
            sb_printf(why, "broken vector: \"bodyHex\" is not a string of hex pairs\n");
            free(s);
            return 0;
        }
        out = malloc(n / 2 + 1);
        if (!out)
            exit(2);
        for (i = 0; i < n; i += 2) {
            int hi = hexval(s[i]), lo = hexval(s[i + 1]);
            if (hi < 0 || lo < 0) {
                sb_printf(why, "broken vector: \"bodyHex\" has a non-hex digit\n");
                free(s);
                free(out);
                return 0;
            }
            out[i / 2] = (char)(hi * 16 + lo);
        }
        free(s);
        *in = bytes_exact(out, n / 2);
        return 1;
    }
    {
        size_t count = span_array_len(parts), i, total = 0, cap = 1024;
        char *out = malloc(cap);
        if (!out)
            exit(2);
        if (parts.n == 0 || parts.p[0] != '[') {
            sb_printf(why, "broken vector: \"bodyParts\" is not an array\n");
            free(out);
            return 0;
        }
        for (i = 0; i < count; i++) {
            jspan item, rep, times;
            char *s = NULL;
            size_t n = 0;
            long long t = 1, k;
            span_array_item(parts, i, &item);
            if (item.p[0] == '"') {
                if (!span_string(item, &s, &n))
                    goto bad_part;
            } else if (item.p[0] == '{' && span_member(item, "repeat", &rep) &&
                       span_member(item, "times", &times) && span_string(rep, &s, &n)) {
                if (!span_int64(times, &t) || t < 0) {
                    free(s);
                    goto bad_part;
                }
            } else {
                goto bad_part;
            }
            for (k = 0; k < t; k++) {
                if (total + n + 1 > cap) {
                    char *nb;
                    while (total + n + 1 > cap)
                        cap *= 2;
                    nb = realloc(out, cap);
                    if (!nb)
                        exit(2);
                    out = nb;
                }
                memcpy(out + total, s, n);
                total += n;
            }
            free(s);
            continue;
        bad_part:
            sb_printf(why, "broken vector: bodyParts[%lu] is neither a string nor "
                           "{\"repeat\": STRING, \"times\": N}\n", (unsigned long)i);
            free(out);
            return 0;
        }
        *in = bytes_exact(out, total);
        return 1;
    }
}

/* A string input; absent = empty. */
static int string_input(jspan cs, const char *key, bytes *in, strbuf *why)
{
    jspan v;
    in->p = (char *)EMPTY;
    in->n = 0;
    if (span_member(cs, key, &v)) {
        char *s;
        size_t n;
        if (!span_string(v, &s, &n)) {
            sb_printf(why, "broken vector: \"%s\" is not a string\n", key);
            return 0;
        }
        *in = bytes_exact(s, n);
    }
    return 1;
}

/* ------------------------------------------------------------ secrets */

typedef struct {
    char **s;
    size_t n;
} secret_list;

static void secrets_add_array(secret_list *l, const cJSON *arr)
{
    const cJSON *it;
    if (!cJSON_IsArray(arr))
        return;
    cJSON_ArrayForEach(it, arr)
    {
        char **ns;
        if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
            continue;
        ns = realloc(l->s, (l->n + 1) * sizeof *ns);
        if (!ns)
            exit(2);
        l->s = ns;
        l->s[l->n] = malloc(strlen(it->valuestring) + 1);
        if (!l->s[l->n])
            exit(2);
        strcpy(l->s[l->n], it->valuestring);
        l->n++;
    }
}

static void secrets_free(secret_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    l->s = NULL;
    l->n = 0;
}

/* The case's secrets: options.secrets, secrets, and the "secrets" array of an optionsRaw /
 * secretsRaw text when it parses (a malformed-options message must not echo a secret either). */
static void collect_secrets(const cJSON *c, secret_list *l)
{
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(c, "options");
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(c, "optionsRaw");
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(c, "secrets");
    const cJSON *sraw = cJSON_GetObjectItemCaseSensitive(c, "secretsRaw");
    if (cJSON_IsObject(opt))
        secrets_add_array(l, cJSON_GetObjectItemCaseSensitive(opt, "secrets"));
    secrets_add_array(l, sec);
    if (cJSON_IsString(raw)) {
        cJSON *p = cJSON_Parse(raw->valuestring);
        if (cJSON_IsObject(p))
            secrets_add_array(l, cJSON_GetObjectItemCaseSensitive(p, "secrets"));
        cJSON_Delete(p);
    }
    if (cJSON_IsString(sraw)) {
        cJSON *p = cJSON_Parse(sraw->valuestring);
        secrets_add_array(l, p);
        cJSON_Delete(p);
    }
}

/* Returns 1 when a secret leaked (the result text must then not be printed). */
static int check_no_secret(const secret_list *l, const char *js, size_t jl, strbuf *why)
{
    size_t i;
    int any = 0;
    for (i = 0; i < l->n; i++) {
        const char *s = l->s[i];
        size_t n = strlen(s);
        int leaked = contains_bytes(js, jl, s, n);
        if (!leaked) {
            /* also as it would look JSON-escaped inside the result */
            cJSON *str = cJSON_CreateString(s);
            char *esc = str ? cJSON_PrintUnformatted(str) : NULL;
            if (esc && strlen(esc) > 2)
                leaked = contains_bytes(js, jl, esc + 1, strlen(esc) - 2);
            cJSON_free(esc);
            cJSON_Delete(str);
        }
        if (leaked) {
            sb_printf(why, "SECRET LEAK: secret #%lu of the case appears in the result text\n",
                      (unsigned long)i);
            any = 1;
        }
    }
    return any;
}

/* ------------------------------------------------------------ comparing */

/* Exact JSON equality with cJSON_Compare's semantics (case-sensitive keys, member order ignored,
 * cJSON's number comparison). cJSON_Compare itself checks object members in both directions
 * recursively, which doubles the work per nesting level: a 60-deep hookData never finishes. This
 * walks containers once and leaves scalars to cJSON_Compare. */
static int json_equal(const cJSON *a, const cJSON *b)
{
    const cJSON *x, *y;
    if (!a || !b)
        return 0;
    if (cJSON_IsArray(a) || cJSON_IsArray(b)) {
        if (!cJSON_IsArray(a) || !cJSON_IsArray(b))
            return 0;
        for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return 0;
        return x == NULL && y == NULL;
    }
    if (cJSON_IsObject(a) || cJSON_IsObject(b)) {
        if (!cJSON_IsObject(a) || !cJSON_IsObject(b))
            return 0;
        for (x = a->child; x; x = x->next)
            if (!json_equal(x, cJSON_GetObjectItemCaseSensitive(b, x->string)))
                return 0;
        for (y = b->child; y; y = y->next)
            if (!cJSON_GetObjectItemCaseSensitive(a, y->string))
                return 0;
        return 1;
    }
    return cJSON_Compare(a, b, 1);
}

static void print_value(strbuf *why, const cJSON *v)
{
    char *t;
    if (!v) {
        sb_printf(why, "(absent)");
        return;
    }
    t = cJSON_PrintUnformatted(v);
    if (t) {
        sb_quote(why, t, strlen(t), 1500);
        cJSON_free(t);
    }
}

static void compare_member(const cJSON *expect, const cJSON *res, const char *key, strbuf *why)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(expect, key);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(res, key);
    if (!e)
        return;
    if (cJSON_IsNull(e) && !a)
        return; /* expected null: absent is the same answer */
    if (!a || !json_equal(e, a)) {
        sb_printf(why, "%s differs\n      expected: ", key);
        print_value(why, e);
        sb_printf(why, "\n      actual:   ");
        print_value(why, a);
        sb_printf(why, "\n");
        /* name the differing members of objects, which is quicker to read */
        if (a && cJSON_IsObject(e) && cJSON_IsObject(a)) {
            const cJSON *x;
            for (x = e->child; x; x = x->next) {
                const cJSON *y = cJSON_GetObjectItemCaseSensitive(a, x->string);
                if (!y || !json_equal(x, y)) {
                    sb_printf(why, "      %s.%s: expected ", key, x->string);
                    print_value(why, x);
                    sb_printf(why, ", actual ");
                    print_value(why, y);
                    sb_printf(why, "\n");
                }
            }
            for (x = a->child; x; x = x->next)
                if (!cJSON_GetObjectItemCaseSensitive(e, x->string))
                    sb_printf(why, "      %s.%s: not expected but present\n", key, x->string);
        }
    }
}

static const char *const KNOWN_CASE_KEYS[] = {
    "name", "function", "description", "comment", "note", "options", "optionsRaw", "body",
    "bodyHex", "bodyParts", "header", "nowMs", "event", "eventRaw", "state", "stateRaw",
    "timestamp", "secrets", "secretsRaw", "expect", NULL};
static const char *const KNOWN_EXPECT_KEYS[] = {"status", "httpStatus", "field", "event",
                                                "signature", "decision", "state", "header",
                                                "resultContains", "compact", NULL};

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* Key order that docs/behaviour.md fixes (value equality cannot see it):
 * - decide's new state: status, entity, entityId, outcome, final, lastEventId,
 *   lastEventTimestampMs, recentEventIds, then unknown keys (section 6);
 * - event.suggested: woocommerce, prestashop, then added platforms in the order the options give
 *   them (section 3), i.e. the order of the expected object in the vector. */
static void check_key_order(const cJSON *expect, const cJSON *res, strbuf *why)
{
    static const char *const STATE_KEYS[] = {"status", "entity", "entityId", "outcome", "final",
                                             "lastEventId", "lastEventTimestampMs",
                                             "recentEventIds"};
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(res, "state");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(res, "event");
    const cJSON *eev = cJSON_GetObjectItemCaseSensitive(expect, "event");
    if (cJSON_IsObject(st)) {
        const cJSON *x = st->child;
        size_t i;
        for (i = 0; i < sizeof STATE_KEYS / sizeof STATE_KEYS[0]; i++, x = x ? x->next : NULL) {
            if (!x || !x->string || strcmp(x->string, STATE_KEYS[i]) != 0) {
                sb_printf(why, "state key order: key %lu should be \"%s\", is \"%s\"\n",
                          (unsigned long)i, STATE_KEYS[i], x && x->string ? x->string : "(none)");
                break;
            }
        }
    }
    if (cJSON_IsObject(ev) && cJSON_IsObject(eev)) {
        const cJSON *sug = cJSON_GetObjectItemCaseSensitive(ev, "suggested");
        const cJSON *esug = cJSON_GetObjectItemCaseSensitive(eev, "suggested");
        if (cJSON_IsObject(sug) && cJSON_IsObject(esug) && json_equal(sug, esug)) {
            const cJSON *x, *y;
            for (x = sug->child, y = esug->child; x && y; x = x->next, y = y->next)
                if (strcmp(x->string, y->string) != 0) {
                    sb_printf(why, "event.suggested key order differs from the expected "
                                   "object (\"%s\" where \"%s\" was expected)\n",
                              x->string, y->string);
                    break;
                }
        }
    }
}

/* Compares the result with `expect` as tests/vectors/README.md says. */
static void check_expect(const cJSON *expect, const evf_result *r, const cJSON *res, strbuf *why)
{
    const cJSON *es = cJSON_GetObjectItemCaseSensitive(expect, "status");
    const cJSON *eh = cJSON_GetObjectItemCaseSensitive(expect, "httpStatus");
    const cJSON *ef = cJSON_GetObjectItemCaseSensitive(expect, "field");
    const cJSON *esig = cJSON_GetObjectItemCaseSensitive(expect, "signature");
    const cJSON *x;
    const char *st_name = evf_status_name(evf_result_status(r));

    if (!cJSON_IsString(es) || !cJSON_IsNumber(eh)) {
        sb_printf(why, "broken vector: expect needs \"status\" (string) and \"httpStatus\"\n");
        return;
    }
    for (x = expect->child; x; x = x->next)
        if (x->string && !in_list(x->string, KNOWN_EXPECT_KEYS))
            fprintf(stderr, "warning: unknown expect key \"%s\" is not checked\n", x->string);

    if (!st_name || strcmp(st_name, es->valuestring) != 0)
        sb_printf(why, "status: expected %s, got %s (evf_result_status %ld)\n", es->valuestring,
                  st_name ? st_name : "(NULL)", (long)evf_result_status(r));
    if (res) {
        const cJSON *rs = cJSON_GetObjectItemCaseSensitive(res, "status");
        const cJSON *rh = cJSON_GetObjectItemCaseSensitive(res, "httpStatus");
        const cJSON *rok = cJSON_GetObjectItemCaseSensitive(res, "ok");
        int want_ok = strcmp(es->valuestring, "OK") == 0;
        if (!cJSON_IsString(rs) || strcmp(rs->valuestring, es->valuestring) != 0)
            sb_printf(why, "result \"status\": expected %s, got %s\n", es->valuestring,
                      cJSON_IsString(rs) ? rs->valuestring : "(not a string)");
        if (!cJSON_IsNumber(rh) || rh->valuedouble != eh->valuedouble)
            sb_printf(why, "httpStatus: expected %g, got %g\n", eh->valuedouble,
                      cJSON_IsNumber(rh) ? rh->valuedouble : -1.0);
        if (!cJSON_IsBool(rok) || (cJSON_IsTrue(rok) ? 1 : 0) != want_ok)
            sb_printf(why, "ok: expected %s\n", want_ok ? "true" : "false");
        if (ef) {
            const cJSON *rf = cJSON_GetObjectItemCaseSensitive(res, "field");
            if (!rf || !json_equal(ef, rf)) {
                sb_printf(why, "field: expected ");
                print_value(why, ef);
                sb_printf(why, ", got ");
                print_value(why, rf);
                sb_printf(why, "\n");
            }
        }
        compare_member(expect, res, "event", why);
        compare_member(expect, res, "decision", why);
        compare_member(expect, res, "state", why);
        compare_member(expect, res, "header", why);
        if (esig) {
            if (cJSON_IsNull(esig)) {
                const cJSON *rsig = cJSON_GetObjectItemCaseSensitive(res, "signature");
                if (rsig) {
                    sb_printf(why, "signature: expected none, got ");
                    print_value(why, rsig);
                    sb_printf(why, "\n");
                }
            } else {
                compare_member(expect, res, "signature", why);
            }
        }
        check_key_order(expect, res, why);
        {
            /* Text the result must contain verbatim (unknown state keys are kept byte-exact). */
            const cJSON *rc = cJSON_GetObjectItemCaseSensitive(expect, "resultContains");
            const char *text = evf_result_json(r);
            for (x = rc ? rc->child : NULL; x; x = x->next)
                if (!cJSON_IsString(x) || !text || !strstr(text, x->valuestring))
                    sb_printf(why, "the result text does not contain %s\n",
                              cJSON_IsString(x) ? x->valuestring : "(not a string)");
        }
        if (!want_ok) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(res, "message");
            if (!cJSON_IsString(m) || m->valuestring[0] == '\0')
                sb_printf(why, "failure without a non-empty message\n");
        }
    }
}

/* The compact process result (option compactResult, expect.compact): the result is exactly that
 * array (a success; failures stay the object and are checked by check_expect). */
static void check_compact(const cJSON *want, const evf_result *r, strbuf *why)
{
    const char *js = evf_result_json(r);
    size_t jl = evf_result_json_len(r);
    const char *st_name = evf_status_name(evf_result_status(r));
    const char *parse_end = NULL;
    cJSON *got;
    if (!st_name || strcmp(st_name, "OK") != 0)
        sb_printf(why, "status: expected OK, got %s\n", st_name ? st_name : "(NULL)");
    if (!js || strlen(js) != jl) {
        sb_printf(why, "evf_result_json is NULL or its length is not evf_result_json_len\n");
        return;
    }
    got = cJSON_ParseWithOpts(js, &parse_end, 1);
    if (!cJSON_IsArray(got) || !json_equal(want, got)) {
        sb_printf(why, "compact differs\n      expected: ");
        print_value(why, want);
        sb_printf(why, "\n");
    }
    cJSON_Delete(got);
}

/* ------------------------------------------------------------ one case */

static void run_case(const char *file, const cJSON *c, jspan cs)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
    const cJSON *fn = cJSON_GetObjectItemCaseSensitive(c, "function");
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
    const char *base = strrchr(file, '/');
    char label[1024];
    strbuf why;
    evf_result *r = NULL;
    cJSON *res = NULL;
    bytes body = {NULL, 0}, a = {NULL, 0}, b = {NULL, 0};
    int present;
    secret_list secrets = {NULL, 0};
    const cJSON *x;
    int leaked = 0;

    sb_init(&why);
    snprintf(label, sizeof label, "%s / %s", base ? base + 1 : file,
             cJSON_IsString(name) ? name->valuestring : "(case without a name)");
    if (!cJSON_IsString(name))
        sb_printf(&why, "broken vector: case without a string \"name\"\n");
    if (!cJSON_IsString(fn) || !cJSON_IsObject(expect)) {
        sb_printf(&why, "broken vector: needs \"function\" (string) and \"expect\" (object)\n");
        goto done;
    }
    for (x = c->child; x; x = x->next)
        if (x->string && !in_list(x->string, KNOWN_CASE_KEYS))
            fprintf(stderr, "warning: %s: unknown case key \"%s\" is ignored\n", label,
                    x->string);

    if (strcmp(fn->valuestring, "process") == 0) {
        evf_verifier *v = NULL;
        evf_status vs;
        evf_result *oc;
        jspan now_span;
        long long now = 0;
        if (!json_input(cs, "options", "optionsRaw", &a, &present, &why) ||
            !body_input(cs, &body, &why) || !string_input(cs, "header", &b, &why))
            goto done;
        if (!span_member(cs, "nowMs", &now_span) || !span_int64(now_span, &now) || now == 0) {
            sb_printf(&why, "broken vector: \"nowMs\" must be a non-zero integer\n");
            goto done;
        }
        vs = evf_verifier_new(a.p, a.n, &v);
        oc = evf_options_check(a.p, a.n);
        if (!oc) {
            sb_printf(&why, "evf_options_check returned NULL\n");
        } else if (evf_result_status(oc) != vs) {
            sb_printf(&why, "evf_verifier_new gave %s but evf_options_check gives %s\n",
                      evf_status_name(vs), evf_status_name(evf_result_status(oc)));
        }
        if (vs != EVF_OK) {
            const cJSON *es = cJSON_GetObjectItemCaseSensitive(expect, "status");
            const char *vn = evf_status_name(vs);
            if (v != NULL) {
                sb_printf(&why, "evf_verifier_new failed (%s) but set *out\n", vn);
                evf_verifier_free(v);
            }
            /* the creation status is the case's outcome ... */
            if (!vn || !cJSON_IsString(es) || strcmp(vn, es->valuestring) != 0)
                sb_printf(&why, "status: expected %s, evf_verifier_new gave %s\n",
                          cJSON_IsString(es) ? es->valuestring : "?", vn ? vn : "(NULL)");
            /* ... and evf_options_check gives the result object to check (message, leaks) */
            if (oc && evf_result_status(oc) == vs) {
                r = oc;
                oc = NULL;
            }
        } else {
            if (!v) {
                sb_printf(&why, "evf_verifier_new returned OK but no verifier\n");
                evf_result_free(oc);
                goto done;
            }
            r = evf_verifier_process(v, body.p, body.n, b.p, b.n, (int64_t)now);
            evf_verifier_free(v);
        }
        evf_result_free(oc);
    } else if (strcmp(fn->valuestring, "normalize") == 0) {
        if (!body_input(cs, &body, &why) ||
            !json_input(cs, "options", "optionsRaw", &a, &present, &why))
            goto done;
        r = evf_normalize(body.p, body.n, a.p, a.n);
    } else if (strcmp(fn->valuestring, "decide") == 0) {
        if (!json_input(cs, "event", "eventRaw", &a, &present, &why) ||
            !json_input(cs, "state", "stateRaw", &b, &present, &why))
            goto done;
        r = evf_decide(a.p, a.n, b.p, b.n);
    } else if (strcmp(fn->valuestring, "sign") == 0) {
        bytes sec = {NULL, 0};
        if (!body_input(cs, &body, &why) || !string_input(cs, "timestamp", &a, &why) ||
            !json_input(cs, "secrets", "secretsRaw", &sec, &present, &why)) {
            bytes_free(&sec);
            goto done;
        }
        r = evf_sign(body.p, body.n, a.p, a.n, sec.p, sec.n);
        bytes_free(&sec);
    } else {
        sb_printf(&why, "broken vector: unknown function \"%s\"\n", fn->valuestring);
        goto done;
    }

    if (!r) {
        if (why.n == 0)
            sb_printf(&why, "result is NULL\n");
        goto done;
    }
    if (cJSON_GetObjectItemCaseSensitive(expect, "compact")) {
        check_compact(cJSON_GetObjectItemCaseSensitive(expect, "compact"), r, &why);
    } else {
        res = inspect_result(r, &why);
        check_expect(expect, r, res, &why);
    }
    if (strcmp(fn->valuestring, "sign") != 0) {
        collect_secrets(c, &secrets);
        leaked = check_no_secret(&secrets, evf_result_json(r), evf_result_json_len(r), &why);
    }
    if (leaked) {
        sb_printf(&why, "result: (not printed: it contains a secret)\n");
    } else if (why.n) {
        const char *js = evf_result_json(r);
        sb_printf(&why, "result: ");
        if (js)
            sb_quote(&why, js, strlen(js), 2000);
        sb_printf(&why, "\n");
    }

done:
    record_check(label, &why);
    sb_free(&why);
    cJSON_Delete(res);
    evf_result_free(r);
    bytes_free(&body);
    bytes_free(&a);
    bytes_free(&b);
    secrets_free(&secrets);
}

/* ------------------------------------------------------------ one file */

int run_vector_file(const char *path)
{
    size_t len, i, ncases;
    char *text = read_file(path, &len);
    cJSON *doc, *cases;
    jspan top, cspan;
    char label[1024];
    long failed_before;

    snprintf(label, sizeof label, "%s: readable vector file", path);
    if (!text) {
        check_true(label, 0, "cannot read %s", path);
        return 0;
    }
    doc = cJSON_ParseWithLength(text, len);
    if (doc && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "statuses")) &&
        !cJSON_GetObjectItemCaseSensitive(doc, "cases")) {
        /* tests/vectors/statuses.json: the one status table, not a case file. */
        check_status_table(doc, path);
        cJSON_Delete(doc);
        free(text);
        return 1;
    }
    cases = doc ? cJSON_GetObjectItemCaseSensitive(doc, "cases") : NULL;
    if (!cJSON_IsArray(cases) || !span_value(text, len, &top) ||
        !span_member(top, "cases", &cspan) ||
        span_array_len(cspan) != (size_t)cJSON_GetArraySize(cases)) {
        check_true(label, 0, "%s is not an object with a \"cases\" array (or not valid JSON)",
                   path);
        cJSON_Delete(doc);
        free(text);
        return 1;
    }
    ncases = span_array_len(cspan);
    failed_before = g_failed;
    {
        /* names must be unique within the file */
        const cJSON *p, *q;
        strbuf why;
        sb_init(&why);
        for (p = cases->child; p; p = p->next) {
            const cJSON *pn = cJSON_GetObjectItemCaseSensitive(p, "name");
            for (q = p->next; q; q = q->next) {
                const cJSON *qn = cJSON_GetObjectItemCaseSensitive(q, "name");
                if (cJSON_IsString(pn) && cJSON_IsString(qn) &&
                    strcmp(pn->valuestring, qn->valuestring) == 0)
                    sb_printf(&why, "case name \"%s\" is used twice\n", pn->valuestring);
            }
        }
        if (ncases == 0)
            sb_printf(&why, "no cases\n");
        snprintf(label, sizeof label, "%s: case names unique, at least one case", path);
        record_check(label, &why);
        sb_free(&why);
    }
    for (i = 0; i < ncases; i++) {
        jspan cs;
        const cJSON *c = cJSON_GetArrayItem(cases, (int)i);
        if (!span_array_item(cspan, i, &cs) || !cJSON_IsObject(c)) {
            snprintf(label, sizeof label, "%s: case #%lu", path, (unsigned long)i);
            check_true(label, 0, "case #%lu is not an object", (unsigned long)i);
            continue;
        }
        run_case(path, c, cs);
    }
    printf("%s: %lu cases, %ld failed\n", path, (unsigned long)ncases, g_failed - failed_before);
    cJSON_Delete(doc);
    free(text);
    return 1;
}
