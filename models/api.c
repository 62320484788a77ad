#include "models/api.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/mem.h"
#include "sim/units.h"

/* ---- presets ----
 * Prices: OpenAI list prices per 1M tokens, as collected in
 * kunishou/GenerativeAI-Cost (README) and artificialanalysis.ai/models.
 * Rate limits by tier: OpenAI's tier pages, mid/late 2024 snapshot stored in
 * openai/openai-cookbook examples/data/oai_docs/tier-{one..five}.txt.
 * Latency: artificialanalysis.ai 14-day medians of TTFT and output speed
 * (gpt-4 early 2024: 0.59 s, 19.2 tok/s; gpt-4o-2024-05-13 on OpenAI:
 * 0.39 s, 81 tok/s; gpt-3.5-turbo: 0.46 s, 60 tok/s); gpt-4-turbo's speed
 * from the OpenAI community forum, "Gpt-4o tokens per second comparable to
 * gpt-3.5-turbo", May 2024 (mean 35.7, sd 3.3, n = 8), its TTFT assumed
 * 0.5 s.  The TTFT p99 of 2 s is an assumption (the seed claims an
 * end-to-end P99 of 2-5 s); decode-rate spreads (cv) are assumptions except
 * gpt-4-turbo's (3.3/35.7) and gpt-4o's (14.5/63.3, same forum post).
 * Availability 0.9987 with mean outage 6.25 h is derived from the three
 * largest incidents of 2023-2025 (about 18.75 h in 19 months; OpenAI status
 * page postmortems), an upper bound on real availability.
 * Retry: the OpenAI cookbook's "How to handle rate limits" recipe,
 * stop_after_attempt(6) with wait_random_exponential(min=1, max=60): six
 * attempts, 1 s base, 60 s cap, full jitter.
 * Batch variants ("-batch"): "The Batch API is billed at a 50% discount with
 * up to a 24 hour turnaround" (OpenAI community forum thread "gpt-4o rate
 * limits being 30k TPM and 90k TPD", post 1028595/2; hivebook.wiki
 * openai-api-rate-limits).  Every price is the synchronous model's halved.
 * OpenAI publishes only the 24 h ceiling, not a distribution, so the
 * turnaround, modelled as the TTFT, is an assumption: lognormal with a
 * median of 1 h and its P99 at the 24 h ceiling.  Decode speed, limits and
 * availability are the synchronous model's (assumed; the batch queue limits
 * are not modelled). */

#define API_TIERS 5

struct api_preset {
    const char *name;
    double input_per_1m, output_per_1m, cached_input_per_1m;
    double rpm[API_TIERS], tpm[API_TIERS];
    double ttft_median;          /* s */
    double ttft_p99;             /* s; 0 means API_TTFT_P99 */
    double speed_mean, speed_cv; /* tokens per second */
};

#define API_BATCH_TTFT_MEDIAN (1.0 * UNITS_HOUR) /* assumed */
#define API_BATCH_TTFT_P99 (24.0 * UNITS_HOUR)   /* the published ceiling */

static const struct api_preset api_presets[] = {
    {"gpt-4", 30.0, 60.0, 30.0,
     {500, 5000, 5000, 10000, 10000},
     {10000, 40000, 80000, 300000, 300000}, 0.59, 0, 19.2, 0.25},
    {"gpt-4-turbo", 10.0, 30.0, 10.0,
     {500, 5000, 5000, 10000, 10000},
     {30000, 450000, 600000, 800000, 2000000}, 0.50, 0, 35.7, 0.092},
    {"gpt-4o", 2.5, 10.0, 1.25,
     {500, 5000, 5000, 10000, 10000},
     {30000, 450000, 600000, 800000, 12000000}, 0.39, 0, 81.0, 0.23},
    {"gpt-4o-2024-05-13", 5.0, 15.0, 5.0,
     {500, 5000, 5000, 10000, 10000},
     {30000, 450000, 600000, 800000, 12000000}, 0.39, 0, 81.0, 0.23},
    {"gpt-3.5-turbo", 0.5, 1.5, 0.5,
     {3500, 3500, 3500, 10000, 10000},
     {60000, 80000, 160000, 1000000, 2000000}, 0.46, 0, 60.0, 0.25},
    /* Batch API: half of every price above, hours-scale turnaround. */
    {"gpt-4-batch", 30.0 / 2, 60.0 / 2, 30.0 / 2,
     {500, 5000, 5000, 10000, 10000},
     {10000, 40000, 80000, 300000, 300000},
     API_BATCH_TTFT_MEDIAN, API_BATCH_TTFT_P99, 19.2, 0.25},
    {"gpt-4-turbo-batch", 10.0 / 2, 30.0 / 2, 10.0 / 2,
     {500, 5000, 5000, 10000, 10000},
     {30000, 450000, 600000, 800000, 2000000},
     API_BATCH_TTFT_MEDIAN, API_BATCH_TTFT_P99, 35.7, 0.092},
    {"gpt-4o-batch", 2.5 / 2, 10.0 / 2, 1.25 / 2,
     {500, 5000, 5000, 10000, 10000},
     {30000, 450000, 600000, 800000, 12000000},
     API_BATCH_TTFT_MEDIAN, API_BATCH_TTFT_P99, 81.0, 0.23},
    {"gpt-3.5-turbo-batch", 0.5 / 2, 1.5 / 2, 0.5 / 2,
     {3500, 3500, 3500, 10000, 10000},
     {60000, 80000, 160000, 1000000, 2000000},
     API_BATCH_TTFT_MEDIAN, API_BATCH_TTFT_P99, 60.0, 0.25},
};

#define API_NPRESETS (sizeof api_presets / sizeof api_presets[0])
#define API_DEFAULT_TIER 5
#define API_TTFT_P99 2.0

static const char *const api_preset_names[] = {
    "gpt-4", "gpt-4-turbo", "gpt-4o", "gpt-4o-2024-05-13", "gpt-3.5-turbo",
    "gpt-4-batch", "gpt-4-turbo-batch", "gpt-4o-batch", "gpt-3.5-turbo-batch",
};
static const size_t api_preset_count = API_NPRESETS;

static const char *const api_jitter_names[] = {"none", "full", "equal"};
static const char *const api_prompting_names[] = {"zero-shot", "few-shot"};

/* Lognormal by median and p99: mu = ln median, sigma = ln(p99/median)/z. */
static void api_lognormal_median(struct dist *dd, double median, double p99)
{
    dist_init_fixed(dd, median);
    dd->kind = DIST_LOGNORMAL;
    dd->a = log(median);
    dd->b = log(p99 / median) / gsl_cdf_ugaussian_Pinv(0.99);
}

/* Lognormal by mean and cv: sigma^2 = ln(1 + cv^2), mu = ln mean - s^2/2. */
static void api_lognormal_mean(struct dist *dd, double mean, double cv)
{
    double s2 = log(1.0 + cv * cv);

    dist_init_fixed(dd, mean);
    dd->kind = DIST_LOGNORMAL;
    dd->a = log(mean) - s2 / 2.0;
    dd->b = sqrt(s2);
}

static void api_defaults(struct api_cfg *c)
{
    memset(c, 0, sizeof *c);
    dist_init_fixed(&c->ttft, 0.0);
    dist_init_fixed(&c->tokens_per_s, 0.0);
    c->retry.max = 6;
    c->retry.base = 1.0;
    c->retry.cap = 60.0;
    c->retry.multiplier = 2.0;
    c->retry.jitter = API_JITTER_FULL;
    c->cached_input_per_1m = (double)NAN; /* the input price unless given */
    outage_spec_init(&c->outage);
}

int api_preset_apply(struct api_cfg *c, const char *name, int tier)
{
    size_t i;

    if (tier == 0)
        tier = API_DEFAULT_TIER;
    if (tier < 1 || tier > API_TIERS)
        return -1;
    for (i = 0; i < API_NPRESETS; i++) {
        const struct api_preset *p = &api_presets[i];
        if (strcmp(p->name, name) != 0)
            continue;
        c->preset = p->name;
        c->tier = tier;
        c->input_per_1m = p->input_per_1m;
        c->output_per_1m = p->output_per_1m;
        c->cached_input_per_1m = p->cached_input_per_1m;
        c->rpm = p->rpm[tier - 1];
        c->tpm = p->tpm[tier - 1];
        dist_fini(&c->ttft);
        dist_fini(&c->tokens_per_s);
        api_lognormal_median(&c->ttft, p->ttft_median,
                             p->ttft_p99 > 0 ? p->ttft_p99 : API_TTFT_P99);
        api_lognormal_mean(&c->tokens_per_s, p->speed_mean, p->speed_cv);
        c->outage.availability = 0.9987;
        c->outage.mean_outage = 6.25 * UNITS_HOUR;
        return 0;
    }
    return -1;
}

/* ---- parsing ---- */

static int api_parse_preset(const struct cfg_node *map, const char *where,
                            struct api_cfg *c, struct diag *d)
{
    const char *name = NULL;
    long tier = 0;
    int got;

    if (cfg_get_string(map, "preset", where, 0, &name, d) < 0)
        return -1;
    got = cfg_get_int(map, "tier", where, 0, 1, API_TIERS, &tier, d);
    if (got < 0)
        return -1;
    if (!name) {
        if (got == 0) {
            diag_error(d, cfg_key_pos(map, "tier"),
                       "'tier' in %s needs a 'preset'", where);
            return -1;
        }
        return 0;
    }
    if (api_preset_apply(c, name, (int)tier) != 0) {
        const char *hint = diag_suggest(name, api_preset_names,
                                        api_preset_count);
        diag_error(d, &cfg_get(map, "preset")->pos,
                   "unknown API preset '%s' in %s (allowed: gpt-4, "
                   "gpt-4-turbo, gpt-4o, gpt-4o-2024-05-13, gpt-3.5-turbo, "
                   "gpt-4-batch, gpt-4-turbo-batch, gpt-4o-batch, "
                   "gpt-3.5-turbo-batch%s%s%s)",
                   name, where, hint ? "; did you mean '" : "",
                   hint ? hint : "", hint ? "'?" : "");
        return -1;
    }
    c->tier_defaulted = got == 1;
    return 0;
}

static int api_parse_pricing(const struct cfg_node *map, const char *where,
                             struct api_cfg *c, struct diag *d)
{
    static const char *const keys[] = {"input_per_1m", "output_per_1m",
                                       "cached_input_per_1m", "cached_share",
                                       "per_request"};
    const struct cfg_node *p = cfg_get(map, "pricing");
    unsigned need = c->preset ? 0 : CFG_REQUIRED;
    char w[128];
    int bad = 0;

    if (!p) {
        if (!c->preset) {
            diag_error(d, &map->pos,
                       "missing required key 'pricing' in %s (or name a "
                       "'preset')", where);
            return -1;
        }
        return 0;
    }
    snprintf(w, sizeof w, "%s.pricing", where);
    if (cfg_expect(p, CFG_MAP, w, d) != 0)
        return -1;
    bad |= cfg_check_keys(p, w, keys, 5, d) != 0;
    bad |= cfg_get_number(p, "input_per_1m", w, need | CFG_NONNEG,
                          &c->input_per_1m, d) < 0;
    bad |= cfg_get_number(p, "output_per_1m", w, need | CFG_NONNEG,
                          &c->output_per_1m, d) < 0;
    bad |= cfg_get_number(p, "cached_input_per_1m", w, CFG_NONNEG,
                          &c->cached_input_per_1m, d) < 0;
    bad |= cfg_get_number(p, "cached_share", w, CFG_UNIT, &c->cached_share,
                          d) < 0;
    bad |= cfg_get_number(p, "per_request", w, CFG_NONNEG, &c->per_request,
                          d) < 0;
    return bad ? -1 : 0;
}

static int api_parse_limits(const struct cfg_node *map, const char *where,
                            struct api_cfg *c, struct diag *d)
{
    static const char *const keys[] = {"rpm", "tpm", "concurrency",
                                       "max_tokens"};
    const struct cfg_node *l = cfg_get(map, "limits");
    char w[128];
    int bad = 0;

    if (!l)
        return 0;
    snprintf(w, sizeof w, "%s.limits", where);
    if (cfg_expect(l, CFG_MAP, w, d) != 0)
        return -1;
    bad |= cfg_check_keys(l, w, keys, 4, d) != 0;
    bad |= cfg_get_number(l, "rpm", w, CFG_NONNEG, &c->rpm, d) < 0;
    bad |= cfg_get_number(l, "tpm", w, CFG_NONNEG, &c->tpm, d) < 0;
    bad |= cfg_get_int(l, "concurrency", w, 0, 0, 100000000L,
                       &c->concurrency, d) < 0;
    bad |= cfg_get_int(l, "max_tokens", w, 0, 0, 100000000L, &c->max_tokens,
                       d) < 0;
    return bad ? -1 : 0;
}

/* Replaces *dd with the distribution under key, when present. */
static int api_parse_dist(const struct cfg_node *map, const char *key,
                          const char *where, enum dist_quantity q,
                          struct dist *dd, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, key);
    char w[128];

    if (!n)
        return 0;
    snprintf(w, sizeof w, "%s.%s", where, key);
    dist_fini(dd);
    dist_init_fixed(dd, 0.0);
    return dist_parse(n, w, q, dd, d) != 0 ? -1 : 0;
}

static int api_parse_latency(const struct cfg_node *map, const char *where,
                             struct api_cfg *c, struct diag *d)
{
    static const char *const keys[] = {"ttft", "tokens_per_s"};
    const struct cfg_node *l = cfg_get(map, "latency");
    char w[128];
    int bad = 0;

    snprintf(w, sizeof w, "%s.latency", where);
    if (!l) {
        if (c->preset)
            return 0;
        diag_error(d, &map->pos,
                   "missing required key 'latency' in %s (or name a "
                   "'preset')", where);
        return -1;
    }
    if (cfg_expect(l, CFG_MAP, w, d) != 0)
        return -1;
    bad |= cfg_check_keys(l, w, keys, 2, d) != 0;
    if (!c->preset && (!cfg_get(l, "ttft") || !cfg_get(l, "tokens_per_s"))) {
        diag_error(d, &l->pos, "missing required key '%s' in %s",
                   cfg_get(l, "ttft") ? "tokens_per_s" : "ttft", w);
        return -1;
    }
    bad |= api_parse_dist(l, "ttft", w, DIST_DURATION, &c->ttft, d);
    bad |= api_parse_dist(l, "tokens_per_s", w, DIST_COUNT, &c->tokens_per_s,
                          d);
    if (!bad && !(dist_mean(&c->tokens_per_s) > 0.0)) {
        diag_error(d, &cfg_get(l, "tokens_per_s")->pos,
                   "'tokens_per_s' in %s must be > 0", w);
        bad = 1;
    }
    return bad ? -1 : 0;
}

static int api_parse_retry(const struct cfg_node *map, const char *where,
                           struct api_cfg *c, struct diag *d)
{
    static const char *const keys[] = {"max", "base", "cap", "multiplier",
                                       "jitter"};
    const struct cfg_node *r = cfg_get(map, "retry");
    struct api_retry *rt = &c->retry;
    int jitter = (int)rt->jitter;
    char w[128];
    int bad = 0;

    if (!r)
        return 0;
    snprintf(w, sizeof w, "%s.retry", where);
    if (cfg_expect(r, CFG_MAP, w, d) != 0)
        return -1;
    bad |= cfg_check_keys(r, w, keys, 5, d) != 0;
    bad |= cfg_get_int(r, "max", w, 0, 1, API_MAX_ATTEMPTS, &rt->max, d) < 0;
    bad |= cfg_get_duration(r, "base", w, CFG_NONNEG, &rt->base, d) < 0;
    bad |= cfg_get_duration(r, "cap", w, CFG_NONNEG, &rt->cap, d) < 0;
    bad |= cfg_get_number(r, "multiplier", w, CFG_POSITIVE, &rt->multiplier,
                          d) < 0;
    bad |= cfg_get_enum(r, "jitter", w, 0, api_jitter_names, 3, &jitter,
                        d) < 0;
    rt->jitter = (enum api_jitter)jitter;
    if (!bad && rt->multiplier < 1.0) {
        diag_error(d, &cfg_get(r, "multiplier")->pos,
                   "'multiplier' in %s must be >= 1, got %g", w,
                   rt->multiplier);
        bad = 1;
    }
    return bad ? -1 : 0;
}

static int api_parse(const struct cfg_node *map, const char *where,
                     void **out, struct diag *d)
{
    static const char *const keys[] = {
        "kind",    "preset",       "tier",        "pricing",
        "limits",  "latency",      "availability", "mean_outage",
        "outages", "error_latency", "retry",       "prompting"};
    struct api_cfg *c = mem_calloc(1, sizeof *c);
    int prompting = API_ZERO_SHOT, bad = 0;

    if (!c)
        return -1;
    *out = c;
    api_defaults(c);
    bad |= cfg_check_keys(map, where, keys, sizeof keys / sizeof keys[0],
                          d) != 0;
    if (api_parse_preset(map, where, c, d) != 0)
        return -1;
    bad |= api_parse_pricing(map, where, c, d) != 0;
    bad |= api_parse_limits(map, where, c, d) != 0;
    bad |= api_parse_latency(map, where, c, d) != 0;
    bad |= outage_parse(map, where, &c->outage, d) != 0;
    bad |= cfg_get_duration(map, "error_latency", where, CFG_NONNEG,
                            &c->error_latency, d) < 0;
    bad |= api_parse_retry(map, where, c, d) != 0;
    bad |= cfg_get_enum(map, "prompting", where, 0, api_prompting_names, 2,
                        &prompting, d) < 0;
    c->prompting = (enum api_prompting)prompting;
    if (isnan(c->cached_input_per_1m))
        c->cached_input_per_1m = c->input_per_1m;
    return bad ? -1 : 0;
}

static void api_cfg_free(void *cfg)
{
    struct api_cfg *c = cfg;

    if (!c)
        return;
    dist_fini(&c->ttft);
    dist_fini(&c->tokens_per_s);
    mem_free(c);
}

static const char *api_describe(const void *cfg, char *buf, size_t size)
{
    const struct api_cfg *c = cfg;
    char ttft[96], speed[96], lim[96], out[128], pin[32], pout[32];
    size_t used = 0;

    if (c->preset)
        used = (size_t)snprintf(buf, size, "api %s tier %d%s, ", c->preset,
                                c->tier,
                                c->tier_defaulted ? " (default)" : "");
    else
        used = (size_t)snprintf(buf, size, "api, ");
    if (c->rpm > 0 || c->tpm > 0 || c->concurrency > 0) {
        char conc[48] = "no concurrency limit";
        if (c->concurrency > 0)
            snprintf(conc, sizeof conc, "concurrency %ld", c->concurrency);
        char r[32], t[32];
        snprintf(lim, sizeof lim, "limits %s rpm, %s tpm, %s",
                 units_format_count(c->rpm, r, sizeof r),
                 units_format_count(c->tpm, t, sizeof t), conc);
    } else
        snprintf(lim, sizeof lim, "no rate limits");
    if (used < size)
        snprintf(buf + used, size - used,
                 "%s/%s per 1M in/out tokens, %s, ttft %s, decode %s "
                 "tokens/s, %s, retry max %ld attempts base %gs cap %gs "
                 "jitter %s, %s",
                 units_format_money(c->input_per_1m, pin, sizeof pin),
                 units_format_money(c->output_per_1m, pout, sizeof pout), lim,
                 dist_describe(&c->ttft, DIST_DURATION, ttft, sizeof ttft),
                 dist_describe(&c->tokens_per_s, DIST_COUNT, speed,
                               sizeof speed),
                 outage_describe(&c->outage, out, sizeof out), c->retry.max,
                 c->retry.base, c->retry.cap,
                 api_jitter_names[c->retry.jitter],
                 api_prompting_names[c->prompting]);
    return buf;
}

/* ---- buckets, backoff, price ---- */

void api_bucket_init(struct api_bucket *b, double per_minute)
{
    memset(b, 0, sizeof *b);
    b->capacity = per_minute;
    b->rate = per_minute / UNITS_MINUTE;
    b->level = per_minute;
}

/* Refills up to now (s, never earlier than the last call). */
static void api_bucket_refill(struct api_bucket *b, double now)
{
    if (now > b->last) {
        b->level += b->rate * (now - b->last);
        if (b->level > b->capacity)
            b->level = b->capacity;
        b->last = now;
    }
}

int api_bucket_has(struct api_bucket *b, double now, double n)
{
    if (b->capacity <= 0.0)
        return 1;
    api_bucket_refill(b, now);
    return b->level >= n;
}

void api_bucket_take(struct api_bucket *b, double n)
{
    if (b->capacity > 0.0)
        b->level -= n;
}

double api_backoff(const struct api_retry *rt, unsigned k, gsl_rng *r)
{
    double d = rt->base * pow(rt->multiplier, (double)k - 1.0);

    if (!(d <= rt->cap))
        d = rt->cap;
    switch (rt->jitter) {
    case API_JITTER_FULL:
        return d * gsl_rng_uniform(r);
    case API_JITTER_EQUAL:
        return d / 2.0 + d / 2.0 * gsl_rng_uniform(r);
    case API_JITTER_NONE:
        break;
    }
    return d;
}

double api_price(const struct api_cfg *c, double in, double out)
{
    return (in * (1.0 - c->cached_share) * c->input_per_1m +
            in * c->cached_share * c->cached_input_per_1m +
            out * c->output_per_1m) / 1e6 + c->per_request;
}

/* ---- one replication ---- */

struct api_counts {
    double attempts, rate_limited, server_errors, retries;
    double billed_requests, billed_in, billed_cached, billed_out, dollars;
};

struct api {
    const struct api_cfg *cfg; /* borrowed from the scenario */
    struct backend_env env;
    gsl_rng *r_latency, *r_retry;
    struct outage outage;
    struct api_bucket rpm, tpm;
    long in_service;
    double last_t, busy_area; /* concurrency integral over the window */
    struct api_counts n;      /* requests that arrived after warm-up */
};

static gsl_rng *api_stream(struct sim *s, const char *name, const char *what)
{
    char source[128];

    snprintf(source, sizeof source, "backend.%s.%s", name, what);
    return sim_stream(s, source);
}

static void *api_create(struct sim *s, const void *cfg, const char *name,
                        const struct backend_env *env)
{
    struct api *a = mem_calloc(1, sizeof *a);
    gsl_rng *r_outage;

    if (!a)
        return NULL;
    a->cfg = cfg;
    a->env = *env;
    a->r_latency = api_stream(s, name, "latency");
    a->r_retry = api_stream(s, name, "retry");
    r_outage = api_stream(s, name, "outages");
    if (!a->r_latency || !a->r_retry || !r_outage) {
        mem_free(a);
        return NULL;
    }
    api_bucket_init(&a->rpm, a->cfg->rpm);
    api_bucket_init(&a->tpm, a->cfg->tpm);
    a->last_t = sim_warmup(s);
    outage_start(&a->outage, s, &a->cfg->outage, r_outage);
    return a;
}

static void api_destroy(void *self)
{
    mem_free(self);
}

static void api_account(struct api *a, struct sim *s)
{
    double now = sim_now(s);

    if (now > a->last_t) {
        a->busy_area += (double)a->in_service * (now - a->last_t);
        a->last_t = now;
    }
}

/* Counts into n only for requests that arrived after warm-up. */
#define API_COUNT(a, r, field, v)                                            \
    do {                                                                     \
        if ((r)->flags & REQUEST_MEASURED)                                   \
            (a)->n.field += (v);                                             \
    } while (0)

static void api_try(struct sim *s, void *ctx, void *arg);

/* After a 429 or a 5xx: back off and try again, or give up. */
static void api_retry_or_fail(struct sim *s, struct api *a, struct request *r)
{
    if (r->attempts >= (uint32_t)a->cfg->retry.max) {
        a->env.done(s, a->env.ctx, r, BACKEND_FAILED);
        return;
    }
    API_COUNT(a, r, retries, 1);
    sim_schedule_in(s, api_backoff(&a->cfg->retry, r->attempts, a->r_retry),
                    api_try, a, r);
}

static void api_server_error(struct sim *s, void *ctx, void *arg)
{
    api_retry_or_fail(s, ctx, arg);
}

static void api_finish(struct sim *s, void *ctx, void *arg)
{
    struct api *a = ctx;
    struct request *r = arg;
    double in = r->input_tokens, out = r->output_tokens;

    api_account(a, s);
    a->in_service--;
    API_COUNT(a, r, billed_requests, 1);
    API_COUNT(a, r, billed_in, in);
    API_COUNT(a, r, billed_cached, in * a->cfg->cached_share);
    API_COUNT(a, r, billed_out, out);
    API_COUNT(a, r, dollars, api_price(a->cfg, in, out));
    a->env.done(s, a->env.ctx, r, BACKEND_DONE);
}

/* An admitted attempt: TTFT, then the output at the drawn decode rate. */
static void api_serve(struct sim *s, struct api *a, struct request *r)
{
    double now = sim_now(s);
    double ttft = dist_sample(&a->cfg->ttft, a->r_latency);
    double rate = dist_sample(&a->cfg->tokens_per_s, a->r_latency);
    double decode = rate > 0.0 ? r->output_tokens / rate : 0.0;

    api_account(a, s);
    a->in_service++;
    r->t_start = now;
    r->t_first_token = now + (ttft > 0.0 ? ttft : 0.0);
    sim_schedule_at(s, r->t_first_token + decode, api_finish, a, r);
}

static void api_try(struct sim *s, void *ctx, void *arg)
{
    struct api *a = ctx;
    struct request *r = arg;
    double now = sim_now(s);
    double tokens = (double)r->input_tokens +
                    (a->cfg->max_tokens > 0 ? (double)a->cfg->max_tokens
                                            : (double)r->output_tokens);

    r->attempts++;
    API_COUNT(a, r, attempts, 1);
    if (outage_down(&a->outage)) {
        API_COUNT(a, r, server_errors, 1);
        sim_schedule_in(s, a->cfg->error_latency, api_server_error, a, r);
        return;
    }
    if (a->tpm.capacity > 0.0 && tokens > a->tpm.capacity) {
        a->env.done(s, a->env.ctx, r, BACKEND_REJECTED);
        return;
    }
    if ((a->cfg->concurrency > 0 && a->in_service >= a->cfg->concurrency) ||
        !api_bucket_has(&a->rpm, now, 1.0) ||
        !api_bucket_has(&a->tpm, now, tokens)) {
        API_COUNT(a, r, rate_limited, 1);
        api_retry_or_fail(s, a, r);
        return;
    }
    api_bucket_take(&a->rpm, 1.0);
    api_bucket_take(&a->tpm, tokens);
    api_serve(s, a, r);
}

static void api_submit(struct sim *s, void *self, struct request *r)
{
    r->attempts = 0;
    api_try(s, self, r);
}

static int api_available(void *self, struct sim *s)
{
    struct api *a = self;

    (void)s;
    return !outage_down(&a->outage);
}

static void api_collect(void *self, struct sim *s, struct backend_figures *out)
{
    struct api *a = self;
    double window = sim_horizon(s) - sim_warmup(s);
    long c = a->cfg->concurrency;

    api_account(a, s);
    if (c > 0)
        backend_figures_add(out, "utilization",
                            a->busy_area / ((double)c * window));
    backend_figures_add(out, "attempts", a->n.attempts);
    backend_figures_add(out, "rate_limited", a->n.rate_limited);
    backend_figures_add(out, "server_errors", a->n.server_errors);
    backend_figures_add(out, "retries", a->n.retries);
    backend_figures_add(out, "availability",
                        outage_availability_seen(&a->outage, s));
    backend_figures_add(out, "outages", (double)a->outage.began);
    backend_figures_add(out, "concurrency.mean", a->busy_area / window);
    backend_figures_add(out, "billed.requests", a->n.billed_requests);
    backend_figures_add(out, "billed.input_tokens", a->n.billed_in);
    backend_figures_add(out, "billed.cached_input_tokens",
                        a->n.billed_cached);
    backend_figures_add(out, "billed.output_tokens", a->n.billed_out);
    backend_figures_add(out, "billed.dollars", a->n.dollars);
    backend_figures_add(out, "billed.dollars_per_month",
                        a->n.dollars * UNITS_MONTH / window);
}

static const struct downlog *api_downlog(const void *self)
{
    return &((const struct api *)self)->outage.log;
}

const struct backend_kind api_kind = {
    .name = "api",
    .side = BACKEND_SIDE_API,
    .has_tokens = 1,
    .parse = api_parse,
    .cfg_free = api_cfg_free,
    .describe = api_describe,
    .create = api_create,
    .destroy = api_destroy,
    .submit = api_submit,
    .collect = api_collect,
    .predicted_wait = NULL,
    .available = api_available,
    .downlog = api_downlog,
};
