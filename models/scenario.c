#include "models/scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/cost.h"
#include "models/gpu.h"
#include "models/run.h"
#include "models/verdict.h"
#include "sim/cfg.h"
#include "sim/mem.h"

static const char *const scenario_keys[] = {
    "name",     "description", "seed",    "horizon", "warmup", "replications",
    "workload", "backends",    "routing", "slo",     "outputs", "costs", "limits",
    "variants", /* read by slmsim compare (study/compare.h) */
    "sweep",    /* read by slmsim sweep (study/grid.h) */
};
#define SCENARIO_NKEYS (sizeof scenario_keys / sizeof scenario_keys[0])

/* Figures `outputs.plots` may name; the plots module draws them. */
static const char *const scenario_plot_names[] = {
    "latency-cdf", "latency-vs-load", "cost-vs-volume", "tco",
    "timeline",    "sensitivity",     "accuracy-cost", "utilization",
    "options",
};
#define SCENARIO_NPLOTS \
    (sizeof scenario_plot_names / sizeof scenario_plot_names[0])

/* Adds a note to the scenario's assumptions (printf-style; dropped past
 * SCENARIO_MAX_NOTES or when out of memory). */
static void scenario_note(struct scenario *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void scenario_note(struct scenario *sc, const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    if (sc->nnotes >= SCENARIO_MAX_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sc->notes[sc->nnotes] = mem_strdup(buf);
    if (sc->notes[sc->nnotes])
        sc->nnotes++;
}

static int scenario_copy_string(const char *src, char **dst)
{
    if (!src)
        return 0;
    *dst = mem_strdup(src);
    return *dst ? SLM_OK : SLM_ENOMEM;
}

/* name, description, seed, horizon, warmup, replications. */
static int scenario_parse_run(const struct cfg_node *root, struct scenario *sc,
                              struct diag *d)
{
    const char *name = NULL, *desc = NULL;
    long seed = SCENARIO_DEFAULT_SEED, reps = SCENARIO_DEFAULT_REPLICATIONS;
    int bad = 0, got;

    bad |= cfg_get_string(root, "name", "", CFG_REQUIRED, &name, d) < 0;
    bad |= cfg_get_string(root, "description", "", 0, &desc, d) < 0;
    got = cfg_get_int(root, "seed", "", 0, 0, 0x7fffffffffffffffL, &seed, d);
    if (got == 1)
        scenario_note(sc, "seed: %d (default)", SCENARIO_DEFAULT_SEED);
    bad |= got < 0;
    sc->seed = (uint64_t)seed;
    bad |= cfg_get_duration(root, "horizon", "", CFG_REQUIRED | CFG_POSITIVE,
                            &sc->horizon, d) < 0;
    bad |= cfg_get_duration(root, "warmup", "", CFG_NONNEG, &sc->warmup,
                            d) < 0;
    got = cfg_get_int(root, "replications", "", 0, 1,
                      SCENARIO_MAX_REPLICATIONS, &reps, d);
    if (got == 1)
        scenario_note(sc, "replications: %d (default)",
                      SCENARIO_DEFAULT_REPLICATIONS);
    bad |= got < 0;
    sc->replications = (unsigned)reps;
    if (!bad && sc->warmup >= sc->horizon) {
        diag_error(d, &cfg_get(root, "warmup")->pos,
                   "'warmup' (%gs) must be shorter than 'horizon' (%gs)",
                   sc->warmup, sc->horizon);
        bad = 1;
    }
    if (scenario_copy_string(name, &sc->name) ||
        scenario_copy_string(desc, &sc->description))
        return SLM_ENOMEM;
    return bad ? SLM_EINPUT : SLM_OK;
}

/* The names of the backends the file itself has, for messages. */
static const char *scenario_file_backends(const struct cfg_node *backends,
                                          char *buf, size_t size)
{
    size_t i, len = 0;

    buf[0] = '\0';
    for (i = 0; i < backends->n && len < size; i++)
        if (!cfg_node_from_set(backends->items[i]) ||
            cfg_get(backends->items[i], "kind"))
            len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                    len ? ", " : "", backends->keys[i]);
    return buf;
}

static int scenario_parse_backend(const struct cfg_node *parent, size_t i,
                                  struct scenario *sc, struct diag *d)
{
    const struct cfg_node *map = parent->items[i];
    const char *name = parent->keys[i];
    const struct diag_pos *name_pos = &parent->key_pos[i];
    struct scenario_backend *b = &sc->backends[sc->nbackends];
    const char *kind = NULL;
    char where[128], list[256];
    int kind_index = 0;

    snprintf(where, sizeof where, "backends.%s", name);
    if (cfg_expect(map, CFG_MAP, where, d) != 0)
        return SLM_EINPUT;
    if (cfg_node_from_set(map) && !cfg_get(map, "kind")) {
        /* a --set path through a backend the file does not have */
        diag_error(d, name_pos, "there is no backend '%s' (backends: %s)",
                   name, scenario_file_backends(parent, list, sizeof list));
        return SLM_EINPUT;
    }
    if (cfg_get_enum(map, "kind", where, CFG_REQUIRED, backend_kind_names,
                     backend_kind_count, &kind_index, d) < 0)
        return SLM_EINPUT;
    cfg_get_string(map, "kind", where, CFG_REQUIRED, &kind, d);
    b->kind = backend_kind_find(kind);
    b->name = mem_strdup(name);
    if (!b->name)
        return SLM_ENOMEM;
    sc->backend_names[sc->nbackends] = b->name;
    sc->nbackends++;
    return b->kind->parse(map, where, &b->cfg, d);
}

/* What the gpu backends' latencies leave out: the HTTP server's own time,
 * unless serving.frontend_latency states a figure for it.  The closed
 * loops of docs/validation.md behind HTTP servers measure TTFT 7 ms (NIM)
 * and 19 ms (vLLM) above the model at one client, and far more under
 * load. */
static void scenario_note_frontends(struct scenario *sc)
{
    int unmodelled = 0;

    for (size_t i = 0; i < sc->nbackends; i++) {
        const struct scenario_backend *b = &sc->backends[i];
        if (b->kind != &gpu_backend_kind || !b->cfg)
            continue;
        double fe = gpu_cfg_frontend(b->cfg);
        if (!(fe > 0)) {
            unmodelled = 1;
            continue;
        }
        scenario_note(sc, "backends.%s: the HTTP server's own time is "
                          "serving.frontend_latency, %.4g ms a request "
                          "added to TTFT and e2e: the scenario's figure, "
                          "fixed, not grown with load",
                      b->name, fe * 1e3);
    }
    if (unmodelled)
        scenario_note(sc, "gpu latencies are the serving engine's: the "
                          "HTTP server's own time (request handling, "
                          "tokenisation, streaming) is not modelled; "
                          "measured behind NIM and vLLM it adds 7-19 ms "
                          "to TTFT at one client and more under load "
                          "(docs/validation.md); serving.frontend_latency "
                          "adds a figure of your own");
}

static int scenario_parse_backends(const struct cfg_node *root,
                                   struct scenario *sc, struct diag *d)
{
    const struct cfg_node *node = cfg_get(root, "backends");
    size_t i;
    int bad = 0;

    if (!node) {
        diag_error(d, &root->pos, "missing required key 'backends'");
        return SLM_EINPUT;
    }
    if (cfg_expect(node, CFG_MAP, "backends", d) != 0)
        return SLM_EINPUT;
    if (node->n == 0 || node->n > SCENARIO_MAX_BACKENDS) {
        diag_error(d, &node->pos, "'backends' must name 1 to %d backends, got %zu",
                   SCENARIO_MAX_BACKENDS, node->n);
        return SLM_EINPUT;
    }
    for (i = 0; i < node->n && !diag_full(d); i++)
        bad |= scenario_parse_backend(node, i, sc, d) != 0;
    scenario_note_frontends(sc);
    return bad ? SLM_EINPUT : SLM_OK;
}

static int scenario_parse_slo(const struct cfg_node *node,
                              struct scenario *sc, struct diag *d)
{
    return verdict_parse_slo(node, &sc->slo, d);
}

static int scenario_parse_plots(const struct cfg_node *seq,
                                struct scenario *sc, struct diag *d)
{
    size_t i;
    int bad = 0;

    if (cfg_expect(seq, CFG_SEQ, "outputs.plots", d) != 0)
        return SLM_EINPUT;
    sc->plots = mem_calloc(seq->n ? seq->n : 1, sizeof *sc->plots);
    if (!sc->plots)
        return SLM_ENOMEM;
    for (i = 0; i < seq->n; i++) {
        const struct cfg_node *it = seq->items[i];
        size_t k;
        if (cfg_expect(it, CFG_SCALAR, "outputs.plots[]", d) != 0) {
            bad = 1;
            continue;
        }
        for (k = 0; k < SCENARIO_NPLOTS; k++)
            if (!strcmp(it->scalar, scenario_plot_names[k]))
                break;
        if (k == SCENARIO_NPLOTS) {
            const char *hint = diag_suggest(it->scalar, scenario_plot_names,
                                            SCENARIO_NPLOTS);
            diag_error(d, &it->pos,
                       "unknown plot '%s' in outputs.plots (allowed: "
                       "latency-cdf, latency-vs-load, cost-vs-volume, tco, "
                       "timeline, sensitivity, accuracy-cost, utilization, options)%s%s%s",
                       it->scalar, hint ? "; did you mean '" : "",
                       hint ? hint : "", hint ? "'" : "");
            bad = 1;
            continue;
        }
        sc->plots[sc->nplots] = mem_strdup(it->scalar);
        if (!sc->plots[sc->nplots])
            return SLM_ENOMEM;
        sc->nplots++;
    }
    return bad ? SLM_EINPUT : SLM_OK;
}

static int scenario_parse_outputs(const struct cfg_node *node,
                                  const struct scenario_overrides *ov,
                                  struct scenario *sc, struct diag *d)
{
    static const char *const keys[] = {"dir", "plots"};
    const char *dir = NULL;
    char fallback[256];
    int bad = 0;

    if (node) {
        if (cfg_expect(node, CFG_MAP, "outputs", d) != 0)
            return SLM_EINPUT;
        bad |= cfg_check_keys(node, "outputs", keys, 2, d) != 0;
        bad |= cfg_get_string(node, "dir", "outputs", 0, &dir, d) < 0;
        if (cfg_get(node, "plots"))
            bad |= scenario_parse_plots(cfg_get(node, "plots"), sc, d) != 0;
    }
    if (ov && ov->out_dir)
        dir = ov->out_dir;
    if (!dir) {
        snprintf(fallback, sizeof fallback, "out/%s",
                 sc->name ? sc->name : "scenario");
        dir = fallback;
    }
    if (dir[0] == '\0') {
        diag_error(d, node ? &node->pos : NULL, "'outputs.dir' is empty");
        return SLM_EINPUT;
    }
    if (scenario_copy_string(dir, &sc->out_dir))
        return SLM_ENOMEM;
    return bad ? SLM_EINPUT : SLM_OK;
}

/* The folder paths in the scenario are relative to: the file's own
 * ("" for the working folder, and for stdin). */
static char *scenario_base_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return mem_strdup("");
    if (slash == path)
        return mem_strdup("/");
    return mem_strndup(path, (size_t)(slash - path));
}

static int scenario_parse_routing(const struct cfg_node *node,
                                  struct scenario *sc, struct diag *d)
{
    const struct backend_kind *kinds[SCENARIO_MAX_BACKENDS];
    struct router_context c;
    size_t i;

    for (i = 0; i < sc->nbackends; i++)
        kinds[i] = sc->backends[i].kind;
    c.names = sc->backend_names;
    c.kinds = kinds;
    c.nb = sc->nbackends;
    c.workload = &sc->workload;
    c.slo_ttft_p99 = sc->slo.ttft_p99;
    c.slo_e2e_p99 = sc->slo.e2e_p99;
    return router_parse(node, &c, &sc->routing, d);
}

/* Every section is checked even after an error in another, so one run of
 * `slmsim validate` lists all problems (up to the diag limit). */
static int scenario_parse(const struct cfg_node *root,
                          const struct scenario_overrides *ov,
                          struct scenario *sc, struct diag *d)
{
    const struct cfg_node *wl;
    char *base;
    int bad = 0;

    bad |= cfg_check_keys(root, "", scenario_keys, SCENARIO_NKEYS, d) != 0;
    bad |= scenario_parse_run(root, sc, d) != 0;
    wl = cfg_get(root, "workload");
    if (!wl) {
        diag_error(d, &root->pos, "missing required key 'workload'");
        bad = 1;
    } else if (!(base = scenario_base_dir(sc->path))) {
        return SLM_ENOMEM;
    } else {
        bad |= workload_parse(wl, base, &sc->workload, d) != 0;
        mem_free(base);
    }
    bad |= scenario_parse_backends(root, sc, d) != 0;
    bad |= scenario_parse_slo(cfg_get(root, "slo"), sc, d) != 0;
    if (sc->nbackends > 0 && !bad)
        bad |= scenario_parse_routing(cfg_get(root, "routing"), sc, d) != 0;
    bad |= scenario_parse_outputs(cfg_get(root, "outputs"), ov, sc, d) != 0;
    bad |= run_parse_limits(cfg_get(root, "limits"), &sc->limits, d) != 0;
    if (cfg_get(root, "costs"))
        bad |= cost_parse(cfg_get(root, "costs"), "costs", &sc->costs, d) != 0;
    return bad ? SLM_EINPUT : SLM_OK;
}

static int scenario_apply_sets(struct cfg_doc *doc,
                               const struct scenario_overrides *ov,
                               struct diag *d)
{
    size_t i;
    int status = SLM_OK;

    for (i = 0; ov && i < ov->nsets; i++) {
        int st = cfg_doc_set(doc, ov->sets[i], d);
        if (st == SLM_ENOMEM)
            return st;
        if (st)
            status = st;
    }
    return status;
}

/* A scenario file the user named that is not there (or is a folder, or
 * not theirs to read) is bad input, reported like any other (exit 2, as a
 * missing trace is); other failures (EIO, EMFILE) stay the system's. */
static int scenario_unreadable(const char *path, struct diag *d)
{
    int e = errno;

    if (e == ENOENT || e == ENOTDIR || e == EISDIR || e == EACCES ||
        e == ELOOP || e == ENAMETOOLONG || e == ENXIO) {
        diag_error(d, NULL, "cannot read '%s': %s", path, strerror(e));
        return SLM_EINPUT;
    }
    errno = e;
    return SLM_ESYS;
}

/* Why a parse failed, from what was seen: an allocation that failed
 * during it (the allocator counts them) is out of memory; else the input
 * was reported as wrong.  A section that failed without either is a bug
 * in its parser: still bad input, and said so rather than left silent. */
static int scenario_failure(const char *path, unsigned long failures_before,
                            int errors_before, struct diag *d)
{
    struct diag_pos at = {path, 0, 0};

    if (mem_failures() != failures_before)
        return SLM_ENOMEM;
    if (d->errors == errors_before)
        diag_error(d, &at, "invalid scenario (a check failed without a "
                           "message: please report this)");
    return SLM_EINPUT;
}

int scenario_load(const char *path, const struct scenario_overrides *ov,
                  struct diag *d, struct scenario **out)
{
    struct cfg_doc *doc = NULL;
    struct scenario *sc;
    unsigned long failures_before = mem_failures();
    int status, errors_before = d->errors;

    *out = NULL;
    status = cfg_load_file(path, d, &doc);
    if (status == SLM_ESYS)
        return scenario_unreadable(path, d);
    if (status)
        return status;
    status = scenario_apply_sets(doc, ov, d);
    if (status) {
        cfg_doc_free(doc);
        return status;
    }
    sc = mem_calloc(1, sizeof *sc);
    if (!sc || !(sc->path = mem_strdup(path))) {
        mem_free(sc);
        cfg_doc_free(doc);
        return SLM_ENOMEM;
    }
    if (scenario_parse(cfg_doc_root(doc), ov, sc, d) != 0)
        status = scenario_failure(path, failures_before, errors_before, d);
    cfg_doc_free(doc);
    if (status) {
        scenario_free(sc);
        return status;
    }
    *out = sc;
    return SLM_OK;
}

void scenario_free(struct scenario *sc)
{
    size_t i;

    if (!sc)
        return;
    for (i = 0; i < sc->nbackends; i++) {
        if (sc->backends[i].kind && sc->backends[i].cfg)
            sc->backends[i].kind->cfg_free(sc->backends[i].cfg);
        mem_free(sc->backends[i].name);
    }
    workload_spec_fini(&sc->workload);
    cost_spec_free(sc->costs);
    router_spec_fini(&sc->routing);
    for (i = 0; i < sc->nplots; i++)
        mem_free(sc->plots[i]);
    mem_free(sc->plots);
    for (i = 0; i < sc->nnotes; i++)
        mem_free(sc->notes[i]);
    mem_free(sc->out_dir);
    mem_free(sc->description);
    mem_free(sc->name);
    mem_free(sc->path);
    mem_free(sc);
}

int scenario_backend_index(const struct scenario *sc, const char *name)
{
    size_t i;

    for (i = 0; i < sc->nbackends; i++)
        if (strcmp(sc->backends[i].name, name) == 0)
            return (int)i;
    return -1;
}
