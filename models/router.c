#include "models/router.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/mem.h"

static const char *const router_policy_names[] = {"single", "split"};

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
    return -1;
}

static int router_parse_single(const struct cfg_node *node,
                               const char *const *names, size_t nb,
                               struct router_spec *spec, struct diag *d)
{
    const char *name = NULL;

    if (cfg_get_string(node, "backend", "routing", CFG_REQUIRED, &name, d) < 0)
        return -1;
    spec->target = router_backend_index(name, names, nb);
    if (spec->target < 0)
        return router_unknown_backend(&cfg_get(node, "backend")->pos, name,
                                      names, nb, d);
    return 0;
}

static int router_parse_split(const struct cfg_node *node,
                              const char *const *names, size_t nb,
                              struct router_spec *spec, struct diag *d)
{
    const struct cfg_node *shares = cfg_get(node, "shares");
    double sum = 0.0;
    size_t i;
    int bad = 0;

    if (!shares) {
        diag_error(d, &node->pos, "missing required key 'shares' in routing");
        return -1;
    }
    if (cfg_expect(shares, CFG_MAP, "routing.shares", d) != 0)
        return -1;
    spec->n = nb;
    spec->cum_share = mem_calloc(nb, sizeof *spec->cum_share);
    if (!spec->cum_share)
        return -1;
    for (i = 0; i < shares->n; i++) {
        int b = router_backend_index(shares->keys[i], names, nb);
        double v = 0.0;
        if (b < 0) {
            bad |= router_unknown_backend(&shares->key_pos[i], shares->keys[i],
                                          names, nb, d);
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
    return bad ? -1 : 0;
}

int router_parse(const struct cfg_node *node, const char *const *names,
                 size_t nb, struct router_spec *spec, struct diag *d)
{
    static const char *const keys_single[] = {"policy", "backend"};
    static const char *const keys_split[] = {"policy", "shares"};
    int policy = ROUTER_SINGLE;

    memset(spec, 0, sizeof *spec);
    if (!node) {
        if (nb == 1)
            return 0;
        diag_error(d, NULL,
                   "the scenario has %zu backends: say where requests go with "
                   "'routing'", nb);
        return -1;
    }
    if (cfg_expect(node, CFG_MAP, "routing", d) != 0)
        return -1;
    if (cfg_get_enum(node, "policy", "routing", CFG_REQUIRED,
                     router_policy_names, 2, &policy, d) < 0)
        return -1;
    spec->policy = (enum router_policy)policy;
    if (spec->policy == ROUTER_SINGLE) {
        if (cfg_check_keys(node, "routing", keys_single, 2, d))
            return -1;
        return router_parse_single(node, names, nb, spec, d);
    }
    if (cfg_check_keys(node, "routing", keys_split, 2, d))
        return -1;
    return router_parse_split(node, names, nb, spec, d);
}

void router_spec_fini(struct router_spec *spec)
{
    mem_free(spec->cum_share);
    memset(spec, 0, sizeof *spec);
}

int router_choose(const struct router_spec *spec, const struct request *r,
                  gsl_rng *rng)
{
    double u;
    size_t i = 0;

    (void)r;
    if (spec->policy == ROUTER_SINGLE)
        return spec->target;
    u = gsl_rng_uniform(rng);
    while (i + 1 < spec->n && u >= spec->cum_share[i])
        i++;
    return (int)i;
}

const char *router_describe(const struct router_spec *spec,
                            const char *const *names, char *buf, size_t size)
{
    size_t i, used;

    if (spec->policy == ROUTER_SINGLE) {
        snprintf(buf, size, "single: everything to '%s'", names[spec->target]);
        return buf;
    }
    used = (size_t)snprintf(buf, size, "split:");
    for (i = 0; i < spec->n && used < size; i++) {
        double share = spec->cum_share[i] - (i ? spec->cum_share[i - 1] : 0.0);
        used += (size_t)snprintf(buf + used, size - used, " %s %.3g%%",
                                 names[i], 100.0 * share);
    }
    return buf;
}
