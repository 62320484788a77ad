/*
 * bench_trace: trace replay streams, so memory does not grow with the
 * length of the trace.
 *
 * Generates Azure-format traces (date-time with seven fractional digits,
 * CRLF) of 50,000 and then N lines (default 5,000,000; argv[1] overrides),
 * replays each through `scenario_load` (which reads the whole file once)
 * and a full replication against a station, and prints the process's peak
 * resident set size after each.  ru_maxrss is a high-water mark, so the
 * growth from the small run to the large one is what the long trace cost.
 * The long trace is above ARRIVALS_TRACE_CACHE_ROWS and streams.  Then a
 * 1,000,000-line trace with three replications: the scan keeps its rows,
 * so no replication parses the file again (memory: 32 bytes a row).  Each
 * step prints lines per second.
 *
 *   make bench        or    build/bench/bench_trace 5000000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "models/run.h"
#include "models/scenario.h"

static long peak_rss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Requests every 0.1 s on average (jittered, sorted), 2024-01-01 on. */
static int generate(const char *path, long lines)
{
    FILE *f = fopen(path, "wb");
    long i, tenths;
    unsigned s = 2385;

    if (!f)
        return -1;
    fputs("TIMESTAMP,ContextTokens,GeneratedTokens\r\n", f);
    for (i = 0; i < lines; i++) {
        long t = i * 1000000L + (long)((s = s * 1103515245u + 12345u) >> 12) % 999999;
        long sec = t / 10000000L;
        tenths = t % 10000000L;
        fprintf(f, "2024-01-%02ld %02ld:%02ld:%02ld.%07ld,%u,%u%s",
                1 + sec / 86400, sec / 3600 % 24, sec / 60 % 60, sec % 60,
                tenths, 100 + (s >> 8) % 4000, 1 + (s >> 4) % 500,
                i + 1 < lines ? "\r\n" : "");
    }
    return fclose(f) ? -1 : 0;
}

static int replay(const char *dir, long lines, unsigned reps)
{
    char trace[512], yaml[512];
    struct scenario *sc = NULL;
    struct run_result res;
    struct diag d;
    double t0;
    FILE *f;
    int st;

    snprintf(trace, sizeof trace, "%s/trace-%ld.csv", dir, lines);
    snprintf(yaml, sizeof yaml, "%s/replay-%ld.yaml", dir, lines);
    t0 = wall();
    if (generate(trace, lines))
        return -1;
    f = fopen(yaml, "w");
    if (!f)
        return -1;
    fprintf(f, "name: bench\nhorizon: %lds\nreplications: 1\n"
               "workload:\n  arrivals: {process: trace, path: trace-%ld.csv, "
               "format: azure-llm}\nbackends:\n  s: {kind: station, "
               "servers: 4, service: 100ms}\n",
            lines / 10 + 60, lines);
    fclose(f);
    printf("  %ld lines generated in %.1f s\n", lines, wall() - t0);
    diag_init(&d, stderr);
    t0 = wall();
    st = scenario_load(yaml, NULL, &d, &sc);
    if (st)
        return -1;
    printf("  scanned in %.2f s (%.2f M lines/s)\n", wall() - t0,
           (double)lines / (wall() - t0) / 1e6);
    /* The scan keeps a window of up to ARRIVALS_TRACE_CACHE_ROWS rows:
     * replications then replay them without parsing the file again. */
    for (unsigned r = 0; r < reps; r++) {
        t0 = wall();
        if (run_result_init(&res, sc->nbackends) ||
            run_replication(sc, r, NULL, &d, &res)) {
            run_result_fini(&res);
            scenario_free(sc);
            return -1;
        }
        printf("  replication %u: replayed %llu requests in %.2f s "
               "(%.2f M lines/s; %s; peak in flight %zu)\n", r + 1,
               (unsigned long long)res.arrived, wall() - t0,
               (double)res.arrived / (wall() - t0) / 1e6,
               sc->workload.arrivals.trace.cache ? "from the scan's rows"
                                                 : "streamed from the file",
               res.peak_in_flight);
        run_result_fini(&res);
    }
    scenario_free(sc);
    unlink(trace);
    unlink(yaml);
    return 0;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/slmsim-bench-XXXXXX";
    long lines = argc > 1 ? atol(argv[1]) : 5000000L, small;

    if (!mkdtemp(dir)) {
        perror("bench_trace: mkdtemp");
        return 1;
    }
    printf("trace replay: lines per second, bounded memory\n");
    if (replay(dir, 50000, 1))
        return 1;
    small = peak_rss_kib();
    printf("  peak RSS after 50,000 lines: %ld KiB\n", small);
    if (replay(dir, lines, 1))
        return 1;
    printf("  peak RSS after %ld lines: %ld KiB (+%ld KiB)\n", lines,
           peak_rss_kib(), peak_rss_kib() - small);
    if (replay(dir, 1000000, 3))
        return 1;
    printf("  peak RSS after 1,000,000 cached lines: %ld KiB\n",
           peak_rss_kib());
    rmdir(dir);
    return 0;
}
