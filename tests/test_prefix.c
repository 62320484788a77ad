/* prefix: the block-hash KV cache against hand cases. */
#include "tests/check.h"

#include "models/prefix.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_match_finds_the_leading_resident_run),
        cmocka_unit_test(test_prefix_acquire_moves_idle_blocks_to_pinned),
        cmocka_unit_test(test_prefix_evicts_least_recently_released_first),
        cmocka_unit_test(test_prefix_never_evicts_pinned_blocks),
        cmocka_unit_test(test_prefix_table_survives_churn),
        cmocka_unit_test(test_prefix_clear_drops_everything),
    };
    return cmocka_run_group_tests_name("prefix", tests, NULL, NULL);
}
