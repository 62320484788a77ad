/*
 * bench_mmc: engine speed and memory on an M/M/16 station at rho = 0.9.
 *
 * Runs 10^6, 10^7 and 10^8 customers, each in a child process so that its peak
 * resident set (getrusage of the child) is its own, and prints simulated
 * events per second of wall time and peak RSS.  Memory must not grow with
 * the number of customers: statistics are streaming and requests come
 * from a pool bounded by the number in flight.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/run.h"
#include "models/scenario.h"

static double bench_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Child: simulate `customers` arrivals and print one result line. */
static int bench_child(double customers)
{
    const double lambda = 6.037735849;
    char path[] = "/tmp/slmsim-bench-XXXXXX";
    struct scenario *sc = NULL;
    struct run_result res;
    struct diag d;
    double t0, t1;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    if (!f)
        return 1;
    fprintf(f,
            "name: bench\nseed: 1\nhorizon: %.0fs\nwarmup: 0s\n"
            "replications: 1\n"
            "workload: {arrivals: {process: poisson, rate: %.10g/s}}\n"
            "backends: {mm16: {kind: station, servers: 16, "
            "service: {dist: exponential, mean: 2.385s}}}\n",
            customers / lambda, lambda);
    fclose(f);
    diag_init(&d, stderr);
    if (scenario_load(path, NULL, &d, &sc) != 0)
        return 1;
    unlink(path);
    if (run_result_init(&res, sc->nbackends) != 0)
        return 1;
    t0 = bench_wall();
    if (run_replication(sc, 0, NULL, &d, &res) != 0)
        return 1;
    t1 = bench_wall();
    printf("%.0e customers: %llu events in %.2f s = %.2f M events/s "
           "(%.2f M customers/s); peak in flight %zu, queue peak %zu\n",
           customers, (unsigned long long)res.events, t1 - t0,
           (double)res.events / (t1 - t0) / 1e6,
           (double)res.arrived / (t1 - t0) / 1e6, res.peak_in_flight,
           res.evq_peak);
    fflush(stdout);
    run_result_fini(&res);
    scenario_free(sc);
    return 0;
}

int main(void)
{
    const double sizes[] = {1e6, 1e7, 1e8};
    size_t i;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct rusage ru;
        int status;
        pid_t pid;

        fflush(stdout); /* or the child would print our buffer again */
        pid = fork();

        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(bench_child(sizes[i]));
        if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_mmc: run failed\n");
            return 1;
        }
        printf("%.0e customers: peak RSS %.1f MiB\n", sizes[i],
               (double)ru.ru_maxrss / 1024.0);
    }
    return 0;
}
