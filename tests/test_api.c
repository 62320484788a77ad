/*
 * The API model: token buckets, backoff, billing, outages, presets, and a
 * 429 storm on the whole path.
 *
 *   bucket: over T seconds at most capacity + rate T tokens pass, and a
 *           full bucket passes exactly its capacity at once
 *   backoff: d_k = min(cap, base m^(k-1)); none d, full U(0, d),
 *            equal d/2 + U(0, d/2)
 *   outages: long-run share of time up = availability
 */
#include "tests/run_driver.h"

#include <math.h>

#include <gsl/gsl_rng.h>

#include "models/api.h"
#include "sim/rng.h"

static void test_api_bucket_passes_exactly_its_burst_at_once(void **state)
{
    struct api_bucket b;
    int passed = 0;

    (void)state;
    api_bucket_init(&b, 600.0); /* 600 per minute: burst 600, 10/s */
    while (api_bucket_has(&b, 0.0, 1.0)) {
        api_bucket_take(&b, 1.0);
        passed++;
    }
    assert_int_equal(passed, 600);
}

static void test_api_bucket_passes_its_rate_over_a_long_window(void **state)
{
    struct api_bucket b;
    const double T = 3600.0, dt = 1.0 / 256.0; /* exact binary steps */
    long passed = 0;
    double t;

    (void)state;
    api_bucket_init(&b, 90.0); /* 1.5 per second */
    for (t = 0.0; t <= T; t += dt) {
        if (api_bucket_has(&b, t, 1.0)) {
            api_bucket_take(&b, 1.0);
            passed++;
        }
    }
    /* burst 90 + 1.5/s x 3600 s; the offered load (256/s) always waits */
    assert_true(passed == 90 + 5400 || passed == 90 + 5400 - 1);
}

static void test_api_bucket_counts_tokens_not_requests(void **state)
{
    struct api_bucket b;

    (void)state;
    api_bucket_init(&b, 10000.0);
    assert_true(api_bucket_has(&b, 0.0, 10000.0));
    api_bucket_take(&b, 9500.0);
    assert_false(api_bucket_has(&b, 0.0, 556.0));
    /* 56 tokens more come in 56 / (10000/60) = 0.336 s */
    assert_false(api_bucket_has(&b, 0.335, 556.0));
    assert_true(api_bucket_has(&b, 0.337, 556.0));
}

static void test_api_bucket_without_limit_passes_everything(void **state)
{
    struct api_bucket b;

    (void)state;
    api_bucket_init(&b, 0.0);
    assert_true(api_bucket_has(&b, 0.0, 1e12));
}

static void test_api_backoff_follows_the_capped_exponential(void **state)
{
    struct api_retry rt = {6, 1.0, 60.0, 2.0, API_JITTER_NONE};
    const double want[] = {1, 2, 4, 8, 16, 32, 60, 60};
    unsigned k;

    (void)state;
    for (k = 1; k <= 8; k++)
        assert_close(api_backoff(&rt, k, NULL), want[k - 1], 1e-15);
    rt.base = 0.5;
    rt.multiplier = 3.0;
    rt.cap = 8.0;
    assert_close(api_backoff(&rt, 1, NULL), 0.5, 1e-15);
    assert_close(api_backoff(&rt, 2, NULL), 1.5, 1e-15);
    assert_close(api_backoff(&rt, 3, NULL), 4.5, 1e-15);
    assert_close(api_backoff(&rt, 4, NULL), 8.0, 1e-15);
}

/* Full jitter is U(0, d): mean d/2, inside [0, d]; equal jitter is
 * d/2 + U(0, d/2): mean 3d/4, inside [d/2, d]. */
static void test_api_backoff_jitter_has_its_range_and_mean(void **state)
{
    struct api_retry rt = {6, 1.0, 60.0, 2.0, API_JITTER_FULL};
    gsl_rng *r = rng_stream_new(11, 0, "test.backoff");
    const int n = 200000;
    double sum = 0.0, x;
    int i;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < n; i++) {
        x = api_backoff(&rt, 4, r); /* d = 8 s */
        assert_within(x, 0.0, 8.0);
        sum += x;
    }
    /* sd of U(0,8) is 2.31; 5 standard errors */
    assert_within(sum / n, 4.0 - 5 * 2.31 / sqrt(n), 4.0 + 5 * 2.31 / sqrt(n));
    rt.jitter = API_JITTER_EQUAL;
    sum = 0.0;
    for (i = 0; i < n; i++) {
        x = api_backoff(&rt, 4, r);
        assert_within(x, 4.0, 8.0);
        sum += x;
    }
    assert_within(sum / n, 6.0 - 5 * 1.155 / sqrt(n),
                  6.0 + 5 * 1.155 / sqrt(n));
    gsl_rng_free(r);
}

static void test_api_price_counts_cached_input_and_request_fee(void **state)
{
    struct api_cfg c;

    (void)state;
    memset(&c, 0, sizeof c);
    c.input_per_1m = 30.0;
    c.output_per_1m = 60.0;
    c.cached_input_per_1m = 15.0;
    /* the seed's short query: $0.009 + $0.012 */
    assert_close(api_price(&c, 300, 200), 0.021, 1e-12);
    c.cached_share = 0.5;
    c.per_request = 0.001;
    assert_close(api_price(&c, 300, 200),
                 (150 * 30.0 + 150 * 15.0 + 200 * 60.0) / 1e6 + 0.001, 1e-12);
}

static void test_api_preset_fills_prices_limits_and_tier(void **state)
{
    struct api_cfg c;

    (void)state;
    memset(&c, 0, sizeof c);
    assert_int_equal(api_preset_apply(&c, "gpt-4", 1), 0);
    assert_close(c.input_per_1m, 30.0, 0);
    assert_close(c.output_per_1m, 60.0, 0);
    assert_close(c.rpm, 500.0, 0);
    assert_close(c.tpm, 10000.0, 0);
    assert_int_equal(api_preset_apply(&c, "gpt-4o", 5), 0);
    assert_close(c.input_per_1m, 2.5, 0);
    assert_close(c.tpm, 12000000.0, 0);
    assert_close(dist_mean(&c.tokens_per_s), 81.0, 1e-12);
    assert_int_equal(api_preset_apply(&c, "gpt-4o", 0), 0);
    assert_int_equal(c.tier, 5);
    assert_int_equal(api_preset_apply(&c, "gpt-5", 1), -1);
    assert_int_equal(api_preset_apply(&c, "gpt-4", 6), -1);
}

/* Batch presets: "billed at a 50% discount" -- every price exactly half of
 * the synchronous model's, the same limits, and a turnaround in hours. */
static void test_api_batch_presets_cost_exactly_half(void **state)
{
    static const char *const pairs[][2] = {
        {"gpt-4", "gpt-4-batch"},
        {"gpt-4-turbo", "gpt-4-turbo-batch"},
        {"gpt-4o", "gpt-4o-batch"},
        {"gpt-3.5-turbo", "gpt-3.5-turbo-batch"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct api_cfg s, b;

        memset(&s, 0, sizeof s);
        memset(&b, 0, sizeof b);
        assert_int_equal(api_preset_apply(&s, pairs[i][0], 3), 0);
        assert_int_equal(api_preset_apply(&b, pairs[i][1], 3), 0);
        assert_true(b.input_per_1m == s.input_per_1m / 2);
        assert_true(b.output_per_1m == s.output_per_1m / 2);
        assert_true(b.cached_input_per_1m == s.cached_input_per_1m / 2);
        assert_true(api_price(&b, 800, 400) == api_price(&s, 800, 400) / 2);
        assert_close(b.rpm, s.rpm, 0);
        assert_close(b.tpm, s.tpm, 0);
        /* lognormal median e^mu = 1 h, far above the synchronous 0.4-0.6 s */
        assert_close(exp(b.ttft.a), 3600.0, 1e-9);
        assert_true(dist_mean(&b.ttft) > 3600.0);
        assert_true(dist_mean(&s.ttft) < 5.0);
    }
}

#define API_SCENARIO(horizon, reps, rate, api)                                \
    "name: a\nseed: 3\nhorizon: " horizon "\nwarmup: 0s\nreplications: "      \
    reps "\nworkload:\n  arrivals: {process: poisson, rate: " rate "}\n"      \
    "  tasks: [{type: t, share: 1, input_tokens: 300, output_tokens: 200}]\n" \
    "backends:\n  api: " api "\n"

static void test_api_preset_fields_can_be_overridden_one_by_one(void **state)
{
    struct scenario *sc = drv_load(API_SCENARIO(
        "1h", "1", "1/s",
        "{kind: api, preset: gpt-4, tier: 2, pricing: {output_per_1m: 50}, "
        "limits: {rpm: 123}}"));
    const struct api_cfg *c = sc->backends[0].cfg;

    (void)state;
    assert_close(c->input_per_1m, 30.0, 0);  /* the preset's */
    assert_close(c->output_per_1m, 50.0, 0); /* overridden */
    assert_close(c->rpm, 123.0, 0);          /* overridden */
    assert_close(c->tpm, 40000.0, 0);        /* tier 2's */
    scenario_free(sc);
}

/* Deterministic tokens, no limits: every request is billed exactly once. */
static void test_api_bills_exactly_the_tokens_it_served(void **state)
{
    struct drv v;
    double completed;

    (void)state;
    drv_run(&v, API_SCENARIO("2h", "2", "2/s",
                             "{kind: api, pricing: {input_per_1m: 30, "
                             "output_per_1m: 60}, latency: {ttft: 300ms, "
                             "tokens_per_s: 50}}"));
    drv_check_identity(&v);
    completed = (double)v.res[0].backend[0].completed;
    assert_true(completed > 10000);
    assert_close(drv_figure(&v.res[0], 0, "billed.requests"), completed, 0);
    assert_close(drv_figure(&v.res[0], 0, "billed.input_tokens"),
                 300 * completed, 0);
    assert_close(drv_figure(&v.res[0], 0, "billed.dollars"),
                 0.021 * completed, 1e-9);
    /* ttft 300 ms + 200 tokens / 50 per s */
    assert_close(v.res[0].backend[0].lat[RUN_E2E].w.mean, 4.3, 1e-9);
    drv_free(&v);
}

/* Offered 2 req/s x 500 tokens = 60,000 TPM against 30,000: the bucket
 * lets through its rate and the rest is retried or lost. */
static void test_api_tpm_limit_caps_the_throughput_and_counts_429s(void **state)
{
    struct drv v;
    size_t r;

    (void)state;
    drv_run(&v, API_SCENARIO("6h", "3", "2/s",
                             "{kind: api, pricing: {input_per_1m: 30, "
                             "output_per_1m: 60}, latency: {ttft: 300ms, "
                             "tokens_per_s: 50}, limits: {tpm: 30000}, "
                             "retry: {max: 4, base: 1s, cap: 10s, jitter: "
                             "full}}"));
    drv_check_identity(&v);
    for (r = 0; r < v.n; r++) {
        const struct run_result *x = &v.res[r];
        double tput = (double)x->backend[0].completed / x->window;
        /* at most burst + rate: 30000/500 + 1/s x window */
        assert_true(tput <= 1.0 + 60.0 / x->window + 1e-12);
        assert_within(tput, 0.99, 1.0 + 60.0 / x->window);
        assert_true(drv_figure(x, 0, "rate_limited") > 0.5 * x->arrived);
        assert_true(x->failed > 0);
        /* every attempt is a 429, a 5xx, or admitted (billed, or still
         * in service at the horizon) */
        assert_within(drv_figure(x, 0, "attempts") -
                          drv_figure(x, 0, "rate_limited") -
                          drv_figure(x, 0, "server_errors") -
                          drv_figure(x, 0, "billed.requests"),
                      0.0, 20.0);
    }
    drv_free(&v);
}

static void test_api_outage_process_matches_the_availability(void **state)
{
    struct drv v;
    double up = 0.0;
    size_t r;

    (void)state;
    drv_run(&v, API_SCENARIO("120d", "10", "0.001/s",
                             "{kind: api, pricing: {input_per_1m: 1, "
                             "output_per_1m: 1}, latency: {ttft: 1s, "
                             "tokens_per_s: 100}, availability: 0.99, "
                             "mean_outage: 2h}"));
    for (r = 0; r < v.n; r++)
        up += drv_figure(&v.res[r], 0, "availability");
    /* Up and down are exponential (means 198 h and 2 h), a two-state
     * Markov chain: its up share over a window T has variance
     * 2 p (1 - p) / ((1/198 h + 1/2 h) T), p = 0.99 (the indicator's
     * covariance decays at the sum of the two rates).  120 d holds ~14
     * outages: sd 0.0037 per replication; the 99% interval of the mean
     * of ten. */
    {
        double rates = 1.0 / (198.0 * 3600.0) + 1.0 / (2.0 * 3600.0);
        double var = 2.0 * 0.99 * 0.01 / (rates * v.res[0].window);
        double half = 2.576 * sqrt(var / (double)v.n);
        assert_within(up / (double)v.n, 0.99 - half, 0.99 + half);
    }
    drv_free(&v);
}

/* During a forced outage every attempt is a 5xx and, with retries that
 * cannot outlast it, every request fails; outside it nothing fails. */
static void test_api_forced_outage_fails_fast_and_is_counted(void **state)
{
    struct drv v;
    const struct run_result *x;

    (void)state;
    drv_run(&v, API_SCENARIO("4h", "1", "1/s",
                             "{kind: api, pricing: {input_per_1m: 1, "
                             "output_per_1m: 1}, latency: {ttft: 1s, "
                             "tokens_per_s: 100}, outages: [{start: 1h, "
                             "duration: 1h}], retry: {max: 3, base: 1s, "
                             "cap: 2s, jitter: none}}"));
    x = &v.res[0];
    drv_check_identity(&v);
    assert_close(drv_figure(x, 0, "availability"), 0.75, 1e-12);
    assert_close(drv_figure(x, 0, "outages"), 1.0, 0);
    /* ~3600 arrivals in the hour, each tried 3 times */
    assert_within((double)x->failed, 3400, 3800);
    assert_close(drv_figure(x, 0, "server_errors"), 3.0 * (double)x->failed,
                 0.002);
    assert_close(drv_figure(x, 0, "retries"), 2.0 * (double)x->failed, 0.002);
    drv_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_bucket_passes_exactly_its_burst_at_once),
        cmocka_unit_test(test_api_bucket_passes_its_rate_over_a_long_window),
        cmocka_unit_test(test_api_bucket_counts_tokens_not_requests),
        cmocka_unit_test(test_api_bucket_without_limit_passes_everything),
        cmocka_unit_test(test_api_backoff_follows_the_capped_exponential),
        cmocka_unit_test(test_api_backoff_jitter_has_its_range_and_mean),
        cmocka_unit_test(test_api_price_counts_cached_input_and_request_fee),
        cmocka_unit_test(test_api_preset_fills_prices_limits_and_tier),
        cmocka_unit_test(test_api_batch_presets_cost_exactly_half),
        cmocka_unit_test(test_api_preset_fields_can_be_overridden_one_by_one),
        cmocka_unit_test(test_api_bills_exactly_the_tokens_it_served),
        cmocka_unit_test(
            test_api_tpm_limit_caps_the_throughput_and_counts_429s),
        cmocka_unit_test(test_api_outage_process_matches_the_availability),
        cmocka_unit_test(test_api_forced_outage_fails_fast_and_is_counted),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
