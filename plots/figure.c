#include "plots/figure.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/mem.h"

static const char *const kind_names[FIGURE_KIND_COUNT] = {"xy", "tornado"};
static const char *const style_names[FIGURE_STYLE_COUNT] = {
    "lines", "points", "linespoints", "steps", "hbars", "labels"};
static const char *const mark_names[FIGURE_MARK_KIND_COUNT] = {
    "vline", "hline", "point"};
static const char *const fmt_names[FIGURE_FMT_COUNT] = {
    "number", "money", "seconds", "percent", "category"};


void figure_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size) {
        n = size - 1;
        /* Back off continuation bytes (10xxxxxx) so no character is cut
         * in half. */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void axis_init(struct figure_axis *a)
{
    memset(a, 0, sizeof *a);
    a->min = a->max = (double)NAN;
}

struct figure *figure_new(const char *name, enum figure_kind kind)
{
    struct figure *f = mem_calloc(1, sizeof *f);
    size_t i;

    if (!f)
        return NULL;
    figure_text(f->name, sizeof f->name, name);
    f->kind = kind;
    axis_init(&f->x);
    f->npanels = 1;
    for (i = 0; i < FIGURE_MAX_PANELS; i++) {
        axis_init(&f->panel[i].y);
        figure_text(f->panel[i].key, sizeof f->panel[i].key, "top left");
    }
    return f;
}

void figure_free(struct figure *f)
{
    if (!f)
        return;
    mem_free(f->rows);
    mem_free(f->labels);
    mem_free(f);
}

int figure_add_column(struct figure *f, const char *name)
{
    if (f->ncols >= FIGURE_MAX_COLUMNS || f->nrows > 0)
        return -1;
    figure_text(f->columns[f->ncols], FIGURE_MAX_NAME, name);
    return (int)f->ncols++;
}

static int figure_grow(struct figure *f, int with_labels)
{
    size_t cap = f->cap ? f->cap * 2 : 64;
    double *rows;

    if (cap > FIGURE_MAX_ROWS)
        cap = FIGURE_MAX_ROWS;
    rows = mem_realloc(f->rows, cap, f->ncols * sizeof *rows);
    if (!rows)
        return SLM_ENOMEM;
    f->rows = rows;
    if (with_labels) {
        char(*labels)[FIGURE_MAX_LABEL] =
            mem_realloc(f->labels, cap, sizeof *labels);
        if (!labels)
            return SLM_ENOMEM;
        f->labels = labels;
    }
    f->cap = cap;
    return SLM_OK;
}

int figure_add_row(struct figure *f, const double *values,
                   const char *label)
{
    int with_labels = f->nrows ? f->labels != NULL : label != NULL;

    if (f->nrows >= FIGURE_MAX_ROWS)
        return SLM_EINPUT;
    if (f->nrows == f->cap && figure_grow(f, with_labels))
        return SLM_ENOMEM;
    memcpy(f->rows + f->nrows * f->ncols, values, f->ncols * sizeof *values);
    if (with_labels)
        figure_text(f->labels[f->nrows], FIGURE_MAX_LABEL,
                    label ? label : "");
    f->nrows++;
    return SLM_OK;
}

double figure_value(const struct figure *f, size_t r, size_t c)
{
    assert(r < f->nrows && c < f->ncols);
    return f->rows[r * f->ncols + c];
}

struct figure_series *figure_add_series(struct figure *f,
                                        const char *title, size_t x,
                                        size_t y, enum figure_style style,
                                        const char *color)
{
    struct figure_series *s;

    if (f->nseries >= FIGURE_MAX_SERIES)
        return NULL;
    s = &f->series[f->nseries++];
    memset(s, 0, sizeof *s);
    figure_text(s->title, sizeof s->title, title ? title : "");
    s->x = x;
    s->y = y;
    s->style = style;
    figure_text(s->color, sizeof s->color, color);
    s->dash = 1;
    return s;
}

struct figure_mark *figure_add_mark(struct figure *f,
                                    enum figure_mark_kind kind, double x,
                                    double y, const char *label,
                                    const char *color)
{
    struct figure_mark *m;

    if (f->nmarks >= FIGURE_MAX_MARKS)
        return NULL;
    m = &f->marks[f->nmarks++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->x = x;
    m->y = y;
    figure_text(m->label, sizeof m->label, label ? label : "");
    figure_text(m->color, sizeof m->color, color);
    return m;
}

int figure_add_span(struct figure *f, double x0, double x1)
{
    if (!isfinite(x0) || !isfinite(x1) || !(x0 < x1))
        return SLM_EINPUT;
    if (f->nspans >= FIGURE_MAX_SPANS) {
        f->spans_cut++;
        return SLM_ELIMIT;
    }
    f->spans[f->nspans].x0 = x0;
    f->spans[f->nspans].x1 = x1;
    f->nspans++;
    return SLM_OK;
}

/* ---- .dat ---- */

/* A label inside double quotes for gnuplot's reader, which has no escape
 * for '"': it becomes '. */
static void dat_label(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++)
        fputc(*s == '"' ? '\'' : *s == '\n' ? ' ' : *s, out);
    fputc('"', out);
}

int figure_write_dat(const struct figure *f, FILE *out)
{
    size_t r, c;
    double v;

    fprintf(out, "# %s: %s\n#", f->name, f->title);
    for (c = 0; c < f->ncols; c++)
        fprintf(out, " %s", f->columns[c]);
    fputs(f->labels ? " label\n" : "\n", out);
    for (r = 0; r < f->nrows; r++) {
        for (c = 0; c < f->ncols; c++) {
            v = f->rows[r * f->ncols + c];
            if (c)
                fputc(' ', out);
            if (isfinite(v))
                fprintf(out, "%.10g", v == 0.0 ? 0.0 : v);
            else
                fputs("NaN", out);
        }
        if (f->labels) {
            fputc(' ', out);
            dat_label(out, f->labels[r]);
        }
        fputc('\n', out);
    }
    if (ferror(out)) {
        errno = errno ? errno : EIO;
        return SLM_ESYS;
    }
    return SLM_OK;
}

/* ---- JSON out ---- */

static void json_axis(struct jw *w, const char *key,
                      const struct figure_axis *a)
{
    jw_object_begin(w, key);
    jw_string(w, "label", a->label);
    jw_bool(w, "log", a->log);
    jw_string(w, "format", fmt_names[a->fmt]);
    jw_number(w, "min", a->min); /* NaN is written as null */
    jw_number(w, "max", a->max);
    jw_object_end(w);
}

static void json_series(struct jw *w, const struct figure *f)
{
    const struct figure_series *s;
    size_t i;

    jw_array_begin(w, "series");
    for (i = 0; i < f->nseries; i++) {
        s = &f->series[i];
        jw_object_begin(w, NULL);
        jw_string(w, "title", s->title);
        jw_string(w, "x", f->columns[s->x]);
        jw_string(w, "y", f->columns[s->y]);
        jw_string(w, "style", style_names[s->style]);
        jw_string(w, "color", s->color);
        jw_int(w, "dash", s->dash);
        jw_int(w, "panel", (int64_t)s->panel);
        jw_object_end(w);
    }
    jw_array_end(w);
}

static void json_marks(struct jw *w, const struct figure *f)
{
    const struct figure_mark *m;
    size_t i;

    jw_array_begin(w, "marks");
    for (i = 0; i < f->nmarks; i++) {
        m = &f->marks[i];
        jw_object_begin(w, NULL);
        jw_string(w, "kind", mark_names[m->kind]);
        jw_number(w, "x", m->x);
        jw_number(w, "y", m->y);
        jw_string(w, "label", m->label);
        jw_string(w, "color", m->color);
        jw_int(w, "panel", (int64_t)m->panel);
        jw_object_end(w);
    }
    jw_array_end(w);
}

/* Only a figure with spans has the member: the others' JSON is as
 * before. */
static void json_spans(struct jw *w, const struct figure *f)
{
    size_t i;

    if (!f->nspans && !f->spans_cut)
        return;
    jw_object_begin(w, "spans");
    jw_string(w, "title", f->span_title);
    jw_string(w, "color", f->span_color);
    jw_int(w, "cut", (int64_t)f->spans_cut);
    jw_array_begin(w, "windows");
    for (i = 0; i < f->nspans; i++) {
        jw_array_begin(w, NULL);
        jw_number(w, NULL, f->spans[i].x0);
        jw_number(w, NULL, f->spans[i].x1);
        jw_array_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

static void json_table(struct jw *w, const struct figure *f)
{
    size_t r, c;

    jw_array_begin(w, "columns");
    for (c = 0; c < f->ncols; c++)
        jw_string(w, NULL, f->columns[c]);
    jw_array_end(w);
    jw_array_begin(w, "rows");
    for (r = 0; r < f->nrows; r++) {
        jw_array_begin(w, NULL);
        for (c = 0; c < f->ncols; c++)
            jw_number(w, NULL, f->rows[r * f->ncols + c]);
        jw_array_end(w);
    }
    jw_array_end(w);
    if (f->labels) {
        jw_array_begin(w, "labels");
        for (r = 0; r < f->nrows; r++)
            jw_string(w, NULL, f->labels[r]);
        jw_array_end(w);
    }
}

void figure_write_json(const struct figure *f, struct jw *w)
{
    size_t i;

    jw_object_begin(w, f->name);
    jw_string(w, "kind", kind_names[f->kind]);
    jw_string(w, "title", f->title);
    jw_string(w, "caption", f->caption);
    json_axis(w, "x", &f->x);
    jw_array_begin(w, "panels");
    for (i = 0; i < f->npanels; i++) {
        jw_object_begin(w, NULL);
        json_axis(w, "y", &f->panel[i].y);
        jw_string(w, "key", f->panel[i].key);
        jw_object_end(w);
    }
    jw_array_end(w);
    json_table(w, f);
    json_series(w, f);
    json_marks(w, f);
    json_spans(w, f);
    jw_object_end(w);
}

/* ---- JSON in ---- */

/* Reading context: where messages go and the figure's name for them. */
struct fr {
    const char *file;
    struct diag *d;
    const char *name;
    int bad;
};

/* "figures.NAME.PATH.KEY" into buf (PATH and KEY may be ""). */
static const char *fr_where(char *buf, size_t size, const struct fr *r,
                            const char *path, const char *key)
{
    snprintf(buf, size, "figures.%s%s%s%s%s", r->name, *path ? "." : "",
             path, *key ? "." : "", key);
    return buf;
}

/* Reports "WHERE MESSAGE" at the place of value at (NULL: no place). */
static void fr_error(struct fr *r, const struct json *at, const char *path,
                     const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fr_error(struct fr *r, const struct json *at, const char *path,
                     const char *key, const char *fmt, ...)
{
    struct diag_pos where = {r->file, at ? at->line : 0, at ? at->col : 0};
    char msg[256], name[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(r->d, &where, "%s %s",
               fr_where(name, sizeof name, r, path, key), msg);
    r->bad = 1;
}

/* Member key of obj when of type t (a number may also be null); NULL when
 * absent (reported when required) or of another type (reported). */
static const struct json *fr_member(struct fr *r, const struct json *obj,
                                    const char *path, const char *key,
                                    enum json_type t, int required)
{
    const struct json *m = json_get(obj, key);

    if (!m) {
        if (required)
            fr_error(r, obj, path, key, "is missing");
        return NULL;
    }
    if (m->type != t && !(t == JSON_NUMBER && m->type == JSON_NULL)) {
        fr_error(r, m, path, key, "must be %s, got %s", json_type_name(t),
                 json_type_name(m->type));
        return NULL;
    }
    return m;
}

static void fr_text(struct fr *r, const struct json *obj, const char *path,
                    const char *key, char *dst, size_t size)
{
    const struct json *m = fr_member(r, obj, path, key, JSON_STRING, 0);

    if (!m)
        return;
    if (m->len >= size) {
        fr_error(r, m, path, key, "is longer than %zu bytes", size - 1);
        return;
    }
    memcpy(dst, m->string, m->len + 1);
}

/* A number, or null for NaN, into *v; absent leaves *v alone. */
static void fr_number(struct fr *r, const struct json *obj, const char *path,
                      const char *key, double *v)
{
    const struct json *m = fr_member(r, obj, path, key, JSON_NUMBER, 0);

    if (m)
        *v = m->type == JSON_NULL ? (double)NAN : m->number;
}

/* An integer in [lo, hi]; dflt when absent or wrong (reported). */
static int fr_int(struct fr *r, const struct json *obj, const char *path,
                  const char *key, int lo, int hi, int dflt)
{
    const struct json *m = fr_member(r, obj, path, key, JSON_NUMBER, 0);

    if (!m)
        return dflt;
    if (m->type == JSON_NULL || m->number < lo || m->number > hi ||
        m->number != floor(m->number)) {
        fr_error(r, m, path, key, "must be an integer from %d to %d", lo,
                 hi);
        return dflt;
    }
    return (int)m->number;
}

/* The index of the member's string in names[0..n); 0 when absent or
 * unknown (reported). */
static int fr_enum(struct fr *r, const struct json *obj, const char *path,
                   const char *key, const char *const *names, int n)
{
    const struct json *m = fr_member(r, obj, path, key, JSON_STRING, 1);
    char allowed[128] = "";
    int i;

    if (!m)
        return 0;
    for (i = 0; i < n; i++) {
        if (!strcmp(m->string, names[i]))
            return i;
        strncat(allowed, i ? ", " : "", sizeof allowed - strlen(allowed) - 1);
        strncat(allowed, names[i], sizeof allowed - strlen(allowed) - 1);
    }
    fr_error(r, m, path, key, "must be one of %s, got '%.40s'", allowed,
             m->string);
    return 0;
}

static void fr_color(struct fr *r, const struct json *obj, const char *path,
                     char *dst)
{
    const struct json *m = fr_member(r, obj, path, "color", JSON_STRING, 1);
    size_t i = 0;

    if (!m)
        return;
    /* It goes into the script, so nothing but "#rrggbb" may. */
    if (m->len == 7 && m->string[0] == '#')
        for (i = 1; i < 7; i++)
            if (!strchr("0123456789abcdefABCDEF", m->string[i]))
                break;
    if (i != 7) {
        fr_error(r, m, path, "color", "must be \"#rrggbb\", got '%.40s'",
                 m->string);
        return;
    }
    memcpy(dst, m->string, 8);
}

static void fr_axis(struct fr *r, const struct json *obj, const char *path,
                    struct figure_axis *a)
{
    const struct json *b;

    if (!obj)
        return;
    fr_text(r, obj, path, "label", a->label, sizeof a->label);
    b = fr_member(r, obj, path, "log", JSON_BOOL, 0);
    a->log = b ? b->boolean : 0;
    if (json_get(obj, "format"))
        a->fmt = (enum figure_fmt)fr_enum(r, obj, path, "format", fmt_names,
                                          FIGURE_FMT_COUNT);
    fr_number(r, obj, path, "min", &a->min);
    fr_number(r, obj, path, "max", &a->max);
}

static void fr_panels(struct fr *r, const struct json *obj, struct figure *f)
{
    const struct json *ps = fr_member(r, obj, "", "panels", JSON_ARRAY, 1);
    const struct json *p;
    char path[32];
    size_t i;

    if (!ps)
        return;
    if (ps->len < 1 || ps->len > FIGURE_MAX_PANELS) {
        fr_error(r, ps, "panels", "", "must hold 1 to %d panels, got %zu",
                 FIGURE_MAX_PANELS, ps->len);
        return;
    }
    f->npanels = ps->len;
    for (i = 0; i < ps->len; i++) {
        p = &ps->items[i];
        snprintf(path, sizeof path, "panels[%zu]", i);
        if (p->type != JSON_OBJECT) {
            fr_error(r, p, path, "", "must be an object");
            continue;
        }
        fr_axis(r, fr_member(r, p, path, "y", JSON_OBJECT, 1), path,
                &f->panel[i].y);
        fr_text(r, p, path, "key", f->panel[i].key, sizeof f->panel[i].key);
    }
}

/* Column names go into file headers and are referred to by series: a
 * word without spaces, quotes or '#'. */
static int fr_columns(struct fr *r, const struct json *obj, struct figure *f)
{
    const struct json *cs = fr_member(r, obj, "", "columns", JSON_ARRAY, 1);
    const struct json *c;
    char path[32];
    size_t i;

    if (!cs)
        return SLM_EINPUT;
    if (cs->len < 1 || cs->len > FIGURE_MAX_COLUMNS) {
        fr_error(r, cs, "columns", "", "must name 1 to %d columns, got %zu",
                 FIGURE_MAX_COLUMNS, cs->len);
        return SLM_EINPUT;
    }
    for (i = 0; i < cs->len; i++) {
        c = &cs->items[i];
        snprintf(path, sizeof path, "columns[%zu]", i);
        if (c->type != JSON_STRING || c->len == 0 ||
            c->len >= FIGURE_MAX_NAME || strpbrk(c->string, " \t\n\"'#")) {
            fr_error(r, c, path, "", "must be a name of 1 to %d characters "
                                     "without spaces, quotes or '#'",
                     FIGURE_MAX_NAME - 1);
            return SLM_EINPUT;
        }
        figure_add_column(f, c->string);
    }
    return SLM_OK;
}

static int fr_row(struct fr *r, const struct json *row, size_t i,
                  const char *label, struct figure *f)
{
    double v[FIGURE_MAX_COLUMNS];
    char path[64];
    size_t c;

    snprintf(path, sizeof path, "rows[%zu]", i);
    if (row->type != JSON_ARRAY || row->len != f->ncols) {
        fr_error(r, row, path, "", "must be an array of %zu numbers",
                 f->ncols);
        return SLM_EINPUT;
    }
    for (c = 0; c < f->ncols; c++) {
        const struct json *x = &row->items[c];
        if (x->type != JSON_NUMBER && x->type != JSON_NULL) {
            snprintf(path, sizeof path, "rows[%zu][%zu]", i, c);
            fr_error(r, x, path, "", "must be a number or null, got %s",
                     json_type_name(x->type));
            return SLM_EINPUT;
        }
        v[c] = x->type == JSON_NUMBER ? x->number : (double)NAN;
    }
    return figure_add_row(f, v, label);
}

static int fr_rows(struct fr *r, const struct json *obj, struct figure *f)
{
    const struct json *rows = fr_member(r, obj, "", "rows", JSON_ARRAY, 1);
    const struct json *labels = fr_member(r, obj, "", "labels", JSON_ARRAY,
                                          0);
    const struct json *l;
    char path[32];
    size_t i;
    int st;

    if (!rows || r->bad)
        return SLM_EINPUT;
    if (rows->len > FIGURE_MAX_ROWS) {
        fr_error(r, rows, "rows", "", "holds more than %d rows",
                 FIGURE_MAX_ROWS);
        return SLM_EINPUT;
    }
    if (labels && labels->len != rows->len) {
        fr_error(r, labels, "labels", "", "has %zu items for %zu rows",
                 labels->len, rows->len);
        return SLM_EINPUT;
    }
    for (i = 0; i < rows->len; i++) {
        l = labels ? &labels->items[i] : NULL;
        if (l && (l->type != JSON_STRING || l->len >= FIGURE_MAX_LABEL)) {
            snprintf(path, sizeof path, "labels[%zu]", i);
            fr_error(r, l, path, "", "must be a string of at most %d bytes",
                     FIGURE_MAX_LABEL - 1);
            return SLM_EINPUT;
        }
        st = fr_row(r, &rows->items[i], i, l ? l->string : NULL, f);
        if (st)
            return st;
    }
    return SLM_OK;
}

/* The index of the column named by member key of obj. */
static size_t fr_column_ref(struct fr *r, const struct json *obj,
                            const char *path, const char *key,
                            const struct figure *f)
{
    const struct json *m = fr_member(r, obj, path, key, JSON_STRING, 1);
    size_t c;

    if (!m)
        return 0;
    for (c = 0; c < f->ncols; c++)
        if (!strcmp(f->columns[c], m->string))
            return c;
    fr_error(r, m, path, key, "names no column: '%.40s'", m->string);
    return 0;
}

static void fr_series(struct fr *r, const struct json *obj, struct figure *f)
{
    const struct json *ss = fr_member(r, obj, "", "series", JSON_ARRAY, 1);
    const struct json *o;
    struct figure_series *s;
    char path[32];
    size_t i;

    if (!ss)
        return;
    if (ss->len > FIGURE_MAX_SERIES) {
        fr_error(r, ss, "series", "", "holds more than %d series",
                 FIGURE_MAX_SERIES);
        return;
    }
    for (i = 0; i < ss->len; i++) {
        o = &ss->items[i];
        snprintf(path, sizeof path, "series[%zu]", i);
        if (o->type != JSON_OBJECT) {
            fr_error(r, o, path, "", "must be an object");
            continue;
        }
        s = figure_add_series(f, "", 0, 0, FIGURE_LINES, FIGURE_BLACK);
        fr_text(r, o, path, "title", s->title, sizeof s->title);
        s->x = fr_column_ref(r, o, path, "x", f);
        s->y = fr_column_ref(r, o, path, "y", f);
        s->style = (enum figure_style)fr_enum(r, o, path, "style",
                                              style_names,
                                              FIGURE_STYLE_COUNT);
        fr_color(r, o, path, s->color);
        s->dash = fr_int(r, o, path, "dash", 1, 4, 1);
        s->panel = (size_t)fr_int(r, o, path, "panel", 0,
                                  (int)f->npanels - 1, 0);
        if (s->style == FIGURE_LABELS && !f->labels && f->nrows)
            fr_error(r, o, path, "style", "'labels' needs row labels");
    }
}

static void fr_marks(struct fr *r, const struct json *obj, struct figure *f)
{
    const struct json *ms = fr_member(r, obj, "", "marks", JSON_ARRAY, 0);
    const struct json *o;
    struct figure_mark *m;
    char path[32];
    size_t i;

    if (!ms)
        return;
    if (ms->len > FIGURE_MAX_MARKS) {
        fr_error(r, ms, "marks", "", "holds more than %d marks",
                 FIGURE_MAX_MARKS);
        return;
    }
    for (i = 0; i < ms->len; i++) {
        o = &ms->items[i];
        snprintf(path, sizeof path, "marks[%zu]", i);
        if (o->type != JSON_OBJECT) {
            fr_error(r, o, path, "", "must be an object");
            continue;
        }
        m = figure_add_mark(f, FIGURE_POINT, (double)NAN, (double)NAN, "", FIGURE_BLACK);
        m->kind = (enum figure_mark_kind)fr_enum(r, o, path, "kind",
                                                 mark_names,
                                                 FIGURE_MARK_KIND_COUNT);
        fr_number(r, o, path, "x", &m->x);
        fr_number(r, o, path, "y", &m->y);
        fr_text(r, o, path, "label", m->label, sizeof m->label);
        fr_color(r, o, path, m->color);
        m->panel = (size_t)fr_int(r, o, path, "panel", 0,
                                  (int)f->npanels - 1, 0);
    }
}

static void fr_spans(struct fr *r, const struct json *obj, struct figure *f)
{
    const struct json *sp = fr_member(r, obj, "", "spans", JSON_OBJECT, 0);
    const struct json *ws, *x;
    char path[48];
    size_t i;
    int cut;

    if (!sp)
        return;
    fr_text(r, sp, "spans", "title", f->span_title, sizeof f->span_title);
    fr_color(r, sp, "spans", f->span_color);
    cut = fr_int(r, sp, "spans", "cut", 0, 1000000000, 0);
    ws = fr_member(r, sp, "spans", "windows", JSON_ARRAY, 1);
    if (!ws)
        return;
    if (ws->len > FIGURE_MAX_SPANS) {
        fr_error(r, ws, "spans", "windows", "holds more than %d windows",
                 FIGURE_MAX_SPANS);
        return;
    }
    for (i = 0; i < ws->len; i++) {
        x = &ws->items[i];
        if (x->type != JSON_ARRAY || x->len != 2 ||
            x->items[0].type != JSON_NUMBER ||
            x->items[1].type != JSON_NUMBER ||
            figure_add_span(f, x->items[0].number, x->items[1].number)) {
            snprintf(path, sizeof path, "spans.windows[%zu]", i);
            fr_error(r, x, path, "", "must be [start, end], two finite "
                                     "numbers with start < end");
            return;
        }
    }
    f->spans_cut = (uint64_t)cut;
}

/* A figure's name becomes a file name: a plain word. */
static int fr_name_ok(const char *name)
{
    size_t n = strlen(name);

    return n > 0 && n < FIGURE_MAX_NAME && name[0] != '.' &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                        "YZ0123456789-_.") == n;
}

int figure_from_json(const struct json *j, const char *file, struct diag *d,
                     struct figure **out)
{
    struct fr r = {file, d, j->key ? j->key : "?", 0};
    struct figure *f;
    int st;

    *out = NULL;
    if (!j->key || !fr_name_ok(j->key)) {
        struct diag_pos where = {file, j->line, j->col};
        diag_error(d, &where, "figures: '%.40s' cannot name a figure (1 to "
                              "%d letters, digits, '-', '_' or '.')",
                   j->key ? j->key : "", FIGURE_MAX_NAME - 1);
        return SLM_EINPUT;
    }
    if (j->type != JSON_OBJECT) {
        fr_error(&r, j, "", "", "must be an object, got %s",
                 json_type_name(j->type));
        return SLM_EINPUT;
    }
    f = figure_new(j->key, FIGURE_XY);
    if (!f)
        return SLM_ENOMEM;
    f->kind = (enum figure_kind)fr_enum(&r, j, "", "kind", kind_names,
                                        FIGURE_KIND_COUNT);
    fr_text(&r, j, "", "title", f->title, sizeof f->title);
    fr_text(&r, j, "", "caption", f->caption, sizeof f->caption);
    fr_axis(&r, fr_member(&r, j, "", "x", JSON_OBJECT, 1), "x", &f->x);
    fr_panels(&r, j, f);
    st = fr_columns(&r, j, f) ? SLM_EINPUT : fr_rows(&r, j, f);
    if (!st) {
        fr_series(&r, j, f);
        fr_marks(&r, j, f);
        fr_spans(&r, j, f);
        st = r.bad ? SLM_EINPUT : SLM_OK;
    }
    if (st) {
        figure_free(f);
        return st;
    }
    *out = f;
    return SLM_OK;
}

