/*
 * The router on the whole path: where requests go and why, what fallback
 * costs, what the validator and the router delay add, and the blended
 * accuracy.
 *
 * Accuracy of a mix: sum over tasks and sides of (answers) x (accuracy of
 * that side on that task) / answers.  Escalated answers carry the API's.
 */
#include "tests/run_driver.h"

#include "models/accuracy.h"
#include "models/router.h"

#define R_HEAD(horizon, reps, rate)                                           \
    "name: r\nseed: 5\nhorizon: " horizon "\nwarmup: 0s\nreplications: "      \
    reps "\nworkload:\n  arrivals: {process: poisson, rate: " rate "}\n"

#define R_TWO_TASKS                                                           \
    "  tasks:\n"                                                              \
    "    - {type: document-classification, share: 0.6, input_tokens: 300,"   \
    " output_tokens: 200}\n"                                                  \
    "    - {type: summarization, share: 0.4, input_tokens: 800,"              \
    " output_tokens: 500}\n"

#define R_API_PLAIN                                                           \
    "{kind: api, pricing: {input_per_1m: 30, output_per_1m: 60}, "            \
    "latency: {ttft: 300ms, tokens_per_s: 100}"

#define R_LOCAL "{kind: station, servers: 64, service: 20ms}"

static double r_sum_reason(const struct drv *v, enum router_reason k)
{
    double s = 0.0;
    size_t r;

    for (r = 0; r < v->n; r++)
        s += (double)v->res[r].routing.reason[k];
    return s;
}

/* Two tasks, 0.6 x (0.9 local 0.94 + 0.1 escalated 0.88) + 0.4 x API
 * 0.92 = 0.5076 + 0.0528 + 0.368 = 0.9284. */
static void test_router_blended_accuracy_of_two_tasks_by_hand(void **state)
{
    const double count[] = {0.6 * 0.9, 0.6 * 0.1, 0.0, 0.4};
    double acc[4], cover;
    const struct accuracy_entry *dc = accuracy_lookup("document-classification");
    const struct accuracy_entry *su = accuracy_lookup("summarization");

    (void)state;
    assert_non_null(dc);
    assert_non_null(su);
    acc[0] = dc->local;
    acc[1] = dc->zero_shot;
    acc[2] = su->local;
    acc[3] = su->zero_shot;
    assert_close(accuracy_blend(4, count, acc, &cover), 0.9284, 1e-12);
    assert_close(cover, 1.0, 0);
    acc[3] = (double)NAN; /* a task without figures is left out, and said so */
    assert_close(accuracy_blend(4, count, acc, &cover), 0.5604 / 0.6, 1e-12);
    assert_close(cover, 0.6, 1e-12);
}

/* The same mix through a run: task-based routing with 10% fallback,
 * escalated at random (the escalated answers as right as any). */
static void test_router_run_reports_the_hand_computed_accuracy(void **state)
{
    struct drv v;
    struct report_routing rr;

    (void)state;
    drv_run(&v, R_HEAD("1d", "2", "1/s") R_TWO_TASKS
                "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: task-based, local_tasks: "
                "[document-classification], fallback_rate: 0.1, "
                "escalation: random}\n");
    drv_check_identity(&v);
    report_routing(v.sc, v.res, v.n, &rr);
    /* 172,800 requests: the realised shares are within ~0.002 */
    assert_within(rr.accuracy, 0.9284 - 0.002, 0.9284 + 0.002);
    assert_within(rr.escalated, 0.06 - 0.003, 0.06 + 0.003);
    assert_close(rr.reason[ROUTER_BY_TASK], 1.0, 0);
    /* all-local and all-API references on the same mix */
    assert_within(rr.accuracy_all_local, 0.6 * 0.94 + 0.4 * 0.75 - 0.002,
                  0.6 * 0.94 + 0.4 * 0.75 + 0.002);
    assert_within(rr.accuracy_all_api, 0.6 * 0.88 + 0.4 * 0.92 - 0.002,
                  0.6 * 0.88 + 0.4 * 0.92 + 0.002);
    drv_free(&v);
}

static void test_router_task_override_replaces_the_table(void **state)
{
    struct drv v;
    struct report_routing rr;

    (void)state;
    drv_run(&v, R_HEAD("1h", "1", "1/s")
                "  tasks: [{type: mine, share: 1, accuracy: {local: 0.5, "
                "api: 0.8}}]\n"
                "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: all-local}\n");
    report_routing(v.sc, v.res, v.n, &rr);
    assert_close(rr.accuracy, 0.5, 1e-12);
    assert_close(rr.accuracy_all_api, 0.8, 1e-12);
    drv_free(&v);
}

/* The local side is itself a billed endpoint at the API's prices, so an
 * escalated request is billed twice: the escalated share costs exactly
 * double. */
static void test_router_fallback_doubles_cost_for_the_escalated_share(
    void **state)
{
    struct drv v;
    size_t r;

    (void)state;
    drv_run(&v, R_HEAD("6h", "2", "2/s")
                "  tasks: [{type: t, share: 1, input_tokens: 300, "
                "output_tokens: 200}]\n"
                "backends:\n  cheap: " R_API_PLAIN "}\n  api: " R_API_PLAIN
                "}\n"
                "routing: {policy: confidence-fallback, local: cheap, api: api,"
                " fallback_rate: 0.25}\n");
    drv_check_identity(&v);
    for (r = 0; r < v.n; r++) {
        const struct run_result *x = &v.res[r];
        double local = drv_figure(x, 0, "billed.dollars");
        double api = drv_figure(x, 1, "billed.dollars");
        double esc = (double)x->routing.escalated;
        double done = (double)x->backend[1].completed; /* escalated, done */
        double kept = (double)x->backend[0].completed - esc;
        assert_true(esc > 0.2 * x->arrived && esc < 0.3 * x->arrived);
        /* escalations still at the API at the horizon are in flight */
        assert_within(esc - done, 0.0, (double)x->in_flight);
        /* every local answer billed once; escalated ones once more */
        assert_close(local, 0.021 * (double)x->backend[0].completed, 1e-9);
        assert_close(api, 0.021 * done, 1e-9);
        /* per request: kept ones cost c, escalated ones 2c (c so far for
         * those still at the API) */
        assert_close(local + api, 0.021 * (kept + 2.0 * done + (esc - done)),
                     1e-9);
    }
    drv_free(&v);
}

/* Escalated requests wait for both: e2e = local + API latency. */
static void test_router_fallback_pays_both_latencies(void **state)
{
    struct drv v;
    const struct run_result *x;

    (void)state;
    drv_run(&v, R_HEAD("2h", "1", "1/s")
                "  tasks: [{type: t, share: 1, input_tokens: 300, "
                "output_tokens: 200}]\n"
                "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: confidence-fallback, fallback_rate: 1}\n");
    x = &v.res[0];
    /* 20 ms + 300 ms + 200 / 100 per s */
    assert_close(x->overall[RUN_E2E].w.mean, 2.32, 1e-9);
    assert_close(x->overall[RUN_TTFT].w.mean, 0.32, 1e-9);
    drv_free(&v);
}

/* A forced API outage from 1 h to 2 h of 4 h: failover with the API as
 * primary sends exactly the requests of that hour to the local side. */
static void test_router_forced_outage_makes_failover_switch_sides(void **state)
{
    struct drv v;
    const struct run_result *x;
    double fo;

    (void)state;
    drv_run(&v, R_HEAD("4h", "1", "2/s")
                "  tasks: [{type: t, share: 1, input_tokens: 300, "
                "output_tokens: 200}]\n"
                "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN
                ", outages: [{start: 1h, duration: 1h}]}\n"
                "routing: {policy: failover, primary: api}\n");
    x = &v.res[0];
    drv_check_identity(&v);
    fo = r_sum_reason(&v, ROUTER_BY_FAILOVER);
    assert_close((double)x->backend[0].routed, fo, 0);
    assert_within(fo / (double)x->arrived, 0.25 - 0.02, 0.25 + 0.02);
    assert_int_equal(x->failed, 0);
    assert_close(drv_figure(x, 1, "server_errors"), 0.0, 0);
    drv_free(&v);
}

/* One GPU replica failing every 2 h on average for 1 h: down a third of
 * the time, and that third goes to the API. */
static void test_router_failover_uses_the_api_while_local_is_down(
    void **state)
{
    struct drv v;
    const struct run_result *x;
    double fo;

    (void)state;
    drv_run(&v, R_HEAD("4d", "1", "0.2/s")
                "  tasks: [{type: t, share: 1, input_tokens: 300, "
                "output_tokens: 20}]\n"
                "backends:\n  local: {kind: gpu, gpu: L40S, count: 1, model: "
                "llama-3-8b, quant: int4, failures: {mtbf: 2h, mttr: 1h}}\n"
                "  api: " R_API_PLAIN "}\n"
                "routing: {policy: failover}\n");
    x = &v.res[0];
    drv_check_identity(&v);
    fo = r_sum_reason(&v, ROUTER_BY_FAILOVER) / (double)x->arrived;
    /* ~32 failures in 4 days: the down share is 1/3 give or take 0.08 */
    assert_within(fo, 0.2, 0.47);
    assert_close((double)x->backend[1].routed,
                 r_sum_reason(&v, ROUTER_BY_FAILOVER), 0);
    drv_free(&v);
}

/* Without the outage nothing fails over; with the local side primary and
 * always up, the API sees nothing. */
static void test_router_failover_stays_on_a_healthy_primary(void **state)
{
    struct drv v;

    (void)state;
    drv_run(&v, R_HEAD("2h", "1", "2/s")
                "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: failover}\n");
    assert_close(r_sum_reason(&v, ROUTER_BY_FAILOVER), 0.0, 0);
    assert_int_equal(v.res[0].backend[1].routed, 0);
    drv_free(&v);
}

/* One server at 20 ms deterministic under 60/s (rho 1.2): the queue would
 * grow without bound; overflow keeps the local wait under max_wait and
 * spills the rest. */
static void test_router_overflow_spills_when_the_wait_breaks_the_slo(
    void **state)
{
    struct drv v;
    const struct run_result *x;
    double spill;

    (void)state;
    drv_run(&v, R_HEAD("1h", "1", "60/s")
                "backends:\n  local: {kind: station, servers: 1, service: "
                "20ms}\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: overflow, max_wait: 100ms}\n");
    x = &v.res[0];
    drv_check_identity(&v);
    spill = r_sum_reason(&v, ROUTER_BY_OVERFLOW) / (double)x->arrived;
    /* at least the excess load 1 - 1/1.2 must spill */
    assert_within(spill, 1.0 - 1.0 / 1.2, 0.5);
    assert_true(x->backend[0].lat[RUN_WAIT].w.max <= 0.100 + 1e-9);
    drv_free(&v);
}

/* A GPU local side predicts its wait from its batch slots: idle, nothing
 * spills; at twice what four slots can decode, the excess goes to the API
 * and the local wait stays near the threshold instead of growing. */
#define R_GPU_SMALL                                                           \
    "{kind: gpu, gpu: L40S, model: llama-3-8b, quant: int4, "                 \
    "serving: {max_batch: 4}}"
#define R_GPU_TASK                                                            \
    "  tasks: [{type: t, share: 1, input_tokens: 300, output_tokens: 200}]\n"

static void test_router_overflow_with_a_gpu_spills_only_under_load(
    void **state)
{
    struct drv v;
    const struct run_result *x;
    double spill;

    (void)state;
    drv_run(&v, R_HEAD("1h", "1", "0.2/s") R_GPU_TASK
                "backends:\n  local: " R_GPU_SMALL "\n  api: " R_API_PLAIN
                "}\nrouting: {policy: overflow, max_wait: 2s}\n");
    assert_close(r_sum_reason(&v, ROUTER_BY_OVERFLOW), 0.0, 0);
    drv_free(&v);

    drv_run(&v, R_HEAD("1h", "1", "6/s") R_GPU_TASK
                "backends:\n  local: " R_GPU_SMALL "\n  api: " R_API_PLAIN
                "}\nrouting: {policy: overflow, max_wait: 2s}\n");
    x = &v.res[0];
    drv_check_identity(&v);
    spill = r_sum_reason(&v, ROUTER_BY_OVERFLOW) / (double)x->arrived;
    assert_within(spill, 0.3, 0.9);
    /* without overflow the queue would grow by ~3/s for an hour */
    assert_true(qhist_quantile(x->backend[0].lat[RUN_WAIT].h, 0.99) < 10.0);
    drv_free(&v);
}

static void test_router_overflow_defaults_to_the_slo(void **state)
{
    struct scenario *sc = drv_load(
        R_HEAD("1h", "1", "1/s")
        "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
        "routing: {policy: overflow}\nslo: {e2e_p99: 250ms}\n");

    (void)state;
    assert_close(sc->routing.max_wait, 0.25, 0);
    scenario_free(sc);
}

/* Every request pays the router delay before anything else. */
static void test_router_delay_is_added_to_every_request(void **state)
{
    struct drv v;

    (void)state;
    drv_run(&v, R_HEAD("1h", "1", "1/s")
                "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: all-local, router_delay: 8ms}\n");
    assert_close(v.res[0].overall[RUN_E2E].w.mean, 0.028, 1e-9);
    assert_close(v.res[0].overall[RUN_E2E].w.min, 0.028, 1e-9);
    drv_free(&v);
}

static void test_router_delay_station_is_visited_first(void **state)
{
    struct drv v;
    const struct run_result *x;

    (void)state;
    drv_run(&v, R_HEAD("1h", "1", "1/s")
                "backends:\n  classifier: {kind: station, servers: 4, "
                "service: 7ms}\n  local: " R_LOCAL "\n  api: " R_API_PLAIN
                "}\n"
                "routing: {policy: all-local, router_delay: classifier}\n");
    x = &v.res[0];
    assert_int_equal(x->backend[0].completed, x->backend[1].completed);
    assert_int_equal(x->backend[0].routed, 0);
    assert_close(x->overall[RUN_E2E].w.mean, 0.027, 1e-9);
    drv_free(&v);
}

/* Rejected with probability p, asked once more: a share p^2 fails, and the
 * API serves 1 + p answers per request. */
static void test_router_validator_reasks_and_fails_twice_rejected(void **state)
{
    struct drv v;
    const struct run_result *x;
    double n;

    (void)state;
    drv_run(&v, R_HEAD("6h", "1", "2/s")
                "backends:\n  api: " R_API_PLAIN "}\n"
                "routing: {policy: all-api, format_error_rate: 0.2}\n");
    x = &v.res[0];
    n = (double)x->arrived;
    drv_check_identity(&v);
    assert_within((double)x->routing.validator_failed / n, 0.04 - 0.006,
                  0.04 + 0.006);
    assert_within((double)x->backend[0].completed / n, 1.2 - 0.01,
                  1.2 + 0.01);
    assert_int_equal(x->failed, x->routing.validator_failed);
    drv_free(&v);
}

/* Hand-computed (binormal score, d = sqrt 2 Phi^-1(AUC), threshold by
 * bisection on f = a Phi(t - d) + (1 - a) Phi(t)): a = 0.75, f = 0.3,
 * AUC 0.8 gives d = 1.19023, t = 0.318518, a_kept = 0.866055; a = 0.94,
 * f = 0.05, AUC 0.75 gives 0.950212.  AUC 0.5 keeps a; AUC 1 removes the
 * wrong answers first. */
static void test_router_kept_accuracy_matches_hand_values(void **state)
{
    (void)state;
    assert_close(accuracy_kept(0.75, 0.3, 0.8), 0.8660549, 1e-6);
    assert_close(accuracy_kept(0.94, 0.05, 0.75), 0.9502124, 1e-6);
    assert_close(accuracy_kept(0.75, 0.3, 0.5), 0.75, 1e-12);
    assert_close(accuracy_kept(0.75, 0.0, 0.9), 0.75, 1e-12);
    assert_close(accuracy_kept(0.75, 0.2, 1.0), 0.75 / 0.8, 1e-12);
    assert_close(accuracy_kept(0.75, 0.3, 1.0), 0.70 / 0.70, 1e-12);
}

/* Escalating the least confident 30% of summaries (local 0.75, API
 * zero-shot 0.92) to the better model raises the blend above both
 * random escalation and all local: with realised share f, blended =
 * (1 - f) a_kept(f) + f 0.92. */
static void test_router_confidence_escalation_raises_blended_accuracy(
    void **state)
{
    static const char body[] =
        "  tasks: [{type: summarization, share: 1, input_tokens: 300, "
        "output_tokens: 200}]\n"
        "backends:\n  local: " R_LOCAL "\n  api: " R_API_PLAIN "}\n"
        "routing: {policy: confidence-fallback, fallback_rate: 0.3, "
        "fallback_auc: 0.8%s}\n";
    double acc[2];
    int k;

    (void)state;
    for (k = 0; k < 2; k++) {
        char yaml[1024];
        struct drv v;
        struct report_routing rr;
        double f;
        snprintf(yaml, sizeof yaml, R_HEAD("2h", "2", "1/s") "%s",
                 body);
        snprintf(yaml + strlen(R_HEAD("2h", "2", "1/s")),
                 sizeof yaml - strlen(R_HEAD("2h", "2", "1/s")), body,
                 k ? ", escalation: random" : "");
        drv_run(&v, yaml);
        report_routing(v.sc, v.res, v.n, &rr);
        f = rr.escalated;
        assert_within(f, 0.28, 0.32);
        acc[k] = rr.accuracy;
        if (k == 0)
            assert_close(acc[k],
                         (1 - f) * accuracy_kept(0.75, f, 0.8) + f * 0.92,
                         1e-3);
        else
            assert_close(acc[k], (1 - f) * 0.75 + f * 0.92, 1e-3);
        drv_free(&v);
    }
    assert_true(acc[0] > acc[1] + 0.05);
    assert_true(acc[1] > 0.75);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_blended_accuracy_of_two_tasks_by_hand),
        cmocka_unit_test(test_router_run_reports_the_hand_computed_accuracy),
        cmocka_unit_test(test_router_task_override_replaces_the_table),
        cmocka_unit_test(
            test_router_fallback_doubles_cost_for_the_escalated_share),
        cmocka_unit_test(test_router_fallback_pays_both_latencies),
        cmocka_unit_test(test_router_forced_outage_makes_failover_switch_sides),
        cmocka_unit_test(test_router_failover_stays_on_a_healthy_primary),
        cmocka_unit_test(
            test_router_failover_uses_the_api_while_local_is_down),
        cmocka_unit_test(
            test_router_overflow_spills_when_the_wait_breaks_the_slo),
        cmocka_unit_test(
            test_router_overflow_with_a_gpu_spills_only_under_load),
        cmocka_unit_test(test_router_overflow_defaults_to_the_slo),
        cmocka_unit_test(test_router_delay_is_added_to_every_request),
        cmocka_unit_test(test_router_delay_station_is_visited_first),
        cmocka_unit_test(
            test_router_validator_reasks_and_fails_twice_rejected),
        cmocka_unit_test(test_router_kept_accuracy_matches_hand_values),
        cmocka_unit_test(
            test_router_confidence_escalation_raises_blended_accuracy),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
