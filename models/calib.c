#include "models/calib.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sim/cfg.h"
#include "sim/mem.h"

#ifndef SLMSIM_SHARE_DIR
#define SLMSIM_SHARE_DIR "/usr/local/share/slmsim"
#endif

const char *const calib_dtype_names[CALIB_NDTYPE] = {"fp16", "fp8", "int8",
                                                     "int4", "bf16"};
static const char *const source_names[] = {"measured", "derived"};
static const char *const kind_names[] = {"cuda", "cpu", "datasheet"};
static const char *const jitter_names[] = {"none", "gamma", "lognormal"};

/* ---- lifecycle ---- */

int calib_set_string(char **dst, const char *src)
{
    char *s = mem_strdup(src ? src : "");
    if (!s)
        return SLM_ENOMEM;
    mem_free(*dst);
    *dst = s;
    return 0;
}

/* Every string member, so that new and free cannot forget one. */
static const size_t string_offsets[] = {
    offsetof(struct calib, device), offsetof(struct calib, catalog),
    offsetof(struct calib, compute_capability),
    offsetof(struct calib, driver), offsetof(struct calib, runtime),
    offsetof(struct calib, date), offsetof(struct calib, from_device),
    offsetof(struct calib, from_catalog), offsetof(struct calib, from_date),
    offsetof(struct calib, from_file), offsetof(struct calib, model),
    offsetof(struct calib, kv_dtype), offsetof(struct calib, raw_file),
    offsetof(struct calib, allreduce_note), offsetof(struct calib, notes)};
#define NSTRINGS (sizeof string_offsets / sizeof string_offsets[0])

static char **string_at(struct calib *c, size_t i)
{
    return (char **)(void *)((char *)c + string_offsets[i]);
}

struct calib *calib_new(void)
{
    struct calib *c = mem_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->format = CALIB_FORMAT;
    for (size_t i = 0; i < NSTRINGS; i++)
        if (calib_set_string(string_at(c, i), "")) {
            calib_free(c);
            return NULL;
        }
    c->shape.name = c->model;
    c->tensor_parallel = 1;
    return c;
}

void calib_free(struct calib *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < NSTRINGS; i++)
        mem_free(*string_at(c, i));
    mem_free(c->raw);
    mem_free(c);
}

int calib_add_raw(struct calib *c, const struct calib_raw *r)
{
    if (c->nraw >= CALIB_MAX_RAW)
        return SLM_EINPUT;
    struct calib_raw *p = mem_realloc(c->raw, c->nraw + 1, sizeof *p);
    if (!p)
        return SLM_ENOMEM;
    c->raw = p;
    c->raw[c->nraw++] = *r;
    return 0;
}

/* ---- reading ---- */

/* A string member: copied out of the document (which goes away). */
static int get_str(const struct cfg_node *map, const char *key,
                   const char *where, unsigned flags, char **dst,
                   struct diag *d)
{
    const char *s = NULL;
    int rc = cfg_get_string(map, key, where, flags, &s, d);
    if (rc == 0 && calib_set_string(dst, s))
        return -1;
    return rc < 0 ? -1 : 0;
}

static int get_long(const struct cfg_node *map, const char *key,
                    const char *where, long *out, struct diag *d)
{
    return cfg_get_int(map, key, where, 0, 0, 1L << 40, out, d) < 0 ? -1 : 0;
}

static int get_int(const struct cfg_node *map, const char *key,
                   const char *where, int *out, struct diag *d)
{
    long v = *out;
    if (cfg_get_int(map, key, where, 0, 0, 1L << 30, &v, d) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* A sub-mapping: NULL (and *bad set after reporting) when present but not
 * a mapping, or absent and required. */
static const struct cfg_node *get_map(const struct cfg_node *map,
                                      const char *key, const char *where,
                                      int required, int *bad, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, key);
    if (!n) {
        if (required) {
            diag_error(d, &map->pos, "missing required key '%s' in %s", key,
                       where);
            *bad = 1;
        }
        return NULL;
    }
    if (cfg_expect(n, CFG_MAP, key, d) < 0) {
        *bad = 1;
        return NULL;
    }
    return n;
}

/* {value, se, n, efficiency}; value required when the figure is there.
 * tile (NULL: not allowed) takes the int4 dequantisation's batch tile. */
static int read_fig(const struct cfg_node *map, const char *key,
                    const char *where, int required, struct calib_fig *f,
                    int *tile, struct diag *d)
{
    static const char *const keys[] = {"value", "se", "n", "efficiency",
                                       "tile"};
    char sub[160];
    int bad = 0;
    snprintf(sub, sizeof sub, "%s.%s", where, key);
    const struct cfg_node *n = get_map(map, key, where, required, &bad, d);
    if (!n)
        return bad ? -1 : 1;
    bad |= cfg_check_keys(n, sub, keys, tile ? 5 : 4, d) > 0;
    /* no sign check: a fitted difference (overhead, per-layer cost,
     * dequantisation) may come out below 0 within its error; users of a
     * figure check what they need */
    bad |= cfg_get_number(n, "value", sub, CFG_REQUIRED, &f->value, d) < 0;
    bad |= cfg_get_number(n, "se", sub, CFG_NONNEG, &f->se, d) < 0;
    bad |= get_long(n, "n", sub, &f->n, d);
    bad |= cfg_get_number(n, "efficiency", sub, CFG_NONNEG, &f->efficiency,
                          d) < 0;
    if (tile)
        bad |= get_int(n, "tile", sub, tile, d);
    return bad ? -1 : 0;
}

static int read_device(const struct cfg_node *root, struct calib *c,
                       struct diag *d)
{
    static const char *const keys[] = {
        "name", "kind", "catalog", "compute_capability", "sms", "sm_clock",
        "memory_clock", "memory", "l2", "driver", "runtime"};
    const char *w = "calibration.device";
    int bad = 0, kind = 0;
    const struct cfg_node *n = get_map(root, "device", "calibration", 1,
                                       &bad, d);
    if (!n)
        return -1;
    bad |= cfg_check_keys(n, w, keys, 11, d) > 0;
    bad |= get_str(n, "name", w, CFG_REQUIRED, &c->device, d);
    bad |= cfg_get_enum(n, "kind", w, CFG_REQUIRED, kind_names, 3, &kind,
                        d) < 0;
    c->kind = (enum calib_kind)kind;
    bad |= get_str(n, "catalog", w, 0, &c->catalog, d);
    bad |= get_str(n, "compute_capability", w, 0, &c->compute_capability,
                   d);
    bad |= get_int(n, "sms", w, &c->sms, d);
    bad |= cfg_get_number(n, "sm_clock", w, CFG_NONNEG, &c->sm_clock, d) < 0;
    bad |= cfg_get_number(n, "memory_clock", w, CFG_NONNEG, &c->memory_clock,
                          d) < 0;
    bad |= cfg_get_number(n, "memory", w, CFG_NONNEG, &c->memory_bytes,
                          d) < 0;
    bad |= cfg_get_number(n, "l2", w, CFG_NONNEG, &c->l2_bytes, d) < 0;
    bad |= get_str(n, "driver", w, 0, &c->driver, d);
    bad |= get_str(n, "runtime", w, 0, &c->runtime, d);
    return bad ? -1 : 0;
}

static int read_origin(const struct cfg_node *root, struct calib *c,
                       struct diag *d)
{
    static const char *const keys[] = {"device", "catalog", "measured",
                                       "date", "file"};
    const char *w = "calibration.derived_from";
    int bad = 0;
    const struct cfg_node *n = get_map(root, "derived_from", "calibration",
                                       c->source == CALIB_DERIVED, &bad, d);
    if (!n)
        return bad ? -1 : 0;
    if (c->source == CALIB_MEASURED) {
        diag_error(d, cfg_key_pos(root, "derived_from"),
                   "'derived_from' in a file that says 'source: measured'");
        return -1;
    }
    bad |= cfg_check_keys(n, w, keys, 5, d) > 0;
    bad |= get_str(n, "device", w, CFG_REQUIRED, &c->from_device, d);
    bad |= get_str(n, "catalog", w, 0, &c->from_catalog, d);
    bad |= cfg_get_bool(n, "measured", w, CFG_REQUIRED, &c->from_measured,
                        d) < 0;
    bad |= get_str(n, "date", w, CFG_REQUIRED, &c->from_date, d);
    bad |= get_str(n, "file", w, 0, &c->from_file, d);
    return bad ? -1 : 0;
}

static int read_model(const struct cfg_node *root, struct calib *c,
                      struct diag *d)
{
    static const char *const keys[] = {"name", "layers", "hidden", "heads",
                                       "kv_heads", "head_dim", "mlp",
                                       "vocab", "kv_dtype",
                                       "tensor_parallel"};
    const char *w = "calibration.model";
    int bad = 0;
    const struct cfg_node *n = get_map(root, "model", "calibration", 1, &bad,
                                       d);
    if (!n)
        return -1;
    struct model_spec *m = &c->shape;
    bad |= cfg_check_keys(n, w, keys, 10, d) > 0;
    bad |= get_str(n, "name", w, CFG_REQUIRED, &c->model, d);
    const struct model_spec *cat = catalog_model_find(c->model);
    if (cat)
        *m = *cat;
    bad |= get_int(n, "layers", w, &m->layers, d);
    bad |= get_int(n, "hidden", w, &m->hidden, d);
    bad |= get_int(n, "heads", w, &m->heads, d);
    bad |= get_int(n, "kv_heads", w, &m->kv_heads, d);
    bad |= get_int(n, "head_dim", w, &m->head_dim, d);
    bad |= get_int(n, "mlp", w, &m->mlp, d);
    bad |= get_int(n, "vocab", w, &m->vocab, d);
    bad |= get_str(n, "kv_dtype", w, 0, &c->kv_dtype, d);
    long tp = 1;
    bad |= cfg_get_int(n, "tensor_parallel", w, 0, 1, CALIB_MAX_TP, &tp,
                       d) < 0;
    c->tensor_parallel = (int)tp;
    m->name = c->model;
    return bad ? -1 : 0;
}

static int read_benchmark(const struct cfg_node *root, struct calib *c,
                          struct diag *d)
{
    static const char *const keys[] = {"quick", "warmup", "repetitions",
                                       "buffer", "samples", "raw"};
    const char *w = "calibration.benchmark";
    int bad = 0;
    const struct cfg_node *n = get_map(root, "benchmark", "calibration", 0,
                                       &bad, d);
    if (!n)
        return bad ? -1 : 0;
    bad |= cfg_check_keys(n, w, keys, 6, d) > 0;
    bad |= cfg_get_bool(n, "quick", w, 0, &c->quick, d) < 0;
    bad |= get_int(n, "warmup", w, &c->warmup, d);
    bad |= get_int(n, "repetitions", w, &c->repetitions, d);
    bad |= cfg_get_number(n, "buffer", w, CFG_NONNEG, &c->buffer_bytes,
                          d) < 0;
    bad |= get_long(n, "samples", w, &c->samples, d);
    bad |= get_str(n, "raw", w, 0, &c->raw_file, d);
    return bad ? -1 : 0;
}

static int read_peaks(const struct cfg_node *root, struct calib *c,
                      struct diag *d)
{
    static const char *const keys[] = {"bandwidth", "flops"};
    const char *w = "calibration.peaks";
    int bad = 0;
    const struct cfg_node *n = get_map(root, "peaks", "calibration", 0, &bad,
                                       d);
    if (!n)
        return bad ? -1 : 0;
    bad |= cfg_check_keys(n, w, keys, 2, d) > 0;
    bad |= cfg_get_number(n, "bandwidth", w, CFG_NONNEG, &c->peak_bandwidth,
                          d) < 0;
    const struct cfg_node *f = get_map(n, "flops", w, 0, &bad, d);
    if (f) {
        bad |= cfg_check_keys(f, "calibration.peaks.flops",
                              calib_dtype_names, CALIB_NDTYPE, d) > 0;
        for (int i = 0; i < CALIB_NDTYPE; i++)
            bad |= cfg_get_number(f, calib_dtype_names[i],
                                  "calibration.peaks.flops", CFG_NONNEG,
                                  &c->peak_flops[i], d) < 0;
    }
    return bad ? -1 : 0;
}

static int read_dtypes(const struct cfg_node *fit, struct calib *c,
                       struct diag *d)
{
    const char *w = "calibration.fit.dtypes";
    int bad = 0, any = 0;
    const struct cfg_node *n = get_map(fit, "dtypes", "calibration.fit", 1,
                                       &bad, d);
    if (!n)
        return -1;
    bad |= cfg_check_keys(n, w, calib_dtype_names, CALIB_NDTYPE, d) > 0;
    for (int i = 0; i < CALIB_NDTYPE; i++) {
        static const char *const keys[] = {"bandwidth", "flops", "dequant"};
        char sub[96];
        struct calib_dtype_fit *t = &c->dt[i];
        const struct cfg_node *m = get_map(n, calib_dtype_names[i], w, 0,
                                           &bad, d);
        if (!m)
            continue;
        snprintf(sub, sizeof sub, "%s.%s", w, calib_dtype_names[i]);
        bad |= cfg_check_keys(m, sub, keys, i == CALIB_DT_INT4 ? 3 : 2,
                              d) > 0;
        bad |= read_fig(m, "bandwidth", sub, 1, &t->bandwidth, NULL, d) < 0;
        bad |= read_fig(m, "flops", sub, 1, &t->flops, NULL, d) < 0;
        if (i == CALIB_DT_INT4)
            bad |= read_fig(m, "dequant", sub, 0, &t->dequant,
                            &t->dequant_tile, d) < 0;
        t->present = 1;
        any = 1;
    }
    if (!any && !bad) {
        diag_error(d, &n->pos, "no weight format in %s (want one of fp16, "
                   "fp8, int8, int4, bf16)", w);
        bad = 1;
    }
    return bad ? -1 : 0;
}

static int read_jitter(const struct cfg_node *fit, struct calib *c,
                       struct diag *d)
{
    static const char *const keys[] = {"dist", "cv", "n", "loglik", "ks"};
    const char *w = "calibration.fit.jitter";
    struct calib_jitter *j = &c->jitter;
    int bad = 0, dist = 0;
    const struct cfg_node *n = get_map(fit, "jitter", "calibration.fit", 1,
                                       &bad, d);
    if (!n)
        return -1;
    bad |= cfg_check_keys(n, w, keys, 5, d) > 0;
    bad |= cfg_get_enum(n, "dist", w, CFG_REQUIRED, jitter_names, 3, &dist,
                        d) < 0;
    j->dist = (enum calib_jitter_dist)dist;
    bad |= cfg_get_number(n, "cv", w, dist ? CFG_REQUIRED | CFG_NONNEG
                                           : CFG_NONNEG, &j->cv, d) < 0;
    bad |= get_long(n, "n", w, &j->n, d);
    bad |= cfg_get_number(n, "ks", w, CFG_UNIT, &j->ks, d) < 0;
    const struct cfg_node *l = get_map(n, "loglik", w, 0, &bad, d);
    if (l) {
        static const char *const lk[] = {"gamma", "lognormal"};
        const char *lw = "calibration.fit.jitter.loglik";
        bad |= cfg_check_keys(l, lw, lk, 2, d) > 0;
        bad |= cfg_get_number(l, "gamma", lw, 0, &j->loglik_gamma, d) < 0;
        bad |= cfg_get_number(l, "lognormal", lw, 0, &j->loglik_lognormal,
                              d) < 0;
    }
    return bad ? -1 : 0;
}

static int read_attention(const struct cfg_node *fit, struct calib *c,
                          struct diag *d)
{
    static const char *const keys[] = {"per_kv_byte", "bandwidth"};
    static const char *const pkeys[] = {"flops"};
    const char *w = "calibration.fit.attention";
    const char *pw = "calibration.fit.prefill_attention";
    int bad = 0;
    const struct cfg_node *n = get_map(fit, "attention", "calibration.fit", 0,
                                       &bad, d);
    if (n) {
        bad |= cfg_check_keys(n, w, keys, 2, d) > 0;
        bad |= read_fig(n, "per_kv_byte", w, 0, &c->attn_per_byte, NULL,
                        d) < 0;
        bad |= read_fig(n, "bandwidth", w, 0, &c->attn_bandwidth, NULL,
                        d) < 0;
    }
    n = get_map(fit, "prefill_attention", "calibration.fit", 0, &bad, d);
    if (n) {
        bad |= cfg_check_keys(n, pw, pkeys, 1, d) > 0;
        bad |= read_fig(n, "flops", pw, 0, &c->prefill_attn_flops, NULL,
                        d) < 0;
    }
    n = get_map(fit, "allreduce", "calibration.fit", 0, &bad, d);
    if (n) {
        static const char *const akeys[] = {"note", "value", "se", "n"};
        const char *aw = "calibration.fit.allreduce";
        bad |= cfg_check_keys(n, aw, akeys, 4, d) > 0;
        bad |= get_str(n, "note", aw, 0, &c->allreduce_note, d);
        bad |= cfg_get_number(n, "value", aw, CFG_NONNEG,
                              &c->allreduce.value, d) < 0;
        bad |= cfg_get_number(n, "se", aw, CFG_NONNEG, &c->allreduce.se,
                              d) < 0;
        bad |= get_long(n, "n", aw, &c->allreduce.n, d);
    }
    return bad ? -1 : 0;
}

static int read_fit(const struct cfg_node *root, struct calib *c,
                    struct diag *d)
{
    static const char *const keys[] = {
        "bandwidth", "copy_bandwidth", "dtypes", "overhead", "layer_launch",
        "launch", "attention", "prefill_attention", "allreduce", "jitter"};
    const char *w = "calibration.fit";
    int bad = 0;
    const struct cfg_node *n = get_map(root, "fit", "calibration", 1, &bad,
                                       d);
    if (!n)
        return -1;
    bad |= cfg_check_keys(n, w, keys, 10, d) > 0;
    bad |= read_fig(n, "bandwidth", w, 0, &c->bandwidth, NULL, d) < 0;
    bad |= read_fig(n, "copy_bandwidth", w, 0, &c->copy_bandwidth, NULL,
                    d) < 0;
    bad |= read_dtypes(n, c, d) < 0;
    bad |= read_fig(n, "overhead", w, 1, &c->overhead, NULL, d) < 0;
    bad |= read_fig(n, "layer_launch", w, 0, &c->layer_launch, NULL, d) < 0;
    bad |= read_fig(n, "launch", w, 0, &c->launch, NULL, d) < 0;
    bad |= read_attention(n, c, d) < 0;
    bad |= read_jitter(n, c, d) < 0;
    return bad ? -1 : 0;
}

static int read_raw_one(const struct cfg_node *e, struct calib *c,
                        struct diag *d)
{
    static const char *const keys[] = {"kernel", "dtype", "shape", "m", "k",
                                       "n", "ctx", "count", "min", "median",
                                       "p99"};
    const char *w = "calibration.raw[]";
    struct calib_raw r;
    const char *s[3] = {"", "-", "-"};
    memset(&r, 0, sizeof r);
    if (cfg_expect(e, CFG_MAP, "raw[]", d) < 0)
        return -1;
    int bad = cfg_check_keys(e, w, keys, 11, d) > 0;
    bad |= cfg_get_string(e, "kernel", w, CFG_REQUIRED, &s[0], d) < 0;
    bad |= cfg_get_string(e, "dtype", w, 0, &s[1], d) < 0;
    bad |= cfg_get_string(e, "shape", w, 0, &s[2], d) < 0;
    bad |= get_long(e, "m", w, &r.m, d) | get_long(e, "k", w, &r.k, d);
    bad |= get_long(e, "n", w, &r.n, d) | get_long(e, "ctx", w, &r.ctx, d);
    bad |= get_long(e, "count", w, &r.count, d);
    bad |= cfg_get_number(e, "min", w, CFG_NONNEG, &r.min, d) < 0;
    bad |= cfg_get_number(e, "median", w, CFG_NONNEG, &r.median, d) < 0;
    bad |= cfg_get_number(e, "p99", w, CFG_NONNEG, &r.p99, d) < 0;
    snprintf(r.kernel, sizeof r.kernel, "%s", s[0]);
    snprintf(r.dtype, sizeof r.dtype, "%s", s[1]);
    snprintf(r.shape, sizeof r.shape, "%s", s[2]);
    if (bad)
        return -1;
    int rc = calib_add_raw(c, &r);
    if (rc == SLM_EINPUT)
        diag_error(d, &e->pos, "more than %d raw summaries", CALIB_MAX_RAW);
    return rc ? -1 : 0;
}

static int read_raw(const struct cfg_node *root, struct calib *c,
                    struct diag *d)
{
    const struct cfg_node *n = cfg_get(root, "raw");
    int bad = 0;
    if (!n)
        return 0;
    if (n->kind == CFG_MAP && n->n == 0)
        return 0; /* raw: {} */
    if (cfg_expect(n, CFG_SEQ, "raw", d) < 0)
        return -1;
    for (size_t i = 0; i < n->n && !diag_full(d); i++)
        if (read_raw_one(n->items[i], c, d) < 0)
            bad = 1;
    return bad ? -1 : 0;
}

static int read_root(const struct cfg_node *root, struct calib *c,
                     struct diag *d)
{
    static const char *const keys[] = {"format", "source", "device", "date",
                                       "derived_from", "model", "benchmark",
                                       "peaks", "fit", "notes", "raw"};
    const char *w = "calibration";
    long format = 0;
    int src = 0;
    if (!cfg_get(root, "format") && cfg_get(root, "bandwidth")) {
        diag_error(d, &root->pos, "calibration file in the format before "
                   "'format: %d' (top-level 'bandwidth'); see "
                   "docs/calibration.md", CALIB_FORMAT);
        return -1;
    }
    int bad = cfg_check_keys(root, w, keys, 11, d) > 0;
    if (cfg_get_int(root, "format", w, CFG_REQUIRED, 1, 1000, &format,
                    d) < 0)
        return -1;
    if (format != CALIB_FORMAT) {
        diag_error(d, &cfg_get(root, "format")->pos,
                   "calibration format %ld is not supported (this slmsim "
                   "reads format %d)", format, CALIB_FORMAT);
        return -1;
    }
    bad |= cfg_get_enum(root, "source", w, CFG_REQUIRED, source_names, 2,
                        &src, d) < 0;
    c->source = (enum calib_source)src;
    bad |= read_device(root, c, d) < 0;
    bad |= get_str(root, "date", w, CFG_REQUIRED, &c->date, d);
    bad |= read_origin(root, c, d) < 0;
    bad |= read_model(root, c, d) < 0;
    bad |= read_benchmark(root, c, d) < 0;
    bad |= read_peaks(root, c, d) < 0;
    bad |= read_fit(root, c, d) < 0;
    bad |= get_str(root, "notes", w, 0, &c->notes, d);
    bad |= read_raw(root, c, d) < 0;
    return bad ? -1 : 0;
}

int calib_load(const char *path, struct diag *d, struct calib **out)
{
    struct cfg_doc *doc = NULL;
    *out = NULL;
    int rc = cfg_load_file(path, d, &doc);
    if (rc != 0)
        return rc;
    struct calib *c = calib_new();
    if (!c) {
        cfg_doc_free(doc);
        return SLM_ENOMEM;
    }
    int errors = d->errors;
    rc = read_root(cfg_doc_root(doc), c, d);
    cfg_doc_free(doc);
    if (rc < 0 || d->errors > errors) {
        calib_free(c);
        /* A failed copy reports nothing: that was memory, not input. */
        return d->errors > errors ? SLM_EINPUT : SLM_ENOMEM;
    }
    *out = c;
    return 0;
}

/* ---- writing ---- */

/* A YAML double-quoted string: only '"', '\' and control bytes need
 * escapes there. */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void put_fig(FILE *f, const char *indent, const char *key,
                    const struct calib_fig *g, int with_eff)
{
    fprintf(f, "%s%s: {value: %.10g, se: %.4g, n: %ld", indent, key,
            g->value, g->se, g->n);
    if (with_eff)
        fprintf(f, ", efficiency: %.4g", g->efficiency);
    fputs("}\n", f);
}

static void write_device(FILE *f, const struct calib *c)
{
    fputs("device:\n  name: ", f);
    put_str(f, c->device);
    fprintf(f, "\n  kind: %s\n  catalog: ", kind_names[c->kind]);
    put_str(f, c->catalog);
    fputs("\n  compute_capability: ", f);
    put_str(f, c->compute_capability);
    fprintf(f, "\n  sms: %d\n  sm_clock: %.6g\n  memory_clock: %.6g\n"
            "  memory: %.6g\n  l2: %.6g\n  driver: ", c->sms, c->sm_clock,
            c->memory_clock, c->memory_bytes, c->l2_bytes);
    put_str(f, c->driver);
    fputs("\n  runtime: ", f);
    put_str(f, c->runtime);
    fputs("\n", f);
}

static void write_head(FILE *f, const struct calib *c)
{
    const struct model_spec *m = &c->shape;
    fprintf(f, "format: %d\nsource: %s\n", c->format,
            source_names[c->source]);
    write_device(f, c);
    fputs("date: ", f);
    put_str(f, c->date);
    fputs("\n", f);
    if (c->source == CALIB_DERIVED) {
        fputs("derived_from:\n  device: ", f);
        put_str(f, c->from_device);
        fputs("\n  catalog: ", f);
        put_str(f, c->from_catalog);
        fprintf(f, "\n  measured: %s\n  date: ",
                c->from_measured ? "true" : "false");
        put_str(f, c->from_date);
        fputs("\n  file: ", f);
        put_str(f, c->from_file);
        fputs("\n", f);
    }
    fputs("model:\n  name: ", f);
    put_str(f, c->model);
    fprintf(f, "\n  layers: %d\n  hidden: %d\n  heads: %d\n  kv_heads: %d\n"
            "  head_dim: %d\n  mlp: %d\n  vocab: %d\n  kv_dtype: ",
            m->layers, m->hidden, m->heads, m->kv_heads, m->head_dim, m->mlp,
            m->vocab);
    put_str(f, c->kv_dtype);
    /* only when set: a whole-model file reads as it always did */
    if (c->tensor_parallel > 1)
        fprintf(f, "\n  tensor_parallel: %d", c->tensor_parallel);
    fprintf(f, "\nbenchmark:\n  quick: %s\n  warmup: %d\n  repetitions: %d\n"
            "  buffer: %.6g\n  samples: %ld\n  raw: ",
            c->quick ? "true" : "false", c->warmup, c->repetitions,
            c->buffer_bytes, c->samples);
    put_str(f, c->raw_file);
    fprintf(f, "\npeaks:\n  bandwidth: %.10g\n  flops: {", c->peak_bandwidth);
    for (int i = 0; i < CALIB_NDTYPE; i++)
        fprintf(f, "%s%s: %.10g", i ? ", " : "", calib_dtype_names[i],
                c->peak_flops[i]);
    fputs("}\n", f);
}

static void write_fit(FILE *f, const struct calib *c)
{
    const struct calib_jitter *j = &c->jitter;
    fputs("fit:\n", f);
    put_fig(f, "  ", "bandwidth", &c->bandwidth, 1);
    put_fig(f, "  ", "copy_bandwidth", &c->copy_bandwidth, 1);
    fputs("  dtypes:\n", f);
    for (int i = 0; i < CALIB_NDTYPE; i++) {
        const struct calib_dtype_fit *t = &c->dt[i];
        if (!t->present)
            continue;
        fprintf(f, "    %s:\n", calib_dtype_names[i]);
        put_fig(f, "      ", "bandwidth", &t->bandwidth, 1);
        put_fig(f, "      ", "flops", &t->flops, 1);
        if (i == CALIB_DT_INT4)
            fprintf(f, "      dequant: {value: %.6g, se: %.4g, n: %ld, "
                    "tile: %d}\n", t->dequant.value, t->dequant.se,
                    t->dequant.n, t->dequant_tile);
    }
    put_fig(f, "  ", "overhead", &c->overhead, 0);
    put_fig(f, "  ", "layer_launch", &c->layer_launch, 0);
    put_fig(f, "  ", "launch", &c->launch, 0);
    fputs("  attention:\n", f);
    put_fig(f, "    ", "per_kv_byte", &c->attn_per_byte, 0);
    put_fig(f, "    ", "bandwidth", &c->attn_bandwidth, 1);
    fputs("  prefill_attention:\n", f);
    put_fig(f, "    ", "flops", &c->prefill_attn_flops, 1);
    if (c->allreduce_note[0]) {
        fputs("  allreduce: {note: ", f);
        put_str(f, c->allreduce_note);
        fputs("}\n", f);
    } else {
        put_fig(f, "  ", "allreduce", &c->allreduce, 0);
    }
    fprintf(f, "  jitter:\n    dist: %s\n    cv: %.6g\n    n: %ld\n"
            "    loglik: {gamma: %.8g, lognormal: %.8g}\n    ks: %.6g\n",
            jitter_names[j->dist], j->cv, j->n, j->loglik_gamma,
            j->loglik_lognormal, j->ks);
}

static void write_raw(FILE *f, const struct calib *c)
{
    if (c->nraw == 0) {
        fputs("raw: []\n", f);
        return;
    }
    fputs("raw:\n", f);
    for (size_t i = 0; i < c->nraw; i++) {
        const struct calib_raw *r = &c->raw[i];
        fprintf(f, "  - {kernel: %s, dtype: %s, shape: %s, m: %ld, k: %ld, "
                "n: %ld, ctx: %ld, count: %ld, min: %.6g, median: %.6g, "
                "p99: %.6g}\n", r->kernel, r->dtype, r->shape, r->m, r->k,
                r->n, r->ctx, r->count, r->min, r->median, r->p99);
    }
}

int calib_write(FILE *f, const struct calib *c)
{
    char what[256];
    fprintf(f, "# slmsim calibration of %s: %s.\n", c->model,
            calib_describe(c, what, sizeof what));
    if (c->kind == CALIB_KIND_CPU)
        fputs("# Measured on the CPU by the CPU twin of the benchmark: these "
              "are the CPU's\n# figures, not a GPU's (a gpu backend needs "
              "allow_cpu_calibration: true).\n", f);
    fputs("# Format: docs/calibration.md.  SI units: s, bytes, bytes/s, "
          "FLOP/s.\n", f);
    write_head(f, c);
    write_fit(f, c);
    fputs("notes: ", f);
    put_str(f, c->notes);
    fputs("\n", f);
    write_raw(f, c);
    return ferror(f) ? -1 : 0;
}

/* ---- using a file ---- */

/* The file's format for the simulator's q, by name rather than by the
 * enums' positions: the two lists differ (the file has bf16 where the
 * catalog has fp4), so an index cast would hand fp4 the bf16 figures.
 * -1 for a format no file holds. */
static int calib_dtype_of_quant(enum catalog_quant q)
{
    switch (q) {
    case CATALOG_QUANT_FP16: return CALIB_DT_FP16;
    case CATALOG_QUANT_FP8: return CALIB_DT_FP8;
    case CATALOG_QUANT_INT8: return CALIB_DT_INT8;
    case CATALOG_QUANT_INT4: return CALIB_DT_INT4;
    case CATALOG_QUANT_FP4: break; /* NVFP4: not measured by the benchmark */
    }
    return -1;
}

const struct calib_dtype_fit *calib_dtype(const struct calib *c,
                                          enum catalog_quant q)
{
    int i = calib_dtype_of_quant(q);
    if (i < 0)
        return NULL;
    const struct calib_dtype_fit *t = &c->dt[i];
    return t->present ? t : NULL;
}

const char *calib_describe(const struct calib *c, char *buf, size_t size)
{
    char shard[48] = "";
    if (c->tensor_parallel > 1)
        snprintf(shard, sizeof shard, ", one GPU's shard at TP %d",
                 c->tensor_parallel);
    if (c->source == CALIB_MEASURED)
        snprintf(buf, size, "measured on %s (%s%s)", c->device, c->date,
                 shard);
    else if (c->from_measured)
        snprintf(buf, size, "derived from %s (measured %s%s)",
                 c->from_device, c->from_date, shard);
    else
        snprintf(buf, size, "derived from the %s datasheet (%s%s)",
                 c->from_catalog[0] ? c->from_catalog : c->from_device,
                 c->from_date, shard);
    return buf;
}

static double eff(double value, double peak)
{
    return peak > 0 ? value / peak : 0;
}

void calib_set_peaks(struct calib *c, const struct gpu_spec *g)
{
    double bw = g ? g->bandwidth : 0;
    c->peak_bandwidth = bw;
    for (int i = 0; i < CALIB_NDTYPE; i++)
        c->peak_flops[i] =
            !g ? 0 : i == CALIB_DT_BF16 ? g->flops_fp16
                                        : catalog_gpu_flops(
                                              g, (enum catalog_quant)i);
    c->bandwidth.efficiency = eff(c->bandwidth.value, bw);
    c->copy_bandwidth.efficiency = eff(c->copy_bandwidth.value, bw);
    c->attn_bandwidth.efficiency = eff(c->attn_bandwidth.value, bw);
    c->prefill_attn_flops.efficiency =
        eff(c->prefill_attn_flops.value, c->peak_flops[CALIB_DT_FP16]);
    for (int i = 0; i < CALIB_NDTYPE; i++) {
        c->dt[i].bandwidth.efficiency = eff(c->dt[i].bandwidth.value, bw);
        c->dt[i].flops.efficiency =
            eff(c->dt[i].flops.value, c->peak_flops[i]);
    }
}

/* A rate moved to `to`: the origin's efficiency times to's peak, no
 * standard error (nothing was measured on `to`). */
static void xfer(struct calib_fig *dst, const struct calib_fig *src,
                 double peak)
{
    dst->efficiency = src->efficiency;
    dst->value = src->efficiency * peak;
    dst->se = 0;
}

static int derive_copy(const struct calib *from, struct calib *c)
{
    int bad = 0;
    *c = (struct calib){0};
    struct calib *tmp = calib_new();
    if (!tmp)
        return SLM_ENOMEM;
    char *strings[NSTRINGS];
    for (size_t i = 0; i < NSTRINGS; i++)
        strings[i] = *string_at(tmp, i);
    *c = *from;
    for (size_t i = 0; i < NSTRINGS; i++) {
        *string_at(c, i) = strings[i];
        bad |= calib_set_string(string_at(c, i),
                                *string_at((struct calib *)from, i)) != 0;
    }
    c->raw = NULL;
    c->nraw = 0;
    c->shape.name = c->model;
    mem_free(tmp);
    return bad ? SLM_ENOMEM : 0;
}

int calib_derive(const struct calib *from, const char *from_path,
                 const struct gpu_spec *to, const char *today,
                 struct diag *d, struct calib **out)
{
    struct diag_pos at = {from_path, 0, 0};
    *out = NULL;
    if (from->peak_bandwidth <= 0) {
        diag_error(d, &at, "'%s' was measured on %s, which has no datasheet "
                   "peaks in the catalog: its efficiencies are unknown and "
                   "cannot transfer to %s", from_path, from->device,
                   to->name);
        return SLM_EINPUT;
    }
    struct calib *c = mem_calloc(1, sizeof *c);
    if (!c)
        return SLM_ENOMEM;
    int rc = derive_copy(from, c);
    /* The origin: the first measurement (or datasheet) in the chain. */
    const int first = from->source == CALIB_MEASURED;
    char notes[1024];
    snprintf(notes, sizeof notes,
             "derived for %s from %s: rates are the efficiencies measured "
             "there times %s's datasheet peaks; per-step overhead, launch "
             "and per-layer costs, int4 dequantisation per weight and the "
             "jitter are kept as measured (ASSUMPTION: same host and "
             "software); attention per KV byte scales with bandwidth.",
             to->name, from->device, to->name);
    if (!rc)
        rc = calib_set_string(&c->from_device,
                              first ? from->device : from->from_device) |
             calib_set_string(&c->from_catalog,
                              first ? from->catalog : from->from_catalog) |
             calib_set_string(&c->from_date,
                              first ? from->date : from->from_date) |
             calib_set_string(&c->from_file,
                              first ? from_path : from->from_file) |
             calib_set_string(&c->device, to->name) |
             calib_set_string(&c->catalog, to->name) |
             calib_set_string(&c->date, today) |
             calib_set_string(&c->compute_capability, "") |
             calib_set_string(&c->raw_file, "") |
             calib_set_string(&c->driver, "") |
             calib_set_string(&c->runtime, "");
    c->from_measured = first ? 1 : from->from_measured;
    c->source = CALIB_DERIVED;
    c->kind = from->kind == CALIB_KIND_CPU ? CALIB_KIND_CPU : from->kind;
    c->sms = 0;
    c->sm_clock = c->memory_clock = c->l2_bytes = 0;
    c->memory_bytes = to->memory;
    calib_set_peaks(c, to);
    xfer(&c->bandwidth, &from->bandwidth, c->peak_bandwidth);
    xfer(&c->copy_bandwidth, &from->copy_bandwidth, c->peak_bandwidth);
    xfer(&c->attn_bandwidth, &from->attn_bandwidth, c->peak_bandwidth);
    xfer(&c->prefill_attn_flops, &from->prefill_attn_flops,
         c->peak_flops[CALIB_DT_FP16]);
    /* Attention per KV byte: a bandwidth-bound read, so it scales as the
     * reciprocal of the bandwidth. */
    c->attn_per_byte.value = c->attn_bandwidth.value > 0
                                 ? 1 / c->attn_bandwidth.value : 0;
    c->attn_per_byte.se = 0;
    size_t len = strlen(notes);
    for (int i = 0; i < CALIB_NDTYPE; i++) {
        struct calib_dtype_fit *t = &c->dt[i];
        if (!t->present)
            continue;
        xfer(&t->bandwidth, &from->dt[i].bandwidth, c->peak_bandwidth);
        xfer(&t->flops, &from->dt[i].flops, c->peak_flops[i]);
        /* An FP8 or INT8 efficiency is a tensor-core kernel's: it says
         * nothing of the dequantise-to-FP16 path a device without those
         * units would run. */
        int native = i == CALIB_DT_FP8 ? to->flops_fp8 > 0
                     : i == CALIB_DT_INT8 ? to->ops_int8 > 0 : 1;
        if (!native || c->peak_flops[i] <= 0 || from->peak_flops[i] <= 0) {
            t->present = 0;
            len += (size_t)snprintf(notes + len, sizeof notes - len,
                                    " %s left out: %s has no %s tensor "
                                    "rate.", calib_dtype_names[i], to->name,
                                    calib_dtype_names[i]);
        }
    }
    if (!rc)
        rc = calib_set_string(&c->notes, notes);
    if (rc) {
        calib_free(c);
        return SLM_ENOMEM;
    }
    *out = c;
    return 0;
}

/* ---- finding a file and a catalog entry ---- */

/* 1 when the n bytes of word stand in s as a whole word (case ignored):
 * no letter or digit right before or after. */
static int has_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = s; *p; p++) {
        if (strncasecmp(p, word, n))
            continue;
        int before = p > s && isalnum((unsigned char)p[-1]);
        int after = isalnum((unsigned char)p[n]);
        if (!before && !after)
            return 1;
    }
    return 0;
}

const struct gpu_spec *calib_catalog_match(const char *device)
{
    const struct gpu_spec *best = NULL;
    for (size_t i = 0; i < catalog_gpu_count(); i++) {
        const struct gpu_spec *g = catalog_gpu_at(i);
        if (has_word(device, g->name) &&
            (!best || strlen(g->name) > strlen(best->name)))
            best = g;
    }
    return best;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *join(const char *dir, const char *path)
{
    size_t n = strlen(dir) + strlen(path) + 2;
    char *s = mem_alloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, path);
    return s;
}

/* Tries candidate (owned; NULL means out of memory): returns it when it
 * exists, else frees it and notes it in tried. */
static char *try_path(char *candidate, char *tried, size_t size, int *oom)
{
    if (!candidate) {
        *oom = 1;
        return NULL;
    }
    if (file_exists(candidate))
        return candidate;
    size_t len = strlen(tried);
    if (len < size)
        snprintf(tried + len, size - len, "%s%s", len ? ", " : "",
                 candidate);
    mem_free(candidate);
    return NULL;
}

char *calib_resolve_path(const char *path, const char *scenario_file,
                         const char *share_dir, char *tried, size_t size)
{
    int oom = 0;
    char *hit = NULL;
    if (size)
        tried[0] = '\0';
    if (path[0] == '/') {
        hit = try_path(mem_strdup(path), tried, size, &oom);
        goto done;
    }
    const char *slash = scenario_file && strcmp(scenario_file, "<stdin>")
                            ? strrchr(scenario_file, '/') : NULL;
    if (slash) {
        char *dir = mem_strndup(scenario_file,
                                (size_t)(slash - scenario_file));
        hit = try_path(dir ? join(dir, path) : NULL, tried, size, &oom);
        mem_free(dir);
    }
    if (!hit && !oom)
        hit = try_path(mem_strdup(path), tried, size, &oom);
    if (!hit && !oom && share_dir && share_dir[0])
        hit = try_path(join(share_dir, path), tried, size, &oom);
done:
    if (!hit)
        errno = oom ? ENOMEM : ENOENT;
    return hit;
}

const char *calib_share_dir(void)
{
    return SLMSIM_SHARE_DIR;
}
