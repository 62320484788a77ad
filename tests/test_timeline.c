/*
 * The timeline's down windows: what a backend recorded while it was down
 * reaches the figure, and the figure's JSON, exactly.
 *   a forced API outage [1 h, 2 h) is one window, [1 h, 2 h), shaded
 *   from 1 to 2 on the hours axis, and read back the same from JSON
 *   each GPU replica failure is a window of exactly mttr, the last one
 *   possibly ended by the horizon, one per counted failure
 *   past DOWNLOG_MAX windows the rest are counted, not kept
 */
#include "tests/run_driver.h"

#include <math.h>
#include <stdio.h>

#include "models/downlog.h"
#include "plots/plot.h"
#include "sim/json.h"

#define T_HEAD                                                                \
    "name: t\nseed: 3\nhorizon: 6h\nwarmup: 0s\nreplications: 1\n"            \
    "workload:\n  arrivals: {process: poisson, rate: 0.2/s}\n"                \
    "  tasks: [{type: t, share: 1, input_tokens: 300, output_tokens: 20}]\n"

#define T_GPU                                                                 \
    "{kind: gpu, gpu: L40S, count: 1, model: llama-3-8b, quant: int4"

#define T_API                                                                 \
    "{kind: api, pricing: {input_per_1m: 30, output_per_1m: 60}, "            \
    "latency: {ttft: 300ms, tokens_per_s: 100}"

/* Replication 0 of yaml with its extras (and down windows) kept. */
static struct scenario *t_run(const char *yaml, struct run_result *res)
{
    struct run_hooks h = {NULL, NULL, 1};
    struct scenario *sc = drv_load(yaml);
    struct diag d;

    diag_init(&d, stderr);
    assert_int_equal(run_result_init(res, sc->nbackends), 0);
    assert_int_equal(run_replication(sc, 0, &h, &d, res), 0);
    return sc;
}

/* A timeline of two points over [0, horizon] carrying the windows. */
static struct figure *t_timeline(double horizon, const double (*down)[2],
                                 size_t ndown, uint64_t cut)
{
    static const double v[2] = {1, 2};
    double t[2] = {0, horizon};
    struct plot_timeline_series s[1] = {
        {"queue_length", "waiting requests", v, FIGURE_FMT_NUMBER}};
    struct plot_timeline_input in = {{"t", ""}, 2, t, 0, 1, s,
                                     ndown, down, cut};
    struct figure *f = NULL;

    assert_int_equal(plot_timeline(&in, &f), 0);
    return f;
}

static struct figure *t_round_trip(const struct figure *f)
{
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    struct json *j = NULL;
    struct figure *g = NULL;
    struct jw w;
    struct diag d;

    assert_non_null(m);
    jw_init(&w, m);
    jw_object_begin(&w, NULL);
    figure_write_json(f, &w);
    jw_object_end(&w);
    assert_int_equal(jw_finish(&w), 0);
    fclose(m);
    diag_init(&d, stderr);
    assert_int_equal(json_parse(text, size, "r.json", &d, &j), 0);
    assert_int_equal(figure_from_json(json_at(j, 0), "r.json", &d, &g), 0);
    json_free(j);
    free(text);
    return g;
}

static void test_timeline_forced_api_outage_is_one_shaded_window(
    void **state)
{
    double down[FIGURE_MAX_SPANS][2];
    struct run_result res;
    struct scenario *sc;
    struct figure *f, *g;
    uint64_t cut;
    size_t n;

    (void)state;
    sc = t_run(T_HEAD "backends:\n  local: " T_GPU "}\n  api: " T_API
                      ", outages: [{start: 1h, duration: 1h}]}\n"
                      "routing: {policy: failover, primary: api}\n",
               &res);
    n = run_down_windows(&res, down, FIGURE_MAX_SPANS, &cut);
    assert_int_equal(n, 1);
    assert_int_equal(cut, 0);
    assert_close(down[0][0], 3600.0, 0);
    assert_close(down[0][1], 7200.0, 0);
    f = t_timeline(6 * 3600.0, (const double (*)[2])down, n, cut);
    assert_int_equal(f->nspans, 1);
    assert_close(f->spans[0].x0, 1.0, 0);
    assert_close(f->spans[0].x1, 2.0, 0);
    assert_string_equal(f->span_title, "outage/repair");
    g = t_round_trip(f);
    assert_int_equal(g->nspans, 1);
    assert_close(g->spans[0].x0, 1.0, 0);
    assert_close(g->spans[0].x1, 2.0, 0);
    assert_int_equal(g->spans_cut, 0);
    assert_string_equal(g->span_title, "outage/repair");
    assert_string_equal(g->span_color, f->span_color);
    figure_free(g);
    figure_free(f);
    run_result_fini(&res);
    scenario_free(sc);
}

/* Without keep_extras nothing is kept: a plain replication costs no
 * window storage. */
static void test_timeline_windows_are_kept_only_with_the_extras(void **state)
{
    struct drv v;
    double down[4][2];
    uint64_t cut;

    (void)state;
    drv_run(&v, T_HEAD "backends:\n  api: " T_API
                       ", outages: [{start: 1h, duration: 1h}]}\n");
    assert_null(v.res[0].backend[0].down);
    assert_int_equal(run_down_windows(&v.res[0], down, 4, &cut), 0);
    drv_free(&v);
}

static void test_timeline_gpu_repairs_last_mttr_each(void **state)
{
    double down[FIGURE_MAX_SPANS][2];
    struct run_result res;
    struct scenario *sc;
    uint64_t cut;
    size_t n, i;

    (void)state;
    sc = t_run(T_HEAD "backends:\n  local: " T_GPU
                      ", failures: {mtbf: 2h, mttr: 30m}}\n",
               &res);
    n = run_down_windows(&res, down, FIGURE_MAX_SPANS, &cut);
    assert_int_equal(cut, 0);
    assert_true(n >= 1);
    assert_close((double)n, drv_figure(&res, 0, "replica_failures"), 0);
    for (i = 0; i < n; i++) {
        assert_true(down[i][0] < down[i][1]);
        if (down[i][1] < 6 * 3600.0)
            assert_close(down[i][1] - down[i][0], 1800.0, 1e-9);
        else
            assert_close(down[i][1], 6 * 3600.0, 0);
        if (i)
            assert_true(down[i][0] >= down[i - 1][1]);
    }
    run_result_fini(&res);
    scenario_free(sc);
}

static void test_timeline_windows_past_the_cap_are_counted(void **state)
{
    struct downlog *l = malloc(sizeof *l);
    double down[2][2] = {{0, 1}, {2, 3}};
    struct figure *f;
    size_t i;

    (void)state;
    assert_non_null(l);
    downlog_init(l);
    for (i = 0; i < DOWNLOG_MAX + 5; i++)
        downlog_close(l, downlog_open(l, (double)i), (double)i + 0.5);
    assert_int_equal(l->n, DOWNLOG_MAX);
    assert_int_equal(l->cut, 5);
    assert_close(l->w[DOWNLOG_MAX - 1].end, DOWNLOG_MAX - 0.5, 0);
    downlog_open(l, 1.0); /* full: no slot */
    assert_int_equal(l->cut, 6);
    free(l);
    /* The figure says how many it did not shade. */
    f = t_timeline(3600.0 * 4, (const double (*)[2])down, 2, 7);
    assert_int_equal(f->nspans, 2);
    assert_int_equal(f->spans_cut, 7);
    assert_non_null(strstr(f->caption, "7 more down windows not shaded"));
    figure_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_forced_api_outage_is_one_shaded_window),
        cmocka_unit_test(test_timeline_windows_are_kept_only_with_the_extras),
        cmocka_unit_test(test_timeline_gpu_repairs_last_mttr_each),
        cmocka_unit_test(test_timeline_windows_past_the_cap_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
