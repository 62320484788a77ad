#include "study/compare.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "models/api.h"
#include "models/gpu.h"
#include "models/router.h"
#include "models/report.h"
#include "sim/cfg.h"
#include "sim/mem.h"
#include "sim/stats.h"
#include "sim/units.h"
#include "study/economics.h"
#include "study/capacity.h"
#include "study/jobs.h"
#include "study/pool.h"
#include "study/pricing.h"

/* ---- variants: YAML nodes back to --set text ---- */

/* Appends node as flow YAML to buf at *o; -1 when it does not fit. */
static int compare_flow(const struct cfg_node *node, char *buf, size_t size,
                        size_t *o)
{
#define PUT(...)                                                             \
    do {                                                                     \
        int k_ = snprintf(buf + *o, size - *o, __VA_ARGS__);                 \
        if (k_ < 0 || (size_t)k_ >= size - *o)                               \
            return -1;                                                       \
        *o += (size_t)k_;                                                    \
    } while (0)
    switch (node->kind) {
    case CFG_SCALAR:
        if (node->quoted)
            PUT("\"%s\"", node->scalar);
        else
            PUT("%s", node->scalar);
        return 0;
    case CFG_SEQ:
        PUT("[");
        for (size_t i = 0; i < node->n; i++) {
            if (i)
                PUT(", ");
            if (compare_flow(node->items[i], buf, size, o))
                return -1;
        }
        PUT("]");
        return 0;
    case CFG_MAP:
        PUT("{");
        for (size_t i = 0; i < node->n; i++) {
            PUT("%s%s: ", i ? ", " : "", node->keys[i]);
            if (compare_flow(node->items[i], buf, size, o))
                return -1;
        }
        PUT("}");
        return 0;
    }
#undef PUT
    return -1;
}

static int compare_sets_add(struct compare_option *op, const char *text)
{
    if (op->nsets == COMPARE_MAX_SETS)
        return -1;
    if (!(op->sets[op->nsets] = mem_strdup(text)))
        return SLM_ENOMEM;
    op->nsets++;
    return 0;
}

static void compare_sets_fini(struct compare_option *op)
{
    for (size_t i = 0; i < op->nsets; i++)
        mem_free(op->sets[i]);
    op->nsets = 0;
}

/* Loads path with the user's sets, then extra[0..nextra), and binds its
 * prices to its system. */
static int compare_load(const char *path, const struct compare_opts *o,
                        const char *const *extra, size_t nextra,
                        struct diag *d, struct scenario **out)
{
    const char *sets[2 * COMPARE_MAX_SETS + 8];
    struct scenario_overrides ov = {sets, 0, o->out_dir};
    int st;

    for (size_t i = 0; i < o->nsets && ov.nsets < COMPARE_MAX_SETS; i++)
        sets[ov.nsets++] = o->sets[i];
    for (size_t i = 0; i < nextra && ov.nsets < 2 * COMPARE_MAX_SETS + 8;
         i++)
        sets[ov.nsets++] = extra[i];
    st = scenario_load(path, &ov, d, out);
    if (st == SLM_OK && (st = study_pricing_bind(*out, d)) != SLM_OK) {
        scenario_free(*out);
        *out = NULL;
    }
    return st;
}

/* The options of one file's variants block into st (names and scenarios). */
static int compare_variants(const struct compare_opts *o,
                            const struct cfg_node *vars, struct diag *d,
                            struct compare_study *st)
{
    int status = SLM_OK;

    if (cfg_expect(vars, CFG_MAP, "variants", d) != 0)
        return SLM_EINPUT;
    if (vars->n > COMPARE_MAX_OPTIONS || vars->n < 1) {
        diag_error(d, &vars->pos, "'variants' needs 1 to %d options, got "
                   "%zu", COMPARE_MAX_OPTIONS, vars->n);
        return SLM_EINPUT;
    }
    for (size_t i = 0; i < vars->n && status != SLM_ENOMEM; i++) {
        const struct cfg_node *v = vars->items[i];
        struct compare_option *op = &st->opt[st->n];
        char text[1024];
        int bad = 0;
        compare_sets_fini(op);
        snprintf(op->name, sizeof op->name, "%s", vars->keys[i]);
        snprintf(op->path, sizeof op->path, "%s", o->paths[0]);
        if (v->kind == CFG_SCALAR && v->scalar[0] == '\0') {
            /* NAME: (empty): the base as it stands */
        } else if (cfg_expect(v, CFG_MAP, vars->keys[i], d) != 0) {
            status = SLM_EINPUT;
            continue;
        }
        for (size_t k = 0; v->kind == CFG_MAP && k < v->n; k++) {
            size_t at = 0;
            int w = snprintf(text, sizeof text, "%s=", v->keys[k]);
            at = (size_t)w;
            if (compare_flow(v->items[k], text, sizeof text, &at) != 0 ||
                compare_sets_add(op, text) != 0) {
                diag_error(d, &v->key_pos[k], "override '%s' of variant "
                           "'%s' is too long or one too many", v->keys[k],
                           vars->keys[i]);
                bad = 1;
            }
        }
        if (!bad) {
            int s = compare_load(o->paths[0], o,
                                 (const char *const *)op->sets, op->nsets, d,
                                 &op->sc);
            if (s == SLM_ESYS || s == SLM_ENOMEM)
                status = s;
            else if (s)
                status = SLM_EINPUT;
            else
                st->n++;
        } else {
            status = SLM_EINPUT;
        }
    }
    return status;
}

static int compare_load_all(const struct compare_opts *o, struct diag *d,
                            struct compare_study *st)
{
    struct cfg_doc *doc = NULL;
    const struct cfg_node *vars;
    int status;

    snprintf(st->path, sizeof st->path, "%s", o->paths[0]);
    if (o->npaths > 1) {
        if (o->npaths > COMPARE_MAX_OPTIONS) {
            diag_error(d, &(struct diag_pos){o->paths[0], 0, 0},
                       "at most %d scenario files", COMPARE_MAX_OPTIONS);
            return SLM_EINPUT;
        }
        for (size_t i = 0; i < o->npaths; i++) {
            struct compare_option *op = &st->opt[st->n];
            snprintf(op->path, sizeof op->path, "%s", o->paths[i]);
            status = compare_load(o->paths[i], o, NULL, 0, d, &op->sc);
            if (status)
                return status;
            snprintf(op->name, sizeof op->name, "%s", op->sc->name);
            st->n++;
        }
        return SLM_OK;
    }
    status = cfg_load_file(o->paths[0], d, &doc);
    if (status)
        return status;
    vars = cfg_get(cfg_doc_root(doc), "variants");
    if (!vars) {
        /* A file without variants is one option: the scenario itself. */
        struct compare_option *op = &st->opt[0];
        snprintf(op->path, sizeof op->path, "%s", o->paths[0]);
        status = compare_load(o->paths[0], o, NULL, 0, d, &op->sc);
        if (!status) {
            snprintf(op->name, sizeof op->name, "%s", op->sc->name);
            st->n = 1;
        }
    } else {
        status = compare_variants(o, vars, d, st);
    }
    cfg_doc_free(doc);
    return status;
}

/* ---- one option ---- */

static int compare_replications(struct compare_option *op, struct diag *d)
{
    const struct scenario *sc = op->sc;
    int st = SLM_OK;

    op->res = mem_calloc(sc->replications, sizeof *op->res);
    if (!op->rep_monthly)
        op->rep_monthly = mem_calloc(sc->replications, sizeof(double));
    if (!op->rep_p99_e2e)
        op->rep_p99_e2e = mem_calloc(sc->replications, sizeof(double));
    if (!op->res || !op->rep_monthly || !op->rep_p99_e2e)
        return SLM_ENOMEM;
    for (unsigned r = 0; r < sc->replications && !st; r++) {
        st = run_result_init(&op->res[r], sc->nbackends);
        op->nres = r + 1;
        if (!st)
            st = run_replication(sc, r, NULL, d, &op->res[r]);
    }
    return st;
}

/* The only gpu backend on the local side, or -1. */
static int compare_gpu_backend(const struct scenario *sc)
{
    int b = -1;

    for (size_t i = 0; i < sc->nbackends; i++)
        if (sc->backends[i].kind == &gpu_backend_kind &&
            economics_side(sc, i) == ECONOMICS_LOCAL) {
            if (b >= 0)
                return -1;
            b = (int)i;
        }
    return b;
}

/* The only backend of kind api on the API side, or -1. */
static int compare_api_backend(const struct scenario *sc)
{
    int b = -1;

    for (size_t i = 0; i < sc->nbackends; i++)
        if (sc->backends[i].kind == &api_kind &&
            economics_side(sc, i) == ECONOMICS_API) {
            if (b >= 0)
                return -1;
            b = (int)i;
        }
    return b;
}

/* What bounds an option's capacity: its gpu backend unless everything
 * goes to the API; else its api backend, whose rate limits (rpm, tpm,
 * concurrency) do when it declares any, and nothing when it declares
 * none.  Decided from the scenario alone, so that every MPI rank agrees. */
enum compare_target { COMPARE_NONE, COMPARE_GPU, COMPARE_API,
                      COMPARE_UNBOUNDED };

static enum compare_target compare_target(const struct scenario *sc,
                                          int *b)
{
    int gpu = compare_gpu_backend(sc), api = compare_api_backend(sc);

    *b = -1;
    if (!(sc->slo.ttft_p99 > 0 || sc->slo.e2e_p99 > 0))
        return COMPARE_NONE;
    if (gpu >= 0 && sc->routing.policy != ROUTER_ALL_API) {
        *b = gpu;
        return COMPARE_GPU;
    }
    if (api < 0)
        return COMPARE_NONE;
    {
        const struct api_cfg *c = sc->backends[api].cfg;
        *b = api;
        return c->rpm > 0 || c->tpm > 0 || c->concurrency > 0
                   ? COMPARE_API
                   : COMPARE_UNBOUNDED;
    }
}

/* Capacity at the SLO of what bounds the option (compare_target): its
 * gpu backend as declared (all its replicas), or its rate-limited api
 * backend; probes of horizon seconds, their replications spread as jobs
 * says (study/capacity.h; NULL: in this process). */
static int compare_capacity(const struct compare_opts *o,
                            struct compare_option *op, const char *path,
                            const char *const *extra, size_t nextra,
                            double horizon, const struct study_jobs *jobs,
                            struct diag *d)
{
    char hz[64], wu[64], reps[64];
    const char *sets[COMPARE_MAX_SETS + 3];
    struct capacity_result *r;
    struct capacity_opts co;
    struct scenario *sc = NULL;
    size_t n = 0;
    int b, st;
    enum compare_target t = compare_target(op->sc, &b);

    if (t == COMPARE_UNBOUNDED)
        op->capacity_unbounded = 1;
    if (t != COMPARE_GPU && t != COMPARE_API)
        return SLM_OK;
    for (size_t i = 0; i < nextra && n < COMPARE_MAX_SETS; i++)
        sets[n++] = extra[i];
    snprintf(hz, sizeof hz, "horizon=%.17gs", horizon);
    snprintf(wu, sizeof wu, "warmup=%.17gs", horizon / 6);
    snprintf(reps, sizeof reps, "replications=%d",
             CAPACITY_DEFAULT_REPLICATIONS);
    sets[n++] = hz;
    sets[n++] = wu;
    sets[n++] = reps;
    st = compare_load(path, o, sets, n, d, &sc);
    if (st)
        return st;
    r = mem_calloc(1, sizeof *r);
    if (!r) {
        scenario_free(sc);
        return SLM_ENOMEM;
    }
    capacity_opts_init(&co, sc);
    st = study_capacity_search(sc, (size_t)b, &co, jobs, d, r);
    if (!st) {
        op->capacity_searched = 1;
        op->capacity_status = r->status;
        op->capacity = r->pass >= 0 ? r->probe[r->pass].rate * UNITS_MONTH
                                    : 0;
    }
    mem_free(r);
    scenario_free(sc);
    return st;
}

/* TCO of the deployment at parameter values v (a cost_bounds metric). */
struct compare_tco_ctx {
    const struct cost_inputs *in;
    enum cost_option o;
};

static double compare_tco_metric(const struct cost_spec *spec,
                                 const double *v, void *ctx)
{
    const struct compare_tco_ctx *c = ctx;
    struct study_bill b;

    if (study_price(spec, v, c->in, &b) != SLM_OK)
        return (double)NAN;
    return b.tco[c->o];
}

static void compare_hardware(struct compare_option *op)
{
    const struct cost_spec *spec = op->sc->costs;
    struct cost_system sys;

    study_pricing_system(op->sc, &sys);
    op->gpus = sys.gpu && op->deployment != COST_API ? sys.gpus : 0;
    if (!sys.gpu || op->deployment == COST_API)
        snprintf(op->hardware, sizeof op->hardware, "API only%s%s",
                 sys.api_preset ? ", " : "",
                 sys.api_preset ? sys.api_preset : "");
    else
        snprintf(op->hardware, sizeof op->hardware, "%.0f x %s %s%s",
                 sys.gpus, sys.gpu,
                 spec && spec->acquire == COST_RENT ? "rented" : "bought",
                 op->deployment == COST_HYBRID ? " + API" : "");
}

/* Money, verdict, accuracy of an option that ran. */
static int compare_score(struct compare_option *op)
{
    const struct scenario *sc = op->sc;
    struct economics_month m;
    struct report_routing rr;
    struct cost_inputs in;
    struct compare_tco_ctx tc;
    double *v;
    int st;

    study_verdict(sc, op->res, op->nres, &op->verdict);
    report_routing(sc, op->res, op->nres, &rr);
    op->accuracy = rr.accuracy;
    /* Without costs an option is compared on latency alone. */
    op->monthly = op->tco = op->tco_lo = op->tco_hi = op->per_1k =
        (double)NAN;
    op->payback_month = -1;
    if (!sc->costs) {
        compare_hardware(op);
        return SLM_OK;
    }
    st = economics_month(sc, op->res, op->nres, &m);
    if (st)
        return st;
    op->deployment = m.deployment;
    op->volume = m.volume;
    op->monthly = m.total;
    op->tco = m.tco[m.deployment];
    op->months = m.months;
    op->payback_month = m.deployment == COST_API ? -1
                                                 : m.break_even_month
                                                       [m.deployment];
    v = mem_alloc(sc->costs->nparams * sizeof *v);
    if (!v)
        return SLM_ENOMEM;
    cost_values(sc->costs, COST_PICK_MID, v);
    study_measured(sc, op->res, op->nres, &in);
    in.fixed = 1;
    {
        struct study_bill b;
        st = study_price(sc->costs, v, &in, &b);
        op->per_1k = st ? (double)NAN : b.per_1k[m.deployment];
    }
    tc.in = &in;
    tc.o = m.deployment;
    if (!st)
        st = cost_bounds(sc->costs, compare_tco_metric, &tc, &op->tco_lo,
                         &op->tco_hi);
    /* Per replication, for the paired differences. */
    for (size_t r = 0; r < op->nres && !st; r++) {
        struct cost_inputs ri;
        struct study_bill b;
        struct report_stat e2e;
        study_measured(sc, &op->res[r], 1, &ri);
        ri.fixed = 1;
        st = study_price(sc->costs, v, &ri, &b);
        op->rep_monthly[r] = b.monthly[m.deployment];
        report_latency(&op->res[r], 1, -1, RUN_E2E, &e2e);
        op->rep_p99_e2e[r] = e2e.p99;
    }
    mem_free(v);
    compare_hardware(op);
    return st;
}

/* ---- the study ---- */

static void compare_rank(struct compare_study *st)
{
    st->best = st->runner_up = -1;
    for (size_t i = 0; i < st->n; i++) {
        const struct compare_option *op = &st->opt[i];
        if (!op->verdict.met || !isfinite(op->monthly))
            continue;
        if (st->best < 0 || op->monthly < st->opt[st->best].monthly) {
            st->runner_up = st->best;
            st->best = (int)i;
        } else if (st->runner_up < 0 ||
                   op->monthly < st->opt[st->runner_up].monthly) {
            st->runner_up = (int)i;
        }
    }
    if (st->best >= 0 && st->runner_up >= 0) {
        const struct compare_option *a = &st->opt[st->best];
        const struct compare_option *b = &st->opt[st->runner_up];
        size_t n = a->nres < b->nres ? a->nres : b->nres;
        double dc[SCENARIO_MAX_REPLICATIONS] = {0};
        double dp[SCENARIO_MAX_REPLICATIONS] = {0};
        for (size_t r = 0; r < n; r++) {
            dc[r] = b->rep_monthly[r] - a->rep_monthly[r];
            dp[r] = b->rep_p99_e2e[r] - a->rep_p99_e2e[r];
        }
        stats_ci_t(dc, n, 0.95, &st->d_cost, &st->d_cost_hw);
        stats_ci_t(dp, n, 0.95, &st->d_p99, &st->d_p99_hw);
        st->cost_significant =
            n > 1 && fabs(st->d_cost) > st->d_cost_hw;
        st->p99_significant = n > 1 && fabs(st->d_p99) > st->d_p99_hw;
    }
}

/* ---- options in worker processes (study/jobs.h) ---- */

/* What one option's runs come to, plain bytes: the figures compare_score
 * leaves in the option (its replications' results stay in the worker). */
struct compare_row {
    struct study_verdict verdict; /* why: NULL here, in why_text */
    char why_text[32];
    double accuracy, monthly, tco, tco_lo, tco_hi, per_1k, volume, gpus;
    int payback_month, months;
    enum cost_option deployment;
    char hardware[96];
    size_t nres;
    double rep_monthly[SCENARIO_MAX_REPLICATIONS];
    double rep_p99_e2e[SCENARIO_MAX_REPLICATIONS];
};

/* What one option's capacity search comes to. */
struct compare_cap_row {
    int searched, unbounded;
    enum capacity_status status;
    double capacity;
};

struct compare_work {
    const struct compare_opts *o;
    struct compare_study *st;
    double horizon;
    struct diag *d;
};

/* The verdict's reason as a static string of this process: a pointer
 * from another (an MPI rank) means nothing here. */
static const char *compare_why(const char *text)
{
    static const char *const whys[] = {"unstable", "failures", "deadline",
                                       "ttft_p99", "e2e_p99", "tpot_p99",
                                       "latency"};

    for (size_t i = 0; *text && i < sizeof whys / sizeof whys[0]; i++)
        if (!strcmp(text, whys[i]))
            return whys[i];
    return *text ? "unknown" : NULL;
}

static void compare_row_take(struct compare_option *op,
                             const struct compare_row *r)
{
    op->verdict = r->verdict;
    op->verdict.why = compare_why(r->why_text);
    op->accuracy = r->accuracy;
    op->monthly = r->monthly;
    op->tco = r->tco;
    op->tco_lo = r->tco_lo;
    op->tco_hi = r->tco_hi;
    op->per_1k = r->per_1k;
    op->volume = r->volume;
    op->gpus = r->gpus;
    op->payback_month = r->payback_month;
    op->months = r->months;
    op->deployment = r->deployment;
    memcpy(op->hardware, r->hardware, sizeof op->hardware);
    op->nres = r->nres;
    memcpy(op->rep_monthly, r->rep_monthly, r->nres * sizeof(double));
    memcpy(op->rep_p99_e2e, r->rep_p99_e2e, r->nres * sizeof(double));
}

/* Option k's replications and figures, on a copy of the option that owns
 * its own results (freed here). */
static int compare_option_job(void *ctx, size_t k, void *out)
{
    const struct compare_work *w = ctx;
    struct compare_option op = w->st->opt[k];
    struct compare_row *r = out;
    int status;

    op.res = NULL;
    op.nres = 0;
    op.rep_monthly = op.rep_p99_e2e = NULL;
    status = compare_replications(&op, w->d);
    if (!status)
        status = compare_score(&op);
    if (!status) {
        r->verdict = op.verdict;
        r->verdict.why = NULL;
        snprintf(r->why_text, sizeof r->why_text, "%s",
                 op.verdict.why ? op.verdict.why : "");
        r->accuracy = op.accuracy;
        r->monthly = op.monthly;
        r->tco = op.tco;
        r->tco_lo = op.tco_lo;
        r->tco_hi = op.tco_hi;
        r->per_1k = op.per_1k;
        r->volume = op.volume;
        r->gpus = op.gpus;
        r->payback_month = op.payback_month;
        r->months = op.months;
        r->deployment = op.deployment;
        memcpy(r->hardware, op.hardware, sizeof r->hardware);
        r->nres = op.nres;
        memcpy(r->rep_monthly, op.rep_monthly, op.nres * sizeof(double));
        memcpy(r->rep_p99_e2e, op.rep_p99_e2e, op.nres * sizeof(double));
    }
    for (size_t i = 0; i < op.nres; i++)
        run_result_fini(&op.res[i]);
    mem_free(op.res);
    mem_free(op.rep_monthly);
    mem_free(op.rep_p99_e2e);
    return status;
}

static int compare_capacity_job(void *ctx, size_t k, void *out)
{
    const struct compare_work *w = ctx;
    struct compare_option op = w->st->opt[k];
    struct compare_cap_row *r = out;
    int status = compare_capacity(w->o, &op, op.path,
                                  (const char *const *)op.sets, op.nsets,
                                  w->horizon, NULL, w->d);

    r->searched = op.capacity_searched;
    r->unbounded = op.capacity_unbounded;
    r->status = op.capacity_status;
    r->capacity = op.capacity;
    return status;
}

/* Across MPI ranks (study/pool.h): the row travels behind its status,
 * which takes a double's room so that the row stays aligned (the pool's
 * message puts the payload 8 bytes into an allocation); rank 0 keeps
 * each by index as it arrives. */
#define COMPARE_MPI_HEAD sizeof(double)
struct compare_mpi {
    jobs_compute_fn *fn;
    struct compare_work *w;
    size_t rowsize;
    unsigned char *rows;
    int *status;
};

static void compare_mpi_compute(void *ctx, size_t k, void *buf)
{
    const struct compare_mpi *m = ctx;
    int32_t st;

    memset(buf, 0, COMPARE_MPI_HEAD + m->rowsize);
    st = (int32_t)m->fn(m->w, k, (unsigned char *)buf + COMPARE_MPI_HEAD);
    memcpy(buf, &st, sizeof st);
}

static void compare_mpi_done(void *ctx, size_t k, const void *buf)
{
    const struct compare_mpi *m = ctx;
    int32_t st;

    memcpy(&st, buf, sizeof st);
    m->status[k] = st;
    memcpy(m->rows + k * m->rowsize,
           (const unsigned char *)buf + COMPARE_MPI_HEAD, m->rowsize);
}

/* Items k < n with !skip[k] (skip NULL: all) by fn, on the MPI ranks when
 * there are several, else on o->jobs worker processes.  Every rank calls
 * it; on ranks other than 0 it only computes and returns 0. */
static int compare_spread(const struct compare_opts *o, size_t n,
                          const unsigned char *skip, size_t rowsize,
                          jobs_compute_fn *fn, struct compare_work *w,
                          void *rows, int *status)
{
    int st = SLM_OK;

    for (size_t i = 0; i < n; i++)
        status[i] = skip && skip[i] ? SLM_OK : SLM_ESYS;
    if (o->ranks > 1) {
        struct compare_mpi m = {fn, w, rowsize, rows, status};
        int sig = pool_mpi_run(n, skip, COMPARE_MPI_HEAD + rowsize,
                               compare_mpi_compute, compare_mpi_done, &m);
        if (pool_mpi_rank() > 0)
            return SLM_OK;
        if (sig)
            return SLM_EINTR;
    } else {
        struct jobs_spec js = {.n = n, .rowsize = rowsize, .jobs = o->jobs,
                               .skip = skip, .compute = fn, .ctx = w,
                               .progress = o->jobs_progress,
                               .progress_ctx = o->jobs_progress_ctx};
        st = jobs_run(&js, rows, status, NULL);
        for (size_t i = 0; skip && i < n; i++)
            if (skip[i])
                status[i] = SLM_OK;
    }
    for (size_t i = 0; i < n && !st; i++)
        st = status[i];
    return st;
}

/* Fewer searches than jobs: one search at a time in this process, each
 * probe's replications spread over the workers as `slmsim capacity`
 * spreads them (study/capacity.h), so that no core waits while one
 * option's probes run.  The searches give what they give in one
 * process. */
static int compare_capacity_probes(const struct compare_opts *o,
                                   struct compare_study *st,
                                   const unsigned char *skip, double horizon,
                                   struct diag *d)
{
    struct study_jobs sj = {o->jobs, o->jobs_progress, o->jobs_progress_ctx};
    int rc = SLM_OK;

    for (size_t i = 0; i < st->n && !rc; i++) {
        struct compare_option *op = &st->opt[i];
        if (!skip[i])
            rc = compare_capacity(o, op, op->path,
                                  (const char *const *)op->sets, op->nsets,
                                  horizon, &sj, d);
    }
    return rc;
}

/* Every option's replications, then every capacity search, each set
 * spread over the jobs (the searches as items when there are at least as
 * many as jobs, else one at a time with their probes' replications over
 * the jobs); rows kept by option, so the study is the same with any
 * number of jobs. */
static int compare_run_options(const struct compare_opts *o,
                               struct compare_study *st, double horizon,
                               struct diag *d)
{
    struct compare_work w = {o, st, horizon, d};
    struct compare_row *rows = mem_calloc(st->n, sizeof *rows);
    struct compare_cap_row cap[COMPARE_MAX_OPTIONS];
    unsigned char skip[COMPARE_MAX_OPTIONS];
    size_t nc = 0;
    int status[COMPARE_MAX_OPTIONS], rc;

    if (!rows)
        return SLM_ENOMEM;
    for (size_t i = 0; i < st->n; i++) {
        struct compare_option *op = &st->opt[i];
        op->rep_monthly = mem_calloc(op->sc->replications, sizeof(double));
        op->rep_p99_e2e = mem_calloc(op->sc->replications, sizeof(double));
        if (!op->rep_monthly || !op->rep_p99_e2e) {
            mem_free(rows);
            return SLM_ENOMEM;
        }
    }
    if (o->progress)
        o->progress(o->progress_ctx, "every option", "runs");
    rc = compare_spread(o, st->n, NULL, sizeof *rows, compare_option_job,
                        &w, rows, status);
    for (size_t i = 0; i < st->n && !rc; i++)
        compare_row_take(&st->opt[i], &rows[i]);
    mem_free(rows);
    /* Capacity: each option reloaded with the probe settings (variants
     * re-read from the file), searched on what bounds it: its GPUs, or
     * the API's rate limits when everything goes there (an API without
     * limits is unbounded, said without a search). */
    memset(skip, 1, sizeof skip);
    for (size_t i = 0; i < st->n && !o->no_capacity; i++) {
        int b;
        enum compare_target t = compare_target(st->opt[i].sc, &b);
        st->opt[i].capacity_unbounded = t == COMPARE_UNBOUNDED;
        if (t == COMPARE_GPU || t == COMPARE_API) {
            skip[i] = 0;
            nc++;
        }
    }
    if (o->no_capacity)
        return rc;
    if (o->ranks > 1) {
        /* every rank takes part in both spreads, so that none waits for
         * work forever: after a failure, one with nothing to hand out */
        if (rc)
            memset(skip, 1, sizeof skip);
    } else if (rc || nc == 0) {
        return rc;
    }
    if (o->progress)
        o->progress(o->progress_ctx, "every option", "capacity");
    if (o->ranks <= 1 && o->jobs > 1 && nc < o->jobs)
        return compare_capacity_probes(o, st, skip, horizon, d);
    {
        int cr = compare_spread(o, st->n, skip, sizeof cap[0],
                                compare_capacity_job, &w, cap, status);
        if (!rc)
            rc = cr;
    }
    for (size_t i = 0; i < st->n && !rc; i++) {
        struct compare_option *op = &st->opt[i];
        if (skip[i])
            continue;
        op->capacity_searched = cap[i].searched;
        op->capacity_unbounded = cap[i].unbounded;
        op->capacity_status = cap[i].status;
        op->capacity = cap[i].capacity;
    }
    return rc;
}

int compare_run(const struct compare_opts *o, struct diag *d,
                struct compare_study *st)
{
    double horizon = o->capacity_horizon > 0 ? o->capacity_horizon
                                             : CAPACITY_DEFAULT_HORIZON;
    int status;

    memset(st, 0, sizeof *st);
    st->best = st->runner_up = -1;
    st->capacity_horizon = o->no_capacity ? 0 : horizon;
    status = compare_load_all(o, d, st);
    if (status)
        return status;
    for (size_t i = 0; i < st->n && !status; i++) {
        struct compare_option *op = &st->opt[i];
        if (i && op->sc->replications != st->opt[0].sc->replications) {
            diag_error(d, &(struct diag_pos){op->sc->path, 0, 0},
                       "option '%s' runs %u replications, '%s' %u: common "
                       "random numbers need the same number", op->name,
                       op->sc->replications, st->opt[0].name,
                       st->opt[0].sc->replications);
            return SLM_EINPUT;
        }
    }
    st->replications = st->n ? st->opt[0].sc->replications : 0;
    status = compare_run_options(o, st, horizon, d);
    for (size_t i = 0; i < st->n; i++) {
        struct compare_option *op = &st->opt[i];
        op->headroom = op->capacity > 0 && op->volume > 0
                           ? op->capacity / op->volume - 1
                           : (double)NAN;
    }
    if (!status)
        compare_rank(st);
    return status;
}

void compare_fini(struct compare_study *st)
{
    for (size_t i = 0; i < st->n; i++) {
        struct compare_option *op = &st->opt[i];
        for (size_t r = 0; op->res && r < op->nres; r++)
            run_result_fini(&op->res[r]);
        mem_free(op->res);
        mem_free(op->rep_monthly);
        mem_free(op->rep_p99_e2e);
        scenario_free(op->sc);
        compare_sets_fini(op);
    }
    st->n = 0;
}
