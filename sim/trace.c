/*
 * trace: streaming readers of logged request traces.
 *
 * One line at a time through a fixed buffer: a CSV row is split in place,
 * a JSON line is scanned once for the few keys wanted (nested values are
 * skipped, never built), so memory does not depend on the file.  Rejected
 * alternatives: getline (grows without bound on a line with no newline);
 * a general JSON tree per line (allocates per row for four numbers).
 */
#include "sim/trace.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

const char *const trace_format_names[TRACE_NFORMATS] = {
    "azure-llm", "burstgpt", "mooncake", "csv", "jsonl"};

/* The fields a record is made of, in this order everywhere below. */
enum { F_TIME, F_IN, F_OUT, F_TASK, F_HASH, F_N };

/* One value found on a line: text (NUL-terminated in place) or absent. */
struct trace_val {
    char *s;
    size_t n;
    int found;
    int nested; /* a JSON array or object: not a scalar */
};

struct trace_reader {
    const struct trace_opts *o; /* borrowed */
    struct diag *d;             /* borrowed */
    unsigned flags;
    FILE *f;
    char *buf; /* TRACE_MAX_LINE + 3: the line, its CR LF and a NUL */
    long lineno;
    long data_offset, data_line; /* where the first data row starts */
    const char *names[F_N];      /* column or key names; NULL: not read */
    int col[F_N];                /* csv: column index of each field */
    size_t ncols;
    int datetime;        /* the time field is date-time text */
    double time_unit;    /* else seconds per unit */
    int have_origin;     /* set by the first good record */
    int64_t origin_sec;  /* date-time: whole seconds of the origin */
    double origin_frac;  /* date-time: its fraction; numeric: its value */
    double clock0;       /* clock time of day at the origin, or NaN */
    int weekday0;        /* 0 Monday .. 6 Sunday, or -1 */
    int have_prev;
    double prev_t;
    char prev_text[48];
    struct trace_counts counts;
    uint64_t warned;
    char task[TRACE_MAX_TASK_TEXT];
    uint32_t *hash; /* TRACE_MAX_HASHES ids, when names[F_HASH] is set */
    int hash_optional; /* mooncake: a row may lack the key */
};

/* ---- errors ------------------------------------------------------------ */

static int trace_vbad(struct trace_reader *r, long line, const char *fmt,
                      va_list ap) __attribute__((format(printf, 3, 0)));

/* The on_error policy in one place: an error that stops the read, or a
 * skipped row, counted, and printed while warnings last. */
static int trace_vbad(struct trace_reader *r, long line, const char *fmt,
                      va_list ap)
{
    struct diag_pos pos = {r->o->path, (int)line, 0};
    char msg[512];

    vsnprintf(msg, sizeof msg, fmt, ap);
    if (r->o->on_error == TRACE_FAIL) {
        diag_error(r->d, &pos, "%s", msg);
        return SLM_EINPUT;
    }
    r->counts.skipped++;
    if ((r->flags & TRACE_WARN) && r->warned++ < TRACE_MAX_WARNINGS)
        diag_warning(r->d, &pos, "%s (row skipped)", msg);
    return 0;
}

int trace_reject(struct trace_reader *r, long line, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = trace_vbad(r, line, fmt, ap);
    va_end(ap);
    return rc;
}

void trace_warn_summary(struct trace_reader *r)
{
    struct diag_pos pos = {r->o->path, 0, 0};

    if ((r->flags & TRACE_WARN) && r->warned > TRACE_MAX_WARNINGS)
        diag_warning(r->d, &pos, "%llu more bad rows skipped",
                     (unsigned long long)(r->warned - TRACE_MAX_WARNINGS));
    r->warned = 0;
}

/* Errors that no policy can skip (a header without the columns). */
static void trace_fatal(struct trace_reader *r, long line, const char *fmt,
                        ...) __attribute__((format(printf, 3, 4)));

static void trace_fatal(struct trace_reader *r, long line, const char *fmt,
                        ...)
{
    struct diag_pos pos = {r->o->path, (int)line, 0};
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(r->d, &pos, "%s", msg);
}

/* At most 40 bytes of text for quoting, with "..." when cut. */
static const char *trace_quote(const char *s, char *buf, size_t size)
{
    size_t n = strlen(s);

    if (n + 1 <= size && n <= 40) {
        memcpy(buf, s, n + 1);
    } else {
        n = size - 4 < 40 ? size - 4 : 40;
        memcpy(buf, s, n);
        memcpy(buf + n, "...", 4);
    }
    return buf;
}

/* ---- lines ------------------------------------------------------------- */

enum {
    TRACE_LINE_OK = 0,
    TRACE_LINE_EOF = 1,
    TRACE_LINE_LONG = 2,  /* over TRACE_MAX_LINE: consumed to its end */
    /* beside SLM_ESYS, which trace_getline also returns */
    TRACE_LINE_BINARY = 16 /* a NUL byte, or no line break in
                             TRACE_MAX_DISCARD bytes: not a text file */
};

/* Reads one line into r->buf without its line ending.  A byte at a time
 * (unlocked, so about as fast as fgets) because fgets cannot tell a NUL
 * byte from the end of the text: /dev/zero would read forever as one
 * endless over-long line. */
static int trace_getline(struct trace_reader *r)
{
    size_t len = 0, seen = 0;
    int c;

    while ((c = getc_unlocked(r->f)) != EOF && c != '\n') {
        if (c == '\0')
            return TRACE_LINE_BINARY;
        if (++seen > TRACE_MAX_DISCARD)
            return TRACE_LINE_BINARY;
        if (len < TRACE_MAX_LINE + 1)
            r->buf[len++] = (char)c;
    }
    if (ferror(r->f))
        return SLM_ESYS;
    if (c == EOF && seen == 0)
        return TRACE_LINE_EOF;
    r->lineno++;
    if (len > 0 && r->buf[len - 1] == '\r' && seen <= TRACE_MAX_LINE + 1)
        len--;
    r->buf[len] = '\0';
    return len > TRACE_MAX_LINE ? TRACE_LINE_LONG : TRACE_LINE_OK;
}

static int trace_blank(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

static char *trace_trim(char *s)
{
    size_t n;

    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void trace_binary(struct trace_reader *r)
{
    trace_fatal(r, r->lineno + 1,
                "not a text trace: a NUL byte or no line break in %ld MiB",
                TRACE_MAX_DISCARD / (1024 * 1024));
}

/* ---- CSV --------------------------------------------------------------- */

/* Splits line in place into fields (RFC 4180 quoting: "a ""b""" is a "b").
 * Returns the number of fields, -1 when more than max, -2 when a quote is
 * not closed, -3 when text follows a closing quote. */
static int trace_csv_split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;

    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            char *w = p, *q = p + 1;
            f[n++] = w;
            for (;;) {
                if (*q == '\0')
                    return -2;
                if (*q == '"' && q[1] == '"') {
                    *w++ = '"';
                    q += 2;
                } else if (*q == '"') {
                    q++;
                    break;
                } else {
                    *w++ = *q++;
                }
            }
            if (*q != ',' && *q != '\0')
                return -3;
            p = *q == ',' ? q + 1 : NULL;
            *w = '\0';
            if (!p)
                return (int)n;
            continue;
        }
        f[n++] = p;
        p = strchr(p, ',');
        if (!p)
            return (int)n;
        *p++ = '\0';
    }
}

static const char *trace_csv_split_error(int rc)
{
    return rc == -1   ? "more than 256 fields in a row"
           : rc == -2 ? "a quoted field is not closed"
                      : "text after a closing quote";
}

/* Finds each wanted name in the header; lists the columns when one is
 * missing. */
static int trace_csv_header(struct trace_reader *r)
{
    char *f[TRACE_MAX_FIELDS], list[256];
    int n = trace_csv_split(r->buf, f, TRACE_MAX_FIELDS), i, k, bad = 0;
    size_t len = 0;

    if (n < 0) {
        trace_fatal(r, r->lineno, "bad header: %s", trace_csv_split_error(n));
        return SLM_EINPUT;
    }
    r->ncols = (size_t)n;
    for (i = 0; i < n; i++) {
        f[i] = trace_trim(f[i]);
        if (len < sizeof list - 1)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s'%s'",
                                    i ? ", " : "", f[i]);
    }
    for (k = 0; k < F_N; k++) {
        r->col[k] = -1;
        if (!r->names[k])
            continue;
        for (i = 0; i < n && r->col[k] < 0; i++)
            if (!strcmp(f[i], r->names[k]))
                r->col[k] = i;
        if (r->col[k] < 0) {
            trace_fatal(r, r->lineno,
                        "no column '%s' in the %s header (found %s)",
                        r->names[k], trace_format_names[r->o->format], list);
            bad = 1;
        }
    }
    return bad ? SLM_EINPUT : 0;
}

/* The wanted fields of a CSV row, or -1 after trace_vbad's verdict (*rc). */
static int trace_csv_row(struct trace_reader *r, struct trace_val *v, int *rc)
{
    char *f[TRACE_MAX_FIELDS];
    int n = trace_csv_split(r->buf, f, TRACE_MAX_FIELDS), k;

    if (n < 0) {
        *rc = trace_reject(r, r->lineno, "%s", trace_csv_split_error(n));
        return -1;
    }
    if ((size_t)n != r->ncols) {
        *rc = trace_reject(r, r->lineno,
                           "row has %d field%s, the header has %zu", n,
                           n == 1 ? "" : "s", r->ncols);
        return -1;
    }
    for (k = 0; k < F_N; k++) {
        memset(&v[k], 0, sizeof v[k]);
        if (r->col[k] < 0)
            continue;
        v[k].s = trace_trim(f[r->col[k]]);
        v[k].n = strlen(v[k].s);
        v[k].found = 1;
    }
    return 0;
}

/* ---- JSON lines -------------------------------------------------------- */

static char *trace_ws(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Past the string whose opening quote is at p; NULL when not closed. */
static char *trace_json_string_end(char *p)
{
    for (p++; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            return p;
    }
    return NULL;
}

/* Past a nested array or object starting at p (strings respected). */
static char *trace_json_skip_nested(char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (*p == '"') {
            if (!(p = trace_json_string_end(p)))
                return NULL;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if ((*p == ']' || *p == '}') && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

/* One value at p into v (when v is not NULL); returns past it, or NULL. */
static char *trace_json_value(char *p, struct trace_val *v)
{
    char *start = p, *end;

    if (*p == '"') {
        if (!(end = trace_json_string_end(p)))
            return NULL;
        start = p + 1;
        p = end + 1;
    } else if (*p == '[' || *p == '{') {
        if (!(end = p = trace_json_skip_nested(p)))
            return NULL;
    } else {
        while (*p && !strchr(",} \t", *p))
            p++;
        end = p;
        if (end == start)
            return NULL;
    }
    if (v) {
        v->s = start;
        v->n = (size_t)(end - start);
        v->found = 1;
        v->nested = *start == '[' || *start == '{';
    }
    return p;
}

/* Undoes \" \\ \/ in place; other escapes are kept as written (task names
 * and numbers need no more). */
static void trace_json_unescape(char *s)
{
    char *w = s;

    for (; *s; s++) {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '/'))
            s++;
        *w++ = *s;
    }
    *w = '\0';
}

/* Scans one flat object for the wanted keys.  NULL, or what was wrong. */
static const char *trace_json_scan(struct trace_reader *r, char *p,
                                   struct trace_val *v)
{
    int k;

    memset(v, 0, F_N * sizeof *v);
    p = trace_ws(p);
    if (*p++ != '{')
        return "a line must be one JSON object '{...}'";
    p = trace_ws(p);
    while (*p != '}') {
        char *key = p + 1, *kend;
        struct trace_val *slot = NULL;
        if (*p != '"' || !(kend = trace_json_string_end(p)))
            return "expected a key in double quotes";
        p = trace_ws(kend + 1);
        if (*p++ != ':')
            return "expected ':' after a key";
        for (k = 0; k < F_N; k++)
            if (r->names[k] && strlen(r->names[k]) == (size_t)(kend - key) &&
                !strncmp(r->names[k], key, (size_t)(kend - key)))
                slot = &v[k];
        if (!(p = trace_json_value(trace_ws(p), slot)))
            return "malformed value";
        p = trace_ws(p);
        if (*p == ',')
            p = trace_ws(p + 1);
        else if (*p != '}')
            return "expected ',' or '}'";
    }
    if (!trace_blank(p + 1))
        return "text after the closing '}'";
    for (k = 0; k < F_N; k++) {
        if (!v[k].found)
            continue;
        v[k].s[v[k].n] = '\0';
        trace_json_unescape(v[k].s);
    }
    return NULL;
}

static int trace_json_row(struct trace_reader *r, struct trace_val *v,
                          int *rc)
{
    const char *err = trace_json_scan(r, r->buf, v);
    int k;

    if (err) {
        *rc = trace_reject(r, r->lineno, "malformed JSON: %s", err);
        return -1;
    }
    for (k = 0; k < F_N; k++) {
        if (k == F_HASH && (v[k].found || r->hash_optional))
            continue; /* an array; parsed by trace_hashes */
        if (r->names[k] && !v[k].found) {
            *rc = trace_reject(r, r->lineno, "missing key '%s'", r->names[k]);
            return -1;
        }
        if (v[k].nested) {
            *rc = trace_reject(r, r->lineno,
                               "key '%s' holds an array or object, not a "
                               "value",
                               r->names[k]);
            return -1;
        }
    }
    return 0;
}

/* ---- values ------------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant, "chrono-compatible low-level date algorithms"). */
static int64_t trace_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n decimal digits at *p into *out; advances *p.  0 or -1. */
static int trace_digits(const char **p, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* The fraction is read digit by digit: seven digits (100 ns) overflow a
 * microsecond %f, and more must not be refused either. */
static int trace_datetime(const char *s, int64_t *local, int *offset,
                          double *frac)
{
    int y, mo, d, h, mi, se, oh, om;
    double scale = 0.1;

    *frac = 0.0;
    *offset = 0;
    if (trace_digits(&s, 4, &y) || *s++ != '-' || trace_digits(&s, 2, &mo) ||
        *s++ != '-' || trace_digits(&s, 2, &d) || (*s != ' ' && *s != 'T'))
        return -1;
    s++;
    if (trace_digits(&s, 2, &h) || *s++ != ':' || trace_digits(&s, 2, &mi) ||
        *s++ != ':' || trace_digits(&s, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    if (*s == '.') {
        if (!isdigit((unsigned char)*++s))
            return -1;
        for (; isdigit((unsigned char)*s); s++, scale /= 10)
            *frac += (*s - '0') * scale;
    }
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s++ == '-' ? -1 : 1;
        if (trace_digits(&s, 2, &oh) || *s++ != ':' || trace_digits(&s, 2, &om))
            return -1;
        *offset = sign * (oh * 3600 + om * 60);
    }
    if (*s)
        return -1;
    *local = trace_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

int trace_parse_datetime(const char *text, int64_t *sec, double *frac,
                         double *clock)
{
    int64_t local;
    int offset;

    if (trace_datetime(text, &local, &offset, frac))
        return -1;
    *sec = local - offset;
    *clock = (double)(((local % 86400) + 86400) % 86400) + *frac;
    return 0;
}

/* A finite number filling the whole text (spaces aside). */
static int trace_number(const char *s, double *out)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    if (!*s || (!isdigit((unsigned char)*s) && !strchr("+-.", *s)))
        return -1;
    errno = 0;
    *out = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(*out))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    return *end ? -1 : 0;
}

/* A token count: a whole number in [0, 2^32). */
static int trace_tokens(struct trace_reader *r, const struct trace_val *v,
                        const char *name, uint32_t *out, int *rc)
{
    char q[48];
    double x;

    trace_quote(v->s, q, sizeof q);
    if (trace_number(v->s, &x)) {
        *rc = trace_reject(r, r->lineno,
                           "non-numeric '%s' value '%s' (expected a whole "
                           "number of tokens >= 0)",
                           name, q);
        return -1;
    }
    if (x < 0) {
        *rc = trace_reject(r, r->lineno,
                           "negative '%s' value '%s' (token counts must be "
                           ">= 0)",
                           name, q);
        return -1;
    }
    if (x != floor(x) || x > 4294967295.0) {
        *rc = trace_reject(r, r->lineno,
                           "'%s' value '%s' is not a whole number of tokens "
                           "below 2^32",
                           name, q);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

/* The block-hash array "[id, id, ...]" into r->hash: whole numbers in
 * [0, 2^32), digits only (a hash is an id, not a quantity: no sign,
 * fraction or exponent).  0 with the count in *n, or -1 after reporting. */
static int trace_hashes(struct trace_reader *r, const struct trace_val *v,
                        uint32_t *n, int *rc)
{
    const char *p = v->s, *name = r->names[F_HASH];

    *n = 0;
    if (!v->found)
        return 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p++ != '[') {
        *rc = trace_reject(r, r->lineno,
                           "'%s' must be an array of block hashes "
                           "[id, ...]",
                           name);
        return -1;
    }
    for (;;) {
        uint64_t x = 0;
        const char *d;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ']' && *n == 0)
            break;
        for (d = p; isdigit((unsigned char)*p) && x <= UINT32_MAX; p++)
            x = x * 10 + (uint64_t)(*p - '0');
        if (p == d || x > UINT32_MAX || *n >= TRACE_MAX_HASHES) {
            *rc = trace_reject(r, r->lineno,
                               "'%s' entry %u is not a whole number in "
                               "[0, 2^32)",
                               name, *n + 1);
            return -1;
        }
        r->hash[(*n)++] = (uint32_t)x;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ']')
            break;
        if (*p++ != ',') {
            *rc = trace_reject(r, r->lineno,
                               "'%s': expected ',' or ']' after entry %u",
                               name, *n);
            return -1;
        }
    }
    return 0;
}

/* A row's time as read: date-time parts or a number in seconds. */
struct trace_time {
    int64_t sec;  /* date-time: whole seconds */
    double frac;  /* date-time: the fraction; numeric: the value, s */
    double clock; /* date-time: clock time of day */
};

/* Parses a row's time field into tm.  The origin is not touched: a row
 * skipped for a later field must not set it (every good row after it would
 * come out at a negative time). */
static int trace_time(struct trace_reader *r, const struct trace_val *v,
                      struct trace_time *tm, int *rc)
{
    char q[48];
    double x = 0;
    int bad;

    memset(tm, 0, sizeof *tm);
    bad = r->datetime ? trace_parse_datetime(v->s, &tm->sec, &tm->frac,
                                             &tm->clock)
                      : trace_number(v->s, &x);
    trace_quote(v->s, q, sizeof q);
    if (bad) {
        *rc = trace_reject(r, r->lineno,
                           r->datetime
                               ? "bad time '%s' in '%s' (expected "
                                 "YYYY-MM-DD HH:MM:SS[.fraction])"
                               : "non-numeric time '%s' in '%s'",
                           q, r->names[F_TIME]);
        return -1;
    }
    if (!r->datetime) {
        tm->frac = x * r->time_unit;
        if (!(fabs(tm->frac) <= TRACE_MAX_TIME)) {
            *rc = trace_reject(r, r->lineno,
                               "time '%s' in '%s' is out of range: in "
                               "seconds a trace time must lie within "
                               "+-1e11 (is the time unit right? "
                               "nanoseconds need time unit ns)",
                               q, r->names[F_TIME]);
            return -1;
        }
    }
    return 0;
}

/* The first good row's time becomes the origin. */
static void trace_set_origin(struct trace_reader *r,
                             const struct trace_time *tm)
{
    r->have_origin = 1;
    r->origin_sec = tm->sec;
    r->origin_frac = tm->frac;
    r->clock0 = r->datetime ? tm->clock : (double)NAN;
    r->weekday0 = -1;
    if (r->datetime) {
        /* The local date's midnight is sec - clock + offset, and
         * |offset| < 12 h: rounding to the nearest day finds it.
         * 1970-01-01 was a Thursday (3 counting from Monday). */
        int64_t day = (tm->sec - (int64_t)floor(tm->clock) + 43200) / 86400;
        r->weekday0 = (int)((day % 7 + 10) % 7);
    } else if (r->o->format == TRACE_BURSTGPT) {
        r->clock0 = fmod(fmod(tm->frac, 86400.0) + 86400.0, 86400.0);
    }
}

/* Seconds from the origin.  Date-times are kept as whole seconds plus a
 * fraction until the origin is subtracted: 1.7e9 s in a double would blur
 * 100 ns ticks. */
static double trace_since_origin(const struct trace_reader *r,
                                 const struct trace_time *tm)
{
    return r->datetime ? (double)(tm->sec - r->origin_sec) +
                             (tm->frac - r->origin_frac)
                       : tm->frac - r->origin_frac;
}

/* Checks order against the previous good row. */
static int trace_order(struct trace_reader *r, const char *text, double t,
                       int *rc)
{
    char q[48];

    if (r->have_prev && t < r->prev_t) {
        *rc = trace_reject(r, r->lineno,
                           "time '%s' is earlier than the previous row's "
                           "'%s' (a trace must be sorted by time)",
                           trace_quote(text, q, sizeof q), r->prev_text);
        return -1;
    }
    r->have_prev = 1;
    r->prev_t = t;
    trace_quote(text, r->prev_text, sizeof r->prev_text);
    return 0;
}

/* A data line to a record: 0 good, 1 dropped (skipped or a logged
 * failure), or an error status. */
static int trace_row(struct trace_reader *r, struct trace_record *out)
{
    struct trace_val v[F_N];
    struct trace_time tm;
    char time_text[48];
    int rc = 0;

    if (r->o->format == TRACE_MOONCAKE || r->o->format == TRACE_JSONL
            ? trace_json_row(r, v, &rc)
            : trace_csv_row(r, v, &rc))
        return rc ? rc : 1;
    trace_quote(v[F_TIME].s, time_text, sizeof time_text);
    if (trace_time(r, &v[F_TIME], &tm, &rc) ||
        trace_tokens(r, &v[F_IN], r->names[F_IN], &out->input_tokens, &rc) ||
        trace_tokens(r, &v[F_OUT], r->names[F_OUT], &out->output_tokens,
                     &rc) ||
        (r->hash && trace_hashes(r, &v[F_HASH], &out->nhash, &rc)))
        return rc ? rc : 1;
    if (!r->hash)
        out->nhash = 0;
    out->hash_ids = out->nhash ? r->hash : NULL;
    if (!r->have_origin)
        trace_set_origin(r, &tm);
    out->t = trace_since_origin(r, &tm);
    if (trace_order(r, time_text, out->t, &rc))
        return rc ? rc : 1;
    if (r->o->format == TRACE_BURSTGPT && out->output_tokens == 0) {
        r->counts.failed++;
        return 1;
    }
    out->task = NULL;
    if (v[F_TASK].found) {
        snprintf(r->task, sizeof r->task, "%s", v[F_TASK].s);
        out->task = r->task;
    }
    out->line = r->lineno;
    return 0;
}

int trace_next(struct trace_reader *r, struct trace_record *out)
{
    int rc;

    for (;;) {
        rc = trace_getline(r);
        if (rc == TRACE_LINE_EOF || rc == SLM_ESYS)
            return rc;
        if (rc == TRACE_LINE_BINARY) {
            trace_binary(r);
            return SLM_EINPUT;
        }
        if (rc == TRACE_LINE_LONG) {
            rc = trace_reject(r, r->lineno,
                              "line longer than %d bytes (the limit for a "
                              "trace line)",
                              TRACE_MAX_LINE);
            if (rc)
                return rc;
            continue;
        }
        if (trace_blank(r->buf))
            continue;
        rc = trace_row(r, out);
        if (rc == 0) {
            r->counts.rows++;
            return 0;
        }
        if (rc != 1)
            return rc;
    }
}

/* ---- open, rewind, close ---------------------------------------------- */

static void trace_names(struct trace_reader *r)
{
    static const char *const builtin[3][3] = {
        {"TIMESTAMP", "ContextTokens", "GeneratedTokens"},
        {"Timestamp", "Request tokens", "Response tokens"},
        {"timestamp", "input_length", "output_length"},
    };
    static const double unit[3] = {0.0, 1.0, 1e-3};
    const struct trace_opts *o = r->o;

    if (o->format <= TRACE_MOONCAKE) {
        r->names[F_TIME] = builtin[o->format][0];
        r->names[F_IN] = builtin[o->format][1];
        r->names[F_OUT] = builtin[o->format][2];
        r->time_unit = unit[o->format];
    } else {
        r->names[F_TIME] = o->col_time;
        r->names[F_IN] = o->col_input;
        r->names[F_OUT] = o->col_output;
        r->time_unit = o->time_unit;
    }
    r->names[F_TASK] = o->col_task;
    if (o->format == TRACE_MOONCAKE) {
        r->names[F_HASH] = "hash_ids";
        r->hash_optional = 1;
    } else if (o->format == TRACE_JSONL) {
        r->names[F_HASH] = o->col_hash;
    }
    r->datetime = r->time_unit == 0.0;
}

/* Skips a UTF-8 byte-order mark and blank lines, then reads the CSV
 * header; remembers where the data starts, for trace_rewind. */
static int trace_start(struct trace_reader *r)
{
    int rc, c;

    if ((c = getc(r->f)) == 0xEF) {
        if (getc(r->f) != 0xBB || getc(r->f) != 0xBF)
            rewind(r->f);
    } else if (c != EOF && ungetc(c, r->f) == EOF) {
        return SLM_ESYS;
    }
    if (r->o->format == TRACE_MOONCAKE || r->o->format == TRACE_JSONL) {
        r->data_offset = ftell(r->f);
        return r->data_offset < 0 ? SLM_ESYS : 0;
    }
    do
        rc = trace_getline(r);
    while (rc == TRACE_LINE_OK && trace_blank(r->buf));
    if (rc == SLM_ESYS)
        return rc;
    if (rc == TRACE_LINE_BINARY) {
        trace_binary(r);
        return SLM_EINPUT;
    }
    if (rc == TRACE_LINE_EOF) {
        trace_fatal(r, 0, "empty trace: no header line");
        return SLM_EINPUT;
    }
    if (rc == TRACE_LINE_LONG) {
        trace_fatal(r, r->lineno, "header line longer than %d bytes",
                    TRACE_MAX_LINE);
        return SLM_EINPUT;
    }
    if ((rc = trace_csv_header(r)) != 0)
        return rc;
    r->data_offset = ftell(r->f);
    r->data_line = r->lineno;
    return r->data_offset < 0 ? SLM_ESYS : 0;
}

int trace_open(const struct trace_opts *o, unsigned flags, struct diag *d,
               struct trace_reader **out)
{
    struct trace_reader *r = mem_calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r || !(r->buf = mem_alloc(TRACE_MAX_LINE + 3))) {
        mem_free(r);
        return SLM_ENOMEM;
    }
    r->o = o;
    r->d = d;
    r->flags = flags;
    r->clock0 = (double)NAN;
    r->weekday0 = -1;
    trace_names(r);
    if (r->names[F_HASH] &&
        !(r->hash = mem_alloc(TRACE_MAX_HASHES * sizeof *r->hash))) {
        trace_close(r);
        return SLM_ENOMEM;
    }
    r->f = fopen(o->path, "rb");
    if (!r->f) {
        trace_close(r);
        return SLM_ESYS;
    }
    rc = trace_start(r);
    if (rc) {
        int saved = errno;
        trace_close(r);
        errno = saved;
        return rc;
    }
    *out = r;
    return 0;
}

int trace_rewind(struct trace_reader *r)
{
    if (fseek(r->f, r->data_offset, SEEK_SET) != 0)
        return SLM_ESYS;
    r->lineno = r->data_line;
    r->have_prev = 0;
    return 0;
}

void trace_close(struct trace_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    mem_free(r->buf);
    mem_free(r->hash);
    mem_free(r);
}

const struct trace_counts *trace_counts(const struct trace_reader *r)
{
    return &r->counts;
}

double trace_clock_origin(const struct trace_reader *r)
{
    return r->clock0;
}

int trace_weekday_origin(const struct trace_reader *r)
{
    return r->weekday0;
}
