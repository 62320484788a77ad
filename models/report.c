#include "models/report.h"

#include <math.h>
#include <string.h>

#include "models/accuracy.h"
#include "models/api.h"
#include "models/verdict.h"
#include "sim/mem.h"
#include "sim/out.h"
#include "sim/units.h"

#define REPORT_LEVEL 0.95
#define REPORT_MAX_REPS SCENARIO_MAX_REPLICATIONS

static const struct metric *report_metric(const struct run_result *r, int b,
                                          enum run_metric m)
{
    return b < 0 ? &r->overall[m] : &r->backend[b].lat[m];
}

static void report_floor_hw(double value, double *hw)
{
    double floor = QHIST_REL_ERR * fabs(value);

    if (*hw < floor)
        *hw = floor;
}

/* Replications with no samples of the metric are left out of its CI. */
void report_latency(const struct run_result *res, size_t n, int b,
                    enum run_metric m, struct report_stat *out)
{
    double v[5][REPORT_MAX_REPS];
    size_t i, k = 0;

    memset(out, 0, sizeof *out);
    for (i = 0; i < n; i++) {
        const struct metric *mt = report_metric(&res[i], b, m);
        if (mt->w.n == 0)
            continue;
        v[0][k] = mt->w.mean;
        v[1][k] = qhist_quantile(mt->h, 0.50);
        v[2][k] = qhist_quantile(mt->h, 0.95);
        v[3][k] = qhist_quantile(mt->h, 0.99);
        if (mt->w.max > out->max || out->n == 0)
            out->max = mt->w.max;
        out->n += mt->w.n;
        k++;
    }
    if (k == 0)
        return;
    stats_ci_t(v[0], k, REPORT_LEVEL, &out->mean, &out->mean_hw);
    stats_ci_t(v[1], k, REPORT_LEVEL, &out->p50, &out->p50_hw);
    stats_ci_t(v[2], k, REPORT_LEVEL, &out->p95, &out->p95_hw);
    stats_ci_t(v[3], k, REPORT_LEVEL, &out->p99, &out->p99_hw);
    /* A percentile is only known to the histogram's resolution: when every
     * replication lands in one bucket the t interval collapses to 0, which
     * would claim more than we know. */
    report_floor_hw(out->p50, &out->p50_hw);
    report_floor_hw(out->p95, &out->p95_hw);
    report_floor_hw(out->p99, &out->p99_hw);
}

int report_figure(const struct run_result *res, size_t n, int b,
                  const char *key, double *mean, double *hw)
{
    double v[REPORT_MAX_REPS];
    size_t i, j, k = 0;

    for (i = 0; i < n; i++) {
        const struct backend_figures *fig = &res[i].backend[b].fig;
        for (j = 0; j < fig->n; j++) {
            if (strcmp(fig->f[j].key, key) == 0) {
                v[k++] = fig->f[j].value;
                break;
            }
        }
    }
    if (k == 0)
        return -1;
    stats_ci_t(v, k, REPORT_LEVEL, mean, hw);
    return 0;
}

/* The most frequent answer wins; a tie goes to the earliest replication. */
const char *report_binding(const struct run_result *res, size_t n, int b)
{
    const char *best = NULL;
    size_t i, j, votes, best_votes = 0;

    for (i = 0; i < n; i++) {
        const char *w = res[i].backend[b].binding;
        if (!w)
            continue;
        for (votes = 0, j = i; j < n; j++)
            votes += res[j].backend[b].binding &&
                     !strcmp(res[j].backend[b].binding, w);
        if (votes > best_votes) {
            best = w;
            best_votes = votes;
        }
    }
    return best;
}

/* Across replications of a per-replication count. */
static void report_count(const struct run_result *res, size_t n,
                         size_t offset_b, int b, double *mean, double *hw)
{
    /* Zeroed: under -O3 -flto GCC cannot see that stats_ci_t reads only
     * the n values written, and -Werror=maybe-uninitialized stops it. */
    double v[REPORT_MAX_REPS] = {0.0};
    size_t i;

    for (i = 0; i < n; i++) {
        const char *base = b < 0 ? (const char *)&res[i]
                                 : (const char *)&res[i].backend[b];
        uint64_t c;
        memcpy(&c, base + offset_b, sizeof c);
        v[i] = (double)c;
    }
    stats_ci_t(v, n, REPORT_LEVEL, mean, hw);
}

#define REPORT_COUNT(res, n, b, type, field, mean, hw)                        \
    report_count(res, n, offsetof(type, field), b, mean, hw)

/* Across replications of a per-task figure: requests (which 0), input or
 * output token sums (1, 2), or tokens per request (3, 4). */
static void report_task(const struct run_result *res, size_t n, size_t t,
                        int which, double *mean, double *hw)
{
    double v[REPORT_MAX_REPS];
    size_t i;

    for (i = 0; i < n; i++) {
        const struct run_task *rt = &res[i].task[t];
        double req = (double)rt->arrived;
        double tok = which == 1 || which == 3 ? rt->tokens_in : rt->tokens_out;
        v[i] = which == 0 ? req : which <= 2 ? tok : req > 0 ? tok / req : 0;
    }
    stats_ci_t(v, n, REPORT_LEVEL, mean, hw);
}

/* Where a task's token counts come from, in words. */
static const char *report_tokens_from(const struct task_spec *t, int input,
                                      char *buf, size_t size)
{
    if (input ? t->input_from_trace : t->output_from_trace)
        return "from the trace";
    return dist_describe(input ? &t->input_tokens : &t->output_tokens,
                         DIST_COUNT, buf, size);
}

/* ---- routing and accuracy ---- */

static int report_few_shot(const struct scenario *sc)
{
    int a = sc->routing.api;

    if (a < 0 || sc->backends[a].kind != &api_kind)
        return 0;
    return ((const struct api_cfg *)sc->backends[a].cfg)->prompting ==
           API_FEW_SHOT;
}

/* Accuracy of task t's local answers that were kept: the local model's,
 * raised by escalating the least confident share of them (the share the
 * run escalated; models/accuracy.h). */
static double report_kept_accuracy(const struct scenario *sc,
                                   const struct run_result *res, size_t n,
                                   size_t t)
{
    double esc = 0.0, kept = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        esc += (double)res[i].task[t].escalated;
        kept += (double)res[i].task[t].answered[ROUTER_LOCAL];
    }
    return accuracy_kept(accuracy_task_local(&sc->workload.tasks[t]),
                         esc + kept > 0 ? esc / (esc + kept) : 0.0,
                         router_fallback_auc(&sc->routing, (int)t));
}

/* Blended accuracy of task t over res[0..n) (NaN when unknown); *answered
 * gets its share answered by side (2 entries). */
static double report_task_accuracy(const struct scenario *sc,
                            const struct run_result *res, size_t n, size_t t,
                            int few_shot, double *answered)
{
    const struct task_spec *ts = &sc->workload.tasks[t];
    double acc[ROUTER_NSIDES];
    size_t i;

    answered[ROUTER_LOCAL] = answered[ROUTER_API] = 0.0;
    for (i = 0; i < n; i++) {
        answered[ROUTER_LOCAL] += (double)res[i].task[t].answered[ROUTER_LOCAL];
        answered[ROUTER_API] += (double)res[i].task[t].answered[ROUTER_API];
    }
    acc[ROUTER_LOCAL] = report_kept_accuracy(sc, res, n, t);
    acc[ROUTER_API] = accuracy_task_api(ts, few_shot);
    return accuracy_blend(ROUTER_NSIDES, answered, acc, NULL);
}

/* The blend over every task and side, and the all-local / all-API
 * references on the same answered mix. */
static void report_accuracy(const struct scenario *sc,
                            const struct run_result *res, size_t n,
                            struct report_routing *out)
{
    double cnt[2 * WORKLOAD_MAX_TASKS], acc[2 * WORKLOAD_MAX_TASKS];
    double all[WORKLOAD_MAX_TASKS], loc[WORKLOAD_MAX_TASKS];
    double api[WORKLOAD_MAX_TASKS];
    size_t t, nt = sc->workload.ntasks;

    for (t = 0; t < nt; t++) {
        const struct task_spec *ts = &sc->workload.tasks[t];
        report_task_accuracy(sc, res, n, t, out->few_shot, &cnt[2 * t]);
        loc[t] = accuracy_task_local(ts);
        acc[2 * t] = report_kept_accuracy(sc, res, n, t);
        api[t] = acc[2 * t + 1] = accuracy_task_api(ts, out->few_shot);
        all[t] = cnt[2 * t] + cnt[2 * t + 1];
    }
    out->accuracy = accuracy_blend(2 * nt, cnt, acc, &out->accuracy_coverage);
    out->accuracy_all_local = accuracy_blend(nt, all, loc, NULL);
    out->accuracy_all_api = accuracy_blend(nt, all, api, NULL);
}

void report_routing(const struct scenario *sc, const struct run_result *res,
                    size_t n, struct report_routing *out)
{
    size_t i, t, k;

    memset(out, 0, sizeof *out);
    out->few_shot = report_few_shot(sc);
    for (i = 0; i < n; i++) {
        const struct run_result *r = &res[i];
        out->arrived += (double)r->arrived;
        for (k = 0; k < ROUTER_NREASONS; k++)
            out->reason[k] += (double)r->routing.reason[k];
        out->escalated += (double)r->routing.escalated;
        out->validator_rejected += (double)r->routing.validator_rejected;
        out->validator_failed += (double)r->routing.validator_failed;
        for (t = 0; t < r->ntasks; t++)
            for (k = 0; k < ROUTER_NSIDES; k++) {
                out->routed[k] += (double)r->task[t].routed[k];
                out->answered[k] += (double)r->task[t].answered[k];
            }
    }
    report_accuracy(sc, res, n, out);
    if (!(out->arrived > 0.0))
        return;
    for (k = 0; k < ROUTER_NREASONS; k++)
        out->reason[k] /= out->arrived;
    for (k = 0; k < ROUTER_NSIDES; k++) {
        out->routed[k] /= out->arrived;
        out->answered[k] /= out->arrived;
    }
    out->escalated /= out->arrived;
    out->validator_rejected /= out->arrived;
    out->validator_failed /= out->arrived;
}

/* ---- text ---- */

const char *report_fmt_time(double s, char *buf, size_t size)
{
    double a = fabs(s);

    if (!isfinite(s))
        snprintf(buf, size, "n/a");
    else if (a == 0.0)
        snprintf(buf, size, "0");
    else if (a < 1e-3)
        snprintf(buf, size, "%.3g us", s * 1e6);
    else if (a < 1.0)
        snprintf(buf, size, "%.3g ms", s * 1e3);
    else if (a < 600.0)
        snprintf(buf, size, "%.4g s", s);
    else if (a < 2.0 * UNITS_HOUR)
        snprintf(buf, size, "%.4g min", s / UNITS_MINUTE);
    else if (a < 2.0 * UNITS_DAY)
        snprintf(buf, size, "%.4g h", s / UNITS_HOUR);
    else
        snprintf(buf, size, "%.4g d", s / UNITS_DAY);
    return buf;
}

static void report_text_stat(FILE *f, const char *name,
                             const struct report_stat *st)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32];

    if (st->n == 0) {
        fprintf(f, "  %-5s %10s\n", name, "n/a (no samples)");
        return;
    }
    fprintf(f, "  %-5s %10s ±%-9s %10s %10s %10s ±%-9s %10s\n", name,
            report_fmt_time(st->mean, a, sizeof a),
            report_fmt_time(st->mean_hw, b, sizeof b),
            report_fmt_time(st->p50, c, sizeof c),
            report_fmt_time(st->p95, d, sizeof d),
            report_fmt_time(st->p99, e, sizeof e),
            report_fmt_time(st->p99_hw, g, sizeof g),
            report_fmt_time(st->max, h, sizeof h));
}

/* Whether backend b (b < 0: any) reports TTFT and TPOT. */
static int report_has_tokens(const struct scenario *sc, int b)
{
    size_t k;

    if (b >= 0)
        return sc->backends[b].kind->has_tokens;
    for (k = 0; k < sc->nbackends; k++)
        if (sc->backends[k].kind->has_tokens)
            return 1;
    return 0;
}

static void report_text_latency_table(FILE *f, const struct scenario *sc,
                                      const struct run_result *res, size_t n,
                                      int b)
{
    int m;

    fprintf(f, "  %-5s %10s  %-9s %10s %10s %10s  %-9s %10s\n", "", "mean",
            "(95% CI)", "p50", "p95", "p99", "(95% CI)", "max");
    uint64_t fewest = UINT64_MAX;

    for (m = 0; m < RUN_NMETRICS; m++) {
        struct report_stat st;
        if ((m == RUN_TTFT || m == RUN_TPOT) && !report_has_tokens(sc, b))
            continue;
        report_latency(res, n, b, (enum run_metric)m, &st);
        report_text_stat(f, run_metric_names[m], &st);
        if (st.n > 0 && st.n < fewest)
            fewest = st.n;
    }
    if (fewest < stats_quantile_min_samples(0.99))
        fprintf(f, "  note: a P99 here rests on %llu samples (fewer than the "
                   "%llu = 100/(1-0.99) a steady figure needs): read it as "
                   "a rough value; a longer horizon gives more\n",
                (unsigned long long)fewest,
                (unsigned long long)stats_quantile_min_samples(0.99));
}

static void report_text_workload(FILE *f, const struct scenario *sc)
{
    const struct workload_spec *w = &sc->workload;
    const struct arrivals_trace *tr = &w->arrivals.trace;
    char in[160], out[160];
    size_t t;

    for (t = 0; t < w->ntasks; t++)
        fprintf(f, "  task %s (share %.3g): input tokens %s, output tokens "
                   "%s\n",
                w->tasks[t].type, w->tasks[t].share,
                report_tokens_from(&w->tasks[t], 1, in, sizeof in),
                report_tokens_from(&w->tasks[t], 0, out, sizeof out));
    if (w->arrivals.process == ARRIVALS_TRACE)
        fprintf(f, "  trace: %llu requests per pass, %llu bad rows skipped, "
                   "%llu logged failures not replayed\n",
                (unsigned long long)tr->rows,
                (unsigned long long)tr->skipped,
                (unsigned long long)tr->failed);
}

static void report_text_realised(FILE *f, const struct scenario *sc,
                                 const struct run_result *res, size_t n)
{
    double a, hw, in, out;
    size_t t, i, ended = 0;

    REPORT_COUNT(res, n, -1, struct run_result, arrived, &a, &hw);
    {
        char vol[32];
        fprintf(f, "realised volume %s/month (%.4g/s)\n",
                units_format_volume(a / res[0].window * UNITS_MONTH, vol,
                                    sizeof vol),
                a / res[0].window);
    }
    for (t = 0; t < sc->workload.ntasks; t++) {
        report_task(res, n, t, 0, &a, &hw);
        report_task(res, n, t, 3, &in, &hw);
        report_task(res, n, t, 4, &out, &hw);
        fprintf(f, "  %s: %.0f requests, mean %.4g input and %.4g output "
                   "tokens\n",
                sc->workload.tasks[t].type, a, in, out);
    }
    for (i = 0; i < n; i++)
        ended += res[i].arrivals_ended != 0;
    if (ended)
        fprintf(f, "  the trace ended before the horizon (last arrival at "
                   "%.4g s) in %zu of %zu replications\n",
                res[0].last_arrival, ended, n);
}

/* Figure key of backend b, mean across replications; NaN when absent. */
static double report_fig(const struct run_result *res, size_t n, int b,
                         const char *key)
{
    double m, hw;

    return report_figure(res, n, b, key, &m, &hw) == 0 ? m : (double)NAN;
}

/* Rate limits, retries, outages and the bill, for backends that have
 * them (kind api). */
static void report_text_api(FILE *f, const struct run_result *res, size_t n,
                            int b)
{
    double fl, hw;
    char m1[32], m2[32];

    if (isnan(report_fig(res, n, b, "rate_limited")))
        return;
    REPORT_COUNT(res, n, b, struct run_backend, failed, &fl, &hw);
    fprintf(f,
            "  attempts %.0f, rate-limited (429) %.0f, server errors (5xx) "
            "%.0f, retries %.0f, failed %.0f\n",
            report_fig(res, n, b, "attempts"),
            report_fig(res, n, b, "rate_limited"),
            report_fig(res, n, b, "server_errors"),
            report_fig(res, n, b, "retries"), fl);
    {
        double rj, rjhw, av = report_fig(res, n, b, "availability");
        char dt[32];
        REPORT_COUNT(res, n, b, struct run_backend, rejected, &rj, &rjhw);
        fprintf(f, "  rejected %.0f; availability seen %.5f, outages begun "
                   "%.2f, downtime %s\n",
                rj, av, report_fig(res, n, b, "outages"),
                report_fmt_time((1.0 - av) * res[0].window, dt, sizeof dt));
    }
    fprintf(f,
            "  billed %.0f requests, %.4g M input + %.4g M output tokens: "
            "%s per replication, %s per month\n",
            report_fig(res, n, b, "billed.requests"),
            report_fig(res, n, b, "billed.input_tokens") / 1e6,
            report_fig(res, n, b, "billed.output_tokens") / 1e6,
            units_format_money(report_fig(res, n, b, "billed.dollars"), m1,
                               sizeof m1),
            units_format_money(
                report_fig(res, n, b, "billed.dollars_per_month"), m2,
                sizeof m2));
}

/* Task t's arrivals, first choices (local, api) and escalations, summed
 * over the replications. */
static void report_task_counts(const struct run_result *res, size_t n,
                               size_t t, double *arrived, double *local,
                               double *api, double *escalated)
{
    size_t i;

    *arrived = *local = *api = *escalated = 0.0;
    for (i = 0; i < n; i++) {
        *arrived += (double)res[i].task[t].arrived;
        *local += (double)res[i].task[t].routed[ROUTER_LOCAL];
        *api += (double)res[i].task[t].routed[ROUTER_API];
        *escalated += (double)res[i].task[t].escalated;
    }
}

static void report_text_tasks(FILE *f, const struct scenario *sc,
                              const struct run_result *res, size_t n,
                              const struct report_routing *rr)
{
    size_t t;

    fprintf(f, "  %-32s %8s %8s %8s %9s %9s\n", "task", "arrived", "local",
            "api", "escalated", "accuracy");
    for (t = 0; t < sc->workload.ntasks; t++) {
        double a, l, p, e, ans[ROUTER_NSIDES];
        double acc = report_task_accuracy(sc, res, n, t, rr->few_shot, ans);
        char accs[16];
        report_task_counts(res, n, t, &a, &l, &p, &e);
        if (isfinite(acc))
            snprintf(accs, sizeof accs, "%.4f", acc);
        else
            snprintf(accs, sizeof accs, "n/a");
        fprintf(f, "  %-32s %7.2f%% %7.2f%% %7.2f%% %8.2f%% %9s\n",
                sc->workload.tasks[t].type,
                rr->arrived > 0 ? 100.0 * a / rr->arrived : 0.0,
                a > 0 ? 100.0 * l / a : 0.0, a > 0 ? 100.0 * p / a : 0.0,
                l > 0 ? 100.0 * e / l : 0.0, accs);
    }
}

static void report_text_routing(FILE *f, const struct scenario *sc,
                                const struct run_result *res, size_t n)
{
    struct report_routing rr;

    report_routing(sc, res, n, &rr);
    fprintf(f, "\nrouting (shares of arrived requests)\n");
    fprintf(f,
            "  first sent: local %.2f%%, api %.2f%%; by policy %.2f%%, by "
            "task %.2f%%, by overflow %.2f%%, by failover %.2f%%\n",
            100 * rr.routed[ROUTER_LOCAL], 100 * rr.routed[ROUTER_API],
            100 * rr.reason[ROUTER_BY_POLICY], 100 * rr.reason[ROUTER_BY_TASK],
            100 * rr.reason[ROUTER_BY_OVERFLOW],
            100 * rr.reason[ROUTER_BY_FAILOVER]);
    fprintf(f,
            "  escalated to the API (fallback) %.2f%%; validator re-asked "
            "%.2f%%, failed %.2f%%\n",
            100 * rr.escalated, 100 * rr.validator_rejected,
            100 * rr.validator_failed);
    fprintf(f, "  answered: local %.2f%%, api %.2f%%\n",
            100 * rr.answered[ROUTER_LOCAL], 100 * rr.answered[ROUTER_API]);
    report_text_tasks(f, sc, res, n, &rr);
    if (isnan(rr.accuracy))
        fprintf(f, "  accuracy: no figures for these task types\n");
    else
        fprintf(f,
                "  accuracy %.4f blended over %.1f%% of answers (all local "
                "%.4f, all API %.4f; API %s)\n",
                rr.accuracy, 100 * rr.accuracy_coverage,
                rr.accuracy_all_local, rr.accuracy_all_api,
                rr.few_shot ? "few-shot" : "zero-shot");
}

/* Failures, retries and time down, for a backend that has them. */
static void report_text_failures(FILE *f, const struct run_result *res,
                                 size_t n, int b)
{
    double rj, fl, hw, rf = report_fig(res, n, b, "replica_failures");
    double down = report_fig(res, n, b, "downtime");
    char a[32];

    if (isnan(rf))
        return;
    REPORT_COUNT(res, n, b, struct run_backend, rejected, &rj, &hw);
    REPORT_COUNT(res, n, b, struct run_backend, failed, &fl, &hw);
    fprintf(f, "  rejected %.0f, failed %.0f, replica_failures %.0f, "
               "retries %.0f, downtime %s (replica-time down in the "
               "window)\n",
            rj, fl, rf, report_fig(res, n, b, "retries"),
            isnan(down) ? "n/a" : report_fmt_time(down, a, sizeof a));
}

/* The prefix cache's hit rate (gpu backends with one): lookups are
 * admissions (a preempted request looks up again), a hit is one that
 * skipped at least one block of its prefill. */
static void report_text_prefix(FILE *f, const struct run_result *res,
                               size_t n, int b)
{
    double lookups = report_fig(res, n, b, "prefix.lookups");

    if (isnan(lookups))
        return;
    fprintf(f, "  prefix cache (%s): %.4g lookups, hit rate %.4f, %.4g "
               "prompt tokens served from cache (%.2f%% of %.4g)\n",
            report_fig(res, n, b, "prefix.by_hash") > 0 ? "by block hash"
                                                        : "declared prefix",
            lookups, report_fig(res, n, b, "prefix.hit_rate"),
            report_fig(res, n, b, "prefix.tokens_saved"),
            100.0 * report_fig(res, n, b, "prefix.token_share"),
            report_fig(res, n, b, "prefix.prompt_tokens"));
}

static void report_text_backend(FILE *f, const struct scenario *sc,
                                const struct run_result *res, size_t n,
                                int b)
{
    char desc[512];
    double c, chw, u, uhw, v, vhw;

    sc->backends[b].kind->describe(sc->backends[b].cfg, desc, sizeof desc);
    fprintf(f, "\nbackend %s: %s\n", sc->backends[b].name, desc);
    REPORT_COUNT(res, n, b, struct run_backend, completed, &c, &chw);
    REPORT_COUNT(res, n, b, struct run_backend, served, &v, &vhw);
    fprintf(f, "  served %.4g/s (every completion in the window); "
               "completed %.0f of the window's arrivals per replication "
               "(%.4g/s)",
            v / res[0].window, c, c / res[0].window);
    if (report_figure(res, n, b, "utilization", &u, &uhw) == 0)
        fprintf(f, ", utilization %.4f ± %.4f", u, uhw);
    if (report_binding(res, n, b))
        fprintf(f, ", bound by %s", report_binding(res, n, b));
    fputc('\n', f);
    report_text_failures(f, res, n, b);
    report_text_prefix(f, res, n, b);
    report_text_api(f, res, n, b);
    report_text_latency_table(f, sc, res, n, b);
}

/* Each latency target, then the verdict with every reason it fails
 * (models/verdict.h); "undecided" when a target lies inside its P99's
 * interval. */
static void report_text_slo(FILE *f, const struct scenario *sc,
                            const struct run_result *res, size_t n)
{
    struct verdict v;
    char a[32], b[32], c[32], line[1024];
    size_t i;

    verdict_compute(sc, res, n, &v);
    if (!v.has_slo)
        return;
    fprintf(f, "\nSLO targets:");
    for (i = 0; i < v.ntargets; i++) {
        const struct verdict_target *t = &v.target[i];
        if (t->samples == 0) {
            fprintf(f, "%s P99 %s n/a (no samples) <= %s: NOT met",
                    i ? ";" : "", t->name,
                    report_fmt_time(t->target, c, sizeof c));
            continue;
        }
        fprintf(f, "%s P99 %s %s ± %s %s %s: %s%s", i ? ";" : "", t->name,
                report_fmt_time(t->p99, a, sizeof a),
                report_fmt_time((t->p99_high - t->p99_low) / 2, b, sizeof b),
                t->met ? "<=" : ">", report_fmt_time(t->target, c, sizeof c),
                t->met ? "met" : "NOT met",
                t->undecided ? " (within the interval: undecided)" : "");
    }
    fprintf(f, "%s failed or rejected %.3g%% (allowed %.3g%%)",
            v.ntargets ? ";" : "", 100.0 * v.failed_share,
            100.0 * v.max_failed);
    if (v.has_deadline)
        fprintf(f, "; daily bursts done by %02d:%02d: %zu of %zu",
                (int)(v.deadline / 3600), (int)fmod(v.deadline / 60, 60),
                v.days - v.days_late, v.days);
    fprintf(f, "\n%s\n", verdict_describe(&v, line, sizeof line));
}

/* The stability line that opens the report of an unstable run. */
static void report_text_stability(FILE *f, const struct run_result *res,
                                  size_t n)
{
    struct run_stability st;

    run_stability(res, n, &st);
    if (st.stable)
        return;
    fprintf(f,
            "UNSTABLE: %.4g req/s offered, %.4g req/s served; the queue "
            "grew by %.0f during the run (95%% CI %.0f to %.0f); latency "
            "figures grow with the horizon and are not steady-state\n\n",
            st.offered_rate, st.served_rate, st.backlog_growth,
            st.growth_low, st.growth_high);
}

/* Per day of arrival, pooled over replications: the burst's first
 * arrival, last completion (means, s from that day's midnight) and
 * whether every replication finished it.  Returns 0 when the day had no
 * arrivals in some replication. */
static int report_day(const struct run_result *res, size_t n, size_t k,
                      double *first, double *last, double *arrived,
                      int *finished)
{
    size_t i;

    *first = *last = *arrived = 0.0;
    *finished = 1;
    for (i = 0; i < n; i++) {
        const struct run_day *d;
        if (k >= res[i].ndays || !res[i].day[k].arrived)
            return 0;
        d = &res[i].day[k];
        *first += d->first_arrival - (double)k * UNITS_DAY;
        *last += d->last_done - (double)k * UNITS_DAY;
        *arrived += (double)d->arrived;
        *finished &= d->done == d->arrived;
    }
    *first /= (double)n;
    *last /= (double)n;
    *arrived /= (double)n;
    return 1;
}

/* A workload whose daily arrivals span under 20 hours is a batch: its
 * makespan is worth a line per day. */
static int report_is_batch(const struct scenario *sc,
                           const struct run_result *res, size_t n)
{
    size_t k;

    if (sc->slo.deadline >= 0)
        return 1;
    if (n == 0 || res[0].ndays < 2)
        return 0;
    for (k = 0; k + 1 < res[0].ndays; k++)
        if (res[0].day[k].arrived &&
            res[0].day[k].last_arrival - res[0].day[k].first_arrival >
                20.0 * UNITS_HOUR)
            return 0;
    return 1;
}

/* "HH:MM" of s after midnight; past midnight as "+1d HH:MM". */
static const char *report_fmt_clock(double s, char *buf, size_t size)
{
    long m = lround(s / 60.0);

    if (m >= 24 * 60)
        snprintf(buf, size, "+%ldd %02ld:%02ld", m / (24 * 60),
                 m % (24 * 60) / 60, m % 60);
    else
        snprintf(buf, size, "%02ld:%02ld", m / 60, m % 60);
    return buf;
}

static void report_text_batch(FILE *f, const struct scenario *sc,
                              const struct run_result *res, size_t n)
{
    char a[32], b[32], c[32];
    size_t k, shown = 0;

    if (!report_is_batch(sc, res, n))
        return;
    fprintf(f, "\nbatch makespan per day (means over replications)\n");
    for (k = 0; k < res[0].ndays && shown < 60; k++) {
        double first, last, arrived;
        int fin;
        if (!report_day(res, n, k, &first, &last, &arrived, &fin))
            continue;
        shown++;
        fprintf(f, "  day %zu: %.0f requests, first %s, last done %s, "
                   "makespan %s%s\n",
                k + 1, arrived, report_fmt_clock(first, a, sizeof a),
                fin ? report_fmt_clock(last, b, sizeof b) : "not finished",
                fin ? report_fmt_time(last - first, c, sizeof c) : "n/a",
                fin ? "" : " (still running at the horizon)");
    }
}

static void report_json_batch(struct jw *w, const struct run_result *res,
                              size_t n)
{
    size_t k;

    if (n == 0)
        return;
    jw_array_begin(w, "batch_days");
    for (k = 0; k < res[0].ndays; k++) {
        double first, last, arrived;
        int fin;
        if (!report_day(res, n, k, &first, &last, &arrived, &fin))
            continue;
        jw_object_begin(w, NULL);
        jw_int(w, "day", (int64_t)k + 1);
        jw_number(w, "requests", arrived);
        jw_number(w, "first_arrival", first);
        jw_bool(w, "finished", fin);
        jw_number(w, "last_completion", fin ? last : (double)NAN);
        jw_number(w, "makespan", fin ? last - first : (double)NAN);
        jw_object_end(w);
    }
    jw_array_end(w);
}

/* The identity arrived = completed + failed + rejected + in flight,
 * exact: totals over the replications, not rounded means. */
static void report_text_counts(FILE *f, const struct run_result *res,
                               size_t n)
{
    unsigned long long a = 0, c = 0, fl = 0, rj = 0, inf = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        a += res[i].arrived;
        c += res[i].completed;
        fl += res[i].failed;
        rj += res[i].rejected;
        inf += res[i].in_flight;
    }
    fprintf(f,
            "\nrequests after warm-up, %s%zu replication%s: arrived %llu = "
            "completed %llu + failed %llu + rejected %llu + in flight at the "
            "end %llu\n",
            n == 1 ? "" : "all ", n, n == 1 ? "" : "s", a, c, fl, rj, inf);
}

void report_print_text(FILE *f, const struct scenario *sc,
                       const struct run_result *res, size_t n)
{
    report_print_text_stop(f, sc, res, n, NULL);
}

void report_print_text_stop(FILE *f, const struct scenario *sc,
                            const struct run_result *res, size_t n,
                            const struct report_stop *stop)
{
    char arr[400], hz[32], wu[32], route[256];
    size_t b;

    if (stop)
        fprintf(f, "%s after %zu of %zu replications%s%s; the figures "
                   "below are from the %zu that finished\n\n",
                stop->status == SLM_EINTR ? "INTERRUPTED" : "STOPPED",
                stop->finished, stop->planned, stop->note ? ": " : "",
                stop->note ? stop->note : "", stop->finished);
    report_text_stability(f, res, n);
    fprintf(f, "slmsim %s: scenario '%s' (%s)\n", SLMSIM_VERSION, sc->name,
            sc->path);
    fprintf(f, "  arrivals: %s\n",
            arrivals_describe(&sc->workload.arrivals, arr, sizeof arr));
    report_text_workload(f, sc);
    fprintf(f, "  horizon %s, warm-up %s, %u replication%s, seed %llu\n",
            report_fmt_time(sc->horizon, hz, sizeof hz),
            report_fmt_time(sc->warmup, wu, sizeof wu), sc->replications,
            sc->replications == 1 ? "" : "s", (unsigned long long)sc->seed);
    fprintf(f, "  routing: %s\n",
            router_describe(&sc->routing, sc->backend_names, route,
                            sizeof route));
    report_text_counts(f, res, n);
    report_text_realised(f, sc, res, n);
    for (b = 0; b < sc->nbackends; b++)
        report_text_backend(f, sc, res, n, (int)b);
    report_text_routing(f, sc, res, n);
    if (sc->nbackends > 1) {
        fprintf(f, "\noverall, as users see it\n");
        report_text_latency_table(f, sc, res, n, -1);
    }
    report_text_batch(f, sc, res, n);
    report_text_slo(f, sc, res, n);
    fprintf(f, "\n(± are 95%% confidence half-widths across replications)\n");
}

/* ---- JSON ---- */

void report_json_stat(struct jw *w, const char *key,
                             const struct report_stat *st)
{
    jw_object_begin(w, key);
    jw_int(w, "count", (int64_t)st->n);
    jw_number(w, "mean", st->mean);
    jw_number(w, "p50", st->p50);
    jw_number(w, "p95", st->p95);
    jw_number(w, "p99", st->p99);
    jw_number(w, "max", st->max);
    jw_number(w, "ci95_low", st->mean - st->mean_hw);
    jw_number(w, "ci95_high", st->mean + st->mean_hw);
    jw_number(w, "p50_ci95_low", st->p50 - st->p50_hw);
    jw_number(w, "p50_ci95_high", st->p50 + st->p50_hw);
    jw_number(w, "p95_ci95_low", st->p95 - st->p95_hw);
    jw_number(w, "p95_ci95_high", st->p95 + st->p95_hw);
    jw_number(w, "p99_ci95_low", st->p99 - st->p99_hw);
    jw_number(w, "p99_ci95_high", st->p99 + st->p99_hw);
    jw_object_end(w);
}

static void report_json_latency(struct jw *w, const struct scenario *sc,
                                const struct run_result *res, size_t n, int b)
{
    int m, tokens = b < 0;

    if (!tokens)
        tokens = sc->backends[b].kind->has_tokens;
    else
        for (m = 0; (size_t)m < sc->nbackends; m++)
            tokens |= sc->backends[m].kind->has_tokens;
    jw_object_begin(w, "latency");
    for (m = 0; m < RUN_NMETRICS; m++) {
        struct report_stat st;
        if ((m == RUN_TTFT || m == RUN_TPOT) && !tokens)
            continue;
        report_latency(res, n, b, (enum run_metric)m, &st);
        report_json_stat(w, run_metric_names[m], &st);
    }
    jw_object_end(w);
}

/* Writes "a.b.c": v as nested objects, given the previous key written at
 * this level so that runs of keys sharing a prefix stay in one object.
 * Figures come in the order the backend added them, so related keys are
 * adjacent; keys here have at most three parts. */
static void report_json_figures(struct jw *w, const struct run_result *res,
                                size_t n, int b)
{
    const struct backend_figures *fig = &res[0].backend[b].fig;
    char open[2][64] = {"", ""};
    int depth = 0;
    size_t i;

    for (i = 0; i < fig->n; i++) {
        char parts[3][64] = {"", "", ""};
        int np = sscanf(fig->f[i].key, "%63[^.].%63[^.].%63s", parts[0],
                        parts[1], parts[2]);
        double mean, hw;
        int k;

        /* Keys report_json_backend wrote itself: a backend's figure of the
         * same name (the gpu's "rejected") would make a duplicate key. */
        if (np < 1 || !strcmp(fig->f[i].key, "utilization") ||
            !strcmp(fig->f[i].key, "rejected") ||
            !strcmp(fig->f[i].key, "failed") ||
            !strcmp(fig->f[i].key, "requests") ||
            !strcmp(fig->f[i].key, "throughput"))
            continue;
        /* close levels that no longer match */
        for (k = 0; k < depth; k++)
            if (k >= np - 1 || strcmp(open[k], parts[k]))
                break;
        while (depth > k) {
            jw_object_end(w);
            depth--;
        }
        while (depth < np - 1) {
            jw_object_begin(w, parts[depth]);
            snprintf(open[depth], sizeof open[depth], "%s", parts[depth]);
            depth++;
        }
        report_figure(res, n, b, fig->f[i].key, &mean, &hw);
        jw_number(w, parts[np - 1], mean);
    }
    while (depth-- > 0)
        jw_object_end(w);
}

/* Kind-specific members (time series), from the first replication that
 * kept them. */
static void report_json_extras(struct jw *w, const struct run_result *res,
                               size_t n, int b)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct run_backend *rb = &res[i].backend[b];
        if (rb->extras && rb->extras_kind->write_json) {
            rb->extras_kind->write_json(rb->extras, w);
            return;
        }
    }
}

static void report_json_backend(struct jw *w, const struct scenario *sc,
                                const struct run_result *res, size_t n, int b)
{
    char desc[512];
    double c, hw, u, uhw, v, vhw;

    jw_object_begin(w, sc->backends[b].name);
    jw_string(w, "kind", sc->backends[b].kind->name);
    jw_string(w, "description",
              sc->backends[b].kind->describe(sc->backends[b].cfg, desc,
                                             sizeof desc));
    REPORT_COUNT(res, n, b, struct run_backend, completed, &c, &hw);
    jw_number(w, "requests", c);
    REPORT_COUNT(res, n, b, struct run_backend, failed, &v, &vhw);
    jw_number(w, "failed", v);
    REPORT_COUNT(res, n, b, struct run_backend, rejected, &v, &vhw);
    jw_number(w, "rejected", v);
    if (report_figure(res, n, b, "utilization", &u, &uhw) == 0) {
        jw_number(w, "utilization", u);
        jw_number(w, "utilization_ci95_low", u - uhw);
        jw_number(w, "utilization_ci95_high", u + uhw);
    }
    REPORT_COUNT(res, n, b, struct run_backend, served, &v, &vhw);
    jw_number(w, "throughput", v / res[0].window);
    jw_number(w, "throughput_cohort", c / res[0].window);
    if (report_binding(res, n, b))
        jw_string(w, "binding_constraint", report_binding(res, n, b));
    report_json_latency(w, sc, res, n, b);
    report_json_figures(w, res, n, b);
    report_json_extras(w, res, n, b);
    jw_object_end(w);
}

static void report_json_requests(struct jw *w, const struct run_result *res,
                                 size_t n)
{
    double v, hw;

    jw_object_begin(w, "requests");
    jw_string(w, "per", "replication, measurement window");
    REPORT_COUNT(res, n, -1, struct run_result, arrived, &v, &hw);
    jw_number(w, "arrived", v);
    REPORT_COUNT(res, n, -1, struct run_result, completed, &v, &hw);
    jw_number(w, "completed", v);
    REPORT_COUNT(res, n, -1, struct run_result, failed, &v, &hw);
    jw_number(w, "failed", v);
    REPORT_COUNT(res, n, -1, struct run_result, rejected, &v, &hw);
    jw_number(w, "rejected", v);
    REPORT_COUNT(res, n, -1, struct run_result, in_flight, &v, &hw);
    jw_number(w, "in_flight_at_end", v);
    jw_object_end(w);
}

static void report_json_arrivals(struct jw *w, const struct scenario *sc)
{
    const struct arrivals_spec *a = &sc->workload.arrivals;
    const struct arrivals_trace *tr = &a->trace;
    char buf[400];

    jw_object_begin(w, "arrivals");
    jw_string(w, "process", arrivals_process_names[a->process]);
    jw_string(w, "description", arrivals_describe(a, buf, sizeof buf));
    jw_number(w, "rate", arrivals_mean_rate(a));
    jw_number(w, "volume_per_month", arrivals_mean_rate(a) * UNITS_MONTH);
    if (a->process == ARRIVALS_TRACE) {
        jw_object_begin(w, "trace");
        jw_string(w, "path", tr->path);
        jw_string(w, "format", trace_format_names[tr->opts.format]);
        jw_int(w, "requests_per_pass", (int64_t)tr->rows);
        jw_int(w, "skipped_rows", (int64_t)tr->skipped);
        jw_int(w, "failed_rows", (int64_t)tr->failed);
        jw_number(w, "speedup", tr->speedup);
        jw_number(w, "pass_duration", tr->period / tr->speedup);
        jw_bool(w, "loop", tr->loop);
        jw_object_end(w);
    }
    jw_object_end(w);
}

/* workload: the process as parsed, what was realised, and by task. */
static void report_json_workload(struct jw *w, const struct scenario *sc,
                                 const struct run_result *res, size_t n)
{
    const struct workload_spec *wl = &sc->workload;
    double v, hw;
    size_t t;

    jw_object_begin(w, "workload");
    report_json_arrivals(w, sc);
    REPORT_COUNT(res, n, -1, struct run_result, arrived, &v, &hw);
    jw_number(w, "realised_rate", v / res[0].window);
    jw_number(w, "realised_volume_per_month", v / res[0].window * UNITS_MONTH);
    jw_number(w, "realised_volume_per_month_ci95_low",
              (v - hw) / res[0].window * UNITS_MONTH);
    jw_number(w, "realised_volume_per_month_ci95_high",
              (v + hw) / res[0].window * UNITS_MONTH);
    jw_object_begin(w, "by_task");
    for (t = 0; t < wl->ntasks; t++) {
        jw_object_begin(w, wl->tasks[t].type);
        jw_number(w, "share", wl->tasks[t].share);
        report_task(res, n, t, 0, &v, &hw);
        jw_number(w, "requests", v);
        report_task(res, n, t, 1, &v, &hw);
        jw_number(w, "input_tokens", v);
        report_task(res, n, t, 2, &v, &hw);
        jw_number(w, "output_tokens", v);
        report_task(res, n, t, 3, &v, &hw);
        jw_number(w, "input_tokens_mean", v);
        report_task(res, n, t, 4, &v, &hw);
        jw_number(w, "output_tokens_mean", v);
        jw_string(w, "tokens_from",
                  wl->tasks[t].input_from_trace ? "trace" : "distribution");
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_object_end(w);
}

static void report_json_tasks(struct jw *w, const struct scenario *sc,
                              const struct run_result *res, size_t n,
                              const struct report_routing *rr)
{
    size_t t;

    jw_object_begin(w, "tasks");
    for (t = 0; t < sc->workload.ntasks; t++) {
        double a, l, p, e, ans[ROUTER_NSIDES];
        double acc = report_task_accuracy(sc, res, n, t, rr->few_shot, ans);
        report_task_counts(res, n, t, &a, &l, &p, &e);
        jw_object_begin(w, sc->workload.tasks[t].type);
        jw_number(w, "share", rr->arrived > 0 ? a / rr->arrived : 0.0);
        jw_number(w, "local", a > 0 ? l / a : 0.0);
        jw_number(w, "api", a > 0 ? p / a : 0.0);
        jw_number(w, "escalated", l > 0 ? e / l : 0.0);
        jw_number(w, "answered_local", a > 0 ? ans[ROUTER_LOCAL] / a : 0.0);
        jw_number(w, "answered_api", a > 0 ? ans[ROUTER_API] / a : 0.0);
        jw_number(w, "accuracy", acc);
        jw_object_end(w);
    }
    jw_object_end(w);
}

static void report_json_routing(struct jw *w, const struct scenario *sc,
                                const struct run_result *res, size_t n,
                                const struct report_routing *rr)
{
    const struct router_spec *rs = &sc->routing;
    size_t b, k;

    jw_object_begin(w, "routing");
    jw_string(w, "policy", router_policy_names[rs->policy]);
    jw_string(w, "local", rs->local >= 0 ? sc->backend_names[rs->local] : NULL);
    jw_string(w, "api", rs->api >= 0 ? sc->backend_names[rs->api] : NULL);
    jw_object_begin(w, "sent");
    for (b = 0; b < sc->nbackends; b++) {
        double v, hw;
        REPORT_COUNT(res, n, (int)b, struct run_backend, routed, &v, &hw);
        jw_number(w, sc->backend_names[b],
                  rr->arrived > 0 ? v * (double)n / rr->arrived : 0.0);
    }
    jw_object_end(w);
    jw_number(w, "to_local", rr->routed[ROUTER_LOCAL]);
    jw_number(w, "to_api", rr->routed[ROUTER_API]);
    jw_object_begin(w, "by");
    for (k = 0; k < ROUTER_NREASONS; k++)
        jw_number(w, router_reason_names[k], rr->reason[k]);
    jw_object_end(w);
    jw_number(w, "escalated", rr->escalated);
    jw_object_begin(w, "validator");
    jw_number(w, "rejected", rr->validator_rejected);
    jw_number(w, "failed", rr->validator_failed);
    jw_object_end(w);
    jw_number(w, "answered_local", rr->answered[ROUTER_LOCAL]);
    jw_number(w, "answered_api", rr->answered[ROUTER_API]);
    report_json_tasks(w, sc, res, n, rr);
    jw_object_end(w);
}

static void report_json_assumptions(struct jw *w, const struct scenario *sc)
{
    char buf[400];
    size_t i;

    jw_array_begin(w, "assumptions");
    jw_string(w, NULL, arrivals_describe(&sc->workload.arrivals, buf,
                                         sizeof buf));
    for (i = 0; i < sc->nbackends; i++)
        jw_string(w, NULL, sc->backends[i].kind->describe(
                               sc->backends[i].cfg, buf, sizeof buf));
    for (i = 0; i < sc->nnotes; i++)
        jw_string(w, NULL, sc->notes[i]);
    jw_string(w, NULL, "a month is 365.25/12 days (2,629,800 s)");
    jw_string(w, NULL, "confidence intervals: Student t, 95%, across "
                       "replications");
    jw_array_end(w);
}

static void report_json_slo(struct jw *w, const struct scenario *sc,
                            const struct run_result *res, size_t n)
{
    struct verdict v;
    char line[1024];
    size_t i;

    verdict_compute(sc, res, n, &v);
    if (!v.has_slo)
        return;
    jw_object_begin(w, "slo");
    for (i = 0; i < v.ntargets; i++) {
        const struct verdict_target *t = &v.target[i];
        jw_object_begin(w, t->key);
        jw_number(w, "target", t->target);
        jw_int(w, "samples", (int64_t)t->samples);
        jw_number(w, "p99", t->samples ? t->p99 : (double)NAN);
        jw_number(w, "p99_ci95_low", t->samples ? t->p99_low : (double)NAN);
        jw_number(w, "p99_ci95_high",
                  t->samples ? t->p99_high : (double)NAN);
        jw_bool(w, "met", t->met);
        jw_bool(w, "undecided", t->undecided);
        jw_object_end(w);
    }
    jw_object_begin(w, "failed");
    jw_number(w, "share", v.failed_share);
    jw_number(w, "max", v.max_failed);
    jw_bool(w, "met", !(v.failed_by & VERDICT_FAILURES));
    jw_object_end(w);
    jw_bool(w, "stable", !(v.failed_by & VERDICT_UNSTABLE));
    if (v.has_deadline) {
        jw_object_begin(w, "deadline");
        jw_number(w, "time_of_day", v.deadline);
        jw_int(w, "days", (int64_t)v.days);
        jw_int(w, "days_late", (int64_t)v.days_late);
        jw_bool(w, "met", !(v.failed_by & VERDICT_DEADLINE));
        jw_object_end(w);
    }
    jw_bool(w, "met", v.met);
    jw_array_begin(w, "failed_by");
    if (v.failed_by & VERDICT_LATENCY)
        jw_string(w, NULL, "latency");
    if (v.failed_by & VERDICT_FAILURES)
        jw_string(w, NULL, "failures");
    if (v.failed_by & VERDICT_UNSTABLE)
        jw_string(w, NULL, "unstable");
    if (v.failed_by & VERDICT_DEADLINE)
        jw_string(w, NULL, "deadline");
    jw_array_end(w);
    jw_string(w, "verdict", verdict_describe(&v, line, sizeof line));
    jw_object_end(w);
}

static void report_json_stability(struct jw *w, const struct run_result *res,
                                  size_t n)
{
    struct run_stability st;

    run_stability(res, n, &st);
    jw_object_begin(w, "stability");
    jw_bool(w, "stable", st.stable);
    jw_number(w, "offered_rate", st.offered_rate);
    jw_number(w, "served_rate", st.served_rate);
    jw_number(w, "backlog_growth", st.backlog_growth);
    jw_number(w, "backlog_growth_ci95_low", st.growth_low);
    jw_number(w, "backlog_growth_ci95_high", st.growth_high);
    jw_number(w, "backlog_at_end", st.backlog_end);
    jw_number(w, "threshold", st.threshold);
    jw_string(w, "test", "least-squares slope of the backlog (16 batch "
                         "means) on time over the window, times the window, "
                         "pooled over replications; unstable when its 95% "
                         "lower bound exceeds the threshold (max(10, 1% of "
                         "arrivals)) or a limit stopped a replication");
    jw_object_end(w);
}

void report_json_begin(struct jw *w, FILE *f, const struct scenario *sc)
{
    jw_init(w, f);
    jw_object_begin(w, NULL);
    jw_object_begin(w, "slmsim");
    jw_string(w, "version", SLMSIM_VERSION);
    jw_object_end(w);
    jw_object_begin(w, "scenario");
    jw_string(w, "name", sc->name);
    jw_string(w, "path", sc->path);
    jw_int(w, "seed", (int64_t)sc->seed);
}

int report_write_json(FILE *f, const struct scenario *sc,
                      const struct run_result *res, size_t n)
{
    return report_write_json_extra(f, sc, res, n, NULL, NULL);
}

int report_write_json_extra(FILE *f, const struct scenario *sc,
                            const struct run_result *res, size_t n,
                            report_json_extra_fn *extra, void *ctx)
{
    return report_write_json_stop(f, sc, res, n, NULL, extra, ctx);
}

int report_write_json_stop(FILE *f, const struct scenario *sc,
                           const struct run_result *res, size_t n,
                           const struct report_stop *stop,
                           report_json_extra_fn *extra, void *ctx)
{
    struct report_routing rr;
    struct jw w;
    size_t b;

    report_json_begin(&w, f, sc);
    jw_int(&w, "replications", (int64_t)n);
    jw_number(&w, "horizon", sc->horizon);
    jw_number(&w, "warmup", sc->warmup);
    jw_object_end(&w);
    jw_bool(&w, "interrupted", stop && stop->status == SLM_EINTR);
    if (stop) {
        char note[600];
        jw_bool(&w, "stopped", stop->status == SLM_ELIMIT);
        jw_int(&w, "replications_planned", (int64_t)stop->planned);
        snprintf(note, sizeof note, "%s after %zu of %zu replications%s%s",
                 stop->status == SLM_EINTR ? "interrupted" : "stopped",
                 stop->finished, stop->planned, stop->note ? ": " : "",
                 stop->note ? stop->note : "");
        jw_string(&w, "note", note);
    }
    report_json_requests(&w, res, n);
    report_json_stability(&w, res, n);
    report_json_batch(&w, res, n);
    report_json_workload(&w, sc, res, n);
    jw_object_begin(&w, "backends");
    for (b = 0; b < sc->nbackends; b++)
        report_json_backend(&w, sc, res, n, (int)b);
    jw_object_end(&w);
    report_routing(sc, res, n, &rr);
    report_json_routing(&w, sc, res, n, &rr);
    jw_object_begin(&w, "overall");
    report_json_latency(&w, sc, res, n, -1);
    jw_number(&w, "accuracy", rr.accuracy);
    jw_number(&w, "accuracy_coverage", rr.accuracy_coverage);
    jw_number(&w, "accuracy_all_local", rr.accuracy_all_local);
    jw_number(&w, "accuracy_all_api", rr.accuracy_all_api);
    jw_string(&w, "accuracy_api_prompting",
              rr.few_shot ? "few-shot" : "zero-shot");
    jw_object_end(&w);
    report_json_slo(&w, sc, res, n);
    report_json_assumptions(&w, sc);
    if (extra)
        extra(&w, ctx);
    jw_object_end(&w);
    return jw_finish(&w);
}
