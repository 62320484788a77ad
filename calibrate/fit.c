#include "calibrate/fit.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "sim/mem.h"

static const char *const fit_kernel_names[FIT_NKERNEL] = {
    "read", "copy", "launch", "gemm", "prefill", "attn", "prefill_attn",
    "layer", "layer_parts", "step", "jitter", "allreduce"};

static const char csv_header[] =
    "kernel,dtype,shape,m,k,n,ctx,bytes,flops,seconds";

/* ---- the sample set ---- */

void fit_samples_init(struct fit_samples *ss)
{
    memset(ss, 0, sizeof *ss);
}

void fit_samples_fini(struct fit_samples *ss)
{
    mem_free(ss->s);
    memset(ss, 0, sizeof *ss);
}

int fit_samples_add(struct fit_samples *ss, const struct fit_sample *s)
{
    if ((long)ss->n >= FIT_MAX_ROWS)
        return SLM_EINPUT;
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? 2 * ss->cap : 256;
        struct fit_sample *p = mem_realloc(ss->s, cap, sizeof *p);
        if (!p)
            return SLM_ENOMEM;
        ss->s = p;
        ss->cap = cap;
    }
    ss->s[ss->n++] = *s;
    return 0;
}

/* ---- CSV ---- */

static const char *kind_word(enum calib_kind k)
{
    return k == CALIB_KIND_CUDA ? "cuda" : k == CALIB_KIND_CPU ? "cpu"
                                                               : "datasheet";
}

int fit_samples_write(FILE *f, const struct fit_samples *ss,
                      const struct calib *m)
{
    fprintf(f, "# slmsim calibration samples %d\n", FIT_SAMPLES_FORMAT);
    fprintf(f, "# device.name: %s\n# device.kind: %s\n# device.catalog: %s\n",
            m->device, kind_word(m->kind), m->catalog);
    fprintf(f, "# device.compute_capability: %s\n# device.driver: %s\n"
            "# device.runtime: %s\n# device.sms: %d\n"
            "# device.sm_clock: %.6g\n# device.memory_clock: %.6g\n"
            "# device.memory: %.6g\n# device.l2: %.6g\n",
            m->compute_capability, m->driver, m->runtime, m->sms,
            m->sm_clock, m->memory_clock, m->memory_bytes, m->l2_bytes);
    fprintf(f, "# date: %s\n# model: %s\n# kv_dtype: %s\n# quick: %d\n"
            "# warmup: %d\n# repetitions: %d\n# buffer: %.6g\n"
            "# dequant_tile: %d\n# allreduce: %s\n",
            m->date, m->model, m->kv_dtype, m->quick, m->warmup,
            m->repetitions, m->buffer_bytes, m->dt[CALIB_DT_INT4].dequant_tile,
            m->allreduce_note);
    if (m->tensor_parallel > 1)
        fprintf(f, "# tensor_parallel: %d\n", m->tensor_parallel);
    fprintf(f, "%s\n", csv_header);
    for (size_t i = 0; i < ss->n; i++) {
        const struct fit_sample *s = &ss->s[i];
        fprintf(f, "%s,%s,%s,%ld,%ld,%ld,%ld,%.17g,%.17g,%.9g\n",
                fit_kernel_names[s->kernel],
                s->dtype < 0 ? "-" : calib_dtype_names[s->dtype], s->shape,
                s->m, s->k, s->n, s->ctx, s->bytes, s->flops, s->seconds);
    }
    return ferror(f) ? -1 : 0;
}

struct csv_ctx {
    const char *path;
    int line;
    struct diag *d;
};

static void csv_error(struct csv_ctx *x, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A located message; long quotes of the line are cut at 512 bytes. */
static void csv_error(struct csv_ctx *x, int col, const char *fmt, ...)
{
    struct diag_pos at = {x->path, x->line, col};
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(x->d, &at, "%s", msg);
}

static int lookup(const char *word, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(word, names[i]))
            return i;
    return -1;
}

static int meta_number(struct csv_ctx *x, int col, const char *key,
                       const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d) || d < 0) {
        csv_error(x, col, "'%s' must be a number >= 0, got '%s'", key, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* One "# key: value" line.  Unknown keys are errors: a misspelt key would
 * otherwise lose the identity silently. */
static int read_meta(struct csv_ctx *x, char *line, struct calib *m)
{
    static const char *const str_keys[] = {
        "device.name", "device.catalog", "device.compute_capability",
        "device.driver", "device.runtime", "date", "model", "kv_dtype",
        "allreduce"};
    char **str_dst[] = {&m->device, &m->catalog, &m->compute_capability,
                        &m->driver, &m->runtime, &m->date, &m->model,
                        &m->kv_dtype, &m->allreduce_note};
    static const char *const num_keys[] = {
        "device.sms", "device.sm_clock", "device.memory_clock",
        "device.memory", "device.l2", "quick", "warmup", "repetitions",
        "buffer", "dequant_tile", "tensor_parallel"};
    double v = 0;
    char *colon = strchr(line, ':');
    if (!strncmp(line, "# slmsim calibration samples", 28))
        return 0;
    if (!colon || line[1] != ' ') {
        csv_error(x, 1, "expected '# key: value', got '%s'", line);
        return -1;
    }
    *colon = '\0';
    const char *key = line + 2, *val = colon[1] == ' ' ? colon + 2 : colon + 1;
    int col = (int)(val - line) + 1;
    int i = lookup(key, str_keys, 9);
    if (i >= 0)
        return calib_set_string(str_dst[i], val) ? -1 : 0;
    if (!strcmp(key, "device.kind")) {
        static const char *const kinds[] = {"cuda", "cpu", "datasheet"};
        int k = lookup(val, kinds, 3);
        if (k < 0) {
            csv_error(x, col, "'device.kind' must be cuda, cpu or "
                      "datasheet, got '%s'", val);
            return -1;
        }
        m->kind = (enum calib_kind)k;
        return 0;
    }
    i = lookup(key, num_keys, 11);
    if (i < 0) {
        csv_error(x, 3, "unknown key '%s' in the samples' identity", key);
        return -1;
    }
    if (meta_number(x, col, key, val, &v) < 0)
        return -1;
    if (i == 10 && !(v >= 1 && v <= CALIB_MAX_TP && v == floor(v))) {
        csv_error(x, col, "'tensor_parallel' must be an integer from 1 to "
                  "%d, got '%s'", CALIB_MAX_TP, val);
        return -1;
    }
    switch (i) {
    case 0: m->sms = (int)v; break;
    case 1: m->sm_clock = v; break;
    case 2: m->memory_clock = v; break;
    case 3: m->memory_bytes = v; break;
    case 4: m->l2_bytes = v; break;
    case 5: m->quick = v != 0; break;
    case 6: m->warmup = (int)v; break;
    case 7: m->repetitions = (int)v; break;
    case 8: m->buffer_bytes = v; break;
    case 9: m->dt[CALIB_DT_INT4].dequant_tile = (int)v; break;
    default: m->tensor_parallel = (int)v; break;
    }
    return 0;
}

static int parse_long(struct csv_ctx *x, int col, const char *name,
                      const char *v, long *out)
{
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (end == v || *end || errno || l < 0) {
        csv_error(x, col, "'%s' must be an integer >= 0, got '%s'", name, v);
        return -1;
    }
    *out = l;
    return 0;
}

static int parse_real(struct csv_ctx *x, int col, const char *name,
                      const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d) || d < 0) {
        csv_error(x, col, "'%s' must be a number >= 0, got '%s'", name, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* Splits line at commas in place: fields and the column each starts at. */
static int split(char *line, char **field, int *col, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n < max) {
            field[n] = p;
            col[n] = (int)(p - line) + 1;
        }
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int read_row(struct csv_ctx *x, char *line, struct fit_samples *ss)
{
    static const char *const names[] = {"kernel", "dtype", "shape", "m",
                                        "k", "n", "ctx", "bytes", "flops",
                                        "seconds"};
    char *f[10];
    int col[10];
    struct fit_sample s;
    memset(&s, 0, sizeof s);
    int nf = split(line, f, col, 10);
    if (nf != 10) {
        csv_error(x, 1, "expected 10 fields (%s), got %d", csv_header, nf);
        return -1;
    }
    if ((s.kernel = lookup(f[0], fit_kernel_names, FIT_NKERNEL)) < 0) {
        csv_error(x, col[0], "unknown kernel '%s' (read, copy, launch, gemm, prefill, attn, "
                  "prefill_attn, layer, layer_parts, step, jitter, allreduce)", f[0]);
        return -1;
    }
    s.dtype = strcmp(f[1], "-") ? lookup(f[1], calib_dtype_names,
                                         CALIB_NDTYPE) : -1;
    if (s.dtype < 0 && strcmp(f[1], "-")) {
        csv_error(x, col[1], "unknown weight format '%s' (fp16, fp8, int8, "
                  "int4, bf16 or -)", f[1]);
        return -1;
    }
    if (strlen(f[2]) >= sizeof s.shape) {
        csv_error(x, col[2], "shape name '%s' is longer than 15 bytes", f[2]);
        return -1;
    }
    snprintf(s.shape, sizeof s.shape, "%s", f[2]);
    long *dims[] = {&s.m, &s.k, &s.n, &s.ctx};
    int bad = 0;
    for (int i = 0; i < 4; i++)
        bad |= parse_long(x, col[3 + i], names[3 + i], f[3 + i], dims[i]);
    bad |= parse_real(x, col[7], "bytes", f[7], &s.bytes);
    bad |= parse_real(x, col[8], "flops", f[8], &s.flops);
    bad |= parse_real(x, col[9], "seconds", f[9], &s.seconds);
    if (!bad && s.seconds <= 0) {
        csv_error(x, col[9], "'seconds' must be > 0, got '%s'", f[9]);
        bad = 1;
    }
    if (bad)
        return -1;
    int rc = fit_samples_add(ss, &s);
    if (rc == SLM_EINPUT)
        csv_error(x, 1, "more than %ld rows", FIT_MAX_ROWS);
    return rc ? -1 : 0;
}

/* One line of the file: identity, header or row.  state: 0 before the
 * header, 1 after. */
static int read_line(struct csv_ctx *x, char *line, int *state,
                     struct fit_samples *ss, struct calib *meta)
{
    if (*state == 0 && line[0] == '#')
        return read_meta(x, line, meta);
    if (*state == 0) {
        if (strcmp(line, csv_header)) {
            csv_error(x, 1, "expected the header '%s', got '%s'", csv_header,
                      line);
            return -1;
        }
        *state = 1;
        return 0;
    }
    if (line[0] == '\0')
        return 0;
    return read_row(x, line, ss);
}

static int read_stream(FILE *in, struct csv_ctx *x, struct fit_samples *ss,
                       struct calib *meta)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    int state = 0, bad = 0, rc = 0;
    while (!rc && !diag_full(x->d) && (got = getline(&buf, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        x->line++;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len > FIT_MAX_LINE) {
            csv_error(x, FIT_MAX_LINE + 1, "line longer than %d bytes",
                      FIT_MAX_LINE);
            rc = SLM_EINPUT;
        } else if (strlen(buf) != len) {
            csv_error(x, (int)strlen(buf) + 1, "line holds a NUL byte");
            rc = SLM_EINPUT;
        } else if (read_line(x, buf, &state, ss, meta) < 0) {
            if (x->d->errors == 0)
                rc = SLM_ENOMEM;
            bad = 1;
        }
    }
    int e = errno;
    free(buf); /* getline's buffer comes from malloc */
    if (rc)
        return rc;
    if (ferror(in)) {
        errno = e;
        return SLM_ESYS;
    }
    if (!bad && state == 0) {
        x->line = x->line ? x->line : 1;
        csv_error(x, 1, "no header line '%s'", csv_header);
        bad = 1;
    }
    return bad ? SLM_EINPUT : 0;
}

int fit_samples_read(const char *path, struct diag *d,
                     struct fit_samples *ss, struct calib *meta)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return SLM_ESYS;
    struct csv_ctx x = {path, 0, d};
    int errors = d->errors;
    int rc = read_stream(in, &x, ss, meta);
    int e = errno;
    fclose(in);
    errno = e;
    if (rc == 0 && d->errors > errors)
        rc = SLM_EINPUT;
    if (rc == 0 && !catalog_model_find(meta->model)) {
        struct diag_pos at = {path, 0, 0};
        diag_error(d, &at, "the samples' model '%s' is not in the catalog "
                   "('# model: NAME')", meta->model);
        rc = SLM_EINPUT;
    }
    if (rc == 0 && !meta->device[0]) {
        struct diag_pos at = {path, 0, 0};
        diag_error(d, &at, "the samples name no device "
                   "('# device.name: NAME')");
        rc = SLM_EINPUT;
    }
    return rc;
}

/* ---- the fits ---- */

int fit_line_wls(const double *x, const double *y, const double *w,
                 size_t n, struct fit_line *out)
{
    memset(out, 0, sizeof *out);
    if (n < 3)
        return SLM_EINPUT;
    int distinct = 0;
    for (size_t i = 1; i < n && !distinct; i++)
        distinct = x[i] != x[0];
    if (!distinct)
        return SLM_EINPUT;
    gsl_matrix *X = gsl_matrix_alloc(n, 2), *cov = gsl_matrix_alloc(2, 2);
    gsl_vector *Y = gsl_vector_alloc(n), *W = gsl_vector_alloc(n);
    gsl_vector *c = gsl_vector_alloc(2);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, 2);
    int rc = SLM_ENOMEM;
    if (X && cov && Y && W && c && ws) {
        for (size_t i = 0; i < n; i++) {
            gsl_matrix_set(X, i, 0, 1.0);
            gsl_matrix_set(X, i, 1, x[i]);
            gsl_vector_set(Y, i, y[i]);
            gsl_vector_set(W, i, w ? w[i] : 1.0 / (y[i] * y[i]));
        }
        double chisq;
        rc = gsl_multifit_wlinear(X, W, Y, c, cov, &chisq, ws) ? SLM_ENUM : 0;
        /* (X'WX)^-1 is the covariance only when the weights are 1/var;
         * ours are relative, so scale by the residual variance. */
        double s2 = n > 2 ? chisq / (double)(n - 2) : 0;
        out->a = gsl_vector_get(c, 0);
        out->b = gsl_vector_get(c, 1);
        out->se_a = sqrt(gsl_matrix_get(cov, 0, 0) * s2);
        out->se_b = sqrt(gsl_matrix_get(cov, 1, 1) * s2);
        out->n = n;
        out->chisq = chisq;
        if (!rc && !(isfinite(out->a) && isfinite(out->b)))
            rc = SLM_ENUM;
    }
    gsl_multifit_linear_free(ws);
    gsl_vector_free(c);
    gsl_vector_free(W);
    gsl_vector_free(Y);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Gamma shape by maximum likelihood: log k - psi(k) = s, s = log(mean) -
 * mean(log) > 0; Minka's closed-form start, then Newton (converges in a
 * few steps from there). */
static double gamma_shape(double s)
{
    double k = (3 - s + sqrt((s - 3) * (s - 3) + 24 * s)) / (12 * s);
    for (int i = 0; i < 50; i++) {
        double g = log(k) - gsl_sf_psi(k) - s;
        double dg = 1 / k - gsl_sf_psi_1(k);
        double next = k - g / dg;
        if (!(next > 0))
            next = k / 2;
        if (fabs(next - k) < 1e-12 * k) {
            k = next;
            break;
        }
        k = next;
    }
    return k;
}

/* KS statistic of sorted x[0..n) against cdf (gamma: p = shape, q =
 * scale; lognormal: p = mean of logs, q = sd of logs). */
static double ks_stat(const double *x, size_t n, int lognormal, double p,
                      double q)
{
    double dmax = 0;
    for (size_t i = 0; i < n; i++) {
        double F = lognormal ? gsl_cdf_lognormal_P(x[i], p, q)
                             : gsl_cdf_gamma_P(x[i], p, q);
        double hi = (double)(i + 1) / (double)n - F;
        double lo = F - (double)i / (double)n;
        dmax = fmax(dmax, fmax(hi, lo));
    }
    return dmax;
}

int fit_jitter(const double *t, size_t n, struct calib_jitter *out)
{
    memset(out, 0, sizeof *out);
    if (n < 8)
        return SLM_EINPUT;
    double *x = mem_alloc(n * sizeof *x);
    if (!x)
        return SLM_ENOMEM;
    double mean = 0, mlog = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(t[i] > 0)) {
            mem_free(x);
            return SLM_EINPUT;
        }
        mean += t[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = t[i] / mean; /* factors of mean 1 */
        mlog += log(x[i]) / (double)n;
    }
    qsort(x, n, sizeof *x, cmp_double);
    out->n = (long)n;
    double s = -mlog; /* log(mean x) = 0 */
    if (!(s > 1e-15)) { /* all equal: no jitter to speak of */
        out->dist = CALIB_JITTER_NONE;
        mem_free(x);
        return 0;
    }
    double k = gamma_shape(s), theta = 1 / k, var = 0, lg = 0, ll = 0;
    for (size_t i = 0; i < n; i++)
        var += (log(x[i]) - mlog) * (log(x[i]) - mlog) / (double)n;
    double sd = sqrt(var);
    for (size_t i = 0; i < n; i++) {
        double lx = log(x[i]);
        lg += (k - 1) * lx - x[i] / theta - k * log(theta) - gsl_sf_lngamma(k);
        ll += -lx - log(sd) - 0.5 * log(2 * M_PI) -
              (lx - mlog) * (lx - mlog) / (2 * var);
    }
    out->loglik_gamma = lg;
    out->loglik_lognormal = ll;
    if (lg >= ll) {
        out->dist = CALIB_JITTER_GAMMA;
        out->cv = 1 / sqrt(k);
        out->ks = ks_stat(x, n, 0, k, theta);
    } else {
        out->dist = CALIB_JITTER_LOGNORMAL;
        out->cv = sqrt(expm1(var));
        out->ks = ks_stat(x, n, 1, mlog, sd);
    }
    mem_free(x);
    return 0;
}

/* ---- from samples to figures ---- */

enum { X_BYTES, X_FLOPS, X_CTX, X_DEQUANT };

/* Which samples a fit takes and what its x is. */
struct select {
    int kernel;
    int dtype;      /* -2: any */
    long max_m;     /* 0: any */
    int x;          /* X_* */
    int tile;       /* X_DEQUANT: rows per dequantisation pass */
    double y_less_per_flop; /* y -= flops * this (dequant: 1 / F_fp16) */
};

static int selected(const struct fit_sample *s, const struct select *q)
{
    return s->kernel == q->kernel && (q->dtype == -2 || s->dtype == q->dtype)
           && (q->max_m == 0 || s->m <= q->max_m);
}

static double x_of(const struct fit_sample *s, const struct select *q)
{
    switch (q->x) {
    case X_BYTES: return s->bytes;
    case X_FLOPS: return s->flops;
    case X_CTX: return (double)s->ctx;
    default:
        return (double)s->k * (double)s->n *
               ceil((double)s->m / (double)(q->tile > 0 ? q->tile : 1));
    }
}

static int cmp_config(const void *pa, const void *pb);
static int same_config(const struct fit_sample *a, const struct fit_sample *b);

/* The WLS line through the medians of the selected samples, one point
 * per configuration: a repetition the machine preempted moves a median
 * little and a mean a lot.  out->n counts the samples behind the points.
 * SLM_EINPUT when fewer than 3 configurations. */
static int fit_select(const struct fit_samples *ss, const struct select *q,
                      struct fit_line *out)
{
    size_t n = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < ss->n; i++)
        n += selected(&ss->s[i], q);
    if (n < 3)
        return SLM_EINPUT;
    const struct fit_sample **p = mem_alloc(n * sizeof *p);
    double *x = mem_alloc(n * sizeof *x), *y = mem_alloc(n * sizeof *y);
    double *w = mem_alloc(n * sizeof *w), *g = mem_alloc(n * sizeof *g);
    int rc = SLM_ENOMEM;
    if (p && x && y && w && g) {
        size_t j = 0, groups = 0;
        for (size_t i = 0; i < ss->n; i++)
            if (selected(&ss->s[i], q))
                p[j++] = &ss->s[i];
        qsort(p, n, sizeof *p, cmp_config);
        for (size_t i = 0, e; i < n; i = e) {
            size_t k = 0;
            for (e = i; e < n && same_config(p[i], p[e]); e++)
                g[k++] = p[e]->seconds - p[e]->flops * q->y_less_per_flop;
            qsort(g, k, sizeof *g, cmp_double);
            double med = k % 2 ? g[k / 2] : (g[k / 2 - 1] + g[k / 2]) / 2;
            double t = p[i + k / 2]->seconds; /* sorted by seconds too */
            x[groups] = x_of(p[i], q);
            y[groups] = med;
            /* relative weights on the measured time, not on the residue */
            w[groups++] = 1 / (t * t);
        }
        rc = groups < 3 ? SLM_EINPUT : fit_line_wls(x, y, w, groups, out);
        out->n = n;
    }
    mem_free(g);
    mem_free(w);
    mem_free(y);
    mem_free(x);
    mem_free(p);
    return rc;
}

/* A rate from a slope (seconds per unit): 1/b, se by the delta method.
 * 0 and a note when the slope is not positive. */
static int set_rate(struct calib_fig *f, const struct fit_line *l,
                    const char *what, char *notes, size_t size)
{
    memset(f, 0, sizeof *f);
    if (l->n == 0)
        return 0;
    if (!(l->b > 0)) {
        size_t len = strlen(notes);
        snprintf(notes + len, size - len, "%s%s: slope not positive, not "
                 "fitted.", len ? " " : "", what);
        return 0;
    }
    f->value = 1 / l->b;
    f->se = l->se_b / (l->b * l->b);
    f->n = (long)l->n;
    return 1;
}

static void note(char *notes, size_t size, const char *what)
{
    size_t len = strlen(notes);
    snprintf(notes + len, size - len, "%s%s", len ? " " : "", what);
}

/* Mean and its standard error of the selected samples' seconds. */
static void mean_of(const struct fit_samples *ss, int kernel, double *mean,
                    double *var, long *n)
{
    double m = 0, m2 = 0;
    long k = 0;
    for (size_t i = 0; i < ss->n; i++) {
        if (ss->s[i].kernel != kernel)
            continue;
        double d = ss->s[i].seconds - m;
        k++;
        m += d / (double)k;
        m2 += d * (ss->s[i].seconds - m);
    }
    *mean = m;
    *var = k > 1 ? m2 / (double)(k - 1) : 0;
    *n = k;
}

static void fit_dtypes(const struct fit_samples *ss, struct calib *c,
                       char *notes, size_t size)
{
    struct fit_line l;
    for (int d = 0; d < CALIB_NDTYPE; d++) {
        struct calib_dtype_fit *t = &c->dt[d];
        struct select bw = {FIT_K_GEMM, d, 2, X_BYTES, 0, 0};
        struct select fl = {FIT_K_PREFILL, d, 0, X_FLOPS, 0, 0};
        int has_bw = 0, has_fl = 0;
        if (fit_select(ss, &bw, &l) == 0)
            has_bw = set_rate(&t->bandwidth, &l, calib_dtype_names[d], notes,
                              size);
        if (fit_select(ss, &fl, &l) == 0)
            has_fl = set_rate(&t->flops, &l, calib_dtype_names[d], notes,
                              size);
        t->present = has_bw && has_fl;
    }
    /* int4 dequantisation: what the prefill GEMMs take beyond the FP16
     * products, per weight per pass of `tile` rows. */
    struct calib_dtype_fit *q = &c->dt[CALIB_DT_INT4];
    double f16 = c->dt[CALIB_DT_FP16].flops.value;
    if (q->present && f16 > 0 && q->dequant_tile > 0) {
        struct select dq = {FIT_K_PREFILL, CALIB_DT_INT4, 0, X_DEQUANT,
                            q->dequant_tile, 1 / f16};
        if (fit_select(ss, &dq, &l) == 0) {
            q->dequant.value = l.b;
            q->dequant.se = l.se_b;
            q->dequant.n = (long)l.n;
        }
    } else if (q->present) {
        note(notes, size, "int4 dequantisation cost not fitted (needs fp16 "
             "prefill samples and the kernel's dequant_tile).");
    }
}

static void fit_times(const struct fit_samples *ss, struct calib *c,
                      char *notes, size_t size)
{
    struct fit_line l;
    double m, v, mp, vp;
    long n, np;
    mean_of(ss, FIT_K_LAUNCH, &m, &v, &n);
    if (n > 1)
        c->launch = (struct calib_fig){m, sqrt(v / (double)n), n, 0};
    /* Per layer beyond its kernels: the whole sequence less the same
     * kernels timed one by one (negative when the sequence hides gaps). */
    mean_of(ss, FIT_K_LAYER, &m, &v, &n);
    mean_of(ss, FIT_K_LAYER_PARTS, &mp, &vp, &np);
    if (n > 1 && np > 1)
        c->layer_launch = (struct calib_fig){
            m - mp, sqrt(v / (double)n + vp / (double)np), n, 0};
    /* all-reduce: the latency of the smallest activation (batch 1), the
     * one every decode step pays twice a layer */
    double smallest = INFINITY, s1 = 0, s2 = 0;
    long k = 0;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->s[i].kernel == FIT_K_ALLREDUCE)
            smallest = fmin(smallest, ss->s[i].bytes);
    for (size_t i = 0; i < ss->n; i++)
        if (ss->s[i].kernel == FIT_K_ALLREDUCE &&
            ss->s[i].bytes == smallest) {
            s1 += ss->s[i].seconds;
            s2 += ss->s[i].seconds * ss->s[i].seconds;
            k++;
        }
    if (k > 1) {
        double mean = s1 / (double)k;
        double var = fmax(0, (s2 - s1 * mean) / (double)(k - 1));
        c->allreduce = (struct calib_fig){mean, sqrt(var / (double)k), k, 0};
    }
    struct select st = {FIT_K_STEP, -2, 0, X_CTX, 0, 0};
    if (fit_select(ss, &st, &l) == 0) {
        c->overhead = (struct calib_fig){l.a, l.se_a, (long)l.n, 0};
        if (l.a < 0)
            note(notes, size, "step overhead fitted below 0 (within noise "
                 "of the per-layer time).");
    }
    struct select at = {FIT_K_ATTN, -2, 0, X_BYTES, 0, 0};
    if (fit_select(ss, &at, &l) == 0 &&
        set_rate(&c->attn_bandwidth, &l, "attention", notes, size))
        c->attn_per_byte = (struct calib_fig){l.b, l.se_b, (long)l.n, 0};
    struct select pa = {FIT_K_PREFILL_ATTN, -2, 0, X_FLOPS, 0, 0};
    if (fit_select(ss, &pa, &l) == 0)
        set_rate(&c->prefill_attn_flops, &l, "prefill attention", notes,
                 size);
    struct select rd = {FIT_K_READ, -2, 0, X_BYTES, 0, 0};
    if (fit_select(ss, &rd, &l) == 0)
        set_rate(&c->bandwidth, &l, "read bandwidth", notes, size);
    struct select cp = {FIT_K_COPY, -2, 0, X_BYTES, 0, 0};
    if (fit_select(ss, &cp, &l) == 0)
        set_rate(&c->copy_bandwidth, &l, "copy bandwidth", notes, size);
}

static int cmp_config(const void *pa, const void *pb)
{
    const struct fit_sample *a = *(const struct fit_sample *const *)pa;
    const struct fit_sample *b = *(const struct fit_sample *const *)pb;
    if (a->kernel != b->kernel)
        return a->kernel - b->kernel;
    if (a->dtype != b->dtype)
        return a->dtype - b->dtype;
    int s = strcmp(a->shape, b->shape);
    if (s)
        return s;
    long d[4] = {a->m - b->m, a->k - b->k, a->n - b->n, a->ctx - b->ctx};
    for (int i = 0; i < 4; i++)
        if (d[i])
            return d[i] < 0 ? -1 : 1;
    /* read and copy differ by size alone */
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? -1 : 1;
    return cmp_double(&a->seconds, &b->seconds);
}

static int same_config(const struct fit_sample *a, const struct fit_sample *b)
{
    return a->kernel == b->kernel && a->dtype == b->dtype &&
           !strcmp(a->shape, b->shape) && a->m == b->m && a->k == b->k &&
           a->n == b->n && a->ctx == b->ctx && a->bytes == b->bytes;
}

/* Nearest-rank quantile of the sorted group g[0..n). */
static double group_q(const struct fit_sample *const *g, size_t n, double q)
{
    size_t r = (size_t)ceil(q * (double)n);
    return g[r > 0 ? r - 1 : 0]->seconds;
}

/* min, median and P99 per configuration, in a stable order. */
static int fit_raw(const struct fit_samples *ss, struct calib *c)
{
    const struct fit_sample **p = mem_alloc(ss->n * sizeof *p);
    if (!p && ss->n)
        return SLM_ENOMEM;
    for (size_t i = 0; i < ss->n; i++)
        p[i] = &ss->s[i];
    qsort(p, ss->n, sizeof *p, cmp_config);
    int rc = 0;
    for (size_t i = 0, j; i < ss->n && !rc; i = j) {
        for (j = i + 1; j < ss->n && same_config(p[i], p[j]); j++)
            ;
        struct calib_raw r;
        memset(&r, 0, sizeof r);
        snprintf(r.kernel, sizeof r.kernel, "%s", fit_kernel_names[p[i]->kernel]);
        snprintf(r.dtype, sizeof r.dtype, "%s",
                 p[i]->dtype < 0 ? "-" : calib_dtype_names[p[i]->dtype]);
        snprintf(r.shape, sizeof r.shape, "%s", p[i]->shape);
        r.m = p[i]->m;
        r.k = p[i]->k;
        r.n = p[i]->n;
        r.ctx = p[i]->ctx;
        r.count = (long)(j - i);
        r.min = p[i]->seconds;
        r.median = group_q(p + i, j - i, 0.5);
        r.p99 = group_q(p + i, j - i, 0.99);
        rc = calib_add_raw(c, &r);
        if (rc == SLM_EINPUT)
            rc = 0; /* the summaries stop at CALIB_MAX_RAW; the CSV has all */
    }
    mem_free(p);
    return rc;
}

static int fit_step_jitter(const struct fit_samples *ss, struct calib *c)
{
    size_t n = 0;
    for (size_t i = 0; i < ss->n; i++)
        n += ss->s[i].kernel == FIT_K_JITTER;
    if (n == 0)
        return SLM_EINPUT;
    double *t = mem_alloc(n * sizeof *t);
    if (!t)
        return SLM_ENOMEM;
    n = 0;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->s[i].kernel == FIT_K_JITTER)
            t[n++] = ss->s[i].seconds;
    int rc = fit_jitter(t, n, &c->jitter);
    mem_free(t);
    return rc;
}

int fit_run(const struct fit_samples *ss, struct calib *c, const char *where,
            struct diag *d)
{
    char notes[2048] = "";
    struct diag_pos at = {where, 0, 0};
    int any = 0, rc;
    fit_dtypes(ss, c, notes, sizeof notes);
    fit_times(ss, c, notes, sizeof notes);
    rc = fit_step_jitter(ss, c);
    if (rc == SLM_ENOMEM || (rc = fit_raw(ss, c)) == SLM_ENOMEM)
        return SLM_ENOMEM;
    c->samples = (long)ss->n;
    calib_set_peaks(c, catalog_gpu_find(c->catalog));
    for (int i = 0; i < CALIB_NDTYPE; i++)
        any |= c->dt[i].present;
    int bad = 0;
    if (!any) {
        diag_error(d, &at, "no weight format has both a bandwidth (gemm, "
                   "m <= 2) and a FLOP/s (prefill) fit: at least 3 samples "
                   "of two sizes each are needed");
        bad = 1;
    }
    if (c->overhead.n == 0) {
        diag_error(d, &at, "no per-step overhead: 'step' samples over at "
                   "least two layer counts are needed");
        bad = 1;
    }
    if (c->jitter.n == 0) {
        diag_error(d, &at, "no jitter: at least 8 positive 'jitter' samples "
                   "are needed");
        bad = 1;
    }
    if (!c->allreduce_note[0] && c->allreduce.n == 0)
        rc = calib_set_string(&c->allreduce_note, "not measured");
    if (!rc && notes[0])
        rc = calib_set_string(&c->notes, notes);
    if (rc == SLM_ENOMEM)
        return SLM_ENOMEM;
    return bad ? SLM_EINPUT : 0;
}
