/*
 * test_arrivals: every process against its parameters, with fixed seeds
 * and tolerances from the exact laws, never loose constants (z is the
 * two-sided 99% normal quantile, Bonferroni-corrected where many bins are
 * checked at once):
 *
 *   poisson   N(T) ~ Poisson(rate T); gaps exponential (cv 1)
 *   gamma     N(T) ~ Normal(rate T, rate T cv^2) (renewal CLT); gap
 *             variance within z sqrt((mu4 - var^2)/n), mu4 = 3 k (k+2) theta^4
 *   diurnal   N over any set of hours ~ Poisson(integral of lambda), so the
 *             total, each clock hour of weekdays and weekends, and each
 *             month under growth are checked against their own Poisson
 *             errors
 *   mmpp      total over R replications against the exact Var N(T);
 *             the sample variance of N(T) against the chi-square interval;
 *             the inter-arrival cv against a replication t interval, its
 *             exact value from the phase-type law of the gaps
 *   trace     replay times, windows, loops, spread and task maps exactly
 */
#include "tests/check.h"

#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/arrivals.h"
#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/units.h"

#define ARR_SEED 2385

static double z_two_sided(double level, int bins)
{
    return gsl_cdf_ugaussian_Pinv(1.0 - (1.0 - level) / (2.0 * bins));
}

/* Parses "arrivals: {...}" into spec (traces resolved against tasks and
 * scanned). */
static void parse_spec(const char *yaml, struct arrivals_spec *spec)
{
    static const char *const tasks[] = {"chat", "code", "other"};
    struct cfg_doc *doc = NULL;
    struct cfg_node *node;
    struct diag d;

    diag_init(&d, stderr);
    assert_int_equal(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d, &doc),
                     0);
    node = cfg_get(cfg_doc_root(doc), "arrivals");
    assert_non_null(node);
    assert_int_equal(arrivals_parse(node, "workload.arrivals", "", spec, &d),
                     0);
    assert_int_equal(arrivals_resolve_tasks(spec, node, tasks, 3, &d), 0);
    assert_int_equal(arrivals_scan(spec, &node->pos, &d), 0);
    assert_int_equal(d.errors, 0);
    cfg_doc_free(doc);
}

/* Arrivals of one replication up to horizon T: the count and the gaps. */
struct sample {
    uint64_t n;
    struct welford gaps;
    double last;
};

typedef void sample_fn(void *ctx, const struct arrival *a);

static void run_process(const struct arrivals_spec *spec, unsigned rep,
                        double T, struct sample *s, sample_fn *fn, void *ctx)
{
    gsl_rng *r = rng_stream_new(ARR_SEED, rep, "arrivals");
    struct arrival a;
    struct arrivals *g;
    struct diag d;
    int st;

    diag_init(&d, stderr);
    g = arrivals_new(spec, r, &d, &st);
    assert_non_null(g);
    memset(s, 0, sizeof *s);
    welford_init(&s->gaps);
    while (arrivals_next(g, &a) == 0 && a.t < T) {
        if (s->n++ > 0)
            welford_add(&s->gaps, a.t - s->last);
        s->last = a.t;
        if (fn)
            fn(ctx, &a);
    }
    arrivals_free(g);
    gsl_rng_free(r);
}

static void assert_count_within(double n, double mean, double var, double z)
{
    double hw = z * sqrt(var);
    assert_within(n, mean - hw, mean + hw);
}

/* ---- poisson, gamma ---- */

static void test_arrivals_poisson_count_and_gap_cv_match_the_rate(
    void **state)
{
    struct arrivals_spec spec;
    struct sample s;
    double T = 2e5, rate = 2.385, mu = 1 / rate, z = z_two_sided(0.99, 1);

    (void)state;
    parse_spec("arrivals: {process: poisson, rate: 2.385/s}", &spec);
    run_process(&spec, 0, T, &s, NULL, NULL);
    assert_count_within((double)s.n, rate * T, rate * T, z);
    /* exponential gaps: var mu^2, mu4 = 9 mu^4 */
    assert_count_within(welford_variance(&s.gaps), mu * mu,
                        8 * pow(mu, 4) / (double)s.gaps.n, z);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_gamma_count_and_gap_cv_match_the_parameters(
    void **state)
{
    struct arrivals_spec spec;
    struct sample s;
    double T = 1e6, rate = 0.83, cv = 2.5, z = z_two_sided(0.99, 1);
    double k = 1 / (cv * cv), theta = 1 / rate / k, var = k * theta * theta;

    (void)state;
    parse_spec("arrivals: {process: gamma, volume: 2181534/month, cv: 2.5}",
               &spec);
    assert_close(spec.rate, 2181534 / UNITS_MONTH, 1e-15);
    run_process(&spec, 0, T, &s, NULL, NULL);
    assert_count_within((double)s.n, spec.rate * T, spec.rate * T * cv * cv,
                        z);
    assert_count_within(welford_variance(&s.gaps), var,
                        (3 * k * (k + 2) * pow(theta, 4) - var * var) /
                            (double)s.gaps.n,
                        z);
    arrivals_spec_fini(&spec);
}

/* ---- diurnal ---- */

struct hours {
    uint64_t count[2][24]; /* weekday, weekend */
    uint64_t month[3];
};

static void count_hours(void *ctx, const struct arrival *a)
{
    struct hours *h = ctx;
    long day = (long)floor(a->t / UNITS_DAY);
    int hour = (int)((a->t - (double)day * UNITS_DAY) / UNITS_HOUR);
    long m = (long)floor(a->t / UNITS_MONTH);

    h->count[day % 7 >= 5][hour]++;
    if (m < 3)
        h->month[m]++;
}

static void test_arrivals_diurnal_peak_form_solves_the_peak_to_mean(
    void **state)
{
    struct arrivals_spec spec;
    double sum = 0;
    int h;

    (void)state;
    parse_spec("arrivals: {process: diurnal, volume: 1e6/month, "
               "peak_to_mean: 2.5, peak_hour: 14, weekend: 0.4}",
               &spec);
    for (h = 0; h < 24; h++)
        sum += spec.diurnal.profile[h];
    assert_close(spec.diurnal.profile[14] / (sum / 24), 2.5, 1e-9);
    /* the week averages to the volume: (5 + 2 * 0.4)/7 of the day mean */
    assert_close(sum / 24 * (5 + 2 * 0.4) / 7, 1.0, 1e-12);
    for (h = 0; h < 24; h++)
        assert_true(spec.diurnal.profile[h] <= spec.diurnal.profile[14]);
    assert_close(spec.diurnal.profile[13], spec.diurnal.profile[15], 1e-12);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_diurnal_counts_match_every_hour_and_the_weekend(
    void **state)
{
    struct arrivals_spec spec;
    struct sample s;
    struct hours h;
    double rate = 3.0, T = 3 * UNITS_WEEK, z = z_two_sided(0.99, 49);
    int k, wk;

    (void)state;
    memset(&h, 0, sizeof h);
    parse_spec("arrivals: {process: diurnal, rate: 3/s, peak_to_mean: 2.5, "
               "peak_hour: 14, weekend: 0.4}",
               &spec);
    run_process(&spec, 0, T, &s, count_hours, &h);
    /* whole weeks: the integral of lambda is exactly rate T */
    assert_count_within((double)s.n, rate * T, rate * T, z);
    for (wk = 0; wk < 2; wk++) {
        double days = wk ? 6 : 15, factor = wk ? 0.4 : 1.0;
        for (k = 0; k < 24; k++) {
            double mean = rate * spec.diurnal.profile[k] * factor *
                          UNITS_HOUR * days;
            assert_count_within((double)h.count[wk][k], mean, mean, z);
        }
    }
    arrivals_spec_fini(&spec);
}

/* The integral of lambda over month m, on a 900 s grid that every hour,
 * day and month boundary lies on (2,629,800 = 2922 x 900), so the
 * midpoint sum is exact for this piecewise-constant rate. */
static double month_integral(const struct arrivals_spec *spec, int m)
{
    double sum = 0, t;

    for (t = m * UNITS_MONTH + 450; t < (m + 1) * UNITS_MONTH; t += 900) {
        long day = (long)floor(t / UNITS_DAY);
        int hour = (int)((t - (double)day * UNITS_DAY) / UNITS_HOUR);
        double f = spec->diurnal.profile[hour];
        if (day % 7 >= 5)
            f *= spec->diurnal.weekend;
        sum += 900 * spec->rate * f * pow(1.25, m);
    }
    return sum;
}

static void test_arrivals_diurnal_growth_compounds_month_by_month(
    void **state)
{
    struct arrivals_spec spec;
    struct sample s;
    struct hours h;
    double z = z_two_sided(0.99, 3);
    int m;

    (void)state;
    memset(&h, 0, sizeof h);
    parse_spec("arrivals: {process: diurnal, volume: 2629800/month, "
               "profile: [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 5, 6, 6, 5, 4, "
               "3, 2, 2, 1, 1, 1, 1], weekend: 0.25, growth: 0.25}",
               &spec);
    assert_close(spec.rate, 1.0, 1e-15);
    assert_close(arrivals_diurnal_factor(&spec.diurnal, 2.5 * UNITS_MONTH) /
                     arrivals_diurnal_factor(&spec.diurnal,
                                             2.5 * UNITS_MONTH -
                                                 2 * UNITS_WEEK),
                 1.0, 1e-12); /* same hour and weekday, same month */
    run_process(&spec, 0, 3 * UNITS_MONTH, &s, count_hours, &h);
    for (m = 0; m < 3; m++) {
        double mean = month_integral(&spec, m);
        assert_count_within((double)h.month[m], mean, mean, z);
    }
    /* month 0 is within a part per thousand of the volume: a month is not
     * a whole number of weeks */
    assert_close(month_integral(&spec, 0) / UNITS_MONTH, 1.0, 2e-2);
    arrivals_spec_fini(&spec);
}

/* ---- mmpp ---- */

#define MMPP_REPS 40

/* The gaps of an MMPP-2 are phase-type: with M = Lambda - Q (sub-generator
 * of the gap) and phi = pi Lambda / lambda the phase just after an
 * arrival, E[X^k] = k! phi M^-k 1. */
static double mmpp_exact_cv(const struct arrivals_mmpp *m)
{
    double q0 = 1 / m->sojourn[0], q1 = 1 / m->sojourn[1];
    double p0 = m->sojourn[0] / (m->sojourn[0] + m->sojourn[1]), p1 = 1 - p0;
    double lam = p0 * m->rate[0] + p1 * m->rate[1];
    double phi0 = p0 * m->rate[0] / lam, phi1 = p1 * m->rate[1] / lam;
    double a = m->rate[0] + q0, b = -q0, c = -q1, dd = m->rate[1] + q1;
    double det = a * dd - b * c;
    /* inv = [[dd, -b], [-c, a]] / det */
    double i00 = dd / det, i01 = -b / det, i10 = -c / det, i11 = a / det;
    double u0 = i00 + i01, u1 = i10 + i11;      /* M^-1 1 */
    double v0 = i00 * u0 + i01 * u1, v1 = i10 * u0 + i11 * u1; /* M^-2 1 */
    double m1 = phi0 * u0 + phi1 * u1, m2 = 2 * (phi0 * v0 + phi1 * v1);

    assert_close(m1, 1 / lam, 1e-12);
    return sqrt(m2 / (m1 * m1) - 1);
}

static void test_arrivals_mmpp_counts_and_gaps_match_the_exact_law(
    void **state)
{
    struct arrivals_spec spec;
    struct sample s;
    double T = 5e4, n[MMPP_REPS], cv[MMPP_REPS], total = 0, mean, hw;
    double var, svar, lo, hi, z = z_two_sided(0.99, 1);
    unsigned r;

    (void)state;
    parse_spec("arrivals: {process: mmpp, rate: 2/s, levels: [6, 0.5], "
               "sojourn: [10m, 50m]}",
               &spec);
    /* levels scaled so the time average is 2/s */
    assert_close((spec.mmpp.rate[0] * 600 + spec.mmpp.rate[1] * 3000) / 3600,
                 2.0, 1e-12);
    assert_close(spec.mmpp.rate[0] / spec.mmpp.rate[1], 12.0, 1e-12);
    for (r = 0; r < MMPP_REPS; r++) {
        run_process(&spec, r, T, &s, NULL, NULL);
        n[r] = (double)s.n;
        total += n[r];
        cv[r] = sqrt(welford_variance(&s.gaps)) / s.gaps.mean;
    }
    var = 2.0 * T * arrivals_mmpp_idc(&spec.mmpp, T);
    assert_count_within(total, 2.0 * T * MMPP_REPS, var * MMPP_REPS, z);
    stats_ci_t(n, MMPP_REPS, 0.99, &mean, &hw);
    svar = hw * hw / pow(gsl_cdf_tdist_Pinv(0.995, MMPP_REPS - 1), 2) *
           MMPP_REPS; /* back from the half-width to s^2 */
    lo = (MMPP_REPS - 1) * svar / gsl_cdf_chisq_Pinv(0.995, MMPP_REPS - 1);
    hi = (MMPP_REPS - 1) * svar / gsl_cdf_chisq_Pinv(0.005, MMPP_REPS - 1);
    assert_within(var, lo, hi);
    stats_ci_t(cv, MMPP_REPS, 0.99, &mean, &hw);
    assert_within(mmpp_exact_cv(&spec.mmpp), mean - hw, mean + hw);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_mmpp_absolute_rates_set_the_mean(void **state)
{
    struct arrivals_spec spec;

    (void)state;
    parse_spec("arrivals: {process: mmpp, rates: [5/s, 0.5/s], "
               "sojourn: [1m, 9m]}",
               &spec);
    assert_close(spec.rate, (5 * 60 + 0.5 * 540) / 600.0, 1e-15);
    assert_close(spec.mmpp.rate[0], 5, 0);
    /* the IDC tends to 1 + 2 p0 p1 dr^2 / (a lambda) */
    assert_close(arrivals_mmpp_idc(&spec.mmpp, 1e12),
                 1 + 2 * 0.1 * 0.9 * 4.5 * 4.5 /
                         ((1 / 60.0 + 1 / 540.0) * spec.rate),
                 1e-6);
    arrivals_spec_fini(&spec);
}

/* ---- trace replay ---- */

#define AZURE_LAST 199.0895850 /* last row of the slice, s from the first */

static int replay(const struct arrivals_spec *spec, struct arrival *out,
                  size_t max, double T)
{
    gsl_rng *r = rng_stream_new(ARR_SEED, 0, "arrivals");
    struct arrivals *g;
    struct diag d;
    int st, n = 0;

    diag_init(&d, stderr);
    g = arrivals_new(spec, r, &d, &st);
    assert_non_null(g);
    while ((size_t)n < max && (st = arrivals_next(g, &out[n])) == 0 &&
           out[n].t < T) {
        if (n > 0)
            assert_true(out[n].t >= out[n - 1].t);
        n++;
    }
    assert_true(st == 0 || st == 1);
    arrivals_free(g);
    gsl_rng_free(r);
    return n;
}

/* The scan keeps the window's rows: replications replay them without
 * opening the file, the same arrivals as streaming it (windowed, looped
 * and spread, where the reading order matters most), and a copy of the
 * spec carries its own rows. */
static void test_arrivals_trace_cached_rows_replay_as_the_file_does(
    void **state)
{
    struct arrivals_spec spec, copy;
    struct arrival a[500], b[500], c[500];
    int na, nb, nc, i;

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm, start: 20s, "
               "duration: 120s, loop: true, spread: 1s}",
               &spec);
    assert_non_null(spec.trace.cache);
    assert_int_equal(arrivals_spec_copy(&copy, &spec), 0);
    assert_non_null(copy.trace.cache);
    assert_true(copy.trace.cache != spec.trace.cache);
    na = replay(&spec, a, 500, 400);
    nc = replay(&copy, c, 500, 400);
    mem_free(spec.trace.cache); /* what a window over the ceiling does */
    spec.trace.cache = NULL;
    nb = replay(&spec, b, 500, 400);
    assert_true(na > 2 * (int)spec.trace.rows);
    assert_int_equal(na, nb);
    assert_int_equal(na, nc);
    for (i = 0; i < na; i++) {
        assert_memory_equal(&a[i], &b[i], sizeof a[i]);
        assert_memory_equal(&a[i], &c[i], sizeof a[i]);
    }
    arrivals_spec_fini(&copy);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_trace_speedup_compresses_logged_time(void **state)
{
    struct arrivals_spec spec;
    struct arrival a[300];
    int n;

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm, speedup: 2}",
               &spec);
    assert_int_equal(spec.trace.rows, 200);
    n = replay(&spec, a, 300, 1e9);
    assert_int_equal(n, 200);
    assert_close(a[199].t, AZURE_LAST / 2, 1e-12);
    assert_int_equal(a[0].input_tokens, 4808);
    assert_int_equal(a[0].has_tokens, 1);
    assert_int_equal(a[0].line, 2);
    /* mean rate: 200 rows over one pass (span + a mean gap), doubled */
    assert_close(spec.rate, 200 * 2 / (AZURE_LAST * 200 / 199), 1e-12);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_trace_window_and_loop_repeat_the_window(
    void **state)
{
    struct arrivals_spec spec;
    struct arrival a[400], b[300];
    int n, nb, i;

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm}",
               &spec);
    nb = replay(&spec, b, 300, 1e9);
    arrivals_spec_fini(&spec);
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm, start: 20s, "
               "duration: 30s, loop: true}",
               &spec);
    n = replay(&spec, a, 400, 90);
    /* rows logged in [20, 50), shifted to 0, three times over */
    for (i = 0; i < nb && b[i].t < 20; i++)
        ;
    assert_true(spec.trace.rows > 10);
    assert_int_equal(n, 3 * (int)spec.trace.rows);
    assert_close(a[0].t, b[i].t - 20, 1e-9);
    assert_close(a[spec.trace.rows].t, b[i].t - 20 + 30, 1e-9);
    assert_int_equal(a[spec.trace.rows].line, a[0].line);
    assert_true(b[i + (int)spec.trace.rows].t >= 50);
    assert_true(b[i + (int)spec.trace.rows - 1].t < 50);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_trace_loop_restarts_one_mean_gap_after_the_end(
    void **state)
{
    struct arrivals_spec spec;
    struct arrival a[250];
    int n;

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm, loop: yes}",
               &spec);
    n = replay(&spec, a, 250, 1e9);
    assert_int_equal(n, 250);
    assert_close(a[200].t, AZURE_LAST + AZURE_LAST / 199, 1e-12);
    assert_close(a[201].t - a[200].t, a[1].t - a[0].t, 1e-9);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_trace_spread_spaces_a_tick_evenly(void **state)
{
    struct arrivals_spec spec;
    struct arrival a[300];
    int n, i, j;

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/mooncake-conv-300.jsonl, format: mooncake, spread: 3s}",
               &spec);
    n = replay(&spec, a, 300, 1e9);
    assert_int_equal(n, 300);
    /* the first tick (t = 0) holds k rows: at 0, 3/k, 6/k, ... */
    for (j = 1; j < n && a[j].t < 2.9; j++)
        ;
    for (i = 0; i < j; i++)
        assert_close(a[i].t, 3.0 * i / j, 1e-12);
    for (i = 1; i < n; i++)
        assert_true(a[i].t > a[i - 1].t);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_trace_volume_sets_the_speedup(void **state)
{
    struct arrivals_spec spec;

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm, volume: 1e8/month}",
               &spec);
    assert_close(spec.rate, 1e8 / UNITS_MONTH, 1e-15);
    assert_close(spec.trace.speedup,
                 spec.rate * (AZURE_LAST * 200 / 199) / 200, 1e-12);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_trace_task_map_follows_the_model_column(
    void **state)
{
    struct arrivals_spec spec;
    struct arrival a[400];
    int n, i, count[3] = {0, 0, 0};

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/burstgpt-400.csv, format: burstgpt, task: {column: Model, "
               "map: {ChatGPT: chat, GPT-4: code}}}",
               &spec);
    n = replay(&spec, a, 400, 1e9);
    assert_int_equal(n, 383);
    for (i = 0; i < n; i++)
        count[a[i].task]++;
    assert_int_equal(count[0], 306);
    assert_int_equal(count[1], 77);
    assert_int_equal(spec.trace.failed, 17);
    arrivals_spec_fini(&spec);
}

static void test_arrivals_copy_owns_its_trace_strings(void **state)
{
    struct arrivals_spec spec, copy;
    char buf[400];

    (void)state;
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/burstgpt-400.csv, format: burstgpt, task: {column: Model, "
               "map: {ChatGPT: chat}, default: other}}",
               &spec);
    assert_int_equal(arrivals_spec_copy(&copy, &spec), 0);
    arrivals_spec_fini(&spec);
    assert_string_equal(copy.trace.opts.col_task, "Model");
    assert_int_equal(copy.trace.default_index, 2);
    assert_non_null(strstr(arrivals_describe(&copy, buf, sizeof buf),
                           "383 requests"));
    arrivals_spec_fini(&copy);
}

static void test_arrivals_set_rate_keeps_the_shape(void **state)
{
    struct arrivals_spec spec;

    (void)state;
    parse_spec("arrivals: {process: mmpp, rates: [5/s, 0.5/s], "
               "sojourn: [1m, 9m]}",
               &spec);
    assert_int_equal(arrivals_spec_set_rate(&spec, 2 * spec.rate), 0);
    assert_close(spec.mmpp.rate[0], 10, 1e-15);
    assert_close(spec.mmpp.rate[1], 1, 1e-15);
    arrivals_spec_fini(&spec);
    parse_spec("arrivals: {process: trace, path: " TEST_DATA_DIR
               "/azure-code-200.csv, format: azure-llm, speedup: 2}",
               &spec);
    assert_int_equal(arrivals_spec_set_rate(&spec, 3 * spec.rate), 0);
    assert_close(spec.trace.speedup, 6, 1e-15);
    arrivals_spec_fini(&spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrivals_poisson_count_and_gap_cv_match_the_rate),
        cmocka_unit_test(
            test_arrivals_gamma_count_and_gap_cv_match_the_parameters),
        cmocka_unit_test(
            test_arrivals_diurnal_peak_form_solves_the_peak_to_mean),
        cmocka_unit_test(
            test_arrivals_diurnal_counts_match_every_hour_and_the_weekend),
        cmocka_unit_test(test_arrivals_diurnal_growth_compounds_month_by_month),
        cmocka_unit_test(
            test_arrivals_mmpp_counts_and_gaps_match_the_exact_law),
        cmocka_unit_test(test_arrivals_mmpp_absolute_rates_set_the_mean),
        cmocka_unit_test(test_arrivals_trace_speedup_compresses_logged_time),
        cmocka_unit_test(
            test_arrivals_trace_cached_rows_replay_as_the_file_does),
        cmocka_unit_test(
            test_arrivals_trace_window_and_loop_repeat_the_window),
        cmocka_unit_test(
            test_arrivals_trace_loop_restarts_one_mean_gap_after_the_end),
        cmocka_unit_test(test_arrivals_trace_spread_spaces_a_tick_evenly),
        cmocka_unit_test(test_arrivals_trace_volume_sets_the_speedup),
        cmocka_unit_test(
            test_arrivals_trace_task_map_follows_the_model_column),
        cmocka_unit_test(test_arrivals_copy_owns_its_trace_strings),
        cmocka_unit_test(test_arrivals_set_rate_keeps_the_shape),
    };
    return cmocka_run_group_tests_name("arrivals", tests, NULL, NULL);
}
