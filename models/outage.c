#include "models/outage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/units.h"

/* Event args that tell a window opening from a window closing; the
 * random process's own change carries NULL. */
static char outage_open_tag, outage_close_tag;

void outage_spec_init(struct outage_spec *o)
{
    memset(o, 0, sizeof *o);
    o->availability = 1.0;
}

static int outage_window_cmp(const void *a, const void *b)
{
    const struct outage_window *x = a, *y = b;

    return (x->start > y->start) - (x->start < y->start);
}

static int outage_parse_windows(const struct cfg_node *seq, const char *where,
                                struct outage_spec *o, struct diag *d)
{
    static const char *const keys[] = {"start", "duration"};
    char w[128];
    size_t i;
    int bad = 0;

    snprintf(w, sizeof w, "%s.outages", where);
    if (cfg_expect(seq, CFG_SEQ, w, d) != 0)
        return -1;
    if (seq->n > OUTAGE_MAX_WINDOWS) {
        diag_error(d, &seq->pos, "%s lists %zu windows; at most %d", w, seq->n,
                   OUTAGE_MAX_WINDOWS);
        return -1;
    }
    o->nwindows = 0;
    for (i = 0; i < seq->n; i++) {
        const struct cfg_node *it = seq->items[i];
        struct outage_window *ow = &o->windows[o->nwindows];
        snprintf(w, sizeof w, "%s.outages[%zu]", where, i);
        if (cfg_expect(it, CFG_MAP, w, d) != 0) {
            bad = 1;
            continue;
        }
        bad |= cfg_check_keys(it, w, keys, 2, d) != 0;
        bad |= cfg_get_duration(it, "start", w, CFG_REQUIRED | CFG_NONNEG,
                                &ow->start, d) != 0;
        bad |= cfg_get_duration(it, "duration", w,
                                CFG_REQUIRED | CFG_POSITIVE, &ow->duration,
                                d) != 0;
        o->nwindows++;
    }
    qsort(o->windows, o->nwindows, sizeof o->windows[0], outage_window_cmp);
    return bad ? -1 : 0;
}

/* Reports a mean below OUTAGE_MIN_PERIOD at node at (what names it) and
 * returns -1, else 0. */
static int outage_check_periods(const struct cfg_node *at, const char *what,
                         double mean, struct diag *d)
{
    if (mean >= OUTAGE_MIN_PERIOD)
        return 0;
    diag_error(d, at ? &at->pos : NULL,
               "%s of %.3g s on average is below the floor of %g s (each "
               "period is an event: shorter ones would switch for ever; is "
               "the unit right?)",
               what, mean, OUTAGE_MIN_PERIOD);
    return -1;
}

int outage_check_mtbf(const struct cfg_node *failures, double mtbf,
                      double mttr, struct diag *d)
{
    const struct cfg_node *at = cfg_get(failures, "mtbf");
    int bad = outage_check_periods(at, "mtbf", mtbf, d) |
              outage_check_periods(cfg_get(failures, "mttr"), "mttr", mttr, d);

    if (!bad && mtbf < OUTAGE_PLAUSIBLE_MTBF)
        diag_warning(d, at ? &at->pos : NULL,
                     "mtbf of %.3g h is below 24 h: a GPU that fails more "
                     "than daily is broken, not serving (is the unit "
                     "right?)",
                     mtbf / UNITS_HOUR);
    return bad;
}

int outage_parse(const struct cfg_node *map, const char *where,
                 struct outage_spec *o, struct diag *d)
{
    const struct cfg_node *seq = cfg_get(map, "outages");
    int bad = 0;

    bad |= cfg_get_number(map, "availability", where, CFG_POSITIVE | CFG_UNIT,
                          &o->availability, d) < 0;
    bad |= cfg_get_duration(map, "mean_outage", where, CFG_POSITIVE,
                            &o->mean_outage, d) < 0;
    if (!bad && o->availability < 1.0 && !(o->mean_outage > 0.0)) {
        diag_error(d, cfg_key_pos(map, "availability"),
                   "availability below 1 needs 'mean_outage' in %s", where);
        bad = 1;
    }
    if (!bad && o->availability < 1.0)
        bad |= outage_check_periods(cfg_get(map, "availability"),
                                    "the up period (mean_outage * availability "
                                    "/ (1 - availability))",
                                    o->mean_outage * o->availability /
                                        (1.0 - o->availability),
                                    d) |
               outage_check_periods(cfg_get(map, "mean_outage"),
                                    "mean_outage", o->mean_outage, d);
    if (seq)
        bad |= outage_parse_windows(seq, where, o, d) != 0;
    return bad ? -1 : 0;
}

const char *outage_describe(const struct outage_spec *o, char *buf,
                            size_t size)
{
    size_t used = 0;

    if (o->availability < 1.0)
        used = (size_t)snprintf(buf, size,
                                "availability %.6g, mean outage %.4g h",
                                o->availability, o->mean_outage / UNITS_HOUR);
    else
        used = (size_t)snprintf(buf, size, "no random outages");
    if (o->nwindows && used < size)
        snprintf(buf + used, size - used, ", %zu forced outage%s",
                 o->nwindows, o->nwindows == 1 ? "" : "s");
    return buf;
}

int outage_down(const struct outage *o)
{
    return o->random_down || o->forced > 0;
}

/* Adds the down time since the last change, inside the window only. */
static void outage_account(struct outage *o, struct sim *s)
{
    double now = sim_now(s);

    if (now > o->last_t) {
        if (outage_down(o))
            o->down_time += now - o->last_t;
        o->last_t = now;
    }
}

/* Up periods: exponential with mean mean_outage A/(1-A); down periods:
 * exponential with mean mean_outage.  E[up]/(E[up]+E[down]) = A. */
static double outage_period(const struct outage *o, int down)
{
    double a = o->spec->availability;
    double mean = down ? o->spec->mean_outage
                       : o->spec->mean_outage * a / (1.0 - a);

    return rng_exponential(o->rng, mean);
}

static void outage_change(struct sim *s, void *ctx, void *arg)
{
    struct outage *o = ctx;
    int was_down;

    outage_account(o, s);
    was_down = outage_down(o);
    if (arg == &outage_open_tag)
        o->forced++;
    else if (arg == &outage_close_tag)
        o->forced--;
    else {
        o->random_down = !o->random_down;
        sim_schedule_in(s, outage_period(o, o->random_down), outage_change, o,
                        NULL);
    }
    if (!was_down && outage_down(o)) {
        o->open = downlog_open(&o->log, sim_now(s));
        if (sim_measuring(s))
            o->began++;
    } else if (was_down && !outage_down(o)) {
        downlog_close(&o->log, o->open, sim_now(s));
    }
}

void outage_start(struct outage *o, struct sim *s,
                  const struct outage_spec *spec, gsl_rng *rng)
{
    size_t i;

    memset(o, 0, sizeof *o);
    downlog_init(&o->log);
    o->open = DOWNLOG_NONE;
    o->spec = spec;
    o->rng = rng;
    o->last_t = sim_warmup(s);
    if (spec->availability < 1.0) {
        o->random_down = gsl_rng_uniform(rng) >= spec->availability;
        if (o->random_down)
            o->open = downlog_open(&o->log, 0.0);
        sim_schedule_in(s, outage_period(o, o->random_down), outage_change, o,
                        NULL);
    }
    for (i = 0; i < spec->nwindows; i++) {
        const struct outage_window *w = &spec->windows[i];
        sim_schedule_at(s, w->start, outage_change, o, &outage_open_tag);
        sim_schedule_at(s, w->start + w->duration, outage_change, o,
                        &outage_close_tag);
    }
}

double outage_availability_seen(struct outage *o, struct sim *s)
{
    double window = sim_horizon(s) - sim_warmup(s);

    outage_account(o, s);
    return window > 0.0 ? 1.0 - o->down_time / window : 1.0;
}
