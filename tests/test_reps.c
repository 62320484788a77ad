/*
 * test_reps: a replication's result crosses a pipe whole.
 *
 * qhist_pack/qhist_unpack and run_result_pack/run_result_unpack give back
 * exactly what was packed (the same bytes packed again, the same
 * quantiles), and study_run_replications on two processes gives, for
 * every replication, the result one process computes; replication 0
 * keeps its extras (it runs in the calling process).
 */
#include "tests/run_driver.h"

#include "models/gpu.h"
#include "sim/stats.h"
#include "study/jobs.h"
#include "study/reps.h"

static const char *const reps_yaml =
    "name: reps\n"
    "seed: 11\n"
    "horizon: 2h\n"
    "warmup: 10m\n"
    "replications: 3\n"
    "workload:\n"
    "  arrivals: {process: poisson, rate: 2/s}\n"
    "  tasks:\n"
    "    - {type: chat, share: 0.7, input_tokens: 300, output_tokens: 100}\n"
    "    - {type: sum, share: 0.3, input_tokens: 800, output_tokens: 200}\n"
    "backends:\n"
    "  local: {kind: gpu, gpu: L40S, model: llama-3-8b, quant: int4}\n"
    "  api: {kind: api, preset: gpt-4, tier: 5}\n"
    "routing: {policy: task-based, local_tasks: [chat]}\n";

static void test_a_histogram_comes_back_whole(void **state)
{
    struct qhist *a = qhist_new(), *b = qhist_new();
    unsigned char *buf = mem_alloc(qhist_packed_size());
    unsigned char *again = mem_alloc(qhist_packed_size());

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(buf);
    assert_non_null(again);
    for (int i = 0; i < 5000; i++)
        qhist_add(a, (i % 97) * 0.013 + (i % 7 == 0 ? 0 : 1e-3));
    qhist_add(b, 42.0); /* replaced whole, not merged */
    qhist_pack(a, buf);
    assert_int_equal(qhist_unpack(b, buf), 0);
    qhist_pack(b, again);
    assert_memory_equal(buf, again, qhist_packed_size());
    assert_int_equal(qhist_count(b), 5000);
    assert_true(qhist_quantile(b, 0.99) == qhist_quantile(a, 0.99));
    assert_true(qhist_quantile(b, 0.0) == qhist_quantile(a, 0.0));
    mem_free(again);
    mem_free(buf);
    qhist_free(b);
    qhist_free(a);
}

/* The packed bytes of two results, equal. */
static void reps_same(const struct run_result *a, const struct run_result *b)
{
    size_t size = run_result_packed_size(a->nbackends);
    unsigned char *pa = mem_alloc(size), *pb = mem_alloc(size);

    assert_non_null(pa);
    assert_non_null(pb);
    assert_int_equal(a->nbackends, b->nbackends);
    run_result_pack(a, pa);
    run_result_pack(b, pb);
    assert_memory_equal(pa, pb, size);
    mem_free(pb);
    mem_free(pa);
}

static void test_a_result_comes_back_whole(void **state)
{
    struct drv v;
    struct run_result back, other;
    size_t size;
    unsigned char *buf;

    (void)state;
    drv_run(&v, reps_yaml);
    size = run_result_packed_size(v.sc->nbackends);
    buf = mem_alloc(size);
    assert_non_null(buf);
    assert_int_equal(run_result_init(&back, v.sc->nbackends), 0);
    run_result_pack(&v.res[1], buf);
    assert_int_equal(run_result_unpack(&back, buf), 0);
    reps_same(&v.res[1], &back);
    assert_true(back.completed == v.res[1].completed);
    assert_true(back.completed > 100);
    assert_true(qhist_quantile(back.overall[RUN_E2E].h, 0.99) ==
                qhist_quantile(v.res[1].overall[RUN_E2E].h, 0.99));
    assert_string_equal(back.backend[0].fig.f[0].key,
                        v.res[1].backend[0].fig.f[0].key);
    /* another shape is refused, the target left as it was */
    assert_int_equal(run_result_init(&other, 1), 0);
    assert_int_equal(run_result_unpack(&other, buf), SLM_EINPUT);
    assert_int_equal(other.nbackends, 1);
    assert_true(other.completed == 0);
    run_result_fini(&other);
    run_result_fini(&back);
    mem_free(buf);
    drv_free(&v);
}

/* study_run_replications on `jobs` processes against drv_run's. */
static void reps_against_one_process(unsigned jobs)
{
    struct drv v;
    struct run_result res[3];
    struct study_jobs sj = {jobs, NULL, NULL};
    struct diag d;
    size_t n, done;

    drv_run(&v, reps_yaml);
    memset(res, 0, sizeof res);
    diag_init(&d, stderr);
    assert_int_equal(study_run_replications(v.sc, 1, &sj, &d, res, &n,
                                            &done), 0);
    assert_int_equal(n, 3);
    assert_int_equal(done, 3);
    for (size_t r = 0; r < n; r++) {
        assert_int_equal(res[r].replication, r);
        reps_same(&v.res[r], &res[r]);
    }
    /* replication 0 ran here and kept its time series; the others not */
    assert_non_null(res[0].backend[0].extras);
    assert_ptr_equal(res[0].backend[0].extras_kind, &gpu_backend_kind);
    assert_null(res[1].backend[0].extras);
    for (size_t r = 0; r < n; r++)
        run_result_fini(&res[r]);
    drv_free(&v);
}

static void test_two_processes_give_one_process_results(void **state)
{
    (void)state;
    reps_against_one_process(2);
    reps_against_one_process(3); /* every replication at once */
}

/* One job: the packed path without a fork. */
static void test_one_job_packs_the_same(void **state)
{
    (void)state;
    reps_against_one_process(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_histogram_comes_back_whole),
        cmocka_unit_test(test_a_result_comes_back_whole),
        cmocka_unit_test(test_two_processes_give_one_process_results),
        cmocka_unit_test(test_one_job_packs_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
