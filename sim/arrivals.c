#include "sim/arrivals.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/units.h"

const char *const arrivals_process_names[] = {"poisson", "gamma", "diurnal",
                                              "mmpp", "trace"};
#define ARRIVALS_NPROCESS 5

static const char *const arrivals_on_error_names[] = {"fail", "skip"};

#define ARRIVALS_PI 3.14159265358979323846

struct arrivals {
    const struct arrivals_spec *spec; /* borrowed */
    gsl_rng *r;                       /* borrowed */
    struct diag *d;                   /* borrowed */
    double t;                         /* time of the last arrival */
    double gamma_shape, gamma_scale;  /* gamma renewal parameters */
    /* diurnal: the thinning bound holds for one month at a time */
    long month;
    double month_end, bound, peak;
    /* mmpp */
    int state;
    double switch_at;
    /* trace */
    struct trace_reader *rd;  /* NULL when replaying the scan's cache */
    uint64_t ci;              /* cache: the next row of the pass */
    unsigned long pass;
    struct arrival *group; /* spread: rows sharing one time */
    size_t gcap, gn, gpos;
    struct arrival ahead;  /* spread: the first row of the next group */
    int have_ahead;
};

/* ---- parsing: shared ---------------------------------------------------- */

/* The ceilings of arrivals.h on a mean rate read at node (what names it
 * in messages); the plausibility warning on volume.  0 or -1. */
static int arrivals_check_rate(const struct cfg_node *node, const char *what,
                               double rate, struct diag *d)
{
    const struct diag_pos *at = node ? &node->pos : NULL;

    if (rate > ARRIVALS_MAX_RATE) {
        diag_error(d, at,
                   "'%s' is %.3g/s, above the ceiling of %.0e arrivals a "
                   "simulated second (is the unit right?)",
                   what, rate, ARRIVALS_MAX_RATE);
        return -1;
    }
    if (rate > 0 && rate < ARRIVALS_MIN_RATE) {
        diag_error(d, at,
                   "'%s' is %.3g/s, below the floor of %.0e/s (%.2g a "
                   "month; is the unit right?)",
                   what, rate, ARRIVALS_MIN_RATE,
                   ARRIVALS_MIN_RATE * UNITS_MONTH);
        return -1;
    }
    if (rate * UNITS_MONTH > ARRIVALS_PLAUSIBLE_VOLUME)
        diag_warning(d, at,
                     "'%s' is %.3g/month, above %.0e/month: is the unit "
                     "right?",
                     what, rate * UNITS_MONTH, ARRIVALS_PLAUSIBLE_VOLUME);
    return 0;
}

/* rate and volume are one quantity; exactly one must be given unless
 * optional (mmpp with absolute rates, traces).  Returns 0 when read, 1
 * when absent and optional, -1 after reporting. */
static int arrivals_parse_rate(const struct cfg_node *node, const char *where,
                               int optional, struct arrivals_spec *spec,
                               struct diag *d)
{
    int has_rate = cfg_get(node, "rate") != NULL;
    int has_volume = cfg_get(node, "volume") != NULL;

    if (has_rate && has_volume) {
        diag_error(d, cfg_key_pos(node, "volume"),
                   "give either 'rate' or 'volume' in %s, not both", where);
        return -1;
    }
    if (!has_rate && !has_volume) {
        if (optional)
            return 1;
        diag_error(d, &node->pos,
                   "missing required key 'volume' (or 'rate') in %s", where);
        return -1;
    }
    if (cfg_get_rate(node, has_rate ? "rate" : "volume", where,
                     CFG_REQUIRED | CFG_POSITIVE, &spec->rate, d))
        return -1;
    return arrivals_check_rate(cfg_get(node, has_rate ? "rate" : "volume"),
                               has_rate ? "rate" : "volume", spec->rate, d);
}

/* A list of exactly two quantities under key: durations (sojourn), rates
 * or plain numbers >= 0. */
enum arrivals_qty { ARR_NUMBER, ARR_DURATION, ARR_RATE };

static int arrivals_get_pair(const struct cfg_node *node, const char *key,
                             const char *where, enum arrivals_qty q,
                             unsigned flags, double out[2], struct diag *d)
{
    const struct cfg_node *seq = cfg_get(node, key);
    char name[64];
    int i, bad = 0;

    if (!seq) {
        diag_error(d, &node->pos, "missing required key '%s' in %s", key,
                   where);
        return -1;
    }
    if (cfg_expect(seq, CFG_SEQ, key, d))
        return -1;
    if (seq->n != 2) {
        diag_error(d, &seq->pos,
                   "'%s' in %s must list 2 values (state 0, state 1), got %zu",
                   key, where, seq->n);
        return -1;
    }
    for (i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "%s[%d]", key, i);
        bad |= (q == ARR_DURATION ? cfg_node_duration
                : q == ARR_RATE   ? cfg_node_rate
                                  : cfg_node_number)(seq->items[i], name,
                                                     flags, &out[i], d) != 0;
    }
    return bad ? -1 : 0;
}

/* ---- parsing: diurnal --------------------------------------------------- */

/* w_peak / mean(w) for w_h = exp(kappa (cos(2 pi h / 24) - 1)): 1 at
 * kappa 0, rising to 24 as kappa grows. */
static double arrivals_peak_ratio(double kappa)
{
    double sum = 0.0;
    int h;

    for (h = 0; h < 24; h++)
        sum += exp(kappa * (cos(2.0 * ARRIVALS_PI * h / 24.0) - 1.0));
    return 24.0 / sum;
}

/* kappa with arrivals_peak_ratio(kappa) = ratio, by bisection (the ratio
 * is increasing in kappa). */
static double arrivals_solve_kappa(double ratio)
{
    double lo = 0.0, hi = 1.0;
    int i;

    while (arrivals_peak_ratio(hi) < ratio && hi < 1e6)
        hi *= 2.0;
    for (i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (arrivals_peak_ratio(mid) < ratio)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static int arrivals_parse_profile(const struct cfg_node *seq,
                                  double w[24], struct diag *d)
{
    double sum = 0.0;
    int h, bad = 0;

    if (cfg_expect(seq, CFG_SEQ, "profile", d))
        return -1;
    if (seq->n != 24) {
        diag_error(d, &seq->pos,
                   "'profile' must list 24 hourly weights (00:00 to 23:00), "
                   "got %zu",
                   seq->n);
        return -1;
    }
    for (h = 0; h < 24; h++) {
        bad |= cfg_node_number(seq->items[h], "profile[]", CFG_NONNEG, &w[h],
                               d) != 0;
        sum += w[h];
    }
    if (!bad && !(sum > 0.0)) {
        diag_error(d, &seq->pos, "'profile' weights must not all be 0");
        return -1;
    }
    return bad ? -1 : 0;
}

/* The shape: 24 weights, or the peak form. */
static int arrivals_parse_shape(const struct cfg_node *node, const char *where,
                                struct arrivals_diurnal *dn, double w[24],
                                struct diag *d)
{
    const struct cfg_node *prof = cfg_get(node, "profile");
    int has_peak = cfg_get(node, "peak_to_mean") || cfg_get(node, "peak_hour");
    long hour = 0;
    double kappa;
    int h;

    if (prof && has_peak) {
        diag_error(d, cfg_key_pos(node, "profile"),
                   "give either 'profile' or 'peak_to_mean' and 'peak_hour' "
                   "in %s, not both",
                   where);
        return -1;
    }
    if (prof) {
        dn->weights_given = 1;
        return arrivals_parse_profile(prof, w, d);
    }
    if (!has_peak) {
        diag_error(d, &node->pos,
                   "%s needs 'profile' (24 hourly weights) or 'peak_to_mean' "
                   "and 'peak_hour'",
                   where);
        return -1;
    }
    if (cfg_get_number(node, "peak_to_mean", where, CFG_REQUIRED,
                       &dn->peak_to_mean, d) ||
        cfg_get_int(node, "peak_hour", where, CFG_REQUIRED, 0, 23, &hour, d))
        return -1;
    if (!(dn->peak_to_mean >= 1.0 && dn->peak_to_mean < 24.0)) {
        diag_error(d, &cfg_get(node, "peak_to_mean")->pos,
                   "'peak_to_mean' must be >= 1 and < 24 (the peak hour "
                   "cannot hold more than the whole day), got '%s'",
                   cfg_get(node, "peak_to_mean")->scalar);
        return -1;
    }
    dn->peak_hour = (int)hour;
    kappa = arrivals_solve_kappa(dn->peak_to_mean);
    for (h = 0; h < 24; h++)
        w[h] = exp(kappa * (cos(2.0 * ARRIVALS_PI * (h - hour) / 24.0) - 1.0));
    return 0;
}

static int arrivals_parse_diurnal(const struct cfg_node *node,
                                  const char *where, struct arrivals_spec *spec,
                                  struct diag *d)
{
    struct arrivals_diurnal *dn = &spec->diurnal;
    double w[24], sum = 0.0, scale;
    int h, bad = 0;

    dn->weekend = 1.0;
    bad |= arrivals_parse_shape(node, where, dn, w, d) != 0;
    bad |= cfg_get_number(node, "weekend", where, CFG_NONNEG, &dn->weekend,
                          d) < 0;
    bad |= cfg_get_number(node, "growth", where, 0, &dn->growth, d) < 0;
    if (!bad && !(dn->growth > -1.0)) {
        diag_error(d, &cfg_get(node, "growth")->pos,
                   "'growth' is a fraction per month and must be > -1, got "
                   "'%s'",
                   cfg_get(node, "growth")->scalar);
        bad = 1;
    }
    if (bad)
        return -1;
    for (h = 0; h < 24; h++)
        sum += w[h];
    /* Mean 1 over the day, then over the week with the weekend factor. */
    scale = 24.0 / sum * 7.0 / (5.0 + 2.0 * dn->weekend);
    for (h = 0; h < 24; h++) {
        dn->profile[h] = w[h] * scale;
        if (w[h] > w[dn->peak_hour])
            dn->peak_hour = h;
    }
    /* With weights given, say what they amount to. */
    dn->peak_to_mean = w[dn->peak_hour] * 24.0 / sum;
    return 0;
}

/* ---- parsing: mmpp ------------------------------------------------------ */

static int arrivals_parse_mmpp(const struct cfg_node *node, const char *where,
                               struct arrivals_spec *spec, struct diag *d)
{
    struct arrivals_mmpp *m = &spec->mmpp;
    int has_rates = cfg_get(node, "rates") != NULL;
    int has_levels = cfg_get(node, "levels") != NULL, got, i;
    double lv[2], mean;

    if (has_rates == has_levels) {
        diag_error(d, &node->pos,
                   "%s needs either 'rates' (absolute) or 'levels' with "
                   "'volume' (relative), not %s",
                   where, has_rates ? "both" : "neither");
        return -1;
    }
    got = arrivals_parse_rate(node, where, has_rates, spec, d);
    if (got < 0)
        return -1;
    if (has_rates && got == 0) {
        diag_error(d, cfg_key_pos(node, cfg_get(node, "rate") ? "rate"
                                                               : "volume"),
                   "'rates' already fix the mean rate of %s: use 'levels' "
                   "with 'volume', or leave 'volume' out",
                   where);
        return -1;
    }
    if (arrivals_get_pair(node, "sojourn", where, ARR_DURATION, CFG_POSITIVE,
                          m->sojourn, d) ||
        arrivals_get_pair(node, has_rates ? "rates" : "levels", where,
                          has_rates ? ARR_RATE : ARR_NUMBER, CFG_NONNEG, lv,
                          d))
        return -1;
    for (i = 0; i < 2; i++) {
        if (m->sojourn[i] < ARRIVALS_MIN_SOJOURN) {
            diag_error(d, &cfg_get(node, "sojourn")->items[i]->pos,
                       "'sojourn[%d]' is %.3g s, below the floor of %g s "
                       "for an MMPP state (a shorter state is a Poisson "
                       "process at the mean rate)",
                       i, m->sojourn[i], ARRIVALS_MIN_SOJOURN);
            return -1;
        }
    }
    mean = (lv[0] * m->sojourn[0] + lv[1] * m->sojourn[1]) /
           (m->sojourn[0] + m->sojourn[1]);
    if (!(mean > 0.0)) {
        diag_error(d, &cfg_get(node, has_rates ? "rates" : "levels")->pos,
                   "'%s' in %s must not both be 0",
                   has_rates ? "rates" : "levels", where);
        return -1;
    }
    /* levels are scaled so that the time average is the given rate */
    m->rate[0] = has_rates ? lv[0] : lv[0] * spec->rate / mean;
    m->rate[1] = has_rates ? lv[1] : lv[1] * spec->rate / mean;
    if (has_rates)
        spec->rate = mean;
    for (i = 0; i < 2; i++) {
        if (m->rate[i] > ARRIVALS_MAX_RATE) {
            char name[32];
            snprintf(name, sizeof name, "state %d's rate", i);
            return arrivals_check_rate(cfg_get(node, has_rates ? "rates"
                                                                : "levels"),
                                       name, m->rate[i], d);
        }
    }
    if (has_rates)
        return arrivals_check_rate(cfg_get(node, "rates"), "rates' mean",
                                   spec->rate, d);
    return 0;
}

/* ---- parsing: trace ----------------------------------------------------- */

static int arrivals_strdup(const char *src, char **dst)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = mem_strdup(src);
    return *dst ? 0 : -1;
}

/* base_dir/path unless path is absolute or base_dir is the working
 * folder. */
static char *arrivals_join(const char *base_dir, const char *path)
{
    size_t nb = base_dir ? strlen(base_dir) : 0, np = strlen(path);
    char *s;

    if (path[0] == '/' || nb == 0 || !strcmp(base_dir, "."))
        return mem_strdup(path);
    s = mem_alloc(nb + np + 2);
    if (s)
        snprintf(s, nb + np + 2, "%s/%s", base_dir, path);
    return s;
}

/* columns: {time, input_tokens, output_tokens, task, hashes} for csv and
 * jsonl (hashes: jsonl only). */
static int arrivals_parse_columns(const struct cfg_node *node,
                                  struct arrivals_trace *t, struct diag *d)
{
    static const char *const keys[] = {"time", "input_tokens",
                                       "output_tokens", "task", "hashes"};
    const struct cfg_node *cols = cfg_get(node, "columns");
    const char *v[5] = {NULL, NULL, NULL, NULL, NULL};
    int i, bad = 0, generic = t->opts.format >= TRACE_CSV;

    if (!cols) {
        if (!generic)
            return 0;
        diag_error(d, &node->pos,
                   "format '%s' needs 'columns: {time: ..., input_tokens: "
                   "..., output_tokens: ...}'",
                   trace_format_names[t->opts.format]);
        return -1;
    }
    if (!generic) {
        diag_error(d, cfg_key_pos(node, "columns"),
                   "'columns' applies to formats csv and jsonl, not '%s' "
                   "(whose columns are known)",
                   trace_format_names[t->opts.format]);
        return -1;
    }
    if (cfg_expect(cols, CFG_MAP, "workload.arrivals.columns", d) ||
        cfg_check_keys(cols, "workload.arrivals.columns", keys, 5, d))
        return -1;
    for (i = 0; i < 5; i++)
        bad |= cfg_get_string(cols, keys[i], "workload.arrivals.columns",
                              i < 3 ? CFG_REQUIRED : 0, &v[i], d) < 0;
    if (!bad && v[4] && t->opts.format != TRACE_JSONL) {
        diag_error(d, cfg_key_pos(cols, "hashes"),
                   "'columns.hashes' applies to format jsonl, not '%s' (a "
                   "CSV field cannot hold a hash array)",
                   trace_format_names[t->opts.format]);
        bad = 1;
    }
    for (i = 0; i < 5 && !bad; i++)
        if (arrivals_strdup(v[i], &t->col[i]))
            return -1;
    return bad ? -1 : 0;
}

/* time_unit: a duration unit (s, ms, us, ns, m, h, d) or datetime. */
static int arrivals_parse_time_unit(const struct cfg_node *node,
                                    struct arrivals_trace *t, struct diag *d)
{
    const char *u = "s";
    char one[32];

    if (cfg_get_string(node, "time_unit", "workload.arrivals", 0, &u, d) < 0)
        return -1;
    if (t->opts.format < TRACE_CSV) {
        if (cfg_get(node, "time_unit")) {
            diag_error(d, cfg_key_pos(node, "time_unit"),
                       "'time_unit' applies to formats csv and jsonl, not "
                       "'%s'",
                       trace_format_names[t->opts.format]);
            return -1;
        }
        return 0;
    }
    snprintf(one, sizeof one, "1%s", u);
    if (!strcmp(u, "datetime"))
        t->opts.time_unit = 0.0;
    else if (!strcmp(u, "ns"))
        t->opts.time_unit = 1e-9;
    else if (strlen(u) > 8 || units_parse_duration(one, &t->opts.time_unit) ||
             strchr(u, ' ') || !strcmp(u, ""))
        goto bad;
    return 0;
bad:
    diag_error(d, &cfg_get(node, "time_unit")->pos,
               "bad 'time_unit' '%s' (allowed: s, ms, us, ns, m, h, d, "
               "datetime)",
               u);
    return -1;
}

/* task.map: {column value: task name, ...}. */
static int arrivals_parse_task_map(const struct cfg_node *map,
                                   struct arrivals_trace *t, struct diag *d)
{
    size_t i;

    if (cfg_expect(map, CFG_MAP, "workload.arrivals.task.map", d))
        return -1;
    if (map->n == 0 || map->n > ARRIVALS_MAX_TASK_MAP) {
        diag_error(d, &map->pos,
                   "'task.map' must have 1 to %d entries, got %zu",
                   ARRIVALS_MAX_TASK_MAP, map->n);
        return -1;
    }
    t->map_value = mem_calloc(map->n, sizeof *t->map_value);
    t->map_task = mem_calloc(map->n, sizeof *t->map_task);
    t->map_index = mem_calloc(map->n, sizeof *t->map_index);
    if (!t->map_value || !t->map_task || !t->map_index)
        return -1;
    t->nmap = map->n;
    for (i = 0; i < map->n; i++) {
        if (cfg_expect(map->items[i], CFG_SCALAR, "task.map value", d))
            return -1;
        if (arrivals_strdup(map->keys[i], &t->map_value[i]) ||
            arrivals_strdup(map->items[i]->scalar, &t->map_task[i]))
            return -1;
    }
    return 0;
}

/* task: NAME, or {column: COL, map: {...}, default: NAME}. */
static int arrivals_parse_task(const struct cfg_node *node,
                               struct arrivals_trace *t, struct diag *d)
{
    static const char *const keys[] = {"column", "map", "default"};
    static const char *const where = "workload.arrivals.task";
    const struct cfg_node *task = cfg_get(node, "task");
    const char *col = NULL, *dflt = NULL;

    if (!task)
        return 0;
    if (task->kind == CFG_SCALAR)
        return arrivals_strdup(task->scalar, &t->task_fixed);
    if (cfg_expect(task, CFG_MAP, where, d) ||
        cfg_check_keys(task, where, keys, 3, d) ||
        cfg_get_string(task, "column", where, CFG_REQUIRED, &col, d) ||
        cfg_get_string(task, "default", where, 0, &dflt, d) < 0)
        return -1;
    if (t->col[3]) {
        diag_error(d, cfg_key_pos(task, "column"),
                   "the task column is named twice: in 'columns.task' "
                   "('%s') and in 'task.column'",
                   t->col[3]);
        return -1;
    }
    if (arrivals_strdup(col, &t->col[3]) ||
        arrivals_strdup(dflt, &t->map_default))
        return -1;
    return cfg_get(task, "map")
               ? arrivals_parse_task_map(cfg_get(task, "map"), t, d)
               : 0;
}

/* hash_block: tokens per block hash, a whole number in
 * [1, ARRIVALS_MAX_HASH_BLOCK]; 512 (the Mooncake release's) when left
 * out. */
static int arrivals_parse_hash_block(const struct cfg_node *node,
                                     const char *where,
                                     struct arrivals_trace *t, struct diag *d)
{
    double b = 512;

    t->hash_block = 512;
    if (cfg_get_number(node, "hash_block", where, CFG_POSITIVE, &b, d) < 0)
        return 1;
    if (b != floor(b) || b > ARRIVALS_MAX_HASH_BLOCK) {
        diag_error(d, &cfg_get(node, "hash_block")->pos,
                   "'hash_block' must be a whole number of tokens in [1, "
                   "%d], got '%s'",
                   ARRIVALS_MAX_HASH_BLOCK,
                   cfg_get(node, "hash_block")->scalar);
        return 1;
    }
    t->hash_block = (uint32_t)b;
    return 0;
}

/* speedup, rate/volume, start, duration, loop, spread, on_error,
 * hash_block. */
static int arrivals_parse_replay(const struct cfg_node *node,
                                 const char *where, struct arrivals_spec *spec,
                                 struct diag *d)
{
    struct arrivals_trace *t = &spec->trace;
    int got, onerr = TRACE_FAIL, bad = 0;

    t->speedup = 1.0;
    got = arrivals_parse_rate(node, where, 1, spec, d);
    bad |= got < 0;
    t->has_target_rate = got == 0;
    if (t->has_target_rate && cfg_get(node, "speedup")) {
        diag_error(d, cfg_key_pos(node, "speedup"),
                   "give either 'speedup' or a target 'volume'/'rate' in %s, "
                   "not both",
                   where);
        bad = 1;
    }
    bad |= cfg_get_number(node, "speedup", where, CFG_POSITIVE, &t->speedup,
                          d) < 0;
    bad |= cfg_get_duration(node, "start", where, CFG_NONNEG, &t->start, d) < 0;
    bad |= cfg_get_duration(node, "duration", where, CFG_POSITIVE,
                            &t->duration, d) < 0;
    bad |= cfg_get_bool(node, "loop", where, 0, &t->loop, d) < 0;
    bad |= cfg_get_duration(node, "spread", where, CFG_NONNEG, &t->spread,
                            d) < 0;
    bad |= cfg_get_enum(node, "on_error", where, 0, arrivals_on_error_names, 2,
                        &onerr, d) < 0;
    t->opts.on_error = (enum trace_on_error)onerr;
    bad |= arrivals_parse_hash_block(node, where, t, d);
    return bad ? -1 : 0;
}

static int arrivals_parse_trace(const struct cfg_node *node, const char *where,
                                const char *base_dir,
                                struct arrivals_spec *spec, struct diag *d)
{
    struct arrivals_trace *t = &spec->trace;
    const char *path = NULL;
    int format = 0, bad = 0;

    t->fixed_index = t->default_index = -1;
    t->clock0 = (double)NAN;
    t->weekday0 = -1;
    bad |= cfg_get_string(node, "path", where, CFG_REQUIRED, &path, d) < 0;
    if (cfg_get_enum(node, "format", where, CFG_REQUIRED, trace_format_names,
                     TRACE_NFORMATS, &format, d) < 0)
        return -1;
    t->opts.format = (enum trace_format)format;
    bad |= arrivals_parse_replay(node, where, spec, d) != 0;
    bad |= arrivals_parse_columns(node, t, d) != 0;
    bad |= arrivals_parse_time_unit(node, t, d) != 0;
    if (!bad && path && !(t->path = arrivals_join(base_dir, path)))
        return -1;
    if (bad || arrivals_parse_task(node, t, d))
        return -1;
    t->opts.path = t->path;
    t->opts.col_time = t->col[0];
    t->opts.col_input = t->col[1];
    t->opts.col_output = t->col[2];
    t->opts.col_task = t->col[3];
    t->opts.col_hash = t->col[4];
    return 0;
}

int arrivals_parse(const struct cfg_node *node, const char *where,
                   const char *base_dir, struct arrivals_spec *spec,
                   struct diag *d)
{
    static const char *const keys[ARRIVALS_NPROCESS][15] = {
        {"process", "rate", "volume"},
        {"process", "rate", "volume", "cv"},
        {"process", "rate", "volume", "profile", "peak_to_mean", "peak_hour",
         "weekend", "growth"},
        {"process", "rate", "volume", "rates", "levels", "sojourn"},
        {"process", "path", "format", "speedup", "rate", "volume", "start",
         "duration", "loop", "spread", "on_error", "columns", "time_unit",
         "task", "hash_block"},
    };
    static const size_t nkeys[ARRIVALS_NPROCESS] = {3, 4, 8, 6, 15};
    int process = ARRIVALS_POISSON, bad = 0;

    static const char *const any[] = {
        "process", "rate",    "volume",   "cv",        "profile",
        "peak_to_mean", "peak_hour", "weekend", "growth", "rates",
        "levels",  "sojourn", "path",     "format",    "speedup",
        "start",   "duration", "loop",    "spread",    "on_error",
        "columns", "time_unit", "task"};

    memset(spec, 0, sizeof *spec);
    if (cfg_expect(node, CFG_MAP, where, d) != 0)
        return -1;
    /* Without a process, the keys are checked against every process's:
     * '{proces: poisson}' is a typo to name, not only a missing key. */
    if (!cfg_get(node, "process"))
        cfg_check_keys(node, where, any, sizeof any / sizeof any[0], d);
    if (cfg_get_enum(node, "process", where, CFG_REQUIRED,
                     arrivals_process_names, ARRIVALS_NPROCESS, &process,
                     d) < 0)
        return -1;
    spec->process = (enum arrivals_process)process;
    bad |= cfg_check_keys(node, where, keys[process], nkeys[process], d) != 0;
    switch (spec->process) {
    case ARRIVALS_POISSON:
        return bad | arrivals_parse_rate(node, where, 0, spec, d) ? -1 : 0;
    case ARRIVALS_GAMMA:
        bad |= cfg_get_number(node, "cv", where, CFG_REQUIRED | CFG_POSITIVE,
                              &spec->cv, d) < 0;
        if (!bad && !(spec->cv >= ARRIVALS_MIN_CV &&
                      spec->cv <= ARRIVALS_MAX_CV)) {
            diag_error(d, &cfg_get(node, "cv")->pos,
                       "'cv' of a gamma process must be in [%g, %g], got "
                       "%.3g",
                       ARRIVALS_MIN_CV, ARRIVALS_MAX_CV, spec->cv);
            bad = 1;
        }
        return bad | arrivals_parse_rate(node, where, 0, spec, d) ? -1 : 0;
    case ARRIVALS_DIURNAL:
        bad |= arrivals_parse_rate(node, where, 0, spec, d) != 0;
        return bad | arrivals_parse_diurnal(node, where, spec, d) ? -1 : 0;
    case ARRIVALS_MMPP:
        return bad | arrivals_parse_mmpp(node, where, spec, d) ? -1 : 0;
    case ARRIVALS_TRACE:
        return bad | arrivals_parse_trace(node, where, base_dir, spec, d)
                   ? -1
                   : 0;
    }
    return -1;
}

static void arrivals_free_list(char **list, size_t n)
{
    size_t i;

    for (i = 0; list && i < n; i++)
        mem_free(list[i]);
    mem_free(list);
}

void arrivals_spec_fini(struct arrivals_spec *spec)
{
    struct arrivals_trace *t = &spec->trace;
    int i;

    mem_free(t->path);
    for (i = 0; i < 5; i++)
        mem_free(t->col[i]);
    mem_free(t->task_fixed);
    mem_free(t->map_default);
    arrivals_free_list(t->map_value, t->nmap);
    arrivals_free_list(t->map_task, t->nmap);
    mem_free(t->map_index);
    arrivals_free_list(t->task_names, t->ntasks);
    mem_free(t->cache);
    mem_free(t->hashes);
    memset(t, 0, sizeof *t);
}

/* A copy of list[0..n), or NULL (out of memory, or list NULL). */
static char **arrivals_copy_list(char *const *list, size_t n, int *bad)
{
    char **c;
    size_t i;

    if (!list)
        return NULL;
    if (!(c = mem_calloc(n ? n : 1, sizeof *c))) {
        *bad = 1;
        return NULL;
    }
    for (i = 0; i < n; i++)
        *bad |= arrivals_strdup(list[i], &c[i]) != 0;
    return c;
}

/* Points each cached row's `hashes` into the pool: the rows' ids lie end
 * to end in row order, so a row's start is the sum of the counts before
 * it (the pool may have moved while it grew, or been copied). */
static void arrivals_link_hashes(struct arrivals_trace *t)
{
    uint64_t at = 0;

    for (uint64_t i = 0; i < t->rows; i++) {
        struct arrival *a = &t->cache[i];
        a->hashes = t->hashes && a->nhashes ? t->hashes + at : NULL;
        at += a->nhashes;
    }
}

int arrivals_spec_copy(struct arrivals_spec *dst,
                       const struct arrivals_spec *src)
{
    const struct arrivals_trace *s = &src->trace;
    struct arrivals_trace *t = &dst->trace;
    int i, bad = 0;

    *dst = *src;
    if (src->process != ARRIVALS_TRACE) {
        memset(t, 0, sizeof *t);
        return 0;
    }
    for (i = 0; i < 5; i++)
        bad |= arrivals_strdup(s->col[i], &t->col[i]) != 0;
    bad |= arrivals_strdup(s->path, &t->path) != 0;
    bad |= arrivals_strdup(s->task_fixed, &t->task_fixed) != 0;
    bad |= arrivals_strdup(s->map_default, &t->map_default) != 0;
    t->map_value = arrivals_copy_list(s->map_value, s->nmap, &bad);
    t->map_task = arrivals_copy_list(s->map_task, s->nmap, &bad);
    t->task_names = arrivals_copy_list(s->task_names, s->ntasks, &bad);
    t->cache = NULL;
    if (s->cache && (t->cache = mem_realloc(NULL, s->rows, sizeof *t->cache)))
        memcpy(t->cache, s->cache, s->rows * sizeof *t->cache);
    bad |= s->cache && !t->cache;
    t->hashes = NULL;
    if (s->hashes &&
        (t->hashes = mem_realloc(NULL, s->nhashes, sizeof *t->hashes)))
        memcpy(t->hashes, s->hashes, s->nhashes * sizeof *t->hashes);
    bad |= s->hashes && !t->hashes;
    if (t->cache)
        arrivals_link_hashes(t);
    t->map_index = NULL;
    if (s->map_index && (t->map_index = mem_calloc(s->nmap, sizeof(int))))
        memcpy(t->map_index, s->map_index, s->nmap * sizeof(int));
    bad |= s->map_index && !t->map_index;
    t->opts.path = t->path;
    t->opts.col_time = t->col[0];
    t->opts.col_input = t->col[1];
    t->opts.col_output = t->col[2];
    t->opts.col_task = t->col[3];
    t->opts.col_hash = t->col[4];
    if (bad) {
        arrivals_spec_fini(dst);
        return SLM_ENOMEM;
    }
    return 0;
}

/* ---- trace: tasks, scan ----------------------------------------------- */

static int arrivals_find(const char *const *names, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return (int)i;
    return -1;
}

/* "a, b, c" (cut short when long), for messages. */
static const char *arrivals_list(const char *const *names, size_t n,
                                 char *buf, size_t size)
{
    size_t i, len = 0;

    buf[0] = '\0';
    for (i = 0; i < n && len + 1 < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
                                names[i]);
    return buf;
}

static int arrivals_resolve_one(const char *name, const struct cfg_node *at,
                                const char *const *names, size_t n,
                                int *index, struct diag *d)
{
    char list[256];

    *index = arrivals_find(names, n, name);
    if (*index >= 0)
        return 0;
    diag_error(d, &at->pos, "unknown task '%s' (tasks: %s)", name,
               arrivals_list(names, n, list, sizeof list));
    return -1;
}

int arrivals_resolve_tasks(struct arrivals_spec *spec,
                           const struct cfg_node *node,
                           const char *const *names, size_t n,
                           struct diag *d)
{
    struct arrivals_trace *t = &spec->trace;
    const struct cfg_node *task = cfg_get(node, "task");
    const struct cfg_node *map = task ? cfg_get(task, "map") : NULL;
    size_t i;
    int bad = 0;

    if (spec->process != ARRIVALS_TRACE)
        return 0;
    if (t->task_fixed)
        bad |= arrivals_resolve_one(t->task_fixed, task, names, n,
                                    &t->fixed_index, d);
    if (t->map_default)
        bad |= arrivals_resolve_one(t->map_default, cfg_get(task, "default"),
                                    names, n, &t->default_index, d);
    for (i = 0; i < t->nmap; i++)
        bad |= arrivals_resolve_one(t->map_task[i], map->items[i], names, n,
                                    &t->map_index[i], d);
    if (bad)
        return -1;
    if (!(t->task_names = mem_calloc(n, sizeof *t->task_names)))
        return SLM_ENOMEM;
    t->ntasks = n;
    for (i = 0; i < n; i++)
        if (arrivals_strdup(names[i], &t->task_names[i]))
            return SLM_ENOMEM;
    return 0;
}

/* The task of a row: 0 with *task set (-1: the mix decides), 1 when the
 * row was rejected and skipped, or SLM_EINPUT. */
static int arrivals_row_task(const struct arrivals_trace *t,
                             struct trace_reader *rd,
                             const struct trace_record *rec, int *task)
{
    char list[256];
    int i;

    *task = t->fixed_index;
    if (!rec->task)
        return 0;
    i = t->nmap ? arrivals_find((const char *const *)t->map_value, t->nmap,
                                rec->task)
                : arrivals_find((const char *const *)t->task_names, t->ntasks,
                                rec->task);
    *task = i < 0 ? t->default_index : t->nmap ? t->map_index[i] : i;
    if (*task >= 0)
        return 0;
    if (t->nmap)
        arrivals_list((const char *const *)t->map_value, t->nmap, list,
                      sizeof list);
    else
        arrivals_list((const char *const *)t->task_names, t->ntasks, list,
                      sizeof list);
    i = trace_reject(rd, rec->line,
                     "unknown task '%s' in column '%s' (%s: %s; or give "
                     "task.default)",
                     rec->task, t->opts.col_task,
                     t->nmap ? "task.map knows" : "tasks", list);
    return i ? i : 1;
}

/* The next row of the window as an arrival at trace time out->t (s after
 * the window start).  0, 1 at the end of the pass, or an error status. */
static int arrivals_trace_row(const struct arrivals_trace *t,
                              struct trace_reader *rd, struct arrival *out)
{
    struct trace_record rec;
    int rc, task;

    for (;;) {
        rc = trace_next(rd, &rec);
        if (rc)
            return rc;
        if (rec.t < t->start)
            continue;
        if (t->duration > 0 && rec.t >= t->start + t->duration)
            return 1;
        rc = arrivals_row_task(t, rd, &rec, &task);
        if (rc == 1)
            continue;
        if (rc)
            return rc;
        out->t = rec.t - t->start;
        out->has_tokens = 1;
        out->input_tokens = rec.input_tokens;
        out->output_tokens = rec.output_tokens;
        out->task = task;
        out->line = rec.line;
        /* borrowed from the reader until its next row: the scan copies
         * them to the pool; a streamed replay carries none */
        out->hashes = rec.hash_ids;
        out->nhashes = rec.nhash;
        out->hash_pass = 0;
        return 0;
    }
}

/* One pass lasts `duration`, or reaches one mean gap past the last row so
 * that a loop's seam looks like the rest of the trace. */
static double arrivals_trace_period(const struct arrivals_trace *t)
{
    double span = t->last - t->first;

    if (t->duration > 0)
        return t->duration;
    if (t->rows < 2 || !(span > 0))
        return t->last - t->start + 1.0;
    return t->last - t->start + span / (double)(t->rows - 1);
}

/* Appends a's block hashes to the pool while it stays within
 * ARRIVALS_TRACE_CACHE_HASHES; past that the pool is dropped (the replay
 * then carries no hashes).  0 or SLM_ENOMEM. */
static int arrivals_cache_hashes(struct arrivals_trace *t, size_t *cap,
                                 const struct arrival *a)
{
    if (a->nhashes == 0 || t->hashes_dropped)
        return 0;
    if (t->nhashes + a->nhashes > ARRIVALS_TRACE_CACHE_HASHES) {
        mem_free(t->hashes);
        t->hashes = NULL;
        t->hashes_dropped = 1;
        return 0;
    }
    if (t->nhashes + a->nhashes > *cap) {
        size_t n = *cap ? 2 * *cap : 4096;
        while (n < t->nhashes + a->nhashes)
            n *= 2;
        uint32_t *h = mem_realloc(t->hashes, n, sizeof *h);
        if (!h)
            return SLM_ENOMEM;
        t->hashes = h;
        *cap = n;
    }
    memcpy(t->hashes + t->nhashes, a->hashes, a->nhashes * sizeof *t->hashes);
    t->nhashes += a->nhashes;
    return 0;
}

/* Keeps row a (number t->rows of the window) in the cache while the
 * window stays within ARRIVALS_TRACE_CACHE_ROWS; past that the cache is
 * dropped and replay streams.  0 or SLM_ENOMEM. */
static int arrivals_cache_row(struct arrivals_trace *t, size_t *cap,
                              size_t *hcap, const struct arrival *a)
{
    if (t->rows == 0 || (t->cache && t->rows < ARRIVALS_TRACE_CACHE_ROWS)) {
        if (t->rows == *cap) {
            size_t n = *cap ? 2 * *cap : 1024;
            struct arrival *c = mem_realloc(t->cache, n, sizeof *c);
            if (!c)
                return SLM_ENOMEM;
            t->cache = c;
            *cap = n;
        }
        t->cache[t->rows] = *a;
        t->cache[t->rows].hashes = NULL; /* arrivals_link_hashes */
        return arrivals_cache_hashes(t, hcap, a);
    }
    mem_free(t->cache);
    t->cache = NULL;
    t->hashes_dropped |= t->hashes != NULL || a->nhashes > 0;
    mem_free(t->hashes);
    t->hashes = NULL;
    return 0;
}

static int arrivals_scan_rows(struct arrivals_trace *t,
                              struct trace_reader *rd)
{
    struct arrival a;
    size_t cap = 0, hcap = 0;
    int rc;

    t->rows = 0;
    mem_free(t->cache);
    t->cache = NULL;
    mem_free(t->hashes);
    t->hashes = NULL;
    t->nhashes = 0;
    t->hashes_dropped = 0;
    while ((rc = arrivals_trace_row(t, rd, &a)) == 0) {
        if (t->rows == 0)
            t->first = a.t + t->start;
        t->last = a.t + t->start;
        if ((rc = arrivals_cache_row(t, &cap, &hcap, &a)) != 0)
            return rc;
        t->rows++;
    }
    if (rc != 1)
        return rc;
    if (t->hashes_dropped) {
        mem_free(t->hashes);
        t->hashes = NULL;
        t->nhashes = 0;
    }
    if (t->cache)
        arrivals_link_hashes(t);
    /* Rows past the window are read too: validate checks the whole
     * file, as a later run with another window would. */
    while ((rc = trace_next(rd, &(struct trace_record){0})) == 0)
        ;
    return rc == 1 ? 0 : rc;
}

int arrivals_scan(struct arrivals_spec *spec, const struct diag_pos *pos,
                  struct diag *d)
{
    struct arrivals_trace *t = &spec->trace;
    struct trace_reader *rd = NULL;
    double c0;
    int rc, wd;

    if (spec->process != ARRIVALS_TRACE)
        return 0;
    rc = trace_open(&t->opts, TRACE_WARN, d, &rd);
    if (rc == SLM_ESYS) {
        diag_error(d, pos, "cannot open trace '%s': %s", t->path,
                   strerror(errno));
        return SLM_EINPUT;
    }
    if (!rc)
        rc = arrivals_scan_rows(t, rd);
    if (rc) {
        trace_close(rd);
        return rc;
    }
    trace_warn_summary(rd);
    if (t->hashes_dropped)
        diag_warning(d, pos,
                     "trace '%s' is too long to keep its block hashes "
                     "(more than %u rows or %u hashes in the window): it "
                     "replays without them, so no prefix-cache hits",
                     t->path, ARRIVALS_TRACE_CACHE_ROWS,
                     ARRIVALS_TRACE_CACHE_HASHES);
    t->skipped = trace_counts(rd)->skipped;
    t->failed = trace_counts(rd)->failed;
    c0 = trace_clock_origin(rd);
    wd = trace_weekday_origin(rd);
    trace_close(rd);
    if (t->rows == 0) {
        diag_error(d, pos, "no requests to replay in trace '%s'%s", t->path,
                   t->start > 0 || t->duration > 0 ? " within the window"
                                                   : "");
        return SLM_EINPUT;
    }
    t->period = arrivals_trace_period(t);
    t->clock0 = isnan(c0) ? c0 : fmod(c0 + t->start, UNITS_DAY);
    t->weekday0 = wd < 0 ? -1 : (int)((wd + (long)((c0 + t->start) / UNITS_DAY)) % 7);
    /* Replayed mean rate: the window's rows per pass, sped up. */
    if (t->has_target_rate)
        t->speedup = spec->rate * t->period / (double)t->rows;
    else
        spec->rate = (double)t->rows * t->speedup / t->period;
    /* speedup 1e308, or a looped window of 1e-300 s, replays more rows a
     * second than any run can simulate. */
    if (!(spec->rate <= ARRIVALS_MAX_RATE)) {
        diag_error(d, pos,
                   "trace '%s' replays at %.3g requests a simulated second "
                   "(%llu rows a pass of %.3g s, speedup %.3g), above the "
                   "ceiling of %.0e",
                   t->path, spec->rate, (unsigned long long)t->rows,
                   t->period, t->speedup, ARRIVALS_MAX_RATE);
        return SLM_EINPUT;
    }
    t->scanned = 1;
    return 0;
}

/* ---- moments, description --------------------------------------------- */

int arrivals_spec_is_stationary(const struct arrivals_spec *spec)
{
    return spec->process == ARRIVALS_POISSON ||
           spec->process == ARRIVALS_GAMMA || spec->process == ARRIVALS_MMPP;
}

double arrivals_mean_rate(const struct arrivals_spec *spec)
{
    if (spec->process == ARRIVALS_TRACE && !spec->trace.scanned)
        return (double)NAN;
    return spec->rate;
}

int arrivals_spec_set_rate(struct arrivals_spec *spec, double rate)
{
    assert(rate > 0 && isfinite(rate));
    if (spec->process == ARRIVALS_TRACE) {
        if (!spec->trace.scanned)
            return -1;
        spec->trace.speedup *= rate / spec->rate;
    }
    if (spec->process == ARRIVALS_MMPP) {
        spec->mmpp.rate[0] *= rate / spec->rate;
        spec->mmpp.rate[1] *= rate / spec->rate;
    }
    spec->rate = rate;
    return 0;
}

double arrivals_diurnal_factor(const struct arrivals_diurnal *dn, double t)
{
    double day = floor(t / UNITS_DAY);
    int hour = (int)((t - day * UNITS_DAY) / UNITS_HOUR);
    long dow = (long)fmod(day, 7.0);
    double f = dn->profile[hour > 23 ? 23 : hour];

    if (dow >= 5)
        f *= dn->weekend;
    if (dn->growth != 0.0)
        f *= pow(1.0 + dn->growth, floor(t / UNITS_MONTH));
    return f;
}

/* Var N(T) = lambda T + 2 int_0^T (T - u) C(u) du with the rate's
 * autocovariance C(u) = pi0 pi1 (r0 - r1)^2 exp(-a u), a = 1/s0 + 1/s1:
 * the integral is T/a - (1 - exp(-a T))/a^2. */
double arrivals_mmpp_idc(const struct arrivals_mmpp *m, double T)
{
    double s = m->sojourn[0] + m->sojourn[1];
    double p0 = m->sojourn[0] / s, p1 = m->sojourn[1] / s;
    double lambda = p0 * m->rate[0] + p1 * m->rate[1];
    double a = 1.0 / m->sojourn[0] + 1.0 / m->sojourn[1];
    double dr = m->rate[0] - m->rate[1];
    double integral = T / a - (-expm1(-a * T)) / (a * a);

    return 1.0 + 2.0 * p0 * p1 * dr * dr * integral / (lambda * T);
}

static void arrivals_describe_trace(const struct arrivals_spec *spec,
                                    char *buf, size_t size)
{
    const struct arrivals_trace *t = &spec->trace;
    char vol[32];
    int len = snprintf(buf, size, "trace replay of '%s' (%s)", t->path,
                       trace_format_names[t->opts.format]);

    if (len < 0 || (size_t)len >= size)
        return;
    if (t->scanned)
        len += snprintf(buf + len, size - (size_t)len,
                        ": %llu requests over %.4g h, speedup %.4g, %.4g/s "
                        "(%s/month)",
                        (unsigned long long)t->rows, t->period / UNITS_HOUR,
                        t->speedup, spec->rate,
                        units_format_volume(spec->rate * UNITS_MONTH, vol,
                                            sizeof vol));
    if (len >= 0 && (size_t)len < size && (t->start > 0 || t->duration > 0))
        len += snprintf(buf + len, size - (size_t)len,
                        ", window from %.4g s for %.4g s", t->start,
                        t->duration);
    if (len >= 0 && (size_t)len < size && t->loop)
        snprintf(buf + len, size - (size_t)len, ", looped");
}

const char *arrivals_describe(const struct arrivals_spec *spec, char *buf,
                              size_t size)
{
    char per_month[32];
    const struct arrivals_diurnal *dn = &spec->diurnal;

    units_format_volume(spec->rate * UNITS_MONTH, per_month,
                        sizeof per_month);

    switch (spec->process) {
    case ARRIVALS_POISSON:
        snprintf(buf, size, "poisson, %.4g/s (%s/month)", spec->rate,
                 per_month);
        break;
    case ARRIVALS_GAMMA:
        snprintf(buf, size, "gamma renewal, %.4g/s (%s/month), cv %.3g",
                 spec->rate, per_month, spec->cv);
        break;
    case ARRIVALS_DIURNAL:
        snprintf(buf, size,
                 "diurnal NHPP, mean %.4g/s (%s/month), %speak/mean %.3g "
                 "at %02d:00, weekend x%.3g, growth %.3g%%/month",
                 spec->rate, per_month,
                 dn->weights_given ? "hourly profile, " : "",
                 dn->peak_to_mean, dn->peak_hour, dn->weekend,
                 100.0 * dn->growth);
        break;
    case ARRIVALS_MMPP:
        snprintf(buf, size,
                 "2-state MMPP, mean %.4g/s (%s/month): %.4g/s for %.4g s "
                 "mean, %.4g/s for %.4g s mean",
                 spec->rate, per_month, spec->mmpp.rate[0],
                 spec->mmpp.sojourn[0], spec->mmpp.rate[1],
                 spec->mmpp.sojourn[1]);
        break;
    case ARRIVALS_TRACE:
        arrivals_describe_trace(spec, buf, size);
        break;
    }
    return buf;
}

/* ---- generation --------------------------------------------------------- */

struct arrivals *arrivals_new(const struct arrivals_spec *spec, gsl_rng *r,
                              struct diag *d, int *status)
{
    struct arrivals *a = mem_calloc(1, sizeof *a);
    const struct arrivals_mmpp *m = &spec->mmpp;

    *status = SLM_ENOMEM;
    if (!a)
        return NULL;
    a->spec = spec;
    a->r = r;
    a->d = d;
    a->month = -1;
    switch (spec->process) {
    case ARRIVALS_GAMMA:
        /* Gamma inter-arrivals with mean 1/rate and the given cv:
         * shape k = 1/cv^2, scale = mean/k. */
        a->gamma_shape = 1.0 / (spec->cv * spec->cv);
        a->gamma_scale = (1.0 / spec->rate) / a->gamma_shape;
        break;
    case ARRIVALS_MMPP:
        /* Stationary start: state 0 with probability s0/(s0+s1); the
         * sojourn is memoryless, so its remainder is a fresh draw. */
        a->state = rng_uniform(r) <
                           m->sojourn[0] / (m->sojourn[0] + m->sojourn[1])
                       ? 0
                       : 1;
        a->switch_at = rng_exponential(r, m->sojourn[a->state]);
        break;
    case ARRIVALS_TRACE:
        /* the scan found the period and checked the file */
        if (!spec->trace.scanned) {
            *status = SLM_EINPUT;
            mem_free(a);
            return NULL;
        }
        /* Replications replay the scan's rows when it kept them: the
         * file is parsed once per run, not once per replication. */
        *status = spec->trace.cache ? SLM_OK
                                    : trace_open(&spec->trace.opts, 0, d,
                                                 &a->rd);
        if (*status) {
            mem_free(a);
            return NULL;
        }
        break;
    default:
        break;
    }
    *status = SLM_OK;
    return a;
}

void arrivals_free(struct arrivals *a)
{
    if (!a)
        return;
    trace_close(a->rd);
    mem_free(a->group);
    mem_free(a);
}

/* Thinning, one month at a time: candidates from a Poisson process at the
 * month's largest rate, each kept with probability lambda(t)/bound.  A
 * candidate past the month's end is dropped and drawing restarts at the
 * boundary with the next month's bound (exact: the exponential is
 * memoryless). */
static double arrivals_next_diurnal(struct arrivals *a)
{
    const struct arrivals_diurnal *dn = &a->spec->diurnal;
    double t = a->t;
    int h;

    if (a->month < 0) {
        for (h = 0; h < 24; h++)
            if (dn->profile[h] > a->peak)
                a->peak = dn->profile[h];
        a->peak *= dn->weekend > 1.0 ? dn->weekend : 1.0;
    }
    for (;;) {
        if (a->month < 0 || t >= a->month_end) {
            a->month = (long)floor(t / UNITS_MONTH);
            a->month_end = (double)(a->month + 1) * UNITS_MONTH;
            a->bound = a->spec->rate * a->peak *
                       pow(1.0 + dn->growth, (double)a->month);
        }
        t += rng_exponential(a->r, 1.0 / a->bound);
        if (t >= a->month_end) {
            t = a->month_end;
            continue;
        }
        if (rng_uniform(a->r) * a->bound <=
            a->spec->rate * arrivals_diurnal_factor(dn, t))
            return t;
    }
}

/* Competing exponentials: the next arrival at the state's rate against
 * the state's end; a state of rate 0 only waits for its end. */
static double arrivals_next_mmpp(struct arrivals *a)
{
    const struct arrivals_mmpp *m = &a->spec->mmpp;
    double t = a->t;

    for (;;) {
        double rate = m->rate[a->state];
        double gap = rate > 0 ? rng_exponential(a->r, 1.0 / rate)
                              : HUGE_VAL;
        if (t + gap < a->switch_at)
            return t + gap;
        t = a->switch_at;
        a->state ^= 1;
        a->switch_at = t + rng_exponential(a->r, m->sojourn[a->state]);
    }
}

/* The next row of the pass from the scan's cache, or from the file:
 * the same rows either way.  0, 1 at the end of the pass, or an error. */
static int arrivals_pass_row(struct arrivals *a, struct arrival *out)
{
    const struct arrivals_trace *t = &a->spec->trace;

    int rc;

    if (!a->rd) {
        if (a->ci >= t->rows)
            return 1;
        *out = t->cache[a->ci++];
        out->hash_pass = (uint32_t)a->pass;
        return 0;
    }
    rc = arrivals_trace_row(t, a->rd, out);
    out->hashes = NULL; /* the reader's: gone at its next row */
    out->nhashes = 0;
    out->hash_pass = (uint32_t)a->pass;
    return rc;
}

/* spread: fills a->group with the rows sharing the next timestamp, spaced
 * evenly over min(spread, gap to the following row).  0, 1 at the end of
 * the pass, or an error status. */
static int arrivals_fill_group(struct arrivals *a)
{
    const struct arrivals_trace *t = &a->spec->trace;
    double t0, next = HUGE_VAL, width;
    size_t i;
    int rc;

    a->gn = a->gpos = 0;
    if (!a->have_ahead && (rc = arrivals_pass_row(a, &a->ahead)))
        return rc;
    a->have_ahead = 0;
    t0 = a->ahead.t;
    for (;;) {
        if (a->gn == a->gcap) {
            size_t cap = a->gcap ? 2 * a->gcap : 64;
            struct arrival *g;
            if (a->gcap == ARRIVALS_MAX_GROUP) {
                struct diag_pos pos = {t->path, (int)a->ahead.line, 0};
                diag_error(a->d, &pos,
                           "more than %d rows share one time; 'spread' "
                           "cannot hold them (leave 'spread' out)",
                           ARRIVALS_MAX_GROUP);
                return SLM_EINPUT;
            }
            if (!(g = mem_realloc(a->group, cap, sizeof *g)))
                return SLM_ENOMEM;
            a->group = g;
            a->gcap = cap;
        }
        a->group[a->gn++] = a->ahead;
        rc = arrivals_pass_row(a, &a->ahead);
        if (rc == 0 && a->ahead.t == t0)
            continue;
        if (rc == 0) {
            a->have_ahead = 1;
            next = a->ahead.t;
        } else if (rc != 1) {
            return rc;
        }
        break;
    }
    width = next - t0 < t->spread ? next - t0 : t->spread;
    for (i = 0; i < a->gn; i++)
        a->group[i].t = t0 + width * (double)i / (double)a->gn;
    return 0;
}

/* The next row of the pass, its time in trace seconds of the window. */
static int arrivals_replay_row(struct arrivals *a, struct arrival *out)
{
    int rc;

    if (a->spec->trace.spread <= 0)
        return arrivals_pass_row(a, out);
    if (a->gpos == a->gn && (rc = arrivals_fill_group(a)) != 0)
        return rc;
    *out = a->group[a->gpos++];
    return 0;
}

static int arrivals_next_trace(struct arrivals *a, struct arrival *out)
{
    const struct arrivals_trace *t = &a->spec->trace;
    int rc;

    for (;;) {
        rc = arrivals_replay_row(a, out);
        if (rc == 0) {
            /* pass p starts at p periods; speedup compresses trace time */
            out->t = ((double)a->pass * t->period + out->t) / t->speedup;
            if (out->t < a->t)
                out->t = a->t;
            a->t = out->t;
            return 0;
        }
        if (rc != 1 || !t->loop)
            return rc;
        if (a->rd && trace_rewind(a->rd))
            return SLM_ESYS;
        a->ci = 0;
        a->pass++;
        a->have_ahead = 0;
        a->gn = a->gpos = 0;
    }
}

int arrivals_next(struct arrivals *a, struct arrival *out)
{
    double gap = 0.0;

    out->has_tokens = 0;
    out->input_tokens = out->output_tokens = 0;
    out->task = -1;
    out->line = 0;
    out->hashes = NULL;
    out->nhashes = 0;
    out->hash_pass = 0;
    switch (a->spec->process) {
    case ARRIVALS_POISSON:
        gap = rng_exponential(a->r, 1.0 / a->spec->rate);
        break;
    case ARRIVALS_GAMMA:
        gap = gsl_ran_gamma(a->r, a->gamma_shape, a->gamma_scale);
        break;
    case ARRIVALS_DIURNAL:
        gap = arrivals_next_diurnal(a) - a->t;
        break;
    case ARRIVALS_MMPP:
        gap = arrivals_next_mmpp(a) - a->t;
        break;
    case ARRIVALS_TRACE:
        return arrivals_next_trace(a, out);
    }
    a->t += gap;
    out->t = a->t;
    return 0;
}
