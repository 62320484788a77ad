/*
 * fit: from the benchmark's raw samples to a calibration file's figures.
 *
 * The samples are one row per timed repetition (docs/calibration.md, "Raw
 * samples"): what ran (kernel, weight format, shape, batch, dims,
 * context), the bytes it moved, the FLOPs it did and its time.  fit_run()
 * turns them into the figures of a struct calib by weighted least squares
 * (gsl_multifit_wlinear, weights 1/t^2 so that every size counts by its
 * relative error, covariance scaled by chi^2/(n-p)) and fits the jitter of
 * step times as gamma or lognormal by maximum likelihood.
 *
 * The same samples come from the CPU twin (calibrate/cpu.h), from the
 * CUDA benchmark's CSV, or from a saved CSV (`slmsim calibrate --fit`), so
 * one path fits them all.
 */
#ifndef SLM_FIT_H
#define SLM_FIT_H

#include <stddef.h>
#include <stdio.h>

#include "models/calib.h"
#include "sim/diag.h"

#define FIT_MAX_ROWS 10000000L   /* rows in a samples file */
#define FIT_MAX_LINE 1024        /* bytes in one line of it */
#define FIT_SAMPLES_FORMAT 2

enum fit_kernel {
    FIT_K_READ,         /* streaming read-reduce */
    FIT_K_COPY,         /* memory-to-memory copy */
    FIT_K_LAUNCH,       /* empty kernel */
    FIT_K_GEMM,         /* decode linear layer, m = batch */
    FIT_K_PREFILL,      /* prefill linear layer, m = prompt tokens */
    FIT_K_ATTN,         /* paged-KV decode attention, ctx = context */
    FIT_K_PREFILL_ATTN, /* causal prefill attention, m = prompt tokens */
    FIT_K_LAYER,        /* one decoder layer, its kernels in sequence */
    FIT_K_LAYER_PARTS,  /* the same kernels timed one by one, summed */
    FIT_K_STEP,         /* ctx layers + LM head + sampling */
    FIT_K_JITTER,       /* one decode step, repeated */
    FIT_K_ALLREDUCE,    /* NCCL all-reduce of m x hidden activations */
    FIT_NKERNEL
};

struct fit_sample {
    int kernel;       /* enum fit_kernel */
    int dtype;        /* enum calib_dtype, -1 for none ("-") */
    char shape[16];   /* layer name (q, kv, o, gate_up, down) or "-" */
    long m, k, n, ctx;
    double bytes;     /* moved from memory */
    double flops;     /* computed */
    double seconds;
};

/* A growing set of samples; owned by the caller (fit_samples_fini). */
struct fit_samples {
    struct fit_sample *s;
    size_t n, cap;
};

void fit_samples_init(struct fit_samples *ss);
void fit_samples_fini(struct fit_samples *ss);
/* Appends a copy.  0, SLM_ENOMEM, or SLM_EINPUT past FIT_MAX_ROWS. */
int fit_samples_add(struct fit_samples *ss, const struct fit_sample *s);

/* Writes the samples as CSV, the identity of meta (device, date, model,
 * benchmark settings) in '#' lines first.  0, or -1 when a write failed. */
int fit_samples_write(FILE *f, const struct fit_samples *ss,
                      const struct calib *meta);

/* Reads a samples CSV written by fit_samples_write or the CUDA benchmark:
 * the '#' identity lines into meta (owned by the caller, filled in), the
 * rows into ss.  Returns 0; SLM_EINPUT after reporting each bad line at
 * path:line:column (stops after the diag's limit); SLM_ESYS when it
 * cannot be read (errno set, nothing reported); SLM_ENOMEM. */
int fit_samples_read(const char *path, struct diag *d,
                     struct fit_samples *ss, struct calib *meta);

/* ---- the fits ---- */

/* y = a + b x by weighted least squares, weights w (NULL: 1/y^2);
 * standard errors from the covariance scaled by chi^2/(n-2) (so they
 * follow the scatter seen, whatever the weights' scale).  Needs n >= 3 and
 * two distinct x.  Returns 0, SLM_EINPUT (too few points), SLM_ENUM (GSL
 * failed), SLM_ENOMEM. */
struct fit_line {
    double a, b;       /* intercept and slope */
    double se_a, se_b;
    size_t n;
    double chisq;
};
int fit_line_wls(const double *x, const double *y, const double *w,
                 size_t n, struct fit_line *out);

/* The jitter of times t[0..n) (n >= 8): the factors t/mean fitted as
 * gamma (MLE of the shape by Newton on log k - psi(k) = log(mean) -
 * mean(log)) and lognormal (MLE: mean and sd of the logs), the larger
 * log-likelihood chosen, its KS statistic.  Returns 0, SLM_EINPUT (too few
 * or non-positive times), SLM_ENOMEM. */
int fit_jitter(const double *t, size_t n, struct calib_jitter *out);

/* Fills c's fit, raw summaries (min, median, P99 per configuration),
 * sample count and peaks (c->catalog's datasheet, none when it is not in
 * the catalog) from ss.  c's identity must already be set.  A figure
 * without enough samples stays 0 (said in c->notes); the file needs at
 * least one weight format with both rates, the step overhead and the
 * jitter, else SLM_EINPUT after reporting at where (the samples file, or
 * NULL).  SLM_ENUM when GSL fails, SLM_ENOMEM. */
int fit_run(const struct fit_samples *ss, struct calib *c,
            const char *where, struct diag *d);

#endif
