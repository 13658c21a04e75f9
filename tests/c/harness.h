/* Shared declarations of the C test harness (tests/c). Not part of the library. */
#ifndef EVF_HARNESS_H
#define EVF_HARNESS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "everifin_webhook.h"

/* ---- check bookkeeping (harness.c) ---- */
extern long g_passed;
extern long g_failed;

/* A growing text buffer that collects what differed in one check. */
typedef struct {
    char *p;
    size_t n, cap;
} strbuf;

void sb_init(strbuf *b);
void sb_free(strbuf *b);
void sb_printf(strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends at most `max` bytes of `s` (n bytes), escaping control and non-ASCII bytes. */
void sb_quote(strbuf *b, const char *s, size_t n, size_t max);

/* Records one check: passed when `why` is empty, else failed and printed with its label. */
void record_check(const char *label, const strbuf *why);
/* Convenience for one-condition checks. */
void check_true(const char *label, int cond, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- result inspection (harness.c) ---- */
/* Validates the generic shape of a result (non-NULL, json_len == strlen, one JSON object, UTF-8,
 * ok/status/httpStatus consistent with evf_result_status, evf_status_name, evf_status_http_status,
 * message on failure, field for EVENT_INVALID). Appends problems to `why`. Returns the parsed
 * object (caller frees) or NULL when it could not be parsed. */
cJSON *inspect_result(const evf_result *r, strbuf *why);

/* 1 when needle (n bytes, n > 0) occurs in hay (h bytes). */
int contains_bytes(const char *hay, size_t h, const char *needle, size_t n);

/* ---- span access to the raw vector text (json_span.c) ---- */
/* A slice of a JSON document that holds one complete JSON value. */
typedef struct {
    const char *p;
    size_t n;
} jspan;

/* The whole value starting at the first non-space byte of [p, p+n). 0 on a syntax error. */
int span_value(const char *p, size_t n, jspan *out);
/* Member `key` of an object span. 1 found, 0 absent (or the span is not an object). */
int span_member(jspan obj, const char *key, jspan *out);
/* Number of items of an array span (0 when not an array). */
size_t span_array_len(jspan arr);
/* Item i of an array span. */
int span_array_item(jspan arr, size_t i, jspan *out);
/* Decodes a JSON string literal into malloc'd bytes (exact length, may contain NUL; a NUL is
 * appended after the length for convenience). 0 when the span is not a string. */
int span_string(jspan s, char **out, size_t *len);
/* The value re-written compactly: whitespace outside strings removed, all else byte for byte
 * (numbers and escapes keep their exact spelling). malloc'd, NUL appended after *len bytes. */
char *span_compact(jspan s, size_t *len);
/* 1 when the span is the literal `null`. */
int span_is_null(jspan s);

/* ---- parts (vectors.c, api_checks.c, threads.c) ---- */
int run_vector_file(const char *path);
void run_api_checks(void);
/* Checks the header's constants, evf_status_name and evf_status_http_status against the parsed
 * tests/vectors/statuses.json (api_checks.c). */
void check_status_table(const cJSON *doc, const char *path);
void run_thread_checks(void);

#endif
