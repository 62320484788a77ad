#include "sim/out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/diag.h"
#include "sim/mem.h"

int out_mkdirs(const char *dir)
{
    char *p, *s;
    int status = SLM_OK;

    if (!dir || !*dir)
        return SLM_OK;
    s = mem_strdup(dir);
    if (!s)
        return SLM_ENOMEM;
    /* Create each prefix in turn; EEXIST on a directory is fine. */
    for (p = s + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            struct stat st;
            *p = '\0';
            if (mkdir(s, 0777) != 0 && errno != EEXIST) {
                status = SLM_ESYS;
                break;
            }
            if (stat(s, &st) != 0 || !S_ISDIR(st.st_mode)) {
                if (errno == 0)
                    errno = ENOTDIR;
                status = SLM_ESYS;
                break;
            }
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    mem_free(s);
    return status;
}

static int out_parent_dirs(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int status;

    if (!slash || slash == path)
        return SLM_OK;
    dir = mem_strndup(path, (size_t)(slash - path));
    if (!dir)
        return SLM_ENOMEM;
    status = out_mkdirs(dir);
    mem_free(dir);
    return status;
}

int out_file_open(struct out_file *o, const char *path)
{
    size_t len = strlen(path);
    int fd, status;

    memset(o, 0, sizeof *o);
    status = out_parent_dirs(path);
    if (status)
        return status;
    o->path = mem_strdup(path);
    o->tmp = mem_alloc(len + 16);
    if (!o->path || !o->tmp) {
        out_file_abort(o);
        return SLM_ENOMEM;
    }
    /* The temporary sits beside the target so rename() stays atomic. */
    snprintf(o->tmp, len + 16, "%s.tmp.XXXXXX", path);
    fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        mem_free(o->tmp);
        o->tmp = NULL;
        out_file_abort(o);
        errno = e;
        return SLM_ESYS;
    }
    fchmod(fd, 0644);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = errno;
        close(fd);
        out_file_abort(o);
        errno = e;
        return SLM_ESYS;
    }
    return SLM_OK;
}

int out_file_commit(struct out_file *o)
{
    int bad = ferror(o->f) != 0;
    int e = bad ? EIO : 0;

    if (fflush(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (!bad && rename(o->tmp, o->path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad)
        unlink(o->tmp);
    mem_free(o->tmp);
    mem_free(o->path);
    o->tmp = o->path = NULL;
    errno = e;
    return bad ? SLM_ESYS : SLM_OK;
}

void out_file_abort(struct out_file *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    mem_free(o->tmp);
    mem_free(o->path);
    o->f = NULL;
    o->tmp = o->path = NULL;
}

/* ---- JSON ---- */

void jw_init(struct jw *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

static void jw_string_raw(struct jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', w->f);
    for (; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", w->f); break;
        case '\\': fputs("\\\\", w->f); break;
        case '\n': fputs("\\n", w->f); break;
        case '\t': fputs("\\t", w->f); break;
        case '\r': fputs("\\r", w->f); break;
        default:
            if (*p < 0x20)
                fprintf(w->f, "\\u%04x", *p);
            else
                fputc(*p, w->f);
        }
    }
    fputc('"', w->f);
}

/* Comma, newline and indentation before an item, then "key": . */
static void jw_item(struct jw *w, const char *key)
{
    int i;

    if (w->depth > 0) {
        fputs(w->count[w->depth - 1] ? ",\n" : "\n", w->f);
        w->count[w->depth - 1]++;
        for (i = 0; i < w->depth; i++)
            fputs("  ", w->f);
    }
    if (key) {
        jw_string_raw(w, key);
        fputs(": ", w->f);
    }
}

static void jw_open(struct jw *w, const char *key, int brace)
{
    jw_item(w, key);
    fputc(brace, w->f);
    if (w->depth >= JW_MAX_DEPTH) {
        w->error = 1;
        return;
    }
    w->count[w->depth++] = 0;
}

static void jw_close(struct jw *w, int brace)
{
    int i, had;

    if (w->depth <= 0) {
        w->error = 1;
        return;
    }
    had = w->count[--w->depth];
    if (had) {
        fputc('\n', w->f);
        for (i = 0; i < w->depth; i++)
            fputs("  ", w->f);
    }
    fputc(brace, w->f);
}

void jw_object_begin(struct jw *w, const char *key) { jw_open(w, key, '{'); }
void jw_object_end(struct jw *w) { jw_close(w, '}'); }
void jw_array_begin(struct jw *w, const char *key) { jw_open(w, key, '['); }
void jw_array_end(struct jw *w) { jw_close(w, ']'); }

void jw_number(struct jw *w, const char *key, double v)
{
    jw_item(w, key);
    if (!isfinite(v)) {
        fputs("null", w->f);
        return;
    }
    if (v == 0.0)
        v = 0.0; /* no "-0" */
    fprintf(w->f, "%.10g", v);
}

void jw_int(struct jw *w, const char *key, int64_t v)
{
    jw_item(w, key);
    fprintf(w->f, "%lld", (long long)v);
}

void jw_string(struct jw *w, const char *key, const char *v)
{
    jw_item(w, key);
    if (v)
        jw_string_raw(w, v);
    else
        fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, int v)
{
    jw_item(w, key);
    fputs(v ? "true" : "false", w->f);
}

int jw_finish(struct jw *w)
{
    fputc('\n', w->f);
    if (w->depth != 0 || ferror(w->f))
        w->error = 1;
    return w->error ? -1 : 0;
}
