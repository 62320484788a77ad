/* prefix: the block-hash KV cache against hand cases. */
#include "tests/check.h"

#include <string.h>

#include "models/prefix.h"
#include "models/serve.h"
#include "tests/serve_toy.h"

/* Inserts ids[0..n) in pass 0, each of `blocks` blocks (one reference
 * each), as a sequence whose prompt was just computed. */
static void insert_run(struct prefix *pc, const uint32_t *ids, size_t n,
                       long blocks)
{
    for (size_t i = 0; i < n; i++)
        assert_true(prefix_insert(pc, prefix_key(0, ids[i]), blocks) >= 0);
}

static void test_prefix_match_finds_the_leading_resident_run(void **state)
{
    (void)state;
    struct prefix *pc = prefix_new(16);
    const uint32_t a[] = {0, 1, 2, 3};
    const uint32_t b[] = {0, 1, 7, 3}; /* shares two leading blocks */
    const uint32_t c[] = {9, 1, 2};    /* shares none: its first differs */
    assert_non_null(pc);
    insert_run(pc, a, 4, 32);
    assert_int_equal(prefix_match(pc, a, 4, 0), 4);
    assert_int_equal(prefix_match(pc, b, 4, 0), 2);
    assert_int_equal(prefix_match(pc, c, 3, 0), 0);
    /* another pass of a looped trace is another prompt */
    assert_int_equal(prefix_match(pc, a, 4, 1), 0);
    assert_int_equal(prefix_pinned_blocks(pc), 128);
    assert_int_equal(prefix_idle_blocks(pc), 0);
    prefix_free(pc);
}

static void test_prefix_acquire_moves_idle_blocks_to_pinned(void **state)
{
    (void)state;
    struct prefix *pc = prefix_new(8);
    const uint32_t a[] = {4, 5, 6};
    insert_run(pc, a, 3, 32);
    assert_int_equal(prefix_release_run(pc, a, 3, 0), 96);
    assert_int_equal(prefix_idle_blocks(pc), 96);
    assert_int_equal(prefix_acquire(pc, prefix_key(0, 4)), 32);
    assert_int_equal(prefix_acquire(pc, prefix_key(0, 4)), 0); /* shared */
    assert_int_equal(prefix_acquire(pc, prefix_key(0, 99)), -1);
    assert_int_equal(prefix_pinned_blocks(pc), 32);
    assert_int_equal(prefix_idle_blocks(pc), 64);
    /* one reference left: still pinned */
    assert_int_equal(prefix_release_run(pc, a, 1, 0), 0);
    assert_int_equal(prefix_release_run(pc, a, 1, 0), 32);
    prefix_free(pc);
}

static void test_prefix_evicts_least_recently_released_first(void **state)
{
    (void)state;
    struct prefix *pc = prefix_new(8);
    const uint32_t x[] = {10, 11}, y[] = {20, 21};
    insert_run(pc, x, 2, 5);
    insert_run(pc, y, 2, 7);
    /* x finishes first, then y: x's blocks are the older idle ones, and
     * within a run the tail goes first (released in reverse) */
    prefix_release_run(pc, x, 2, 0);
    prefix_release_run(pc, y, 2, 0);
    assert_int_equal(prefix_idle_blocks(pc), 24);
    assert_int_equal(prefix_evict(pc, 19), 5); /* x's tail, 11 */
    assert_int_equal(prefix_blocks_of(pc, prefix_key(0, 11)), 0);
    assert_int_equal(prefix_blocks_of(pc, prefix_key(0, 10)), 5);
    assert_int_equal(prefix_match(pc, x, 2, 0), 1);
    /* touching 10 again makes it the most recent once released */
    assert_int_equal(prefix_acquire(pc, prefix_key(0, 10)), 5);
    prefix_release_run(pc, x, 1, 0);
    assert_int_equal(prefix_evict(pc, 5), 14); /* 21 then 20 */
    assert_int_equal(prefix_match(pc, y, 2, 0), 0);
    assert_int_equal(prefix_match(pc, x, 2, 0), 1);
    assert_int_equal(prefix_evictions(pc), 3);
    assert_int_equal(prefix_entries(pc), 1);
    prefix_free(pc);
}

static void test_prefix_never_evicts_pinned_blocks(void **state)
{
    (void)state;
    struct prefix *pc = prefix_new(3);
    const uint32_t a[] = {1, 2}, b[] = {3};
    insert_run(pc, a, 2, 4);
    insert_run(pc, b, 1, 4);
    prefix_release_run(pc, b, 1, 0);
    /* room 0: only the idle entry may go */
    assert_int_equal(prefix_evict(pc, 0), 4);
    assert_int_equal(prefix_evict(pc, -10), 0);
    assert_int_equal(prefix_match(pc, a, 2, 0), 2);
    assert_int_equal(prefix_pinned_blocks(pc), 8);
    /* a full table of pinned entries refuses a new one ... */
    assert_int_equal(prefix_insert(pc, prefix_key(0, 40), 2), 0);
    assert_int_equal(prefix_insert(pc, prefix_key(0, 41), 2), -1);
    assert_int_equal(prefix_entries(pc), 3);
    /* ... and, once one is idle, evicts it to make room */
    const uint32_t c[] = {40};
    prefix_release_run(pc, c, 1, 0);
    assert_int_equal(prefix_insert(pc, prefix_key(0, 41), 2), 2);
    assert_int_equal(prefix_match(pc, a, 2, 0), 2);
    prefix_free(pc);
}

/* Many keys through a small table: deletion must keep every resident key
 * reachable (the probe runs shift back). */
static void test_prefix_table_survives_churn(void **state)
{
    (void)state;
    struct prefix *pc = prefix_new(64);
    uint32_t id[64];
    for (uint32_t round = 0; round < 50; round++) {
        for (uint32_t i = 0; i < 64; i++) {
            id[i] = round * 1000 + i;
            assert_true(prefix_insert(pc, prefix_key(0, id[i]), 1) >= 0);
        }
        assert_int_equal(prefix_match(pc, id, 64, 0), 64);
        prefix_release_run(pc, id, 64, 0);
        assert_int_equal(prefix_evict(pc, 32), 32);
        /* the tail went first: the first 32 ids stay */
        assert_int_equal(prefix_match(pc, id, 64, 0), 32);
        assert_int_equal(prefix_evict(pc, 0), 32);
        assert_int_equal(prefix_entries(pc), 0);
    }
    prefix_free(pc);
}

static void test_prefix_clear_drops_everything(void **state)
{
    (void)state;
    struct prefix *pc = prefix_new(4);
    const uint32_t a[] = {1, 2};
    insert_run(pc, a, 2, 3);
    prefix_clear(pc);
    assert_int_equal(prefix_match(pc, a, 2, 0), 0);
    assert_int_equal(prefix_pinned_blocks(pc), 0);
    assert_int_equal(prefix_entries(pc), 0);
    assert_null(prefix_new(0));
    prefix_free(NULL);
    prefix_free(pc);
}

/* ---- the serve model with a hash cache ---- */

/* tests/serve_toy.h's replica, caching on: step = hypot(10 ms, 1 ms a token) + 1 us a
 * context token + 1 ms, 16-token blocks, no jitter. */
static struct serve_params toy(long kv_blocks)
{
    struct serve_params p = serve_toy_params(kv_blocks);
    p.prefix_caching = 1;
    return p;
}

static double toy_prefill(double p0, double c)
{
    return hypot(0.010, 0.001 * c) + (p0 + c) * 1e-6 + 0.001;
}

struct job {
    double t;
    uint32_t in, out;
    uint32_t hash[4], nhash;
};

struct rig {
    struct serve *sv;
    struct request rq[8];
    double ttft[8];
    size_t done;
};

static void rig_done(void *ctx, struct request *r, double now)
{
    struct rig *g = ctx;
    (void)now;
    g->ttft[r->id] = r->t_first_token - r->t_arrival;
    g->done++;
}

/* Runs jobs[0..n) (hash blocks of 64 tokens: 4 engine blocks) one
 * replica to the end: arrivals and boundaries in time order. */
static void rig_run(struct rig *g, const struct serve_params *p,
                    const struct job *jobs, size_t n)
{
    struct serve_hooks h = {rig_done, g};
    memset(g, 0, sizeof *g);
    g->sv = serve_new(p, NULL, &h, NULL);
    assert_non_null(g->sv);
    for (size_t next = 0;;) {
        double ts = serve_next_time(g->sv);
        double ta = next < n ? jobs[next].t : (double)INFINITY;
        if (isinf(ta) && isinf(ts))
            break;
        if (ta <= ts) {
            struct request *r = &g->rq[next];
            r->id = next;
            r->t_arrival = r->t_enqueue = ta;
            r->input_tokens = jobs[next].in;
            r->output_tokens = jobs[next].out;
            r->prefix_hashes = jobs[next].hash;
            r->prefix_blocks = jobs[next].nhash;
            r->prefix_block_tokens = 64;
            next++;
            serve_submit(g->sv, r, ta);
        } else {
            serve_boundary(g->sv, ts);
        }
    }
    serve_flush(g->sv, 100);
    assert_int_equal(g->done, n);
}

/* A 100-token prompt in 64-token hash blocks: hash 0 holds 4 engine
 * blocks, hash 1 the 2 whole ones of its 36 tokens (the last 4 tokens'
 * block is never cached).  The second request repeats the prompt and
 * computes only its last 4 tokens; the third shares the first hash
 * block (64 tokens).  Once all have left, no block is held (the cached
 * ones are idle: free space). */
static void test_prefix_serve_skips_the_cached_leading_blocks(void **state)
{
    (void)state;
    struct serve_params p = toy(100000);
    const struct job jobs[] = {{0, 100, 3, {1, 2}, 2},
                               {5, 100, 3, {1, 2}, 2},
                               {10, 100, 3, {1, 9}, 2}};
    struct rig g;
    rig_run(&g, &p, jobs, 3);
    assert_close(g.ttft[0], toy_prefill(0, 100), 1e-12);
    assert_close(g.ttft[1], toy_prefill(96, 4), 1e-12);
    assert_close(g.ttft[2], toy_prefill(64, 36), 1e-12);
    const struct serve_stats *st = serve_stats(g.sv);
    assert_int_equal(st->prefix_lookups, 3);
    assert_int_equal(st->prefix_hits, 2);
    assert_int_equal(st->prefix_tokens_saved, 96 + 64);
    assert_int_equal(st->prefix_prompt_tokens, 300);
    assert_int_equal(st->tokens_in, 100 + 4 + 36);
    assert_int_equal(serve_blocks_used(g.sv), 0);
    serve_free(g.sv);
}

/* A full hit still computes the prompt's last token (vLLM recomputes it
 * to get the first output's logits). */
static void test_prefix_serve_full_hit_computes_one_token(void **state)
{
    (void)state;
    struct serve_params p = toy(100000);
    const struct job jobs[] = {{0, 128, 2, {7, 8}, 2},
                               {5, 128, 2, {7, 8}, 2}};
    struct rig g;
    rig_run(&g, &p, jobs, 2);
    assert_close(g.ttft[1], toy_prefill(127, 1), 1e-12);
    assert_int_equal(serve_stats(g.sv)->prefix_tokens_saved, 127);
    serve_free(g.sv);
}

/* 14 blocks.  A (100 tokens: hashes of 4 and 2 blocks) leaves them idle;
 * D, unrelated, takes 10 blocks (160 tokens), so the cache may keep 4:
 * A's tail (released first) is evicted, its head kept, and B, A's
 * prompt again, hits 64 tokens only. */
static void test_prefix_serve_evicts_the_tail_first(void **state)
{
    (void)state;
    struct serve_params p = toy(14);
    const struct job jobs[] = {{0, 100, 1, {1, 2}, 2},
                               {5, 160, 1, {50, 51, 52}, 3},
                               {10, 100, 1, {1, 2}, 2}};
    struct rig g;
    rig_run(&g, &p, jobs, 3);
    assert_close(g.ttft[2], toy_prefill(64, 36), 1e-12);
    assert_int_equal(serve_stats(g.sv)->prefix_tokens_saved, 64);
    assert_int_equal(serve_blocks_used(g.sv), 0);
    serve_free(g.sv);
}

/* A trace whose equal hash covers another length (A's second hash block
 * holds 36 tokens, B's the full 64) is not trusted past it: B hits its
 * first hash block only, and every block is given back in the end. */
static void test_prefix_serve_distrusts_a_hash_of_another_length(void **state)
{
    (void)state;
    struct serve_params p = toy(100000);
    const struct job jobs[] = {{0, 100, 2, {1, 2}, 2},
                               {5, 200, 2, {1, 2, 3, 4}, 4}};
    struct rig g;
    rig_run(&g, &p, jobs, 2);
    assert_close(g.ttft[1], toy_prefill(64, 136), 1e-12);
    assert_int_equal(serve_stats(g.sv)->prefix_tokens_saved, 64);
    assert_int_equal(serve_blocks_used(g.sv), 0);
    serve_free(g.sv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_match_finds_the_leading_resident_run),
        cmocka_unit_test(test_prefix_acquire_moves_idle_blocks_to_pinned),
        cmocka_unit_test(test_prefix_evicts_least_recently_released_first),
        cmocka_unit_test(test_prefix_never_evicts_pinned_blocks),
        cmocka_unit_test(test_prefix_table_survives_churn),
        cmocka_unit_test(test_prefix_clear_drops_everything),
        cmocka_unit_test(test_prefix_serve_skips_the_cached_leading_blocks),
        cmocka_unit_test(test_prefix_serve_full_hit_computes_one_token),
        cmocka_unit_test(test_prefix_serve_evicts_the_tail_first),
        cmocka_unit_test(test_prefix_serve_distrusts_a_hash_of_another_length),
    };
    return cmocka_run_group_tests_name("prefix", tests, NULL, NULL);
}
