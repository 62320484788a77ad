/*
 * test_verdict: stability, limits, the SLO verdict and the report's
 * honest-number rules on whole runs of small stations.
 *
 * M/M/1 with mean service 2.385 s: at 0.3354/s (rho = 0.8) the backlog is
 * stationary; at 0.5/s (rho = 1.19) it grows by about
 * (0.5 - 1/2.385) x window = 0.0807/s, 6,390 over 22 h, which the test
 * must call unstable with the growth inside its interval.
 */
#include "tests/run_driver.h"

#include <signal.h>
#include <stdio.h>

#include "models/verdict.h"
#include "sim/interrupt.h"
#include "sim/stats.h"

#define MM1(rate, extra)                                                      \
    "name: mm1\nseed: 20260101\nhorizon: 1d\nwarmup: 2h\nreplications: 3\n" \
    "workload:\n  arrivals: {process: poisson, rate: " rate "}\n"             \
    "backends:\n  mm1: {kind: station, servers: 1, service: {dist: "         \
    "exponential, mean: 2.385s}}\n" extra

static void test_verdict_stable_queue_is_called_stable(void **state)
{
    struct drv v;
    struct run_stability st;

    (void)state;
    drv_run(&v, MM1("0.3354297694/s", ""));
    drv_check_identity(&v);
    run_stability(v.res, v.n, &st);
    assert_true(st.stable);
    assert_true(st.growth_low < st.threshold);
    assert_close(st.offered_rate, 0.3354297694, 0.02);
    assert_close(st.served_rate, st.offered_rate, 0.02);
    drv_free(&v);
}

static void test_verdict_overloaded_queue_is_unstable_with_its_growth(
    void **state)
{
    struct drv v;
    struct run_stability st;
    double expect = (0.5 - 1.0 / 2.385) * 22.0 * 3600.0;

    (void)state;
    drv_run(&v, MM1("0.5/s", ""));
    drv_check_identity(&v);
    run_stability(v.res, v.n, &st);
    assert_false(st.stable);
    assert_close(st.served_rate, 1.0 / 2.385, 0.02);
    assert_close(st.offered_rate, 0.5, 0.02);
    /* The exact growth lies in the interval, widened by the station's
     * start-up (it is busy from the first minutes). */
    assert_within(expect, st.growth_low * 0.95, st.growth_high * 1.05);
    drv_free(&v);
}

/* Served throughput counts every completion in the window; the cohort's
 * counts only the window's arrivals: under overload they differ. */
static void test_verdict_served_counts_every_completion_in_the_window(
    void **state)
{
    struct drv v;
    size_t r;

    (void)state;
    drv_run(&v, MM1("0.5/s", ""));
    for (r = 0; r < v.n; r++) {
        assert_true(v.res[r].served >= v.res[r].completed);
        assert_true(v.res[r].backend[0].served >= v.res[r].completed);
        assert_close((double)v.res[r].served / v.res[r].window,
                     1.0 / 2.385, 0.03);
    }
    drv_free(&v);
}

static void test_verdict_in_flight_limit_stops_the_replication(void **state)
{
    struct scenario *sc = drv_load(
        MM1("100/s", "limits: {max_in_flight: 5000, max_events: 100000}\n"));
    struct run_result res;
    struct diag d;
    char line[512];

    (void)state;
    diag_init(&d, NULL);
    assert_int_equal(sc->limits.max_in_flight, 5000);
    assert_int_equal(run_result_init(&res, sc->nbackends), 0);
    assert_int_equal(run_replication(sc, 0, NULL, &d, &res), SLM_ELIMIT);
    assert_int_equal(res.stopped, SLM_ELIMIT);
    assert_int_equal(res.limit, SIM_LIMIT_IN_FLIGHT);
    assert_int_equal(res.limit_value, 5000);
    /* 5,000 in the system after about 5000 / (100 - 0.42) s. */
    assert_within(res.t_end, 45.0, 56.0);
    run_describe_stop(sc, &res, line, sizeof line);
    assert_non_null(strstr(line, "UNSTABLE"));
    assert_non_null(strstr(line, "max_in_flight = 5000"));
    run_result_fini(&res);
    scenario_free(sc);
}

static void test_verdict_events_limit_stops_the_replication(void **state)
{
    /* 64 servers: each busy server holds one pending event. */
    struct scenario *sc = drv_load(
        "name: ev\nhorizon: 1h\nreplications: 1\n"
        "workload:\n  arrivals: {process: poisson, rate: 100/s}\n"
        "backends:\n  s: {kind: station, servers: 64, service: {dist: "
        "exponential, mean: 0.5s}}\nlimits: {max_events: 20}\n");
    struct run_result res;
    struct diag d;

    (void)state;
    diag_init(&d, NULL);
    assert_int_equal(run_result_init(&res, sc->nbackends), 0);
    assert_int_equal(run_replication(sc, 0, NULL, &d, &res), SLM_ELIMIT);
    assert_int_equal(res.limit, SIM_LIMIT_EVENTS);
    run_result_fini(&res);
    scenario_free(sc);
}

static void test_verdict_bad_limits_are_located_errors(void **state)
{
    static const char *const bad[] = {
        "limits: {max_in_flight: 0}\n", "limits: {max_in_flight: -3}\n",
        "limits: {max_inflight: 10}\n", "limits: 7\n",
        "limits: {max_events: 2000000000}\n"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[1024], path[] = "/tmp/slmsim-verdict-XXXXXX", *buf = NULL;
        size_t len = 0;
        struct scenario *sc = NULL;
        struct diag d;
        FILE *mem = open_memstream(&buf, &len);
        int fd = mkstemp(path);
        FILE *f = fdopen(fd, "w");
        snprintf(yaml, sizeof yaml, MM1("1/s", "%s"), bad[i]);
        fputs(yaml, f);
        fclose(f);
        diag_init(&d, mem);
        assert_int_equal(scenario_load(path, NULL, &d, &sc), SLM_EINPUT);
        fclose(mem);
        assert_non_null(strstr(buf, ":10:"));
        assert_non_null(strstr(buf, "error"));
        free(buf);
        unlink(path);
    }
}

/* 21.6% of requests failing meets no SLO, whatever the latency. */
static void test_verdict_fails_on_failures_and_says_so(void **state)
{
    struct drv v;
    struct verdict vd;
    char line[512];
    size_t r;

    (void)state;
    drv_run(&v, MM1("0.3354297694/s", "slo: {e2e_p99: 1h}\n"));
    assert_true(v.sc->slo.set);
    assert_close(v.sc->slo.max_failed, VERDICT_DEFAULT_MAX_FAILED, 0.0);
    verdict_compute(v.sc, v.res, v.n, &vd);
    assert_true(vd.met);
    assert_string_equal(verdict_describe(&vd, line, sizeof line), "SLO met");
    /* Pretend a fifth of the arrivals were rejected. */
    for (r = 0; r < v.n; r++)
        v.res[r].rejected = v.res[r].arrived / 5;
    verdict_compute(v.sc, v.res, v.n, &vd);
    assert_false(vd.met);
    assert_true(vd.failed_by == VERDICT_FAILURES);
    assert_close(vd.failed_share, 0.2, 0.01);
    verdict_describe(&vd, line, sizeof line);
    assert_non_null(strstr(line, "SLO NOT met: 20"));
    assert_non_null(strstr(line, "failed or were rejected (allowed 0.1%)"));
    drv_free(&v);
}

static void test_verdict_fails_an_unstable_run_and_a_tpot_target(
    void **state)
{
    struct drv v;
    struct verdict vd;
    char line[512];

    (void)state;
    drv_run(&v, MM1("0.5/s", "slo: {e2e_p99: 100d, tpot_p99: 20ms, "
                             "max_failed: 5%}\n"));
    assert_close(v.sc->slo.tpot_p99, 0.020, 1e-12);
    assert_close(v.sc->slo.max_failed, 0.05, 1e-12);
    verdict_compute(v.sc, v.res, v.n, &vd);
    assert_false(vd.met);
    assert_true(vd.failed_by & VERDICT_UNSTABLE);
    /* A station has no tokens: no TPOT samples, so that target fails. */
    assert_true(vd.failed_by & VERDICT_LATENCY);
    verdict_describe(&vd, line, sizeof line);
    assert_non_null(strstr(line, "unstable"));
    assert_non_null(strstr(line, "TPOT n/a (no samples)"));
    drv_free(&v);
}

/* A nightly burst 00:00-01:00 at 4/s into one 0.5 s server finishes at
 * about 02:00 (twice the work of the hour it arrives in): a 06:00
 * deadline holds, a 01:30 one does not. */
static void test_verdict_deadline_checks_each_days_last_completion(
    void **state)
{
    static const char yaml[] =
        "name: batch\nseed: 3\nhorizon: 2d\nreplications: 2\n"
        "workload:\n  arrivals: {process: trace, path: %s, format: csv, "
        "columns: {time: ts, input_tokens: in, output_tokens: out}, loop: true, duration: 1d}\n"
        "backends:\n  s: {kind: station, servers: 1, service: {dist: "
        "deterministic, value: 0.5s}}\nslo: {deadline: '%s'}\n";
    char trace[] = "/tmp/slmsim-batch-XXXXXX", y[1024];
    const char *dl[] = {"06:00", "01:30"};
    int fd = mkstemp(trace), k, i;
    FILE *f = fdopen(fd, "w");

    (void)state;
    fprintf(f, "ts,in,out\n");
    /* 14,400 requests spread over 01:00-02:00 (4/s), day length 86400 */
    for (i = 0; i < 14400; i++)
        fprintf(f, "%.3f,10,10\n", i * 0.25);
    fclose(f);
    for (k = 0; k < 2; k++) {
        struct drv v;
        struct verdict vd;
        snprintf(y, sizeof y, yaml, trace, dl[k]);
        drv_run(&v, y);
        assert_true(v.res[0].ndays >= 2);
        assert_within(v.res[0].day[0].last_done, 2.0 * 3600 - 60,
                      2.0 * 3600 + 60);
        assert_int_equal(v.res[0].day[1].arrived, 14400);
        verdict_compute(v.sc, v.res, v.n, &vd);
        assert_true(vd.has_deadline);
        assert_true(vd.days >= 2);
        if (k == 0) {
            char *buf = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&buf, &len);
            report_print_text(m, v.sc, v.res, v.n);
            fclose(m);
            assert_non_null(strstr(buf, "batch makespan per day"));
            assert_non_null(strstr(buf, "day 1: 14400 requests, first "
                                        "00:00, last done 02:00"));
            assert_non_null(strstr(buf, "SLO met"));
            free(buf);
            assert_true(vd.met);
        }
        else
            assert_true(vd.failed_by & VERDICT_DEADLINE);
        drv_free(&v);
    }
    unlink(trace);
}

static void test_verdict_time_of_day_parses_hh_mm(void **state)
{
    (void)state;
    assert_close(verdict_parse_time_of_day("06:00"), 21600.0, 0.0);
    assert_close(verdict_parse_time_of_day("23:59"), 86340.0, 0.0);
    assert_true(verdict_parse_time_of_day("24:00") < 0);
    assert_true(verdict_parse_time_of_day("6") < 0);
    assert_true(verdict_parse_time_of_day("06:00x") < 0);
    assert_true(verdict_parse_time_of_day("06:60") < 0);
}

/* The text report opens with UNSTABLE, its counts add up exactly, and it
 * never prints nan or inf. */
static void test_verdict_report_says_unstable_first_and_counts_add_up(
    void **state)
{
    struct drv v;
    char *buf = NULL, *p;
    size_t len = 0;
    unsigned long long a, c, fl, rj, inf;
    FILE *f;

    (void)state;
    drv_run(&v, MM1("0.5/s", "slo: {e2e_p99: 10s}\n"));
    f = open_memstream(&buf, &len);
    report_print_text(f, v.sc, v.res, v.n);
    fclose(f);
    assert_true(strncmp(buf, "UNSTABLE: ", 10) == 0);
    assert_non_null(strstr(buf, "not steady-state"));
    p = strstr(buf, "arrived ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "arrived %llu = completed %llu + failed %llu "
                               "+ rejected %llu + in flight at the end %llu",
                            &a, &c, &fl, &rj, &inf),
                     5);
    assert_true(a == c + fl + rj + inf);
    assert_true(inf > 0);
    assert_null(strstr(buf, "nan"));
    assert_null(strstr(buf, "inf "));
    assert_non_null(strstr(buf, "unstable"));
    free(buf);
    drv_free(&v);
}

/* One request: no P99 worth the name, and no nan anywhere. */
static void test_verdict_tiny_run_prints_no_nan_and_a_small_sample_note(
    void **state)
{
    struct drv v;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    drv_run(&v, "name: tiny\nhorizon: 10s\nreplications: 1\n"
                "workload:\n  arrivals: {process: poisson, rate: 0.2/s}\n"
                "backends:\n  s: {kind: station, servers: 1, service: "
                "{dist: exponential, mean: 1s}}\nslo: {e2e_p99: 2s}\n");
    f = open_memstream(&buf, &len);
    report_print_text(f, v.sc, v.res, v.n);
    fclose(f);
    assert_null(strstr(buf, "nan"));
    assert_null(strstr(buf, "inf"));
    if (v.res[0].completed > 0)
        assert_non_null(strstr(buf, "rests on"));
    free(buf);
    drv_free(&v);
}

/* A pending signal stops the loop with SLM_EINTR, the counts kept. */
static void test_verdict_interrupt_stops_the_run(void **state)
{
    struct scenario *sc = drv_load(MM1("0.3354297694/s", ""));
    struct run_result res;
    struct diag d;

    (void)state;
    diag_init(&d, NULL);
    interrupt_raise(SIGTERM);
    assert_int_equal(run_result_init(&res, sc->nbackends), 0);
    assert_int_equal(run_replication(sc, 0, NULL, &d, &res), SLM_EINTR);
    assert_int_equal(res.stopped, SLM_EINTR);
    assert_int_equal(interrupt_exit_status(), 143);
    interrupt_raise(0);
    assert_int_equal(interrupt_exit_status(), 0);
    run_result_fini(&res);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_stable_queue_is_called_stable),
        cmocka_unit_test(
            test_verdict_overloaded_queue_is_unstable_with_its_growth),
        cmocka_unit_test(
            test_verdict_served_counts_every_completion_in_the_window),
        cmocka_unit_test(test_verdict_in_flight_limit_stops_the_replication),
        cmocka_unit_test(test_verdict_events_limit_stops_the_replication),
        cmocka_unit_test(test_verdict_bad_limits_are_located_errors),
        cmocka_unit_test(test_verdict_fails_on_failures_and_says_so),
        cmocka_unit_test(
            test_verdict_fails_an_unstable_run_and_a_tpot_target),
        cmocka_unit_test(
            test_verdict_deadline_checks_each_days_last_completion),
        cmocka_unit_test(test_verdict_time_of_day_parses_hh_mm),
        cmocka_unit_test(
            test_verdict_report_says_unstable_first_and_counts_add_up),
        cmocka_unit_test(
            test_verdict_tiny_run_prints_no_nan_and_a_small_sample_note),
        cmocka_unit_test(test_verdict_interrupt_stops_the_run),
    };
    return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
