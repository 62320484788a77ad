#include "models/downlog.h"

#include <math.h>
#include <string.h>

void downlog_init(struct downlog *l)
{
    memset(l, 0, sizeof *l);
}

size_t downlog_open(struct downlog *l, double t)
{
    if (l->n >= DOWNLOG_MAX) {
        l->cut++;
        return DOWNLOG_NONE;
    }
    l->w[l->n].start = t;
    l->w[l->n].end = (double)NAN;
    return l->n++;
}

void downlog_close(struct downlog *l, size_t slot, double t)
{
    if (slot < l->n)
        l->w[slot].end = t;
}

void downlog_finish(struct downlog *l, double t)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (isnan(l->w[i].end))
            l->w[i].end = t;
}
