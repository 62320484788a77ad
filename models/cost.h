/*
 * cost: what a deployment costs, month by month, and where the options
 * cross.
 *
 * Three options are priced for the same workload: "local" (every query on
 * our own GPUs), "api" (every query billed by the API) and "hybrid" (a
 * share of the queries local, the rest billed).  A month's local cost is
 *
 *   capex    sum over purchases of (price - resale) / amortization_months,
 *            for amortization_months from the month of purchase
 *   power    per GPU: (idle + (peak - idle) * util) / 1000 * pue * per_kwh
 *            * 730.5 h (UNITS_MONTH), or a declared per_month figure
 *   facility per GPU per month;  ops: per month while any GPU runs
 *   one-time data preparation, fine-tuning, evaluation ...: all in month 1
 *            (expensed, the default) or spread over amortization_months
 *            (amortized)
 *
 * and the API's is queries * (input tokens * input price + output tokens *
 * output price) / 1e6.  Volume grows by growth_per_month, compounding; a GPU
 * (with every per-GPU capex item) is bought the month the local volume
 * passes what the GPUs in service hold at the SLO (queries_per_month_per_gpu
 * or the capacity the caller measured); hardware is never sold early.
 *
 * Two accounts are kept: accrual (capex as its amortisation charge: the
 * monthly table, cumulative cost and the TCO) and cash (capex paid in the
 * month of purchase, resale credited when amortisation ends: the break-even
 * month, i.e. payback).
 *
 * Every money, price, power, growth and token input may be a range
 * [low, high] in the scenario.  A spec keeps each such input as a named
 * parameter; cost_values() picks low, high or middle values for all of them
 * and the functions below evaluate one choice.  Bounds of a result over the
 * ranges are found by evaluating every corner (up to COST_MAX_CORNER_PARAMS
 * ranged inputs) or, beyond that, by moving each input to the end that
 * lowers (raises) the result on its own.
 *
 * YAML (costs:), units SI (dollars, watts, tokens):
 *   months: 36                        horizon of the table and the TCO
 *   amortization_months: 36           default: months
 *   capex: [{item: L40S, price: 8000, resale: 0, per: gpu}, ...]
 *                                     per: gpu (default) | deployment
 *   power: {watts: 350, idle_watts: 90, per_kwh: 0.20, pue: 1.0}
 *      or  {per_month: 50}            declared, per GPU
 *   facility_per_month: 30            per GPU
 *   ops_per_month: 0                  labour, per deployment
 *   one_time: {data_prep: [2000, 10000], fine_tune: 30, evaluation: 150}
 *   one_time_accounting: expensed | amortized
 *   growth_per_month: 0.05            5% more queries each month
 *   queries_per_month_per_gpu: 8.6e6  capacity at the SLO, declared; or
 *                                     "simulate": the caller measures it
 *                                     (struct cost_inputs.capacity)
 *   api: {input_per_1m: 30, output_per_1m: 60}   dollars per 1M tokens
 *   query: {input_tokens: [300, 800], output_tokens: [200, 500]}
 *                                     nominal tokens per API query; default:
 *                                     the workload's means
 *   local_share: 0.8                  hybrid: share of queries kept local;
 *                                     default: the routing's share
 */
#ifndef SLM_COST_H
#define SLM_COST_H

#include <stddef.h>

#include "sim/cfg.h"
#include "sim/diag.h"

/* The fixed parameters; capex and one-time items follow them. */
enum cost_param {
    COST_P_API_INPUT_PER_1M,   /* dollars per 1M input tokens */
    COST_P_API_OUTPUT_PER_1M,  /* dollars per 1M output tokens */
    COST_P_POWER_WATTS,        /* W per GPU at full load */
    COST_P_POWER_IDLE_WATTS,   /* W per GPU idle */
    COST_P_POWER_PER_KWH,      /* dollars per kWh */
    COST_P_POWER_PUE,          /* facility power / IT power, >= 1 */
    COST_P_POWER_PER_MONTH,    /* dollars per GPU per month, declared */
    COST_P_FACILITY_PER_MONTH, /* dollars per GPU per month */
    COST_P_OPS_PER_MONTH,      /* dollars per month */
    COST_P_GROWTH_PER_MONTH,   /* fraction, > -1 */
    COST_P_QUERIES_PER_GPU,    /* queries per month one GPU holds at SLO */
    COST_P_INPUT_TOKENS,       /* nominal input tokens per API query */
    COST_P_OUTPUT_TOKENS,      /* nominal output tokens per API query */
    COST_P_LOCAL_SHARE,        /* hybrid: share kept local, [0, 1] */
    /* The priced GPU (filled by cost_bind from costs.prices or the
     * catalog): */
    COST_P_GPU_PRICE,          /* dollars per GPU bought */
    COST_P_GPU_RESALE,         /* dollars per GPU at the end of its
                                  amortisation */
    COST_P_SERVER_PRICE,       /* dollars per server (node) */
    COST_P_GPUS_PER_SERVER,    /* GPUs one server holds, >= 1 */
    COST_P_RENT_PER_GPU_HOUR,  /* dollars per GPU-hour, when rented */
    COST_P_FIXED_COUNT
};

/* One input: a number or a range.  given is 0 when the scenario left it
 * out (lo = hi = the default then). */
struct cost_param_def {
    char *name; /* owned, as in messages: "one_time.data_prep" */
    double lo, hi;
    int given;
    struct diag_pos pos; /* where it was given (line 0: not given) */
};

/* One entry of the site price list, costs.prices.<GPU>: what this site
 * pays for that hardware.  Fields not given fall back to the catalog. */
enum cost_price_field {
    COST_PRICE_GPU,             /* gpu: dollars per card */
    COST_PRICE_RESALE,          /* resale: dollars per card at the end */
    COST_PRICE_SERVER,          /* server: dollars per node */
    COST_PRICE_GPUS_PER_SERVER, /* gpus_per_server */
    COST_PRICE_PEAK_W,          /* peak_w: watts at full load */
    COST_PRICE_IDLE_W,          /* idle_w: watts idle */
    COST_PRICE_POWER_PER_MONTH, /* power_per_month: declared, dollars */
    COST_PRICE_RENT,            /* rent_per_gpu_hour: dollars */
    COST_PRICE_NFIELDS
};

struct cost_price {
    char *gpu; /* owned: the key, a GPU name */
    struct diag_pos pos;
    struct cost_param_def f[COST_PRICE_NFIELDS]; /* names borrowed: NULL */
};

/* How the GPUs of the local side are paid for. */
enum cost_acquire { COST_BUY, COST_RENT };

/* What cost_bind needs from the simulated system, as plain figures (the
 * study layer reads them off the scenario's backends). */
struct cost_system {
    const char *gpu;     /* the local side's GPU; NULL: no gpu backend */
    double gpus;         /* the fleet: replicas x tensor-parallel degree */
    double gpus_per_replica;
    /* The GPU's catalog figures (0: unknown): */
    double catalog_price, catalog_tdp, catalog_idle, catalog_rent;
    int has_api;         /* an api backend prices the API side */
    const char *api_backend; /* its name */
    const char *api_preset;  /* its preset, or NULL */
    double api_input_per_1m, api_output_per_1m;
};

struct cost_capex {
    char *item;  /* owned */
    int per_gpu; /* 1: bought with every GPU; 0: once per deployment */
    size_t price; /* parameter index of the price (dollars) */
    size_t resale; /* parameter index of the resale value (dollars) */
    struct diag_pos pos; /* where the item stands */
};

enum cost_one_time { COST_ONE_TIME_EXPENSED, COST_ONE_TIME_AMORTIZED };

#define COST_MAX_MONTHS 600
#define COST_MAX_ITEMS 64
#define COST_MAX_CORNER_PARAMS 12

struct cost_spec {
    int months;              /* 1..COST_MAX_MONTHS */
    enum cost_acquire acquire; /* costs.acquire: buy (default) | rent */
    struct diag_pos pos;     /* the costs mapping */
    char *file;              /* owned: the file positions point into (the
                                document's own name dies with it) */
    size_t nprices;
    struct cost_price *prices; /* owned: costs.prices */
    /* Set by cost_bind: where the figures came from. */
    int bound;
    int api_from_backend;    /* the API side priced from an api backend */
    int has_api_price;       /* the all-API option has a price at all */
    int power_from_list;     /* watts or power_per_month from the list */
    char basis_gpu[160];     /* "costs.prices.L40S" / "catalog (L40S)" */
    char basis_api[160];     /* "backends.api preset gpt-4o" */
    char gpu[64];            /* the priced GPU, "" when none */
    double fleet;            /* GPUs the system declares (>= 1) */
    double gpus_per_replica; /* step of a fleet that grows */
    int amortization_months; /* 1..COST_MAX_MONTHS */
    enum cost_one_time one_time;
    int power_declared;      /* power given as per_month */
    int capacity_simulate;   /* queries_per_month_per_gpu: simulate */
    size_t ncapex;
    struct cost_capex *capex; /* owned */
    size_t first_one_time;   /* parameter index of the first one-time item */
    size_t none_time;
    size_t nparams;           /* COST_P_FIXED_COUNT + 2 ncapex + none_time */
    struct cost_param_def *params; /* owned */
};

/* Parses the costs mapping (where = "costs").  Returns 0 with *out owned
 * by the caller (cost_spec_free), SLM_EINPUT after reporting every
 * problem to d, or SLM_ENOMEM (nothing reported). */
int cost_parse(const struct cfg_node *node, const char *where,
               struct cost_spec **out, struct diag *d);
void cost_spec_free(struct cost_spec *spec); /* NULL is fine */

/* Prices the system sys: the GPU's price, resale, server, power and rent
 * from its costs.prices entry where given, else from the catalog; the API
 * from the api backend.  Figures the old way (costs.api beside an api
 * backend, costs.capex items bought per GPU, costs.power watts) are
 * errors located where they stand, saying where the figure now lives.
 * Returns 0, SLM_EINPUT after reporting to d, or SLM_ENOMEM. */
int cost_bind(struct cost_spec *spec, const struct cost_system *sys,
              struct diag *d);

/* Number of inputs given as a range (lo < hi). */
size_t cost_ranged_count(const struct cost_spec *spec);

enum cost_pick { COST_PICK_MID, COST_PICK_LO, COST_PICK_HI };

/* Fills v[0..spec->nparams) with each input's low, high or middle value. */
void cost_values(const struct cost_spec *spec, enum cost_pick pick,
                 double *v);

/* What the cost model needs from the workload and the simulation, as
 * plain numbers.  The "nominal" figures come from the declared volume and
 * mean token counts; the "simulated" ones from a run's billed tokens and
 * utilisation (cost_inputs_simulated). */
struct cost_inputs {
    double volume;        /* queries per month in month 1 */
    double input_tokens;  /* billed input tokens per API query (mean) */
    double output_tokens; /* billed output tokens per API query (mean) */
    double local_share;   /* hybrid share kept local; NaN: no hybrid */
    double capacity;      /* queries/month per GPU at the SLO; 0: use the
                             spec's, and none there: unlimited */
    double util_per_query; /* busy fraction of one GPU per query/month it
                              serves; 0: 1/capacity, or full load when the
                              capacity is unknown */
    int simulated;        /* 1: tokens and local_share are measured and
                             the spec's query and local_share are ignored */
    /* Tokens per query if every query went to the API (the all-API
     * option); 0: input_tokens/output_tokens.  They differ from those when
     * a hybrid run sends the API only some tasks (the long ones, say). */
    double all_api_input_tokens, all_api_output_tokens;
    /* Share of the volume the hybrid bills at the API; 0 (or NaN): 1 -
     * local_share.  A confidence-fallback hybrid serves every query
     * locally and escalates some: local_share 1, api_share the escalated
     * share (re-asks included). */
    double api_share;
    /* GPUs in service: at least fleet (0: one) and as many more, in
     * steps of gpu_step (0: one), as the capacity needs; with fixed set,
     * exactly fleet, as declared (what `run` prices). */
    double fleet;
    double gpu_step;
    int fixed;
};

/* The simulated figures of one run, per month of the measurement window
 * (callers scale window totals by UNITS_MONTH / window). */
struct cost_sim {
    double queries;          /* arrivals per month */
    double local_queries;    /* completed at GPU backends per month */
    double local_gpus;       /* GPUs those backends ran */
    double local_utilization; /* their mean busy fraction */
    double api_queries;      /* completed at API backends per month */
    double api_input_tokens;  /* billed per month, retries included */
    double api_output_tokens; /* billed per month, retries included */
};

/* The nominal inputs overlaid with what the run measured: volume, billed
 * tokens per API query and utilisation per query where the run had them
 * (api_queries > 0, local_queries > 0), the nominal figure otherwise. */
void cost_inputs_simulated(const struct cost_inputs *nominal,
                           const struct cost_sim *sim,
                           struct cost_inputs *out);

/* ---- the month-by-month table ---- */

enum cost_option { COST_LOCAL, COST_API, COST_HYBRID, COST_NOPTIONS };
extern const char *const cost_option_names[COST_NOPTIONS];

struct cost_month {
    int month;        /* from 1 */
    double volume;    /* queries this month */
    /* per option: */
    int gpus[COST_NOPTIONS];        /* in service (api: 0) */
    double capex[COST_NOPTIONS];    /* amortisation charge */
    double opex[COST_NOPTIONS];     /* power + facility + ops */
    double power[COST_NOPTIONS];
    double one_time[COST_NOPTIONS]; /* charged this month */
    double api[COST_NOPTIONS];      /* API spend */
    double total[COST_NOPTIONS];    /* accrual: capex+opex+one-time+api */
    double cash[COST_NOPTIONS];     /* cash: purchases - resale + opex +
                                       one-time + api */
    double cum[COST_NOPTIONS];      /* accrual, cumulative */
    double cum_cash[COST_NOPTIONS];
};

struct cost_tco {
    int months;
    int has_hybrid;           /* local_share was known */
    struct cost_month *m;     /* owned: months rows */
    double tco[COST_NOPTIONS]; /* accrual total over the months */
    double tco_cash[COST_NOPTIONS];
    /* First month whose cumulative cash cost is at most the API's; 0 when
     * it never is within the months. */
    int break_even_month[COST_NOPTIONS];
    double per_1k_queries[COST_NOPTIONS]; /* month 1, accrual, without
                                             one-time costs */
};

/* Fills *t for parameter values v (see cost_values).  Returns 0 or
 * SLM_ENOMEM; t owns its rows: cost_tco_fini(). */
int cost_tco_compute(const struct cost_spec *spec, const double *v,
                     const struct cost_inputs *in, struct cost_tco *t);
void cost_tco_fini(struct cost_tco *t);

/* The steady monthly cost of option at volume (queries/month), without
 * growth, with GPUs for that volume and capex as its amortisation charge;
 * with_one_time adds the one-time costs spread over amortization_months
 * whatever the accounting.  *gpus gets the GPU count (may be NULL). */
double cost_monthly_at(const struct cost_spec *spec, const double *v,
                       const struct cost_inputs *in, enum cost_option option,
                       double volume, int with_one_time, int *gpus);

/* ---- crossover ---- */

#define COST_MAX_CROSSINGS 16

struct cost_crossing {
    double volume; /* queries per month */
    int gpus;      /* GPUs in service just above it */
    int cheaper_above; /* COST_LOCAL/COST_HYBRID or COST_API: which option
                          is cheaper just above the volume */
};

struct cost_crossover {
    size_t n; /* crossings found, in increasing volume */
    struct cost_crossing c[COST_MAX_CROSSINGS];
    int truncated; /* more than COST_MAX_CROSSINGS, or the search stopped
                      at max_volume with GPU steps left */
};

/* Every volume in (0, max_volume] where option (COST_LOCAL or COST_HYBRID)
 * and the API cost the same per month (cost_monthly_at).  The GPUs are
 * those cost_monthly_at counts: the declared fleet at least, growing in
 * steps of gpu_step (exactly the fleet when fixed).  Within a GPU count
 * both sides are linear in volume (but for the power's knee, where
 * utilisation reaches 1), so each segment is solved exactly; a GPU
 * purchase can make the local side jump past the API's, which is reported
 * as a crossing at the step.  Runs of GPU counts that provably hold no
 * crossing are skipped, so the cost does not grow with max_volume.
 * truncated: more than COST_MAX_CROSSINGS, or max_volume past 1e9 GPUs. */
void cost_crossover_find(const struct cost_spec *spec, const double *v,
                         const struct cost_inputs *in, enum cost_option option,
                         int with_one_time, double max_volume,
                         struct cost_crossover *out);

/* ---- ranges ---- */

/* A figure computed from parameter values; ctx is the caller's. */
typedef double cost_metric_fn(const struct cost_spec *spec, const double *v,
                              void *ctx);

/* Bounds of fn over every input's range (see the file comment): *lo and
 * *hi get the least and greatest value found; NaN values are skipped (both
 * NaN when all are).  Returns 0 or SLM_ENOMEM. */
int cost_bounds(const struct cost_spec *spec, cost_metric_fn *fn, void *ctx,
                double *lo, double *hi);

/* One line of the tornado table: fn with one input at its low and high end,
 * every other at its middle. */
struct cost_sensitivity {
    size_t param;     /* index into spec->params */
    double at_lo, at_hi;
    double swing;     /* |at_hi - at_lo| */
};

/* Fills out[0..*n) for every ranged input, largest swing first (ties in
 * parameter order), and *base with fn at the middle values.  out must hold
 * spec->nparams entries.  Returns 0 or SLM_ENOMEM. */
int cost_sensitivity_rank(const struct cost_spec *spec, cost_metric_fn *fn,
                          void *ctx, double *base,
                          struct cost_sensitivity *out, size_t *n);

#endif
