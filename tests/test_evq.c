/*
 * test_evq: the future event list pops in (time, push order) order, grows
 * past its hint, and reports its size and high-water mark.
 */
#include "check.h"

#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "sim/diag.h"
#include "sim/evq.h"
#include "sim/mem.h"

static void evq_test_handler(struct sim *s, void *ctx, void *arg)
{
    (void)s;
    (void)ctx;
    (void)arg;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_evq_random_times_pop_in_sorted_order(void **state)
{
    enum { N = 5000 };
    double *times = malloc(N * sizeof *times);
    double *ref = malloc(N * sizeof *ref);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    struct evq *q = evq_new(64);
    struct evq_event ev;
    size_t i;

    (void)state;
    assert_non_null(times);
    assert_non_null(ref);
    assert_non_null(q);
    gsl_rng_set(r, 2385);
    /* Each event carries a pointer to its own time: payloads must travel
     * with their keys through every sift. */
    for (i = 0; i < N; i++) {
        times[i] = ref[i] = gsl_rng_uniform(r) * 1000.0;
        assert_int_equal(evq_push(q, times[i], evq_test_handler, NULL,
                                  &times[i]), 0);
    }
    qsort(ref, N, sizeof *ref, cmp_double);
    for (i = 0; i < N; i++) {
        assert_close(evq_peek_time(q), ref[i], 0.0);
        assert_int_equal(evq_pop(q, &ev), 0);
        assert_close(ev.t, ref[i], 0.0);
        assert_ptr_equal(ev.fn, evq_test_handler);
        assert_close(*(double *)ev.arg, ev.t, 0.0);
    }
    assert_int_equal(evq_pop(q, &ev), -1);
    assert_true(isinf(evq_peek_time(q)));
    evq_free(q);
    gsl_rng_free(r);
    free(ref);
    free(times);
}

static void test_evq_interleaved_push_pop_never_goes_backwards(void **state)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    struct evq *q = evq_new(0);
    struct evq_event ev;
    double now = 0.0;
    int i;

    (void)state;
    gsl_rng_set(r, 83);
    /* The simulator's pattern: pop the earliest, schedule in its future. */
    for (i = 0; i < 200; i++)
        assert_int_equal(evq_push(q, gsl_rng_uniform(r), evq_test_handler,
                                  NULL, NULL), 0);
    for (i = 0; i < 100000; i++) {
        assert_int_equal(evq_pop(q, &ev), 0);
        assert_true(ev.t >= now);
        now = ev.t;
        assert_int_equal(evq_push(q, now + gsl_rng_uniform(r) * 3.7,
                                  evq_test_handler, NULL, NULL), 0);
    }
    assert_int_equal(evq_size(q), 200);
    evq_free(q);
    gsl_rng_free(r);
}

static void test_evq_equal_times_pop_in_schedule_order(void **state)
{
    enum { N = 1000 };
    static int tags[N];
    struct evq *q = evq_new(8);
    struct evq_event ev;
    uint64_t last_seq = 0;
    int i;

    (void)state;
    /* Three distinct times, pushed round-robin: within each time the tags
     * must come back in push order. */
    for (i = 0; i < N; i++) {
        tags[i] = i;
        assert_int_equal(evq_push(q, 2.385 * (double)(i % 3),
                                  evq_test_handler, NULL, &tags[i]), 0);
    }
    for (i = 0; i < N; i++) {
        int expect_time = i < 334 ? 0 : i < 667 ? 1 : 2;
        int k = expect_time == 0 ? i : expect_time == 1 ? i - 334 : i - 667;
        assert_int_equal(evq_pop(q, &ev), 0);
        assert_close(ev.t, 2.385 * expect_time, 0.0);
        assert_int_equal(*(int *)ev.arg, 3 * k + expect_time);
        if (i > 0 && k > 0)
            assert_true(ev.seq > last_seq);
        last_seq = ev.seq;
    }
    evq_free(q);
}

static void test_evq_grows_past_its_capacity_hint(void **state)
{
    struct evq *q = evq_new(4);
    struct evq_event ev;
    int i;

    (void)state;
    for (i = 10000; i > 0; i--)
        assert_int_equal(evq_push(q, (double)i, evq_test_handler, NULL,
                                  NULL), 0);
    assert_int_equal(evq_size(q), 10000);
    for (i = 1; i <= 10000; i++) {
        assert_int_equal(evq_pop(q, &ev), 0);
        assert_close(ev.t, (double)i, 0.0);
    }
    evq_free(q);
}

static void test_evq_peak_size_is_the_high_water_mark(void **state)
{
    struct evq *q = evq_new(16);
    struct evq_event ev;
    int i;

    (void)state;
    assert_int_equal(evq_size(q), 0);
    assert_int_equal(evq_peak_size(q), 0);
    for (i = 0; i < 37; i++)
        evq_push(q, 1.0 + i, evq_test_handler, NULL, NULL);
    for (i = 0; i < 30; i++)
        evq_pop(q, &ev);
    for (i = 0; i < 10; i++)
        evq_push(q, 0.5 * i, evq_test_handler, NULL, NULL);
    assert_int_equal(evq_size(q), 17);
    assert_int_equal(evq_peak_size(q), 37);
    evq_clear(q);
    assert_int_equal(evq_size(q), 0);
    assert_int_equal(evq_peak_size(q), 37);
    assert_int_equal(evq_pop(q, &ev), -1);
    /* Storage kept: the queue works after clear. */
    evq_push(q, 4.2, evq_test_handler, NULL, NULL);
    assert_close(evq_peek_time(q), 4.2, 0.0);
    evq_free(q);
}

static void test_evq_failed_growth_leaves_the_queue_unchanged(void **state)
{
    struct evq *q = evq_new(16);
    struct evq_event ev;
    int i;

    (void)state;
    for (i = 0; i < 16; i++)
        assert_int_equal(evq_push(q, 16.0 - i, evq_test_handler, NULL,
                                  NULL), 0);
    mem_fail_after(0);
    assert_int_equal(evq_push(q, 0.25, evq_test_handler, NULL, NULL),
                     SLM_ENOMEM);
    mem_fail_reset();
    assert_int_equal(evq_size(q), 16);
    for (i = 1; i <= 16; i++) {
        assert_int_equal(evq_pop(q, &ev), 0);
        assert_close(ev.t, (double)i, 0.0);
    }
    evq_free(q);
}

static void test_evq_new_fails_cleanly_without_memory(void **state)
{
    long n;

    (void)state;
    for (n = 0; n < 2; n++) {
        mem_fail_after(n);
        assert_null(evq_new(100));
        mem_fail_reset();
    }
    evq_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evq_random_times_pop_in_sorted_order),
        cmocka_unit_test(test_evq_interleaved_push_pop_never_goes_backwards),
        cmocka_unit_test(test_evq_equal_times_pop_in_schedule_order),
        cmocka_unit_test(test_evq_grows_past_its_capacity_hint),
        cmocka_unit_test(test_evq_peak_size_is_the_high_water_mark),
        cmocka_unit_test(test_evq_failed_growth_leaves_the_queue_unchanged),
        cmocka_unit_test(test_evq_new_fails_cleanly_without_memory),
    };
    return cmocka_run_group_tests_name("evq", tests, NULL, NULL);
}
