#include "sim/trace_stats.h"

#include <math.h>
#include <string.h>

#include "sim/diag.h"
#include "sim/hash.h"
#include "sim/mem.h"
#include "sim/units.h"

void trace_stats_init(struct trace_stats *s)
{
    static const double width[TRACE_NWIN] = {1.0, UNITS_MINUTE, UNITS_HOUR};
    int k;

    memset(s, 0, sizeof *s);
    welford_init(&s->gaps);
    for (k = 0; k < TRACE_NWIN; k++) {
        s->win[k].width = width[k];
        welford_init(&s->win[k].counts);
    }
    s->clock0 = (double)NAN;
    s->weekday0 = -1;
}

void trace_stats_fini(struct trace_stats *s)
{
    size_t i;

    mem_free(s->in.count);
    mem_free(s->out.count);
    for (i = 0; i < s->ntasks; i++)
        mem_free(s->task[i]);
    mem_free(s->hashes.slot);
    memset(s, 0, sizeof *s);
}

/* Closes the current window and counts the empty ones before index: k
 * zeros merge into the Welford state as one block (n k, mean 0, m2 0). */
static void trace_window_advance(struct trace_window *w, int64_t index,
                                 double first, int last)
{
    struct welford zeros;

    welford_add(&w->counts, (double)w->count);
    if (!last && (double)w->cur * w->width >= first) {
        w->whole++;
        if (w->count > w->peak)
            w->peak = w->count;
    }
    if (index > w->cur + 1) {
        w->whole += (uint64_t)(index - w->cur - 1); /* empty, whole */
        welford_init(&zeros);
        zeros.n = (uint64_t)(index - w->cur - 1);
        zeros.min = zeros.max = 0.0;
        welford_merge(&w->counts, &zeros);
    }
    w->cur = index;
    w->count = 0;
}

static int trace_tokens_add(struct trace_tokens *t, uint32_t v)
{
    size_t slot = v < TRACE_STATS_MAX_TOKENS ? v : TRACE_STATS_MAX_TOKENS - 1;

    if (slot >= t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        uint32_t *c;
        while (cap <= slot)
            cap *= 2;
        if (!(c = mem_realloc(t->count, cap, sizeof *c)))
            return SLM_ENOMEM;
        memset(c + t->cap, 0, (cap - t->cap) * sizeof *c);
        t->count = c;
        t->cap = cap;
    }
    t->count[slot]++;
    t->sum += v;
    if (v > t->max)
        t->max = v;
    return 0;
}

static int trace_stats_task(struct trace_stats *s, const char *task)
{
    size_t i;

    for (i = 0; i < s->ntasks; i++) {
        if (!strcmp(s->task[i], task)) {
            s->task_count[i]++;
            return 0;
        }
    }
    if (s->ntasks == TRACE_STATS_MAX_TASKS) {
        s->task_other++;
        return 0;
    }
    if (!(s->task[s->ntasks] = mem_strdup(task)))
        return SLM_ENOMEM;
    s->task_count[s->ntasks++] = 1;
    return 0;
}

/* x mod n in [0, n) for any finite x, negative ones too (C's % and fmod
 * keep the sign: a time before the origin indexed hour -1). */
static int trace_stats_mod(double x, int n)
{
    double m = fmod(x, (double)n);

    return (int)(m < 0 ? m + n : m) % n;
}

/* Clock position of t: hours since a midnight (clock known) or since the
 * start (relative traces). */
static double trace_stats_clock(const struct trace_stats *s, double t)
{
    return (isnan(s->clock0) ? 0.0 : s->clock0) + t;
}

/* Inserts id; 1 when it was there already, 0 when added, SLM_ENOMEM.
 * Linear probing at load <= 1/2, doubling as it fills. */
static int trace_hash_put(struct trace_hashes *h, uint32_t id)
{
    uint64_t key = (uint64_t)id + 1;
    size_t i;

    if (2 * (h->n + 1) > h->nslot) {
        size_t n = h->nslot ? 2 * h->nslot : 4096;
        uint64_t *slot = mem_calloc(n, sizeof *slot);
        if (!slot)
            return SLM_ENOMEM;
        for (size_t j = 0; j < h->nslot; j++) {
            if (!h->slot[j])
                continue;
            for (i = hash_home(h->slot[j], n); slot[i];
                 i = (i + 1) & (n - 1))
                ;
            slot[i] = h->slot[j];
        }
        mem_free(h->slot);
        h->slot = slot;
        h->nslot = n;
    }
    for (i = hash_home(key, h->nslot); h->slot[i];
         i = (i + 1) & (h->nslot - 1))
        if (h->slot[i] == key)
            return 1;
    h->slot[i] = key;
    h->n++;
    return 0;
}

/* Whether an earlier row had id. */
static int trace_hash_has(const struct trace_hashes *h, uint32_t id)
{
    uint64_t key = (uint64_t)id + 1;

    if (!h->nslot)
        return 0;
    for (size_t i = hash_home(key, h->nslot); h->slot[i];
         i = (i + 1) & (h->nslot - 1))
        if (h->slot[i] == key)
            return 1;
    return 0;
}

/* The row's blocks against the earlier rows' (an infinite cache), then
 * its blocks joining them: a hash repeated within one row is not one
 * "seen before". */
static int trace_hashes_add(struct trace_hashes *h, const uint32_t *ids,
                            uint32_t n)
{
    int lead = 1;

    if (n == 0 || h->full)
        return 0;
    if (h->n + n > TRACE_STATS_MAX_HASHES) {
        h->full = 1;
        mem_free(h->slot);
        h->slot = NULL;
        h->nslot = h->n = 0;
        return 0;
    }
    h->rows++;
    for (uint32_t i = 0; i < n; i++) {
        int had = trace_hash_has(h, ids[i]);
        h->blocks++;
        h->seen += (uint64_t)had;
        lead &= had;
        h->leading += (uint64_t)lead;
    }
    for (uint32_t i = 0; i < n; i++)
        if (trace_hash_put(h, ids[i]) < 0)
            return SLM_ENOMEM;
    return 0;
}

int trace_stats_add(struct trace_stats *s, const struct trace_record *rec)
{
    double c = trace_stats_clock(s, rec->t);
    int k;

    if (s->n == 0) {
        s->first = rec->t;
        for (k = 0; k < TRACE_NWIN; k++)
            s->win[k].cur = (int64_t)floor(c / s->win[k].width);
    } else {
        welford_add(&s->gaps, rec->t - s->prev);
    }
    s->n++;
    s->prev = s->last = rec->t;
    for (k = 0; k < TRACE_NWIN; k++) {
        int64_t idx = (int64_t)floor(c / s->win[k].width);
        if (idx > s->win[k].cur)
            trace_window_advance(&s->win[k], idx,
                                 trace_stats_clock(s, s->first), 0);
        s->win[k].count++;
    }
    s->hour_count[trace_stats_mod(floor(c / UNITS_HOUR), 24)]++;
    if (s->weekday0 >= 0)
        s->day_count[trace_stats_mod(s->weekday0 + floor(c / UNITS_DAY), 7)]++;
    if (trace_tokens_add(&s->in, rec->input_tokens) ||
        trace_tokens_add(&s->out, rec->output_tokens) ||
        trace_hashes_add(&s->hashes, rec->hash_ids, rec->nhash))
        return SLM_ENOMEM;
    return rec->task ? trace_stats_task(s, rec->task) : 0;
}

void trace_stats_finish(struct trace_stats *s)
{
    int k;

    if (s->n == 0)
        return;
    for (k = 0; k < TRACE_NWIN; k++)
        trace_window_advance(&s->win[k], s->win[k].cur + 1,
                             trace_stats_clock(s, s->first), 1);
}

double trace_stats_quantile(const struct trace_tokens *t, uint64_t n,
                            double q)
{
    uint64_t rank = (uint64_t)ceil(q * (double)n), acc = 0;
    size_t v;

    if (n == 0)
        return 0.0;
    if (rank < 1)
        rank = 1;
    for (v = 0; v < t->cap; v++) {
        acc += t->count[v];
        if (acc >= rank)
            return v == TRACE_STATS_MAX_TOKENS - 1 ? (double)t->max
                                                   : (double)v;
    }
    return (double)t->max;
}

double trace_stats_dispersion(const struct trace_window *w)
{
    if (w->counts.n < TRACE_STATS_MIN_WINDOWS || !(w->counts.mean > 0))
        return (double)NAN;
    return welford_variance(&w->counts) / w->counts.mean;
}

/* Walks [first, last] in clock-hour steps, crediting each hour-of-day
 * (and weekday) with the overlap.  Whole weeks in the middle credit every
 * hour and weekday alike, so they are added in one step: the walk is at
 * most two weeks of hours whatever the span (a 1e11 s span would otherwise
 * take 3e7 steps). */
void trace_stats_exposure(const struct trace_stats *s, double exposure[24],
                          double day_exposure[7])
{
    double a = trace_stats_clock(s, s->first);
    double b = trace_stats_clock(s, s->last);
    int i;

    memset(exposure, 0, 24 * sizeof *exposure);
    memset(day_exposure, 0, 7 * sizeof *day_exposure);
    while (a < b) {
        double hour = floor(a / UNITS_HOUR);
        double end = (hour + 1.0) * UNITS_HOUR;
        double len = (end < b ? end : b) - a, weeks;
        exposure[trace_stats_mod(hour, 24)] += len;
        if (s->weekday0 >= 0)
            day_exposure[trace_stats_mod(s->weekday0 + floor(a / UNITS_DAY),
                                         7)] += len;
        a = end;
        weeks = floor((b - a) / UNITS_WEEK) - 1.0;
        if (weeks >= 1.0) {
            for (i = 0; i < 24; i++)
                exposure[i] += weeks * 7.0 * UNITS_HOUR;
            for (i = 0; s->weekday0 >= 0 && i < 7; i++)
                day_exposure[i] += weeks * UNITS_DAY;
            a += weeks * UNITS_WEEK;
        }
    }
}
