/* 8 threads share one evf_verifier* and make many process (and decide/normalize) calls on a mix
 * of good and bad requests; every answer must equal, byte for byte, the answer the same call gave
 * on a single thread (which is itself checked for the expected status first). */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_THREADS 8
#define DEFAULT_ITERATIONS 2000

static const char OPTIONS[] =
    "{\"secrets\":[\"shop webhook secret old\",\"shop webhook secret new\"],"
    "\"toleranceSeconds\":300}";
static const char TS[] = "2024-05-07T14:49:55.887Z";
#define TS_MS 1715093395887LL

static const char PAYMENT[] =
    "{\"eventId\":\"4e896aa3-bbba-4a75-a888-06bcfe403c99\",\"eventType\":\"payment.statusChange\","
    "\"eventTimestamp\":\"2023-12-21T20:34:59.895Z\",\"data\":{\"paymentId\":"
    "\"f0489615-fb8a-4c76-bb28-7f9726d815d6\",\"orderId\":\"8840d948-12da-4ca1-8269-3cfdc10b73bc\","
    "\"status\":\"PROCESSING\",\"hookData\":{\"customId\":12341234,\"note\":\"order x54352\"}}}";
static const char REFUND[] =
    "{\"eventId\":\"0b6c1a3e-7d2f-4e59-9a1c-5f3e2d4c6b7a\",\"eventType\":\"payment.statusChange\","
    "\"eventTimestamp\":\"2024-05-07T14:49:55.001Z\",\"data\":{\"refundId\":"
    "\"A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF\",\"status\":\"BOOKED\"}}";
static const char ORDER[] =
    "{\"eventId\":\"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a\",\"eventType\":\"order.statusChange\","
    "\"eventTimestamp\":\"2024-05-07T14:49:54Z\",\"data\":{\"orderId\":"
    "\"8840d948-12da-4ca1-8269-3cfdc10b73bc\",\"status\":\"PAID\",\"externalId\":\"order-1001\"}}";
static const char INVALID_EVENT[] =
    "{\"eventId\":\"not-a-uuid\",\"eventType\":\"payment.statusChange\","
    "\"eventTimestamp\":\"2024-05-07T14:49:55.001Z\",\"data\":{}}";

typedef struct {
    const char *what;
    char *body;
    size_t body_len;
    char *header;
    int64_t now;
    evf_status want;
    char *expect_json; /* single-threaded answer */
} request;

#define N_REQ 10
static request REQ[N_REQ];
static const evf_verifier *SHARED;
static long ITERATIONS = DEFAULT_ITERATIONS;

typedef struct {
    int id;
    long calls;
    long wrong;
    char first_wrong[512];
} worker;

static char *dup_n(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        exit(2);
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

static char *sign_header(const char *body, size_t n, const char *secrets)
{
    evf_result *r = evf_sign(body, n, TS, strlen(TS), secrets, strlen(secrets));
    cJSON *o = r && evf_result_json(r) ? cJSON_Parse(evf_result_json(r)) : NULL;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "header");
    char *out = cJSON_IsString(h) ? dup_n(h->valuestring, strlen(h->valuestring)) : NULL;
    cJSON_Delete(o);
    evf_result_free(r);
    return out;
}

static void add(int i, const char *what, const char *body, size_t n, char *header, int64_t now,
                evf_status want)
{
    REQ[i].what = what;
    REQ[i].body = dup_n(body, n);
    REQ[i].body_len = n;
    REQ[i].header = header ? header : dup_n("", 0);
    REQ[i].now = now;
    REQ[i].want = want;
    REQ[i].expect_json = NULL;
}

static int setup_requests(void)
{
    const char *both = "[\"shop webhook secret old\",\"shop webhook secret new\"]";
    const char *newest = "[\"shop webhook secret new\"]";
    const char *other = "[\"a secret of another shop\"]";
    char *tampered = dup_n(PAYMENT, strlen(PAYMENT));
    char *h;
    int ok = 1, i;

    add(0, "payment signed with both secrets", PAYMENT, strlen(PAYMENT),
        sign_header(PAYMENT, strlen(PAYMENT), both), TS_MS + 113, EVF_OK);
    add(1, "refund signed with the new secret only", REFUND, strlen(REFUND),
        sign_header(REFUND, strlen(REFUND), newest), TS_MS - 2000, EVF_OK);
    add(2, "order event", ORDER, strlen(ORDER), sign_header(ORDER, strlen(ORDER), both),
        TS_MS + 300000, EVF_OK);
    /* same header, one byte of the body changed */
    tampered[strlen(tampered) - 5] = 'X';
    add(3, "tampered body", tampered, strlen(tampered),
        sign_header(PAYMENT, strlen(PAYMENT), both), TS_MS + 113, EVF_ERR_SIGNATURE_MISMATCH);
    add(4, "signed by another shop's secret", PAYMENT, strlen(PAYMENT),
        sign_header(PAYMENT, strlen(PAYMENT), other), TS_MS + 113, EVF_ERR_SIGNATURE_MISMATCH);
    add(5, "authentic but too old", PAYMENT, strlen(PAYMENT),
        sign_header(PAYMENT, strlen(PAYMENT), both), TS_MS + 300001, EVF_ERR_TIMESTAMP_TOO_OLD);
    add(6, "authentic but in the future", PAYMENT, strlen(PAYMENT),
        sign_header(PAYMENT, strlen(PAYMENT), both), TS_MS - 300001,
        EVF_ERR_TIMESTAMP_IN_FUTURE);
    add(7, "malformed header", PAYMENT, strlen(PAYMENT), dup_n("ts=;v0", 6), TS_MS,
        EVF_ERR_HEADER_MALFORMED);
    add(8, "no header", PAYMENT, strlen(PAYMENT), NULL, TS_MS, EVF_ERR_HEADER_MISSING);
    add(9, "authentic but invalid event", INVALID_EVENT, strlen(INVALID_EVENT),
        sign_header(INVALID_EVENT, strlen(INVALID_EVENT), both), TS_MS, EVF_ERR_EVENT_INVALID);
    free(tampered);

    for (i = 0; i < N_REQ; i++) {
        if (!REQ[i].header) {
            check_true("threads: setup signs every request", 0, "evf_sign failed for \"%s\"",
                       REQ[i].what);
            ok = 0;
        }
    }
    if (!ok)
        return 0;
    /* single-threaded reference answers, each checked for its expected status */
    for (i = 0; i < N_REQ; i++) {
        evf_result *r = evf_verifier_process(SHARED, REQ[i].body, REQ[i].body_len, REQ[i].header,
                                             strlen(REQ[i].header), REQ[i].now);
        strbuf why;
        cJSON *o;
        char label[256];
        sb_init(&why);
        o = inspect_result(r, &why);
        if (r && evf_result_status(r) != REQ[i].want)
            sb_printf(&why, "status: expected %s, got %s: %s\n", evf_status_name(REQ[i].want),
                      evf_status_name(evf_result_status(r)), evf_result_json(r));
        h = r && evf_result_json(r) ? dup_n(evf_result_json(r), strlen(evf_result_json(r)))
                                    : NULL;
        REQ[i].expect_json = h;
        if (!h)
            ok = 0;
        snprintf(label, sizeof label, "threads: reference answer for \"%s\" is %s", REQ[i].what,
                 evf_status_name(REQ[i].want));
        if (why.n)
            ok = 0;
        record_check(label, &why);
        sb_free(&why);
        cJSON_Delete(o);
        evf_result_free(r);
    }
    return ok;
}

/* normalize the payment, and decide on that normalize result with an empty state */
static char *DECIDE_EXPECT;
static char *NORMALIZE_EXPECT;

static void *work(void *arg)
{
    worker *w = arg;
    long i;
    for (i = 0; i < ITERATIONS; i++) {
        const request *q = &REQ[(size_t)(w->id * 3 + i * 7) % N_REQ];
        evf_result *r = evf_verifier_process(SHARED, q->body, q->body_len, q->header,
                                             strlen(q->header), q->now);
        const char *js = r ? evf_result_json(r) : NULL;
        w->calls++;
        if (!r || evf_result_status(r) != q->want || !js || strcmp(js, q->expect_json) != 0 ||
            evf_result_json_len(r) != strlen(js)) {
            if (w->wrong++ == 0)
                snprintf(w->first_wrong, sizeof w->first_wrong,
                         "call %ld (\"%s\"): got %.400s", i, q->what, js ? js : "(NULL)");
        }
        evf_result_free(r);
        if (i % 8 == 0) {
            evf_result *d = evf_decide(NORMALIZE_EXPECT, strlen(NORMALIZE_EXPECT), "{}", 2);
            evf_result *n = evf_normalize(PAYMENT, strlen(PAYMENT), OPTIONS, strlen(OPTIONS));
            w->calls += 2;
            if (!d || !evf_result_json(d) || strcmp(evf_result_json(d), DECIDE_EXPECT) != 0 ||
                !n || !evf_result_json(n) || strcmp(evf_result_json(n), NORMALIZE_EXPECT) != 0) {
                if (w->wrong++ == 0)
                    snprintf(w->first_wrong, sizeof w->first_wrong,
                             "call %ld: decide/normalize answer differs", i);
            }
            evf_result_free(d);
            evf_result_free(n);
        }
    }
    return NULL;
}

void run_thread_checks(void)
{
    evf_verifier *v = NULL;
    pthread_t th[N_THREADS];
    worker w[N_THREADS];
    int i, started = 0;
    const char *env = getenv("EVF_THREAD_ITERATIONS");
    char label[256];

    if (env && atol(env) > 0)
        ITERATIONS = atol(env);
    if (evf_verifier_new(OPTIONS, strlen(OPTIONS), &v) != EVF_OK || !v) {
        check_true("threads: verifier", 0, "evf_verifier_new failed");
        return;
    }
    SHARED = v;
    if (setup_requests()) {
        evf_result *n = evf_normalize(PAYMENT, strlen(PAYMENT), OPTIONS, strlen(OPTIONS));
        evf_result *d;
        NORMALIZE_EXPECT = dup_n(evf_result_json(n), strlen(evf_result_json(n)));
        d = evf_decide(NORMALIZE_EXPECT, strlen(NORMALIZE_EXPECT), "{}", 2);
        DECIDE_EXPECT = dup_n(evf_result_json(d), strlen(evf_result_json(d)));
        check_true("threads: normalize reference is OK", evf_result_status(n) == EVF_OK, "%s",
                   NORMALIZE_EXPECT);
        check_true("threads: decide on the normalize result with state {} is OK",
                   evf_result_status(d) == EVF_OK, "%s", DECIDE_EXPECT);
        evf_result_free(d);
        evf_result_free(n);

        for (i = 0; i < N_THREADS; i++) {
            w[i].id = i;
            w[i].calls = 0;
            w[i].wrong = 0;
            w[i].first_wrong[0] = '\0';
            if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
                break;
            started++;
        }
        check_true("threads: 8 threads started", started == N_THREADS, "only %d started",
                   started);
        for (i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        for (i = 0; i < started; i++) {
            snprintf(label, sizeof label,
                     "threads: thread %d, %ld process calls on one shared verifier all correct",
                     i, ITERATIONS);
            check_true(label, w[i].wrong == 0 && w[i].calls >= ITERATIONS,
                       "%ld of %ld answers wrong; first: %s", w[i].wrong, w[i].calls,
                       w[i].first_wrong);
        }
        free(DECIDE_EXPECT);
        free(NORMALIZE_EXPECT);
    }
    for (i = 0; i < N_REQ; i++) {
        free(REQ[i].body);
        free(REQ[i].header);
        free(REQ[i].expect_json);
    }
    evf_verifier_free(v);
}
