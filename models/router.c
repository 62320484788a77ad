#include "models/router.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/mem.h"

const char *const router_policy_names[ROUTER_NPOLICIES] = {
    "single",    "split",         "all-local",  "all-api",
    "task-based", "confidence-fallback", "overflow", "failover"};
const char *const router_reason_names[ROUTER_NREASONS] = {
    "policy", "task", "overflow", "failover"};
static const char *const router_side_names[ROUTER_NSIDES] = {"local", "api"};

#define ROUTER_MAX_KEYS 12

static int router_backend_index(const char *name, const char *const *names,
                                size_t nb)
{
    size_t i;

    for (i = 0; i < nb; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

static int router_unknown_backend(const struct diag_pos *pos, const char *name,
                                  const char *const *names, size_t nb,
                                  struct diag *d)
{
    const char *hint = diag_suggest(name, names, nb);

    if (hint)
        diag_error(d, pos, "unknown backend '%s' in routing (did you mean '%s'?)",
                   name, hint);
    else
        diag_error(d, pos, "unknown backend '%s' in routing", name);
    return SLM_EINPUT;
}

static int router_unknown_task(const struct diag_pos *pos, const char *name,
                               const struct workload_spec *w, struct diag *d)
{
    const char *names[WORKLOAD_MAX_TASKS];
    const char *hint;
    size_t i;

    for (i = 0; i < w->ntasks; i++)
        names[i] = w->tasks[i].type;
    hint = diag_suggest(name, names, w->ntasks);
    if (hint)
        diag_error(d, pos, "unknown task type '%s' in routing (did you mean "
                   "'%s'?)", name, hint);
    else
        diag_error(d, pos, "unknown task type '%s' in routing (not in "
                   "workload.tasks)", name);
    return SLM_EINPUT;
}

static int router_parse_single(const struct cfg_node *node,
                               const struct router_context *c,
                               struct router_spec *spec, struct diag *d)
{
    const char *name = NULL;

    if (cfg_get_string(node, "backend", "routing", CFG_REQUIRED, &name, d) < 0)
        return SLM_EINPUT;
    spec->target = router_backend_index(name, c->names, c->nb);
    if (spec->target < 0)
        return router_unknown_backend(&cfg_get(node, "backend")->pos, name,
                                      c->names, c->nb, d);
    return 0;
}

static int router_parse_split(const struct cfg_node *node,
                              const struct router_context *c,
                              struct router_spec *spec, struct diag *d)
{
    const struct cfg_node *shares = cfg_get(node, "shares");
    size_t nb = c->nb;
    double sum = 0.0;
    size_t i;
    int bad = 0;

    if (!shares) {
        diag_error(d, &node->pos, "missing required key 'shares' in routing");
        return SLM_EINPUT;
    }
    if (cfg_expect(shares, CFG_MAP, "routing.shares", d) != 0)
        return SLM_EINPUT;
    spec->n = nb;
    spec->cum_share = mem_calloc(nb, sizeof *spec->cum_share);
    if (!spec->cum_share)
        return SLM_ENOMEM;
    for (i = 0; i < shares->n; i++) {
        int b = router_backend_index(shares->keys[i], c->names, nb);
        double v = 0.0;
        if (b < 0) {
            bad |= router_unknown_backend(&shares->key_pos[i], shares->keys[i],
                                          c->names, nb, d);
            continue;
        }
        if (cfg_node_number(shares->items[i], shares->keys[i],
                            CFG_NONNEG | CFG_UNIT, &v, d) != 0) {
            bad = 1;
            continue;
        }
        spec->cum_share[b] = v;
        sum += v;
    }
    if (!bad && fabs(sum - 1.0) > 1e-6) {
        diag_error(d, &shares->pos,
                   "routing shares must sum to 1, got %.6g", sum);
        bad = 1;
    }
    for (i = 1; i < nb; i++)
        spec->cum_share[i] += spec->cum_share[i - 1];
    spec->cum_share[nb - 1] = 1.0;
    return bad ? SLM_EINPUT : SLM_OK;
}

/* router_delay: a backend name (a station visited first) or a duration
 * distribution. */
static int router_parse_delay(const struct cfg_node *node,
                              const struct router_context *c,
                              struct router_spec *spec, struct diag *d)
{
    const struct cfg_node *n = cfg_get(node, "router_delay");
    int b;

    if (!n)
        return 0;
    if (n->kind == CFG_SCALAR &&
        (b = router_backend_index(n->scalar, c->names, c->nb)) >= 0) {
        if (strcmp(c->kinds[b]->name, "station") != 0) {
            diag_error(d, &n->pos, "router_delay backend '%s' must be of "
                       "kind station, got '%s'", n->scalar, c->kinds[b]->name);
            return SLM_EINPUT;
        }
        spec->delay_backend = b;
        return 0;
    }
    spec->has_delay = 1;
    return dist_parse(n, "routing.router_delay", DIST_DURATION, &spec->delay,
                      d) != 0 ? SLM_EINPUT : SLM_OK;
}

/* The side named by key, else the only candidate of the wanted kind, else
 * the backend named like the side. */
static int router_pick_side(const struct cfg_node *node, const char *key,
                            const struct router_context *c,
                            const struct router_spec *spec, int *out,
                            struct diag *d)
{
    const struct cfg_node *n = cfg_get(node, key);
    int want_api = strcmp(key, "api") == 0, found = -1, count = 0;
    size_t i;

    *out = -1;
    if (n) {
        if (n->kind == CFG_SEQ && !want_api) {
            diag_error(d, &n->pos, "'local' names the local backend; list "
                       "task types under 'local_tasks'");
            return SLM_EINPUT;
        }
        if (cfg_expect(n, CFG_SCALAR, key, d) != 0)
            return SLM_EINPUT;
        *out = router_backend_index(n->scalar, c->names, c->nb);
        if (*out < 0)
            return router_unknown_backend(&n->pos, n->scalar, c->names,
                                          c->nb, d);
        return 0;
    }
    for (i = 0; i < c->nb; i++) {
        int is_api = strcmp(c->kinds[i]->name, "api") == 0;
        if ((int)i == spec->delay_backend || is_api != want_api)
            continue;
        found = (int)i;
        count++;
    }
    if (count == 1)
        *out = found;
    else
        *out = router_backend_index(key, c->names, c->nb);
    return 0;
}

static int router_parse_sides(const struct cfg_node *node,
                              const struct router_context *c,
                              struct router_spec *spec, struct diag *d)
{
    size_t i;

    if (router_pick_side(node, "local", c, spec, &spec->local, d) ||
        router_pick_side(node, "api", c, spec, &spec->api, d))
        return SLM_EINPUT;
    spec->side = mem_calloc(c->nb, 1);
    if (!spec->side)
        return SLM_ENOMEM;
    for (i = 0; i < c->nb; i++) {
        int is_api = strcmp(c->kinds[i]->name, "api") == 0;
        if ((int)i == spec->api || ((int)i != spec->local && is_api))
            spec->side[i] = ROUTER_API;
        else
            spec->side[i] = ROUTER_LOCAL;
    }
    if (spec->local >= 0 && spec->local == spec->api &&
        spec->policy < ROUTER_ALL_LOCAL && !cfg_get(node, "local") &&
        !cfg_get(node, "api")) {
        /* one backend found twice by default: it is on its kind's side */
        if (strcmp(c->kinds[spec->local]->name, "api") == 0)
            spec->local = -1;
        else
            spec->api = -1;
    }
    if (spec->local >= 0 && spec->local == spec->api) {
        diag_error(d, node ? &node->pos : NULL,
                   "routing: 'local' and 'api' are the same backend '%s'",
                   c->names[spec->local]);
        return SLM_EINPUT;
    }
    if (spec->delay_backend >= 0 && (spec->delay_backend == spec->local ||
                                     spec->delay_backend == spec->api)) {
        diag_error(d, cfg_key_pos(node, "router_delay"),
                   "routing: the router_delay station '%s' cannot also "
                   "serve requests", c->names[spec->delay_backend]);
        return SLM_EINPUT;
    }
    return 0;
}

/* Every hybrid policy needs its sides. */
static int router_need_sides(const struct cfg_node *node,
                             const struct router_context *c,
                             const struct router_spec *spec, struct diag *d)
{
    int need_local = spec->policy != ROUTER_ALL_API;
    int need_api = spec->policy != ROUTER_ALL_LOCAL;

    (void)c;
    if (need_local && spec->local < 0) {
        diag_error(d, &node->pos, "routing policy '%s' needs a local "
                   "backend: name it with 'local: NAME'",
                   router_policy_names[spec->policy]);
        return SLM_EINPUT;
    }
    if (need_api && spec->api < 0) {
        diag_error(d, &node->pos, "routing policy '%s' needs an API "
                   "backend: name it with 'api: NAME'",
                   router_policy_names[spec->policy]);
        return SLM_EINPUT;
    }
    return 0;
}

static int router_parse_local_tasks(const struct cfg_node *node,
                                    const struct router_context *c,
                                    struct router_spec *spec, struct diag *d)
{
    const struct cfg_node *seq = cfg_get(node, "local_tasks");
    size_t i;
    int bad = 0;

    if (!seq) {
        diag_error(d, &node->pos,
                   "missing required key 'local_tasks' in routing");
        return SLM_EINPUT;
    }
    if (cfg_expect(seq, CFG_SEQ, "routing.local_tasks", d) != 0)
        return SLM_EINPUT;
    for (i = 0; i < seq->n; i++) {
        const struct cfg_node *it = seq->items[i];
        int t;
        if (cfg_expect(it, CFG_SCALAR, "routing.local_tasks[]", d) != 0) {
            bad = 1;
            continue;
        }
        t = workload_task_index(c->workload, it->scalar);
        if (t < 0)
            bad |= router_unknown_task(&it->pos, it->scalar, c->workload, d);
        else
            spec->task_local[t] = 1;
    }
    return bad ? SLM_EINPUT : SLM_OK;
}

static const char *const router_escalation_names[] = {"confidence",
                                                     "random"};

/* An AUC of a confidence score: 0.5 (no better than chance) to 1. */
static int router_check_auc(const struct cfg_node *n, const char *name,
                            double *out, struct diag *d)
{
    if (cfg_node_number(n, name, 0, out, d) != 0)
        return SLM_EINPUT;
    if (*out < 0.5 || *out > 1.0) {
        diag_error(d, &n->pos, "'%s' must be an AUC in [0.5, 1], got '%s'",
                   name, n->scalar);
        return SLM_EINPUT;
    }
    return 0;
}

/* escalation, fallback_auc, fallback_auc_by_task. */
static int router_parse_auc(const struct cfg_node *node,
                            const struct router_context *c,
                            struct router_spec *spec, struct diag *d)
{
    const struct cfg_node *n = cfg_get(node, "fallback_auc");
    const struct cfg_node *by = cfg_get(node, "fallback_auc_by_task");
    int esc = ROUTER_ESCALATE_CONFIDENCE, bad = 0;
    size_t i;

    bad |= cfg_get_enum(node, "escalation", "routing", 0,
                        router_escalation_names, 2, &esc, d) < 0;
    spec->escalation = esc;
    spec->fallback_auc = ROUTER_DEFAULT_AUC;
    if (n)
        bad |= router_check_auc(n, "routing.fallback_auc",
                                &spec->fallback_auc, d) != 0;
    for (i = 0; i < spec->ntasks; i++)
        spec->auc[i] = spec->fallback_auc;
    if (!by)
        return bad ? SLM_EINPUT : SLM_OK;
    if (cfg_expect(by, CFG_MAP, "routing.fallback_auc_by_task", d) != 0)
        return SLM_EINPUT;
    for (i = 0; i < by->n; i++) {
        int t = workload_task_index(c->workload, by->keys[i]);
        if (t < 0)
            bad |= router_unknown_task(&by->key_pos[i], by->keys[i],
                                       c->workload, d);
        else
            bad |= router_check_auc(by->items[i], by->keys[i], &spec->auc[t],
                                    d) != 0;
    }
    return bad ? SLM_EINPUT : SLM_OK;
}

static int router_parse_fallback(const struct cfg_node *node,
                                 const struct router_context *c,
                                 struct router_spec *spec, struct diag *d)
{
    const struct cfg_node *by = cfg_get(node, "fallback_by_task");
    unsigned need = spec->policy == ROUTER_CONFIDENCE_FALLBACK && !by
                        ? CFG_REQUIRED : 0;
    size_t i;
    int bad = 0;

    bad |= cfg_get_number(node, "fallback_rate", "routing", need | CFG_UNIT,
                          &spec->fallback_rate, d) < 0;
    for (i = 0; i < spec->ntasks; i++)
        spec->fallback[i] = spec->fallback_rate;
    bad |= router_parse_auc(node, c, spec, d) != 0;
    if (!by)
        return bad ? SLM_EINPUT : SLM_OK;
    if (cfg_expect(by, CFG_MAP, "routing.fallback_by_task", d) != 0)
        return SLM_EINPUT;
    for (i = 0; i < by->n; i++) {
        int t = workload_task_index(c->workload, by->keys[i]);
        if (t < 0) {
            bad |= router_unknown_task(&by->key_pos[i], by->keys[i],
                                       c->workload, d);
            continue;
        }
        bad |= cfg_node_number(by->items[i], by->keys[i], CFG_UNIT,
                               &spec->fallback[t], d) != 0;
    }
    return bad ? SLM_EINPUT : SLM_OK;
}

static int router_parse_overflow(const struct cfg_node *node,
                                 const struct router_context *c,
                                 struct router_spec *spec, struct diag *d)
{
    const char *from = NULL;
    int got = cfg_get_duration(node, "max_wait", "routing", CFG_POSITIVE,
                               &spec->max_wait, d);

    if (got < 0)
        return SLM_EINPUT;
    if (!c->kinds[spec->local]->predicted_wait) {
        diag_error(d, &node->pos, "routing policy 'overflow' needs a local "
                   "backend that predicts its wait; kind '%s' does not",
                   c->kinds[spec->local]->name);
        return SLM_EINPUT;
    }
    if (got == 0)
        return 0;
    if (c->slo_ttft_p99 > 0.0) {
        spec->max_wait = c->slo_ttft_p99;
        from = "slo.ttft_p99";
    } else if (c->slo_e2e_p99 > 0.0) {
        spec->max_wait = c->slo_e2e_p99;
        from = "slo.e2e_p99";
    } else {
        diag_error(d, &node->pos, "routing policy 'overflow' needs "
                   "'max_wait' or an 'slo'");
        return SLM_EINPUT;
    }
    spec->max_wait_from = mem_strdup(from);
    return spec->max_wait_from ? 0 : SLM_ENOMEM;
}

/* The keys a policy allows: the common ones and its own. */
static size_t router_keys(enum router_policy p, const char **keys)
{
    static const char *const common[] = {"policy", "local", "api",
                                         "router_delay", "format_error_rate",
                                         "format_retries"};
    size_t n = 0, i;
    int fallback = p >= ROUTER_TASK_BASED;

    for (i = 0; i < sizeof common / sizeof common[0]; i++)
        keys[n++] = common[i];
    if (p == ROUTER_SINGLE)
        keys[n++] = "backend";
    if (p == ROUTER_SPLIT)
        keys[n++] = "shares";
    if (p == ROUTER_TASK_BASED)
        keys[n++] = "local_tasks";
    if (p == ROUTER_OVERFLOW)
        keys[n++] = "max_wait";
    if (p == ROUTER_FAILOVER)
        keys[n++] = "primary";
    if (fallback) {
        keys[n++] = "fallback_rate";
        keys[n++] = "fallback_by_task";
        keys[n++] = "escalation";
        keys[n++] = "fallback_auc";
        keys[n++] = "fallback_auc_by_task";
    }
    return n;
}

static int router_alloc(const struct router_context *c,
                        struct router_spec *spec)
{
    spec->ntasks = c->workload->ntasks;
    spec->task_local = mem_calloc(spec->ntasks, 1);
    if (!spec->task_local)
        return SLM_ENOMEM;
    if (spec->policy >= ROUTER_TASK_BASED) {
        spec->fallback = mem_calloc(spec->ntasks, sizeof *spec->fallback);
        spec->auc = mem_calloc(spec->ntasks ? spec->ntasks : 1,
                               sizeof *spec->auc);
        if (!spec->fallback || !spec->auc)
            return SLM_ENOMEM;
    }
    return 0;
}

/* The policy's own keys, once the sides are known. */
static int router_parse_policy(const struct cfg_node *node,
                               const struct router_context *c,
                               struct router_spec *spec, struct diag *d)
{
    int primary = ROUTER_LOCAL, st;

    if (spec->policy == ROUTER_SINGLE)
        return router_parse_single(node, c, spec, d);
    if (spec->policy == ROUTER_SPLIT)
        return router_parse_split(node, c, spec, d);
    if ((st = router_need_sides(node, c, spec, d)) != 0)
        return st;
    if (spec->policy >= ROUTER_TASK_BASED &&
        (st = router_parse_fallback(node, c, spec, d)) != 0)
        return st;
    if (spec->policy == ROUTER_TASK_BASED)
        return router_parse_local_tasks(node, c, spec, d);
    if (spec->policy == ROUTER_OVERFLOW)
        return router_parse_overflow(node, c, spec, d);
    if (spec->policy == ROUTER_FAILOVER) {
        st = cfg_get_enum(node, "primary", "routing", 0, router_side_names,
                          ROUTER_NSIDES, &primary, d) < 0 ? SLM_EINPUT : SLM_OK;
        spec->primary = primary;
        return st;
    }
    return 0;
}

static int router_parse_common(const struct cfg_node *node,
                               const struct router_context *c,
                               struct router_spec *spec, struct diag *d)
{
    int bad = 0, st;

    bad |= cfg_get_number(node, "format_error_rate", "routing", CFG_UNIT,
                          &spec->format_error_rate, d) < 0;
    bad |= cfg_get_int(node, "format_retries", "routing", 0, 0, 100,
                       &spec->format_retries, d) < 0;
    if ((st = router_parse_delay(node, c, spec, d)) != 0)
        return st;
    if ((st = router_parse_sides(node, c, spec, d)) != 0)
        return st;
    return bad ? SLM_EINPUT : SLM_OK;
}

int router_parse(const struct cfg_node *node, const struct router_context *c,
                 struct router_spec *spec, struct diag *d)
{
    const char *keys[ROUTER_MAX_KEYS];
    int policy = ROUTER_SINGLE, st;

    memset(spec, 0, sizeof *spec);
    spec->nb = c->nb;
    spec->delay_backend = -1;
    spec->format_retries = 1;
    dist_init_fixed(&spec->delay, 0.0);
    if (!node) {
        if (c->nb == 1)
            return router_alloc(c, spec) ? SLM_ENOMEM
                                         : router_parse_sides(NULL, c, spec, d);
        diag_error(d, NULL,
                   "the scenario has %zu backends: say where requests go with "
                   "'routing'", c->nb);
        return SLM_EINPUT;
    }
    if (cfg_expect(node, CFG_MAP, "routing", d) != 0)
        return SLM_EINPUT;
    if (cfg_get_enum(node, "policy", "routing", CFG_REQUIRED,
                     router_policy_names, ROUTER_NPOLICIES, &policy, d) < 0)
        return SLM_EINPUT;
    spec->policy = (enum router_policy)policy;
    if (cfg_check_keys(node, "routing", keys,
                       router_keys(spec->policy, keys), d))
        return SLM_EINPUT;
    if (router_alloc(c, spec))
        return SLM_ENOMEM;
    if ((st = router_parse_common(node, c, spec, d)) != 0)
        return st;
    return router_parse_policy(node, c, spec, d);
}

void router_spec_fini(struct router_spec *spec)
{
    mem_free(spec->cum_share);
    mem_free(spec->side);
    mem_free(spec->task_local);
    mem_free(spec->fallback);
    mem_free(spec->auc);
    mem_free(spec->max_wait_from);
    dist_fini(&spec->delay);
    memset(spec, 0, sizeof *spec);
}

/* Copies n bytes of src into *dst, a new array; 0 or SLM_ENOMEM. */
static int router_dup(void **dst, const void *src, size_t n)
{
    *dst = NULL;
    if (!src || !n)
        return 0;
    *dst = mem_alloc(n);
    if (!*dst)
        return SLM_ENOMEM;
    memcpy(*dst, src, n);
    return 0;
}

int router_spec_whatif(const struct router_spec *spec,
                       enum router_policy policy,
                       const unsigned char *task_local, double fallback_rate,
                       struct router_spec *out)
{
    size_t i;
    int st;

    assert(spec->local >= 0 && spec->api >= 0);
    memset(out, 0, sizeof *out);
    out->policy = policy;
    out->local = spec->local;
    out->api = spec->api;
    out->nb = spec->nb;
    out->ntasks = spec->ntasks;
    out->has_delay = spec->has_delay;
    out->delay_backend = spec->delay_backend;
    out->format_error_rate = spec->format_error_rate;
    out->format_retries = spec->format_retries;
    out->fallback_rate = policy == ROUTER_CONFIDENCE_FALLBACK ? fallback_rate
                                                               : 0.0;
    out->escalation = spec->escalation;
    out->fallback_auc = spec->fallback_auc ? spec->fallback_auc
                                           : ROUTER_DEFAULT_AUC;
    st = dist_copy(&out->delay, &spec->delay);
    if (!st)
        st = router_dup((void **)&out->side, spec->side, spec->nb);
    out->task_local = mem_calloc(spec->ntasks ? spec->ntasks : 1, 1);
    if (!out->task_local)
        st = SLM_ENOMEM;
    else if (policy == ROUTER_TASK_BASED)
        memcpy(out->task_local, task_local, spec->ntasks);
    if (!st && policy == ROUTER_CONFIDENCE_FALLBACK) {
        out->fallback = mem_calloc(spec->ntasks ? spec->ntasks : 1,
                                   sizeof *out->fallback);
        st = out->fallback ? 0 : SLM_ENOMEM;
        for (i = 0; !st && i < spec->ntasks; i++)
            out->fallback[i] = fallback_rate;
    }
    if (!st && out->fallback) {
        out->auc = mem_calloc(spec->ntasks ? spec->ntasks : 1,
                              sizeof *out->auc);
        st = out->auc ? 0 : SLM_ENOMEM;
        for (i = 0; !st && i < spec->ntasks; i++)
            out->auc[i] = spec->auc ? spec->auc[i] : out->fallback_auc;
    }
    if (st)
        router_spec_fini(out);
    return st;
}

static int router_available(const struct router_live *l, int b)
{
    return !l->kinds[b]->available || l->kinds[b]->available(l->inst[b], l->s);
}

int router_choose(const struct router_spec *spec, const struct router_live *l,
                  const struct request *r, enum router_reason *why)
{
    double u;
    size_t i = 0;
    int first, other;

    *why = ROUTER_BY_POLICY;
    switch (spec->policy) {
    case ROUTER_SINGLE:
        return spec->target;
    case ROUTER_SPLIT:
        u = gsl_rng_uniform(l->rng);
        while (i + 1 < spec->n && u >= spec->cum_share[i])
            i++;
        return (int)i;
    case ROUTER_ALL_LOCAL:
    case ROUTER_CONFIDENCE_FALLBACK:
        return spec->local;
    case ROUTER_ALL_API:
        return spec->api;
    case ROUTER_TASK_BASED:
        *why = ROUTER_BY_TASK;
        return spec->task_local[r->task] ? spec->local : spec->api;
    case ROUTER_OVERFLOW:
        if (l->kinds[spec->local]->predicted_wait(l->inst[spec->local], l->s,
                                                  r) <= spec->max_wait)
            return spec->local;
        *why = ROUTER_BY_OVERFLOW;
        return spec->api;
    case ROUTER_FAILOVER:
    case ROUTER_NPOLICIES:
        break;
    }
    first = spec->primary == ROUTER_API ? spec->api : spec->local;
    other = spec->primary == ROUTER_API ? spec->local : spec->api;
    if (router_available(l, first) || !router_available(l, other))
        return first;
    *why = ROUTER_BY_FAILOVER;
    return other;
}

double router_fallback_auc(const struct router_spec *spec, int task)
{
    if (spec->escalation == ROUTER_ESCALATE_RANDOM)
        return 0.5;
    if (!spec->auc || task < 0 || (size_t)task >= spec->ntasks)
        return spec->fallback_auc > 0 ? spec->fallback_auc
                                      : ROUTER_DEFAULT_AUC;
    return spec->auc[task];
}

double router_fallback_share(const struct router_spec *spec, int task)
{
    if (!spec->fallback || task < 0 || (size_t)task >= spec->ntasks)
        return 0.0;
    return spec->fallback[task];
}

static size_t router_describe_extras(const struct router_spec *spec,
                                     const char *const *names, char *buf,
                                     size_t size, size_t used)
{
    char dd[96];

    if (spec->policy == ROUTER_OVERFLOW && used < size)
        used += (size_t)snprintf(buf + used, size - used,
                                 ", overflow above a predicted wait of %gs%s%s%s",
                                 spec->max_wait,
                                 spec->max_wait_from ? " (from " : "",
                                 spec->max_wait_from ? spec->max_wait_from : "",
                                 spec->max_wait_from ? ")" : "");
    if (spec->policy == ROUTER_FAILOVER && used < size)
        used += (size_t)snprintf(buf + used, size - used, ", primary %s",
                                 router_side_names[spec->primary]);
    if (spec->fallback && spec->fallback_rate > 0.0 && used < size)
        used += (size_t)snprintf(
            buf + used, size - used, ", fallback rate %g (%s)",
            spec->fallback_rate,
            spec->escalation == ROUTER_ESCALATE_RANDOM
                ? "escalated at random"
                : "the least confident answers escalated");
    if (spec->has_delay && used < size)
        used += (size_t)snprintf(buf + used, size - used,
                                 ", router delay %s",
                                 dist_describe(&spec->delay, DIST_DURATION, dd,
                                               sizeof dd));
    if (spec->delay_backend >= 0 && used < size)
        used += (size_t)snprintf(buf + used, size - used,
                                 ", router delay at station '%s'",
                                 names[spec->delay_backend]);
    if (spec->format_error_rate > 0.0 && used < size)
        used += (size_t)snprintf(buf + used, size - used,
                                 ", validator rejects %g of API answers "
                                 "(%ld re-ask%s)", spec->format_error_rate,
                                 spec->format_retries,
                                 spec->format_retries == 1 ? "" : "s");
    return used;
}

const char *router_describe(const struct router_spec *spec,
                            const char *const *names, char *buf, size_t size)
{
    size_t i, used;

    if (spec->policy == ROUTER_SINGLE) {
        used = (size_t)snprintf(buf, size, "single: everything to '%s'",
                                names[spec->target]);
    } else if (spec->policy == ROUTER_SPLIT) {
        used = (size_t)snprintf(buf, size, "split:");
        for (i = 0; i < spec->n && used < size; i++) {
            double share =
                spec->cum_share[i] - (i ? spec->cum_share[i - 1] : 0.0);
            used += (size_t)snprintf(buf + used, size - used, " %s %.3g%%",
                                     names[i], 100.0 * share);
        }
    } else {
        used = (size_t)snprintf(buf, size, "%s: local '%s', api '%s'",
                                router_policy_names[spec->policy],
                                spec->local >= 0 ? names[spec->local] : "-",
                                spec->api >= 0 ? names[spec->api] : "-");
    }
    if (used < size)
        router_describe_extras(spec, names, buf, size, used);
    return buf;
}
