/*
 * sim: the arrival slot beside the event queue runs its event in exactly
 * the order the queue would have:
 *   a slot event and queued events at the same times leave by scheduling
 *   order, as if all were queued, over many random ties
 *   a slot event past the horizon is dropped, like a queued one
 */
#include "check.h"

#include <stdlib.h>

#include "sim/sim.h"

#define N_EVENTS 4000

struct trace {
    int order[2 * N_EVENTS];
    int n;
    int use_slot;
    unsigned seed;
    int left; /* slot events still to schedule */
};

static void on_queued(struct sim *s, void *ctx, void *arg)
{
    struct trace *t = ctx;

    (void)s;
    t->order[t->n++] = (int)(intptr_t)arg;
}

/* Coarse times (whole seconds in [now, now + 3]): many exact ties. */
static double next_time(struct sim *s, struct trace *t)
{
    return sim_now(s) + (double)(rand_r(&t->seed) % 4);
}

static void on_slot(struct sim *s, void *ctx, void *arg)
{
    struct trace *t = ctx;
    int id = (int)(intptr_t)arg;

    t->order[t->n++] = id;
    /* as the arrival stream does: a queued event, then the next arrival */
    sim_schedule_at(s, next_time(s, t), on_queued, t,
                    (void *)(intptr_t)(id + 1));
    if (--t->left > 0) {
        double at = next_time(s, t);
        if (t->use_slot)
            sim_schedule_slot(s, at, on_slot, t, (void *)(intptr_t)(id + 2));
        else
            sim_schedule_at(s, at, on_slot, t, (void *)(intptr_t)(id + 2));
    }
}

static void run_trace(struct trace *t, int use_slot)
{
    struct sim_config cfg = {7, 0, 1e9, 0.0};
    struct sim *s = sim_new(&cfg);

    assert_non_null(s);
    t->n = 0;
    t->use_slot = use_slot;
    t->seed = 2385;
    t->left = N_EVENTS;
    if (use_slot)
        sim_schedule_slot(s, 0.0, on_slot, t, (void *)(intptr_t)0);
    else
        sim_schedule_at(s, 0.0, on_slot, t, (void *)(intptr_t)0);
    assert_int_equal(sim_run(s), 0);
    sim_free(s);
}

static void test_sim_slot_runs_in_the_order_of_the_queue(void **state)
{
    static struct trace a, b;
    int i;

    (void)state;
    run_trace(&a, 0);
    run_trace(&b, 1);
    assert_int_equal(a.n, 2 * N_EVENTS);
    assert_int_equal(b.n, a.n);
    for (i = 0; i < a.n; i++)
        assert_int_equal(b.order[i], a.order[i]);
}

static void test_sim_slot_past_the_horizon_is_dropped(void **state)
{
    struct sim_config cfg = {7, 0, 10.0, 0.0};
    struct sim *s = sim_new(&cfg);
    struct trace t;

    (void)state;
    assert_non_null(s);
    t.n = 0;
    t.left = 0;
    t.seed = 1;
    sim_schedule_slot(s, 11.0, on_slot, &t, NULL);
    assert_int_equal(sim_run(s), 0);
    assert_int_equal(t.n, 0);
    assert_int_equal((int)sim_events(s), 0);
    sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_slot_runs_in_the_order_of_the_queue),
        cmocka_unit_test(test_sim_slot_past_the_horizon_is_dropped),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
