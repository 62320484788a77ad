/*
 * test_json: the reader against documents it must accept (values,
 * escapes, positions), golden messages for each class of error, every
 * size ceiling, allocation failures at every point, and random bytes.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "sim/diag.h"
#include "sim/json.h"
#include "sim/mem.h"

/* Parses text, capturing diagnostics; returns the status, *msg gets the
 * message text (owned by the caller) and *out the tree. */
static int parse_capture(const char *text, size_t len, char **msg,
                         struct json **out)
{
    struct diag d;
    size_t msize = 0;
    FILE *sink = open_memstream(msg, &msize);
    int st;

    assert_non_null(sink);
    diag_init(&d, sink);
    st = json_parse(text, len, "r.json", &d, out);
    fclose(sink);
    return st;
}

/* Asserts that text fails with exactly the message want (with newline). */
static void expect_error(const char *text, const char *want)
{
    struct json *j = (struct json *)1;
    char *msg = NULL;
    int st = parse_capture(text, strlen(text), &msg, &j);

    assert_int_equal(st, SLM_EINPUT);
    assert_null(j);
    assert_string_equal(msg, want);
    free(msg);
}

static void test_json_parses_every_kind_of_value(void **state)
{
    const char *text = "{\"a\": [1, -2.5e3, 0, true, false, null],\n"
                       " \"b\": {\"c\": \"x\"}, \"empty\": [], \"o\": {}}";
    struct json *j = NULL;
    char *msg = NULL;
    const struct json *a;

    (void)state;
    assert_int_equal(parse_capture(text, strlen(text), &msg, &j), 0);
    free(msg);
    assert_int_equal(json_len(j), 4);
    a = json_get(j, "a");
    assert_int_equal(json_len(a), 6);
    assert_close(json_num(json_at(a, 0), 0), 1.0, 0);
    assert_close(json_num(json_at(a, 1), 0), -2500.0, 0);
    assert_true(json_is(json_at(a, 3), JSON_BOOL));
    assert_int_equal(json_at(a, 3)->boolean, 1);
    assert_int_equal(json_at(a, 4)->boolean, 0);
    assert_true(json_is(json_at(a, 5), JSON_NULL));
    assert_string_equal(json_str(json_get(json_get(j, "b"), "c")), "x");
    assert_int_equal(json_len(json_get(j, "empty")), 0);
    assert_true(json_is(json_get(j, "o"), JSON_OBJECT));
    assert_null(json_get(j, "missing"));
    assert_null(json_get(a, "a"));
    assert_null(json_at(a, 6));
    assert_null(json_str(json_at(a, 0)));
    assert_close(json_num(NULL, 7.25), 7.25, 0);
    /* Members are located at their keys, items at their first byte. */
    assert_int_equal(json_get(j, "b")->line, 2);
    assert_int_equal(json_get(j, "b")->col, 2);
    assert_int_equal(json_at(a, 1)->line, 1);
    assert_int_equal(json_at(a, 1)->col, 11);
    json_free(j);
}

static void test_json_decodes_escapes_and_surrogate_pairs(void **state)
{
    const char *text = "[\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac"
                       "\\ud83d\\ude00\", \"caf\xc3\xa9\"]";
    struct json *j = NULL;
    char *msg = NULL;

    (void)state;
    assert_int_equal(parse_capture(text, strlen(text), &msg, &j), 0);
    free(msg);
    assert_string_equal(json_str(json_at(j, 0)), "q\"b\\s/\b\f\n\r\t");
    assert_string_equal(json_str(json_at(j, 1)),
                        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_int_equal(json_at(j, 1)->len, 9);
    assert_string_equal(json_str(json_at(j, 2)), "caf\xc3\xa9");
    json_free(j);
}

static void test_json_columns_count_characters_not_bytes(void **state)
{
    /* "\xc3\xa9" is two bytes but one column: the x is at column 9. */
    (void)state;
    expect_error("[\"\xc3\xa9\", 1 x]",
                 "r.json:1:9: error: expected ',' or ']' after an array "
                 "item, got 'x'\n");
}

static void test_json_reports_syntax_errors_with_line_and_column(void **state)
{
    (void)state;
    expect_error("", "r.json:1:1: error: expected a value, got end of "
                     "input\n");
    expect_error("{\"a\": 1,\n \"b\" 2}",
                 "r.json:2:6: error: expected ':' after key 'b', got '2'\n");
    expect_error("{\"a\": 1\n]", "r.json:2:1: error: expected ',' or '}' "
                                 "after a member, got ']'\n");
    expect_error("{1: 2}", "r.json:1:2: error: expected a string key, got "
                           "'1'\n");
    expect_error("[1, 2,]", "r.json:1:7: error: trailing ',' before ']'\n");
    expect_error("{\"a\":1,}", "r.json:1:8: error: trailing ',' before "
                               "'}'\n");
    expect_error("[1] [2]", "r.json:1:5: error: unexpected '[' after the "
                            "document\n");
    expect_error("[tru]", "r.json:1:2: error: expected a value, got 't'\n");
    expect_error("[NaN]", "r.json:1:2: error: expected a value, got 'N'\n");
    expect_error("\x01", "r.json:1:1: error: expected a value, got byte "
                         "0x01\n");
}

static void test_json_reports_bad_numbers(void **state)
{
    (void)state;
    expect_error("[01]", "r.json:1:2: error: invalid number '01'\n");
    expect_error("[1.]", "r.json:1:2: error: invalid number '1.]'\n");
    expect_error("[-]", "r.json:1:2: error: invalid number '-]'\n");
    expect_error("[1e+]", "r.json:1:2: error: invalid number '1e+]'\n");
    expect_error("[1e999]", "r.json:1:2: error: number '1e999' out of "
                            "range\n");
}

static void test_json_reports_bad_strings(void **state)
{
    (void)state;
    expect_error("[\"abc", "r.json:1:2: error: unterminated string\n");
    expect_error("[\"a\nb\"]", "r.json:1:4: error: control character 0x0a "
                               "in a string (escape it)\n");
    expect_error("[\"\\q\"]", "r.json:1:3: error: invalid escape '\\' then "
                              "'q'\n");
    expect_error("[\"\\u12g4\"]", "r.json:1:7: error: '\\u' needs four hex "
                                  "digits\n");
    expect_error("[\"\\ud800x\"]", "r.json:1:3: error: unpaired surrogate "
                                   "'\\ud800'\n");
    expect_error("[\"\\udc00\"]", "r.json:1:3: error: unpaired surrogate "
                                  "'\\udc00'\n");
    expect_error("[\"\\u0000\"]", "r.json:1:3: error: '\\u0000' is not "
                                  "supported in strings\n");
    expect_error("[\"\xff\"]", "r.json:1:3: error: invalid UTF-8 byte 0xff "
                               "in a string\n");
    /* Overlong encoding of '/' and an encoded surrogate. */
    expect_error("[\"\xc0\xaf\"]", "r.json:1:3: error: invalid UTF-8 byte "
                                   "0xc0 in a string\n");
    expect_error("[\"\xed\xa0\x80\"]", "r.json:1:3: error: invalid UTF-8 "
                                       "byte 0xed in a string\n");
}

static void test_json_rejects_duplicate_keys_naming_the_first(void **state)
{
    (void)state;
    expect_error("{\"a\": 1, \"b\": 2,\n \"a\": 3}",
                 "r.json:2:2: error: duplicate key 'a' (first at 1:2)\n");
}

static void test_json_enforces_depth_limit(void **state)
{
    char text[2 * JSON_MAX_DEPTH + 8];
    struct json *j = NULL;
    char *msg = NULL;
    int i;

    (void)state;
    /* Exactly JSON_MAX_DEPTH levels parse. */
    for (i = 0; i < JSON_MAX_DEPTH; i++) {
        text[i] = '[';
        text[JSON_MAX_DEPTH + i] = ']';
    }
    assert_int_equal(parse_capture(text, 2 * JSON_MAX_DEPTH, &msg, &j), 0);
    free(msg);
    json_free(j);
    /* One more does not. */
    memset(text, '[', JSON_MAX_DEPTH + 1);
    text[JSON_MAX_DEPTH + 1] = '\0';
    expect_error(text, "r.json:1:65: error: nested deeper than 64 levels\n");
}

static void test_json_enforces_size_limits(void **state)
{
    size_t n = JSON_MAX_SIZE + 1, i;
    char *big = malloc(n);
    char *msg = NULL;
    struct json *j = NULL;

    (void)state;
    assert_non_null(big);
    memset(big, ' ', n);
    assert_int_equal(parse_capture(big, n, &msg, &j), SLM_EINPUT);
    assert_string_equal(msg, "r.json: error: larger than 32 MiB\n");
    free(msg);
    /* A string one byte over its ceiling. */
    big[0] = '"';
    memset(big + 1, 'x', JSON_MAX_STRING + 1);
    big[JSON_MAX_STRING + 2] = '"';
    assert_int_equal(parse_capture(big, JSON_MAX_STRING + 3, &msg, &j),
                     SLM_EINPUT);
    assert_string_equal(msg, "r.json:1:1: error: string longer than "
                             "1048576 bytes\n");
    free(msg);
    /* One value over the count: "[0,0,...]". */
    big[0] = '[';
    for (i = 0; i < JSON_MAX_VALUES; i++) {
        big[1 + 2 * i] = '0';
        big[2 + 2 * i] = ',';
    }
    big[2 * JSON_MAX_VALUES] = ']';
    assert_int_equal(parse_capture(big, 2 * JSON_MAX_VALUES + 1, &msg, &j),
                     SLM_EINPUT);
    assert_non_null(strstr(msg, "error: more than 1048576 values"));
    free(msg);
    free(big);
}

static void test_json_allows_bom_and_surrounding_whitespace(void **state)
{
    const char *text = "\xEF\xBB\xBF \n\t{\"k\": \"v\"}\r\n ";
    struct json *j = NULL;
    char *msg = NULL;

    (void)state;
    assert_int_equal(parse_capture(text, strlen(text), &msg, &j), 0);
    free(msg);
    assert_string_equal(json_str(json_get(j, "k")), "v");
    json_free(j);
}

static void test_json_load_reports_missing_file(void **state)
{
    struct diag d;
    struct json *j = NULL;

    (void)state;
    diag_init(&d, NULL);
    assert_int_equal(json_load("tests/data/no-such-file.json", &d, &j),
                     SLM_ESYS);
    assert_null(j);
}

static void test_json_survives_every_allocation_failure(void **state)
{
    const char *text = "{\"figures\": {\"a\": {\"rows\": [[1, 2], [3, 4]],"
                       " \"t\": \"\\u00e9x\"}}, \"k\": [true, null]}";
    struct json *j = NULL;
    struct diag d;
    long n;
    int st;

    (void)state;
    diag_init(&d, NULL);
    for (n = 0;; n++) {
        mem_fail_after(n);
        st = json_parse(text, strlen(text), "r.json", &d, &j);
        mem_fail_reset();
        if (st == SLM_OK)
            break;
        assert_int_equal(st, SLM_ENOMEM);
        assert_null(j);
    }
    assert_true(n > 5);
    assert_int_equal(json_len(json_get(j, "k")), 2);
    json_free(j);
}

/* Random bytes, and valid documents with bytes flipped or cut short: any
 * status is fine, crashes and leaks are not (run under ASan). */
static void test_json_survives_random_bytes(void **state)
{
    static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnrl \n\"ab";
    const char *good = "{\"figures\": {\"x\": {\"rows\": [[1.5e3, -2], [3, "
                       "4]], \"s\": \"a\\u00e9\\ud83d\\ude00\"}}}";
    unsigned seed = 12345;
    char buf[256];
    struct json *j;
    struct diag d;
    size_t len, k;
    int i;

    (void)state;
    diag_init(&d, NULL);
    for (i = 0; i < 30000; i++) {
        len = (size_t)(rand_r(&seed) % sizeof buf);
        for (k = 0; k < len; k++) {
            int r = rand_r(&seed);
            buf[k] = i % 3 == 0 ? (char)(r & 0xFF)
                                : alphabet[r % (int)(sizeof alphabet - 1)];
        }
        if (i % 3 == 2) {
            len = strlen(good);
            memcpy(buf, good, len);
            buf[rand_r(&seed) % (int)len] = (char)(rand_r(&seed) & 0xFF);
            len = (size_t)(rand_r(&seed) % (int)len) + 1;
        }
        j = NULL;
        if (json_parse(buf, len, "r.json", &d, &j) == 0)
            assert_non_null(j);
        json_free(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_parses_every_kind_of_value),
        cmocka_unit_test(test_json_decodes_escapes_and_surrogate_pairs),
        cmocka_unit_test(test_json_columns_count_characters_not_bytes),
        cmocka_unit_test(test_json_reports_syntax_errors_with_line_and_column),
        cmocka_unit_test(test_json_reports_bad_numbers),
        cmocka_unit_test(test_json_reports_bad_strings),
        cmocka_unit_test(test_json_rejects_duplicate_keys_naming_the_first),
        cmocka_unit_test(test_json_enforces_depth_limit),
        cmocka_unit_test(test_json_enforces_size_limits),
        cmocka_unit_test(test_json_allows_bom_and_surrounding_whitespace),
        cmocka_unit_test(test_json_load_reports_missing_file),
        cmocka_unit_test(test_json_survives_every_allocation_failure),
        cmocka_unit_test(test_json_survives_random_bytes),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
