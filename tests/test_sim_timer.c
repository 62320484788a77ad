/*
 * sim timers: a model whose next event moves while pending (a GPU
 * replica's step boundary, brought forward by an arrival) runs the same
 * events at the same times in the same order with a timer as with the
 * old way, a new event per move and the superseded ones ignored by a
 * generation stamp:
 *   over many random moves (earlier, later, to the same time), cancels,
 *   times past the horizon and exact ties with other events
 *   a timer past the horizon is cancelled, and only a timer that is not
 *   pending can reach the events ceiling
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "sim/diag.h"
#include "sim/sim.h"

#define N_ARRIVALS 6000
#define MAX_LOG (8 * N_ARRIVALS)

struct model {
    int use_timer;
    unsigned seed;
    int left;        /* arrivals still to schedule */
    uint64_t gen;    /* generation of the live boundary (stale way) */
    int pending;     /* a boundary is live */
    size_t timer;
    int log[MAX_LOG];
    double at[MAX_LOG];
    int n;
};

static void note(struct model *m, struct sim *s, int what)
{
    assert_true(m->n < MAX_LOG);
    m->at[m->n] = sim_now(s);
    m->log[m->n++] = what;
}

static void on_boundary(struct sim *s, void *ctx, void *arg);

/* Coarse times: exact ties with arrivals and other events. */
static double later(struct sim *s, struct model *m)
{
    return sim_now(s) + 0.5 * (double)(rand_r(&m->seed) % 6);
}

static void set_boundary(struct sim *s, struct model *m, double t)
{
    m->pending = 1;
    if (m->use_timer) {
        sim_timer_set(s, m->timer, t, NULL);
        return;
    }
    m->gen++;
    sim_schedule_at(s, t, on_boundary, m, (void *)(uintptr_t)m->gen);
}

static void drop_boundary(struct sim *s, struct model *m)
{
    m->pending = 0;
    if (m->use_timer)
        sim_timer_cancel(s, m->timer);
    else
        m->gen++;
}

static void on_boundary(struct sim *s, void *ctx, void *arg)
{
    struct model *m = ctx;

    if (!m->use_timer && (uint64_t)(uintptr_t)arg != m->gen)
        return; /* stale */
    assert_true(m->pending);
    m->pending = 0;
    note(m, s, 1);
    if (rand_r(&m->seed) % 3)
        set_boundary(s, m, later(s, m));
}

static void on_plain(struct sim *s, void *ctx, void *arg)
{
    (void)arg;
    note(ctx, s, 2);
}

static void on_arrival(struct sim *s, void *ctx, void *arg)
{
    struct model *m = ctx;
    int r = rand_r(&m->seed) % 10;

    (void)arg;
    note(m, s, 3);
    if (r < 5)
        set_boundary(s, m, later(s, m)); /* moves, or sets when idle */
    else if (r < 6)
        drop_boundary(s, m);
    else if (r < 8)
        sim_schedule_at(s, later(s, m), on_plain, m, NULL);
    if (--m->left > 0)
        sim_schedule_slot(s, later(s, m), on_arrival, m, NULL);
}

static void run_model(struct model *m, int use_timer)
{
    /* A horizon inside the run: some boundaries fall past it. */
    struct sim_config cfg = {11, 0, 2500.0, 0.0};
    struct sim *s = sim_new(&cfg);

    assert_non_null(s);
    memset(m, 0, sizeof *m);
    m->use_timer = use_timer;
    m->seed = 4242;
    m->left = N_ARRIVALS;
    assert_int_equal(sim_timer_new(s, on_boundary, m, &m->timer), 0);
    sim_schedule_slot(s, 0.0, on_arrival, m, NULL);
    assert_int_equal(sim_run(s), 0);
    sim_free(s);
}

static void test_sim_timer_runs_what_stale_events_ran(void **state)
{
    static struct model a, b;
    int i, boundaries = 0;

    (void)state;
    run_model(&a, 0);
    run_model(&b, 1);
    assert_true(a.n > N_ARRIVALS / 2);
    assert_int_equal(a.n, b.n);
    for (i = 0; i < a.n; i++) {
        assert_int_equal(a.log[i], b.log[i]);
        assert_close(a.at[i], b.at[i], 0.0);
        boundaries += a.log[i] == 1;
    }
    assert_true(boundaries > 500);
}

static void on_nothing(struct sim *s, void *ctx, void *arg)
{
    (void)s;
    (void)ctx;
    (void)arg;
}

static void test_sim_timer_horizon_and_ceiling(void **state)
{
    struct sim_config cfg = {1, 0, 10.0, 0.0};
    struct sim_limits lim = {0, 2};
    struct sim *s = sim_new(&cfg);
    size_t t1, t2;

    (void)state;
    assert_non_null(s);
    sim_set_limits(s, &lim);
    assert_int_equal(sim_timer_new(s, on_nothing, NULL, &t1), 0);
    assert_int_equal(sim_timer_new(s, on_nothing, NULL, &t2), 0);
    sim_timer_set(s, t1, 5.0, NULL);
    sim_timer_set(s, t1, 11.0, NULL); /* past the horizon: cancelled */
    sim_schedule_at(s, 1.0, on_nothing, NULL, NULL);
    sim_timer_set(s, t1, 2.0, NULL);
    sim_timer_set(s, t1, 3.0, NULL); /* a move: no new event */
    assert_int_equal(sim_limit(s), SIM_LIMIT_NONE);
    sim_timer_set(s, t2, 4.0, NULL); /* a third pending event */
    assert_int_equal(sim_limit(s), SIM_LIMIT_EVENTS);
    assert_int_equal(sim_run(s), SLM_ELIMIT);
    sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_timer_runs_what_stale_events_ran),
        cmocka_unit_test(test_sim_timer_horizon_and_ceiling),
    };
    return cmocka_run_group_tests_name("sim_timer", tests, NULL, NULL);
}
