/*
 * test_trace: the trace readers on slices of the real traces (tests/data,
 * sums computed independently of slmsim), their located errors, the
 * on_error policy, and the streaming summary behind trace-stats.
 */
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/workload.h"
#include "sim/arrivals.h"
#include "sim/cfg.h"
#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/trace.h"
#include "sim/trace_stats.h"

/* A file with text, removed by the caller (unlink) after use. */
static void write_temp(char *path, const char *text, size_t len)
{
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* A reader over text written to path (a mkstemp template that o->path
 * points at); d must outlive the reader. */
static struct trace_reader *open_text(const struct trace_opts *o, char *path,
                                      const char *text, size_t len,
                                      struct diag *d)
{
    struct trace_reader *r = NULL;

    write_temp(path, text, len);
    diag_init(d, stderr);
    assert_int_equal(trace_open(o, 0, d, &r), 0);
    return r;
}

/* Everything a full read saw. */
struct readall {
    int status;
    uint64_t n;
    double first, last, sum_in, sum_out;
    struct trace_counts counts;
    double clock0;
    int weekday0;
    char msg[2048]; /* the diagnostics, as printed */
};

static void read_all(const struct trace_opts *o, struct readall *ra)
{
    struct trace_reader *r;
    struct trace_record rec;
    struct diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&buf, &len);
    int rc;

    memset(ra, 0, sizeof *ra);
    diag_init(&d, sink);
    rc = trace_open(o, TRACE_WARN, &d, &r);
    if (!rc) {
        while ((rc = trace_next(r, &rec)) == 0) {
            if (ra->n++ == 0)
                ra->first = rec.t;
            assert_true(rec.t >= ra->last);
            ra->last = rec.t;
            ra->sum_in += rec.input_tokens;
            ra->sum_out += rec.output_tokens;
        }
        trace_warn_summary(r);
        ra->counts = *trace_counts(r);
        ra->clock0 = trace_clock_origin(r);
        ra->weekday0 = trace_weekday_origin(r);
        trace_close(r);
    }
    ra->status = rc == 1 ? 0 : rc;
    fclose(sink);
    snprintf(ra->msg, sizeof ra->msg, "%s", buf ? buf : "");
    free(buf);
}

/* A clean read of a built-in format's slice. */
static void read_slice(enum trace_format format, const char *path,
                       struct readall *ra)
{
    struct trace_opts o = {format, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_FAIL, NULL};

    read_all(&o, ra);
    assert_int_equal(ra->status, 0);
    assert_int_equal(ra->counts.skipped, 0);
}

static void test_trace_azure_slice_reads_crlf_and_a_last_line_without_newline(
    void **state)
{
    struct readall ra;

    (void)state;
    read_slice(TRACE_AZURE, TEST_DATA_DIR "/azure-code-200.csv", &ra);
    assert_int_equal(ra.n, 200);
    assert_close(ra.first, 0.0, 0.0);
    /* 18:20:23.0695450 - 18:17:03.9799600, all seven digits kept */
    assert_close(ra.last, 199.0895850, 1e-12);
    assert_close(ra.sum_in, 414215, 0);
    assert_close(ra.sum_out, 4907, 0); /* the last row's 10 included */
    assert_close(ra.clock0, 18 * 3600 + 17 * 60 + 3.97996, 1e-12);
    assert_int_equal(ra.weekday0, 3); /* 2023-11-16 was a Thursday */
    assert_string_equal(ra.msg, "");
}

static void test_trace_burstgpt_counts_zero_token_rows_as_failures(
    void **state)
{
    struct readall ra;

    (void)state;
    read_slice(TRACE_BURSTGPT, TEST_DATA_DIR "/burstgpt-400.csv", &ra);
    assert_int_equal(ra.n, 383);
    assert_int_equal(ra.counts.failed, 17);
    assert_close(ra.last, 37274 - 5, 0);
    assert_close(ra.sum_in, 208189, 0);
    assert_close(ra.sum_out, 110612, 0);
    assert_close(ra.clock0, 5.0, 0); /* seconds from midnight of day 1 */
    assert_int_equal(ra.weekday0, -1);
}

/* BurstGPT_3 inserted two columns at positions 2-3: read by name. */
static void test_trace_burstgpt_columns_are_found_by_name(void **state)
{
    static const char text[] =
        "Timestamp,Session ID,Elapsed time,Model,Request tokens,"
        "Response tokens,Total tokens,Log Type\n"
        "10,ab-12,3.5,ChatGPT,472,18,490,Conversation log\n"
        "12,,0.7,GPT-4,1005,0,1005,API log\n"
        "13.5,cd-34,9.1,GPT-4,200,300,500,Conversation log\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_BURSTGPT, path, NULL, NULL, NULL, "Model",
                           0, TRACE_FAIL, NULL};
    struct readall ra;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.status, 0);
    assert_int_equal(ra.n, 2);
    assert_int_equal(ra.counts.failed, 1);
    assert_close(ra.sum_in, 672, 0);
    assert_close(ra.sum_out, 318, 0);
    assert_close(ra.last, 3.5, 0);
}

static void test_trace_mooncake_times_are_milliseconds(void **state)
{
    struct readall ra;

    (void)state;
    read_slice(TRACE_MOONCAKE, TEST_DATA_DIR "/mooncake-conv-300.jsonl", &ra);
    assert_int_equal(ra.n, 300);
    assert_close(ra.last, 102.0, 1e-12);
    assert_close(ra.sum_in, 4269971, 0);
    assert_close(ra.sum_out, 113079, 0);
    assert_true(isnan(ra.clock0));
}

static void test_trace_generic_csv_takes_quotes_and_a_time_unit(void **state)
{
    static const char text[] =
        "\xEF\xBB\xBF" "id,\"when, ms\",prompt,completion,kind\r\n"
        "1,1000,10,20,\"chat, short\"\r\n"
        "\r\n"
        "2,2500,\"30\",40,\"say \"\"hi\"\"\"\r\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_CSV, path, "when, ms", "prompt",
                           "completion", "kind", 1e-3, TRACE_FAIL, NULL};
    struct trace_reader *r;
    struct trace_record rec;
    struct diag d;

    (void)state;
    r = open_text(&o, path, text, sizeof text - 1, &d);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_string_equal(rec.task, "chat, short");
    assert_int_equal(rec.line, 2);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_close(rec.t, 1.5, 1e-12);
    assert_int_equal(rec.input_tokens, 30);
    assert_string_equal(rec.task, "say \"hi\"");
    assert_int_equal(rec.line, 4);
    assert_int_equal(trace_next(r, &rec), 1);
    /* a second pass starts again from the first data row */
    assert_int_equal(trace_rewind(r), 0);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_close(rec.t, 0.0, 0);
    assert_int_equal(rec.line, 2);
    trace_close(r);
    unlink(path);
}

static void test_trace_generic_jsonl_skips_nested_values(void **state)
{
    static const char text[] =
        "{\"meta\": {\"a\": [1, {\"b\": \"}\"}]}, \"t\": \"2024-05-10 "
        "00:00:00.009930+00:00\", \"in\": 12, \"out\": 3.0, "
        "\"task\": \"sum\\\"mary\"}\n"
        "{\"t\": \"2024-05-10T00:00:01Z\", \"in\": 1, \"out\": 2, "
        "\"task\": \"x\"}";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_JSONL, path, "t", "in", "out", "task", 0.0,
                           TRACE_FAIL, NULL};
    struct trace_reader *r;
    struct trace_record rec;
    struct diag d;

    (void)state;
    r = open_text(&o, path, text, sizeof text - 1, &d);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(rec.input_tokens, 12);
    assert_int_equal(rec.output_tokens, 3);
    assert_string_equal(rec.task, "sum\"mary");
    assert_int_equal(trace_next(r, &rec), 0);
    assert_close(rec.t, 1.0 - 0.009930, 1e-12);
    assert_int_equal(trace_next(r, &rec), 1);
    trace_close(r);
    unlink(path);
}

static void test_trace_datetimes_take_any_fraction_and_offsets(void **state)
{
    int64_t sec;
    double frac, clock;

    (void)state;
    assert_int_equal(trace_parse_datetime("1970-01-01 00:00:00", &sec, &frac,
                                          &clock),
                     0);
    assert_int_equal(sec, 0);
    assert_int_equal(trace_parse_datetime("2023-11-16 18:15:46.6805900", &sec,
                                          &frac, &clock),
                     0);
    assert_int_equal(sec, 1700158546);
    assert_close(frac, 0.68059, 1e-12);
    assert_close(clock, 65746.68059, 1e-12);
    assert_int_equal(trace_parse_datetime("2024-02-29T23:30:00.5-01:30", &sec,
                                          &frac, &clock),
                     0);
    assert_int_equal(sec, 1709249400 + 5400);
    assert_close(clock, 84600.5, 0);
    assert_int_equal(trace_parse_datetime("2023-11-16 18:15", &sec, &frac,
                                          &clock),
                     -1);
    assert_int_equal(trace_parse_datetime("2023-13-16 18:15:00", &sec, &frac,
                                          &clock),
                     -1);
    assert_int_equal(trace_parse_datetime("2023-11-16 18:15:00.", &sec, &frac,
                                          &clock),
                     -1);
}

/* One bad row of each kind, in one file. */
static const char bad_rows[] =
    "TIMESTAMP,ContextTokens,GeneratedTokens\n"
    "2023-11-16 18:15:46.1,10,20\n"       /* 2 */
    "2023-11-16 18:15:47.1,abc,20\n"      /* 3 non-numeric */
    "2023-11-16 18:15:48.1,10,-4\n"       /* 4 negative */
    "2023-11-16 18:15:49.1,10\n"          /* 5 missing field */
    "2023-11-16 18:15:45.0,10,20\n"       /* 6 earlier */
    "2023-11-16 18:15:50.1,1.5,20\n"      /* 7 fractional */
    "16/11/2023 18:15:51,10,20\n"         /* 8 bad date-time */
    "2023-11-16 18:15:52.1,7,8\n";        /* 9 */

static void test_trace_bad_rows_stop_the_read_at_their_line(void **state)
{
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_AZURE, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_FAIL, NULL};
    struct readall ra;
    char want[512];

    (void)state;
    write_temp(path, bad_rows, sizeof bad_rows - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.status, SLM_EINPUT);
    assert_int_equal(ra.n, 1);
    snprintf(want, sizeof want,
             "%s:3: error: non-numeric 'ContextTokens' value 'abc' (expected "
             "a whole number of tokens >= 0)\n",
             path);
    assert_string_equal(ra.msg, want);
}

static void test_trace_on_error_skip_counts_every_bad_row(void **state)
{
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_AZURE, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_SKIP, NULL};
    struct readall ra;
    const char *lines[] = {":3: warning: non-numeric",
                           ":4: warning: negative 'GeneratedTokens' value '-4'",
                           ":5: warning: row has 2 fields, the header has 3",
                           ":6: warning: time '2023-11-16 18:15:45.0' is "
                           "earlier than the previous row's",
                           ":7: warning: 'ContextTokens' value '1.5' is not a "
                           "whole number",
                           ":8: warning: bad time '16/11/2023 18:15:51'"};
    size_t i;

    (void)state;
    write_temp(path, bad_rows, sizeof bad_rows - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.status, 0);
    assert_int_equal(ra.n, 2);
    assert_int_equal(ra.counts.skipped, 6);
    assert_close(ra.sum_in, 17, 0);
    for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(ra.msg, lines[i]))
            fail_msg("no '%s' in:\n%s", lines[i], ra.msg);
}

static void test_trace_missing_column_lists_the_header(void **state)
{
    static const char text[] = "Timestamp,Model,Request tokens\n1,a,2\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX", want[512];
    struct trace_opts o = {TRACE_BURSTGPT, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_SKIP, NULL};
    struct readall ra;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.status, SLM_EINPUT);
    snprintf(want, sizeof want,
             "%s:1: error: no column 'Response tokens' in the burstgpt header "
             "(found 'Timestamp', 'Model', 'Request tokens')\n",
             path);
    assert_string_equal(ra.msg, want);
}

static void test_trace_jsonl_errors_name_the_key(void **state)
{
    static const char text[] =
        "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n"
        "{\"timestamp\": 10, \"output_length\": 1}\n"
        "{\"timestamp\": 20, \"input_length\": [5], \"output_length\": 1}\n"
        "{\"timestamp\": 30, \"input_length\": 5 \"output_length\": 1}\n"
        "[1, 2]\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_MOONCAKE, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_SKIP, NULL};
    struct readall ra;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.n, 1);
    assert_int_equal(ra.counts.skipped, 4);
    assert_non_null(strstr(ra.msg, ":2: warning: missing key 'input_length'"));
    assert_non_null(strstr(ra.msg, ":3: warning: key 'input_length' holds an "
                                   "array or object"));
    assert_non_null(strstr(ra.msg, ":4: warning: malformed JSON: expected "
                                   "',' or '}'"));
    assert_non_null(strstr(ra.msg, ":5: warning: malformed JSON: a line must "
                                   "be one JSON object"));
}

static void test_trace_line_longer_than_the_ceiling_is_an_error(void **state)
{
    size_t n = TRACE_MAX_LINE + 100, len;
    char *text = malloc(n + 200), path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_MOONCAKE, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_SKIP, NULL};
    struct readall ra;

    (void)state;
    assert_non_null(text);
    len = (size_t)sprintf(text, "{\"timestamp\": 0, \"input_length\": 1, "
                                "\"output_length\": 1}\n{\"pad\": \"");
    memset(text + len, 'x', n);
    len += n;
    len += (size_t)sprintf(text + len, "\"}\n{\"timestamp\": 5, "
                                       "\"input_length\": 2, "
                                       "\"output_length\": 2}\n");
    write_temp(path, text, len);
    free(text);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.n, 2); /* the row after the long one is read */
    assert_int_equal(ra.counts.skipped, 1);
    assert_non_null(strstr(ra.msg, ":2: warning: line longer than 65536 "
                                   "bytes (the limit for a trace line)"));
}

static void test_trace_skip_warnings_stop_after_ten_with_a_summary(
    void **state)
{
    char text[4096], path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_CSV, path, "t", "i", "o", NULL, 1.0,
                           TRACE_SKIP, NULL};
    struct readall ra;
    size_t len = (size_t)sprintf(text, "t,i,o\n");
    int k;

    (void)state;
    for (k = 0; k < 25; k++)
        len += (size_t)sprintf(text + len, "%d,x,1\n", k);
    write_temp(path, text, len);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.counts.skipped, 25);
    assert_non_null(strstr(ra.msg, ":11: warning"));
    assert_null(strstr(ra.msg, ":12: warning"));
    assert_non_null(strstr(ra.msg, ": warning: 15 more bad rows skipped\n"));
}

/* ---- trace_stats ---- */

static void add_record(struct trace_stats *s, double t, uint32_t in,
                       uint32_t out)
{
    struct trace_record rec = {t, in, out, NULL, 0, NULL, 0};
    assert_int_equal(trace_stats_add(s, &rec), 0);
}

static void test_trace_stats_windows_count_empty_minutes(void **state)
{
    struct trace_stats s;
    const struct trace_window *w;

    (void)state;
    trace_stats_init(&s);
    /* minutes: 3 requests, 0, 0, 1 request, 0 x 5, 1 request */
    add_record(&s, 0, 1, 1);
    add_record(&s, 10, 2, 2);
    add_record(&s, 59, 3, 3);
    add_record(&s, 180, 1000000, 4);
    add_record(&s, 540, 7, 7);
    trace_stats_finish(&s);
    w = &s.win[TRACE_WIN_MINUTE];
    assert_int_equal(w->counts.n, 10);
    assert_int_equal(w->peak, 3);
    /* mean 0.5, variance (9 + 1 + 1 - 10 x 0.25)/9 */
    assert_close(trace_stats_dispersion(w), (11 - 2.5) / 9 / 0.5, 1e-12);
    assert_close(s.gaps.mean, 135.0, 1e-12);
    assert_close(trace_stats_quantile(&s.in, s.n, 0.5), 3, 0); /* 1 2 3 7 1e6 */
    assert_close(trace_stats_quantile(&s.in, s.n, 1.0), 1000000, 0);
    assert_true(isnan(trace_stats_dispersion(&s.win[TRACE_WIN_HOUR])));
    trace_stats_fini(&s);
}

static void test_trace_stats_token_percentiles_are_exact(void **state)
{
    struct trace_stats s;
    uint32_t v;

    (void)state;
    trace_stats_init(&s);
    for (v = 1; v <= 1000; v++)
        add_record(&s, v, v, 2000 - v);
    trace_stats_finish(&s);
    assert_close(trace_stats_quantile(&s.in, s.n, 0.5), 500, 0);
    assert_close(trace_stats_quantile(&s.in, s.n, 0.99), 990, 0);
    assert_close(trace_stats_quantile(&s.out, s.n, 0.99), 1989, 0); /* 1000..1999 */
    assert_close(trace_stats_quantile(&s.in, s.n, 0.0), 1, 0);
    assert_int_equal(s.in.max, 1000);
    trace_stats_fini(&s);
}

static void test_trace_stats_exposure_splits_the_span_by_clock_hour(
    void **state)
{
    struct trace_stats s;
    double e[24], dexp[7];

    (void)state;
    trace_stats_init(&s);
    s.clock0 = 23.5 * 3600; /* 23:30 on a Sunday */
    s.weekday0 = 6;
    add_record(&s, 0, 1, 1);
    add_record(&s, 3600, 1, 1); /* 00:30 on Monday */
    trace_stats_finish(&s);
    trace_stats_exposure(&s, e, dexp);
    assert_close(e[23], 1800, 1e-9);
    assert_close(e[0], 1800, 1e-9);
    assert_close(dexp[6], 1800, 1e-9);
    assert_close(dexp[0], 1800, 1e-9);
    assert_int_equal(s.hour_count[23], 1);
    assert_int_equal(s.hour_count[0], 1);
    assert_int_equal(s.day_count[0], 1);
    trace_stats_fini(&s);
}

/* Regression: a skipped first row set the time origin, so the good rows
 * came out at negative times (trace-stats indexed hour -1 and crashed;
 * run dropped them uncounted). */
static void test_trace_skipped_first_row_does_not_set_the_origin(void **state)
{
    static const char text[] =
        "ts,prompt,completion\n21599,,20\n0,10,20\n0,10,20\n7,1,2\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_CSV, path, "ts", "prompt", "completion",
                           NULL, 1.0, TRACE_SKIP, NULL};
    struct readall ra;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.status, 0);
    assert_int_equal(ra.n, 3);
    assert_int_equal(ra.counts.skipped, 1);
    assert_close(ra.first, 0.0, 0);
    assert_close(ra.last, 7.0, 0);
}

/* Regression: -1e308, 1e308 and 1e305 days crashed trace-stats; ns
 * timestamps read as seconds took minutes.  A time beyond +-1e11 s is a
 * located error naming the unit. */
static void test_trace_times_out_of_range_are_located_errors(void **state)
{
    static const char *const rows[] = {"-1e308", "1e308", "1e305", "1e12"};
    double unit[] = {1.0, 1.0, 86400.0, 1.0};
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        char text[128], path[] = "/tmp/slmsim-trace-XXXXXX";
        struct trace_opts o = {TRACE_CSV, path, "ts", "in", "out", NULL,
                               unit[i], TRACE_FAIL, NULL};
        struct readall ra;
        int n = snprintf(text, sizeof text, "ts,in,out\n0,1,1\n%s,1,1\n",
                         rows[i]);
        write_temp(path, text, (size_t)n);
        read_all(&o, &ra);
        unlink(path);
        assert_int_equal(ra.status, SLM_EINPUT);
        assert_non_null(strstr(ra.msg, ":3: error: time '"));
        assert_non_null(strstr(ra.msg, "is the time unit right?"));
    }
}

/* Regression: `path: /dev/zero` read forever (NUL bytes and no line
 * break).  A NUL byte stops the read at once, whatever on_error says. */
static void test_trace_binary_file_is_refused_not_read_forever(void **state)
{
    static const char text[] = "timestamp,a\n\0\0\0\0";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_MOONCAKE, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_SKIP, NULL};
    struct trace_opts dz = {TRACE_CSV, "/dev/zero", "t", "i", "o", NULL,
                            1.0, TRACE_SKIP, NULL};
    struct readall ra;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.status, SLM_EINPUT);
    assert_non_null(strstr(ra.msg, "not a text trace"));
    read_all(&dz, &ra);
    assert_int_equal(ra.status, SLM_EINPUT);
    assert_non_null(strstr(ra.msg, "/dev/zero:1: error: not a text trace"));
}

/* Regression: the hourly exposure walked every hour of the span (1e11 s
 * would take 3e7 steps); whole weeks now go in one step, exactly. */
static void test_trace_stats_exposure_of_a_long_span_is_exact(void **state)
{
    struct trace_stats s;
    double e[24], dexp[7], total = 0;
    int i;

    (void)state;
    trace_stats_init(&s);
    s.clock0 = 0.5 * 3600;
    s.weekday0 = 2;
    add_record(&s, 0, 1, 1);
    add_record(&s, 2e10, 1, 1);
    trace_stats_finish(&s);
    trace_stats_exposure(&s, e, dexp);
    for (i = 0; i < 24; i++)
        total += e[i];
    assert_close(total, 2e10, 1e-12);
    assert_close(e[3], 2e10 / 24, 1e-5); /* +- one hour in 2e10/24 s */
    trace_stats_fini(&s);
}

/* trace-stats' peak counts whole windows only: a trace that starts at
 * 00:50 and ends at 02:10 has one whole clock hour, and a 20-minute trace
 * has none (a partial hour gave a peak below the mean). */
static void test_trace_stats_peak_counts_whole_windows_only(void **state)
{
    struct trace_stats s;
    int i;

    (void)state;
    trace_stats_init(&s);
    s.clock0 = 50 * 60.0;
    for (i = 0; i < 30; i++) /* 30 in the partial 00:50-01:00 */
        add_record(&s, i * 10.0, 1, 1);
    for (i = 0; i < 5; i++) /* 5 in 01:00-02:00 */
        add_record(&s, 600 + i * 600.0, 1, 1);
    add_record(&s, 4800, 1, 1); /* 02:10, partial */
    trace_stats_finish(&s);
    assert_int_equal(s.win[TRACE_WIN_HOUR].whole, 1);
    assert_int_equal(s.win[TRACE_WIN_HOUR].peak, 5);
    trace_stats_fini(&s);

    trace_stats_init(&s);
    add_record(&s, 0, 1, 1);
    add_record(&s, 1200, 1, 1);
    trace_stats_finish(&s);
    assert_int_equal(s.win[TRACE_WIN_HOUR].whole, 0);
    assert_int_equal(s.win[TRACE_WIN_MINUTE].whole, 20);
    trace_stats_fini(&s);
}


/* ---- block hashes ---- */

/* Mooncake's hash_ids come back with the row; a row without them has
 * none; bad arrays are rejected with their line. */
static void test_trace_mooncake_rows_carry_their_block_hashes(void **state)
{
    static const char text[] =
        "{\"timestamp\": 0, \"input_length\": 700, \"output_length\": 1, "
        "\"hash_ids\": [0, 1]}\n"
        "{\"timestamp\": 5, \"input_length\": 9, \"output_length\": 1}\n"
        "{\"timestamp\": 6, \"input_length\": 9, \"output_length\": 1, "
        "\"hash_ids\": [ 0 , 4294967295 ,7]}\n"
        "{\"timestamp\": 7, \"input_length\": 9, \"output_length\": 1, "
        "\"hash_ids\": []}\n"
        "{\"timestamp\": 8, \"input_length\": 9, \"output_length\": 1, "
        "\"hash_ids\": [1, -2]}\n"
        "{\"timestamp\": 9, \"input_length\": 9, \"output_length\": 1, "
        "\"hash_ids\": [4294967296]}\n"
        "{\"timestamp\": 9, \"input_length\": 9, \"output_length\": 1, "
        "\"hash_ids\": 3}\n"
        "{\"timestamp\": 9, \"input_length\": 9, \"output_length\": 1, "
        "\"hash_ids\": [1 2]}\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_MOONCAKE, path, NULL, NULL, NULL, NULL, 0,
                           TRACE_SKIP, NULL};
    struct trace_record rec;
    struct diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&buf, &len);
    struct trace_reader *r;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    diag_init(&d, sink);
    assert_int_equal(trace_open(&o, TRACE_WARN, &d, &r), 0);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(rec.nhash, 2);
    assert_int_equal(rec.hash_ids[0], 0);
    assert_int_equal(rec.hash_ids[1], 1);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(rec.nhash, 0);
    assert_null(rec.hash_ids);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(rec.nhash, 3);
    assert_int_equal(rec.hash_ids[1], 4294967295u);
    assert_int_equal(rec.hash_ids[2], 7);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(rec.nhash, 0);
    assert_int_equal(trace_next(r, &rec), 1);
    assert_int_equal(trace_counts(r)->skipped, 4);
    trace_close(r);
    fclose(sink);
    unlink(path);
    assert_non_null(strstr(buf, ":5: warning: 'hash_ids' entry 2 is not a "
                                "whole number in [0, 2^32)"));
    assert_non_null(strstr(buf, ":6: warning: 'hash_ids' entry 1 is not"));
    assert_non_null(strstr(buf, ":7: warning: 'hash_ids' must be an array"));
    assert_non_null(strstr(buf, ":8: warning: 'hash_ids': expected ',' or "
                                "']' after entry 1"));
    free(buf);
}

/* jsonl reads the array under the key named, required on every row. */
static void test_trace_jsonl_hash_key_is_required_when_named(void **state)
{
    static const char text[] =
        "{\"t\": 0, \"in\": 5, \"out\": 1, \"h\": [3, 4]}\n"
        "{\"t\": 1, \"in\": 5, \"out\": 1}\n";
    char path[] = "/tmp/slmsim-trace-XXXXXX";
    struct trace_opts o = {TRACE_JSONL, path, "t", "in", "out", NULL, 1.0,
                           TRACE_SKIP, "h"};
    struct readall ra;

    (void)state;
    write_temp(path, text, sizeof text - 1);
    read_all(&o, &ra);
    unlink(path);
    assert_int_equal(ra.n, 1);
    assert_non_null(strstr(ra.msg, ":2: warning: missing key 'h'"));
}

/* The infinite-cache reuse by hand: rows [1 2 3], [1 2 9], [5 1], [7 7]
 * and one without hashes: 10 blocks, seen before by an earlier row: b's
 * 1 and 2 and c's 1 (not e's second 7: its own row's); in a leading run:
 * b's two only. */
static void test_trace_stats_counts_blocks_seen_before(void **state)
{
    static const uint32_t a[] = {1, 2, 3}, b[] = {1, 2, 9}, c[] = {5, 1},
                          e[] = {7, 7};
    struct trace_stats s;
    struct trace_record rec = {0, 1, 1, NULL, 0, NULL, 0};

    (void)state;
    trace_stats_init(&s);
    rec.hash_ids = a;
    rec.nhash = 3;
    assert_int_equal(trace_stats_add(&s, &rec), 0);
    rec.hash_ids = b;
    assert_int_equal(trace_stats_add(&s, &rec), 0);
    rec.hash_ids = c;
    rec.nhash = 2;
    assert_int_equal(trace_stats_add(&s, &rec), 0);
    /* a row's own repeat is not "seen before" */
    rec.hash_ids = e;
    assert_int_equal(trace_stats_add(&s, &rec), 0);
    rec.hash_ids = NULL;
    rec.nhash = 0;
    assert_int_equal(trace_stats_add(&s, &rec), 0);
    assert_int_equal(s.hashes.rows, 4);
    assert_int_equal(s.hashes.blocks, 10);
    assert_int_equal(s.hashes.seen, 3);    /* b's 1 2, c's 1 */
    assert_int_equal(s.hashes.leading, 2); /* c's 1 follows a new 5 */
    trace_stats_fini(&s);
}

/* Replay carries each row's hashes as a pointer into the spec's one
 * pool (no copy per arrival), a spec copy into its own, a looped pass
 * says which it is, and the workload hands the pointer to the request. */
static void test_trace_replay_points_into_the_cached_hashes(void **state)
{
    static const char yaml[] =
        "arrivals: {process: trace, path: " TEST_DATA_DIR
        "/mooncake-conv-300.jsonl, format: mooncake, loop: true}";
    struct cfg_doc *doc = NULL;
    struct arrivals_spec spec, copy;
    struct arrival a;
    struct diag d;
    struct workload_spec w;
    struct request rq;
    int st;

    (void)state;
    diag_init(&d, stderr);
    assert_int_equal(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d, &doc),
                     0);
    const struct cfg_node *node = cfg_get(cfg_doc_root(doc), "arrivals");
    memset(&spec, 0, sizeof spec);
    assert_int_equal(arrivals_parse(node, "workload.arrivals", "", &spec, &d),
                     0);
    assert_int_equal(arrivals_scan(&spec, &node->pos, &d), 0);
    cfg_doc_free(doc);
    assert_int_equal(spec.trace.hash_block, 512);
    assert_non_null(spec.trace.hashes);
    assert_int_equal(spec.trace.hashes_dropped, 0);
    assert_int_equal(arrivals_spec_copy(&copy, &spec), 0);
    gsl_rng *r = rng_stream_new(7, 0, "arrivals");
    struct arrivals *g = arrivals_new(&copy, r, &d, &st);
    assert_non_null(g);
    uint64_t ids = 0;
    for (int i = 0; i < 300; i++) {
        assert_int_equal(arrivals_next(g, &a), 0);
        assert_int_equal(a.hash_pass, 0);
        assert_int_equal(a.nhashes, (a.input_tokens + 511) / 512);
        assert_ptr_equal(a.hashes, copy.trace.hashes + ids);
        ids += a.nhashes;
        if (i == 1) { /* the second row: [0, 14, 15, ...] */
            assert_int_equal(a.hashes[0], 0);
            assert_int_equal(a.hashes[1], 14);
        }
    }
    assert_int_equal(ids, copy.trace.nhashes);
    assert_int_equal(arrivals_next(g, &a), 0);
    assert_int_equal(a.hash_pass, 1);
    assert_ptr_equal(a.hashes, copy.trace.hashes);
    memset(&w, 0, sizeof w);
    memset(&rq, 0, sizeof rq);
    w.arrivals = copy;
    struct task_spec task = {0};
    task.share = 1;
    task.input_from_trace = task.output_from_trace = 1;
    w.ntasks = 1;
    w.tasks = &task;
    workload_fill_request(&w, &a, r, &rq);
    assert_ptr_equal(rq.prefix_hashes, a.hashes);
    assert_int_equal(rq.prefix_blocks, a.nhashes);
    assert_int_equal(rq.prefix_block_tokens, 512);
    assert_int_equal(rq.prefix_pass, 1);
    arrivals_free(g);
    gsl_rng_free(r);
    arrivals_spec_fini(&copy);
    arrivals_spec_fini(&spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_trace_azure_slice_reads_crlf_and_a_last_line_without_newline),
        cmocka_unit_test(test_trace_burstgpt_counts_zero_token_rows_as_failures),
        cmocka_unit_test(test_trace_burstgpt_columns_are_found_by_name),
        cmocka_unit_test(test_trace_mooncake_times_are_milliseconds),
        cmocka_unit_test(test_trace_generic_csv_takes_quotes_and_a_time_unit),
        cmocka_unit_test(test_trace_generic_jsonl_skips_nested_values),
        cmocka_unit_test(test_trace_datetimes_take_any_fraction_and_offsets),
        cmocka_unit_test(test_trace_bad_rows_stop_the_read_at_their_line),
        cmocka_unit_test(test_trace_on_error_skip_counts_every_bad_row),
        cmocka_unit_test(test_trace_missing_column_lists_the_header),
        cmocka_unit_test(test_trace_jsonl_errors_name_the_key),
        cmocka_unit_test(test_trace_line_longer_than_the_ceiling_is_an_error),
        cmocka_unit_test(
            test_trace_skip_warnings_stop_after_ten_with_a_summary),
        cmocka_unit_test(test_trace_stats_windows_count_empty_minutes),
        cmocka_unit_test(test_trace_stats_token_percentiles_are_exact),
        cmocka_unit_test(
            test_trace_stats_exposure_splits_the_span_by_clock_hour),
        cmocka_unit_test(test_trace_skipped_first_row_does_not_set_the_origin),
        cmocka_unit_test(test_trace_times_out_of_range_are_located_errors),
        cmocka_unit_test(test_trace_binary_file_is_refused_not_read_forever),
        cmocka_unit_test(test_trace_stats_exposure_of_a_long_span_is_exact),
        cmocka_unit_test(test_trace_stats_peak_counts_whole_windows_only),
        cmocka_unit_test(test_trace_mooncake_rows_carry_their_block_hashes),
        cmocka_unit_test(test_trace_jsonl_hash_key_is_required_when_named),
        cmocka_unit_test(test_trace_stats_counts_blocks_seen_before),
        cmocka_unit_test(test_trace_replay_points_into_the_cached_hashes),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
