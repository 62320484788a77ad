/*
 * cfg: YAML to a located tree, and the typed getters the models read it by.
 *
 * The tree is built from libyaml's event stream (yaml_parser_parse), not
 * its document loader: events give every node's start mark, let us refuse
 * anchors, deep nesting and oversized items as they arrive, and keep every
 * allocation of ours behind sim/mem.h (libyaml's own buffers are its
 * business).  The first error stops the load: after a syntax error the rest
 * of the stream means little, and one located message is what users fix.
 *
 * A child is attached to its parent as soon as it starts, so a failed load
 * frees exactly one tree (the root) plus the key awaiting its value.
 */
#include "sim/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "sim/mem.h"
#include "sim/units.h"

/* The public node plus what only this file needs: the capacity of the
 * arrays of a collection, and a scalar's text in the same allocation. */
struct cfg_box {
    struct cfg_node node; /* first: a node pointer is a box pointer */
    size_t cap;
    char text[];
};

struct cfg_doc {
    char *name; /* owned; every node's pos.file points here */
    struct cfg_node *root;
};

/* "--set" values carry this name; a literal outlives every document. */
static const char cfg_set_name[] = "--set";

/* ---- nodes ---- */

static struct cfg_node *cfg_node_new(enum cfg_kind kind,
                                     const struct diag_pos *pos,
                                     const char *text, size_t len)
{
    struct cfg_box *b;

    if (kind != CFG_SCALAR)
        len = 0;
    b = mem_calloc(1, sizeof *b + len + 1);
    if (!b)
        return NULL;
    b->node.kind = kind;
    b->node.pos = *pos;
    if (kind == CFG_SCALAR) {
        memcpy(b->text, text, len);
        b->text[len] = '\0';
        b->node.scalar = b->text;
    }
    return &b->node;
}

/* Recursion is bounded: the parser refuses depth > CFG_MAX_DEPTH and
 * cfg_doc_set adds at most as many levels again. */
static void cfg_node_free(struct cfg_node *n)
{
    size_t i;

    if (!n)
        return;
    for (i = 0; i < n->n; i++) {
        if (n->keys)
            mem_free((void *)n->keys[i]);
        cfg_node_free(n->items[i]);
    }
    mem_free(n->keys);
    mem_free(n->key_pos);
    mem_free(n->items);
    mem_free(n); /* the box: node is its first member */
}

/* Makes room for one more item; doubling keeps 100000 appends linear.
 * On failure the arrays stay valid (realloc leaves them intact). */
static int cfg_node_reserve(struct cfg_node *n)
{
    struct cfg_box *b = (struct cfg_box *)n;
    size_t cap = b->cap ? 2 * b->cap : 4;
    void *p;

    if (n->n < b->cap)
        return 0;
    p = mem_realloc(n->items, cap, sizeof *n->items);
    if (!p)
        return SLM_ENOMEM;
    n->items = p;
    if (n->kind == CFG_MAP) {
        p = mem_realloc((void *)n->keys, cap, sizeof *n->keys);
        if (!p)
            return SLM_ENOMEM;
        n->keys = p;
        p = mem_realloc(n->key_pos, cap, sizeof *n->key_pos);
        if (!p)
            return SLM_ENOMEM;
        n->key_pos = p;
    }
    b->cap = cap;
    return 0;
}

/* Takes ownership of key and child on success only. */
static int cfg_map_append(struct cfg_node *map, char *key,
                          const struct diag_pos *key_pos,
                          struct cfg_node *child)
{
    if (cfg_node_reserve(map))
        return SLM_ENOMEM;
    map->keys[map->n] = key;
    map->key_pos[map->n] = *key_pos;
    map->items[map->n++] = child;
    return 0;
}

static int cfg_seq_append(struct cfg_node *seq, struct cfg_node *child)
{
    if (cfg_node_reserve(seq))
        return SLM_ENOMEM;
    seq->items[seq->n++] = child;
    return 0;
}

/* ---- message helpers ---- */

/* Copies s for a message: control and non-ASCII bytes as \xNN, long text
 * cut at 60 bytes with "...", so binary garbage cannot reach a terminal. */
static const char *cfg_quote(const char *s, size_t len, char *buf,
                             size_t size)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 60) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c >= 0x7f) {
            snprintf(buf + o, size - o, "\\x%02x", c);
            o += 4;
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o] = '\0';
    return buf;
}

#define CFG_QUOTE_SIZE 256
#define CFG_MSG_SIZE 1024

static const char *cfg_where(const char *where, char *buf, size_t size)
{
    char q[CFG_QUOTE_SIZE];

    if (!where || !*where)
        return "at the top level";
    snprintf(buf, size, "in %s",
             cfg_quote(where, strlen(where), q, sizeof q));
    return buf;
}

/* ---- the event parser ---- */

struct cfg_frame {
    struct cfg_node *node;
    char *key; /* map: a key awaiting its value, owned */
    struct diag_pos key_pos;
};

struct cfg_parser {
    const char *file; /* borrowed, stored in every node */
    const char *buf;
    size_t len;
    int col_offset; /* added to columns on line 1 ("--set" values) */
    int any_top;    /* "--set": any node, even empty, and all on line 1 */
    struct diag *d;
    yaml_parser_t yp;
    struct cfg_frame stack[CFG_MAX_DEPTH];
    int depth;
    int docs;
    struct cfg_node *root;
};

static struct diag_pos cfg_pos_at(const struct cfg_parser *p, size_t line0,
                                  size_t col0)
{
    struct diag_pos pos;

    pos.file = p->file;
    pos.line = line0 < INT_MAX ? (int)line0 + 1 : INT_MAX;
    pos.col = col0 < INT_MAX - 1 - (size_t)p->col_offset
                  ? (int)col0 + 1 + (line0 == 0 ? p->col_offset : 0)
                  : INT_MAX;
    return pos;
}

/* A --set value is reported as one line of the assignment, even when the
 * shell passed a newline in it: index counts characters from its start. */
static struct diag_pos cfg_pos_mark(const struct cfg_parser *p,
                                    yaml_mark_t m)
{
    if (p->any_top)
        return cfg_pos_at(p, 0, m.index);
    return cfg_pos_at(p, m.line, m.column);
}

/* Line and column of a byte offset, counting characters as libyaml does
 * (UTF-8 continuation bytes do not advance the column; \r\n, \r and \n
 * end a line). */
static struct diag_pos cfg_pos_offset(const struct cfg_parser *p, size_t off)
{
    size_t i, line = 0, col = 0;

    if (p->any_top)
        return cfg_pos_at(p, 0, off);
    for (i = 0; i < off && i < p->len; i++) {
        unsigned char c = (unsigned char)p->buf[i];
        if (c == '\n' || (c == '\r' && (i + 1 >= p->len ||
                                        p->buf[i + 1] != '\n'))) {
            line++;
            col = 0;
        } else if (c != '\r' && (c & 0xc0) != 0x80) {
            col++;
        }
    }
    return cfg_pos_at(p, line, col);
}

static int cfg_fail(struct cfg_parser *p, const struct diag_pos *pos,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int cfg_fail(struct cfg_parser *p, const struct diag_pos *pos,
                    const char *fmt, ...)
{
    char msg[CFG_MSG_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(p->d, pos, "%s", msg);
    return SLM_EINPUT;
}

/* libyaml's own words, first letter lowered; the context is added when it
 * points elsewhere ("while scanning a quoted scalar at 1:4"). */
static int cfg_yaml_error(struct cfg_parser *p)
{
    const yaml_parser_t *yp = &p->yp;
    const char *problem = yp->problem ? yp->problem : "invalid YAML";
    struct diag_pos pos, ctx;
    char extra[128] = "";

    if (yp->error == YAML_MEMORY_ERROR)
        return SLM_ENOMEM;
    if (yp->error == YAML_READER_ERROR) {
        pos = cfg_pos_offset(p, yp->problem_offset);
        if (yp->problem_value != -1)
            snprintf(extra, sizeof extra, " (0x%02X)",
                     (unsigned)yp->problem_value);
    } else {
        pos = cfg_pos_mark(p, yp->problem_mark);
        ctx = cfg_pos_mark(p, yp->context_mark);
        if (yp->context && (ctx.line != pos.line || ctx.col != pos.col))
            snprintf(extra, sizeof extra, " (%s at %d:%d)", yp->context,
                     ctx.line, ctx.col);
    }
    return cfg_fail(p, &pos, "%c%s%s", tolower((unsigned char)problem[0]),
                    problem + 1, extra);
}

static const char *cfg_kind_word(enum cfg_kind kind)
{
    return kind == CFG_MAP ? "mapping" : kind == CFG_SEQ ? "sequence"
                                                         : "scalar";
}

/* Places a finished or just-started node: the document's root, the next
 * element of a sequence, or the value of the pending key of a mapping.
 * Takes ownership of n in every case (freed on failure). */
static int cfg_attach(struct cfg_parser *p, struct cfg_node *n)
{
    struct cfg_frame *f;
    int rc;

    if (p->depth == 0) {
        if (!p->any_top && n->kind != CFG_MAP) {
            struct diag_pos pos = n->pos;
            int empty = n->kind == CFG_SCALAR && !n->quoted && !*n->scalar;
            const char *word = cfg_kind_word(n->kind);
            cfg_node_free(n);
            if (empty) {
                pos.line = pos.col = 0;
                return cfg_fail(p, &pos, "empty scenario file: expected a "
                                         "mapping at the top");
            }
            return cfg_fail(p, &pos, "expected a mapping at the top, got a %s",
                            word);
        }
        p->root = n;
        return 0;
    }
    f = &p->stack[p->depth - 1];
    if (f->node->n >= CFG_MAX_ITEMS) {
        struct diag_pos pos = f->node->pos;
        cfg_node_free(n);
        return cfg_fail(p, &pos, "more than %d items in one %s",
                        CFG_MAX_ITEMS, cfg_kind_word(f->node->kind));
    }
    if (f->node->kind == CFG_SEQ)
        rc = cfg_seq_append(f->node, n);
    else
        rc = cfg_map_append(f->node, f->key, &f->key_pos, n);
    if (rc) {
        cfg_node_free(n);
        return rc;
    }
    f->key = NULL;
    return 0;
}

/* True when the next node of the innermost mapping is a key. */
static int cfg_want_key(const struct cfg_parser *p)
{
    const struct cfg_frame *f;

    if (p->depth == 0)
        return 0;
    f = &p->stack[p->depth - 1];
    return f->node->kind == CFG_MAP && !f->key;
}

static int cfg_on_scalar(struct cfg_parser *p, const yaml_event_t *ev)
{
    struct diag_pos pos = cfg_pos_mark(p, ev->start_mark);
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    struct cfg_node *n;

    if (ev->data.scalar.anchor)
        return cfg_fail(p, &pos, "anchors and aliases are not supported");
    if (len > CFG_MAX_SCALAR)
        return cfg_fail(p, &pos, "scalar is longer than %d bytes",
                        CFG_MAX_SCALAR);
    /* A "\0" escape in a double-quoted scalar: C strings cannot hold it. */
    if (memchr(text, '\0', len))
        return cfg_fail(p, &pos, "scalar contains a NUL character");
    if (cfg_want_key(p)) {
        struct cfg_frame *f = &p->stack[p->depth - 1];
        f->key = mem_strndup(text, len);
        if (!f->key)
            return SLM_ENOMEM;
        f->key_pos = pos;
        return 0;
    }
    n = cfg_node_new(CFG_SCALAR, &pos, text, len);
    if (!n)
        return SLM_ENOMEM;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    return cfg_attach(p, n);
}

static int cfg_on_start(struct cfg_parser *p, const yaml_event_t *ev,
                        enum cfg_kind kind)
{
    struct diag_pos pos = cfg_pos_mark(p, ev->start_mark);
    const yaml_char_t *anchor = kind == CFG_MAP
                                    ? ev->data.mapping_start.anchor
                                    : ev->data.sequence_start.anchor;
    struct cfg_node *n;
    int rc;

    if (anchor)
        return cfg_fail(p, &pos, "anchors and aliases are not supported");
    if (cfg_want_key(p))
        return cfg_fail(p, &pos, "keys must be scalars");
    if (p->depth == CFG_MAX_DEPTH)
        return cfg_fail(p, &pos, "nesting deeper than %d levels",
                        CFG_MAX_DEPTH);
    n = cfg_node_new(kind, &pos, NULL, 0);
    if (!n)
        return SLM_ENOMEM;
    rc = cfg_attach(p, n);
    if (rc)
        return rc;
    p->stack[p->depth].node = n;
    p->stack[p->depth].key = NULL;
    p->depth++;
    return 0;
}

struct cfg_keyref {
    const char *key;
    size_t index;
};

static int cfg_keyref_cmp(const void *a, const void *b)
{
    const struct cfg_keyref *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* libyaml accepts duplicate keys; we refuse them, naming the first.  Sorting
 * (key, index) pairs costs n log n where a pairwise scan of a 100000-key
 * mapping would cost 5e9 comparisons.  Of several duplicates the one that
 * comes first in the file is reported. */
static int cfg_check_dups(struct cfg_parser *p, const struct cfg_node *map)
{
    struct cfg_keyref *refs;
    size_t i, first = 0, best = (size_t)-1, best_first = 0;
    char q[CFG_QUOTE_SIZE];
    const struct diag_pos *a, *b;

    if (map->n < 2)
        return 0;
    refs = mem_alloc(map->n * sizeof *refs);
    if (!refs)
        return SLM_ENOMEM;
    for (i = 0; i < map->n; i++) {
        refs[i].key = map->keys[i];
        refs[i].index = i;
    }
    qsort(refs, map->n, sizeof *refs, cfg_keyref_cmp);
    for (i = 1; i < map->n; i++) {
        if (strcmp(refs[i].key, refs[i - 1].key) != 0) {
            first = i;
            continue;
        }
        if (refs[i].index < best) {
            best = refs[i].index;
            best_first = refs[first].index;
        }
    }
    mem_free(refs);
    if (best == (size_t)-1)
        return 0;
    a = &map->key_pos[best_first];
    b = &map->key_pos[best];
    return cfg_fail(p, b, "duplicate key '%s' (first at %d:%d)",
                    cfg_quote(map->keys[best], strlen(map->keys[best]), q,
                              sizeof q),
                    a->line, a->col);
}

static int cfg_on_event(struct cfg_parser *p, const yaml_event_t *ev,
                        int *done)
{
    struct diag_pos pos = cfg_pos_mark(p, ev->start_mark);
    int rc;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++p->docs > 1)
            return cfg_fail(p, &pos, "only one YAML document per file");
        return 0;
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return 0;
    case YAML_ALIAS_EVENT:
        return cfg_fail(p, &pos, "anchors and aliases are not supported");
    case YAML_SCALAR_EVENT:
        return cfg_on_scalar(p, ev);
    case YAML_SEQUENCE_START_EVENT:
        return cfg_on_start(p, ev, CFG_SEQ);
    case YAML_MAPPING_START_EVENT:
        return cfg_on_start(p, ev, CFG_MAP);
    case YAML_MAPPING_END_EVENT:
        rc = cfg_check_dups(p, p->stack[p->depth - 1].node);
        if (rc)
            return rc;
        p->depth--;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
        p->depth--;
        return 0;
    default: /* stream start, document end, no event */
        return 0;
    }
}

/* Rejects NUL bytes before libyaml sees them: it would stop reading there
 * and report something less clear, or nothing at all. */
static int cfg_check_nul(struct cfg_parser *p)
{
    const char *z = memchr(p->buf, '\0', p->len);
    struct diag_pos pos;

    if (!z)
        return 0;
    pos = cfg_pos_offset(p, (size_t)(z - p->buf));
    return cfg_fail(p, &pos, "file contains a NUL byte");
}

/* Runs the event loop over p->buf; on success p->root holds the tree. */
static int cfg_parse(struct cfg_parser *p)
{
    yaml_event_t ev;
    int rc, done = 0, i;

    p->depth = 0;
    p->docs = 0;
    p->root = NULL;
    rc = cfg_check_nul(p);
    if (rc)
        return rc;
    if (!yaml_parser_initialize(&p->yp))
        return SLM_ENOMEM;
    yaml_parser_set_input_string(&p->yp, (const unsigned char *)p->buf,
                                 p->len);
    yaml_parser_set_encoding(&p->yp, YAML_UTF8_ENCODING);
    while (!done) {
        if (!yaml_parser_parse(&p->yp, &ev)) {
            rc = cfg_yaml_error(p);
            break;
        }
        rc = cfg_on_event(p, &ev, &done);
        yaml_event_delete(&ev);
        if (rc)
            break;
    }
    yaml_parser_delete(&p->yp);
    for (i = 0; i < p->depth; i++)
        mem_free(p->stack[i].key);
    if (!rc && !p->root) {
        struct diag_pos pos = {p->file, 0, 0};
        if (!p->any_top)
            return cfg_fail(p, &pos, "empty scenario file: expected a "
                                     "mapping at the top");
        pos = cfg_pos_at(p, 0, 0);
        p->root = cfg_node_new(CFG_SCALAR, &pos, "", 0);
        if (!p->root)
            return SLM_ENOMEM;
    }
    if (rc) {
        cfg_node_free(p->root);
        p->root = NULL;
    }
    return rc;
}

/* ---- documents ---- */

int cfg_load_buffer(const char *name, const char *buf, size_t len,
                    struct diag *d, struct cfg_doc **out)
{
    struct cfg_parser p;
    struct cfg_doc *doc;
    int rc;

    *out = NULL;
    if (len > (size_t)CFG_MAX_FILE_BYTES) {
        struct diag_pos pos = {name, 0, 0};
        diag_error(d, &pos, "file is too large (limit %ld MiB)",
                   CFG_MAX_FILE_BYTES / (1024 * 1024));
        return SLM_EINPUT;
    }
    doc = mem_calloc(1, sizeof *doc);
    if (!doc)
        return SLM_ENOMEM;
    doc->name = mem_strdup(name);
    if (!doc->name) {
        mem_free(doc);
        return SLM_ENOMEM;
    }
    /* A UTF-8 byte-order mark (editors on Windows write one) is not
     * content: libyaml, told the input is UTF-8, would read it as part of
     * the first key. */
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
        buf += 3;
        len -= 3;
    }
    memset(&p, 0, sizeof p);
    p.file = doc->name;
    p.buf = buf;
    p.len = len;
    p.d = d;
    rc = cfg_parse(&p);
    if (rc) {
        cfg_doc_free(doc);
        return rc;
    }
    doc->root = p.root;
    *out = doc;
    return 0;
}

/* Reads all of fd, refusing more than CFG_MAX_FILE_BYTES: st_size first
 * for regular files (a 100 MB file is refused unread), the running length
 * for pipes.  Returns 0, 1 when too large, or SLM_ESYS/SLM_ENOMEM. */
static int cfg_read_fd(int fd, char **bufp, size_t *lenp)
{
    struct stat st;
    size_t cap = 4096, len = 0;
    char *buf, *p;
    ssize_t got;

    if (fstat(fd, &st) != 0)
        return SLM_ESYS;
    if (S_ISREG(st.st_mode)) {
        if (st.st_size > CFG_MAX_FILE_BYTES)
            return 1;
        cap = (size_t)st.st_size + 1;
    }
    buf = mem_alloc(cap);
    if (!buf)
        return SLM_ENOMEM;
    for (;;) {
        if (len == cap) {
            p = mem_realloc(buf, 2, cap);
            if (!p) {
                mem_free(buf);
                return SLM_ENOMEM;
            }
            buf = p;
            cap *= 2;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            mem_free(buf);
            errno = e;
            return SLM_ESYS;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > (size_t)CFG_MAX_FILE_BYTES) {
            mem_free(buf);
            return 1;
        }
    }
    *bufp = buf;
    *lenp = len;
    return 0;
}

int cfg_load_file(const char *path, struct diag *d, struct cfg_doc **out)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    char *buf = NULL;
    size_t len = 0;
    int fd, rc, e;

    *out = NULL;
    fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SLM_ESYS;
    rc = cfg_read_fd(fd, &buf, &len);
    e = errno;
    if (!is_stdin)
        close(fd);
    errno = e;
    if (rc == 1) {
        struct diag_pos pos = {name, 0, 0};
        diag_error(d, &pos, "file is too large (limit %ld MiB)",
                   CFG_MAX_FILE_BYTES / (1024 * 1024));
        return SLM_EINPUT;
    }
    if (rc)
        return rc;
    rc = cfg_load_buffer(name, buf, len, d, out);
    mem_free(buf);
    return rc;
}

void cfg_doc_free(struct cfg_doc *doc)
{
    if (!doc)
        return;
    cfg_node_free(doc->root);
    mem_free(doc->name);
    mem_free(doc);
}

struct cfg_node *cfg_doc_root(struct cfg_doc *doc)
{
    return doc->root;
}

/* ---- --set ---- */

struct cfg_path {
    const char *text; /* the whole assignment */
    size_t nseg;
    size_t start[CFG_MAX_DEPTH]; /* offsets into text */
    size_t len[CFG_MAX_DEPTH];
};

static struct diag_pos cfg_set_pos(size_t offset)
{
    struct diag_pos pos = {cfg_set_name, 1, 1};

    pos.col = offset < INT_MAX - 1 ? (int)offset + 1 : INT_MAX;
    return pos;
}

/* Splits "a.b.c" (path_len bytes of text) into segments. */
static int cfg_path_split(struct cfg_path *path, size_t path_len,
                          struct diag *d)
{
    size_t i = 0, s;
    char q[CFG_QUOTE_SIZE];

    path->nseg = 0;
    for (;;) {
        struct diag_pos pos = cfg_set_pos(i);
        s = i;
        while (i < path_len && path->text[i] != '.')
            i++;
        if (i == s) {
            diag_error(d, &pos, "empty path segment in '%s'",
                       cfg_quote(path->text, path_len, q, sizeof q));
            return SLM_EINPUT;
        }
        if (path->nseg == CFG_MAX_DEPTH) {
            diag_error(d, &pos, "nesting deeper than %d levels",
                       CFG_MAX_DEPTH);
            return SLM_EINPUT;
        }
        path->start[path->nseg] = s;
        path->len[path->nseg++] = i - s;
        if (i == path_len)
            return 0;
        i++;
    }
}

/* A sequence index: decimal digits only (-1 otherwise), below n (-2
 * otherwise); *idx saturates rather than overflow. */
static int cfg_path_index(const struct cfg_path *path, size_t k, size_t n,
                          size_t *idx)
{
    const char *s = path->text + path->start[k];
    size_t i, v = 0;

    for (i = 0; i < path->len[k]; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        if (v <= CFG_MAX_ITEMS)
            v = v * 10 + (size_t)(s[i] - '0');
    }
    *idx = v;
    return v < n ? 0 : -2;
}

static struct cfg_node *cfg_map_find(const struct cfg_node *map,
                                     const char *key, size_t len, size_t *at)
{
    size_t i;

    for (i = 0; i < map->n; i++) {
        if (strlen(map->keys[i]) == len &&
            memcmp(map->keys[i], key, len) == 0) {
            *at = i;
            return map->items[i];
        }
    }
    return NULL;
}

/* Wraps value in new mappings for segments from..nseg-1, innermost first:
 * a.b.c=1 with only 'a' present gives {c: 1} under a new key 'b'.  Frees
 * value and the partial chain on failure. */
static struct cfg_node *cfg_path_chain(const struct cfg_path *path,
                                       size_t from, struct cfg_node *value)
{
    size_t k;

    for (k = path->nseg - 1; k > from; k--) {
        struct diag_pos pos = cfg_set_pos(path->start[k]);
        struct cfg_node *map = cfg_node_new(CFG_MAP, &pos, NULL, 0);
        char *key = mem_strndup(path->text + path->start[k], path->len[k]);
        if (!map || !key || cfg_map_append(map, key, &pos, value)) {
            mem_free(key);
            cfg_node_free(map);
            cfg_node_free(value);
            return NULL;
        }
        value = map;
    }
    return value;
}

/* Parses the text after '=' as a YAML node located in the assignment. */
static int cfg_set_value(const char *assignment, size_t eq, struct diag *d,
                         struct cfg_node **out)
{
    struct cfg_parser p;
    int rc;

    memset(&p, 0, sizeof p);
    p.file = cfg_set_name;
    p.buf = assignment + eq + 1;
    p.len = strlen(p.buf);
    p.col_offset = (int)eq + 1;
    p.any_top = 1;
    p.d = d;
    rc = cfg_parse(&p);
    *out = p.root;
    return rc;
}

/* Where a --set lands: the node holding the last existing segment. */
struct cfg_target {
    struct cfg_node *cur; /* a mapping or sequence */
    size_t k;             /* segments k.. are missing from cur (a mapping) */
    size_t at;            /* or, when k == nseg, cur's item to replace */
};

/* Reports why segment k cannot be taken from a scalar or a sequence. */
static int cfg_set_refuse(const struct cfg_path *path, size_t k,
                          const struct cfg_node *cur, int why, struct diag *d)
{
    struct diag_pos pos = cfg_set_pos(path->start[k]);
    char q[CFG_QUOTE_SIZE], q2[CFG_QUOTE_SIZE];
    const char *full = cfg_quote(path->text, path->start[k] + path->len[k],
                                 q, sizeof q);
    const char *parent = cfg_quote(path->text, path->start[k] - 1, q2,
                                   sizeof q2);

    if (cur->kind == CFG_SCALAR)
        diag_error(d, &pos, "cannot set '%s': '%s' is a scalar", full,
                   parent);
    else if (why == -1)
        diag_error(d, &pos, "cannot set '%s': '%s' is a sequence (index it "
                   "with a number)", full, parent);
    else
        diag_error(d, &pos, "cannot set '%s': index out of range ('%s' has "
                   "%zu items)", full, parent, cur->n);
    return SLM_EINPUT;
}

/* Follows the path as far as it exists, touching nothing. */
static int cfg_set_walk(struct cfg_node *root, const struct cfg_path *path,
                        struct cfg_target *t, struct diag *d)
{
    struct cfg_node *cur = root, *next;
    size_t k;
    int rc;

    for (k = 0;; k++, cur = next) {
        if (cur->kind == CFG_SCALAR)
            return cfg_set_refuse(path, k, cur, 0, d);
        if (cur->kind == CFG_SEQ) {
            rc = cfg_path_index(path, k, cur->n, &t->at);
            if (rc)
                return cfg_set_refuse(path, k, cur, rc, d);
            next = cur->items[t->at];
        } else {
            next = cfg_map_find(cur, path->text + path->start[k],
                                path->len[k], &t->at);
        }
        t->cur = cur;
        t->k = next ? path->nseg : k;
        if (!next || k + 1 == path->nseg)
            return 0;
    }
}

/* Validates the whole walk and parses the value before touching the
 * document, so a failed --set (wrong path or out of memory) leaves it as
 * it was. */
int cfg_doc_set(struct cfg_doc *doc, const char *assignment, struct diag *d)
{
    const char *eq = strchr(assignment, '=');
    struct diag_pos pos = cfg_set_pos(0);
    struct cfg_path path;
    struct cfg_target t = {0};
    struct cfg_node *value;
    char q[CFG_QUOTE_SIZE], *key;
    int rc;

    if (strlen(assignment) > CFG_MAX_SCALAR) {
        diag_error(d, &pos, "assignment is longer than %d bytes",
                   CFG_MAX_SCALAR);
        return SLM_EINPUT;
    }
    if (!eq || eq == assignment) {
        diag_error(d, &pos, "expected KEY.PATH=VALUE, got '%s'",
                   cfg_quote(assignment, strlen(assignment), q, sizeof q));
        return SLM_EINPUT;
    }
    path.text = assignment;
    rc = cfg_path_split(&path, (size_t)(eq - assignment), d);
    if (!rc)
        rc = cfg_set_walk(doc->root, &path, &t, d);
    if (!rc)
        rc = cfg_set_value(assignment, (size_t)(eq - assignment), d, &value);
    if (rc)
        return rc;
    if (t.k == path.nseg) {
        cfg_node_free(t.cur->items[t.at]);
        t.cur->items[t.at] = value;
        return 0;
    }
    /* Missing from segment k on: build the chain, then one append. */
    pos = cfg_set_pos(path.start[t.k]);
    key = mem_strndup(assignment + path.start[t.k], path.len[t.k]);
    value = key ? cfg_path_chain(&path, t.k, value) : value;
    if (!key || !value || cfg_map_append(t.cur, key, &pos, value)) {
        mem_free(key);
        cfg_node_free(value);
        return SLM_ENOMEM;
    }
    return 0;
}

int cfg_node_from_set(const struct cfg_node *n)
{
    return n && n->pos.file && !strcmp(n->pos.file, cfg_set_name);
}

/* ---- lookups ---- */

struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
{
    size_t at;

    if (!map || map->kind != CFG_MAP || !key)
        return NULL;
    return cfg_map_find(map, key, strlen(key), &at);
}

const struct diag_pos *cfg_key_pos(const struct cfg_node *map,
                                   const char *key)
{
    size_t at;

    if (!map)
        return NULL;
    if (map->kind == CFG_MAP && key &&
        cfg_map_find(map, key, strlen(key), &at))
        return &map->key_pos[at];
    return &map->pos;
}

static const char *cfg_word_list(const char *const *words, size_t n,
                                 char *buf, size_t size);

int cfg_check_keys(const struct cfg_node *map, const char *where,
                   const char *const *allowed, size_t n, struct diag *d)
{
    size_t i, j;
    int unknown = 0;
    char q[CFG_QUOTE_SIZE], w[CFG_QUOTE_SIZE + 8], s[CFG_QUOTE_SIZE + 32];
    char hints[CFG_QUOTE_SIZE];

    if (!map || map->kind != CFG_MAP)
        return 0;
    for (i = 0; i < map->n; i++) {
        const char *key = map->keys[i];
        for (j = 0; j < n && strcmp(key, allowed[j]) != 0; j++)
            ;
        if (j < n)
            continue;
        unknown++;
        /* The close ones, else the whole list: never a bare "unknown". */
        if (diag_suggest_list(key, allowed, n, hints, sizeof hints)) {
            snprintf(s, sizeof s, " (did you mean %s?)", hints);
        } else {
            cfg_word_list(allowed, n, hints, sizeof hints);
            snprintf(s, sizeof s, " (allowed: %s)", hints);
        }
        diag_error(d, &map->key_pos[i], "unknown key '%s' %s%s",
                   cfg_quote(key, strlen(key), q, sizeof q),
                   cfg_where(where, w, sizeof w), s);
    }
    return unknown;
}

/* YAML's null: an empty, "~" or "null" plain scalar. */
static int cfg_is_null(const struct cfg_node *n)
{
    return n->kind == CFG_SCALAR && !n->quoted &&
           (!*n->scalar || !strcmp(n->scalar, "~") ||
            !strcmp(n->scalar, "null") || !strcmp(n->scalar, "Null") ||
            !strcmp(n->scalar, "NULL"));
}

/* What was found, for "must be X, got Y": a mapping, null, '3x'. */
static const char *cfg_got(const struct cfg_node *n, char *buf, size_t size)
{
    char q[CFG_QUOTE_SIZE];

    if (!n)
        return "nothing";
    if (n->kind == CFG_MAP)
        return "a mapping";
    if (n->kind == CFG_SEQ)
        return "a sequence";
    if (cfg_is_null(n))
        return "null";
    snprintf(buf, size, "'%s'",
             cfg_quote(n->scalar, strlen(n->scalar), q, sizeof q));
    return buf;
}

int cfg_expect(const struct cfg_node *node, enum cfg_kind kind,
               const char *what, struct diag *d)
{
    static const char *const names[] = {"a scalar", "a mapping",
                                        "a sequence"};
    char got[CFG_QUOTE_SIZE + 2];

    if (node && node->kind == kind)
        return 0;
    diag_error(d, node ? &node->pos : NULL, "'%s' must be %s, got %s", what,
               names[kind], cfg_got(node, got, sizeof got));
    return -1;
}

/* Looks key up for a getter: 0 with *node to check, 1 when absent (or
 * null, which reads as "use the default" unless the key is required), -1
 * after reporting a missing required key at the map. */
static int cfg_lookup(const struct cfg_node *map, const char *key,
                      const char *where, unsigned flags,
                      const struct cfg_node **node, struct diag *d)
{
    char w[CFG_QUOTE_SIZE + 8];

    *node = cfg_get(map, key);
    if (*node && (flags & CFG_REQUIRED || !cfg_is_null(*node)))
        return CFG_GOT_SET;
    if (*node || !(flags & CFG_REQUIRED))
        return CFG_GOT_ABSENT;
    diag_error(d, map ? &map->pos : NULL, "missing required key '%s' %s", key,
               cfg_where(where, w, sizeof w));
    return CFG_GOT_BAD;
}

/* What a quantity is called and how it is read. */
struct cfg_qty {
    const char *noun; /* "'x' must be a NOUN, got a mapping" */
    const char *bad;  /* "bad BAD '30x' (units: HELP)"; NULL: use noun */
    const char *help;
    int (*parse)(const char *, double *);
    /* How to write a bare number with its unit, in messages. */
    enum { CFG_FIX_NONE, CFG_FIX_DURATION, CFG_FIX_RATE } fix;
};

static const struct cfg_qty cfg_number = {"number", NULL, NULL,
                                          units_parse_number, CFG_FIX_NONE};
static const struct cfg_qty cfg_duration = {
    "duration", "duration", UNITS_DURATION_HELP, units_parse_duration,
    CFG_FIX_DURATION};
static const struct cfg_qty cfg_rate = {"rate", "rate", UNITS_RATE_HELP,
                                        units_parse_rate, CFG_FIX_RATE};
static const struct cfg_qty cfg_bytes = {"size", "size", UNITS_BYTES_HELP,
                                         units_parse_bytes, CFG_FIX_NONE};

static int cfg_bounds(const struct cfg_node *n, const char *name,
                      unsigned flags, double v, struct diag *d)
{
    const char *need = NULL;
    char got[CFG_QUOTE_SIZE + 2];

    if ((flags & CFG_POSITIVE) && !(v > 0))
        need = "> 0";
    else if ((flags & CFG_NONNEG) && !(v >= 0))
        need = ">= 0";
    else if ((flags & CFG_UNIT) && !(v >= 0 && v <= 1))
        need = "in [0, 1]";
    if (!need)
        return 0;
    diag_error(d, &n->pos, "'%s' must be %s, got %s", name, need,
               cfg_got(n, got, sizeof got));
    return -1;
}

static int cfg_node_qty(const struct cfg_node *n, const char *name,
                        unsigned flags, double *out, struct diag *d,
                        const struct cfg_qty *qty)
{
    char got[CFG_QUOTE_SIZE + 2], q[CFG_QUOTE_SIZE],
        fix[2 * CFG_QUOTE_SIZE + 32];
    double v;
    int rc;

    if (!n || n->kind != CFG_SCALAR || cfg_is_null(n)) {
        diag_error(d, n ? &n->pos : NULL, "'%s' must be a %s, got %s", name,
                   qty->noun, cfg_got(n, got, sizeof got));
        return CFG_GOT_BAD;
    }
    rc = qty->parse(n->scalar, &v);
    if (rc == UNITS_ENOUNIT && qty->fix != CFG_FIX_NONE) {
        cfg_quote(n->scalar, strlen(n->scalar), q, sizeof q);
        if (qty->fix == CFG_FIX_RATE) /* per month is how volumes are told */
            snprintf(fix, sizeof fix, "write %s/month or %s/s", q, q);
        else
            snprintf(fix, sizeof fix, "write %ss or %sh", q, q);
        diag_error(d, &n->pos, "'%s' needs a unit, got '%s' (%s; units: %s)",
                   name, q, fix, qty->help);
        return CFG_GOT_BAD;
    }
    if (rc != 0) {
        if (qty->bad)
            diag_error(d, &n->pos, "bad %s %s (units: %s)", qty->bad,
                       cfg_got(n, got, sizeof got), qty->help);
        else
            diag_error(d, &n->pos, "'%s' must be a %s, got %s", name,
                       qty->noun, cfg_got(n, got, sizeof got));
        return CFG_GOT_BAD;
    }
    if (cfg_bounds(n, name, flags, v, d))
        return CFG_GOT_BAD;
    *out = v;
    return CFG_GOT_SET;
}

int cfg_node_number(const struct cfg_node *node, const char *name,
                    unsigned flags, double *out, struct diag *d)
{
    return cfg_node_qty(node, name, flags, out, d, &cfg_number);
}

int cfg_node_duration(const struct cfg_node *node, const char *name,
                      unsigned flags, double *out, struct diag *d)
{
    return cfg_node_qty(node, name, flags, out, d, &cfg_duration);
}

int cfg_node_rate(const struct cfg_node *node, const char *name,
                  unsigned flags, double *out, struct diag *d)
{
    return cfg_node_qty(node, name, flags, out, d, &cfg_rate);
}

static int cfg_get_qty(const struct cfg_node *map, const char *key,
                       const char *where, unsigned flags, double *out,
                       struct diag *d, const struct cfg_qty *qty)
{
    const struct cfg_node *n;
    int rc = cfg_lookup(map, key, where, flags, &n, d);

    if (rc)
        return rc;
    return cfg_node_qty(n, key, flags, out, d, qty);
}

int cfg_get_number(const struct cfg_node *map, const char *key,
                   const char *where, unsigned flags, double *out,
                   struct diag *d)
{
    return cfg_get_qty(map, key, where, flags, out, d, &cfg_number);
}

int cfg_get_duration(const struct cfg_node *map, const char *key,
                     const char *where, unsigned flags, double *out,
                     struct diag *d)
{
    return cfg_get_qty(map, key, where, flags, out, d, &cfg_duration);
}

int cfg_get_rate(const struct cfg_node *map, const char *key,
                 const char *where, unsigned flags, double *out,
                 struct diag *d)
{
    return cfg_get_qty(map, key, where, flags, out, d, &cfg_rate);
}

int cfg_get_bytes(const struct cfg_node *map, const char *key,
                  const char *where, unsigned flags, double *out,
                  struct diag *d)
{
    return cfg_get_qty(map, key, where, flags, out, d, &cfg_bytes);
}

/* Decimal integers only: "2.5", "1e3" and "0x10" are refused, not rounded. */
static int cfg_parse_long(const char *s, long *out)
{
    char *end;
    long v;

    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)(*s == '-' || *s == '+' ? s[1] : s[0])))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno == ERANGE)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

int cfg_get_int(const struct cfg_node *map, const char *key,
                const char *where, unsigned flags, long min, long max,
                long *out, struct diag *d)
{
    const struct cfg_node *n;
    char range[96], got[CFG_QUOTE_SIZE + 2];
    long v = 0;
    int rc = cfg_lookup(map, key, where, flags, &n, d);

    if (rc)
        return rc;
    if ((flags & CFG_POSITIVE) && min < 1)
        min = 1;
    if ((flags & CFG_NONNEG) && min < 0)
        min = 0;
    if (n->kind == CFG_SCALAR && !cfg_is_null(n) &&
        cfg_parse_long(n->scalar, &v) == 0 && v >= min && v <= max) {
        *out = v;
        return 0;
    }
    if (min == LONG_MIN && max == LONG_MAX)
        range[0] = '\0';
    else if (max == LONG_MAX)
        snprintf(range, sizeof range, " >= %ld", min);
    else if (min == LONG_MIN)
        snprintf(range, sizeof range, " <= %ld", max);
    else
        snprintf(range, sizeof range, " in [%ld, %ld]", min, max);
    diag_error(d, &n->pos, "'%s' must be an integer%s, got %s", key, range,
               cfg_got(n, got, sizeof got));
    return -1;
}

/* ASCII only: "TRUE" is true in every locale, and Turkish dotless i too. */
static int cfg_word_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = *a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a;
        if (x != *b)
            return 0;
    }
    return *a == *b;
}

int cfg_get_bool(const struct cfg_node *map, const char *key,
                 const char *where, unsigned flags, int *out,
                 struct diag *d)
{
    static const char *const words[] = {"false", "no", "off",
                                        "true",  "yes", "on"};
    const struct cfg_node *n;
    char got[CFG_QUOTE_SIZE + 2];
    size_t i;
    int rc = cfg_lookup(map, key, where, flags, &n, d);

    if (rc)
        return rc;
    for (i = 0; n->kind == CFG_SCALAR && i < 6; i++) {
        if (cfg_word_eq(n->scalar, words[i])) {
            *out = i >= 3;
            return 0;
        }
    }
    diag_error(d, &n->pos, "'%s' must be true or false, got %s", key,
               cfg_got(n, got, sizeof got));
    return -1;
}

int cfg_get_string(const struct cfg_node *map, const char *key,
                   const char *where, unsigned flags, const char **out,
                   struct diag *d)
{
    const struct cfg_node *n;
    char got[CFG_QUOTE_SIZE + 2];
    int rc = cfg_lookup(map, key, where, flags, &n, d);

    if (rc)
        return rc;
    if (n->kind != CFG_SCALAR || cfg_is_null(n)) {
        diag_error(d, &n->pos, "'%s' must be a string, got %s", key,
                   cfg_got(n, got, sizeof got));
        return -1;
    }
    *out = n->scalar;
    return 0;
}

/* "a, b, c" into buf, cut with "..." when the list is long. */
static const char *cfg_word_list(const char *const *words, size_t n,
                                 char *buf, size_t size)
{
    size_t i, o = 0;

    buf[0] = '\0';
    for (i = 0; i < n && o < size; i++) {
        int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", words[i]);
        if (w < 0 || (size_t)w >= size - o) {
            strcpy(buf + (size > 4 ? size - 4 : 0), "...");
            break;
        }
        o += (size_t)w;
    }
    return buf;
}

int cfg_get_enum(const struct cfg_node *map, const char *key,
                 const char *where, unsigned flags,
                 const char *const *words, size_t n, int *out,
                 struct diag *d)
{
    const struct cfg_node *node;
    char list[512], got[CFG_QUOTE_SIZE + 2], w[CFG_QUOTE_SIZE + 8];
    char s[CFG_QUOTE_SIZE + 32] = "", hints[CFG_QUOTE_SIZE];
    size_t i;
    int rc = cfg_lookup(map, key, where, flags, &node, d);

    if (rc)
        return rc;
    cfg_word_list(words, n, list, sizeof list);
    if (node->kind != CFG_SCALAR || cfg_is_null(node)) {
        diag_error(d, &node->pos, "'%s' must be one of %s, got %s", key, list,
                   cfg_got(node, got, sizeof got));
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(node->scalar, words[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    if (diag_suggest_list(node->scalar, words, n, hints, sizeof hints))
        snprintf(s, sizeof s, "; did you mean %s?", hints);
    diag_error(d, &node->pos, "unknown %s %s %s (allowed: %s%s)", key,
               cfg_got(node, got, sizeof got), cfg_where(where, w, sizeof w),
               list, s);
    return -1;
}
