/*
 * test_study: the study layer's small parts, by hand: the text formatters
 * a finance reader sees (sim/units.h), and pricing bound to the system
 * (study/pricing.h): a GPU priced from its own list entry or the
 * catalog (rent too), the API from its backend, the old second price list
 * refused.
 */
#include "tests/check.h"

#include <string.h>

#include "models/cost.h"
#include "models/scenario.h"
#include "sim/units.h"
#include "study/pricing.h"

static void test_money_reads_as_finance_writes_it(void **state)
{
    char b[32];

    (void)state;
    assert_string_equal(units_format_money(10809.85, b, sizeof b), "$10,810");
    assert_string_equal(units_format_money(413.3333, b, sizeof b), "$413");
    assert_string_equal(units_format_money(41.333, b, sizeof b), "$41.33");
    assert_string_equal(units_format_money(0.41, b, sizeof b), "$0.41");
    assert_string_equal(units_format_money(-1200, b, sizeof b), "-$1,200");
    assert_string_equal(units_format_money(1598935, b, sizeof b),
                        "$1,598,935");
    assert_string_equal(units_format_money(NAN, b, sizeof b), "-");
}

static void test_volumes_never_in_scientific_notation(void **state)
{
    char b[32];

    (void)state;
    assert_string_equal(units_format_volume(1e6, b, sizeof b), "1.0M");
    assert_string_equal(units_format_volume(998701, b, sizeof b), "998,701");
    assert_string_equal(units_format_volume(2.26e9, b, sizeof b), "2.3B");
    assert_string_equal(units_format_volume(5e6, b, sizeof b), "5.0M");
    assert_string_equal(units_format_count(1e10, b, sizeof b),
                        "10,000,000,000");
    assert_string_equal(units_format_duration(1.5, b, sizeof b), "1.5 s");
    assert_string_equal(units_format_duration(0.25, b, sizeof b), "250 ms");
}

/* Loads text as a scenario file and binds its prices. */
static int load(const char *yaml, const char *const *sets, size_t nsets,
                struct scenario **sc)
{
    struct scenario_overrides ov = {sets, nsets, NULL};
    struct diag d;
    FILE *f = fopen("build/test-study.yaml", "w");
    int st;

    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    diag_init(&d, stderr);
    st = scenario_load("build/test-study.yaml", &ov, &d, sc);
    if (st == SLM_OK && (st = study_pricing_bind(*sc, &d)) != SLM_OK) {
        scenario_free(*sc);
        *sc = NULL;
    }
    return st;
}

static const char base_yaml[] =
    "name: s\nseed: 1\nhorizon: 1h\nwarmup: 0s\n"
    "workload:\n  arrivals: {process: poisson, volume: 1000000/month}\n"
    "  tasks: [{type: document-classification, share: 1, input_tokens: 300,"
    " output_tokens: 200}]\n"
    "backends:\n"
    "  local: {kind: gpu, gpu: L40S, count: 2, model: llama-3-8b, quant: "
    "int4}\n"
    "  api: {kind: api, preset: gpt-4o}\n"
    "routing: {policy: all-local}\n"
    "costs:\n"
    "  prices: {L40S: {gpu: 8000, server: 4000, peak_w: 350, idle_w: 90}}\n"
    "  power: {per_kwh: 0.2}\n";

static void test_the_system_sets_the_prices(void **state)
{
    static const char *const h100[] = {"backends.local.gpu=H100-SXM"};
    struct scenario *sc = NULL;
    const struct cost_param_def *p;

    (void)state;
    assert_int_equal(load(base_yaml, NULL, 0, &sc), SLM_OK);
    p = sc->costs->params;
    assert_true(sc->costs->fleet == 2);
    assert_true(p[COST_P_GPU_PRICE].lo == 8000);
    assert_true(p[COST_P_SERVER_PRICE].lo == 4000);
    assert_true(p[COST_P_POWER_WATTS].lo == 350);
    /* gpt-4o's own pricing, no costs.api */
    assert_true(p[COST_P_API_INPUT_PER_1M].lo == 2.5);
    assert_true(p[COST_P_API_OUTPUT_PER_1M].lo == 10);
    assert_string_equal(sc->costs->basis_api, "backends.api preset gpt-4o");
    scenario_free(sc);
    /* Another GPU: the catalog's price and watts, never the L40S's. */
    assert_int_equal(load(base_yaml, h100, 1, &sc), SLM_OK);
    p = sc->costs->params;
    assert_true(p[COST_P_GPU_PRICE].lo == 30000);
    assert_true(p[COST_P_SERVER_PRICE].lo == 0);
    assert_true(p[COST_P_POWER_WATTS].lo == 700);
    assert_string_equal(sc->costs->basis_gpu, "catalog H100-SXM");
    scenario_free(sc);
}

static void test_a_second_price_list_is_refused(void **state)
{
    static const char *const api[] = {
        "costs.api={input_per_1m: 1, output_per_1m: 2}"};
    static const char *const rent[] = {"costs.acquire=rent"};
    struct scenario *sc = NULL;

    (void)state;
    assert_int_equal(load(base_yaml, api, 1, &sc), SLM_EINPUT);
    assert_null(sc);
    /* Renting without a rate in the list takes the catalog's. */
    assert_int_equal(load(base_yaml, rent, 1, &sc), SLM_OK);
    assert_true(sc->costs->params[COST_P_RENT_PER_GPU_HOUR].lo > 0);
    assert_true(sc->costs->params[COST_P_GPU_PRICE].lo == 0);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_reads_as_finance_writes_it),
        cmocka_unit_test(test_volumes_never_in_scientific_notation),
        cmocka_unit_test(test_the_system_sets_the_prices),
        cmocka_unit_test(test_a_second_price_list_is_refused),
    };
    return cmocka_run_group_tests_name("study", tests, NULL, NULL);
}
