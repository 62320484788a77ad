/*
 * tight_mmc: the same M/M/16 at rho = 0.9 as a hand-written C event loop,
 * the yardstick for how fast slmsim's engine could be on this machine.
 *
 *   tight_mmc [CUSTOMERS [SEED]]      (default 10^6 customers, seed 1)
 *
 * It keeps, per customer, what slmsim's station run keeps: the mean,
 * variance, minimum and maximum (Welford) and a log-bucketed histogram of
 * the wait in queue and of the time in system, the time-weighted busy
 * servers and queue length, and the arrival and completion counts.  What
 * it leaves out is what a general engine pays for: no scenario, no
 * router, no backend interface, no request pool, no warm-up, no horizon
 * or event ceilings, no sequence numbers (ties at equal times are left to
 * the heap), one generator for every draw (xoshiro256**, -mean log(u)).
 * So the ratio slmsim / tight_mmc is the price of the engine's
 * generality, and 1/ratio the most a faster engine could gain here.
 * bench/mmc_compare.py runs it interleaved with slmsim and the Python
 * loops; it prints the customers served and their mean wait (Erlang C:
 * 0.881 s).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIGHT_SERVERS 16
#define TIGHT_RATE 6.037735849
#define TIGHT_MEAN_SERVICE 2.385
#define TIGHT_QUEUE (1u << 20) /* ring of waiting arrival times */
#define TIGHT_BUCKETS 2048     /* 2^-6 octave buckets from 2^-16 s */

struct tight_rng {
    uint64_t s[4];
};

static uint64_t tight_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna 2018). */
static uint64_t tight_next(struct tight_rng *r)
{
    uint64_t *s = r->s, out = tight_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = tight_rotl(s[3], 45);
    return out;
}

static double tight_exp(struct tight_rng *r, double mean)
{
    /* u in (0, 1]: the top 53 bits, plus one ulp so log never sees 0 */
    double u = (double)((tight_next(r) >> 11) + 1) * 0x1p-53;
    return -mean * log(u);
}

struct tight_stat {
    uint64_t n, zero, bucket[TIGHT_BUCKETS];
    double mean, m2, min, max;
};

static void tight_add(struct tight_stat *st, double x)
{
    double delta = x - st->mean;
    st->n++;
    st->mean += delta / (double)st->n;
    st->m2 += delta * (x - st->mean);
    if (x < st->min)
        st->min = x;
    if (x > st->max)
        st->max = x;
    if (!(x >= 0x1p-16)) {
        st->zero++;
        return;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    size_t k = (size_t)((bits >> 46) - ((uint64_t)(1023 - 16) << 6));
    st->bucket[k < TIGHT_BUCKETS ? k : TIGHT_BUCKETS - 1]++;
}

/* The future events: a binary min-heap of (time, kind), kind 0 an
 * arrival, 1 a departure; at most one arrival and 16 departures. */
struct tight_ev {
    double t;
    int kind;
};

struct tight_heap {
    struct tight_ev h[TIGHT_SERVERS + 2];
    size_t n;
};

static void tight_push(struct tight_heap *q, double t, int kind)
{
    size_t i = q->n++;
    while (i > 0 && q->h[(i - 1) / 2].t > t) {
        q->h[i] = q->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->h[i].t = t;
    q->h[i].kind = kind;
}

static struct tight_ev tight_pop(struct tight_heap *q)
{
    struct tight_ev top = q->h[0], last = q->h[--q->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n)
            break;
        if (c + 1 < q->n && q->h[c + 1].t < q->h[c].t)
            c++;
        if (!(q->h[c].t < last.t))
            break;
        q->h[i] = q->h[c];
        i = c;
    }
    q->h[i] = last;
    return top;
}

int main(int argc, char **argv)
{
    uint64_t customers = argc > 1 ? (uint64_t)strtod(argv[1], NULL) : 1000000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    struct tight_rng r = {{seed ^ 0x9e3779b97f4a7c15u, 0xbf58476d1ce4e5b9u,
                           0x94d049bb133111ebu, 0x2545f4914f6cdd1du}};
    static struct tight_stat wait, sys;
    static double ring[TIGHT_QUEUE];
    size_t head = 0, queued = 0;
    struct tight_heap q = {.n = 0};
    double now = 0, last = 0, busy_area = 0, queue_area = 0;
    uint64_t arrived = 0, served = 0;
    int busy = 0;

    wait.min = sys.min = INFINITY;
    wait.max = sys.max = -INFINITY;
    tight_push(&q, tight_exp(&r, 1 / TIGHT_RATE), 0);
    while (q.n > 0) {
        struct tight_ev ev = tight_pop(&q);
        now = ev.t;
        busy_area += busy * (now - last);
        queue_area += (double)queued * (now - last);
        last = now;
        if (ev.kind == 0) {
            if (++arrived < customers)
                tight_push(&q, now + tight_exp(&r, 1 / TIGHT_RATE), 0);
            if (busy < TIGHT_SERVERS) {
                busy++;
                tight_add(&wait, 0.0);
                /* time in system is known at the start: arrival + service */
                double s = tight_exp(&r, TIGHT_MEAN_SERVICE);
                tight_add(&sys, s);
                tight_push(&q, now + s, 1);
            } else if (queued < TIGHT_QUEUE) {
                ring[(head + queued++) & (TIGHT_QUEUE - 1)] = now;
            }
            continue;
        }
        served++;
        if (queued == 0) {
            busy--;
            continue;
        }
        double t_arr = ring[head];
        head = (head + 1) & (TIGHT_QUEUE - 1);
        queued--;
        double s = tight_exp(&r, TIGHT_MEAN_SERVICE);
        tight_add(&wait, now - t_arr);
        tight_add(&sys, now - t_arr + s);
        tight_push(&q, now + s, 1);
    }
    printf("customers %llu mean_wait %.4f mean_system %.4f busy %.4f "
           "queue %.4f\n",
           (unsigned long long)served, wait.mean, sys.mean,
           busy_area / now, queue_area / now);
    return 0;
}
