/* Raw-text access to the vector files.
 *
 * cJSON turns numbers into doubles and strings into NUL-terminated C strings, which would change
 * inputs such as `300.0`, a body holding "\u0000", or a header with a NUL. Inputs are therefore
 * taken from the file text itself: this scanner finds the exact span of a value, decodes string
 * literals into (bytes, length), and compacts objects without re-spelling anything. The file has
 * already been validated by cJSON before it is scanned, so the scanner only needs to be robust,
 * not a full validator. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at the opening quote; returns just past the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    if (p >= end || *p != '"')
        return NULL;
    p++;
    while (p < end) {
        if (*p == '\\') {
            p += 2;
            continue;
        }
        if (*p == '"')
            return p + 1;
        p++;
    }
    return NULL;
}

static const char *skip_value(const char *p, const char *end, int depth)
{
    if (depth > 10000)
        return NULL;
    p = skip_ws(p, end);
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        char close = (*p == '{') ? '}' : ']';
        int is_obj = (*p == '{');
        p = skip_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (is_obj) {
                p = skip_string(skip_ws(p, end), end);
                if (!p)
                    return NULL;
                p = skip_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            p = skip_value(p, end, depth + 1);
            if (!p)
                return NULL;
            p = skip_ws(p, end);
            if (p >= end)
                return NULL;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == close)
                return p + 1;
            return NULL;
        }
    }
    /* number or literal */
    {
        const char *s = p;
        while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\t' &&
               *p != '\n' && *p != '\r')
            p++;
        return p > s ? p : NULL;
    }
}

int span_value(const char *p, size_t n, jspan *out)
{
    const char *end = p + n;
    const char *s = skip_ws(p, end);
    const char *e = skip_value(s, end, 0);
    if (!e)
        return 0;
    out->p = s;
    out->n = (size_t)(e - s);
    return 1;
}

int span_member(jspan obj, const char *key, jspan *out)
{
    const char *p = obj.p, *end = obj.p + obj.n;
    size_t klen = strlen(key);
    int found = 0;
    if (obj.n == 0 || *p != '{')
        return 0;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return 0;
    while (p < end) {
        const char *ks = skip_ws(p, end), *ke, *vs, *ve;
        ke = skip_string(ks, end);
        if (!ke)
            return 0;
        p = skip_ws(ke, end);
        if (p >= end || *p != ':')
            return 0;
        vs = skip_ws(p + 1, end);
        ve = skip_value(vs, end, 0);
        if (!ve)
            return 0;
        /* vector keys are plain ASCII without escapes: compare the raw text; a repeated
         * key is a broken vector, the last occurrence is used */
        if ((size_t)(ke - ks) == klen + 2 && memcmp(ks + 1, key, klen) == 0) {
            out->p = vs;
            out->n = (size_t)(ve - vs);
            found = 1;
        }
        p = skip_ws(ve, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    return found;
}

size_t span_array_len(jspan arr)
{
    const char *p = arr.p, *end = arr.p + arr.n;
    size_t count = 0;
    if (arr.n == 0 || *p != '[')
        return 0;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']')
        return 0;
    while (p < end) {
        p = skip_value(p, end, 0);
        if (!p)
            return count;
        count++;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    return count;
}

int span_array_item(jspan arr, size_t i, jspan *out)
{
    const char *p = arr.p, *end = arr.p + arr.n;
    size_t k = 0;
    if (arr.n == 0 || *p != '[')
        return 0;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']')
        return 0;
    while (p < end) {
        const char *vs = skip_ws(p, end);
        const char *ve = skip_value(vs, end, 0);
        if (!ve)
            return 0;
        if (k == i) {
            out->p = vs;
            out->n = (size_t)(ve - vs);
            return 1;
        }
        k++;
        p = skip_ws(ve, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    unsigned r = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        r <<= 4;
        if (c >= '0' && c <= '9')
            r |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            r |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            r |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *v = r;
    return 1;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int span_string(jspan s, char **out, size_t *len)
{
    const char *p, *end;
    char *buf;
    size_t o = 0;
    if (s.n < 2 || s.p[0] != '"' || s.p[s.n - 1] != '"')
        return 0;
    p = s.p + 1;
    end = s.p + s.n - 1;
    buf = malloc(s.n + 1); /* decoded text is never longer than the literal */
    if (!buf)
        return 0;
    while (p < end) {
        if (*p != '\\') {
            buf[o++] = *p++;
            continue;
        }
        p++;
        if (p >= end)
            goto bad;
        switch (*p) {
        case '"': buf[o++] = '"'; p++; break;
        case '\\': buf[o++] = '\\'; p++; break;
        case '/': buf[o++] = '/'; p++; break;
        case 'b': buf[o++] = '\b'; p++; break;
        case 'f': buf[o++] = '\f'; p++; break;
        case 'n': buf[o++] = '\n'; p++; break;
        case 'r': buf[o++] = '\r'; p++; break;
        case 't': buf[o++] = '\t'; p++; break;
        case 'u': {
            unsigned cp, lo;
            if (end - p < 5 || !hex4(p + 1, &cp))
                goto bad;
            p += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                hex4(p + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            /* a lone surrogate is written as its 3-byte form (not valid UTF-8, on purpose) */
            o += put_utf8(buf + o, cp);
            break;
        }
        default:
            goto bad;
        }
    }
    buf[o] = '\0';
    *out = buf;
    *len = o;
    return 1;
bad:
    free(buf);
    return 0;
}

char *span_compact(jspan s, size_t *len)
{
    char *buf = malloc(s.n + 1);
    size_t i = 0, o = 0;
    if (!buf)
        return NULL;
    while (i < s.n) {
        char c = s.p[i];
        if (c == '"') {
            buf[o++] = s.p[i++];
            while (i < s.n) {
                if (s.p[i] == '\\' && i + 1 < s.n) {
                    buf[o++] = s.p[i++];
                    buf[o++] = s.p[i++];
                    continue;
                }
                if (s.p[i] == '"') {
                    buf[o++] = s.p[i++];
                    break;
                }
                buf[o++] = s.p[i++];
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        buf[o++] = c;
        i++;
    }
    buf[o] = '\0';
    *len = o;
    return buf;
}

int span_is_null(jspan s)
{
    return s.n == 4 && memcmp(s.p, "null", 4) == 0;
}
