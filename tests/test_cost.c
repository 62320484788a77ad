/*
 * test_cost: the cost model against the published spreadsheet figures
 * (docs DOMAIN: every dollar of them), plus the parts the spreadsheet does
 * not have: growth with GPU purchases, crossovers over a GPU step function,
 * ranges and the tornado ranking, and the parser's errors.
 */
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

#include "models/cost.h"
#include "models/scenario.h"
#include "study/pricing.h"
#include "sim/cfg.h"
#include "sim/mem.h"
#include "sim/units.h"

/* ---- helpers ---- */

struct fixture {
    struct cfg_doc *doc;
    struct cost_spec *spec;
    struct cost_inputs in;
    double v[256];
};

/* Parses YAML text holding a costs: mapping; fails the test on error. */
static void load_text(struct fixture *f, const char *yaml)
{
    struct diag d;

    diag_init(&d, stderr);
    memset(f, 0, sizeof *f);
    assert_int_equal(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d,
                                     &f->doc), 0);
    assert_int_equal(cost_parse(cfg_get(cfg_doc_root(f->doc), "costs"),
                                "costs", &f->spec, &d), 0);
    assert_true(f->spec->nparams <= 256);
    f->in.local_share = (double)NAN;
    cost_values(f->spec, COST_PICK_MID, f->v);
}

/* The nominal inputs a scenario declares: volume per month and the task
 * mix's mean token counts (scalars in the seed files). */
static void load_seed(struct fixture *f, const char *path)
{
    struct diag d;
    const struct cfg_node *root, *wl, *tasks;
    double rate = 0;

    diag_init(&d, stderr);
    memset(f, 0, sizeof *f);
    assert_int_equal(cfg_load_file(path, &d, &f->doc), 0);
    root = cfg_doc_root(f->doc);
    assert_int_equal(cost_parse(cfg_get(root, "costs"), "costs", &f->spec,
                                &d), 0);
    wl = cfg_get(root, "workload");
    assert_int_equal(cfg_get_rate(cfg_get(wl, "arrivals"), "volume",
                                  "workload.arrivals", 0, &rate, &d), 0);
    f->in.volume = rate * UNITS_MONTH;
    tasks = cfg_get(wl, "tasks");
    for (size_t i = 0; i < tasks->n; i++) {
        double share, tin, tout;
        assert_int_equal(cfg_get_number(tasks->items[i], "share", "", 0,
                                        &share, &d), 0);
        assert_int_equal(cfg_get_number(tasks->items[i], "input_tokens", "",
                                        0, &tin, &d), 0);
        assert_int_equal(cfg_get_number(tasks->items[i], "output_tokens", "",
                                        0, &tout, &d), 0);
        f->in.input_tokens += share * tin;
        f->in.output_tokens += share * tout;
    }
    f->in.local_share = (double)NAN;
    /* Priced from the file's own system: its api backend's preset, or
     * (no api backend) the declared API option; its GPU, or the price
     * list's only one. */
    {
        struct scenario *sc = NULL;
        struct cost_system sys;
        assert_int_equal(scenario_load(path, NULL, &d, &sc), 0);
        study_pricing_system(sc, &sys);
        assert_int_equal(cost_bind(f->spec, &sys, &d), 0);
        scenario_free(sc);
    }
    cost_values(f->spec, COST_PICK_MID, f->v);
}

static void fixture_fini(struct fixture *f)
{
    cost_spec_free(f->spec);
    cfg_doc_free(f->doc);
}

/* Metrics for cost_bounds: ctx is the fixture. */
static double metric_month1(const struct cost_spec *spec, const double *v,
                            void *ctx, enum cost_option o)
{
    struct fixture *f = ctx;
    struct cost_tco t;
    double x;

    assert_int_equal(cost_tco_compute(spec, v, &f->in, &t), 0);
    x = t.m[0].capex[o] + t.m[0].opex[o] + t.m[0].api[o];
    cost_tco_fini(&t);
    return x;
}

static double metric_hybrid_month(const struct cost_spec *spec,
                                  const double *v, void *ctx)
{
    return metric_month1(spec, v, ctx, COST_HYBRID);
}

static double metric_api_month(const struct cost_spec *spec, const double *v,
                               void *ctx)
{
    return metric_month1(spec, v, ctx, COST_API);
}

struct cross_ctx {
    struct fixture *f;
    int with_one_time;
};

static double metric_first_crossing(const struct cost_spec *spec,
                                    const double *v, void *ctx)
{
    struct cross_ctx *c = ctx;
    struct cost_crossover x;

    cost_crossover_find(spec, v, &c->f->in, COST_LOCAL, c->with_one_time,
                        1e9, &x);
    return x.n ? x.c[0].volume : (double)NAN;
}

static double metric_tco_local(const struct cost_spec *spec, const double *v,
                               void *ctx)
{
    struct fixture *f = ctx;
    struct cost_tco t;
    double x;

    assert_int_equal(cost_tco_compute(spec, v, &f->in, &t), 0);
    x = t.tco[COST_LOCAL];
    cost_tco_fini(&t);
    return x;
}

/* ---- the published figures, nominal column, to the cent ---- */

static void test_cost_seed_short_api_is_21000_a_month(void **state)
{
    struct fixture f;
    struct cost_tco t;

    (void)state;
    load_seed(&f, "scenarios/seed-short-1m.yaml");
    assert_close(f.in.volume, 1e6, 1e-12);
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    /* 1M x 300 x $30/1M = $9,000 and 1M x 200 x $60/1M = $12,000 */
    assert_close(f.in.volume * f.in.input_tokens * f.v[COST_P_API_INPUT_PER_1M]
                     / 1e6, 9000, 1e-12);
    assert_close(f.in.volume * f.in.output_tokens *
                     f.v[COST_P_API_OUTPUT_PER_1M] / 1e6, 12000, 1e-12);
    assert_close(t.m[0].api[COST_API], 21000, 1e-12);
    assert_close(t.m[11].cum[COST_API], 252000, 1e-12);
    assert_close(t.per_1k_queries[COST_API], 21, 1e-12);
    assert_close(t.tco[COST_API], 36 * 21000.0, 1e-12);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

static void test_cost_seed_long_api_is_54000_a_month(void **state)
{
    struct fixture f;
    struct cost_tco t;

    (void)state;
    load_seed(&f, "scenarios/seed-long-1m.yaml");
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_close(f.in.volume * f.in.input_tokens * 30 / 1e6, 24000, 1e-12);
    assert_close(f.in.volume * f.in.output_tokens * 60 / 1e6, 30000, 1e-12);
    assert_close(t.m[0].total[COST_API], 54000, 1e-12);
    assert_close(t.m[11].cum[COST_API], 648000, 1e-12);
    assert_close(t.per_1k_queries[COST_API], 54, 1e-12);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* 8000/36 + 4000/36 + 50 + 30 = 222.22 + 111.11 + 50 + 30 = 413.33 */
static void test_cost_seed_local_is_413_a_month(void **state)
{
    struct fixture f;
    struct cost_tco t;

    (void)state;
    load_seed(&f, "scenarios/seed-short-1m.yaml");
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_int_equal(t.m[0].gpus[COST_LOCAL], 1);
    assert_close(t.m[0].capex[COST_LOCAL], 12000.0 / 36, 1e-12);
    assert_close(t.m[0].power[COST_LOCAL], 50, 1e-12);
    assert_close(t.m[0].opex[COST_LOCAL], 80, 1e-12);
    assert_close(t.m[1].total[COST_LOCAL], 413.0 + 1.0 / 3, 1e-12);
    assert_int_equal((int)lround(t.m[1].total[COST_LOCAL]), 413);
    /* $0.41 per 1K queries at 1M a month */
    assert_close(t.per_1k_queries[COST_LOCAL], 0.41333333333333333, 1e-12);
    assert_close(round(t.per_1k_queries[COST_LOCAL] * 100) / 100, 0.41,
                 1e-12);
    /* 50-130x cheaper: 21000 / 413.33 = 50.8, 54000 / 413.33 = 130.6 */
    assert_int_equal((int)(21000 / t.m[1].total[COST_LOCAL]), 50);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* Expensed one-time costs land in month 1: $2,060-$10,300. */
static void test_cost_seed_one_time_is_2060_to_10300(void **state)
{
    struct fixture f;
    double lo, hi;

    (void)state;
    load_seed(&f, "scenarios/seed-short-1m.yaml");
    assert_int_equal(cost_ranged_count(f.spec), 3);
    cost_values(f.spec, COST_PICK_LO, f.v);
    {
        struct cost_tco t;
        assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
        assert_close(t.m[0].one_time[COST_LOCAL], 2060, 1e-12);
        assert_close(t.m[1].one_time[COST_LOCAL], 0, 1e-12);
        /* Cash payback: $12,000 + $2,060 + $80 against $21,000: month 1 */
        assert_int_equal(t.break_even_month[COST_LOCAL], 1);
        cost_tco_fini(&t);
    }
    cost_values(f.spec, COST_PICK_HI, f.v);
    {
        struct cost_tco t;
        assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
        assert_close(t.m[0].one_time[COST_LOCAL], 10300, 1e-12);
        /* $12,000 + $10,300 + $80 > $21,000: the claimed "1-2 months" */
        assert_int_equal(t.break_even_month[COST_LOCAL], 2);
        cost_tco_fini(&t);
    }
    assert_int_equal(cost_bounds(f.spec, metric_api_month, &f, &lo, &hi), 0);
    assert_close(lo, 21000, 1e-12);
    assert_close(hi, 21000, 1e-12);
    fixture_fini(&f);
}

/* 10K a month: $210-$540 of API spend against $413.33. */
static void test_cost_seed_low_volume_api_is_210_to_540(void **state)
{
    struct fixture f;
    double lo, hi;

    (void)state;
    load_seed(&f, "scenarios/seed-low-volume.yaml");
    assert_close(f.in.volume, 10000, 1e-12);
    assert_int_equal(cost_bounds(f.spec, metric_api_month, &f, &lo, &hi), 0);
    assert_close(lo, 210, 1e-12);
    assert_close(hi, 540, 1e-12);
    cost_values(f.spec, COST_PICK_LO, f.v);
    assert_close(cost_monthly_at(f.spec, f.v, &f.in, COST_LOCAL, 1e4, 0,
                                 NULL), 413.0 + 1.0 / 3, 1e-12);
    fixture_fini(&f);
}

/* 800K local ($413.33) + 200K on the API ($4,200-$10,800). */
static void test_cost_seed_hybrid_is_4613_to_11213(void **state)
{
    struct fixture f;
    struct cost_tco t;
    double lo, hi;

    (void)state;
    load_seed(&f, "scenarios/seed-hybrid-1m.yaml");
    assert_int_equal(cost_bounds(f.spec, metric_hybrid_month, &f, &lo, &hi),
                     0);
    assert_close(lo, 4613.0 + 1.0 / 3, 1e-12);
    assert_close(hi, 11213.0 + 1.0 / 3, 1e-12);
    assert_int_equal(cost_bounds(f.spec, metric_api_month, &f, &lo, &hi), 0);
    assert_close(lo, 21000, 1e-12);
    assert_close(hi, 54000, 1e-12);
    /* Savings with one query size for both: $16,387 (short) - $42,787
     * (long).  The published $10,000 is $21,000 - $11,213: short queries
     * on the API-only side, long ones on the hybrid's. */
    cost_values(f.spec, COST_PICK_LO, f.v);
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_close(t.m[0].api[COST_HYBRID], 4200, 1e-12);
    assert_close(t.m[1].total[COST_API] - t.m[1].total[COST_HYBRID],
                 16386.0 + 2.0 / 3, 1e-12);
    cost_tco_fini(&t);
    cost_values(f.spec, COST_PICK_HI, f.v);
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_close(t.m[0].api[COST_HYBRID], 10800, 1e-12);
    assert_close(t.m[1].total[COST_API] - t.m[1].total[COST_HYBRID],
                 42786.0 + 2.0 / 3, 1e-12);
    assert_int_equal((int)(lround((t.m[1].total[COST_API] -
                                   t.m[1].total[COST_HYBRID]) / 1000) * 12),
                     516);
    assert_int_equal((int)lround((21000 - t.m[1].total[COST_HYBRID]) / 1000),
                     10);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* Plain arithmetic: $413.33 / ($0.021-$0.054) = 7.65K-19.7K a month;
 * with the one-time costs over 36 months: 8.7K-33.3K. */
static void test_cost_seed_crossover_with_and_without_one_time(void **state)
{
    struct fixture f;
    struct cross_ctx c = {&f, 0};
    double lo, hi, local = 413.0 + 1.0 / 3;

    (void)state;
    load_seed(&f, "scenarios/seed-low-volume.yaml");
    assert_int_equal(cost_bounds(f.spec, metric_first_crossing, &c, &lo, &hi),
                     0);
    assert_close(lo, local / 0.054, 1e-9);
    assert_close(hi, local / 0.021, 1e-9);
    assert_int_equal((int)lround(lo), 7654);
    assert_int_equal((int)lround(hi), 19683);
    c.with_one_time = 1;
    assert_int_equal(cost_bounds(f.spec, metric_first_crossing, &c, &lo, &hi),
                     0);
    assert_close(lo, (local + 2060.0 / 36) / 0.054, 1e-9);
    assert_close(hi, (local + 10300.0 / 36) / 0.021, 1e-9);
    assert_int_equal((int)lround(lo), 8714);
    assert_int_equal((int)lround(hi), 33307);
    fixture_fini(&f);
}

/* ---- what the spreadsheet does not have ---- */

/* 5%/month growth from 1M on GPUs that hold 2M each: the second GPU comes
 * in month 16 (1.05^15 = 2.08), the third in month 30 (1.05^29 = 4.12). */
static void test_cost_growth_buys_gpus_when_capacity_runs_out(void **state)
{
    struct fixture f;
    struct cost_tco t;

    (void)state;
    load_text(&f, "costs:\n"
                  "  months: 36\n"
                  "  capex: [{item: L40S, price: 8000}, "
                  "{item: server, price: 4000}]\n"
                  "  power: {per_month: 50}\n"
                  "  facility_per_month: 30\n"
                  "  growth_per_month: 0.05\n"
                  "  queries_per_month_per_gpu: 2e6\n"
                  "  api: {input_per_1m: 30, output_per_1m: 60}\n");
    f.in.volume = 1e6;
    f.in.input_tokens = 300;
    f.in.output_tokens = 200;
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_int_equal(t.m[14].gpus[COST_LOCAL], 1);
    assert_int_equal(t.m[15].gpus[COST_LOCAL], 2);
    assert_int_equal(t.m[28].gpus[COST_LOCAL], 2);
    assert_int_equal(t.m[29].gpus[COST_LOCAL], 3);
    assert_int_equal(t.m[35].gpus[COST_LOCAL], 3);
    assert_close(t.m[35].volume, 1e6 * pow(1.05, 35), 1e-12);
    assert_close(t.m[35].api[COST_API], 21000 * pow(1.05, 35), 1e-12);
    /* Month 16: a second $12,000 unit, charged $333.33/month from now on;
     * cash sees the whole price now. */
    assert_close(t.m[15].capex[COST_LOCAL], 2 * 12000.0 / 36, 1e-12);
    assert_close(t.m[15].cash[COST_LOCAL], 12000 + 2 * 80.0, 1e-12);
    assert_close(t.m[15].opex[COST_LOCAL], 160, 1e-12);
    /* Accrual TCO: 36 + 21 + 7 months of $333.33, $80 per GPU-month. */
    assert_close(t.tco[COST_LOCAL],
                 (36 + 21 + 7) * 12000.0 / 36 + (36 + 21 + 7) * 80.0, 1e-12);
    assert_close(t.tco_cash[COST_LOCAL], 3 * 12000.0 + 64 * 80.0, 1e-12);
    assert_int_equal(t.break_even_month[COST_LOCAL], 1);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* queries_per_month_per_gpu: simulate leaves the parameter unset and says
 * so; the capacity the caller measured then sizes the fleet: 2.94M per
 * GPU at 5% growth from 1M buys the second GPU in month 24. */
static void test_cost_simulated_capacity_sizes_the_fleet(void **state)
{
    struct fixture f;
    struct cost_tco t;

    (void)state;
    load_text(&f, "costs:\n"
                  "  capex: [{item: L40S, price: 8000}]\n"
                  "  power: {per_month: 50}\n"
                  "  growth_per_month: 0.05\n"
                  "  queries_per_month_per_gpu: simulate\n"
                  "  api: {input_per_1m: 30, output_per_1m: 60}\n");
    assert_true(f.spec->capacity_simulate);
    assert_false(f.spec->params[COST_P_QUERIES_PER_GPU].given);
    assert_true(f.v[COST_P_QUERIES_PER_GPU] == 0);
    f.in.volume = 1e6;
    f.in.input_tokens = 300;
    f.in.output_tokens = 200;
    f.in.capacity = 2.94e6;
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_int_equal(t.m[22].gpus[COST_LOCAL], 1); /* 2.93M */
    assert_int_equal(t.m[23].gpus[COST_LOCAL], 2); /* 3.07M */
    assert_int_equal(t.m[35].gpus[COST_LOCAL], 2);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* Amortized one-time costs spread over amortization_months; resale lowers
 * the charge and comes back in cash at the end of amortisation. */
static void test_cost_amortized_one_time_and_resale(void **state)
{
    struct fixture f;
    struct cost_tco t;

    (void)state;
    load_text(&f, "costs:\n"
                  "  months: 36\n"
                  "  amortization_months: 24\n"
                  "  capex: [{item: L40S, price: 8000, resale: 2000}, "
                  "{item: rack, price: 2400, per: deployment}]\n"
                  "  one_time: {data_prep: 4800}\n"
                  "  one_time_accounting: amortized\n"
                  "  ops_per_month: 100\n"
                  "  api: {input_per_1m: 30, output_per_1m: 60}\n");
    f.in.volume = 1000;
    f.in.input_tokens = 300;
    f.in.output_tokens = 200;
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_close(t.m[0].capex[COST_LOCAL], 6000.0 / 24 + 2400.0 / 24, 1e-12);
    assert_close(t.m[0].one_time[COST_LOCAL], 200, 1e-12);
    assert_close(t.m[23].one_time[COST_LOCAL], 200, 1e-12);
    assert_close(t.m[24].one_time[COST_LOCAL], 0, 1e-12);
    assert_close(t.m[24].capex[COST_LOCAL], 0, 1e-12);
    assert_close(t.m[0].cash[COST_LOCAL], 8000 + 2400 + 4800 + 100, 1e-12);
    assert_close(t.m[23].cash[COST_LOCAL], 100 - 2000, 1e-12);
    assert_close(t.tco[COST_LOCAL], 6000 + 2400 + 4800 + 36 * 100.0, 1e-12);
    assert_close(t.tco_cash[COST_LOCAL], t.tco[COST_LOCAL], 1e-12);
    assert_close(cost_monthly_at(f.spec, f.v, &f.in, COST_LOCAL, 1000, 1,
                                 NULL), 350 + 100 + 200, 1e-12);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* Power from the card: (idle + (peak - idle) u) x PUE x $/kWh x 730.5 h. */
static void test_cost_power_follows_utilization(void **state)
{
    struct fixture f;
    struct cost_tco t;
    double h = UNITS_MONTH / 3600;

    (void)state;
    load_text(&f, "costs:\n"
                  "  power: {watts: 350, idle_watts: 90, per_kwh: 0.20, "
                  "pue: 1.5}\n"
                  "  queries_per_month_per_gpu: 4e6\n"
                  "  api: {input_per_1m: 30, output_per_1m: 60}\n");
    f.in.volume = 1e6;
    assert_close(h, 730.5, 1e-12);
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    /* u = 1M / 4M = 0.25: 90 + 260/4 = 155 W */
    assert_close(t.m[0].power[COST_LOCAL], 0.155 * 1.5 * 0.20 * h, 1e-12);
    cost_tco_fini(&t);
    /* A measured busy fraction of 0.6 at 1M queries on one GPU */
    f.in.util_per_query = 0.6 / 1e6;
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_close(t.m[0].power[COST_LOCAL],
                 (90 + 260 * 0.6) / 1000 * 1.5 * 0.20 * h, 1e-12);
    cost_tco_fini(&t);
    fixture_fini(&f);
    /* Without idle_watts, the card draws its peak: 350 W x 730.5 h x $0.20
     * = $51.14, the alternative to the spreadsheet's declared $50. */
    load_text(&f, "costs:\n  power: {watts: 350, per_kwh: 0.20}\n"
                  "  api: {input_per_1m: 30, output_per_1m: 60}\n");
    f.in.volume = 1e6;
    assert_int_equal(cost_tco_compute(f.spec, f.v, &f.in, &t), 0);
    assert_close(t.m[0].power[COST_LOCAL], 51.135, 1e-12);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* The simulated column: billed tokens (retries included) per query from
 * the run instead of the declared means. */
static void test_cost_simulated_uses_billed_tokens(void **state)
{
    struct fixture f;
    struct cost_inputs sim_in;
    struct cost_sim s = {0};
    struct cost_tco t;

    (void)state;
    load_seed(&f, "scenarios/seed-hybrid-1m.yaml");
    s.queries = 1003000;
    s.local_queries = 801000;
    s.local_gpus = 1;
    s.local_utilization = 0.2;
    s.api_queries = 202000;
    s.api_input_tokens = 202000 * 810.0;
    s.api_output_tokens = 202000 * 505.0;
    cost_inputs_simulated(&f.in, &s, &sim_in);
    assert_close(sim_in.volume, 1003000, 1e-12);
    assert_close(sim_in.input_tokens, 810, 1e-12);
    assert_close(sim_in.local_share, 801000.0 / 1003000, 1e-12);
    assert_int_equal(cost_tco_compute(f.spec, f.v, &sim_in, &t), 0);
    /* The spec's query ranges do not override what was billed */
    assert_close(t.m[0].api[COST_HYBRID],
                 202000 * (810 * 30.0 + 505 * 60.0) / 1e6, 1e-9);
    cost_tco_fini(&t);
    fixture_fini(&f);
}

/* GPU steps can make the cheaper side flip back and forth: a $100 GPU
 * holding 1,000 queries against $0.12 a query crosses at 833, 1000
 * (a second GPU), 1667 and 2000. */
static void test_cost_crossover_reports_every_crossing(void **state)
{
    struct fixture f;
    struct cost_crossover x;

    (void)state;
    load_text(&f, "costs:\n  months: 36\n"
                  "  capex: [{item: gpu, price: 3600}]\n"
                  "  queries_per_month_per_gpu: 1000\n"
                  "  api: {input_per_1m: 120000, output_per_1m: 0}\n");
    f.in.input_tokens = 1;
    cost_crossover_find(f.spec, f.v, &f.in, COST_LOCAL, 0, 2400, &x);
    assert_int_equal(x.n, 4);
    assert_false(x.truncated);
    assert_close(x.c[0].volume, 100 / 0.12, 1e-12);
    assert_int_equal(x.c[0].cheaper_above, COST_LOCAL);
    assert_close(x.c[1].volume, 1000, 1e-12);
    assert_int_equal(x.c[1].gpus, 2);
    assert_int_equal(x.c[1].cheaper_above, COST_API);
    assert_close(x.c[2].volume, 200 / 0.12, 1e-12);
    assert_close(x.c[3].volume, 2000, 1e-12);
    /* Hybrid keeping 80% local: the same crossings at 1/0.8 the volume */
    f.in.local_share = 0.8;
    cost_crossover_find(f.spec, f.v, &f.in, COST_HYBRID, 0, 2400, &x);
    assert_true(x.n >= 2);
    assert_close(x.c[0].volume, 100 / 0.12 / 0.8, 1e-12);
    assert_close(x.c[1].volume, 1250, 1e-12);
    fixture_fini(&f);
}

/* Sign changes of local minus API per month (cost_monthly_at, the
 * definition) on a grid of n points over (0, max]: brackets[k] is the
 * grid point just above the k-th; returns how many. */
static size_t grid_crossings(struct fixture *f, enum cost_option o,
                             int with_one_time, double max, size_t n,
                             double *brackets, size_t cap)
{
    size_t k = 0;
    int prev = -1;

    for (size_t i = 1; i <= n; i++) {
        double x = max * (double)i / (double)n;
        double d = cost_monthly_at(f->spec, f->v, &f->in, o, x,
                                   with_one_time, NULL) -
                   cost_monthly_at(f->spec, f->v, &f->in, COST_API, x, 0,
                                   NULL);
        int s = d > 0;
        if (prev >= 0 && s != prev && k < cap)
            brackets[k++] = x;
        prev = s;
    }
    return k;
}

/* The crossings are where cost_monthly_at's two sides meet, for a fleet
 * that starts above one GPU, grows in steps, and draws power up to a
 * knee: each found volume sits in the grid cell where the sign of local
 * minus API changes, and there are as many. */
static void test_cost_crossover_matches_the_monthly_cost(void **state)
{
    static const struct {
        double fleet, step, util; /* util: per query, 0 = 1 / capacity */
        double max;
    } cases[] = {
        {1, 1, 0, 2400},      /* the sawtooth of the test above */
        {3, 1, 0, 9000},      /* three GPUs before the first crossing */
        {2, 4, 0, 30000},     /* growth by replicas of 4 GPUs */
        {1, 1, 2.5e-3, 6000}, /* power saturates below capacity */
        {2, 2, 1.5e-3, 20000},
    };
    struct fixture f;

    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct cost_crossover x;
        double br[COST_MAX_CROSSINGS + 1];
        size_t n, grid = 240000;
        double cell;

        load_text(&f, "costs:\n  months: 36\n"
                      "  capex: [{item: gpu, price: 3600}]\n"
                      "  power: {watts: 300, idle_watts: 100, "
                      "per_kwh: 0.1}\n"
                      "  ops_per_month: 40\n"
                      "  queries_per_month_per_gpu: 1000\n"
                      "  api: {input_per_1m: 150000, output_per_1m: 0}\n");
        f.in.input_tokens = 1;
        f.in.fleet = cases[c].fleet;
        f.in.gpu_step = cases[c].step;
        f.in.util_per_query = cases[c].util;
        cell = cases[c].max / (double)grid;
        cost_crossover_find(f.spec, f.v, &f.in, COST_LOCAL, 0, cases[c].max,
                            &x);
        n = grid_crossings(&f, COST_LOCAL, 0, cases[c].max, grid, br,
                           COST_MAX_CROSSINGS + 1);
        assert_true(n >= 1);
        assert_int_equal(x.n, n);
        for (size_t k = 0; k < n; k++) {
            assert_true(x.c[k].volume > br[k] - cell * 1.000001);
            assert_true(x.c[k].volume <= br[k] * (1 + 1e-12));
            /* the GPUs in service just above it, as the table counts */
            int g = 0;
            cost_monthly_at(f.spec, f.v, &f.in, COST_LOCAL,
                            x.c[k].volume * (1 + 1e-9), 0, &g);
            assert_int_equal(x.c[k].gpus, g);
        }
        fixture_fini(&f);
    }
}

/* A search to volumes of a billion GPUs skips the GPU counts that cannot
 * hold a crossing (it used to walk them one by one, and stopped at a
 * million): one crossing, then none up to the last GPU counted. */
static void test_cost_crossover_searches_far(void **state)
{
    struct fixture f;
    struct cost_crossover x;

    (void)state;
    load_text(&f, "costs:\n  months: 36\n"
                  "  capex: [{item: gpu, price: 1800}]\n"
                  "  ops_per_month: 500\n"
                  "  queries_per_month_per_gpu: 1000\n"
                  "  api: {input_per_1m: 120000, output_per_1m: 0}\n");
    f.in.input_tokens = 1;
    /* $50 a GPU-month for 1,000 queries against $120 for them on the
     * API: the $500 of ops are paid back at 7,500 queries (the 8th GPU),
     * and local stays cheaper at every step after it. */
    cost_crossover_find(f.spec, f.v, &f.in, COST_LOCAL, 0, 1e12, &x);
    assert_int_equal(x.n, 1);
    assert_false(x.truncated);
    assert_close(x.c[0].volume, 7500, 1e-9);
    assert_int_equal(x.c[0].gpus, 8);
    assert_int_equal(x.c[0].cheaper_above, COST_LOCAL);
    cost_crossover_find(f.spec, f.v, &f.in, COST_LOCAL, 0, 1e13, &x);
    assert_int_equal(x.n, 1);
    assert_true(x.truncated); /* past 1e9 GPUs */
    fixture_fini(&f);
}

/* data_prep's $8,000 swing outranks evaluation's $200 and fine_tune's $40. */
static void test_cost_sensitivity_ranks_by_swing(void **state)
{
    struct fixture f;
    struct cost_sensitivity s[64];
    size_t n;
    double base = 0.0; /* -Werror=maybe-uninitialized under -O3 -flto */

    (void)state;
    load_seed(&f, "scenarios/seed-short-1m.yaml");
    assert_int_equal(cost_sensitivity_rank(f.spec, metric_tco_local, &f,
                                           &base, s, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(f.spec->params[s[0].param].name, "one_time.data_prep");
    assert_close(s[0].swing, 8000, 1e-12);
    assert_string_equal(f.spec->params[s[1].param].name,
                        "one_time.evaluation");
    assert_string_equal(f.spec->params[s[2].param].name,
                        "one_time.fine_tune");
    assert_close(base, 36 * (413.0 + 1.0 / 3) + 6000 + 30 + 150, 1e-12);
    fixture_fini(&f);
}

/* ---- the parser ---- */

static void expect_error(const char *yaml, const char *message)
{
    struct cfg_doc *doc = NULL;
    struct cost_spec *spec = NULL;
    struct diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&buf, &len);

    diag_init(&d, sink);
    assert_int_equal(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d, &doc),
                     0);
    assert_int_equal(cost_parse(cfg_get(cfg_doc_root(doc), "costs"), "costs",
                                &spec, &d), SLM_EINPUT);
    assert_null(spec);
    fclose(sink);
    if (!strstr(buf, message)) {
        print_error("got:      %s\nexpected: %s\n", buf, message);
        fail();
    }
    free(buf);
    cfg_doc_free(doc);
}

static void test_cost_parse_errors_are_located(void **state)
{
    (void)state;
    expect_error("costs:\n  one_time: {data_prep: [10000, 2000]}\n",
                 "t.yaml:2:25: error: range 'data_prep' must be [low, high] "
                 "with low <= high, got [10000, 2000]");
    expect_error("costs:\n  facility_per_month: [1, 2, 3]\n",
                 "t.yaml:2:23: error: 'facility_per_month' must be a number "
                 "or a range [low, high], got a sequence of 3 items");
    expect_error("costs:\n  capex: [{item: L40S, price: 8000, resale: 9000}]\n",
                 "'resale' must not exceed the lowest 'price' in "
                 "costs.capex[0]");
    expect_error("costs:\n  power: {per_month: 50, watts: 350}\n",
                 "give either 'per_month' or 'watts' and 'per_kwh' in "
                 "costs.power, not both");
    expect_error("costs:\n  power: {watts: 350, idle_watts: 400, "
                 "per_kwh: 0.2}\n",
                 "'idle_watts' must not exceed 'watts' in costs.power");
    expect_error("costs:\n  power: {watts: 350, per_kwh: 0.2, pue: 0.9}\n",
                 "'pue' must be >= 1, got 0.9");
    expect_error("costs:\n  growth_per_month: -1\n",
                 "t.yaml:2:21: error: 'growth_per_month' must be > -1, got -1");
    expect_error("costs:\n  fixed_costs: 3\n", "unknown key 'fixed_costs'");
    expect_error("costs:\n  api: {input_per_1m: 30}\n",
                 "missing required key 'output_per_1m'");
    expect_error("costs:\n  queries_per_month_per_gpu: measured\n",
                 "t.yaml:2:30: error: 'queries_per_month_per_gpu' must be a "
                 "number, a range [low, high] or 'simulate', got 'measured'");
}

static void test_cost_parse_survives_every_allocation_failure(void **state)
{
    static const char yaml[] =
        "costs:\n  capex: [{item: a, price: 1}, {item: b, price: [1, 2]}]\n"
        "  one_time: {x: 1, y: [1, 2]}\n"
        "  api: {input_per_1m: 30, output_per_1m: 60}\n";
    struct cfg_doc *doc = NULL;
    struct diag d;
    int ok = 0;

    (void)state;
    diag_init(&d, NULL);
    assert_int_equal(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d, &doc),
                     0);
    for (long n = 0; n < 200 && !ok; n++) {
        struct cost_spec *spec = NULL;
        int rc;
        mem_fail_after(n);
        rc = cost_parse(cfg_get(cfg_doc_root(doc), "costs"), "costs", &spec,
                        &d);
        mem_fail_reset();
        if (rc == 0) {
            assert_int_equal(spec->nparams, COST_P_FIXED_COUNT + 4 + 2);
            ok = 1;
        } else {
            assert_int_equal(rc, SLM_ENOMEM);
            assert_null(spec);
        }
        cost_spec_free(spec);
    }
    assert_true(ok);
    cfg_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_seed_short_api_is_21000_a_month),
        cmocka_unit_test(test_cost_seed_long_api_is_54000_a_month),
        cmocka_unit_test(test_cost_seed_local_is_413_a_month),
        cmocka_unit_test(test_cost_seed_one_time_is_2060_to_10300),
        cmocka_unit_test(test_cost_seed_low_volume_api_is_210_to_540),
        cmocka_unit_test(test_cost_seed_hybrid_is_4613_to_11213),
        cmocka_unit_test(test_cost_seed_crossover_with_and_without_one_time),
        cmocka_unit_test(test_cost_growth_buys_gpus_when_capacity_runs_out),
        cmocka_unit_test(test_cost_simulated_capacity_sizes_the_fleet),
        cmocka_unit_test(test_cost_amortized_one_time_and_resale),
        cmocka_unit_test(test_cost_power_follows_utilization),
        cmocka_unit_test(test_cost_simulated_uses_billed_tokens),
        cmocka_unit_test(test_cost_crossover_reports_every_crossing),
        cmocka_unit_test(test_cost_crossover_matches_the_monthly_cost),
        cmocka_unit_test(test_cost_crossover_searches_far),
        cmocka_unit_test(test_cost_sensitivity_ranks_by_swing),
        cmocka_unit_test(test_cost_parse_errors_are_located),
        cmocka_unit_test(test_cost_parse_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests_name("cost", tests, NULL, NULL);
}
