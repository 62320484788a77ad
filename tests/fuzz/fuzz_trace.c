/*
 * Fuzz target: every trace reader and the trace-stats summary.  The first
 * byte picks the format, the on_error policy and the time unit; the rest
 * is the file.  Every record read goes through trace_stats_add, as in
 * `slmsim trace-stats`, and a second pass through trace_rewind.
 */
#include "sim/trace.h"
#include "sim/trace_stats.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double units[4] = {1.0, 1e-3, 1e-9, 86400.0};
    struct trace_opts o;
    struct trace_reader *r = NULL;
    struct trace_record rec;
    struct trace_stats s;
    double e[24], de[7];
    struct diag d;
    int pass, rc = 0;

    if (size < 1)
        return 0;
    memset(&o, 0, sizeof o);
    o.format = (enum trace_format)(data[0] % TRACE_NFORMATS);
    o.on_error = data[0] & 0x8 ? TRACE_SKIP : TRACE_FAIL;
    o.col_time = "t";
    o.col_input = "in";
    o.col_output = "out";
    o.col_task = data[0] & 0x10 ? "task" : NULL;
    o.time_unit = data[0] & 0x20 ? 0.0 : units[(data[0] >> 6) & 3];
    o.path = fuzz_file("trace", data + 1, size - 1);
    diag_init(&d, fuzz_null());
    if (trace_open(&o, TRACE_WARN, &d, &r))
        return 0;
    trace_stats_init(&s);
    s.clock0 = trace_clock_origin(r);
    for (pass = 0; pass < 2 && rc <= 1; pass++) {
        while ((rc = trace_next(r, &rec)) == 0 && pass == 0)
            if (trace_stats_add(&s, &rec))
                break;
        if (rc == 1 && pass == 0)
            rc = trace_rewind(r);
    }
    trace_stats_finish(&s);
    trace_stats_exposure(&s, e, de);
    trace_stats_quantile(&s.in, s.n, 0.99);
    trace_stats_dispersion(&s.win[TRACE_WIN_MINUTE]);
    trace_stats_fini(&s);
    trace_close(r);
    return 0;
}
