/*
 * test_workload: the task mix as parsed (accuracy overrides, where token
 * counts come from) and as drawn (shares within their binomial error).
 */
#include "tests/check.h"

#include <string.h>

#include <gsl/gsl_cdf.h>

#include "tests/run_driver.h"

#include "models/workload.h"
#include "sim/mem.h"
#include "sim/rng.h"

static void load(const char *yaml, struct workload_spec *w)
{
    struct cfg_doc *doc = NULL;
    struct diag d;

    diag_init(&d, stderr);
    assert_int_equal(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d, &doc),
                     0);
    assert_int_equal(
        workload_parse(cfg_get(cfg_doc_root(doc), "workload"), "", w, &d), 0);
    cfg_doc_free(doc);
}

static void test_workload_accuracy_is_stored_or_nan(void **state)
{
    struct workload_spec w;

    (void)state;
    load("workload:\n"
         "  arrivals: {process: poisson, rate: 1/s}\n"
         "  tasks:\n"
         "    - {type: a, share: 0.5, accuracy: {local: 0.94, api: 0.88}}\n"
         "    - {type: b, share: 0.25, accuracy: {api: 0.9}}\n"
         "    - {type: c, share: 0.25}\n",
         &w);
    assert_close(w.tasks[0].accuracy_local, 0.94, 0);
    assert_close(w.tasks[0].accuracy_api, 0.88, 0);
    assert_true(isnan(w.tasks[1].accuracy_local));
    assert_close(w.tasks[1].accuracy_api, 0.9, 0);
    assert_true(isnan(w.tasks[2].accuracy_local));
    assert_true(isnan(w.tasks[2].accuracy_api));
    workload_spec_fini(&w);
}

static void test_workload_trace_tokens_unless_a_distribution_is_given(
    void **state)
{
    struct workload_spec w;
    struct arrival a = {0, 1, 4808, 10, -1, 2, NULL, 0, 0};
    struct request r;
    gsl_rng *rng = rng_stream_new(1, 0, "workload.tasks");

    (void)state;
    load("workload:\n"
         "  arrivals: {process: trace, path: " TEST_DATA_DIR
         "/azure-code-200.csv, format: azure-llm, task: fixed}\n"
         "  tasks:\n"
         "    - {type: mixed, share: 0.5, output_tokens: 77}\n"
         "    - {type: fixed, share: 0.5, input_tokens: trace}\n",
         &w);
    assert_int_equal(w.tasks[0].input_from_trace, 1);
    assert_int_equal(w.tasks[0].output_from_trace, 0);
    assert_int_equal(w.tasks[1].input_from_trace, 1);
    assert_int_equal(w.tasks[1].output_from_trace, 1);
    assert_int_equal(w.arrivals.trace.fixed_index, 1);
    memset(&r, 0, sizeof r);
    a.task = 0;
    workload_fill_request(&w, &a, rng, &r);
    assert_int_equal(r.input_tokens, 4808);
    assert_int_equal(r.output_tokens, 77);
    a.task = 1;
    workload_fill_request(&w, &a, rng, &r);
    assert_int_equal(r.task, 1);
    assert_int_equal(r.output_tokens, 10);
    workload_spec_fini(&w);
    gsl_rng_free(rng);
}

static void test_workload_shares_are_drawn_in_proportion(void **state)
{
    struct workload_spec w;
    struct arrival a = {0, 0, 0, 0, -1, 0, NULL, 0, 0};
    struct request r;
    gsl_rng *rng = rng_stream_new(2385, 0, "workload.tasks");
    double n = 100000, p = 0.23, z = gsl_cdf_ugaussian_Pinv(0.995);
    long count = 0, i;

    (void)state;
    load("workload:\n"
         "  arrivals: {process: poisson, rate: 1/s}\n"
         "  tasks:\n"
         "    - {type: a, share: 0.23, input_tokens: 5}\n"
         "    - {type: b, share: 0.77}\n",
         &w);
    for (i = 0; i < (long)n; i++) {
        workload_fill_request(&w, &a, rng, &r);
        count += r.task == 0;
    }
    assert_within((double)count, n * p - z * sqrt(n * p * (1 - p)),
                  n * p + z * sqrt(n * p * (1 - p)));
    workload_spec_fini(&w);
    gsl_rng_free(rng);
}

/* Every allocation of loading and replaying a trace scenario (task map,
 * spread buffer, loop) may fail: each failure comes back as SLM_ENOMEM,
 * never a crash or a leak (the sanitizer build checks leaks). */
static void test_workload_trace_replay_survives_every_allocation_failure(
    void **state)
{
    char cwd[512], path[] = "/tmp/slmsim-workload-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");

    (void)state;
    assert_non_null(f);
    assert_non_null(getcwd(cwd, sizeof cwd));
    fprintf(f,
            "name: walk\nhorizon: 3h\nreplications: 1\nworkload:\n"
            "  arrivals: {process: trace, path: %s/" TEST_DATA_DIR
            "/burstgpt-400.csv, format: burstgpt, speedup: 8, loop: true,\n"
            "             spread: 2s, task: {column: Model, map: {ChatGPT: "
            "chat, GPT-4: code}}}\n"
            "  tasks:\n    - {type: chat, share: 0.5}\n"
            "    - {type: code, share: 0.5, output_tokens: 30}\n"
            "backends:\n  one: {kind: station, service: 0.3s}\n",
            cwd);
    fclose(f);
    assert_true(drv_alloc_walk(path) > 20);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workload_accuracy_is_stored_or_nan),
        cmocka_unit_test(
            test_workload_trace_tokens_unless_a_distribution_is_given),
        cmocka_unit_test(test_workload_shares_are_drawn_in_proportion),
        cmocka_unit_test(
            test_workload_trace_replay_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
