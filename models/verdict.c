#include "models/verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/report.h"
#include "sim/cfg.h"
#include "sim/units.h"

double verdict_parse_time_of_day(const char *text)
{
    int h, m, len = 0;

    if (!text || sscanf(text, "%2d:%2d%n", &h, &m, &len) != 2 ||
        text[len] != '\0' || h < 0 || h > 23 || m < 0 || m > 59)
        return -1.0;
    return h * UNITS_HOUR + m * UNITS_MINUTE;
}

/* max_failed: a plain share (0.001) or a percentage ("0.1%"). */
static int verdict_parse_share(const struct cfg_node *node, double *out,
                               struct diag *d)
{
    const struct cfg_node *n = cfg_get(node, "max_failed");
    char *end = NULL;
    double v;

    if (!n)
        return 0;
    if (n->kind != CFG_SCALAR) {
        diag_error(d, &n->pos, "'slo.max_failed' must be a share such as "
                               "0.001 or 0.1%%");
        return -1;
    }
    v = strtod(n->scalar, &end);
    if (end && *end == '%' && end[1] == '\0')
        v /= 100.0;
    else if (!end || *end != '\0')
        v = (double)NAN;
    if (!(v >= 0.0 && v <= 1.0)) {
        diag_error(d, &n->pos, "'slo.max_failed' must be a share in [0, 1] "
                               "such as 0.001 or 0.1%%, got '%s'", n->scalar);
        return -1;
    }
    *out = v;
    return 0;
}

int verdict_parse_slo(const struct cfg_node *node, struct scenario_slo *out,
                      struct diag *d)
{
    static const char *const keys[] = {"ttft_p99", "e2e_p99", "tpot_p99",
                                       "max_failed", "deadline"};
    const struct cfg_node *dl;
    int bad = 0;

    memset(out, 0, sizeof *out);
    out->max_failed = VERDICT_DEFAULT_MAX_FAILED;
    out->deadline = -1.0;
    if (!node)
        return 0;
    if (cfg_expect(node, CFG_MAP, "slo", d) != 0)
        return -1;
    out->set = 1;
    bad |= cfg_check_keys(node, "slo", keys, 5, d) != 0;
    bad |= cfg_get_duration(node, "ttft_p99", "slo", CFG_POSITIVE,
                            &out->ttft_p99, d) < 0;
    bad |= cfg_get_duration(node, "e2e_p99", "slo", CFG_POSITIVE,
                            &out->e2e_p99, d) < 0;
    bad |= cfg_get_duration(node, "tpot_p99", "slo", CFG_POSITIVE,
                            &out->tpot_p99, d) < 0;
    bad |= verdict_parse_share(node, &out->max_failed, d) < 0;
    dl = cfg_get(node, "deadline");
    if (dl) {
        out->deadline = dl->kind == CFG_SCALAR
                            ? verdict_parse_time_of_day(dl->scalar)
                            : -1.0;
        if (out->deadline < 0) {
            diag_error(d, &dl->pos, "'slo.deadline' must be a time of day "
                                    "HH:MM such as 06:00, got '%s'",
                       dl->kind == CFG_SCALAR ? dl->scalar : "(not a scalar)");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static void verdict_add_target(struct verdict *v, const struct run_result *res,
                               size_t n, const char *key, const char *name,
                               enum run_metric m, double target)
{
    struct verdict_target *t = &v->target[v->ntargets++];
    struct report_stat st;

    report_latency(res, n, -1, m, &st);
    t->key = key;
    t->name = name;
    t->metric = m;
    t->target = target;
    t->p99 = st.p99;
    t->p99_low = st.p99 - st.p99_hw;
    t->p99_high = st.p99 + st.p99_hw;
    t->samples = st.n;
    t->met = st.n > 0 && st.p99 <= target;
    t->undecided = st.n > 0 && fabs(st.p99 - target) <= st.p99_hw;
    if (!t->met)
        v->failed_by |= VERDICT_LATENCY;
}

/* The deadline of a day's burst: the first HH:MM at or after its first
 * arrival, so a batch that starts at 22:00 is due the next morning. */
static double verdict_due(double first_arrival, double deadline)
{
    double day0 = floor(first_arrival / UNITS_DAY) * UNITS_DAY;
    double due = day0 + deadline;

    return due < first_arrival ? due + UNITS_DAY : due;
}

/* Days late, over every replication: a burst late when its last request
 * finished after its due time, or is unfinished while the clock passed
 * that time. */
static void verdict_deadline(const struct run_result *res, size_t n,
                             struct verdict *v)
{
    size_t i, k;

    for (i = 0; i < n; i++)
        for (k = 0; k < res[i].ndays; k++) {
            const struct run_day *dy = &res[i].day[k];
            double due;
            if (!dy->arrived)
                continue;
            due = verdict_due(dy->first_arrival, v->deadline);
            v->days++;
            if (dy->done < dy->arrived ? res[i].t_end > due
                                       : dy->last_done > due)
                v->days_late++;
        }
    if (v->days_late)
        v->failed_by |= VERDICT_DEADLINE;
}

void verdict_compute(const struct scenario *sc, const struct run_result *res,
                     size_t n, struct verdict *out)
{
    const struct scenario_slo *slo = &sc->slo;
    double arrived = 0.0, bad = 0.0;
    size_t i;

    memset(out, 0, sizeof *out);
    out->has_slo = slo->set || slo->ttft_p99 > 0 || slo->e2e_p99 > 0 ||
                   slo->tpot_p99 > 0;
    if (!out->has_slo || n == 0)
        return;
    if (slo->ttft_p99 > 0)
        verdict_add_target(out, res, n, "ttft_p99", "TTFT", RUN_TTFT,
                           slo->ttft_p99);
    if (slo->e2e_p99 > 0)
        verdict_add_target(out, res, n, "e2e_p99", "e2e", RUN_E2E,
                           slo->e2e_p99);
    if (slo->tpot_p99 > 0)
        verdict_add_target(out, res, n, "tpot_p99", "TPOT", RUN_TPOT,
                           slo->tpot_p99);
    for (i = 0; i < n; i++) {
        arrived += (double)res[i].arrived;
        bad += (double)(res[i].failed + res[i].rejected);
    }
    out->failed_share = arrived > 0 ? bad / arrived : 0.0;
    out->max_failed = slo->max_failed;
    if (out->failed_share > out->max_failed)
        out->failed_by |= VERDICT_FAILURES;
    run_stability(res, n, &out->stability);
    if (!out->stability.stable)
        out->failed_by |= VERDICT_UNSTABLE;
    out->has_deadline = slo->deadline >= 0;
    out->deadline = slo->deadline;
    if (out->has_deadline)
        verdict_deadline(res, n, out);
    out->met = out->failed_by == 0;
}

/* Appends printf-style text at *o within buf[0..size). */
static void verdict_cat(char *buf, size_t size, size_t *o, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static void verdict_cat(char *buf, size_t size, size_t *o, const char *fmt,
                        ...)
{
    va_list ap;
    int k;

    if (*o >= size)
        return;
    va_start(ap, fmt);
    k = vsnprintf(buf + *o, size - *o, fmt, ap);
    va_end(ap);
    if (k > 0)
        *o += (size_t)k < size - *o ? (size_t)k : size - *o - 1;
}

const char *verdict_describe(const struct verdict *v, char *buf, size_t size)
{
    char a[32], b[32];
    const char *sep = ": ";
    size_t i, o = 0;

    if (!v->has_slo) {
        snprintf(buf, size, "no SLO stated");
        return buf;
    }
    verdict_cat(buf, size, &o, "%s", v->met ? "SLO met" : "SLO NOT met");
    if (v->failed_by & VERDICT_UNSTABLE) {
        verdict_cat(buf, size, &o, "%sthe run is unstable (the queue grew "
                                   "by %.0f requests)",
                    sep, v->stability.backlog_growth);
        sep = "; ";
    }
    if (v->failed_by & VERDICT_FAILURES) {
        verdict_cat(buf, size, &o, "%s%.3g%% of requests failed or were "
                                   "rejected (allowed %.3g%%)",
                    sep, 100.0 * v->failed_share, 100.0 * v->max_failed);
        sep = "; ";
    }
    for (i = 0; i < v->ntargets; i++) {
        const struct verdict_target *t = &v->target[i];
        if (t->met)
            continue;
        if (t->samples == 0)
            verdict_cat(buf, size, &o, "%sP99 %s n/a (no samples)", sep,
                        t->name);
        else
            verdict_cat(buf, size, &o, "%sP99 %s %s > %s", sep, t->name,
                        report_fmt_time(t->p99, a, sizeof a),
                        report_fmt_time(t->target, b, sizeof b));
        sep = "; ";
    }
    if (v->failed_by & VERDICT_DEADLINE)
        verdict_cat(buf, size, &o, "%s%zu of %zu daily bursts finished after "
                                   "the %02d:%02d deadline",
                    sep, v->days_late, v->days, (int)(v->deadline / 3600),
                    (int)fmod(v->deadline / 60, 60));
    return buf;
}
