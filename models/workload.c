#include "models/workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/mem.h"

#define WORKLOAD_SHARE_TOL 1e-6

/* accuracy: {local: 0.94, api: 0.88}, either part optional. */
static int workload_parse_accuracy(const struct cfg_node *node,
                                   const char *task_where, struct task_spec *t,
                                   struct diag *d)
{
    static const char *const keys[] = {"local", "api"};
    char where[80];
    int bad = 0;

    t->accuracy_local = (double)NAN;
    t->accuracy_api = (double)NAN;
    if (!node)
        return 0;
    snprintf(where, sizeof where, "%s.accuracy", task_where);
    if (cfg_expect(node, CFG_MAP, where, d) != 0)
        return 1;
    bad |= cfg_check_keys(node, where, keys, 2, d) != 0;
    bad |= cfg_get_number(node, "local", where, CFG_UNIT, &t->accuracy_local,
                          d) < 0;
    bad |= cfg_get_number(node, "api", where, CFG_UNIT, &t->accuracy_api,
                          d) < 0;
    return bad;
}

/* A token count: a distribution, or from the trace (the word `trace`, or
 * left out when the arrivals are a trace). */
static int workload_parse_tokens(const struct cfg_node *node, const char *key,
                                 int trace, struct dist *dd, int *from_trace,
                                 struct diag *d)
{
    const struct cfg_node *tok = cfg_get(node, key);

    dist_init_fixed(dd, 0.0);
    *from_trace = trace && !tok;
    if (!tok)
        return 0;
    if (tok->kind == CFG_SCALAR && !strcmp(tok->scalar, "trace")) {
        if (!trace) {
            diag_error(d, &tok->pos,
                       "'%s: trace' needs 'workload.arrivals.process: "
                       "trace'",
                       key);
            return -1;
        }
        *from_trace = 1;
        return 0;
    }
    if (dist_parse(tok, key, DIST_COUNT, dd, d))
        return -1;
    if (!(dist_mean(dd) <= WORKLOAD_MAX_TOKENS)) {
        diag_error(d, &tok->pos,
                   "'%s' has a mean of %.3g tokens, above the ceiling of "
                   "%.0e tokens a request",
                   key, dist_mean(dd), WORKLOAD_MAX_TOKENS);
        return -1;
    }
    return 0;
}

static int workload_parse_task(const struct cfg_node *node, size_t i,
                               int trace, struct task_spec *t, struct diag *d)
{
    static const char *const keys[] = {"type", "share", "input_tokens",
                                       "output_tokens", "accuracy"};
    char where[64];
    const char *type = NULL;
    int bad = 0;

    snprintf(where, sizeof where, "workload.tasks[%zu]", i);
    dist_init_fixed(&t->input_tokens, 0.0);
    dist_init_fixed(&t->output_tokens, 0.0);
    if (cfg_expect(node, CFG_MAP, where, d) != 0)
        return -1;
    bad |= cfg_check_keys(node, where, keys, 5, d) != 0;
    bad |= cfg_get_string(node, "type", where, CFG_REQUIRED, &type, d) < 0;
    bad |= cfg_get_number(node, "share", where,
                          CFG_REQUIRED | CFG_POSITIVE | CFG_UNIT, &t->share,
                          d) < 0;
    bad |= workload_parse_tokens(node, "input_tokens", trace, &t->input_tokens,
                                 &t->input_from_trace, d) != 0;
    bad |= workload_parse_tokens(node, "output_tokens", trace,
                                 &t->output_tokens, &t->output_from_trace,
                                 d) != 0;
    bad |= workload_parse_accuracy(cfg_get(node, "accuracy"), where, t, d);
    if (type && !(t->type = mem_strdup(type)))
        return -1;
    return bad ? -1 : 0;
}

/* Task names must be unique: the router and the report key on them. */
static int workload_check_tasks(const struct cfg_node *seq,
                                const struct workload_spec *w, struct diag *d)
{
    double sum = 0.0;
    size_t i, j;
    int bad = 0;

    for (i = 0; i < w->ntasks; i++) {
        sum += w->tasks[i].share;
        for (j = 0; j < i && w->tasks[i].type; j++) {
            if (w->tasks[j].type && !strcmp(w->tasks[i].type, w->tasks[j].type)) {
                diag_error(d, &seq->items[i]->pos,
                           "duplicate task type '%s' in workload.tasks",
                           w->tasks[i].type);
                bad = 1;
            }
        }
    }
    if (!bad && fabs(sum - 1.0) > WORKLOAD_SHARE_TOL) {
        diag_error(d, &seq->pos,
                   "task shares in workload.tasks must sum to 1, got %.6g",
                   sum);
        bad = 1;
    }
    return bad ? -1 : 0;
}

static int workload_default_task(struct workload_spec *w, int trace)
{
    w->tasks = mem_calloc(1, sizeof *w->tasks);
    if (!w->tasks)
        return -1;
    w->ntasks = 1;
    w->tasks[0].share = 1.0;
    w->tasks[0].input_from_trace = w->tasks[0].output_from_trace = trace;
    dist_init_fixed(&w->tasks[0].input_tokens, 0.0);
    dist_init_fixed(&w->tasks[0].output_tokens, 0.0);
    w->tasks[0].accuracy_local = (double)NAN;
    w->tasks[0].accuracy_api = (double)NAN;
    w->tasks[0].type = mem_strdup("default");
    return w->tasks[0].type ? 0 : -1;
}

static int workload_parse_tasks(const struct cfg_node *seq, int trace,
                                struct workload_spec *w, struct diag *d)
{
    size_t i;
    int bad = 0;

    if (!seq)
        return workload_default_task(w, trace);
    if (cfg_expect(seq, CFG_SEQ, "workload.tasks", d) != 0)
        return -1;
    if (seq->n == 0 || seq->n > WORKLOAD_MAX_TASKS) {
        diag_error(d, &seq->pos,
                   "workload.tasks must list 1 to %d tasks, got %zu",
                   WORKLOAD_MAX_TASKS, seq->n);
        return -1;
    }
    w->tasks = mem_calloc(seq->n, sizeof *w->tasks);
    if (!w->tasks)
        return -1;
    w->ntasks = seq->n;
    for (i = 0; i < seq->n && !diag_full(d); i++)
        bad |= workload_parse_task(seq->items[i], i, trace, &w->tasks[i],
                                   d) != 0;
    if (bad)
        return -1;
    return workload_check_tasks(seq, w, d);
}

/* A trace's task mapping names tasks; then the file is read through once,
 * so its bad rows are reported at load time. */
static int workload_scan_trace(const struct cfg_node *arr,
                               struct workload_spec *w, struct diag *d)
{
    const char *names[WORKLOAD_MAX_TASKS] = {0};
    size_t i;
    int rc;

    for (i = 0; i < w->ntasks; i++)
        names[i] = w->tasks[i].type;
    rc = arrivals_resolve_tasks(&w->arrivals, arr, names, w->ntasks, d);
    if (rc)
        return -1;
    rc = arrivals_scan(&w->arrivals, &cfg_get(arr, "path")->pos, d);
    if (rc == SLM_ESYS)
        diag_error(d, &cfg_get(arr, "path")->pos,
                   "cannot read trace '%s': %s", w->arrivals.trace.path,
                   strerror(errno));
    return rc ? -1 : 0;
}

int workload_parse(const struct cfg_node *node, const char *base_dir,
                   struct workload_spec *w, struct diag *d)
{
    static const char *const keys[] = {"arrivals", "tasks"};
    const struct cfg_node *arr;
    double acc = 0.0;
    size_t i;
    int bad = 0, trace = 0;

    memset(w, 0, sizeof *w);
    if (cfg_expect(node, CFG_MAP, "workload", d) != 0)
        return -1;
    bad |= cfg_check_keys(node, "workload", keys, 2, d) != 0;
    arr = cfg_get(node, "arrivals");
    if (!arr) {
        diag_error(d, &node->pos, "missing required key 'arrivals' in workload");
        bad = 1;
    } else {
        bad |= arrivals_parse(arr, "workload.arrivals", base_dir,
                              &w->arrivals, d) != 0;
        trace = w->arrivals.process == ARRIVALS_TRACE;
    }
    bad |= workload_parse_tasks(cfg_get(node, "tasks"), trace, w, d) != 0;
    if (bad || (trace && workload_scan_trace(arr, w, d)))
        return -1;
    w->cum_share = mem_calloc(w->ntasks, sizeof *w->cum_share);
    if (!w->cum_share)
        return -1;
    for (i = 0; i < w->ntasks; i++) {
        acc += w->tasks[i].share;
        w->cum_share[i] = acc;
    }
    /* Shares sum to 1 within tolerance; make the last bound exact so a
     * uniform draw near 1 always lands in a task. */
    w->cum_share[w->ntasks - 1] = 1.0;
    return 0;
}

void workload_spec_fini(struct workload_spec *w)
{
    size_t i;

    for (i = 0; i < w->ntasks; i++) {
        mem_free(w->tasks[i].type);
        dist_fini(&w->tasks[i].input_tokens);
        dist_fini(&w->tasks[i].output_tokens);
    }
    mem_free(w->tasks);
    mem_free(w->cum_share);
    arrivals_spec_fini(&w->arrivals);
    memset(w, 0, sizeof *w);
}

int workload_task_index(const struct workload_spec *w, const char *type)
{
    size_t i;

    for (i = 0; i < w->ntasks; i++)
        if (w->tasks[i].type && strcmp(w->tasks[i].type, type) == 0)
            return (int)i;
    return -1;
}

static uint32_t workload_tokens(const struct dist *dd, gsl_rng *r)
{
    double x = dist_sample(dd, r);

    if (!(x > 0.0))
        return 0;
    if (x > WORKLOAD_MAX_TOKENS)
        return (uint32_t)WORKLOAD_MAX_TOKENS;
    return (uint32_t)lround(x);
}

void workload_fill_request(const struct workload_spec *w,
                           const struct arrival *a, gsl_rng *r_mix,
                           struct request *r)
{
    const struct task_spec *t;
    size_t i = 0;

    if (a->task >= 0 && (size_t)a->task < w->ntasks) {
        i = (size_t)a->task;
    } else if (w->ntasks > 1) {
        double u = gsl_rng_uniform(r_mix);
        while (i + 1 < w->ntasks && u >= w->cum_share[i])
            i++;
    }
    t = &w->tasks[i];
    r->task = (int)i;
    r->input_tokens = a->has_tokens && t->input_from_trace
                          ? a->input_tokens
                          : workload_tokens(&t->input_tokens, r_mix);
    r->output_tokens = a->has_tokens && t->output_from_trace
                           ? a->output_tokens
                           : workload_tokens(&t->output_tokens, r_mix);
    /* The hashes describe the logged prompt: a drawn length is another
     * prompt, whose blocks nobody has seen. */
    if (a->hashes && a->has_tokens && t->input_from_trace) {
        r->prefix_hashes = a->hashes;
        r->prefix_blocks = a->nhashes;
        r->prefix_block_tokens = w->arrivals.trace.hash_block;
        r->prefix_pass = a->hash_pass;
    }
}
