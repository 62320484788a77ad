#include "study/jobs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/interrupt.h"
#include "sim/mem.h"
#include "sim/status.h"

/* A child's row travels behind its status, so that a failed item is told
 * apart from a dead child (no bytes) and from a short write.  The status
 * takes a whole JOBS_HEAD so that the row behind it is aligned for any
 * type (a row of doubles at offset 4 would not be). */
#define JOBS_HEAD _Alignof(max_align_t)
struct jobs_worker {
    pid_t pid;
    int fd;
    size_t k, got;
    unsigned char *buf; /* JOBS_HEAD + rowsize */
};

unsigned jobs_default(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    return cpus < 1 ? 1 : cpus > JOBS_MAX ? JOBS_MAX : (unsigned)cpus;
}

static void jobs_progress(const struct jobs_spec *s, size_t done,
                          size_t total, size_t running)
{
    if (s->progress)
        s->progress(s->progress_ctx, done, total, running);
}

/* Item k in this process: its status into buf, then its row. */
static void jobs_compute(const struct jobs_spec *s, size_t k,
                         unsigned char *buf)
{
    int32_t st;

    memset(buf, 0, JOBS_HEAD + s->rowsize);
    st = (int32_t)s->compute(s->ctx, k, buf + JOBS_HEAD);
    memcpy(buf, &st, sizeof st);
}

/* Item k's bytes arrived: kept by index, handed to done. */
static void jobs_finish(const struct jobs_spec *s, size_t k,
                        const unsigned char *buf, void *rows,
                        int *status, size_t *failed)
{
    int32_t st;

    memcpy(&st, buf, sizeof st);
    if (status)
        status[k] = st;
    if (st) {
        if (failed)
            (*failed)++;
        return;
    }
    if (rows)
        memcpy((unsigned char *)rows + k * s->rowsize, buf + JOBS_HEAD,
               s->rowsize);
    if (s->done)
        s->done(s->ctx, k, buf + JOBS_HEAD);
}

/* Item k is missing: its worker died or never started (errno ECHILD for
 * the message the caller prints). */
static void jobs_lost(size_t k, int *status, size_t *failed)
{
    errno = ECHILD;
    if (status)
        status[k] = SLM_ESYS;
    if (failed)
        (*failed)++;
}

static size_t jobs_total(const struct jobs_spec *s)
{
    size_t t = 0;

    for (size_t k = 0; k < s->n; k++)
        t += !(s->skip && s->skip[k]);
    return t;
}

static int jobs_is_here(const struct jobs_spec *s, size_t k)
{
    return s->here && k < s->nhere;
}

/* Item k in this process through s->here. */
static void jobs_here(const struct jobs_spec *s, size_t k, int *status,
                      size_t *failed)
{
    int st = s->here(s->ctx, k);

    if (interrupt_pending())
        return; /* counted missing, as a worker's item would be */
    if (status)
        status[k] = st;
    if (st && failed)
        (*failed)++;
}

static int jobs_serial(const struct jobs_spec *s, void *rows,
                       int *status, size_t *failed)
{
    size_t total = jobs_total(s), done = 0;
    unsigned char *buf = mem_alloc(JOBS_HEAD + s->rowsize);

    if (!buf)
        return SLM_ENOMEM;
    for (size_t k = 0; k < s->n && !interrupt_pending(); k++) {
        if (s->skip && s->skip[k])
            continue;
        jobs_progress(s, done, total, 1);
        if (jobs_is_here(s, k)) {
            jobs_here(s, k, status, failed);
            jobs_progress(s, ++done, total, 0);
            continue;
        }
        jobs_compute(s, k, buf);
        if (!interrupt_pending())
            jobs_finish(s, k, buf, rows, status, failed);
        jobs_progress(s, ++done, total, 0);
    }
    mem_free(buf);
    return interrupt_pending() ? SLM_EINTR : SLM_OK;
}

/* Writes all of buf[0..n) to fd; 0, or -1. */
static int jobs_write_all(int fd, const unsigned char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Forks a worker for item k; -1 when the system refuses. */
static int jobs_spawn(const struct jobs_spec *s, size_t k,
                      struct jobs_worker *w)
{
    int fds[2];

    if (pipe(fds))
        return -1;
    /* Nothing buffered may be written twice, by the child too. */
    fflush(stdout);
    fflush(stderr);
    w->pid = fork();
    if (w->pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (w->pid == 0) {
        close(fds[0]);
        jobs_compute(s, k, w->buf);
        /* _exit: the parent's stdio buffers and atexit work are its own */
        _exit(jobs_write_all(fds[1], w->buf, JOBS_HEAD + s->rowsize)
                  ? 1 : 0);
    }
    close(fds[1]);
    w->fd = fds[0];
    w->k = k;
    w->got = 0;
    return 0;
}

/* Reads what worker w sent; 1 when it is finished (EOF or an error). */
static int jobs_drain(const struct jobs_spec *s, struct jobs_worker *w)
{
    size_t size = JOBS_HEAD + s->rowsize;
    unsigned char extra;
    ssize_t n;

    if (w->got == size)
        n = read(w->fd, &extra, 1);
    else
        n = read(w->fd, w->buf + w->got, size - w->got);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : 1;
    if (n == 0)
        return 1;
    if (w->got < size)
        w->got += (size_t)n;
    return 0;
}

/* Waits for w's process; 1 when it exited cleanly with its whole row. */
static int jobs_reap(const struct jobs_spec *s, struct jobs_worker *w)
{
    int ws = 0;

    close(w->fd);
    while (waitpid(w->pid, &ws, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 &&
           w->got == JOBS_HEAD + s->rowsize;
}

static void jobs_poll(const struct jobs_spec *s, struct jobs_worker *w,
                      size_t *active, void *rows, int *status,
                      size_t *failed, size_t *done)
{
    struct pollfd pf[JOBS_MAX];

    for (size_t i = 0; i < *active; i++)
        pf[i] = (struct pollfd){w[i].fd, POLLIN, 0};
    if (poll(pf, (nfds_t)*active, 1000) < 0)
        return; /* EINTR: the caller looks at the interrupt */
    for (size_t i = *active; i-- > 0;) {
        unsigned char *buf = w[i].buf;
        if (!pf[i].revents || !jobs_drain(s, &w[i]))
            continue;
        if (jobs_reap(s, &w[i]) && !interrupt_pending())
            jobs_finish(s, w[i].k, buf, rows, status, failed);
        else if (!interrupt_pending())
            jobs_lost(w[i].k, status, failed);
        (*done)++;
        w[i] = w[--*active];
        w[*active].buf = buf; /* buffers stay with the slots */
    }
}

/* Starts workers for the next wanted items until limit run at once. */
static void jobs_fill(const struct jobs_spec *s, struct jobs_worker *w,
                      size_t limit, size_t *active, size_t *next,
                      int *status, size_t *failed, size_t *done)
{
    while (!interrupt_pending() && *active < limit) {
        while (*next < s->n && s->skip && s->skip[*next])
            ++*next;
        if (*next == s->n)
            break;
        if (jobs_spawn(s, *next, &w[*active])) {
            fprintf(stderr, "slmsim: error: cannot start a worker: %s\n",
                    strerror(errno));
            jobs_lost(*next, status, failed);
            ++*done;
        } else {
            ++*active;
        }
        ++*next;
    }
}

static int jobs_pool(const struct jobs_spec *s, void *rows,
                     int *status, size_t *failed)
{
    size_t jobs = s->jobs > JOBS_MAX ? JOBS_MAX : s->jobs;
    /* each slot's buffer starts aligned too */
    size_t size = JOBS_HEAD + (s->rowsize + JOBS_HEAD - 1) / JOBS_HEAD *
                                  JOBS_HEAD;
    size_t total = jobs_total(s), next = 0, active = 0, done = 0;
    struct jobs_worker w[JOBS_MAX];
    unsigned char *bufs = mem_alloc(jobs * size);

    if (!bufs)
        return SLM_ENOMEM;
    for (size_t i = 0; i < jobs; i++)
        w[i].buf = bufs + i * size;
    if (s->here) {
        /* this process is one of the jobs while it computes its own */
        next = s->nhere < s->n ? s->nhere : s->n;
        jobs_fill(s, w, jobs - 1, &active, &next, status, failed, &done);
        for (size_t k = 0; k < s->nhere && k < s->n; k++) {
            if ((s->skip && s->skip[k]) || interrupt_pending())
                continue;
            jobs_progress(s, done, total, active + 1);
            jobs_here(s, k, status, failed);
            done++;
        }
    }
    for (;;) {
        jobs_fill(s, w, jobs, &active, &next, status, failed, &done);
        if (active == 0)
            break;
        if (interrupt_pending())
            for (size_t i = 0; i < active; i++)
                kill(w[i].pid, SIGTERM);
        jobs_progress(s, done, total, active);
        jobs_poll(s, w, &active, rows, status, failed, &done);
    }
    jobs_progress(s, done, total, 0);
    mem_free(bufs);
    return interrupt_pending() ? SLM_EINTR : SLM_OK;
}

int jobs_run(const struct jobs_spec *spec, void *rows, int *status,
             size_t *failed)
{
    if (status)
        for (size_t k = 0; k < spec->n; k++)
            status[k] = SLM_ESYS; /* until it arrives */
    if (rows)
        memset(rows, 0, spec->n * spec->rowsize);
    if (spec->jobs <= 1 || jobs_total(spec) <= 1)
        return jobs_serial(spec, rows, status, failed);
    return jobs_pool(spec, rows, status, failed);
}
