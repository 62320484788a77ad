#include "models/station.h"

#include <stdio.h>
#include <string.h>

#include "sim/mem.h"
#include "sim/status.h"

struct station {
    const struct station_cfg *cfg; /* borrowed from the scenario */
    struct backend_env env;
    gsl_rng *rng;
    long busy;
    size_t queued;
    struct request *head, *tail; /* FIFO of waiting requests */
    /* time integrals over the measurement window, for utilization and the
     * time-average queue length (Little's law checks) */
    double last_t;
    double busy_area, queue_area;
    size_t queue_max;
};

static int station_parse(const struct cfg_node *map, const char *where,
                         void **out, struct diag *d)
{
    static const char *const keys[] = {"kind", "servers", "service"};
    struct station_cfg *c = mem_calloc(1, sizeof *c);
    const struct cfg_node *svc;
    char svc_where[96];
    int bad = 0, st;

    if (!c)
        return SLM_ENOMEM;
    *out = c;
    c->servers = 1;
    dist_init_fixed(&c->service, 0.0);
    bad |= cfg_check_keys(map, where, keys, 3, d) != 0;
    bad |= cfg_get_int(map, "servers", where, 0, 1, STATION_MAX_SERVERS,
                       &c->servers, d) < 0;
    svc = cfg_get(map, "service");
    if (!svc) {
        diag_error(d, &map->pos, "missing required key 'service' in %s",
                   where);
        return SLM_EINPUT;
    }
    snprintf(svc_where, sizeof svc_where, "%s.service", where);
    st = dist_parse(svc, svc_where, DIST_DURATION, &c->service, d);
    if (st == SLM_ENOMEM)
        return SLM_ENOMEM;
    bad |= st != 0;
    return bad ? SLM_EINPUT : SLM_OK;
}

static void station_cfg_free(void *cfg)
{
    struct station_cfg *c = cfg;

    if (!c)
        return;
    dist_fini(&c->service);
    mem_free(c);
}

static const char *station_describe(const void *cfg, char *buf, size_t size)
{
    const struct station_cfg *c = cfg;
    char svc[96];

    snprintf(buf, size, "station, %ld server%s, service %s", c->servers,
             c->servers == 1 ? "" : "s",
             dist_describe(&c->service, DIST_DURATION, svc, sizeof svc));
    return buf;
}

static void *station_create(struct sim *s, const void *cfg, const char *name,
                            const struct backend_env *env)
{
    struct station *st = mem_calloc(1, sizeof *st);
    char source[128];

    if (!st)
        return NULL;
    st->cfg = cfg;
    st->env = *env;
    snprintf(source, sizeof source, "backend.%s.service", name);
    st->rng = sim_stream(s, source);
    if (!st->rng) {
        mem_free(st);
        return NULL;
    }
    st->last_t = sim_warmup(s);
    return st;
}

static void station_destroy(void *self)
{
    mem_free(self);
}

/* Accumulates busy and queue areas up to now, inside the window only. */
static void station_account(struct station *st, struct sim *s)
{
    double now = sim_now(s);

    if (now > st->last_t) {
        st->busy_area += (double)st->busy * (now - st->last_t);
        st->queue_area += (double)st->queued * (now - st->last_t);
        st->last_t = now;
    }
}

static void station_finish(struct sim *s, void *ctx, void *arg);

static void station_start(struct sim *s, struct station *st,
                          struct request *r)
{
    double service = dist_sample(&st->cfg->service, st->rng);

    st->busy++;
    r->t_start = sim_now(s);
    sim_schedule_in(s, service > 0.0 ? service : 0.0, station_finish, st, r);
}

static void station_finish(struct sim *s, void *ctx, void *arg)
{
    struct station *st = ctx;
    struct request *r = arg;
    struct request *next;

    station_account(st, s);
    st->busy--;
    r->t_first_token = sim_now(s);
    if (st->head) {
        next = st->head;
        st->head = next->next;
        if (!st->head)
            st->tail = NULL;
        st->queued--;
        station_start(s, st, next);
    }
    st->env.done(s, st->env.ctx, r, BACKEND_DONE);
}

static void station_submit(struct sim *s, void *self, struct request *r)
{
    struct station *st = self;

    station_account(st, s);
    if (st->busy < st->cfg->servers) {
        station_start(s, st, r);
        return;
    }
    r->next = NULL;
    if (st->tail)
        st->tail->next = r;
    else
        st->head = r;
    st->tail = r;
    st->queued++;
    if (sim_measuring(s) && st->queued > st->queue_max)
        st->queue_max = st->queued;
}

static void station_collect(void *self, struct sim *s,
                            struct backend_figures *out)
{
    struct station *st = self;
    double window = sim_horizon(s) - sim_warmup(s);

    station_account(st, s);
    backend_figures_add(out, "utilization",
                        st->busy_area / ((double)st->cfg->servers * window));
    backend_figures_add(out, "busy.mean", st->busy_area / window);
    backend_figures_add(out, "queue.mean", st->queue_area / window);
    backend_figures_add(out, "queue.max", (double)st->queue_max);
}

/* FCFS with c servers: a newcomer waits for the queue ahead of it and
 * then for one server, about (queued + 1) E[S] / c once all are busy.
 * Exact in expectation for exponential service (memoryless residuals);
 * an estimate otherwise, which is all an overflow router has. */
static double station_predicted_wait(void *self, struct sim *s,
                                     const struct request *r)
{
    struct station *st = self;

    (void)s;
    (void)r;
    if (st->busy < st->cfg->servers)
        return 0.0;
    return ((double)st->queued + 1.0) * dist_mean(&st->cfg->service) /
           (double)st->cfg->servers;
}

const struct backend_kind station_kind = {
    .name = "station",
    .has_tokens = 0,
    .parse = station_parse,
    .cfg_free = station_cfg_free,
    .describe = station_describe,
    .create = station_create,
    .destroy = station_destroy,
    .submit = station_submit,
    .collect = station_collect,
    .predicted_wait = station_predicted_wait,
    .available = NULL,
};
