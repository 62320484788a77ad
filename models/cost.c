#include "models/cost.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/mem.h"
#include "sim/units.h"

const char *const cost_option_names[COST_NOPTIONS] = {"local", "api",
                                                      "hybrid"};

/* Names of the fixed parameters, as the user writes them. */
static const char *const fixed_names[COST_P_FIXED_COUNT] = {
    "api.input_per_1m",       "api.output_per_1m",
    "power.watts",            "power.idle_watts",
    "power.per_kwh",          "power.pue",
    "power.per_month",        "facility_per_month",
    "ops_per_month",          "growth_per_month",
    "queries_per_month_per_gpu", "query.input_tokens",
    "query.output_tokens",    "local_share",
    "gpu.price",              "gpu.resale",
    "server.price",           "gpus_per_server",
    "rent_per_gpu_hour"};

static const char *const cost_price_field_names[COST_PRICE_NFIELDS] = {
    "gpu", "resale", "server", "gpus_per_server", "peak_w", "idle_w",
    "power_per_month", "rent_per_gpu_hour"};

#define HOURS_PER_MONTH (UNITS_MONTH / UNITS_HOUR) /* 730.5 */

/* ---- parsing ---- */

struct parse {
    struct cost_spec *spec;
    struct diag *d;
    int bad;
    int nomem;
};

/* Reads map[key] as a number or a [low, high] sequence into params[idx].
 * Absent: the default def, given = 0.  flags bound both ends. */
static void get_range_def(struct parse *p, const struct cfg_node *map,
                          const char *key, const char *where, unsigned flags,
                          double def, struct cost_param_def *pd);

static void get_range(struct parse *p, const struct cfg_node *map,
                      const char *key, const char *where, unsigned flags,
                      double def, size_t idx)
{
    get_range_def(p, map, key, where, flags, def, &p->spec->params[idx]);
}

static void get_range_def(struct parse *p, const struct cfg_node *map,
                          const char *key, const char *where, unsigned flags,
                          double def, struct cost_param_def *pd)
{
    const struct cfg_node *node = cfg_get(map, key);
    double x[2];

    pd->lo = pd->hi = def;
    if (!node) {
        if (flags & CFG_REQUIRED) {
            /* The getter words the "missing required key" message. */
            cfg_get_number(map, key, where, CFG_REQUIRED, &x[0], p->d);
            p->bad = 1;
        }
        return;
    }
    if (cfg_key_pos(map, key))
        pd->pos = *cfg_key_pos(map, key);
    if (node->kind != CFG_SEQ) {
        int got = cfg_get_number(map, key, where, flags, &x[0], p->d);
        if (got != 0) {
            p->bad |= got < 0; /* 1: null, the default */
            return;
        }
        pd->lo = pd->hi = x[0];
        pd->given = 1;
        return;
    }
    if (node->n != 2) {
        diag_error(p->d, &node->pos,
                   "'%s' must be a number or a range [low, high], got a "
                   "sequence of %zu items", key, node->n);
        p->bad = 1;
        return;
    }
    for (int i = 0; i < 2; i++)
        if (cfg_node_number(node->items[i], key, flags, &x[i], p->d) != 0) {
            p->bad = 1;
            return;
        }
    if (x[0] > x[1]) {
        diag_error(p->d, &node->pos,
                   "range '%s' must be [low, high] with low <= high, got "
                   "[%s, %s]", key, node->items[0]->scalar,
                   node->items[1]->scalar);
        p->bad = 1;
        return;
    }
    pd->lo = x[0];
    pd->hi = x[1];
    pd->given = 1;
}

/* params[idx].name = "prefix.a" or "prefix.a.b" (b may be NULL). */
static int set_name(struct parse *p, size_t idx, const char *prefix,
                    const char *a, const char *b)
{
    char buf[256];

    if (b)
        snprintf(buf, sizeof buf, "%s.%s.%s", prefix, a, b);
    else
        snprintf(buf, sizeof buf, "%s.%s", prefix, a);
    p->spec->params[idx].name = mem_strdup(buf);
    if (!p->spec->params[idx].name) {
        p->nomem = 1;
        return SLM_ENOMEM;
    }
    return 0;
}

/* Checks lo > bound (strict) on both ends of params[idx]. */
static void check_above(struct parse *p, const struct cfg_node *map,
                        const char *key, size_t idx, double bound)
{
    const struct cost_param_def *pd = &p->spec->params[idx];
    const struct cfg_node *node = cfg_get(map, key);

    if (pd->given && !(pd->lo > bound)) {
        diag_error(p->d, node ? &node->pos : &map->pos,
                   "'%s' must be > %g, got %g", key, bound, pd->lo);
        p->bad = 1;
    }
}

static void parse_power(struct parse *p, const struct cfg_node *node,
                        const char *where)
{
    static const char *const keys[] = {"watts", "idle_watts", "per_kwh", "pue",
                                       "per_month"};
    struct cost_param_def *pr = p->spec->params;
    char w[64];

    snprintf(w, sizeof w, "%s.power", where);
    if (cfg_expect(node, CFG_MAP, "power", p->d) != 0 ||
        cfg_check_keys(node, w, keys, 5, p->d) != 0) {
        p->bad = 1;
        return;
    }
    if (cfg_get(node, "per_month")) {
        if (cfg_get(node, "watts") || cfg_get(node, "per_kwh")) {
            diag_error(p->d, cfg_key_pos(node, "per_month"),
                       "give either 'per_month' or 'watts' and 'per_kwh' "
                       "in %s, not both", w);
            p->bad = 1;
        }
        get_range(p, node, "per_month", w, CFG_NONNEG, 0,
                  COST_P_POWER_PER_MONTH);
        p->spec->power_declared = 1;
        return;
    }
    /* watts are the GPU's (costs.prices or the catalog); still read here
     * so cost_bind can say where they live now. */
    get_range(p, node, "watts", w, CFG_NONNEG, 0, COST_P_POWER_WATTS);
    /* Without idle_watts the draw does not depend on load (peak always):
     * the conservative choice, listed among the assumptions. */
    get_range(p, node, "idle_watts", w, CFG_NONNEG,
              pr[COST_P_POWER_WATTS].lo, COST_P_POWER_IDLE_WATTS);
    if (!pr[COST_P_POWER_IDLE_WATTS].given)
        pr[COST_P_POWER_IDLE_WATTS].hi = pr[COST_P_POWER_WATTS].hi;
    if (pr[COST_P_POWER_IDLE_WATTS].lo > pr[COST_P_POWER_WATTS].lo ||
        pr[COST_P_POWER_IDLE_WATTS].hi > pr[COST_P_POWER_WATTS].hi) {
        diag_error(p->d, cfg_key_pos(node, "idle_watts"),
                   "'idle_watts' must not exceed 'watts' in %s", w);
        p->bad = 1;
    }
    get_range(p, node, "per_kwh", w, CFG_REQUIRED | CFG_NONNEG, 0,
              COST_P_POWER_PER_KWH);
    get_range(p, node, "pue", w, CFG_POSITIVE, 1.0, COST_P_POWER_PUE);
    if (pr[COST_P_POWER_PUE].lo < 1.0) {
        diag_error(p->d, cfg_key_pos(node, "pue"),
                   "'pue' must be >= 1, got %g", pr[COST_P_POWER_PUE].lo);
        p->bad = 1;
    }
}

static void parse_pair(struct parse *p, const struct cfg_node *node,
                       const char *where, const char *name,
                       const char *const keys[2], size_t idx0, unsigned flags)
{
    char w[64];

    snprintf(w, sizeof w, "%s.%s", where, name);
    if (cfg_expect(node, CFG_MAP, name, p->d) != 0 ||
        cfg_check_keys(node, w, keys, 2, p->d) != 0) {
        p->bad = 1;
        return;
    }
    for (size_t i = 0; i < 2; i++)
        get_range(p, node, keys[i], w, flags | CFG_REQUIRED, 0, idx0 + i);
}

static void parse_capex_item(struct parse *p, const struct cfg_node *node,
                             size_t i)
{
    static const char *const keys[] = {"item", "price", "resale", "per"};
    static const char *const pers[] = {"gpu", "deployment"};
    struct cost_spec *spec = p->spec;
    struct cost_capex *c = &spec->capex[i];
    const char *item = NULL;
    char w[64];
    int per = 0;

    snprintf(w, sizeof w, "costs.capex[%zu]", i);
    c->pos = node->pos;
    c->price = COST_P_FIXED_COUNT + 2 * i;
    c->resale = c->price + 1;
    c->per_gpu = 1;
    if (cfg_expect(node, CFG_MAP, w, p->d) != 0 ||
        cfg_check_keys(node, w, keys, 4, p->d) != 0) {
        p->bad = 1;
        item = "?";
    } else if (cfg_get_string(node, "item", w, CFG_REQUIRED, &item, p->d) !=
               0) {
        p->bad = 1;
        item = "?";
    }
    c->item = mem_strdup(item);
    if (!c->item || set_name(p, c->price, "capex", item, "price") ||
        set_name(p, c->resale, "capex", item, "resale")) {
        p->nomem = 1;
        return;
    }
    if (node->kind != CFG_MAP)
        return;
    get_range(p, node, "price", w, CFG_REQUIRED | CFG_NONNEG, 0, c->price);
    get_range(p, node, "resale", w, CFG_NONNEG, 0, c->resale);
    if (spec->params[c->resale].hi > spec->params[c->price].lo &&
        spec->params[c->resale].given) {
        diag_error(p->d, cfg_key_pos(node, "resale"),
                   "'resale' must not exceed the lowest 'price' in %s", w);
        p->bad = 1;
    }
    if (cfg_get_enum(node, "per", w, 0, pers, 2, &per, p->d) < 0)
        p->bad = 1;
    c->per_gpu = per == 0;
}

/* costs.prices: {GPU: {gpu: 8000, server: 4000, ...}, ...}. */
static void parse_prices(struct parse *p, const struct cfg_node *node)
{
    struct cost_spec *spec = p->spec;

    if (cfg_expect(node, CFG_MAP, "costs.prices", p->d) != 0) {
        p->bad = 1;
        return;
    }
    if (node->n > COST_MAX_ITEMS) {
        diag_error(p->d, &node->pos, "too many entries in costs.prices: %zu "
                   "(at most %d)", node->n, COST_MAX_ITEMS);
        p->bad = 1;
        return;
    }
    spec->prices = mem_calloc(node->n ? node->n : 1, sizeof *spec->prices);
    if (!spec->prices) {
        p->nomem = 1;
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        struct cost_price *e = &spec->prices[i];
        const struct cfg_node *m = node->items[i];
        char w[128];
        spec->nprices++;
        e->pos = node->key_pos[i];
        if (!(e->gpu = mem_strdup(node->keys[i]))) {
            p->nomem = 1;
            return;
        }
        snprintf(w, sizeof w, "costs.prices.%s", e->gpu);
        if (cfg_expect(m, CFG_MAP, w, p->d) != 0 ||
            cfg_check_keys(m, w, cost_price_field_names, COST_PRICE_NFIELDS,
                           p->d) != 0) {
            p->bad = 1;
            continue;
        }
        for (int f = 0; f < COST_PRICE_NFIELDS; f++)
            get_range_def(p, m, cost_price_field_names[f], w,
                          f == COST_PRICE_GPUS_PER_SERVER ? CFG_POSITIVE
                                                          : CFG_NONNEG,
                          0, &e->f[f]);
        if (e->f[COST_PRICE_IDLE_W].given && e->f[COST_PRICE_PEAK_W].given &&
            e->f[COST_PRICE_IDLE_W].hi > e->f[COST_PRICE_PEAK_W].lo) {
            diag_error(p->d, &e->f[COST_PRICE_IDLE_W].pos,
                       "'idle_w' must not exceed 'peak_w' in %s", w);
            p->bad = 1;
        }
        if (e->f[COST_PRICE_POWER_PER_MONTH].given &&
            (e->f[COST_PRICE_PEAK_W].given || e->f[COST_PRICE_IDLE_W].given)) {
            diag_error(p->d, &e->f[COST_PRICE_POWER_PER_MONTH].pos,
                       "give either 'power_per_month' or 'peak_w'/'idle_w' "
                       "in %s, not both", w);
            p->bad = 1;
        }
        if (e->f[COST_PRICE_RESALE].given && e->f[COST_PRICE_GPU].given &&
            e->f[COST_PRICE_RESALE].hi > e->f[COST_PRICE_GPU].lo) {
            diag_error(p->d, &e->f[COST_PRICE_RESALE].pos,
                       "'resale' must not exceed the lowest 'gpu' price in "
                       "%s", w);
            p->bad = 1;
        }
    }
}

/* Counts capex and one-time items so the parameter array is sized once. */
static int count_items(const struct cfg_node *map, struct cost_spec *spec,
                       struct diag *d)
{
    const struct cfg_node *capex = cfg_get(map, "capex");
    const struct cfg_node *one = cfg_get(map, "one_time");

    if (capex && cfg_expect(capex, CFG_SEQ, "capex", d) != 0)
        return SLM_EINPUT;
    if (one && cfg_expect(one, CFG_MAP, "one_time", d) != 0)
        return SLM_EINPUT;
    spec->ncapex = capex ? capex->n : 0;
    spec->none_time = one ? one->n : 0;
    if (spec->ncapex > COST_MAX_ITEMS || spec->none_time > COST_MAX_ITEMS) {
        const struct cfg_node *big = spec->ncapex > COST_MAX_ITEMS ? capex
                                                                   : one;
        diag_error(d, &big->pos, "too many items in costs.%s: %zu (at most "
                   "%d)", big == capex ? "capex" : "one_time", big->n,
                   COST_MAX_ITEMS);
        return SLM_EINPUT;
    }
    return 0;
}

static int cost_alloc(struct cost_spec *spec)
{
    spec->first_one_time = COST_P_FIXED_COUNT + 2 * spec->ncapex;
    spec->nparams = spec->first_one_time + spec->none_time;
    spec->params = mem_calloc(spec->nparams, sizeof *spec->params);
    spec->capex = mem_calloc(spec->ncapex ? spec->ncapex : 1,
                             sizeof *spec->capex);
    if (!spec->params || !spec->capex)
        return SLM_ENOMEM;
    for (size_t i = 0; i < COST_P_FIXED_COUNT; i++) {
        spec->params[i].name = mem_strdup(fixed_names[i]);
        if (!spec->params[i].name)
            return SLM_ENOMEM;
    }
    return 0;
}

/* queries_per_month_per_gpu: a number or range, or "simulate" (the
 * caller finds it by simulation; the parameter stays 0, not given). */
static void parse_capacity(struct parse *p, const struct cfg_node *map,
                           const char *where)
{
    const struct cfg_node *node = cfg_get(map, "queries_per_month_per_gpu");
    double x;

    if (node && node->kind == CFG_SCALAR &&
        !strcmp(node->scalar, "simulate")) {
        p->spec->capacity_simulate = 1;
        return;
    }
    if (node && node->kind == CFG_SCALAR &&
        units_parse_number(node->scalar, &x) != 0) {
        diag_error(p->d, &node->pos,
                   "'queries_per_month_per_gpu' must be a number, a range "
                   "[low, high] or 'simulate', got '%s'", node->scalar);
        p->bad = 1;
        return;
    }
    get_range(p, map, "queries_per_month_per_gpu", where, CFG_POSITIVE, 0,
              COST_P_QUERIES_PER_GPU);
}

static void parse_scalars(struct parse *p, const struct cfg_node *map,
                          const char *where)
{
    static const char *const acct[] = {"expensed", "amortized"};
    struct cost_spec *spec = p->spec;
    long months = 36, amort = -1;
    int one = COST_ONE_TIME_EXPENSED;

    if (cfg_get_int(map, "months", where, 0, 1, COST_MAX_MONTHS, &months,
                    p->d) < 0 ||
        cfg_get_int(map, "amortization_months", where, 0, 1, COST_MAX_MONTHS,
                    &amort, p->d) < 0 ||
        cfg_get_enum(map, "one_time_accounting", where, 0, acct, 2, &one,
                     p->d) < 0)
        p->bad = 1;
    spec->months = (int)months;
    spec->amortization_months = amort > 0 ? (int)amort : (int)months;
    spec->one_time = (enum cost_one_time)one;
    get_range(p, map, "facility_per_month", where, CFG_NONNEG, 0,
              COST_P_FACILITY_PER_MONTH);
    get_range(p, map, "ops_per_month", where, CFG_NONNEG, 0,
              COST_P_OPS_PER_MONTH);
    get_range(p, map, "growth_per_month", where, 0, 0,
              COST_P_GROWTH_PER_MONTH);
    check_above(p, map, "growth_per_month", COST_P_GROWTH_PER_MONTH, -1.0);
    parse_capacity(p, map, where);
    get_range(p, map, "local_share", where, CFG_UNIT, (double)NAN,
              COST_P_LOCAL_SHARE);
    spec->params[COST_P_POWER_PUE].lo = spec->params[COST_P_POWER_PUE].hi = 1;
    spec->params[COST_P_GPUS_PER_SERVER].lo =
        spec->params[COST_P_GPUS_PER_SERVER].hi = 1;
}

static void parse_items(struct parse *p, const struct cfg_node *map)
{
    const struct cfg_node *capex = cfg_get(map, "capex");
    const struct cfg_node *one = cfg_get(map, "one_time");

    for (size_t i = 0; i < p->spec->ncapex && !p->nomem; i++)
        parse_capex_item(p, capex->items[i], i);
    for (size_t i = 0; i < p->spec->none_time && !p->nomem; i++) {
        size_t idx = p->spec->first_one_time + i;
        if (set_name(p, idx, "one_time", one->keys[i], NULL) != 0)
            return;
        get_range(p, one, one->keys[i], "costs.one_time", CFG_NONNEG, 0, idx);
    }
}

/* Positions outlive the document: those in it point at an owned copy of
 * its name ("--set" positions name a literal already). */
static void pos_keep(struct diag_pos *pos, const char *doc, const char *copy)
{
    if (pos->file == doc)
        pos->file = copy;
}

static int spec_keep_positions(struct cost_spec *spec, const char *doc)
{
    if (!doc)
        return 0;
    if (!(spec->file = mem_strdup(doc)))
        return SLM_ENOMEM;
    pos_keep(&spec->pos, doc, spec->file);
    for (size_t i = 0; i < spec->nparams; i++)
        pos_keep(&spec->params[i].pos, doc, spec->file);
    for (size_t i = 0; i < spec->ncapex; i++)
        pos_keep(&spec->capex[i].pos, doc, spec->file);
    for (size_t i = 0; i < spec->nprices; i++) {
        pos_keep(&spec->prices[i].pos, doc, spec->file);
        for (int f = 0; f < COST_PRICE_NFIELDS; f++)
            pos_keep(&spec->prices[i].f[f].pos, doc, spec->file);
    }
    return 0;
}

int cost_parse(const struct cfg_node *node, const char *where,
               struct cost_spec **out, struct diag *d)
{
    static const char *const keys[] = {
        "months", "amortization_months", "capex", "power",
        "facility_per_month", "ops_per_month", "one_time",
        "one_time_accounting", "growth_per_month",
        "queries_per_month_per_gpu", "api", "query", "local_share",
        "prices", "acquire"};
    static const char *const acquires[] = {"buy", "rent"};
    int acquire = COST_BUY;
    static const char *const api_keys[] = {"input_per_1m", "output_per_1m"};
    static const char *const query_keys[] = {"input_tokens", "output_tokens"};
    struct parse p = {0};
    const struct cfg_node *sub;

    *out = NULL;
    if (cfg_expect(node, CFG_MAP, where, d) != 0)
        return SLM_EINPUT;
    p.d = d;
    p.spec = mem_calloc(1, sizeof *p.spec);
    if (!p.spec)
        return SLM_ENOMEM;
    p.spec->pos = node->pos;
    if (cfg_check_keys(node, where, keys, sizeof keys / sizeof *keys, d))
        p.bad = 1;
    if (count_items(node, p.spec, d) != 0) {
        cost_spec_free(p.spec);
        return SLM_EINPUT;
    }
    if (cost_alloc(p.spec) != 0) {
        cost_spec_free(p.spec);
        return SLM_ENOMEM;
    }
    parse_scalars(&p, node, where);
    if ((sub = cfg_get(node, "power")))
        parse_power(&p, sub, where);
    if ((sub = cfg_get(node, "api")))
        parse_pair(&p, sub, where, "api", api_keys, COST_P_API_INPUT_PER_1M,
                   CFG_NONNEG);
    if ((sub = cfg_get(node, "query")))
        parse_pair(&p, sub, where, "query", query_keys, COST_P_INPUT_TOKENS,
                   CFG_NONNEG);
    parse_items(&p, node);
    if ((sub = cfg_get(node, "prices")) && !p.nomem)
        parse_prices(&p, sub);
    if (cfg_get_enum(node, "acquire", where, 0, acquires, 2, &acquire, d) < 0)
        p.bad = 1;
    p.spec->acquire = (enum cost_acquire)acquire;
    if (!p.nomem && !p.bad && spec_keep_positions(p.spec, node->pos.file))
        p.nomem = 1;
    if (p.nomem || p.bad) {
        cost_spec_free(p.spec);
        return p.nomem ? SLM_ENOMEM : SLM_EINPUT;
    }
    *out = p.spec;
    return 0;
}

void cost_spec_free(struct cost_spec *spec)
{
    if (!spec)
        return;
    for (size_t i = 0; spec->params && i < spec->nparams; i++)
        mem_free(spec->params[i].name);
    for (size_t i = 0; spec->capex && i < spec->ncapex; i++)
        mem_free(spec->capex[i].item);
    for (size_t i = 0; spec->prices && i < spec->nprices; i++)
        mem_free(spec->prices[i].gpu);
    mem_free(spec->prices);
    mem_free(spec->file);
    mem_free(spec->params);
    mem_free(spec->capex);
    mem_free(spec);
}

/* ---- binding to the system ---- */

/* The price-list entry for gpu (case ignored), or NULL. */
static const struct cost_price *bind_entry(const struct cost_spec *spec,
                                           const char *gpu)
{
    for (size_t i = 0; gpu && i < spec->nprices; i++)
        if (!strcasecmp(spec->prices[i].gpu, gpu))
            return &spec->prices[i];
    return NULL;
}

/* params[idx] = the entry's field when given, else the catalog's figure
 * (a point); renamed for the tornado and the assumptions. */
static int bind_param(struct cost_spec *spec, size_t idx,
                      const struct cost_price *e, int field,
                      const char *gpu, double catalog, const char *what)
{
    struct cost_param_def *pd = &spec->params[idx];
    char buf[160];

    if (e && e->f[field].given) {
        pd->lo = e->f[field].lo;
        pd->hi = e->f[field].hi;
        pd->pos = e->f[field].pos;
        snprintf(buf, sizeof buf, "prices.%s.%s", e->gpu,
                 cost_price_field_names[field]);
    } else {
        pd->lo = pd->hi = catalog;
        snprintf(buf, sizeof buf, "catalog %s %s", gpu, what);
    }
    pd->given = 1;
    mem_free(pd->name);
    pd->name = mem_strdup(buf);
    return pd->name ? 0 : SLM_ENOMEM;
}

/* The old places of figures that now come from the system: each a located
 * error saying where the figure lives now (never a silent second price). */
static int bind_refuse_old(const struct cost_spec *spec,
                           const struct cost_system *sys, struct diag *d)
{
    const struct cost_param_def *pr = spec->params;
    const char *gpu = sys->gpu ? sys->gpu : "GPU";
    int bad = 0;

    if (sys->has_api && (pr[COST_P_API_INPUT_PER_1M].given ||
                         pr[COST_P_API_OUTPUT_PER_1M].given)) {
        diag_error(d, &pr[COST_P_API_INPUT_PER_1M].pos,
                   "costs.api is no longer read: the API is priced from "
                   "backends.%s (its 'pricing' or 'preset'); move the "
                   "prices there", sys->api_backend);
        bad = 1;
    }
    for (size_t i = 0; i < spec->ncapex; i++)
        if (spec->capex[i].per_gpu) {
            diag_error(d, &spec->capex[i].pos,
                       "costs.capex item '%s' bought per GPU is no longer "
                       "read: GPU and server prices live in "
                       "costs.prices.%s (e.g. {gpu: 8000, server: 4000}) or "
                       "come from the catalog; keep capex for items bought "
                       "once (per: deployment)", spec->capex[i].item, gpu);
            bad = 1;
        }
    if (pr[COST_P_POWER_WATTS].given || pr[COST_P_POWER_IDLE_WATTS].given ||
        pr[COST_P_POWER_PER_MONTH].given) {
        const struct cost_param_def *at = pr[COST_P_POWER_WATTS].given
                                              ? &pr[COST_P_POWER_WATTS]
                                          : pr[COST_P_POWER_IDLE_WATTS].given
                                              ? &pr[COST_P_POWER_IDLE_WATTS]
                                              : &pr[COST_P_POWER_PER_MONTH];
        diag_error(d, &at->pos,
                   "costs.power.%s is no longer read: a GPU's watts come "
                   "from the catalog or costs.prices.%s (peak_w, idle_w, or "
                   "power_per_month); costs.power keeps per_kwh and pue",
                   at == &pr[COST_P_POWER_PER_MONTH] ? "per_month"
                   : at == &pr[COST_P_POWER_WATTS]   ? "watts"
                                                     : "idle_watts",
                   gpu);
        bad = 1;
    }
    return bad ? -1 : 0;
}

int cost_bind(struct cost_spec *spec, const struct cost_system *sys,
              struct diag *d)
{
    const struct cost_price *e;
    const char *gpu = sys->gpu;
    const struct diag_pos *at = &spec->pos;
    int st = 0;

    if (bind_refuse_old(spec, sys, d) != 0)
        return SLM_EINPUT;
    /* Without a gpu backend the local option is the price list's only
     * GPU, as the seed's arithmetic prices it. */
    if (!gpu && spec->nprices == 1)
        gpu = spec->prices[0].gpu;
    e = bind_entry(spec, gpu);
    snprintf(spec->gpu, sizeof spec->gpu, "%s", gpu ? gpu : "");
    spec->fleet = sys->gpus >= 1 ? sys->gpus : 1;
    spec->gpus_per_replica = sys->gpus_per_replica >= 1
                                 ? sys->gpus_per_replica
                                 : 1;
    if (gpu) {
        const struct cost_param_def *pm =
            e ? &e->f[COST_PRICE_POWER_PER_MONTH] : NULL;
        double price = sys->gpu ? sys->catalog_price : 0;
        if (spec->acquire == COST_BUY && !(e && e->f[COST_PRICE_GPU].given) &&
            !(price > 0)) {
            diag_error(d, e ? &e->pos : at,
                       "no price for GPU '%s': the catalog has none; give "
                       "costs.prices.%s.gpu", gpu, gpu);
            return SLM_EINPUT;
        }
        if (spec->acquire == COST_RENT &&
            !(e && e->f[COST_PRICE_RENT].given) && !(sys->catalog_rent > 0)) {
            diag_error(d, e ? &e->pos : at,
                       "costs.acquire is 'rent' but GPU '%s' has no rate: "
                       "give costs.prices.%s.rent_per_gpu_hour", gpu, gpu);
            return SLM_EINPUT;
        }
        st |= bind_param(spec, COST_P_GPU_PRICE, e, COST_PRICE_GPU, gpu,
                         spec->acquire == COST_BUY ? price : 0, "price");
        st |= bind_param(spec, COST_P_GPU_RESALE, e, COST_PRICE_RESALE, gpu,
                         0, "resale (none)");
        st |= bind_param(spec, COST_P_SERVER_PRICE, e, COST_PRICE_SERVER,
                         gpu, 0, "server (none)");
        st |= bind_param(spec, COST_P_GPUS_PER_SERVER, e,
                         COST_PRICE_GPUS_PER_SERVER, gpu, 1,
                         "GPUs per server");
        st |= bind_param(spec, COST_P_RENT_PER_GPU_HOUR, e, COST_PRICE_RENT,
                         gpu, sys->catalog_rent, "rent per GPU-hour");
        if (pm && pm->given) {
            spec->power_declared = 1;
            st |= bind_param(spec, COST_P_POWER_PER_MONTH, e,
                             COST_PRICE_POWER_PER_MONTH, gpu, 0, "power");
        } else {
            spec->power_declared = 0;
            st |= bind_param(spec, COST_P_POWER_WATTS, e, COST_PRICE_PEAK_W,
                             gpu, sys->catalog_tdp, "TDP");
            st |= bind_param(spec, COST_P_POWER_IDLE_WATTS, e,
                             COST_PRICE_IDLE_W, gpu,
                             sys->catalog_idle > 0 ? sys->catalog_idle
                                                   : sys->catalog_tdp,
                             "idle watts");
            if (spec->params[COST_P_POWER_IDLE_WATTS].hi >
                spec->params[COST_P_POWER_WATTS].lo) {
                diag_error(d, e ? &e->pos : at,
                           "idle watts of GPU '%s' exceed its peak watts",
                           gpu);
                return SLM_EINPUT;
            }
        }
        if (!spec->power_declared && spec->acquire == COST_BUY &&
            !spec->params[COST_P_POWER_PER_KWH].given) {
            diag_error(d, at, "the watts of GPU '%s' need a price: give "
                       "costs.power.per_kwh (or costs.prices.%s."
                       "power_per_month)", gpu, gpu);
            return SLM_EINPUT;
        }
        if (spec->acquire == COST_RENT) {
            spec->params[COST_P_GPU_PRICE].lo = 0;
            spec->params[COST_P_GPU_PRICE].hi = 0;
            spec->params[COST_P_SERVER_PRICE].lo = 0;
            spec->params[COST_P_SERVER_PRICE].hi = 0;
            spec->params[COST_P_GPU_RESALE].lo = 0;
            spec->params[COST_P_GPU_RESALE].hi = 0;
        }
        spec->power_from_list = e && (e->f[COST_PRICE_PEAK_W].given ||
                                      e->f[COST_PRICE_POWER_PER_MONTH].given);
        snprintf(spec->basis_gpu, sizeof spec->basis_gpu, "%s%s",
                 e ? "costs.prices." : "catalog ", e ? e->gpu : gpu);
    } else {
        snprintf(spec->basis_gpu, sizeof spec->basis_gpu,
                 "none: no gpu backend and no single costs.prices entry");
    }
    spec->api_from_backend = sys->has_api;
    if (sys->has_api) {
        struct cost_param_def *pi = &spec->params[COST_P_API_INPUT_PER_1M];
        struct cost_param_def *po = &spec->params[COST_P_API_OUTPUT_PER_1M];
        pi->lo = pi->hi = sys->api_input_per_1m;
        po->lo = po->hi = sys->api_output_per_1m;
        pi->given = po->given = 1;
        spec->has_api_price = 1;
        snprintf(spec->basis_api, sizeof spec->basis_api,
                 "backends.%s%s%s", sys->api_backend,
                 sys->api_preset ? " preset " : " pricing",
                 sys->api_preset ? sys->api_preset : "");
    } else {
        spec->has_api_price =
            spec->params[COST_P_API_INPUT_PER_1M].given;
        snprintf(spec->basis_api, sizeof spec->basis_api, "%s",
                 spec->has_api_price
                     ? "costs.api (no api backend: the API option as "
                       "declared)"
                     : "none: no api backend and no costs.api");
    }
    spec->bound = 1;
    return st ? SLM_ENOMEM : 0;
}

size_t cost_ranged_count(const struct cost_spec *spec)
{
    size_t n = 0;

    for (size_t i = 0; i < spec->nparams; i++)
        n += spec->params[i].lo < spec->params[i].hi;
    return n;
}

void cost_values(const struct cost_spec *spec, enum cost_pick pick,
                 double *v)
{
    for (size_t i = 0; i < spec->nparams; i++) {
        const struct cost_param_def *pd = &spec->params[i];
        v[i] = pick == COST_PICK_LO   ? pd->lo
               : pick == COST_PICK_HI ? pd->hi
                                      : pd->lo + (pd->hi - pd->lo) / 2;
    }
}

void cost_inputs_simulated(const struct cost_inputs *nominal,
                           const struct cost_sim *sim,
                           struct cost_inputs *out)
{
    *out = *nominal;
    out->simulated = 1;
    if (sim->queries > 0)
        out->volume = sim->queries;
    if (sim->api_queries > 0) {
        out->input_tokens = sim->api_input_tokens / sim->api_queries;
        out->output_tokens = sim->api_output_tokens / sim->api_queries;
        /* A hybrid's API sees only its share of the tasks: the all-API
         * option keeps the workload's own mix. */
        if (sim->local_queries > 0 &&
            !(nominal->all_api_input_tokens > 0 ||
              nominal->all_api_output_tokens > 0)) {
            out->all_api_input_tokens = nominal->input_tokens;
            out->all_api_output_tokens = nominal->output_tokens;
        }
    }
    /* Utilisation per unit of per-GPU load: first order in load, which
     * continuous batching bends (busy time grows slower than load). */
    if (sim->local_queries > 0 && sim->local_gpus > 0)
        out->util_per_query = sim->local_utilization /
                              (sim->local_queries / sim->local_gpus);
    /* Shares of the arrivals each side served: they add up to more than
     * one when a query can be paid on both sides (confidence fallback). */
    if (sim->local_queries > 0 && sim->api_queries > 0 && sim->queries > 0) {
        out->local_share = sim->local_queries / sim->queries;
        out->api_share = sim->api_queries / sim->queries;
        if (out->local_share > 1)
            out->local_share = 1;
    }
}

/* ---- one month of one option ---- */

/* The parameter values and inputs reduced to what a month needs. */
struct model {
    double capacity;       /* queries/month per GPU; INFINITY: unknown */
    double util_per_query; /* 0: full load */
    double gpu_price, gpu_charge; /* per-GPU items: price, monthly charge */
    double gpu_resale;
    double gpu_monthly;    /* per GPU: facility, or rent */
    double dep_price, dep_charge, dep_resale; /* per-deployment items */
    double one_time;       /* sum of one-time items */
    double api_per_query;  /* dollars, a query the hybrid sends the API */
    double api_all_per_query; /* dollars, a query of the all-API option */
    double share[COST_NOPTIONS]; /* share of queries served locally */
    double api_share[COST_NOPTIONS]; /* share of queries billed */
    double fleet, step;    /* GPUs at least; steps of growth */
    int fixed;             /* exactly fleet GPUs */
    int rented;            /* no capex, no power, no facility: the rent */
    const double *v;
    int declared_power;
    int amort;
};

static void model_init(struct model *m, const struct cost_spec *spec,
                       const double *v, const struct cost_inputs *in)
{
    double tin = in->input_tokens, tout = in->output_tokens;
    double share = in->local_share, api_share = in->api_share;
    double gps = v[COST_P_GPUS_PER_SERVER] >= 1 ? v[COST_P_GPUS_PER_SERVER]
                                                : 1;

    memset(m, 0, sizeof *m);
    m->v = v;
    m->amort = spec->amortization_months;
    m->declared_power = spec->power_declared;
    m->rented = spec->acquire == COST_RENT;
    m->capacity = in->capacity > 0                     ? in->capacity
                  : v[COST_P_QUERIES_PER_GPU] > 0 ? v[COST_P_QUERIES_PER_GPU]
                                                   : (double)INFINITY;
    m->util_per_query = in->util_per_query > 0 ? in->util_per_query
                        : isfinite(m->capacity) ? 1.0 / m->capacity
                                                : 0;
    for (size_t i = 0; i < spec->ncapex; i++) {
        const struct cost_capex *c = &spec->capex[i];
        double price = v[c->price], resale = v[c->resale];
        if (c->per_gpu) {
            m->gpu_price += price;
            m->gpu_resale += resale;
        } else {
            m->dep_price += price;
            m->dep_resale += resale;
        }
    }
    /* A server's price is spread over the GPUs it holds. */
    m->gpu_price += v[COST_P_GPU_PRICE] + v[COST_P_SERVER_PRICE] / gps;
    m->gpu_resale += v[COST_P_GPU_RESALE];
    m->gpu_charge = (m->gpu_price - m->gpu_resale) / m->amort;
    m->dep_charge = (m->dep_price - m->dep_resale) / m->amort;
    m->gpu_monthly = m->rented
                         ? v[COST_P_RENT_PER_GPU_HOUR] * HOURS_PER_MONTH
                         : v[COST_P_FACILITY_PER_MONTH];
    for (size_t i = 0; i < spec->none_time; i++)
        m->one_time += v[spec->first_one_time + i];
    if (!in->simulated) {
        if (spec->params[COST_P_INPUT_TOKENS].given)
            tin = v[COST_P_INPUT_TOKENS];
        if (spec->params[COST_P_OUTPUT_TOKENS].given)
            tout = v[COST_P_OUTPUT_TOKENS];
        if (spec->params[COST_P_LOCAL_SHARE].given) {
            share = v[COST_P_LOCAL_SHARE];
            api_share = 0;
        }
    }
    m->api_per_query = (tin * v[COST_P_API_INPUT_PER_1M] +
                        tout * v[COST_P_API_OUTPUT_PER_1M]) / 1e6;
    m->api_all_per_query = m->api_per_query;
    /* costs.query declares the tokens of every API query, all-API too. */
    if ((in->all_api_input_tokens > 0 || in->all_api_output_tokens > 0) &&
        (in->simulated || !(spec->params[COST_P_INPUT_TOKENS].given ||
                            spec->params[COST_P_OUTPUT_TOKENS].given)))
        m->api_all_per_query =
            (in->all_api_input_tokens * v[COST_P_API_INPUT_PER_1M] +
             in->all_api_output_tokens * v[COST_P_API_OUTPUT_PER_1M]) / 1e6;
    if (spec->bound && !spec->has_api_price) {
        m->api_per_query = (double)NAN;
        m->api_all_per_query = (double)NAN;
    }
    m->share[COST_LOCAL] = 1;
    m->share[COST_API] = 0;
    m->share[COST_HYBRID] = share;
    m->api_share[COST_LOCAL] = 0;
    m->api_share[COST_API] = 1;
    m->api_share[COST_HYBRID] = api_share > 0 ? api_share : 1 - share;
    m->fleet = in->fleet >= 1 ? in->fleet : 1;
    m->step = in->gpu_step >= 1 ? in->gpu_step : 1;
    m->fixed = in->fixed;
}

/* GPUs in service for local_volume queries/month at the SLO: the fleet as
 * declared, or at least it and enough for the volume, in whole steps. */
static int model_gpus_needed(const struct model *m, double local_volume)
{
    double n;

    if (m->fixed || !isfinite(m->capacity) || local_volume <= 0)
        return (int)m->fleet;
    /* The tolerance keeps 8.6e6 / 8.6e6 at one GPU despite rounding. */
    n = ceil(local_volume / m->capacity * (1 - 1e-12));
    if (n > m->fleet)
        n = m->fleet + ceil((n - m->fleet) / m->step * (1 - 1e-12)) * m->step;
    if (n < m->fleet)
        n = m->fleet;
    return n < 1 ? 1 : n > 1e9 ? 1000000000 : (int)n;
}

/* Power for n GPUs serving local_volume queries/month, dollars/month:
 * (idle + (peak - idle) u) W * PUE * price/kWh * 730.5 h each.  Rented
 * GPUs' power is in the rent. */
static double model_power(const struct model *m, int n, double local_volume)
{
    const double *v = m->v;
    double u, watts;

    if (n <= 0 || m->rented)
        return 0;
    if (m->declared_power)
        return n * v[COST_P_POWER_PER_MONTH];
    u = m->util_per_query > 0 ? local_volume / n * m->util_per_query : 1;
    if (u > 1)
        u = 1;
    watts = v[COST_P_POWER_IDLE_WATTS] +
            (v[COST_P_POWER_WATTS] - v[COST_P_POWER_IDLE_WATTS]) * u;
    return n * watts / 1000 * v[COST_P_POWER_PUE] * v[COST_P_POWER_PER_KWH] *
           HOURS_PER_MONTH;
}

/* Dollars per API query of option o. */
static double model_api_per_query(const struct model *m, enum cost_option o)
{
    return o == COST_API ? m->api_all_per_query : m->api_per_query;
}

/* API spend of option o at volume, dollars/month (0 when nothing billed,
 * whatever the price). */
static double model_api(const struct model *m, enum cost_option o,
                        double volume)
{
    double q = volume * m->api_share[o];

    return q > 0 ? q * model_api_per_query(m, o) : 0;
}

/* Steady month with n GPUs (n = 0: nothing local), capex as its charge. */
static double model_steady(const struct model *m, enum cost_option o,
                           double volume, int n, int with_one_time)
{
    double share = m->share[o], local = volume * share, c = 0;

    if (share > 0 && n > 0) {
        c += n * m->gpu_charge + m->dep_charge + model_power(m, n, local) +
             n * m->gpu_monthly + m->v[COST_P_OPS_PER_MONTH];
        if (with_one_time)
            c += m->one_time / m->amort;
    }
    return c + model_api(m, o, volume);
}

double cost_monthly_at(const struct cost_spec *spec, const double *v,
                       const struct cost_inputs *in, enum cost_option option,
                       double volume, int with_one_time, int *gpus)
{
    struct model m;
    double share;
    int n;

    model_init(&m, spec, v, in);
    share = m.share[option];
    if (!(share >= 0) || !(m.api_share[option] >= 0))
        return (double)NAN;
    n = share > 0 ? model_gpus_needed(&m, volume * share) : 0;
    if (gpus)
        *gpus = n;
    return model_steady(&m, option, volume, n, with_one_time);
}

/* ---- the table ---- */

/* One option's deployment over the months: units bought per month. */
struct fleet {
    int n;
    int *bought; /* months + 1 entries; index = month of purchase */
};

static void tco_month(const struct model *m, const struct cost_spec *spec,
                      enum cost_option o, struct fleet *fl,
                      struct cost_month *row)
{
    int mo = row->month, a = m->amort, need, add = 0;
    double share = m->share[o], local = row->volume * share;
    double charge = 0, cash = 0;

    if (share > 0) {
        need = model_gpus_needed(m, local);
        if (need > fl->n)
            add = need - fl->n;
        fl->n += add;
        fl->bought[mo] = add;
        /* Each cohort is charged for a months from its purchase; its resale
         * comes back (cash) in its last amortisation month. */
        for (int b = 1; b <= mo; b++) {
            if (mo - b < a)
                charge += fl->bought[b] * m->gpu_charge;
            if (mo - b == a - 1)
                cash -= fl->bought[b] * m->gpu_resale;
        }
        charge += mo <= a ? m->dep_charge : 0;
        cash += add * m->gpu_price + (mo == 1 ? m->dep_price : 0) -
                (mo == a ? m->dep_resale : 0);
        row->gpus[o] = fl->n;
        row->power[o] = model_power(m, fl->n, local);
        row->opex[o] = row->power[o] + fl->n * m->gpu_monthly +
                       m->v[COST_P_OPS_PER_MONTH];
        if (spec->one_time == COST_ONE_TIME_EXPENSED)
            row->one_time[o] = mo == 1 ? m->one_time : 0;
        else
            row->one_time[o] = mo <= a ? m->one_time / a : 0;
    }
    row->capex[o] = charge;
    row->api[o] = model_api(m, o, row->volume);
    row->total[o] = charge + row->opex[o] + row->one_time[o] + row->api[o];
    /* Cash sees amortised one-time costs as paid up front too. */
    row->cash[o] = cash + row->opex[o] + row->api[o] +
                   (mo == 1 && share > 0 ? m->one_time : 0);
}

int cost_tco_compute(const struct cost_spec *spec, const double *v,
                     const struct cost_inputs *in, struct cost_tco *t)
{
    struct fleet fl[COST_NOPTIONS] = {{0, NULL}};
    struct model m;
    double growth = v[COST_P_GROWTH_PER_MONTH];
    int months = spec->months, status = 0;

    memset(t, 0, sizeof *t);
    model_init(&m, spec, v, in);
    t->months = months;
    t->has_hybrid = m.share[COST_HYBRID] >= 0 && m.share[COST_HYBRID] <= 1;
    t->m = mem_calloc((size_t)months, sizeof *t->m);
    for (int o = 0; o < COST_NOPTIONS; o++)
        if (!(fl[o].bought = mem_calloc((size_t)months + 1, sizeof(int))))
            status = SLM_ENOMEM;
    if (!t->m || status) {
        for (int o = 0; o < COST_NOPTIONS; o++)
            mem_free(fl[o].bought);
        cost_tco_fini(t);
        return SLM_ENOMEM;
    }
    for (int i = 0; i < months; i++) {
        struct cost_month *row = &t->m[i];
        row->month = i + 1;
        row->volume = in->volume * pow(1 + growth, i);
        for (int o = 0; o < COST_NOPTIONS; o++) {
            if (o == COST_HYBRID && !t->has_hybrid)
                continue;
            tco_month(&m, spec, (enum cost_option)o, &fl[o], row);
            row->cum[o] = (i ? t->m[i - 1].cum[o] : 0) + row->total[o];
            row->cum_cash[o] = (i ? t->m[i - 1].cum_cash[o] : 0) +
                               row->cash[o];
        }
        for (int o = 0; o < COST_NOPTIONS; o++)
            if (o != COST_API && (o != COST_HYBRID || t->has_hybrid) &&
                !t->break_even_month[o] &&
                row->cum_cash[o] <= row->cum_cash[COST_API])
                t->break_even_month[o] = i + 1;
    }
    for (int o = 0; o < COST_NOPTIONS; o++) {
        const struct cost_month *r1 = &t->m[0];
        t->tco[o] = t->m[months - 1].cum[o];
        t->tco_cash[o] = t->m[months - 1].cum_cash[o];
        t->per_1k_queries[o] =
            r1->volume > 0 ? (r1->capex[o] + r1->opex[o] + r1->api[o]) /
                                 r1->volume * 1000
                           : (double)NAN;
        mem_free(fl[o].bought);
    }
    if (!t->has_hybrid) {
        t->tco[COST_HYBRID] = t->tco_cash[COST_HYBRID] = (double)NAN;
        t->per_1k_queries[COST_HYBRID] = (double)NAN;
    }
    return 0;
}

void cost_tco_fini(struct cost_tco *t)
{
    mem_free(t->m);
    t->m = NULL;
}

/* ---- crossover ---- */

static void crossing_add(struct cost_crossover *out, double volume, int gpus,
                         int cheaper_above)
{
    if (out->n == COST_MAX_CROSSINGS) {
        out->truncated = 1;
        return;
    }
    out->c[out->n].volume = volume;
    out->c[out->n].gpus = gpus;
    out->c[out->n].cheaper_above = cheaper_above;
    out->n++;
}

/* Local minus API at volume x with n GPUs. */
static double crossing_diff(const struct model *m, enum cost_option o,
                            double x, int n, int with_one_time)
{
    return model_steady(m, o, x, n, with_one_time) -
           model_steady(m, COST_API, x, 0, 0);
}

/* Within [x0, x1] at n GPUs: the pieces are linear except where the
 * utilisation reaches 1 (power stops growing), so split there and solve
 * each piece exactly. */
static void crossing_segment(const struct model *m, double share,
                             enum cost_option option, double x0, double x1,
                             int n, int with_one_time,
                             struct cost_crossover *out)
{
    double pts[3] = {x0, x1, x1};
    int np = 2;

    if (!m->declared_power && m->util_per_query > 0) {
        double knee = n / (share * m->util_per_query);
        if (knee > x0 && knee < x1) {
            pts[1] = knee;
            np = 3;
        }
    }
    for (int i = 0; i + 1 < np; i++) {
        double a = pts[i], b = pts[i + 1];
        double da = crossing_diff(m, option, a, n, with_one_time);
        double db = crossing_diff(m, option, b, n, with_one_time);
        if ((da > 0) != (db > 0)) {
            double x = da == db ? a : a - da * (b - a) / (db - da);
            crossing_add(out, x < a ? a : x > b ? b : x, n,
                         db > 0 ? COST_API : (int)option);
        }
    }
}

/*
 * The GPU counts the crossover search walks: segment j holds the volumes
 * model_gpus_needed() serves with n_j = fleet + j step GPUs, (x0_j, x1_j]
 * with x1_j = n_j cap / share (segment 0 starts at 0); a fixed fleet, or
 * an unknown capacity, is one segment.  Past n = 1e9 GPUs
 * (model_gpus_needed's ceiling) the search stops, truncated.
 */
struct crossing_walk {
    const struct model *m;
    enum cost_option option;
    int with_one_time;
    double share;
    double per_gpu;  /* volume one GPU serves: cap / share; INFINITY: one
                        segment */
    double a;        /* GPU-utilisation units per query: power stops
                        growing where a x reaches n; 0 when it never does */
    double max_volume;
    long last;       /* index of the segment that reaches max_volume */
    struct cost_crossover *out;
};

static double crossing_n(const struct crossing_walk *w, long j)
{
    return w->m->fleet + (double)j * w->m->step;
}

static double crossing_x0(const struct crossing_walk *w, long j)
{
    return j == 0 ? 0 : (crossing_n(w, j) - w->m->step) * w->per_gpu;
}

static double crossing_x1(const struct crossing_walk *w, long j)
{
    double x = j == w->last ? w->max_volume : crossing_n(w, j) * w->per_gpu;

    return x > w->max_volume ? w->max_volume : x;
}

/* Segment j, and the step to segment j + 1 when there is one: a new GPU's
 * step can carry the local side past the API's. */
static void crossing_visit(const struct crossing_walk *w, long j)
{
    int n = (int)crossing_n(w, j);
    double x1 = crossing_x1(w, j);

    crossing_segment(w->m, w->share, w->option, crossing_x0(w, j), x1, n,
                     w->with_one_time, w->out);
    if (j == w->last || w->out->truncated)
        return;
    int n1 = (int)crossing_n(w, j + 1);
    double before = crossing_diff(w->m, w->option, x1, n, w->with_one_time);
    double after = crossing_diff(w->m, w->option, x1, n1, w->with_one_time);
    if ((before > 0) != (after > 0))
        crossing_add(w->out, x1, n1, after > 0 ? COST_API : (int)w->option);
}

/*
 * Whether segments ja..jb (0 < ja <= jb < last) can hold no crossing,
 * known from the ends alone.  On a segment, local minus API is linear in
 * the volume but for min(a x, n) in the power (concave: one knee, where
 * utilisation reaches 1), so its sign is set by the segment's two ends
 * and the knee.  Over segments, the value at each end (x0_j or x1_j, with
 * n_j GPUs) and at the knee (x = n_j / a) is linear in j as long as
 * a x - n_j keeps its sign there, itself linear in j.  So when those signs
 * agree at ja and jb + 1 (the next segment's start is the step's other
 * side), each family is linear over the block, and values of one sign at
 * both ends of every family leave no crossing inside or at a step.
 */
static int crossing_quiet(const struct crossing_walk *w, long ja, long jb)
{
    long js[2] = {ja, jb};
    int knee[2], sign = -1;

    for (int e = 0; e < 2; e++) {
        double n = crossing_n(w, js[e]), x1 = crossing_x1(w, js[e]);
        double n0 = crossing_n(w, js[e] + e), x0 = crossing_x0(w, js[e] + e);
        double x0_own = crossing_x0(w, js[e]);
        double d[3];
        int nd = 2;

        knee[e] = (w->a * x0_own < n) + 2 * (w->a * x1 < n) +
                  4 * (w->a * x0 < n0);
        d[0] = crossing_diff(w->m, w->option, x0, (int)n0, w->with_one_time);
        d[1] = crossing_diff(w->m, w->option, x1, (int)n, w->with_one_time);
        if (w->a > 0 && w->a * x0_own < n && w->a * x1 > n)
            d[nd++] = crossing_diff(w->m, w->option, n / w->a, (int)n,
                                    w->with_one_time);
        for (int i = 0; i < nd; i++) {
            if (sign < 0)
                sign = d[i] > 0;
            else if ((d[i] > 0) != sign)
                return 0;
        }
    }
    return knee[0] == knee[1];
}

/* Segments ja..jb (0 < ja, jb < last) in increasing volume, whole blocks
 * skipped when quiet: a walk of thousands of GPU counts becomes a few
 * dozen evaluations per crossing. */
static void crossing_range(const struct crossing_walk *w, long ja, long jb)
{
    while (ja <= jb && !w->out->truncated) {
        if (jb - ja < 8) {
            crossing_visit(w, ja++);
            continue;
        }
        if (crossing_quiet(w, ja, jb))
            return;
        long mid = ja + (jb - ja) / 2;
        crossing_range(w, ja, mid);
        ja = mid + 1;
    }
}

void cost_crossover_find(const struct cost_spec *spec, const double *v,
                         const struct cost_inputs *in, enum cost_option option,
                         int with_one_time, double max_volume,
                         struct cost_crossover *out)
{
    struct model m;
    struct crossing_walk w;

    assert(option == COST_LOCAL || option == COST_HYBRID);
    memset(out, 0, sizeof *out);
    model_init(&m, spec, v, in);
    w.m = &m;
    w.option = option;
    w.with_one_time = with_one_time;
    w.share = m.share[option];
    w.out = out;
    w.max_volume = max_volume;
    if (!(w.share > 0) || !(max_volume > 0))
        return;
    w.per_gpu = isfinite(m.capacity) && !m.fixed ? m.capacity / w.share
                                                 : (double)INFINITY;
    w.a = m.declared_power || m.rented || !(m.util_per_query > 0)
              ? 0
              : w.share * m.util_per_query;
    w.last = 0;
    if (isfinite(w.per_gpu)) {
        double j = ceil((max_volume / w.per_gpu - m.fleet) / m.step);
        double jmax = floor((1e9 - m.fleet) / m.step);
        if (j > jmax) {
            /* The largest fleet counted: the search ends there. */
            w.max_volume = crossing_n(&w, (long)jmax) * w.per_gpu;
            j = jmax;
            out->truncated = 1;
        }
        w.last = j > 0 ? (long)j : 0;
    }
    int truncated = out->truncated;
    out->truncated = 0;
    crossing_visit(&w, 0);
    if (w.last > 0) {
        crossing_range(&w, 1, w.last - 1);
        if (!out->truncated)
            crossing_visit(&w, w.last);
    }
    out->truncated |= truncated;
}

/* ---- ranges ---- */

int cost_bounds(const struct cost_spec *spec, cost_metric_fn *fn, void *ctx,
                double *lo, double *hi)
{
    size_t np = spec->nparams, nr = 0;
    double *v = mem_alloc(np * sizeof *v);
    double *vl = mem_alloc(np * sizeof *v);
    size_t *idx = mem_alloc((np ? np : 1) * sizeof *idx);
    int status = 0;

    *lo = *hi = (double)NAN;
    if (!v || !vl || !idx) {
        status = SLM_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < np; i++)
        if (spec->params[i].lo < spec->params[i].hi)
            idx[nr++] = i;
    cost_values(spec, COST_PICK_MID, v);
    if (nr <= COST_MAX_CORNER_PARAMS) {
        /* Every corner of the box: exact for functions monotone in each
         * input, which every cost figure here is. */
        for (unsigned long mask = 0; mask < (1ul << nr); mask++) {
            for (size_t j = 0; j < nr; j++) {
                const struct cost_param_def *pd = &spec->params[idx[j]];
                v[idx[j]] = mask >> j & 1 ? pd->hi : pd->lo;
            }
            double x = fn(spec, v, ctx);
            if (isnan(x))
                continue;
            if (isnan(*lo) || x < *lo)
                *lo = x;
            if (isnan(*hi) || x > *hi)
                *hi = x;
        }
        goto done;
    }
    /* Too many corners: move each input alone to the end that lowers the
     * figure, then all together (and the same for raising it). */
    memcpy(vl, v, np * sizeof *v);
    for (size_t j = 0; j < nr; j++) {
        const struct cost_param_def *pd = &spec->params[idx[j]];
        double mid = v[idx[j]], a, b;
        v[idx[j]] = pd->lo;
        a = fn(spec, v, ctx);
        v[idx[j]] = pd->hi;
        b = fn(spec, v, ctx);
        v[idx[j]] = mid;
        vl[idx[j]] = a <= b ? pd->lo : pd->hi;
    }
    *lo = fn(spec, vl, ctx);
    for (size_t j = 0; j < nr; j++) {
        const struct cost_param_def *pd = &spec->params[idx[j]];
        vl[idx[j]] = vl[idx[j]] == pd->lo ? pd->hi : pd->lo;
    }
    *hi = fn(spec, vl, ctx);
    if (*lo > *hi) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
done:
    mem_free(v);
    mem_free(vl);
    mem_free(idx);
    return status;
}

static int sensitivity_cmp(const void *a, const void *b)
{
    const struct cost_sensitivity *x = a, *y = b;

    if (x->swing != y->swing)
        return x->swing < y->swing ? 1 : -1;
    return x->param < y->param ? -1 : x->param > y->param;
}

int cost_sensitivity_rank(const struct cost_spec *spec, cost_metric_fn *fn,
                          void *ctx, double *base,
                          struct cost_sensitivity *out, size_t *n)
{
    double *v = mem_alloc((spec->nparams ? spec->nparams : 1) * sizeof *v);

    *n = 0;
    if (!v)
        return SLM_ENOMEM;
    cost_values(spec, COST_PICK_MID, v);
    *base = fn(spec, v, ctx);
    for (size_t i = 0; i < spec->nparams; i++) {
        const struct cost_param_def *pd = &spec->params[i];
        double mid = v[i];
        struct cost_sensitivity *s = &out[*n];
        if (!(pd->lo < pd->hi))
            continue;
        s->param = i;
        v[i] = pd->lo;
        s->at_lo = fn(spec, v, ctx);
        v[i] = pd->hi;
        s->at_hi = fn(spec, v, ctx);
        v[i] = mid;
        s->swing = fabs(s->at_hi - s->at_lo);
        if (isnan(s->swing))
            s->swing = 0;
        (*n)++;
    }
    qsort(out, *n, sizeof *out, sensitivity_cmp);
    mem_free(v);
    return 0;
}
