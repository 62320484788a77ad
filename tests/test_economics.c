/*
 * economics: where the cost model's numbers come from in a run.  A hybrid
 * of two stations (deterministic tokens, so billed tokens are exact): the
 * narrow task (300 in / 200 out, 80%) stays local, the long one (800/500,
 * 20%) goes to the API.
 */
#include "tests/run_driver.h"

#include "study/economics.h"
#include "study/pricing.h"
#include "sim/units.h"

static const char econ_yaml[] =
    "name: econ\nseed: 11\nhorizon: 2d\nwarmup: 0s\nreplications: 2\n"
    "workload:\n"
    "  arrivals: {process: poisson, volume: 1e6/month}\n"
    "  tasks:\n"
    "    - {type: document-classification, share: 0.8, input_tokens: 300, "
    "output_tokens: 200}\n"
    "    - {type: summarization, share: 0.2, input_tokens: 800, "
    "output_tokens: 500}\n"
    "backends:\n"
    "  local: {kind: station, servers: 4, service: 20ms}\n"
    "  api: {kind: station, servers: 64, service: 400ms}\n"
    "routing: {policy: task-based, local: local, api: api,\n"
    "          local_tasks: [document-classification]}\n"
    "costs:\n"
    "  prices: {L40S: {gpu: 8000, server: 4000, power_per_month: 50}}\n"
    "  facility_per_month: 30\n"
    "  api: {input_per_1m: 30, output_per_1m: 60}\n";

/* Binds the cost spec to the system, as every command does. */
static void bind(struct scenario *sc)
{
    struct diag d;

    diag_init(&d, stderr);
    assert_int_equal(study_pricing_bind(sc, &d), 0);
}

static void test_task_based_routing_gives_the_nominal_local_share(void **state)
{
    struct scenario *sc = drv_load(econ_yaml);
    struct cost_inputs in;

    (void)state;
    bind(sc);
    economics_nominal(sc, &in);
    assert_close(in.volume, 1e6, 1e-12);
    /* the API is priced at the tokens of what the routing sends it */
    assert_close(in.input_tokens, 800, 1e-12);
    assert_close(in.output_tokens, 500, 1e-12);
    assert_close(in.api_share, 0.2, 1e-12);
    /* the all-API option at the workload's own mix */
    assert_close(in.all_api_input_tokens, 0.8 * 300 + 0.2 * 800, 1e-12);
    assert_close(in.all_api_output_tokens, 0.8 * 200 + 0.2 * 500, 1e-12);
    assert_close(in.local_share, 0.8, 1e-12);
    assert_int_equal(economics_side(sc, 0), ECONOMICS_LOCAL);
    assert_int_equal(economics_side(sc, 1), ECONOMICS_API);
    scenario_free(sc);
}

static void test_the_api_bill_counts_only_what_it_served(void **state)
{
    struct drv v;
    struct cost_inputs nominal, in;
    struct cost_sim m;
    double *p, share, se;

    (void)state;
    drv_run(&v, econ_yaml);
    bind(v.sc);
    economics_nominal(v.sc, &nominal);
    economics_measured(v.sc, v.res, v.n, &m);
    /* the API saw only the long task: exactly its tokens per query */
    assert_close(m.api_input_tokens / m.api_queries, 800.0, 1e-12);
    assert_close(m.api_output_tokens / m.api_queries, 500.0, 1e-12);
    /* the local share is a binomial proportion: 99% interval */
    share = m.local_queries / (m.local_queries + m.api_queries);
    se = sqrt(0.8 * 0.2 / (m.local_queries + m.api_queries) /
              (2.0 * UNITS_DAY / UNITS_MONTH));
    assert_within(share, 0.8 - 2.576 * se, 0.8 + 2.576 * se);

    cost_inputs_simulated(&nominal, &m, &in);
    p = calloc(v.sc->costs->nparams, sizeof *p);
    assert_non_null(p);
    cost_values(v.sc->costs, COST_PICK_MID, p);
    /* all-API prices the workload's own mix, not the hybrid's API share */
    assert_close(cost_monthly_at(v.sc->costs, p, &in, COST_API, in.volume, 0,
                                 NULL),
                 in.volume * (400 * 30.0 + 260 * 60.0) / 1e6, 1e-12);
    /* the hybrid pays the long queries' price on what it sends out */
    assert_close(cost_monthly_at(v.sc->costs, p, &in, COST_HYBRID, in.volume,
                                 0, NULL),
                 8000.0 / 36 + 4000.0 / 36 + 50 + 30 +
                     in.volume * in.api_share *
                         (800 * 30.0 + 500 * 60.0) / 1e6,
                 1e-9);
    free(p);
    drv_free(&v);
}

static void write_cost(struct jw *w, void *ctx)
{
    struct drv *v = ctx;

    assert_int_equal(economics_write_json(w, v->sc, v->res, v->n), 0);
}

static void test_results_json_carries_the_cost_section(void **state)
{
    struct drv v;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    drv_run(&v, econ_yaml);
    bind(v.sc);
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(report_write_json_extra(f, v.sc, v.res, v.n,
                                             write_cost, &v), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"cost\": {"));
    assert_non_null(strstr(buf, "\"deployment\": \"hybrid\""));
    assert_non_null(strstr(buf, "\"break_even_month\""));
    assert_non_null(strstr(buf, "\"crossover\""));
    free(buf);
    drv_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_based_routing_gives_the_nominal_local_share),
        cmocka_unit_test(test_the_api_bill_counts_only_what_it_served),
        cmocka_unit_test(test_results_json_carries_the_cost_section),
    };
    return cmocka_run_group_tests_name("economics", tests, NULL, NULL);
}
