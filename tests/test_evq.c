/*
 * test_evq: the future event list pops in (time, push order) order, grows
 * past its hint, and reports its size and high-water mark; timers move and
 * cancel their pending event and keep the order of one queue (against a
 * reference that scans every live event).
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

static void evq_test_timer_handler(struct sim *s, void *ctx, void *arg)
{
    (void)s;
    (void)ctx;
    (void)arg;
}

/* The reference: every event ever scheduled, a flag for the live ones; a
 * pop scans for the least (t, seq). */
struct ref_ev {
    double t;
    uint64_t seq;
    int timer; /* timer id, or -1 for a plain event */
    void *arg;
    int live;
};

static size_t ref_min(const struct ref_ev *e, size_t n)
{
    size_t best = SIZE_MAX, i;

    for (i = 0; i < n; i++) {
        if (!e[i].live)
            continue;
        if (best == SIZE_MAX || e[i].t < e[best].t ||
            (e[i].t == e[best].t && e[i].seq < e[best].seq))
            best = i;
    }
    return best;
}

static void test_evq_timers_match_a_reference_queue(void **state)
{
    enum { OPS = 60000, TIMERS = 9 };
    struct ref_ev *ref = malloc(OPS * sizeof *ref);
    size_t nref = 0, live = 0, pending[TIMERS], i;
    int ctxs[TIMERS], plain_ctx = 0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    struct evq *q = evq_new(16);
    struct evq_event ev;
    uint64_t seq = 0;
    double now = 0.0;
    long op;

    (void)state;
    assert_non_null(ref);
    assert_non_null(q);
    gsl_rng_set(r, 90125);
    for (i = 0; i < TIMERS; i++) {
        size_t id;
        assert_int_equal(evq_timer_new(q, evq_test_timer_handler, &ctxs[i],
                                       &id), 0);
        assert_int_equal(id, i);
        assert_false(evq_timer_pending(q, id));
        pending[i] = SIZE_MAX;
    }
    for (op = 0; op < OPS; op++) {
        double u = gsl_rng_uniform(r);
        /* Times on a coarse grid: many ties, which seq must break. */
        double t = now + floor(gsl_rng_uniform(r) * 8.0) * 0.5;
        size_t id = gsl_rng_uniform_int(r, TIMERS);
        void *arg = (void *)(uintptr_t)(op + 1);

        if (u < 0.25) { /* a plain push */
            assert_int_equal(evq_push(q, t, evq_test_handler, &plain_ctx,
                                      arg), 0);
            ref[nref] = (struct ref_ev){t, seq++, -1, arg, 1};
            nref++;
            live++;
        } else if (u < 0.55) { /* set or move a timer */
            evq_timer_set(q, id, t, arg);
            if (pending[id] != SIZE_MAX) {
                ref[pending[id]].live = 0;
                live--;
            }
            ref[nref] = (struct ref_ev){t, seq++, (int)id, arg, 1};
            pending[id] = nref++;
            live++;
        } else if (u < 0.62) { /* cancel a timer (pending or not) */
            evq_timer_cancel(q, id);
            if (pending[id] != SIZE_MAX) {
                ref[pending[id]].live = 0;
                pending[id] = SIZE_MAX;
                live--;
            }
        } else if (u < 0.64) { /* a number taken outside the queue */
            assert_int_equal(evq_reserve_seq(q), seq);
            seq++;
        } else { /* pop */
            size_t m = ref_min(ref, nref);
            if (m == SIZE_MAX) {
                assert_int_equal(evq_pop(q, &ev), -1);
                continue;
            }
            assert_int_equal(evq_pop(q, &ev), 0);
            assert_close(ev.t, ref[m].t, 0.0);
            assert_int_equal(ev.seq, ref[m].seq);
            assert_ptr_equal(ev.arg, ref[m].arg);
            if (ref[m].timer >= 0) {
                assert_ptr_equal(ev.fn, evq_test_timer_handler);
                assert_ptr_equal(ev.ctx, &ctxs[ref[m].timer]);
                pending[ref[m].timer] = SIZE_MAX;
            } else {
                assert_ptr_equal(ev.fn, evq_test_handler);
                assert_ptr_equal(ev.ctx, &plain_ctx);
            }
            ref[m].live = 0;
            live--;
            now = ev.t;
        }
        assert_int_equal(evq_size(q), live);
        for (i = 0; i < TIMERS; i++)
            assert_int_equal(evq_timer_pending(q, i), pending[i] != SIZE_MAX);
        {
            size_t m = ref_min(ref, nref);
            double probe = now + floor(gsl_rng_uniform(r) * 8.0) * 0.5;
            uint64_t pseq = gsl_rng_uniform_int(r, (unsigned long)seq + 1);
            int before = m == SIZE_MAX || probe < ref[m].t ||
                         (probe == ref[m].t && pseq < ref[m].seq);
            if (m == SIZE_MAX)
                assert_true(isinf(evq_peek_time(q)));
            else
                assert_close(evq_peek_time(q), ref[m].t, 0.0);
            assert_int_equal(evq_before_top(q, probe, pseq), before);
        }
    }
    gsl_rng_free(r);
    evq_free(q);
    free(ref);
}

static void test_evq_timer_moves_keep_the_order_of_new_pushes(void **state)
{
    struct evq *q = evq_new(16);
    struct evq_event ev;
    size_t a, b;
    int ca, cb;

    (void)state;
    assert_int_equal(evq_timer_new(q, evq_test_timer_handler, &ca, &a), 0);
    assert_int_equal(evq_timer_new(q, evq_test_timer_handler, &cb, &b), 0);
    evq_timer_set(q, a, 5.0, NULL);
    evq_push(q, 3.0, evq_test_handler, NULL, NULL);
    evq_timer_set(q, b, 3.0, NULL);
    /* a moves earlier, to the same time as the two: it was set last, so
     * it leaves last of the three, as a push made now would. */
    evq_timer_set(q, a, 3.0, (void *)&ca);
    assert_int_equal(evq_size(q), 3);
    assert_int_equal(evq_pop(q, &ev), 0);
    assert_ptr_equal(ev.fn, evq_test_handler);
    assert_int_equal(evq_pop(q, &ev), 0);
    assert_ptr_equal(ev.ctx, &cb);
    assert_int_equal(evq_pop(q, &ev), 0);
    assert_ptr_equal(ev.ctx, &ca);
    assert_ptr_equal(ev.arg, &ca);
    assert_close(ev.t, 3.0, 0.0);
    assert_false(evq_timer_pending(q, a));
    assert_int_equal(evq_pop(q, &ev), -1);
    /* Moving later works too, and a fired timer can be set again. */
    evq_timer_set(q, a, 1.0, NULL);
    evq_timer_set(q, b, 2.0, NULL);
    evq_timer_set(q, a, 4.0, NULL);
    assert_close(evq_peek_time(q), 2.0, 0.0);
    assert_int_equal(evq_pop(q, &ev), 0);
    assert_ptr_equal(ev.ctx, &cb);
    assert_int_equal(evq_pop(q, &ev), 0);
    assert_ptr_equal(ev.ctx, &ca);
    assert_close(ev.t, 4.0, 0.0);
    evq_free(q);
}

static void test_evq_timers_cancel_clear_and_count(void **state)
{
    struct evq *q = evq_new(16);
    struct evq_event ev;
    size_t a, b;

    (void)state;
    assert_int_equal(evq_timer_new(q, evq_test_timer_handler, NULL, &a), 0);
    assert_int_equal(evq_timer_new(q, evq_test_timer_handler, NULL, &b), 0);
    evq_timer_cancel(q, a); /* not pending: nothing */
    assert_int_equal(evq_size(q), 0);
    evq_timer_set(q, a, 2.0, NULL);
    evq_timer_set(q, b, 1.0, NULL);
    evq_push(q, 3.0, evq_test_handler, NULL, NULL);
    assert_int_equal(evq_size(q), 3);
    assert_int_equal(evq_peak_size(q), 3);
    evq_timer_set(q, b, 0.5, NULL); /* a move adds nothing */
    assert_int_equal(evq_size(q), 3);
    evq_timer_cancel(q, b);
    assert_false(evq_timer_pending(q, b));
    assert_int_equal(evq_size(q), 2);
    assert_close(evq_peek_time(q), 2.0, 0.0);
    evq_clear(q);
    assert_int_equal(evq_size(q), 0);
    assert_false(evq_timer_pending(q, a));
    assert_int_equal(evq_pop(q, &ev), -1);
    assert_int_equal(evq_peak_size(q), 3);
    evq_timer_set(q, a, 7.0, NULL); /* usable after clear */
    assert_int_equal(evq_pop(q, &ev), 0);
    assert_close(ev.t, 7.0, 0.0);
    evq_free(q);
}

static void test_evq_timer_new_fails_cleanly_without_memory(void **state)
{
    struct evq *q = evq_new(16);
    size_t id = 99, i;
    long n;

    (void)state;
    for (n = 0; n < 2; n++) {
        mem_fail_after(n);
        assert_int_equal(evq_timer_new(q, evq_test_timer_handler, NULL, &id),
                         SLM_ENOMEM);
        mem_fail_reset();
        assert_int_equal(id, 99);
    }
    /* Still usable, past several growths. */
    for (i = 0; i < 40; i++) {
        assert_int_equal(evq_timer_new(q, evq_test_timer_handler, NULL, &id),
                         0);
        assert_int_equal(id, i);
        evq_timer_set(q, id, 40.0 - (double)i, NULL);
    }
    assert_int_equal(evq_size(q), 40);
    assert_close(evq_peek_time(q), 1.0, 0.0);
    evq_free(q);
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
        cmocka_unit_test(test_evq_timers_match_a_reference_queue),
        cmocka_unit_test(test_evq_timer_moves_keep_the_order_of_new_pushes),
        cmocka_unit_test(test_evq_timers_cancel_clear_and_count),
        cmocka_unit_test(test_evq_timer_new_fails_cleanly_without_memory),
    };
    return cmocka_run_group_tests_name("evq", tests, NULL, NULL);
}
