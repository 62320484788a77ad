/*
 * downlog: when a backend was down, window by window, for the timeline.
 *
 * A backend records each down window [start, end) of one replication as
 * it happens: an API's outages (random or forced: models/outage.h) and
 * each GPU replica's failure until its repair.  Windows are kept from
 * time 0, warm-up included, since the timeline shows it.  At most
 * DOWNLOG_MAX windows are kept, the first ones; later ones are counted in
 * cut, so that whoever shows them can say that more were left out.  The
 * log is plain storage inside the backend instance: no allocation.
 */
#ifndef SLM_DOWNLOG_H
#define SLM_DOWNLOG_H

#include <stddef.h>
#include <stdint.h>

#define DOWNLOG_MAX 256
/* The slot a window that was not kept gets from downlog_open. */
#define DOWNLOG_NONE ((size_t)-1)

struct downlog_window {
    double start, end; /* s from time 0; end is NaN while still down */
};

struct downlog {
    size_t n;     /* windows kept */
    uint64_t cut; /* windows begun past DOWNLOG_MAX, not kept */
    struct downlog_window w[DOWNLOG_MAX];
};

void downlog_init(struct downlog *l);

/* A window begins at t: its slot, or DOWNLOG_NONE when the log is full
 * (counted in cut). */
size_t downlog_open(struct downlog *l, double t);

/* The window in slot ends at t (DOWNLOG_NONE: nothing to do). */
void downlog_close(struct downlog *l, size_t slot, double t);

/* Windows still open end at t (the clock at the end of the run). */
void downlog_finish(struct downlog *l, double t);

#endif
