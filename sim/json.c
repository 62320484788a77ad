#include "sim/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

/* Parser state: a cursor over the text with its line and column.  The
 * first error stops the parse: JSON has no statement boundary to resume
 * at, and the second message would only echo the first. */
struct jp {
    const unsigned char *s;
    size_t len, pos;
    int line, col;
    const char *file;
    struct diag *d;
    size_t nvalues;
    int status; /* first failure: SLM_EINPUT or SLM_ENOMEM */
};

static int jp_peek(const struct jp *p)
{
    return p->pos < p->len ? p->s[p->pos] : -1;
}

/* Columns count characters, not bytes: UTF-8 continuation bytes (10xxxxxx)
 * do not advance the column. */
static void jp_adv(struct jp *p)
{
    unsigned char c = p->s[p->pos++];

    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        p->col++;
    }
}

static void jp_fail_at(struct jp *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void jp_fail_at(struct jp *p, int line, int col, const char *fmt, ...)
{
    struct diag_pos where = {p->file, line, col};
    char msg[256];
    va_list ap;

    if (p->status)
        return;
    p->status = SLM_EINPUT;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(p->d, &where, "%s", msg);
}

#define jp_fail(p, ...) jp_fail_at((p), (p)->line, (p)->col, __VA_ARGS__)

/* What is at the cursor, for "got ..." in messages. */
static const char *jp_found(const struct jp *p, char *buf, size_t size)
{
    int c = jp_peek(p);

    if (c < 0)
        return "end of input";
    if (c > 0x20 && c < 0x7F)
        snprintf(buf, size, "'%c'", c);
    else if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        snprintf(buf, size, "whitespace");
    else
        snprintf(buf, size, "byte 0x%02x", (unsigned)c);
    return buf;
}

static void jp_skip_ws(struct jp *p)
{
    int c;

    while ((c = jp_peek(p)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        jp_adv(p);
}

/* ---- strings ---- */

struct jbuf {
    char *b;
    size_t n, cap;
};

static int jbuf_put(struct jbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        char *nb;
        while (cap < b->n + n + 1)
            cap *= 2;
        nb = mem_realloc(b->b, cap, 1);
        if (!nb)
            return SLM_ENOMEM;
        b->b = nb;
        b->cap = cap;
    }
    memcpy(b->b + b->n, s, n);
    b->n += n;
    b->b[b->n] = '\0';
    return SLM_OK;
}

static int jp_hex4(struct jp *p, unsigned *out)
{
    unsigned v = 0;
    int i, c;

    for (i = 0; i < 4; i++) {
        c = jp_peek(p);
        if (c >= '0' && c <= '9')
            v = v * 16 + (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = v * 16 + (unsigned)(c - 'A' + 10);
        else {
            jp_fail(p, "'\\u' needs four hex digits");
            return -1;
        }
        jp_adv(p);
    }
    *out = v;
    return 0;
}

/* Encodes code point cp (valid, not a surrogate) as UTF-8 into u. */
static size_t utf8_encode(unsigned cp, char *u)
{
    if (cp < 0x80) {
        u[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* After the backslash of "\u": one code point, joining a surrogate pair
 * (RFC 8259 section 7).  Lone surrogates and U+0000 are refused. */
static int jp_unicode(struct jp *p, char *u, size_t *n)
{
    int line = p->line, col = p->col - 1;
    unsigned hi, lo;

    jp_adv(p); /* the 'u' */
    if (jp_hex4(p, &hi))
        return -1;
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        jp_fail_at(p, line, col, "unpaired surrogate '\\u%04x'", hi);
        return -1;
    }
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (jp_peek(p) != '\\' || p->pos + 1 >= p->len ||
            p->s[p->pos + 1] != 'u') {
            jp_fail_at(p, line, col, "unpaired surrogate '\\u%04x'", hi);
            return -1;
        }
        jp_adv(p);
        jp_adv(p);
        if (jp_hex4(p, &lo))
            return -1;
        if (lo < 0xDC00 || lo > 0xDFFF) {
            jp_fail_at(p, line, col, "unpaired surrogate '\\u%04x'", hi);
            return -1;
        }
        hi = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (hi == 0) {
        jp_fail_at(p, line, col, "'\\u0000' is not supported in strings");
        return -1;
    }
    *n = utf8_encode(hi, u);
    return 0;
}

/* One escape after the backslash, decoded into u[0..*n). */
static int jp_escape(struct jp *p, char *u, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    int c = jp_peek(p);
    const char *e;
    char buf[16];

    if (c == 'u')
        return jp_unicode(p, u, n);
    e = c > 0 ? strchr(from, c) : NULL;
    if (!e) {
        jp_fail_at(p, p->line, p->col - 1, "invalid escape '\\' then %s",
                   jp_found(p, buf, sizeof buf));
        return -1;
    }
    jp_adv(p);
    u[0] = to[e - from];
    *n = 1;
    return 0;
}

/* Length of the valid UTF-8 sequence at the cursor (Unicode 15, table
 * 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t jp_utf8_len(const struct jp *p)
{
    const unsigned char *s = p->s + p->pos;
    size_t left = p->len - p->pos, n, i;
    unsigned char lo = 0x80, hi = 0xBF;

    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (n > left)
        return 0;
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* The string at the cursor (which is on the opening quote), decoded. */
static int jp_string(struct jp *p, char **out, size_t *outlen)
{
    struct jbuf b = {NULL, 0, 0};
    int line = p->line, col = p->col;
    int c;

    jp_adv(p);
    for (;;) {
        char u[4];
        size_t n, i;
        c = jp_peek(p);
        if (c < 0) {
            jp_fail_at(p, line, col, "unterminated string");
            break;
        }
        if (c == '"') {
            jp_adv(p);
            if (!b.b && jbuf_put(&b, "", 0)) {
                p->status = SLM_ENOMEM;
                break;
            }
            *out = b.b;
            *outlen = b.n;
            return 0;
        }
        if (c < 0x20) {
            jp_fail(p, "control character 0x%02x in a string (escape it)",
                    (unsigned)c);
            break;
        }
        if (c == '\\') {
            jp_adv(p);
            if (jp_escape(p, u, &n))
                break;
        } else if (c < 0x80) {
            u[0] = (char)c;
            n = 1;
            jp_adv(p);
        } else {
            n = jp_utf8_len(p);
            if (!n) {
                jp_fail(p, "invalid UTF-8 byte 0x%02x in a string",
                        (unsigned)c);
                break;
            }
            for (i = 0; i < n; i++) {
                u[i] = (char)p->s[p->pos];
                jp_adv(p);
            }
        }
        if (b.n + n > JSON_MAX_STRING) {
            jp_fail_at(p, line, col, "string longer than %u bytes",
                       JSON_MAX_STRING);
            break;
        }
        if (jbuf_put(&b, u, n)) {
            p->status = SLM_ENOMEM;
            break;
        }
    }
    mem_free(b.b);
    return -1;
}

/* ---- numbers and literals ---- */

static size_t jp_digits(struct jp *p)
{
    size_t n = 0;
    int c;

    while ((c = jp_peek(p)) >= '0' && c <= '9') {
        jp_adv(p);
        n++;
    }
    return n;
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * checked here, converted by strtod (the program never sets a locale, so
 * the decimal point is '.'). */
static int jp_number(struct jp *p, double *out)
{
    size_t start = p->pos, n;
    int line = p->line, col = p->col;
    char text[64];
    char *end;
    int ok = 1;

    if (jp_peek(p) == '-')
        jp_adv(p);
    if (jp_peek(p) == '0') {
        jp_adv(p);
        if (jp_peek(p) >= '0' && jp_peek(p) <= '9')
            ok = 0;
    } else if (!jp_digits(p)) {
        ok = 0;
    }
    if (ok && jp_peek(p) == '.') {
        jp_adv(p);
        ok = jp_digits(p) > 0;
    }
    if (ok && (jp_peek(p) == 'e' || jp_peek(p) == 'E')) {
        jp_adv(p);
        if (jp_peek(p) == '+' || jp_peek(p) == '-')
            jp_adv(p);
        ok = jp_digits(p) > 0;
    }
    n = p->pos - start;
    if (!ok) {
        jp_fail_at(p, line, col, "invalid number '%.*s'",
                   (int)(n < 32 ? n + (p->pos < p->len) : 32),
                   (const char *)p->s + start);
        return -1;
    }
    if (n >= sizeof text) {
        jp_fail_at(p, line, col, "number longer than %zu characters",
                   sizeof text - 1);
        return -1;
    }
    memcpy(text, p->s + start, n);
    text[n] = '\0';
    errno = 0;
    *out = strtod(text, &end);
    if (!isfinite(*out)) {
        jp_fail_at(p, line, col, "number '%s' out of range", text);
        return -1;
    }
    return 0;
}

static int jp_literal(struct jp *p, struct json *v)
{
    static const struct {
        const char *word;
        enum json_type type;
        int boolean;
    } lit[] = {{"true", JSON_BOOL, 1},
               {"false", JSON_BOOL, 0},
               {"null", JSON_NULL, 0}};
    size_t i, n;

    for (i = 0; i < sizeof lit / sizeof lit[0]; i++) {
        n = strlen(lit[i].word);
        if (p->len - p->pos >= n && !memcmp(p->s + p->pos, lit[i].word, n)) {
            while (n--)
                jp_adv(p);
            v->type = lit[i].type;
            v->boolean = lit[i].boolean;
            return 0;
        }
    }
    return -1;
}

/* ---- values ---- */

static int jp_value(struct jp *p, struct json *v, int depth);

static void json_clear(struct json *j)
{
    size_t i;

    if (j->type == JSON_ARRAY || j->type == JSON_OBJECT) {
        for (i = 0; i < j->len; i++)
            json_clear(&j->items[i]);
        mem_free(j->items);
    }
    mem_free(j->string);
    mem_free(j->key);
    memset(j, 0, sizeof *j);
}

/* A new zeroed slot at the end of v's items, counted in v->len at once so
 * that a failure inside it is cleaned up with v. */
static struct json *jp_push(struct jp *p, struct json *v, size_t *cap)
{
    if (v->len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct json *ni = mem_realloc(v->items, ncap, sizeof *ni);
        if (!ni) {
            p->status = SLM_ENOMEM;
            return NULL;
        }
        v->items = ni;
        *cap = ncap;
    }
    memset(&v->items[v->len], 0, sizeof v->items[0]);
    return &v->items[v->len++];
}

static int jp_array(struct jp *p, struct json *v, int depth)
{
    size_t cap = 0;
    char buf[16];
    struct json *item;

    v->type = JSON_ARRAY;
    jp_adv(p);
    jp_skip_ws(p);
    if (jp_peek(p) == ']') {
        jp_adv(p);
        return 0;
    }
    for (;;) {
        item = jp_push(p, v, &cap);
        if (!item || jp_value(p, item, depth + 1))
            return -1;
        jp_skip_ws(p);
        if (jp_peek(p) == ']') {
            jp_adv(p);
            return 0;
        }
        if (jp_peek(p) != ',') {
            jp_fail(p, "expected ',' or ']' after an array item, got %s",
                    jp_found(p, buf, sizeof buf));
            return -1;
        }
        jp_adv(p);
        jp_skip_ws(p);
        if (jp_peek(p) == ']') {
            jp_fail(p, "trailing ',' before ']'");
            return -1;
        }
    }
}

static int member_cmp(const void *a, const void *b)
{
    const struct json *x = *(const struct json *const *)a;
    const struct json *y = *(const struct json *const *)b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    /* Same key: document order, so the first comes first. */
    return (x > y) - (x < y);
}

/* Duplicate keys by sorting pointers: n log n, where a pairwise scan
 * would let a crafted object with many members take minutes. */
static int jp_no_duplicates(struct jp *p, const struct json *obj)
{
    const struct json **m;
    size_t i;
    int rc = 0;

    if (obj->len < 2)
        return 0;
    m = mem_calloc(obj->len, sizeof *m);
    if (!m) {
        p->status = SLM_ENOMEM;
        return -1;
    }
    for (i = 0; i < obj->len; i++)
        m[i] = &obj->items[i];
    qsort(m, obj->len, sizeof *m, member_cmp);
    for (i = 1; i < obj->len && !rc; i++) {
        if (!strcmp(m[i - 1]->key, m[i]->key)) {
            jp_fail_at(p, m[i]->line, m[i]->col,
                       "duplicate key '%s' (first at %d:%d)", m[i]->key,
                       m[i - 1]->line, m[i - 1]->col);
            rc = -1;
        }
    }
    mem_free(m);
    return rc;
}

/* One "key": value member into a new slot of v. */
static int jp_member(struct jp *p, struct json *v, size_t *cap, int depth)
{
    struct json *m;
    char *key;
    size_t klen;
    int line = p->line, col = p->col;
    char buf[16];

    if (jp_peek(p) != '"') {
        jp_fail(p, "expected a string key, got %s",
                jp_found(p, buf, sizeof buf));
        return -1;
    }
    if (jp_string(p, &key, &klen))
        return -1;
    m = jp_push(p, v, cap);
    if (!m) {
        mem_free(key);
        return -1;
    }
    jp_skip_ws(p);
    if (jp_peek(p) != ':') {
        jp_fail(p, "expected ':' after key '%s', got %s", key,
                jp_found(p, buf, sizeof buf));
        mem_free(key);
        return -1;
    }
    jp_adv(p);
    jp_skip_ws(p);
    if (jp_value(p, m, depth + 1)) {
        mem_free(key);
        return -1;
    }
    /* A member is located at its key, where a reader looks for it. */
    m->key = key;
    m->line = line;
    m->col = col;
    return 0;
}

static int jp_object(struct jp *p, struct json *v, int depth)
{
    size_t cap = 0;
    char buf[16];

    v->type = JSON_OBJECT;
    jp_adv(p);
    jp_skip_ws(p);
    if (jp_peek(p) == '}') {
        jp_adv(p);
        return 0;
    }
    for (;;) {
        if (jp_member(p, v, &cap, depth))
            return -1;
        jp_skip_ws(p);
        if (jp_peek(p) == '}') {
            jp_adv(p);
            return jp_no_duplicates(p, v);
        }
        if (jp_peek(p) != ',') {
            jp_fail(p, "expected ',' or '}' after a member, got %s",
                    jp_found(p, buf, sizeof buf));
            return -1;
        }
        jp_adv(p);
        jp_skip_ws(p);
        if (jp_peek(p) == '}') {
            jp_fail(p, "trailing ',' before '}'");
            return -1;
        }
    }
}

/* The value at the cursor (whitespace already skipped) into v. */
static int jp_value(struct jp *p, struct json *v, int depth)
{
    char buf[16];
    int c = jp_peek(p);

    v->line = p->line;
    v->col = p->col;
    if (++p->nvalues > JSON_MAX_VALUES) {
        jp_fail(p, "more than %u values in one document", JSON_MAX_VALUES);
        return -1;
    }
    if ((c == '[' || c == '{') && depth >= JSON_MAX_DEPTH) {
        jp_fail(p, "nested deeper than %d levels", JSON_MAX_DEPTH);
        return -1;
    }
    switch (c) {
    case '[': return jp_array(p, v, depth);
    case '{': return jp_object(p, v, depth);
    case '"':
        v->type = JSON_STRING;
        return jp_string(p, &v->string, &v->len);
    default: break;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        v->type = JSON_NUMBER;
        return jp_number(p, &v->number);
    }
    if (c >= 0 && jp_literal(p, v) == 0)
        return 0;
    jp_fail(p, "expected a value, got %s", jp_found(p, buf, sizeof buf));
    return -1;
}

int json_parse(const char *text, size_t len, const char *file,
               struct diag *d, struct json **out)
{
    struct jp p;
    struct json *root;
    char buf[16];

    *out = NULL;
    memset(&p, 0, sizeof p);
    p.s = (const unsigned char *)text;
    p.len = len;
    p.line = p.col = 1;
    p.file = file;
    p.d = d;
    if (len > JSON_MAX_SIZE) {
        jp_fail_at(&p, 0, 0, "larger than %u MiB", JSON_MAX_SIZE >> 20);
        return p.status;
    }
    root = mem_calloc(1, sizeof *root);
    if (!root)
        return SLM_ENOMEM;
    /* A UTF-8 byte order mark is allowed and ignored (RFC 8259 sec. 8.1). */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        p.pos = 3;
    jp_skip_ws(&p);
    if (jp_value(&p, root, 0) == 0) {
        jp_skip_ws(&p);
        if (p.pos < p.len)
            jp_fail(&p, "unexpected %s after the document",
                    jp_found(&p, buf, sizeof buf));
    } else if (!p.status) {
        p.status = SLM_EINPUT;
    }
    if (p.status) {
        json_free(root);
        return p.status;
    }
    *out = root;
    return SLM_OK;
}

/* Reads all of f, at most JSON_MAX_SIZE + 1 bytes (one more tells that
 * the file is too big without reading all of a huge one). */
static int json_read_all(FILE *f, char **text, size_t *len)
{
    size_t cap = 4096, n = 0, got;
    char *b = mem_alloc(cap), *nb;

    if (!b)
        return SLM_ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > JSON_MAX_SIZE)
                break;
            nb = mem_realloc(b, cap * 2, 1);
            if (!nb) {
                mem_free(b);
                return SLM_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        mem_free(b);
        errno = errno ? errno : EIO;
        return SLM_ESYS;
    }
    *text = b;
    *len = n;
    return SLM_OK;
}

int json_load(const char *path, struct diag *d, struct json **out)
{
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *text = NULL;
    size_t len = 0;
    int st;

    *out = NULL;
    if (!f)
        return SLM_ESYS;
    errno = 0;
    st = json_read_all(f, &text, &len);
    if (!is_stdin) {
        int e = errno;
        fclose(f);
        errno = e;
    }
    if (st)
        return st;
    st = json_parse(text, len, is_stdin ? "<stdin>" : path, d, out);
    mem_free(text);
    return st;
}

void json_free(struct json *j)
{
    if (!j)
        return;
    json_clear(j);
    mem_free(j);
}

/* ---- reading a tree ---- */

const struct json *json_get(const struct json *obj, const char *key)
{
    size_t i;

    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    /* Linear: the objects slmsim reads have tens of members. */
    for (i = 0; i < obj->len; i++)
        if (!strcmp(obj->items[i].key, key))
            return &obj->items[i];
    return NULL;
}

const struct json *json_at(const struct json *j, size_t i)
{
    if (!j || (j->type != JSON_ARRAY && j->type != JSON_OBJECT) ||
        i >= j->len)
        return NULL;
    return &j->items[i];
}

size_t json_len(const struct json *j)
{
    if (!j || (j->type != JSON_ARRAY && j->type != JSON_OBJECT))
        return 0;
    return j->len;
}

int json_is(const struct json *j, enum json_type t)
{
    return j && j->type == t;
}

double json_num(const struct json *j, double dflt)
{
    return json_is(j, JSON_NUMBER) ? j->number : dflt;
}

const char *json_str(const struct json *j)
{
    return json_is(j, JSON_STRING) ? j->string : NULL;
}

const char *json_type_name(enum json_type t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "a value";
}
