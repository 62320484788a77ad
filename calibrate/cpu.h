/*
 * cpu: the CPU twin of the benchmark, timing calibrate/kernels.h with
 * clock_gettime(CLOCK_MONOTONIC).
 *
 * Runs the same plan as the CUDA benchmark (docs/calibration.md, "What
 * is timed") at the model's shapes, on smaller batches and prompts (a CPU
 * would take hours at GPU sizes), after kern_check() has passed, and adds
 * one sample per timed repetition to a fit_samples set.  Buffers rotate
 * through a pool of at least twice the last-level cache so no repetition
 * is served from it.  A CPU file is the CPU's figures, not a GPU's: it
 * exists so that the whole path runs and is tested without a GPU.
 */
#ifndef SLM_CPU_H
#define SLM_CPU_H

#include <stddef.h>

#include "calibrate/fit.h"
#include "models/catalog.h"

struct cpu_bench_opts {
    const struct model_spec *model; /* borrowed */
    unsigned dtypes;    /* bit (1 << enum calib_dtype) per format */
    int quick;          /* fewer sizes and repetitions: under a minute */
    /* progress: called before each part with its name (NULL: none) */
    void (*progress)(void *ctx, const char *part);
    void *ctx;
};

/* The plan's settings for o (repetitions, warm-ups, pool bytes). */
int cpu_bench_repetitions(const struct cpu_bench_opts *o);
int cpu_bench_warmup(const struct cpu_bench_opts *o);
double cpu_bench_pool_bytes(void);

/* "cpu (Intel(R) Xeon(R) ...)" from /proc/cpuinfo ("cpu (unknown)" when
 * it cannot be read), into buf, which is returned. */
const char *cpu_bench_name(char *buf, size_t size);

/* Checks the kernels, then times the plan into ss.  Returns 0; SLM_ENUM
 * when a check failed (what, in msg); SLM_ENOMEM. */
int cpu_bench_run(const struct cpu_bench_opts *o, struct fit_samples *ss,
                  char *msg, size_t size);

#endif
