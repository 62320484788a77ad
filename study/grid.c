#include "study/grid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/gpu.h"
#include "models/report.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/arrivals.h"
#include "sim/mem.h"
#include "sim/units.h"
#include "sim/status.h"
#include "study/economics.h"
#include "study/pricing.h"
#include "study/verdict.h"

/* ---- specs ---- */

static int grid_push(struct grid_dim *dim, const char *text, size_t len)
{
    if (dim->n == GRID_MAX_VALUES || len >= GRID_MAX_VALUE_LEN)
        return -1;
    memcpy(dim->value[dim->n], text, len);
    dim->value[dim->n][len] = '\0';
    dim->n++;
    return 0;
}

/* A range end: a number and its unit (the rest).  -1 when not a number. */
static int grid_end(const char *s, size_t len, double *x, char *unit,
                    size_t usize)
{
    char buf[GRID_MAX_VALUE_LEN];
    char *end;

    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    *x = strtod(buf, &end);
    if (end == buf || errno || !isfinite(*x))
        return -1;
    snprintf(unit, usize, "%s", end);
    return 0;
}

/* lo..hi:lin|log:N into dim; spec starts at column col. */
static int grid_range(struct grid_dim *dim, const char *spec,
                      const char *dots, const struct diag_pos *at,
                      struct diag *d)
{
    const char *c1 = strchr(dots + 2, ':'), *c2;
    char ulo[GRID_MAX_VALUE_LEN], uhi[GRID_MAX_VALUE_LEN];
    struct diag_pos p = *at;
    double lo, hi;
    char *end;
    long n;
    int lg;

    c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2) {
        diag_error(d, at, "range '%s' needs lo..hi:lin:N or lo..hi:log:N",
                   spec);
        return SLM_EINPUT;
    }
    if (grid_end(spec, (size_t)(dots - spec), &lo, ulo, sizeof ulo) ||
        grid_end(dots + 2, (size_t)(c1 - dots - 2), &hi, uhi, sizeof uhi)) {
        diag_error(d, at, "range '%s': its ends must be numbers", spec);
        return SLM_EINPUT;
    }
    if (strcmp(ulo, uhi)) {
        diag_error(d, at, "range '%s': both ends need the same unit, got "
                   "'%s' and '%s'", spec, ulo, uhi);
        return SLM_EINPUT;
    }
    p.col = at->col + (int)(c1 + 1 - spec);
    if ((size_t)(c2 - c1 - 1) == 3 && !strncmp(c1 + 1, "lin", 3))
        lg = 0;
    else if ((size_t)(c2 - c1 - 1) == 3 && !strncmp(c1 + 1, "log", 3))
        lg = 1;
    else {
        diag_error(d, &p, "range scale must be 'lin' or 'log', got '%.*s'",
                   (int)(c2 - c1 - 1), c1 + 1);
        return SLM_EINPUT;
    }
    p.col = at->col + (int)(c2 + 1 - spec);
    errno = 0;
    n = strtol(c2 + 1, &end, 10);
    if (end == c2 + 1 || *end || errno || n < 1 || n > GRID_MAX_VALUES) {
        diag_error(d, &p, "range needs 1 to %d values, got '%s'",
                   GRID_MAX_VALUES, c2 + 1);
        return SLM_EINPUT;
    }
    if (lg && !(lo > 0 && hi > 0)) {
        diag_error(d, at, "log range '%s' needs both ends > 0", spec);
        return SLM_EINPUT;
    }
    for (long i = 0; i < n; i++) {
        double t = n > 1 ? (double)i / (double)(n - 1) : 0, x;
        char text[GRID_MAX_VALUE_LEN];
        int k;
        /* The ends exactly as given, whatever the rounding between. */
        if (i == n - 1 && n > 1)
            x = hi;
        else if (lg)
            x = exp(log(lo) + t * (log(hi) - log(lo)));
        else
            x = lo + t * (hi - lo);
        k = snprintf(text, sizeof text, "%.10g%s", x, ulo);
        if (k < 0 || grid_push(dim, text, (size_t)k)) {
            diag_error(d, at, "range '%s': a value is too long", spec);
            return SLM_EINPUT;
        }
    }
    return SLM_OK;
}

/* a,b,c into dim. */
static int grid_list(struct grid_dim *dim, const char *spec,
                     const struct diag_pos *at, struct diag *d)
{
    const char *s = spec;

    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        struct diag_pos p = *at;
        p.col = at->col + (int)(s - spec);
        if (len == 0) {
            diag_error(d, &p, "empty value in list '%s'", spec);
            return SLM_EINPUT;
        }
        if (grid_push(dim, s, len)) {
            diag_error(d, &p, "list '%s': at most %d values of %d "
                       "characters", spec, GRID_MAX_VALUES,
                       GRID_MAX_VALUE_LEN - 1);
            return SLM_EINPUT;
        }
        if (!comma)
            return SLM_OK;
        s = comma + 1;
    }
}

/* A new dimension for key, or NULL after reporting (too many, twice). */
static struct grid_dim *grid_new_dim(struct grid *g, const char *key,
                                     size_t klen, const struct diag_pos *at,
                                     struct diag *d)
{
    struct grid_dim *dim;

    if (g->ndims == GRID_MAX_DIMS) {
        diag_error(d, at, "at most %d varied keys", GRID_MAX_DIMS);
        return NULL;
    }
    if (klen >= sizeof g->dim[0].key) {
        diag_error(d, at, "key '%.*s...' is too long", 32, key);
        return NULL;
    }
    for (size_t i = 0; i < g->ndims; i++)
        if (strlen(g->dim[i].key) == klen &&
            !strncmp(g->dim[i].key, key, klen)) {
            diag_error(d, at, "key '%s' is varied twice", g->dim[i].key);
            return NULL;
        }
    dim = &g->dim[g->ndims];
    memset(dim, 0, sizeof *dim);
    dim->value = mem_calloc(GRID_MAX_VALUES, sizeof *dim->value);
    if (!dim->value)
        return NULL;
    memcpy(dim->key, key, klen);
    dim->key[klen] = '\0';
    return dim;
}

static int grid_keep(struct grid *g, struct grid_dim *dim, int st)
{
    if (st) {
        mem_free(dim->value);
        dim->value = NULL;
        return st;
    }
    g->ndims++;
    return SLM_OK;
}

int grid_add_spec(struct grid *g, const char *key, const char *spec,
                  const struct diag_pos *key_at,
                  const struct diag_pos *spec_at, struct diag *d)
{
    struct grid_dim *dim;
    const char *dots;

    if (!*spec) {
        diag_error(d, spec_at, "no values for '%s'", key);
        return SLM_EINPUT;
    }
    if (!(dim = grid_new_dim(g, key, strlen(key), key_at, d)))
        return d->errors ? SLM_EINPUT : SLM_ENOMEM;
    dots = strstr(spec, "..");
    return grid_keep(g, dim, dots ? grid_range(dim, spec, dots, spec_at, d)
                                  : grid_list(dim, spec, spec_at, d));
}

int grid_add_values(struct grid *g, const char *key,
                    const char *const *values, size_t n,
                    const struct diag_pos *key_at,
                    const struct diag_pos *at, struct diag *d)
{
    struct grid_dim *dim;
    int st = SLM_OK;

    if (n == 0) {
        diag_error(d, key_at, "no values for '%s'", key);
        return SLM_EINPUT;
    }
    if (!(dim = grid_new_dim(g, key, strlen(key), key_at, d)))
        return d->errors ? SLM_EINPUT : SLM_ENOMEM;
    for (size_t i = 0; i < n && !st; i++)
        if (grid_push(dim, values[i], strlen(values[i]))) {
            diag_error(d, &at[i], "at most %d values of %d characters",
                       GRID_MAX_VALUES, GRID_MAX_VALUE_LEN - 1);
            st = SLM_EINPUT;
        }
    return grid_keep(g, dim, st);
}

int grid_add(struct grid *g, const char *arg, int argno, struct diag *d)
{
    struct diag_pos at = {"--vary", argno, 1}, spec_at = at;
    const char *eq = strchr(arg, '=');
    char key[sizeof g->dim[0].key];
    size_t klen;

    if (!eq || eq == arg) {
        diag_error(d, &at, "expected KEY.PATH=SPEC, got '%s'", arg);
        return SLM_EINPUT;
    }
    klen = (size_t)(eq - arg);
    if (klen >= sizeof key) {
        diag_error(d, &at, "key '%.*s...' is too long", 32, arg);
        return SLM_EINPUT;
    }
    memcpy(key, arg, klen);
    key[klen] = '\0';
    spec_at.col = (int)(eq + 1 - arg) + 1;
    return grid_add_spec(g, key, eq + 1, &at, &spec_at, d);
}

size_t grid_npoints(const struct grid *g)
{
    size_t n = 1;

    for (size_t i = 0; i < g->ndims; i++) {
        if (g->dim[i].n && n > (size_t)-1 / g->dim[i].n)
            return (size_t)-1;
        n *= g->dim[i].n;
    }
    return n;
}

void grid_point(const struct grid *g, size_t k, size_t *idx)
{
    for (size_t i = g->ndims; i-- > 0;) {
        idx[i] = k % g->dim[i].n;
        k /= g->dim[i].n;
    }
}

const char *grid_set_text(const struct grid *g, size_t k, size_t i,
                          char *buf, size_t size)
{
    size_t idx[GRID_MAX_DIMS];

    grid_point(g, k, idx);
    snprintf(buf, size, "%s=%s", g->dim[i].key, g->dim[i].value[idx[i]]);
    return buf;
}

void grid_fini(struct grid *g)
{
    for (size_t i = 0; i < g->ndims; i++)
        mem_free(g->dim[i].value);
    g->ndims = 0;
}

/* ---- one point ---- */

static int grid_load(const char *path, const struct scenario_overrides *ov,
                     const char *const *extra, size_t nextra,
                     struct diag *d, struct scenario **out)
{
    const char *sets[256];
    struct scenario_overrides o = {sets, 0, ov->out_dir};
    int st;

    if (ov->nsets + nextra > sizeof sets / sizeof sets[0])
        return SLM_EINPUT;
    for (size_t i = 0; i < ov->nsets; i++)
        sets[o.nsets++] = ov->sets[i];
    for (size_t i = 0; i < nextra; i++)
        sets[o.nsets++] = extra[i];
    st = scenario_load(path, &o, d, out);
    if (st == SLM_OK && (st = study_pricing_bind(*out, d)) != SLM_OK) {
        scenario_free(*out);
        *out = NULL;
    }
    return st;
}

int grid_check_point(const char *path, const struct scenario_overrides *ov,
                     const char *const *extra, size_t nextra,
                     struct diag *d)
{
    struct scenario *sc = NULL;
    int st = grid_load(path, ov, extra, nextra, d, &sc);

    scenario_free(sc);
    return st;
}

static void grid_money(const struct scenario *sc,
                       const struct run_result *res, size_t n,
                       struct grid_row *row)
{
    struct economics_month m;
    struct cost_inputs in;
    struct study_bill b;
    double *v;

    if (!sc->costs || economics_month(sc, res, n, &m))
        return;
    row->monthly = m.total;
    row->tco = m.tco[m.deployment];
    row->months = m.months;
    v = mem_alloc((sc->costs->nparams ? sc->costs->nparams : 1) * sizeof *v);
    if (!v)
        return;
    cost_values(sc->costs, COST_PICK_MID, v);
    study_measured(sc, res, n, &in);
    in.fixed = 1;
    if (study_price(sc->costs, v, &in, &b) == SLM_OK)
        row->per_1k = b.per_1k[m.deployment];
    mem_free(v);
}

static void grid_score(const struct scenario *sc,
                       const struct run_result *res, size_t n,
                       struct grid_row *row)
{
    struct study_verdict v;
    struct run_stability stab;
    struct report_stat e2e;

    study_verdict(sc, res, n, &v);
    run_stability(res, n, &stab);
    report_latency(res, n, -1, RUN_E2E, &e2e);
    row->ttft_p99 = v.p99[0];
    row->ttft_p99_hw = v.p99_hw[0];
    row->e2e_p99 = v.p99[1];
    row->e2e_p99_hw = v.p99_hw[1];
    row->e2e_p50 = e2e.p50;
    row->e2e_p50_hw = e2e.p50_hw;
    row->failed_share = v.failed_share;
    row->stable = stab.stable;
    row->has_slo = v.has_slo;
    row->slo_met = v.met;
    snprintf(row->why, sizeof row->why, "%s", v.why ? v.why : "");
    for (size_t b = 0; b < sc->nbackends; b++)
        if (sc->backends[b].kind == &gpu_backend_kind) {
            double mean, hw;
            if (!report_figure(res, n, (int)b, "utilization", &mean, &hw)) {
                row->utilization = mean;
                row->utilization_hw = hw;
            }
            break;
        }
    grid_money(sc, res, n, row);
}

int grid_run_point(const char *path, const struct scenario_overrides *ov,
                   const char *const *extra, size_t nextra, struct diag *d,
                   struct grid_row *row)
{
    struct scenario *sc = NULL;
    struct run_result *res;
    size_t n = 0;
    int st;

    memset(row, 0, sizeof *row);
    row->volume = row->ttft_p99 = row->ttft_p99_hw = row->e2e_p99 =
        row->e2e_p99_hw = row->e2e_p50 = row->e2e_p50_hw =
            row->utilization = row->utilization_hw = row->failed_share =
                row->monthly = row->tco = row->per_1k = (double)NAN;
    st = grid_load(path, ov, extra, nextra, d, &sc);
    if (st)
        return st;
    res = mem_calloc(sc->replications, sizeof *res);
    if (!res) {
        scenario_free(sc);
        return SLM_ENOMEM;
    }
    for (unsigned r = 0; r < sc->replications && !row->status; r++) {
        row->status = run_result_init(&res[r], sc->nbackends);
        n = r + 1;
        if (!row->status)
            row->status = run_replication(sc, r, NULL, d, &res[r]);
    }
    row->reps = (unsigned)n;
    /* The volume as declared: the grid's coordinate, not a measurement. */
    row->volume = arrivals_mean_rate(&sc->workload.arrivals) * UNITS_MONTH;
    if (!row->status)
        grid_score(sc, res, n, row);
    for (size_t r = 0; r < n; r++)
        run_result_fini(&res[r]);
    mem_free(res);
    scenario_free(sc);
    return SLM_OK;
}
