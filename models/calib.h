/*
 * calib: calibration files, the measured (or derived) step-time figures
 * of one model on one device.
 *
 * A calibration file (docs/calibration.md) is YAML written by `slmsim
 * calibrate`: the device's identity and versions, the date, the model's
 * shapes and weight formats, the benchmark's sample counts and raw
 * summaries, and the fitted figures, each with its standard error and,
 * where the device has a datasheet peak in the catalog, its efficiency
 * (fitted value / peak).  The efficiencies are what transfers: a file
 * measured on device X gives a derived profile for device Y as
 * efficiency(X) x peak(Y) (calib_derive).
 *
 * This module reads (every error located in the file), writes, derives
 * and resolves paths.  It knows nothing about how figures are measured
 * (calibrate/) nor how they are used (models/gpu.c).
 *
 * Units are SI: seconds, bytes, bytes per second, FLOP per second.
 * Ownership: a struct calib owns every string in it; calib_free releases
 * it.  Strings are never NULL after a successful load ("" when absent).
 */
#ifndef SLM_CALIB_H
#define SLM_CALIB_H

#include <stddef.h>
#include <stdio.h>

#include "models/catalog.h"
#include "sim/diag.h"

#define CALIB_FORMAT 2
#define CALIB_MAX_RAW 4096   /* raw summaries kept per file */
#define CALIB_JITTER_MAX_N 1000000

/* The weight formats a file can hold figures for.  CALIB_DT_FP16..INT4
 * follow catalog_quant for the four the simulator runs; bf16 is measured
 * beside fp16 (same peak). */
enum calib_dtype {
    CALIB_DT_FP16,
    CALIB_DT_FP8,
    CALIB_DT_INT8,
    CALIB_DT_INT4,
    CALIB_DT_BF16
};
#define CALIB_NDTYPE 5
extern const char *const calib_dtype_names[CALIB_NDTYPE];

enum calib_source { CALIB_MEASURED, CALIB_DERIVED };
/* What took the measurement: a CUDA device, the CPU twin, or no one (a
 * profile written from datasheet figures). */
enum calib_kind { CALIB_KIND_CUDA, CALIB_KIND_CPU, CALIB_KIND_DATASHEET };

/* A fitted figure: value, its standard error (0 when not estimated, e.g.
 * derived), the samples behind it, and value / datasheet peak (0 when the
 * device has no peak for it). */
struct calib_fig {
    double value;
    double se;
    long n;
    double efficiency;
};

/* Per weight format: weight-streaming bandwidth at decode batches (memory
 * bound), matrix-product rate at prefill sizes (compute bound; for int4
 * including its dequantisation), and for int4 the dequantisation cost:
 * seconds per weight per pass of `dequant_tile` batch rows (the kernel
 * dequantises every weight once per tile of rows, so the cost grows in
 * steps of the batch). */
struct calib_dtype_fit {
    int present;
    struct calib_fig bandwidth; /* bytes/s */
    struct calib_fig flops;     /* FLOP/s */
    struct calib_fig dequant;   /* s per weight per tile; int4 only */
    int dequant_tile;           /* rows per dequantisation pass; int4 */
};

enum calib_jitter_dist { CALIB_JITTER_NONE, CALIB_JITTER_GAMMA,
                         CALIB_JITTER_LOGNORMAL };

/* Step-time jitter: the step's time is the model's times a factor of mean
 * 1 drawn from dist with coefficient of variation cv, chosen by
 * log-likelihood between gamma and lognormal (MLE each); ks is the
 * Kolmogorov-Smirnov statistic of the chosen fit on its n samples. */
struct calib_jitter {
    enum calib_jitter_dist dist;
    double cv;
    long n;
    double loglik_gamma, loglik_lognormal; /* 0 when not fitted */
    double ks;                             /* 0 when not fitted */
};

/* One configuration's summary: what was timed and its timing spread. */
struct calib_raw {
    char kernel[24]; /* read, copy, launch, gemm, attn, prefill_attn,
                        layer, step, jitter */
    char dtype[8];
    char shape[16];  /* q, kv, o, gate_up, down, ... or "-" */
    long m, k, n;    /* batch (or prompt tokens), inner and outer dims */
    long ctx;        /* attention: context tokens; step: layers */
    long count;
    double min, median, p99; /* seconds */
};

struct calib {
    int format;
    enum calib_source source;
    /* device */
    enum calib_kind kind;
    char *device;     /* "NVIDIA H200", "cpu (AMD EPYC 7B13)" */
    char *catalog;    /* catalog GPU whose peaks the efficiencies use;
                         "" when none (cpu) */
    char *compute_capability, *driver, *runtime; /* "" when none */
    double sm_clock, memory_clock, memory_bytes, l2_bytes; /* 0: unknown */
    int sms;
    char *date;       /* YYYY-MM-DD: measured, or derived on */
    /* derived_from (source: derived) */
    char *from_device, *from_catalog, *from_date, *from_file;
    int from_measured; /* 1 when the origin was a measurement */
    /* model */
    char *model;      /* catalog key, e.g. "llama-3-8b" */
    struct model_spec shape; /* name points at model */
    /* The tensor-parallel degree whose one-GPU shard was timed: the
     * benchmark ran heads, kv_heads (at least 1), mlp and vocab divided
     * by it, as each GPU of a TP group holds them; 1 (the default) is
     * the whole model on one GPU.  A file with tensor_parallel > 1 serves
     * only backends of that degree. */
    int tensor_parallel;
    char *kv_dtype;
    /* benchmark */
    int quick, warmup, repetitions;
    double buffer_bytes;
    long samples;
    char *raw_file;   /* raw samples beside the file, "" when none */
    /* datasheet peaks used for the efficiencies (0: none) */
    double peak_bandwidth;
    double peak_flops[CALIB_NDTYPE];
    /* fit */
    struct calib_fig bandwidth, copy_bandwidth; /* streaming read, copy */
    struct calib_dtype_fit dt[CALIB_NDTYPE];
    struct calib_fig overhead;     /* s per step beyond its layers */
    struct calib_fig layer_launch; /* s per layer beyond its kernels */
    struct calib_fig launch;       /* s per empty kernel launch */
    struct calib_fig attn_per_byte; /* s per KV byte read in decode */
    struct calib_fig attn_bandwidth; /* bytes/s, 1 / attn_per_byte */
    struct calib_fig prefill_attn_flops; /* FLOP/s */
    char *allreduce_note; /* why all-reduce was not measured, or "" */
    struct calib_fig allreduce; /* s per all-reduce of one activation */
    struct calib_jitter jitter;
    char *notes;
    size_t nraw;
    struct calib_raw *raw; /* owned, nraw of them */
};

/* The largest tensor_parallel a file may give. */
#define CALIB_MAX_TP 64

/* ---- lifecycle ---- */

/* An empty file owned by the caller (strings "", format CALIB_FORMAT),
 * or NULL when out of memory. */
struct calib *calib_new(void);
void calib_free(struct calib *c); /* NULL is fine */
/* Replaces *dst (owned, may be NULL) with a copy of src.  0 or
 * SLM_ENOMEM. */
int calib_set_string(char **dst, const char *src);
/* Appends one raw summary (copied).  0, SLM_ENOMEM, or SLM_EINPUT past
 * CALIB_MAX_RAW (nothing reported). */
int calib_add_raw(struct calib *c, const struct calib_raw *r);

/* ---- reading and writing ---- */

/* Reads path.  Returns 0 with *out owned by the caller; SLM_EINPUT after
 * reporting every problem at the file's own line and column (unknown or
 * missing keys, bad numbers, an older format); SLM_ESYS when it cannot be
 * read (errno set, nothing reported); SLM_ENOMEM. */
int calib_load(const char *path, struct diag *d, struct calib **out);

/* Writes c as YAML to f (the format calib_load reads; a comment header
 * says what was measured and how).  Returns 0, or -1 when a write
 * failed. */
int calib_write(FILE *f, const struct calib *c);

/* ---- using a file ---- */

/* The figures for the simulator's format q: bandwidth and FLOP/s of
 * dt[q], NULL when the file has none for q (always for formats beyond
 * int4, such as fp4). */
const struct calib_dtype_fit *calib_dtype(const struct calib *c,
                                          enum catalog_quant q);

/* "measured on NVIDIA H200 (2026-11-30)", "derived from NVIDIA H200
 * (measured 2026-11-30)" or "derived from the L40S datasheet (2026-01-15)"
 * into buf, which is returned; a shard file adds ", one GPU's shard at
 * TP 4" inside the parentheses. */
const char *calib_describe(const struct calib *c, char *buf, size_t size);

/* Fills the peaks and every efficiency of c from g's datasheet (g NULL:
 * no peaks, efficiencies 0). */
void calib_set_peaks(struct calib *c, const struct gpu_spec *g);

/* A profile for device `to` from the file `from` (read from from_path,
 * named in derived_from): every rate is from's efficiency times to's
 * datasheet peak, times and the jitter are kept (they are the host's and
 * the software's, an ASSUMPTION said in the notes), the attention cost per
 * byte scales with the bandwidth.  A format whose peak `to` lacks is left
 * out.  Returns 0 with *out owned by the caller, SLM_EINPUT after
 * reporting (from has no datasheet peaks: a CPU file, or a derived file
 * whose origin is derived too), SLM_ENOMEM.  today is the date written. */
int calib_derive(const struct calib *from, const char *from_path,
                 const struct gpu_spec *to, const char *today,
                 struct diag *d, struct calib **out);

/* The catalog GPU a device name stands for: the catalog entry whose name
 * (case ignored, its first '-' part alone when the whole is not found)
 * is the longest found in device as a word ("NVIDIA L40S" -> L40S), or
 * NULL.  Ambiguous names (H100: SXM or PCIe) need --gpu-catalog. */
const struct gpu_spec *calib_catalog_match(const char *device);

/* ---- finding a file ---- */

/* The path a scenario's `calibration: path` names.  Tried in order: path
 * itself when absolute; the scenario file's folder (scenario_file as the
 * user typed it, NULL or "<stdin>" for none); the working folder; then
 * share_dir (the installed share folder, NULL for none).  Returns the
 * first that exists (owned by the caller) or NULL with *tried filled with
 * the places looked in ("scenarios/x.yaml, x.yaml, /usr/share/..."),
 * errno ENOENT; NULL and errno ENOMEM when out of memory. */
char *calib_resolve_path(const char *path, const char *scenario_file,
                         const char *share_dir, char *tried, size_t size);

/* The folder calibration files are looked for in after the scenario's:
 * SLMSIM_SHARE_DIR as compiled in (the Makefile sets it to
 * $(PREFIX)/share/slmsim). */
const char *calib_share_dir(void);

#endif
