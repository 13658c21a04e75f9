/* C test harness for the everifin-webhook C ABI.
 *
 * Links the cdylib through the committed header include/everifin_webhook.h only, and runs:
 *   1. C-only API checks (NULL arguments, status names, versions, unterminated buffers);
 *   2. 8 threads sharing one verifier;
 *   3. every case of every JSON file in tests/vectors, as tests/vectors/README.md describes;
 *   4. a leak check (LeakSanitizer) over all of the above.
 * Usage: harness [VECTOR_FILE_OR_DIR ...]   (default: tests/vectors found from here)
 * The last line of output is "N passed, M failed"; the exit status is non-zero on any failure. */
#include "harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define EVF_HAVE_LSAN 1
#endif

long g_passed = 0;
long g_failed = 0;

/* ---------------------------------------------------------------- strbuf */

void sb_init(strbuf *b)
{
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
}

void sb_free(strbuf *b)
{
    free(b->p);
    sb_init(b);
}

static void sb_reserve(strbuf *b, size_t extra)
{
    if (b->n + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *np;
        while (cap < b->n + extra + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            fprintf(stderr, "harness: out of memory\n");
            exit(2);
        }
        b->p = np;
        b->cap = cap;
    }
}

/* Appends printf output, formatting straight into the buffer (grown and retried once). */
static void sb_vprintf(strbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    int need;
    va_copy(again, ap);
    sb_reserve(b, 256);
    need = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    if (need >= 0 && (size_t)need >= b->cap - b->n) {
        sb_reserve(b, (size_t)need);
        need = vsnprintf(b->p + b->n, b->cap - b->n, fmt, again);
    }
    va_end(again);
    if (need > 0)
        b->n += (size_t)need;
    b->p[b->n] = '\0';
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void sb_quote(strbuf *b, const char *s, size_t n, size_t max)
{
    size_t i, lim = n < max ? n : max;
    if (!s) {
        sb_printf(b, "(NULL)");
        return;
    }
    for (i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            sb_printf(b, "%c", c);
        else if (c == '\\')
            sb_printf(b, "\\\\");
        else
            sb_printf(b, "\\x%02x", c);
    }
    if (lim < n)
        sb_printf(b, "... (%lu bytes in all)", (unsigned long)n);
}

/* ---------------------------------------------------------------- checks */

void record_check(const char *label, const strbuf *why)
{
    if (why->n == 0) {
        g_passed++;
        return;
    }
    g_failed++;
    printf("FAIL %s\n", label);
    {
        /* indent every line of the explanation */
        const char *p = why->p, *end = why->p + why->n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            printf("    %.*s\n", (int)len, p);
            p += len + (nl ? 1 : 0);
        }
    }
    fflush(stdout);
}

void check_true(const char *label, int cond, const char *fmt, ...)
{
    strbuf why;
    sb_init(&why);
    if (!cond) {
        va_list ap;
        va_start(ap, fmt);
        sb_vprintf(&why, fmt, ap);
        va_end(ap);
        if (why.n == 0)
            sb_printf(&why, "check failed");
    }
    record_check(label, &why);
    sb_free(&why);
}

int contains_bytes(const char *hay, size_t h, const char *needle, size_t n)
{
    size_t i;
    if (n == 0 || n > h)
        return 0;
    for (i = 0; i + n <= h; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

/* RFC 3629 UTF-8 (no overlongs, no surrogates, max U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t need;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (i + need >= n)
            return 0;
        {
            size_t k;
            for (k = 1; k <= need; k++) {
                if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
                    return 0;
                cp = (cp << 6) | (s[i + k] & 0x3Fu);
            }
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += need + 1;
    }
    return 1;
}

cJSON *inspect_result(const evf_result *r, strbuf *why)
{
    const char *js;
    size_t jl, sl;
    evf_status st;
    const char *name;
    const char *parse_end = NULL;
    cJSON *o, *ok, *status, *http, *msg;

    if (!r) {
        sb_printf(why, "result is NULL\n");
        return NULL;
    }
    js = evf_result_json(r);
    jl = evf_result_json_len(r);
    st = evf_result_status(r);
    if (!js) {
        sb_printf(why, "evf_result_json returned NULL\n");
        return NULL;
    }
    sl = strlen(js);
    if (sl != jl)
        sb_printf(why, "evf_result_json_len = %lu but strlen(evf_result_json) = %lu\n",
                  (unsigned long)jl, (unsigned long)sl);
    if (!utf8_valid((const unsigned char *)js, sl)) {
        sb_printf(why, "result text is not valid UTF-8: ");
        sb_quote(why, js, sl, 600);
        sb_printf(why, "\n");
    }
    o = cJSON_ParseWithOpts(js, &parse_end, 1);
    if (!o || !cJSON_IsObject(o)) {
        sb_printf(why, "result is not one JSON object: ");
        sb_quote(why, js, sl, 600);
        sb_printf(why, "\n");
        cJSON_Delete(o);
        return NULL;
    }
    {
        /* no key twice at the top level */
        const cJSON *a, *b;
        for (a = o->child; a; a = a->next)
            for (b = a->next; b; b = b->next)
                if (a->string && b->string && strcmp(a->string, b->string) == 0)
                    sb_printf(why, "result has key \"%s\" twice\n", a->string);
    }
    ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
    status = cJSON_GetObjectItemCaseSensitive(o, "status");
    http = cJSON_GetObjectItemCaseSensitive(o, "httpStatus");
    msg = cJSON_GetObjectItemCaseSensitive(o, "message");
    if (!cJSON_IsBool(ok))
        sb_printf(why, "result \"ok\" is missing or not a boolean\n");
    if (!cJSON_IsString(status))
        sb_printf(why, "result \"status\" is missing or not a string\n");
    if (!cJSON_IsNumber(http) || http->valuedouble != (double)(int)http->valuedouble)
        sb_printf(why, "result \"httpStatus\" is missing or not an integer\n");

    name = evf_status_name(st);
    if (!name) {
        sb_printf(why, "evf_status_name(%ld) returned NULL\n", (long)st);
    } else if (cJSON_IsString(status) && strcmp(name, status->valuestring) != 0) {
        sb_printf(why, "evf_result_status = %ld (%s) but the result's \"status\" is \"%s\"\n",
                  (long)st, name, status->valuestring);
    }
    if (cJSON_IsNumber(http) && evf_status_http_status(st) != (int32_t)http->valuedouble)
        sb_printf(why, "evf_status_http_status(%ld) = %ld but the result's \"httpStatus\" is %d\n",
                  (long)st, (long)evf_status_http_status(st), (int)http->valuedouble);
    if (cJSON_IsBool(ok) && (cJSON_IsTrue(ok) ? 1 : 0) != (st == EVF_OK ? 1 : 0))
        sb_printf(why, "\"ok\" is %s but evf_result_status is %ld\n",
                  cJSON_IsTrue(ok) ? "true" : "false", (long)st);
    if (st != EVF_OK) {
        if (!cJSON_IsString(msg) || msg->valuestring[0] == '\0')
            sb_printf(why, "failure without a non-empty \"message\"\n");
    }
    if (st == EVF_ERR_EVENT_INVALID &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "field")))
        sb_printf(why, "EVENT_INVALID without a string \"field\"\n");
    return o;
}

/* ---------------------------------------------------------------- files */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Runs every *.json of a directory, sorted by name. Returns the number of files run. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int count = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        /* statuses.json is the status table, not a case file */
        if (!ends_with(e->d_name, ".json") || strcmp(e->d_name, "statuses.json") == 0)
            continue;
        if (n == cap) {
            char **nn;
            cap = cap ? cap * 2 : 16;
            nn = realloc(names, cap * sizeof *names);
            if (!nn)
                exit(2);
            names = nn;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n])
            exit(2);
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++) {
        count += run_vector_file(names[i]);
        free(names[i]);
    }
    free(names);
    return count;
}

/* tests/vectors next to this source file (tests/c/../vectors), else relative to the cwd. */
static const char *find_vectors_dir(char *buf, size_t cap)
{
    const char *env = getenv("EVF_VECTORS_DIR");
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    static const char *const rel[] = {"tests/vectors", "../vectors", "../../tests/vectors"};
    size_t i;
    if (env && is_dir(env))
        return env;
    if (slash && (size_t)(slash - src) + 12 < cap) {
        sprintf(buf, "%.*s/../vectors", (int)(slash - src), src);
        if (is_dir(buf))
            return buf;
    }
    for (i = 0; i < sizeof rel / sizeof rel[0]; i++)
        if (is_dir(rel[i]))
            return rel[i];
    return NULL;
}

int main(int argc, char **argv)
{
    int files = 0, i;
    int only_vectors = 0;
    char buf[4096];

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--vectors-only") == 0)
            only_vectors = 1;

    if (!only_vectors) {
        long p0 = g_passed, f0 = g_failed;
        run_api_checks();
        printf("C API checks: %ld passed, %ld failed\n", g_passed - p0, g_failed - f0);
        p0 = g_passed;
        f0 = g_failed;
        run_thread_checks();
        printf("thread checks: %ld passed, %ld failed\n", g_passed - p0, g_failed - f0);
    }

    if (argc > 1 + only_vectors) {
        for (i = 1; i < argc; i++) {
            if (strcmp(argv[i], "--vectors-only") == 0)
                continue;
            if (is_dir(argv[i]))
                files += run_dir(argv[i]);
            else
                files += run_vector_file(argv[i]);
        }
    } else {
        const char *dir = find_vectors_dir(buf, sizeof buf);
        if (dir)
            files += run_dir(dir);
    }
    check_true("vector files: at least one tests/vectors JSON file was run", files > 0,
               "no vector file found (give the path of tests/vectors as an argument)");

#ifdef EVF_HAVE_LSAN
    /* Everything above freed what it allocated; a leak here is the library's or the harness's. */
    check_true("LeakSanitizer: no leaks after all checks", __lsan_do_recoverable_leak_check() == 0,
               "LeakSanitizer reported leaks (see the report above)");
#endif

    printf("%ld passed, %ld failed\n", g_passed, g_failed);
    fflush(stdout);
    return g_failed ? 1 : 0;
}
