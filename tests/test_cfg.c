/*
 * cfg: the YAML tree, its limits, --set, and the typed getters.
 *
 * Error messages are golden: each case asserts the whole line, position
 * included, so changing a message means changing its case on purpose.
 */
#include "sim/cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/mem.h"
#include "tests/check.h"

/* ---- helpers ---- */

/* Messages land in memory so a test can compare them whole. */
struct capture {
    char *buf;
    size_t len;
    FILE *f;
    struct diag d;
};

static void capture_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    diag_init(&c->d, c->f);
}

static const char *capture_text(struct capture *c)
{
    fflush(c->f);
    return c->buf ? c->buf : "";
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->buf);
}

/* Loads len bytes named "web.yaml" and expects exactly one message. */
static void expect_error_n(const char *yaml, size_t len, const char *expected)
{
    struct capture c;
    struct cfg_doc *doc = (struct cfg_doc *)&c; /* must be cleared */

    capture_open(&c);
    assert_int_equal(cfg_load_buffer("web.yaml", yaml, len, &c.d, &doc),
                     SLM_EINPUT);
    assert_null(doc);
    assert_string_equal(capture_text(&c), expected);
    assert_int_equal(c.d.errors, 1);
    capture_close(&c);
}

#define expect_error(yaml, expected) \
    expect_error_n(yaml, sizeof(yaml) - 1, expected)

static struct cfg_doc *load_ok(const char *yaml)
{
    struct diag d;
    struct cfg_doc *doc = NULL;

    diag_init(&d, stderr);
    assert_int_equal(cfg_load_buffer("web.yaml", yaml, strlen(yaml), &d, &doc),
                     0);
    assert_non_null(doc);
    return doc;
}

/* A realistic scenario: block and flow styles, units, comments. */
static const char scenario[] =
    "# web tier, peak month\n"
    "name: web\n"
    "horizon: 2h\n"
    "seed: 42\n"
    "workload:\n"
    "  arrivals: {process: poisson, rate: 1e6/month}\n"
    "  mix:\n"
    "    - {class: chat, weight: 0.7, tokens_in: 512}\n"
    "    - class: batch\n"
    "      weight: 0.3\n"
    "      tokens_in: 4096\n"
    "backends:\n"
    "  mm16:\n"
    "    servers: 16\n"
    "    service: {dist: lognormal, median: 2.385s, cv: 0.8}\n"
    "    buffer: 64 KiB\n"
    "    timeout: 30s\n"
    "    warm: yes\n"
    "routing:\n"
    "  policy: least_loaded\n"
    "  note: \"quoted: text\"\n"
    "  weights: [3, 1]\n";

static const char *const routing_policies[] = {"random", "round_robin",
                                               "least_loaded"};

/* ---- positive ---- */

static void test_cfg_realistic_scenario_parses_with_values(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *root = cfg_doc_root(doc), *mm16, *mix;
    struct diag d;
    const char *name = NULL;
    double horizon = 0, rate = 0, buffer = 0, timeout = 0, median = 0;
    long servers = 0, seed = 0;
    int warm = 0, policy = -1;

    (void)state;
    diag_init(&d, stderr);
    assert_int_equal(root->kind, CFG_MAP);
    assert_int_equal(root->n, 6);
    assert_int_equal(cfg_get_string(root, "name", "", CFG_REQUIRED, &name, &d),
                     0);
    assert_string_equal(name, "web");
    assert_int_equal(cfg_get_duration(root, "horizon", "", 0, &horizon, &d),
                     0);
    assert_close(horizon, 7200.0, 0);
    assert_int_equal(cfg_get_int(root, "seed", "", 0, 0, LONG_MAX, &seed, &d),
                     0);
    assert_int_equal(seed, 42);
    assert_int_equal(cfg_get_rate(cfg_get(cfg_get(root, "workload"),
                                          "arrivals"),
                                  "rate", "workload.arrivals", CFG_POSITIVE,
                                  &rate, &d),
                     0);
    assert_true(rate == 1e6 / 2629800.0);
    mix = cfg_get(cfg_get(root, "workload"), "mix");
    assert_int_equal(cfg_expect(mix, CFG_SEQ, "mix", &d), 0);
    assert_int_equal(mix->n, 2);
    assert_string_equal(cfg_get(mix->items[1], "class")->scalar, "batch");
    mm16 = cfg_get(cfg_get(root, "backends"), "mm16");
    assert_int_equal(cfg_get_int(mm16, "servers", "backends.mm16",
                                 CFG_REQUIRED, 1, LONG_MAX, &servers, &d),
                     0);
    assert_int_equal(servers, 16);
    assert_int_equal(cfg_get_bytes(mm16, "buffer", "backends.mm16", 0,
                                   &buffer, &d),
                     0);
    assert_close(buffer, 65536.0, 0);
    assert_int_equal(cfg_get_duration(mm16, "timeout", "backends.mm16", 0,
                                      &timeout, &d),
                     0);
    assert_close(timeout, 30.0, 0);
    assert_int_equal(cfg_get_duration(cfg_get(mm16, "service"), "median",
                                      "backends.mm16.service", 0, &median,
                                      &d),
                     0);
    assert_close(median, 2.385, 1e-15);
    assert_int_equal(cfg_get_bool(mm16, "warm", "backends.mm16", 0, &warm, &d),
                     0);
    assert_int_equal(warm, 1);
    assert_int_equal(cfg_get_enum(cfg_get(root, "routing"), "policy",
                                  "routing", CFG_REQUIRED, routing_policies, 3,
                                  &policy, &d),
                     0);
    assert_int_equal(policy, 2);
    assert_int_equal(d.errors, 0);
    cfg_doc_free(doc);
}

static void test_cfg_positions_count_lines_and_columns_from_one(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *root = cfg_doc_root(doc);
    struct cfg_node *mm16 = cfg_get(cfg_get(root, "backends"), "mm16");
    struct cfg_node *arr = cfg_get(cfg_get(root, "workload"), "arrivals");
    const struct diag_pos *kp;

    (void)state;
    assert_string_equal(root->pos.file, "web.yaml");
    assert_int_equal(root->pos.line, 2); /* first key, after the comment */
    assert_int_equal(root->pos.col, 1);
    kp = cfg_key_pos(mm16, "servers");
    assert_int_equal(kp->line, 14);
    assert_int_equal(kp->col, 5);
    assert_int_equal(cfg_get(mm16, "servers")->pos.line, 14);
    assert_int_equal(cfg_get(mm16, "servers")->pos.col, 14);
    assert_int_equal(arr->pos.line, 6); /* the '{' */
    assert_int_equal(arr->pos.col, 13);
    assert_int_equal(cfg_get(arr, "rate")->pos.col, 38);
    /* an absent key falls back to the map's position */
    kp = cfg_key_pos(mm16, "nope");
    assert_int_equal(kp->line, 14);
    assert_int_equal(kp->col, 5);
    cfg_doc_free(doc);
}

static void test_cfg_flow_and_block_styles_build_the_same_tree(void **state)
{
    struct cfg_doc *a = load_ok("b: {servers: 4, rates: [1/s, 2/s]}\n");
    struct cfg_doc *b = load_ok("b:\n"
                                "  servers: 4\n"
                                "  rates:\n"
                                "    - 1/s\n"
                                "    - 2/s\n");
    struct cfg_node *fa = cfg_get(cfg_doc_root(a), "b");
    struct cfg_node *fb = cfg_get(cfg_doc_root(b), "b");
    size_t i;

    (void)state;
    assert_int_equal(fa->kind, CFG_MAP);
    assert_int_equal(fb->kind, CFG_MAP);
    assert_int_equal(fa->n, fb->n);
    for (i = 0; i < fa->n; i++)
        assert_string_equal(fa->keys[i], fb->keys[i]);
    assert_string_equal(cfg_get(fa, "servers")->scalar,
                        cfg_get(fb, "servers")->scalar);
    assert_int_equal(cfg_get(fa, "rates")->n, 2);
    assert_int_equal(cfg_get(fb, "rates")->n, 2);
    assert_string_equal(cfg_get(fb, "rates")->items[1]->scalar, "2/s");
    cfg_doc_free(a);
    cfg_doc_free(b);
}

static void test_cfg_quoted_scalars_are_marked_and_still_numbers(void **state)
{
    struct cfg_doc *doc = load_ok("a: \"3\"\nb: 3\nc: 'it''s'\nd: |\n  x\n");
    struct cfg_node *root = cfg_doc_root(doc);
    struct diag d;
    double a = 0;

    (void)state;
    diag_init(&d, stderr);
    assert_true(cfg_get(root, "a")->quoted);
    assert_false(cfg_get(root, "b")->quoted);
    assert_string_equal(cfg_get(root, "c")->scalar, "it's");
    assert_string_equal(cfg_get(root, "d")->scalar, "x\n");
    assert_int_equal(cfg_get_number(root, "a", "", CFG_REQUIRED, &a, &d), 0);
    assert_close(a, 3.0, 0);
    cfg_doc_free(doc);
}

static void test_cfg_load_file_reads_files_and_stdin(void **state)
{
    char path[] = "/tmp/slmsim-cfg-XXXXXX";
    int fd = mkstemp(path), saved;
    struct capture c;
    struct cfg_doc *doc = NULL;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a: 1\nb: \tx\n", 11), 11);
    capture_open(&c);
    assert_int_equal(cfg_load_file(path, &c.d, &doc), 0);
    assert_string_equal(cfg_get(cfg_doc_root(doc), "a")->pos.file, path);
    cfg_doc_free(doc);

    /* "-" reads stdin and is called <stdin> */
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    assert_int_equal(cfg_load_file("-", &c.d, &doc), 0);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_string_equal(cfg_get(cfg_doc_root(doc), "b")->scalar, "x");
    assert_string_equal(cfg_doc_root(doc)->pos.file, "<stdin>");
    cfg_doc_free(doc);
    assert_string_equal(capture_text(&c), "");
    capture_close(&c);
    close(fd);
    unlink(path);
}

static void test_cfg_stdin_errors_are_reported_as_stdin(void **state)
{
    char path[] = "/tmp/slmsim-cfg-XXXXXX";
    int fd = mkstemp(path), saved, rc;
    struct capture c;
    struct cfg_doc *doc = NULL;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a: [1\n", 6), 6);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    saved = dup(STDIN_FILENO);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    capture_open(&c);
    rc = cfg_load_file("-", &c.d, &doc);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_int_equal(rc, SLM_EINPUT);
    assert_string_equal(capture_text(&c),
                        "<stdin>:2:1: error: did not find expected ',' or "
                        "']' (while parsing a flow sequence at 1:4)\n");
    capture_close(&c);
    close(fd);
    unlink(path);
}

static void test_cfg_missing_file_is_a_system_error_not_a_message(void **state)
{
    struct capture c;
    struct cfg_doc *doc = NULL;

    (void)state;
    capture_open(&c);
    errno = 0;
    assert_int_equal(cfg_load_file("/nonexistent/web.yaml", &c.d, &doc),
                     SLM_ESYS);
    assert_int_equal(errno, ENOENT);
    assert_null(doc);
    assert_int_equal(c.d.errors, 0);
    assert_string_equal(capture_text(&c), "");
    /* a directory opens but cannot be read */
    assert_int_equal(cfg_load_file("/tmp", &c.d, &doc), SLM_ESYS);
    assert_int_equal(errno, EISDIR);
    capture_close(&c);
}

/* Regression: a UTF-8 byte-order mark before line 1 broke the scenario. */
static void test_cfg_byte_order_mark_is_not_content(void **state)
{
    static const char text[] = "\xEF\xBB\xBFname: x\nn: 3\n";
    struct capture c;
    struct cfg_doc *doc = NULL;
    const char *name = NULL;

    (void)state;
    capture_open(&c);
    assert_int_equal(cfg_load_buffer("web.yaml", text, sizeof text - 1, &c.d,
                                     &doc),
                     0);
    assert_int_equal(cfg_get_string(cfg_doc_root(doc), "name", "",
                                    CFG_REQUIRED, &name, &c.d),
                     0);
    assert_string_equal(name, "x");
    assert_int_equal(cfg_get(cfg_doc_root(doc), "n")->pos.line, 2);
    cfg_doc_free(doc);
    capture_close(&c);
}

/* ---- structural errors ---- */

static void test_cfg_empty_file_is_refused(void **state)
{
    (void)state;
    expect_error("", "web.yaml: error: empty scenario file: expected a "
                     "mapping at the top\n");
    expect_error("---\n", "web.yaml: error: empty scenario file: expected a "
                          "mapping at the top\n");
}

static void test_cfg_file_of_only_comments_is_empty(void **state)
{
    (void)state;
    expect_error("# nothing\n\n   # here\n",
                 "web.yaml: error: empty scenario file: expected a mapping "
                 "at the top\n");
}

static void test_cfg_top_level_scalar_is_refused(void **state)
{
    (void)state;
    expect_error("\n  hello\n", "web.yaml:2:3: error: expected a mapping at "
                                "the top, got a scalar\n");
}

static void test_cfg_top_level_sequence_is_refused(void **state)
{
    (void)state;
    expect_error("- a\n- b\n", "web.yaml:1:1: error: expected a mapping at "
                               "the top, got a sequence\n");
}

static void test_cfg_tab_indentation_gets_libyamls_message(void **state)
{
    (void)state;
    expect_error("backends:\n\tmm1: {}\n",
                 "web.yaml:2:1: error: found character that cannot start "
                 "any token\n");
    /* a context elsewhere in the file is named */
    expect_error("a: 1\n\tb: 2\n",
                 "web.yaml:2:1: error: found a tab character that violates "
                 "indentation (while scanning a plain scalar at 1:4)\n");
}

static void test_cfg_truncated_file_names_the_open_construct(void **state)
{
    (void)state;
    expect_error("name: \"web", "web.yaml:1:11: error: found unexpected end "
                                "of stream (while scanning a quoted scalar at "
                                "1:7)\n");
    /* libyaml ends the stream on a fresh line */
    expect_error("a: {b: [1, 2",
                 "web.yaml:2:1: error: did not find expected ',' or ']' "
                 "(while parsing a flow sequence at 1:8)\n");
}

static void test_cfg_block_indentation_error_names_the_mapping(void **state)
{
    (void)state;
    expect_error("a:\n  b: 1\n c: 2\n",
                 "web.yaml:3:2: error: did not find expected key (while "
                 "parsing a block mapping at 1:1)\n");
}

static void test_cfg_binary_garbage_is_refused_as_utf8(void **state)
{
    (void)state;
    expect_error("\x89PNG\r\n\x1a\n",
                 "web.yaml:1:1: error: invalid leading UTF-8 octet (0x89)\n");
}

static void test_cfg_invalid_utf8_is_reported_where_it_stands(void **state)
{
    (void)state;
    expect_error("a: ok\nb: caf\xc3\n",
                 "web.yaml:2:8: error: invalid trailing UTF-8 octet (0x0A)\n");
    expect_error("a: x\x07y\n", "web.yaml:1:5: error: control characters are "
                                "not allowed (0x07)\n");
    /* valid multibyte text is fine, and columns count characters */
    struct cfg_doc *doc = load_ok("a: caf\xc3\xa9\nb: [\xc3\xa9, x]\n");
    assert_int_equal(cfg_get(cfg_doc_root(doc), "b")->items[1]->pos.col, 8);
    cfg_doc_free(doc);
}

static void test_cfg_nul_byte_is_refused_at_its_position(void **state)
{
    (void)state;
    expect_error("a: 1\nname: we\0b\n",
                 "web.yaml:2:9: error: file contains a NUL byte\n");
    /* an escaped NUL cannot live in a C string either */
    expect_error("a: \"x\\0y\"\n",
                 "web.yaml:1:4: error: scalar contains a NUL character\n");
}

/* "a: " then depth levels of "[": the top mapping is level 1. */
static char *nested(int depth)
{
    char *s = malloc(3 + 2 * (size_t)depth + 2);
    int i, o = 0;

    memcpy(s, "a: ", 3);
    o = 3;
    for (i = 0; i < depth; i++)
        s[o++] = '[';
    for (i = 0; i < depth; i++)
        s[o++] = ']';
    s[o++] = '\n';
    s[o] = '\0';
    return s;
}

static void test_cfg_nesting_deeper_than_the_limit_is_refused(void **state)
{
    char *ok = nested(CFG_MAX_DEPTH - 1), *deep = nested(CFG_MAX_DEPTH);
    struct cfg_doc *doc = load_ok(ok);

    (void)state;
    cfg_doc_free(doc);
    /* the 33rd level is the 32nd '[', at column 3 + 32 */
    expect_error_n(deep, strlen(deep),
                   "web.yaml:1:35: error: nesting deeper than 32 levels\n");
    free(ok);
    free(deep);
    /* block style counts the same way */
    expect_error("a:\n b:\n  c: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]"
                 "]]]]]]]]]]]]]]]]]]]]]\n",
                 "web.yaml:3:35: error: nesting deeper than 32 levels\n");
}

static void test_cfg_file_over_16_mib_is_refused_unread(void **state)
{
    char path[] = "/tmp/slmsim-big-XXXXXX", expected[128];
    int fd = mkstemp(path);
    struct capture c;
    struct cfg_doc *doc = NULL;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 100L * 1000 * 1000), 0); /* sparse */
    close(fd);
    capture_open(&c);
    assert_int_equal(cfg_load_file(path, &c.d, &doc), SLM_EINPUT);
    assert_null(doc);
    snprintf(expected, sizeof expected,
             "%s: error: file is too large (limit 16 MiB)\n", path);
    assert_string_equal(capture_text(&c), expected);
    capture_close(&c);
    unlink(path);
}

static void test_cfg_buffer_over_16_mib_is_refused(void **state)
{
    (void)state;
    /* the length alone decides: the bytes are never looked at */
    expect_error_n("a: 1\n", (size_t)CFG_MAX_FILE_BYTES + 1,
                   "web.yaml: error: file is too large (limit 16 MiB)\n");
}

static void test_cfg_scalar_longer_than_the_limit_is_refused(void **state)
{
    size_t n = 3 + CFG_MAX_SCALAR + 1;
    char *s = malloc(n + 2);
    struct cfg_doc *doc;

    (void)state;
    memcpy(s, "a: ", 3);
    memset(s + 3, 'x', CFG_MAX_SCALAR + 1);
    s[n] = '\n';
    s[n + 1] = '\0';
    expect_error_n(s, n + 1,
                   "web.yaml:1:4: error: scalar is longer than 4096 bytes\n");
    s[n - 1] = '\n'; /* exactly the limit is fine */
    s[n] = '\0';
    doc = load_ok(s);
    assert_int_equal(strlen(cfg_get(cfg_doc_root(doc), "a")->scalar),
                     CFG_MAX_SCALAR);
    cfg_doc_free(doc);
    free(s);
}

static char *many_items(size_t n, int map)
{
    char *s = malloc(16 * n + 16), *o = s;
    size_t i;

    if (!map)
        o += sprintf(o, "a: [");
    for (i = 0; i < n; i++) {
        if (map)
            o += sprintf(o, "k%zu: 0\n", i);
        else
            o += sprintf(o, "%s0", i ? "," : "");
    }
    if (!map)
        o += sprintf(o, "]\n");
    return s;
}

static void test_cfg_more_items_than_the_limit_are_refused(void **state)
{
    char *ok = many_items(CFG_MAX_ITEMS, 0);
    char *seq = many_items(CFG_MAX_ITEMS + 1, 0);
    char *map = many_items(CFG_MAX_ITEMS + 1, 1);
    struct cfg_doc *doc = load_ok(ok);

    (void)state;
    assert_int_equal(cfg_get(cfg_doc_root(doc), "a")->n, CFG_MAX_ITEMS);
    cfg_doc_free(doc);
    expect_error_n(seq, strlen(seq), "web.yaml:1:4: error: more than 100000 "
                                     "items in one sequence\n");
    expect_error_n(map, strlen(map), "web.yaml:1:1: error: more than 100000 "
                                     "items in one mapping\n");
    free(ok);
    free(seq);
    free(map);
}

static void test_cfg_anchors_and_aliases_are_refused(void **state)
{
    (void)state;
    expect_error("base: &b {servers: 4}\n",
                 "web.yaml:1:7: error: anchors and aliases are not "
                 "supported\n");
    expect_error("a: &x 1\n", "web.yaml:1:4: error: anchors and aliases are "
                              "not supported\n");
    expect_error("a: 1\nb: *x\n", "web.yaml:2:4: error: anchors and aliases "
                                  "are not supported\n");
}

static void test_cfg_duplicate_key_is_reported_at_the_second(void **state)
{
    (void)state;
    expect_error("backends:\n"
                 "  mm1: {}\n"
                 "servers: 2\n"
                 "routing: {}\n"
                 "servers: 3\n",
                 "web.yaml:5:1: error: duplicate key 'servers' (first at "
                 "3:1)\n");
    /* nested, flow, and the earliest of several duplicates */
    expect_error("a: {x: 1, y: 2, y: 3, x: 4}\n",
                 "web.yaml:1:17: error: duplicate key 'y' (first at 1:11)\n");
}

static void test_cfg_second_document_is_refused(void **state)
{
    (void)state;
    expect_error("a: 1\n---\nb: 2\n",
                 "web.yaml:2:1: error: only one YAML document per file\n");
}

static void test_cfg_non_scalar_keys_are_refused(void **state)
{
    (void)state;
    expect_error("? [a, b]\n: 1\n",
                 "web.yaml:1:3: error: keys must be scalars\n");
    expect_error("a: {{b: 1}: 2}\n",
                 "web.yaml:1:5: error: keys must be scalars\n");
}

/* ---- --set ---- */

static void expect_set_error(const char *assignment, const char *expected)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct capture c;

    capture_open(&c);
    assert_int_equal(cfg_doc_set(doc, assignment, &c.d), SLM_EINPUT);
    assert_string_equal(capture_text(&c), expected);
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_set_replaces_an_existing_value(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *mm16 = cfg_get(cfg_get(cfg_doc_root(doc), "backends"),
                                    "mm16");
    struct diag d;
    long servers = 0;

    (void)state;
    diag_init(&d, stderr);
    assert_int_equal(cfg_doc_set(doc, "backends.mm16.servers=32", &d), 0);
    assert_int_equal(cfg_get_int(mm16, "servers", "backends.mm16", 0, 1,
                                 LONG_MAX, &servers, &d),
                     0);
    assert_int_equal(servers, 32);
    assert_int_equal(mm16->n, 5); /* replaced, not added */
    /* the value points into the assignment; the key keeps its place */
    assert_string_equal(cfg_get(mm16, "servers")->pos.file, "--set");
    assert_int_equal(cfg_get(mm16, "servers")->pos.line, 1);
    assert_int_equal(cfg_get(mm16, "servers")->pos.col, 23);
    assert_int_equal(cfg_key_pos(mm16, "servers")->line, 14);
    cfg_doc_free(doc);
}

static void test_cfg_set_creates_missing_levels(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *root = cfg_doc_root(doc), *c;
    struct diag d;
    double timeout = 0;

    (void)state;
    diag_init(&d, stderr);
    assert_int_equal(cfg_doc_set(doc, "limits.client.timeout=250ms", &d), 0);
    c = cfg_get(cfg_get(root, "limits"), "client");
    assert_non_null(c);
    assert_int_equal(cfg_get_duration(c, "timeout", "limits.client",
                                      CFG_REQUIRED, &timeout, &d),
                     0);
    assert_close(timeout, 0.25, 1e-15);
    assert_int_equal(cfg_key_pos(c, "timeout")->col, 15);
    assert_int_equal(cfg_key_pos(cfg_get(root, "limits"), "client")->col, 8);
    /* a new key in an existing mapping */
    assert_int_equal(cfg_doc_set(doc, "routing.sticky=true", &d), 0);
    assert_string_equal(cfg_get(cfg_get(root, "routing"), "sticky")->scalar,
                        "true");
    assert_int_equal(d.errors, 0);
    cfg_doc_free(doc);
}

static void test_cfg_set_indexes_sequences_by_number(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *mix = cfg_get(cfg_get(cfg_doc_root(doc), "workload"),
                                   "mix");
    struct diag d;

    (void)state;
    diag_init(&d, stderr);
    assert_int_equal(cfg_doc_set(doc, "workload.mix.1.weight=0.25", &d), 0);
    assert_string_equal(cfg_get(mix->items[1], "weight")->scalar, "0.25");
    assert_int_equal(cfg_doc_set(doc, "routing.weights.0=5", &d), 0);
    assert_string_equal(
        cfg_get(cfg_get(cfg_doc_root(doc), "routing"), "weights")
            ->items[0]->scalar,
        "5");
    cfg_doc_free(doc);
}

static void test_cfg_set_value_is_parsed_as_yaml_flow(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *arr, *empty;
    struct diag d;
    double rate = 0;

    (void)state;
    diag_init(&d, stderr);
    assert_int_equal(cfg_doc_set(doc,
                                 "workload.arrivals={process: poisson, "
                                 "rate: 3/s}",
                                 &d),
                     0);
    arr = cfg_get(cfg_get(cfg_doc_root(doc), "workload"), "arrivals");
    assert_int_equal(arr->kind, CFG_MAP);
    assert_int_equal(cfg_get_rate(arr, "rate", "workload.arrivals",
                                  CFG_REQUIRED, &rate, &d),
                     0);
    assert_close(rate, 3.0, 0);
    assert_int_equal(cfg_get(arr, "rate")->pos.col, 44);
    /* an empty value is null: the default, unless required */
    assert_int_equal(cfg_doc_set(doc, "workload.arrivals.rate=", &d), 0);
    empty = cfg_get(arr, "rate");
    assert_string_equal(empty->scalar, "");
    rate = 7;
    assert_int_equal(cfg_get_rate(arr, "rate", "workload.arrivals", 0, &rate,
                                  &d),
                     1);
    assert_close(rate, 7.0, 0);
    assert_int_equal(d.errors, 0);
    cfg_doc_free(doc);
}

static void test_cfg_set_without_equals_is_refused(void **state)
{
    (void)state;
    expect_set_error("backends.mm16.servers", "--set:1:1: error: expected "
                     "KEY.PATH=VALUE, got 'backends.mm16.servers'\n");
    expect_set_error("=3", "--set:1:1: error: expected KEY.PATH=VALUE, got "
                           "'=3'\n");
}

static void test_cfg_set_with_an_empty_path_segment_is_refused(void **state)
{
    (void)state;
    expect_set_error("backends..servers=3", "--set:1:10: error: empty path "
                     "segment in 'backends..servers'\n");
    expect_set_error("a.=3", "--set:1:3: error: empty path segment in 'a.'\n");
}

static void test_cfg_set_below_a_scalar_is_refused(void **state)
{
    (void)state;
    expect_set_error("name.first=x", "--set:1:6: error: cannot set "
                     "'name.first': 'name' is a scalar\n");
    expect_set_error("backends.mm16.servers.max=3",
                     "--set:1:23: error: cannot set "
                     "'backends.mm16.servers.max': 'backends.mm16.servers' "
                     "is a scalar\n");
}

static void test_cfg_set_index_out_of_range_is_refused(void **state)
{
    (void)state;
    expect_set_error("workload.mix.2.weight=1",
                     "--set:1:14: error: cannot set 'workload.mix.2': index "
                     "out of range ('workload.mix' has 2 items)\n");
    expect_set_error("workload.mix.chat=1",
                     "--set:1:14: error: cannot set 'workload.mix.chat': "
                     "'workload.mix' is a sequence (index it with a "
                     "number)\n");
}

static void test_cfg_set_value_errors_point_into_the_assignment(void **state)
{
    (void)state;
    expect_set_error("routing.weights=[1, 2",
                     "--set:1:22: error: did not find expected ',' or ']' "
                     "(while parsing a flow sequence at 1:17)\n");
    expect_set_error("a={x: 1, x: 2}", "--set:1:10: error: duplicate key "
                                       "'x' (first at 1:4)\n");
    expect_set_error("a=*x", "--set:1:3: error: anchors and aliases are not "
                             "supported\n");
}

static void test_cfg_set_leaves_the_document_alone_on_error(void **state)
{
    struct cfg_doc *doc = load_ok(scenario);
    struct cfg_node *root = cfg_doc_root(doc);
    struct diag d;

    (void)state;
    diag_init(&d, NULL);
    assert_int_equal(cfg_doc_set(doc, "fresh.level.x=[1", &d), SLM_EINPUT);
    assert_null(cfg_get(root, "fresh"));
    assert_int_equal(root->n, 6);
    cfg_doc_free(doc);
}

/* ---- getters ---- */

struct getter_case {
    const char *yaml;
    const char *expected;
};

static void test_cfg_number_of_the_wrong_type_is_refused(void **state)
{
    struct cfg_doc *doc =
        load_ok("b:\n  servers: {a: 1}\n  x: ~\n  y:\n  z: abc\n");
    struct cfg_node *b = cfg_get(cfg_doc_root(doc), "b");
    struct capture c;
    double v = 5;

    (void)state;
    capture_open(&c);
    assert_int_equal(cfg_get_number(b, "servers", "b", 0, &v, &c.d), -1);
    assert_int_equal(cfg_get_number(b, "x", "b", CFG_REQUIRED, &v, &c.d), -1);
    assert_int_equal(cfg_get_number(b, "y", "b", CFG_REQUIRED, &v, &c.d), -1);
    assert_int_equal(cfg_get_number(b, "z", "b", 0, &v, &c.d), -1);
    assert_string_equal(capture_text(&c),
                        "web.yaml:2:12: error: 'servers' must be a number, "
                        "got a mapping\n"
                        "web.yaml:3:6: error: 'x' must be a number, got null\n"
                        "web.yaml:4:5: error: 'y' must be a number, got null\n"
                        "web.yaml:5:6: error: 'z' must be a number, got "
                        "'abc'\n");
    /* null for an optional key means "the default" */
    assert_int_equal(cfg_get_number(b, "x", "b", 0, &v, &c.d), 1);
    assert_close(v, 5.0, 0);
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_absent_optional_key_leaves_the_default(void **state)
{
    struct cfg_doc *doc = load_ok("a: 1\n");
    struct diag d;
    double v = 2.385;
    const char *s = "dflt";

    (void)state;
    diag_init(&d, NULL);
    assert_int_equal(cfg_get_duration(cfg_doc_root(doc), "t", "", 0, &v, &d),
                     1);
    assert_close(v, 2.385, 0);
    assert_int_equal(cfg_get_string(cfg_doc_root(doc), "s", "", 0, &s, &d), 1);
    assert_string_equal(s, "dflt");
    assert_int_equal(d.errors, 0);
    cfg_doc_free(doc);
}

static void expect_getter(const char *yaml, const char *expected,
                          int (*get)(const struct cfg_node *, struct diag *))
{
    struct cfg_doc *doc = load_ok(yaml);
    struct capture c;

    capture_open(&c);
    assert_int_equal(get(cfg_get(cfg_doc_root(doc), "backends"), &c.d), -1);
    assert_string_equal(capture_text(&c), expected);
    capture_close(&c);
    cfg_doc_free(doc);
}

static int get_servers_int(const struct cfg_node *m, struct diag *d)
{
    long v = 0;
    return cfg_get_int(m, "servers", "backends", CFG_REQUIRED, 1, LONG_MAX,
                       &v, d);
}

static void test_cfg_integer_below_its_minimum_is_refused(void **state)
{
    (void)state;
    expect_getter("backends:\n  servers: -3\n",
                  "web.yaml:2:12: error: 'servers' must be an integer >= 1, "
                  "got '-3'\n",
                  get_servers_int);
}

static void test_cfg_integer_refuses_fractions_and_overflow(void **state)
{
    (void)state;
    expect_getter("backends: {servers: 2.5}\n",
                  "web.yaml:1:21: error: 'servers' must be an integer >= 1, "
                  "got '2.5'\n",
                  get_servers_int);
    expect_getter("backends: {servers: 99999999999999999999}\n",
                  "web.yaml:1:21: error: 'servers' must be an integer >= 1, "
                  "got '99999999999999999999'\n",
                  get_servers_int);
    expect_getter("backends: {servers: 1e3}\n",
                  "web.yaml:1:21: error: 'servers' must be an integer >= 1, "
                  "got '1e3'\n",
                  get_servers_int);
    expect_getter("backends: {servers: [1]}\n",
                  "web.yaml:1:21: error: 'servers' must be an integer >= 1, "
                  "got a sequence\n",
                  get_servers_int);
}

static int get_slots_int(const struct cfg_node *m, struct diag *d)
{
    long v = 0;
    return cfg_get_int(m, "slots", "backends", 0, 2, 8, &v, d);
}

static void test_cfg_integer_range_is_named_in_the_message(void **state)
{
    (void)state;
    expect_getter("backends: {slots: 9}\n",
                  "web.yaml:1:19: error: 'slots' must be an integer in "
                  "[2, 8], got '9'\n",
                  get_slots_int);
}

static int get_timeout(const struct cfg_node *m, struct diag *d)
{
    double v = 0;
    return cfg_get_duration(m, "timeout", "backends", 0, &v, d);
}

static void test_cfg_bad_duration_lists_the_units(void **state)
{
    (void)state;
    expect_getter("backends:\n  timeout:   30x\n",
                  "web.yaml:2:14: error: bad duration '30x' (units: ns, us, "
                  "ms, s, m, h, d)\n",
                  get_timeout);
    expect_getter("backends:\n  timeout: [30s]\n",
                  "web.yaml:2:12: error: 'timeout' must be a duration, got "
                  "a sequence\n",
                  get_timeout);
}

static int get_rate(const struct cfg_node *m, struct diag *d)
{
    double v = 0;
    return cfg_get_rate(m, "rate", "backends", CFG_POSITIVE, &v, d);
}

static void test_cfg_bad_rate_lists_the_units(void **state)
{
    (void)state;
    expect_getter("backends: {rate: 5/fortnight}\n",
                  "web.yaml:1:18: error: bad rate '5/fortnight' (units: /s, "
                  "/m, /h, /day, /week, /month, /year)\n",
                  get_rate);
}

static void test_cfg_rate_must_be_positive(void **state)
{
    (void)state;
    expect_getter("backends: {rate: 0/s}\n",
                  "web.yaml:1:18: error: 'rate' must be > 0, got '0/s'\n",
                  get_rate);
}

static int get_bytes(const struct cfg_node *m, struct diag *d)
{
    double v = 0;
    return cfg_get_bytes(m, "buffer", "backends", 0, &v, d);
}

static void test_cfg_bad_size_lists_the_units(void **state)
{
    (void)state;
    expect_getter("backends: {buffer: 5 parsecs}\n",
                  "web.yaml:1:20: error: bad size '5 parsecs' (units: B, KB, "
                  "MB, GB, TB, KiB, MiB, GiB, TiB)\n",
                  get_bytes);
}

static int get_delay_nonneg(const struct cfg_node *m, struct diag *d)
{
    double v = 0;
    return cfg_get_number(m, "delay", "backends", CFG_NONNEG, &v, d);
}

static int get_share_unit(const struct cfg_node *m, struct diag *d)
{
    double v = 0;
    return cfg_get_number(m, "share", "backends", CFG_UNIT, &v, d);
}

static void test_cfg_bounds_nonneg_and_unit_interval(void **state)
{
    (void)state;
    expect_getter("backends: {delay: -0.5}\n",
                  "web.yaml:1:19: error: 'delay' must be >= 0, got '-0.5'\n",
                  get_delay_nonneg);
    expect_getter("backends: {share: 1.01}\n",
                  "web.yaml:1:19: error: 'share' must be in [0, 1], got "
                  "'1.01'\n",
                  get_share_unit);
}

static int get_warm(const struct cfg_node *m, struct diag *d)
{
    int v = 0;
    return cfg_get_bool(m, "warm", "backends", 0, &v, d);
}

static void test_cfg_bool_accepts_yaml_words_only(void **state)
{
    static const char *const yes[] = {"true", "yes", "on", "True", "ON"};
    static const char *const no[] = {"false", "no", "off", "FALSE", "Off"};
    char yaml[64];
    size_t i;
    int v;
    struct diag d;
    struct cfg_doc *doc;

    (void)state;
    diag_init(&d, stderr);
    for (i = 0; i < 5; i++) {
        snprintf(yaml, sizeof yaml, "a: %s\nb: %s\n", yes[i], no[i]);
        doc = load_ok(yaml);
        v = -1;
        assert_int_equal(cfg_get_bool(cfg_doc_root(doc), "a", "", 0, &v, &d),
                         0);
        assert_int_equal(v, 1);
        assert_int_equal(cfg_get_bool(cfg_doc_root(doc), "b", "", 0, &v, &d),
                         0);
        assert_int_equal(v, 0);
        cfg_doc_free(doc);
    }
    expect_getter("backends: {warm: maybe}\n",
                  "web.yaml:1:18: error: 'warm' must be true or false, got "
                  "'maybe'\n",
                  get_warm);
}

static int get_name(const struct cfg_node *m, struct diag *d)
{
    const char *v = NULL;
    return cfg_get_string(m, "name", "backends", CFG_REQUIRED, &v, d);
}

static void test_cfg_string_must_be_a_scalar(void **state)
{
    (void)state;
    expect_getter("backends: {name: [a, b]}\n",
                  "web.yaml:1:18: error: 'name' must be a string, got a "
                  "sequence\n",
                  get_name);
}

static int get_policy(const struct cfg_node *m, struct diag *d)
{
    int v = -1;
    return cfg_get_enum(m, "policy", "routing", CFG_REQUIRED,
                        routing_policies, 3, &v, d);
}

static void test_cfg_unknown_enum_value_lists_and_suggests(void **state)
{
    (void)state;
    expect_getter("backends: {policy: least_laoded}\n",
                  "web.yaml:1:20: error: unknown policy 'least_laoded' in "
                  "routing (allowed: random, round_robin, least_loaded; did "
                  "you mean 'least_loaded'?)\n",
                  get_policy);
    expect_getter("backends: {policy: fifo}\n",
                  "web.yaml:1:20: error: unknown policy 'fifo' in routing "
                  "(allowed: random, round_robin, least_loaded)\n",
                  get_policy);
    expect_getter("backends: {policy: {a: 1}}\n",
                  "web.yaml:1:20: error: 'policy' must be one of random, "
                  "round_robin, least_loaded, got a mapping\n",
                  get_policy);
}

static void test_cfg_unknown_enum_at_top_level_says_so(void **state)
{
    static const char *const modes[] = {"a", "b", "c"};
    struct cfg_doc *doc = load_ok("mode: bb\n");
    struct capture c;
    int v = -1;

    (void)state;
    capture_open(&c);
    assert_int_equal(cfg_get_enum(cfg_doc_root(doc), "mode", "", 0, modes, 3,
                                  &v, &c.d),
                     -1);
    assert_string_equal(capture_text(&c),
                        "web.yaml:1:7: error: unknown mode 'bb' at the top "
                        "level (allowed: a, b, c; did you mean 'b'?)\n");
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_missing_required_key_is_reported_at_the_map(void **st)
{
    struct cfg_doc *doc = load_ok("name: web\nbackends:\n  mm1:\n"
                                  "    service: 2s\n");
    struct cfg_node *root = cfg_doc_root(doc);
    struct cfg_node *mm1 = cfg_get(cfg_get(root, "backends"), "mm1");
    struct capture c;
    long servers = 0;
    double horizon = 0;

    (void)st;
    capture_open(&c);
    assert_int_equal(cfg_get_int(mm1, "servers", "backends.mm1", CFG_REQUIRED,
                                 1, LONG_MAX, &servers, &c.d),
                     -1);
    assert_int_equal(cfg_get_duration(root, "horizon", "", CFG_REQUIRED,
                                      &horizon, &c.d),
                     -1);
    assert_string_equal(capture_text(&c),
                        "web.yaml:4:5: error: missing required key 'servers' "
                        "in backends.mm1\n"
                        "web.yaml:1:1: error: missing required key 'horizon' "
                        "at the top level\n");
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_unknown_keys_are_reported_with_a_suggestion(void **st)
{
    static const char *const allowed[] = {"servers", "service", "timeout"};
    static const char *const top[] = {"name", "backends"};
    struct cfg_doc *doc = load_ok("backends:\n  mm16:\n    sevrers: 4\n"
                                  "    zzz: 1\n    timeout: 1s\nnmae: x\n");
    struct cfg_node *root = cfg_doc_root(doc);
    struct capture c;

    (void)st;
    capture_open(&c);
    assert_int_equal(cfg_check_keys(cfg_get(cfg_get(root, "backends"), "mm16"),
                                    "backends.mm16", allowed, 3, &c.d),
                     2);
    assert_int_equal(cfg_check_keys(root, "", top, 2, &c.d), 1);
    assert_string_equal(capture_text(&c),
                        "web.yaml:3:5: error: unknown key 'sevrers' in "
                        "backends.mm16 (did you mean 'servers'?)\n"
                        "web.yaml:4:5: error: unknown key 'zzz' in "
                        "backends.mm16 (allowed: servers, service, "
                        "timeout)\n"
                        "web.yaml:6:1: error: unknown key 'nmae' at the top "
                        "level (did you mean 'name'?)\n");
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_expect_names_the_wanted_and_found_kinds(void **state)
{
    struct cfg_doc *doc = load_ok("backends: [a]\nname: {}\n");
    struct capture c;

    (void)state;
    capture_open(&c);
    assert_int_equal(cfg_expect(cfg_get(cfg_doc_root(doc), "backends"),
                                CFG_MAP, "backends", &c.d),
                     -1);
    assert_int_equal(cfg_expect(cfg_get(cfg_doc_root(doc), "name"),
                                CFG_SCALAR, "name", &c.d),
                     -1);
    assert_int_equal(cfg_expect(cfg_get(cfg_doc_root(doc), "backends"),
                                CFG_SEQ, "backends", &c.d),
                     0);
    assert_string_equal(capture_text(&c),
                        "web.yaml:1:11: error: 'backends' must be a mapping, "
                        "got a sequence\n"
                        "web.yaml:2:7: error: 'name' must be a scalar, got a "
                        "mapping\n");
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_node_getters_check_sequence_elements(void **state)
{
    struct cfg_doc *doc = load_ok("steps: [1s, 2m, x]\nrates: [3/h]\n"
                                  "n: [0.5]\n");
    struct cfg_node *steps = cfg_get(cfg_doc_root(doc), "steps");
    struct capture c;
    double v = 0;

    (void)state;
    capture_open(&c);
    assert_int_equal(cfg_node_duration(steps->items[1], "steps[1]", 0, &v,
                                       &c.d),
                     0);
    assert_close(v, 120.0, 0);
    assert_int_equal(cfg_node_rate(cfg_get(cfg_doc_root(doc), "rates")
                                       ->items[0],
                                   "rates[0]", CFG_POSITIVE, &v, &c.d),
                     0);
    assert_close(v, 3.0 / 3600.0, 1e-15);
    assert_int_equal(cfg_node_number(cfg_get(cfg_doc_root(doc), "n")->items[0],
                                     "n[0]", CFG_UNIT, &v, &c.d),
                     0);
    assert_close(v, 0.5, 0);
    assert_int_equal(cfg_node_duration(steps->items[2], "steps[2]", 0, &v,
                                       &c.d),
                     -1);
    assert_int_equal(cfg_node_number(steps, "steps", 0, &v, &c.d), -1);
    assert_string_equal(capture_text(&c),
                        "web.yaml:1:17: error: bad duration 'x' (units: ns, "
                        "us, ms, s, m, h, d)\n"
                        "web.yaml:1:8: error: 'steps' must be a number, got "
                        "a sequence\n");
    capture_close(&c);
    cfg_doc_free(doc);
}

static void test_cfg_messages_escape_control_bytes_and_cut_long_text(void **s)
{
    (void)s;
    expect_getter("backends: {rate: \"5\\e/s\"}\n",
                  "web.yaml:1:18: error: bad rate '5\\x1b/s' (units: /s, /m, "
                  "/h, /day, /week, /month, /year)\n",
                  get_rate);
    expect_getter("backends: {rate: "
                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                  "xxxxxxxxxxxxxxxxxxxxxxxx}\n",
                  "web.yaml:1:18: error: bad rate "
                  "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                  "xxxx...' (units: /s, /m, /h, /day, /week, /month, /year)\n",
                  get_rate);
}

/* ---- robustness ---- */

/* Every allocation of a realistic load and --set may fail: each failure
 * must come back as SLM_ENOMEM with nothing reported and nothing leaked
 * (the sanitizer build checks the leaks). */
static void test_cfg_every_allocation_failure_is_clean(void **state)
{
    struct cfg_doc *doc;
    struct diag d;
    long n;
    int rc;

    (void)state;
    diag_init(&d, stderr);
    for (n = 0;; n++) {
        doc = NULL;
        mem_fail_after(n);
        rc = cfg_load_buffer("web.yaml", scenario, strlen(scenario), &d, &doc);
        mem_fail_reset();
        if (rc == 0)
            break;
        assert_int_equal(rc, SLM_ENOMEM);
        assert_null(doc);
        assert_int_equal(d.errors, 0);
        assert_true(n < 10000);
    }
    assert_true(n > 50); /* the walk really crossed the load */
    cfg_doc_free(doc);

    for (n = 0;; n++) {
        struct cfg_node *root;
        doc = load_ok(scenario);
        root = cfg_doc_root(doc);
        mem_fail_after(n);
        rc = cfg_doc_set(doc, "limits.client.retry={max: 3, on: [502, 503]}",
                         &d);
        mem_fail_reset();
        if (rc == 0) {
            assert_non_null(cfg_get(cfg_get(root, "limits"), "client"));
            cfg_doc_free(doc);
            break;
        }
        assert_int_equal(rc, SLM_ENOMEM);
        assert_null(cfg_get(root, "limits")); /* untouched */
        assert_int_equal(d.errors, 0);
        cfg_doc_free(doc);
    }
    assert_true(n > 5);
}

/* xorshift64*: a fixed, portable stream for the fuzz-ish tests. */
static uint64_t fuzz_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void fuzz_one(const char *buf, size_t len, struct diag *d)
{
    struct cfg_doc *doc = NULL;
    int rc = cfg_load_buffer("fuzz.yaml", buf, len, d, &doc);

    assert_true(rc == 0 || rc == SLM_EINPUT);
    assert_true((rc == 0) == (doc != NULL));
    cfg_doc_free(doc);
}

static void test_cfg_random_bytes_never_crash(void **state)
{
    uint64_t s = 0x5eed2385u;
    char buf[512];
    FILE *null = fopen("/dev/null", "w");
    struct diag d;
    int i;

    (void)state;
    assert_non_null(null);
    diag_init(&d, null);
    for (i = 0; i < 2000; i++) {
        size_t len = (size_t)(fuzz_next(&s) % 513), j;
        int ascii = i % 2; /* half printable-ish, to get past the reader */
        for (j = 0; j < len; j++) {
            uint64_t r = fuzz_next(&s);
            buf[j] = ascii ? " \n\t:-[]{},#&*!|>'\"?%@`ab01"[r % 26]
                           : (char)(r & 0xff);
        }
        fuzz_one(buf, len, &d);
    }
    fclose(null);
}

static void test_cfg_mutated_scenarios_never_crash(void **state)
{
    static const char alphabet[] = " \n\t:-[]{},#&*!|>'\"?%@`~.0\xff\xc3";
    uint64_t s = 0xc0ffee83u;
    char buf[sizeof scenario + 16];
    FILE *null = fopen("/dev/null", "w");
    struct diag d;
    size_t len, k;
    int i, m;

    (void)state;
    assert_non_null(null);
    diag_init(&d, null);
    for (i = 0; i < 2000; i++) {
        memcpy(buf, scenario, sizeof scenario - 1);
        len = sizeof scenario - 1;
        for (m = 1 + (int)(fuzz_next(&s) % 4); m > 0; m--) {
            uint64_t r = fuzz_next(&s);
            char c = alphabet[(r >> 8) % (sizeof alphabet - 1)];
            k = (size_t)((r >> 20) % len);
            switch (r % 3) {
            case 0: /* replace */
                buf[k] = c;
                break;
            case 1: /* insert */
                if (len < sizeof buf) {
                    memmove(buf + k + 1, buf + k, len - k);
                    buf[k] = c;
                    len++;
                }
                break;
            default: /* delete */
                if (len > 1) {
                    memmove(buf + k, buf + k + 1, len - k - 1);
                    len--;
                }
            }
        }
        fuzz_one(buf, len, &d);
    }
    /* and every truncation of the scenario */
    for (len = 0; len <= sizeof scenario - 1; len++)
        fuzz_one(scenario, len, &d);
    fclose(null);
}

static void test_cfg_random_set_assignments_never_crash(void **state)
{
    static const char alphabet[] = "ab.0=1[]{},: \"'&*~";
    uint64_t s = 0xfeedu;
    char buf[24];
    FILE *null = fopen("/dev/null", "w");
    struct cfg_doc *doc = load_ok(scenario);
    struct diag d;
    int i, rc;

    (void)state;
    assert_non_null(null);
    diag_init(&d, null);
    for (i = 0; i < 2000; i++) {
        size_t len = (size_t)(fuzz_next(&s) % sizeof buf), j;
        for (j = 0; j < len; j++)
            buf[j] = alphabet[fuzz_next(&s) % (sizeof alphabet - 1)];
        buf[len] = '\0';
        if (len)
            buf[len - 1] = '\0';
        rc = cfg_doc_set(doc, buf, &d);
        assert_true(rc == 0 || rc == SLM_EINPUT);
        assert_int_equal(cfg_doc_root(doc)->kind, CFG_MAP);
    }
    cfg_doc_free(doc);
    fclose(null);
}

/* A bare number for a duration or a rate is an error that says how to
 * write it: read as seconds or per second, it was wrong by millions. */
static int get_mtbf(const struct cfg_node *m, struct diag *d)
{
    double v;
    return cfg_get_duration(m, "mtbf", "backends", 0, &v, d);
}

static int get_volume(const struct cfg_node *m, struct diag *d)
{
    double v;
    return cfg_get_rate(m, "volume", "backends", 0, &v, d);
}

static void test_cfg_bare_numbers_need_a_unit_and_say_how(void **state)
{
    (void)state;
    expect_getter("backends:\n  mtbf: 2000\n",
                  "web.yaml:2:9: error: 'mtbf' needs a unit, got '2000' "
                  "(write 2000s or 2000h; units: ns, us, ms, s, m, h, d)\n",
                  get_mtbf);
    expect_getter("backends:\n  volume: 5e6\n",
                  "web.yaml:2:11: error: 'volume' needs a unit, got '5e6' "
                  "(write 5e6/month or 5e6/s; units: /s, /m, /h, /day, "
                  "/week, /month, /year)\n",
                  get_volume);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_bare_numbers_need_a_unit_and_say_how),
        cmocka_unit_test(test_cfg_realistic_scenario_parses_with_values),
        cmocka_unit_test(test_cfg_positions_count_lines_and_columns_from_one),
        cmocka_unit_test(test_cfg_flow_and_block_styles_build_the_same_tree),
        cmocka_unit_test(test_cfg_quoted_scalars_are_marked_and_still_numbers),
        cmocka_unit_test(test_cfg_load_file_reads_files_and_stdin),
        cmocka_unit_test(test_cfg_stdin_errors_are_reported_as_stdin),
        cmocka_unit_test(test_cfg_missing_file_is_a_system_error_not_a_message),
        cmocka_unit_test(test_cfg_byte_order_mark_is_not_content),
        cmocka_unit_test(test_cfg_empty_file_is_refused),
        cmocka_unit_test(test_cfg_file_of_only_comments_is_empty),
        cmocka_unit_test(test_cfg_top_level_scalar_is_refused),
        cmocka_unit_test(test_cfg_top_level_sequence_is_refused),
        cmocka_unit_test(test_cfg_tab_indentation_gets_libyamls_message),
        cmocka_unit_test(test_cfg_truncated_file_names_the_open_construct),
        cmocka_unit_test(test_cfg_block_indentation_error_names_the_mapping),
        cmocka_unit_test(test_cfg_binary_garbage_is_refused_as_utf8),
        cmocka_unit_test(test_cfg_invalid_utf8_is_reported_where_it_stands),
        cmocka_unit_test(test_cfg_nul_byte_is_refused_at_its_position),
        cmocka_unit_test(test_cfg_nesting_deeper_than_the_limit_is_refused),
        cmocka_unit_test(test_cfg_file_over_16_mib_is_refused_unread),
        cmocka_unit_test(test_cfg_buffer_over_16_mib_is_refused),
        cmocka_unit_test(test_cfg_scalar_longer_than_the_limit_is_refused),
        cmocka_unit_test(test_cfg_more_items_than_the_limit_are_refused),
        cmocka_unit_test(test_cfg_anchors_and_aliases_are_refused),
        cmocka_unit_test(test_cfg_duplicate_key_is_reported_at_the_second),
        cmocka_unit_test(test_cfg_second_document_is_refused),
        cmocka_unit_test(test_cfg_non_scalar_keys_are_refused),
        cmocka_unit_test(test_cfg_set_replaces_an_existing_value),
        cmocka_unit_test(test_cfg_set_creates_missing_levels),
        cmocka_unit_test(test_cfg_set_indexes_sequences_by_number),
        cmocka_unit_test(test_cfg_set_value_is_parsed_as_yaml_flow),
        cmocka_unit_test(test_cfg_set_without_equals_is_refused),
        cmocka_unit_test(test_cfg_set_with_an_empty_path_segment_is_refused),
        cmocka_unit_test(test_cfg_set_below_a_scalar_is_refused),
        cmocka_unit_test(test_cfg_set_index_out_of_range_is_refused),
        cmocka_unit_test(test_cfg_set_value_errors_point_into_the_assignment),
        cmocka_unit_test(test_cfg_set_leaves_the_document_alone_on_error),
        cmocka_unit_test(test_cfg_number_of_the_wrong_type_is_refused),
        cmocka_unit_test(test_cfg_absent_optional_key_leaves_the_default),
        cmocka_unit_test(test_cfg_integer_below_its_minimum_is_refused),
        cmocka_unit_test(test_cfg_integer_refuses_fractions_and_overflow),
        cmocka_unit_test(test_cfg_integer_range_is_named_in_the_message),
        cmocka_unit_test(test_cfg_bad_duration_lists_the_units),
        cmocka_unit_test(test_cfg_bad_rate_lists_the_units),
        cmocka_unit_test(test_cfg_rate_must_be_positive),
        cmocka_unit_test(test_cfg_bad_size_lists_the_units),
        cmocka_unit_test(test_cfg_bounds_nonneg_and_unit_interval),
        cmocka_unit_test(test_cfg_bool_accepts_yaml_words_only),
        cmocka_unit_test(test_cfg_string_must_be_a_scalar),
        cmocka_unit_test(test_cfg_unknown_enum_value_lists_and_suggests),
        cmocka_unit_test(test_cfg_unknown_enum_at_top_level_says_so),
        cmocka_unit_test(test_cfg_missing_required_key_is_reported_at_the_map),
        cmocka_unit_test(test_cfg_unknown_keys_are_reported_with_a_suggestion),
        cmocka_unit_test(test_cfg_expect_names_the_wanted_and_found_kinds),
        cmocka_unit_test(test_cfg_node_getters_check_sequence_elements),
        cmocka_unit_test(
            test_cfg_messages_escape_control_bytes_and_cut_long_text),
        cmocka_unit_test(test_cfg_every_allocation_failure_is_clean),
        cmocka_unit_test(test_cfg_random_bytes_never_crash),
        cmocka_unit_test(test_cfg_mutated_scenarios_never_crash),
        cmocka_unit_test(test_cfg_random_set_assignments_never_crash),
    };

    return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
