/* slmsim calibrate: measure (CPU twin or the CUDA benchmark), refit saved
 * samples, or transfer a file to another GPU; see docs/calibration.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calibrate/cpu.h"
#include "calibrate/fit.h"
#include "calibrate/kernels.h"
#include "cli/cmd_calibrate.h"
#include "cli/common.h"
#include "models/calib.h"
#include "models/catalog.h"
#include "sim/diag.h"
#include "sim/mem.h"
#include "sim/out.h"

#define CAL_BENCH "slmsim-bench-cuda"

static const char cmd_calibrate_help[] =
    "usage: slmsim calibrate --device cpu|cuda --model NAME [--quant LIST]\n"
    "                        [--quick] --out FILE\n"
    "       slmsim calibrate --fit SAMPLES.csv --out FILE\n"
    "       slmsim calibrate --derive FILE --gpu NAME --out FILE2\n"
    "\n"
    "Measures the step-time figures of a model on a device and writes a\n"
    "calibration file for a gpu backend's 'calibration:' key\n"
    "(docs/calibration.md).  The kernels of a decode and a prefill step are\n"
    "checked against a reference, then timed: streaming read and copy,\n"
    "launch, the linear layers at the model's shapes per weight format,\n"
    "paged decode attention, prefill attention, whole layers and steps.\n"
    "Weighted least squares (GSL) fits bandwidths, FLOP/s per format, the\n"
    "int4 dequantisation cost, per-step overhead, per-layer and launch\n"
    "costs, attention cost per KV byte and the step-time jitter (gamma or\n"
    "lognormal by likelihood, with its KS statistic); each figure has its\n"
    "standard error and its efficiency against the catalog's datasheet.\n"
    "The raw samples are written beside FILE (.csv).\n"
    "\n";

static const char cmd_calibrate_help_tail[] =
    "\n"
    "exit status: 0 success, 1 the benchmark or a file failed, 2 bad input\n"
    "(flags, samples, calibration file)\n";

struct cal_opts {
    const char *device, *model, *quant, *out, *fit, *derive, *gpu;
    const char *samples, *bench, *catalog, *tp;
    int quick, quiet;
};

static int cal_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cal_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("slmsim calibrate: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see slmsim calibrate --help)\n", stderr);
    return CLI_EXIT_INPUT;
}

#define CAL_OPT(n, mv, h, m)                                                  \
    {.name = n, .kind = CLI_OPT_STRING, .metavar = mv, .help = h,             \
     .dest = offsetof(struct cal_opts, m)}

static const struct cli_opt cal_opts_table[] = {
    CAL_OPT("--device", "cpu|cuda",
            "cpu: the CPU twin, the same kernels in C on this\n"
            "CPU (its figures are the CPU's: a gpu backend\n"
            "uses them only with allow_cpu_calibration: true);\n"
            "cuda: the CUDA benchmark (make calibrate-cuda\n"
            "builds slmsim-bench-cuda; looked for beside\n"
            "slmsim, then on PATH, or --bench PATH)", device),
    CAL_OPT("--model", "NAME",
            "a catalog model (llama-3-8b, llama-3.2-1b, ...)", model),
    CAL_OPT("--quant", "LIST",
            "formats to time: fp16,bf16,fp8,int8,int4\n"
            "(default all; cuda skips fp8 where unsupported)", quant),
    CAL_OPT("--tp", "K",
            "cuda: time one GPU's shard of a K-way tensor-\n"
            "parallel group (heads, kv-heads, mlp and vocab\n"
            "divided by K); the file then serves backends of\n"
            "tensor_parallel K only (default 1: the whole model)", tp),
    {.name = "--quick", .kind = CLI_OPT_FLAG,
     .help = "fewer sizes and repetitions (CPU: under a\nminute)",
     .dest = offsetof(struct cal_opts, quick)},
    CAL_OPT("--catalog", "GPU",
            "the catalog GPU the device is (default: found in\n"
            "the device's name); its peaks give efficiencies", catalog),
    CAL_OPT("--fit", "SAMPLES.csv",
            "refit saved raw samples instead of measuring", fit),
    CAL_OPT("--derive", "FILE",
            "transfer FILE to --gpu NAME: rates are FILE's\n"
            "efficiencies times NAME's datasheet peaks", derive),
    CAL_OPT("--gpu", "NAME", "the catalog GPU to derive for", gpu),
    CAL_OPT("--out", "FILE", "the calibration file to write (required)",
            out),
    CAL_OPT("--samples", "FILE",
            "where the raw samples go (default: FILE with\n"
            ".csv for .yaml)", samples),
    CAL_OPT("--bench", "PATH", "the CUDA benchmark binary", bench),
    {.name = "--quiet", .short_name = "-q", .kind = CLI_OPT_FLAG,
     .help = "no summary on stdout", .dest = offsetof(struct cal_opts, quiet)},
};

static const struct cli_args_spec cal_args_spec = {
    .cmd = "calibrate",
    .help = cmd_calibrate_help,
    .help_tail = cmd_calibrate_help_tail,
    .opts = cal_opts_table,
    .nopts = sizeof cal_opts_table / sizeof cal_opts_table[0],
    .no_path = 1,
};

static int cal_args(int argc, char **argv, struct cal_opts *o)
{
    enum cli_args_status st;

    memset(o, 0, sizeof *o);
    st = cli_args_parse(&cal_args_spec, argc, argv, o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_HELP_SHOWN : CLI_EXIT_INPUT;
    int modes = !!o->device + !!o->fit + !!o->derive;
    if (modes != 1)
        return cal_fail("give exactly one of --device, --fit, --derive");
    if (!o->out)
        return cal_fail("--out FILE is required");
    if (o->device && strcmp(o->device, "cpu") && strcmp(o->device, "cuda"))
        return cal_fail("--device must be cpu or cuda, got '%s'", o->device);
    if (o->device && !o->model)
        return cal_fail("--device needs --model NAME");
    if (o->tp && (!o->device || strcmp(o->device, "cuda")))
        return cal_fail("--tp goes with --device cuda");
    if (o->tp) {
        char *end;
        long k = strtol(o->tp, &end, 10);
        if (*end || end == o->tp || k < 1 || k > CALIB_MAX_TP)
            return cal_fail("--tp must be an integer from 1 to %d, got '%s'",
                            CALIB_MAX_TP, o->tp);
    }
    if (o->derive && !o->gpu)
        return cal_fail("--derive needs --gpu NAME");
    if (!o->derive && o->gpu)
        return cal_fail("--gpu goes with --derive (measuring names the "
                        "device's catalog entry with --catalog)");
    return 0;
}

/* ---- shared pieces ---- */

static void cal_today(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%d", &tm);
}

static double cal_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* FILE.yaml -> FILE.csv (else FILE.csv appended). */
static char *cal_samples_path(const struct cal_opts *o)
{
    if (o->samples)
        return mem_strdup(o->samples);
    size_t n = strlen(o->out);
    const char *dot = strrchr(o->out, '.'), *slash = strrchr(o->out, '/');
    if (dot && (!slash || dot > slash))
        n = (size_t)(dot - o->out);
    char *p = mem_alloc(n + 5);
    if (p)
        snprintf(p, n + 5, "%.*s.csv", (int)n, o->out);
    return p;
}

static const char *cal_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

typedef int cal_write_fn(FILE *f, const void *a, const void *b);

/* Writes path whole or not at all (sim/out.h).  Exit status. */
static int cal_write(const char *path, cal_write_fn *fn, const void *a,
                     const void *b)
{
    struct out_file of;
    int st = out_file_open(&of, path);
    if (st == 0 && (fn(of.f, a, b) != 0 || ferror(of.f))) {
        out_file_abort(&of);
        fprintf(stderr, "slmsim: error: cannot write '%s'\n", path);
        return CLI_EXIT_FAIL;
    }
    if (st == 0)
        st = out_file_commit(&of);
    if (st) {
        fprintf(stderr, "slmsim: error: cannot write '%s': %s\n", path,
                st == SLM_ENOMEM ? "out of memory" : strerror(errno));
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int write_calib(FILE *f, const void *c, const void *unused)
{
    (void)unused;
    return calib_write(f, c);
}

static int write_samples(FILE *f, const void *ss, const void *meta)
{
    return fit_samples_write(f, ss, meta);
}

static unsigned cal_quant_mask(const char *list, int *bad)
{
    unsigned mask = 0;
    char buf[128];
    *bad = 0;
    if (!list)
        return (1u << CALIB_NDTYPE) - 1;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int d = 0; d < CALIB_NDTYPE; d++)
            if (!strcmp(t, calib_dtype_names[d])) {
                mask |= 1u << d;
                found = 1;
            }
        if (!found) {
            cal_fail("unknown format '%s' in --quant (fp16, bf16, fp8, "
                     "int8, int4)", t);
            *bad = 1;
        }
    }
    if (!mask && !*bad) {
        cal_fail("--quant lists no format");
        *bad = 1;
    }
    return mask;
}

static void cal_fig(FILE *f, const char *what, const struct calib_fig *g,
                    double unit, const char *units)
{
    if (g->n == 0 && g->value == 0)
        return;
    fprintf(f, "  %-22s %10.4g %s", what, g->value / unit, units);
    if (g->se > 0)
        fprintf(f, " +- %.2g", g->se / unit);
    if (g->efficiency > 0)
        fprintf(f, "  (%.0f%% of datasheet)", 100 * g->efficiency);
    fputc('\n', f);
}

static void cal_summary(const struct calib *c, const char *out,
                        double elapsed)
{
    char what[256];
    printf("calibration of %s: %s\n", c->model,
           calib_describe(c, what, sizeof what));
    if (elapsed > 0)
        printf("  %ld samples in %.1f s%s\n", c->samples, elapsed,
               c->quick ? " (--quick)" : "");
    cal_fig(stdout, "read bandwidth", &c->bandwidth, 1e9, "GB/s");
    cal_fig(stdout, "copy bandwidth", &c->copy_bandwidth, 1e9, "GB/s");
    for (int d = 0; d < CALIB_NDTYPE; d++) {
        char k[48];
        if (!c->dt[d].present)
            continue;
        snprintf(k, sizeof k, "%s weight bandwidth", calib_dtype_names[d]);
        cal_fig(stdout, k, &c->dt[d].bandwidth, 1e9, "GB/s");
        snprintf(k, sizeof k, "%s FLOP/s", calib_dtype_names[d]);
        cal_fig(stdout, k, &c->dt[d].flops, 1e12, "TFLOP/s");
    }
    cal_fig(stdout, "int4 dequant/weight/tile", &c->dt[CALIB_DT_INT4].dequant,
            1e-12, "ps");
    cal_fig(stdout, "step overhead", &c->overhead, 1e-3, "ms");
    cal_fig(stdout, "per layer beyond kernels", &c->layer_launch, 1e-6, "us");
    cal_fig(stdout, "launch", &c->launch, 1e-6, "us");
    cal_fig(stdout, "decode attention", &c->attn_bandwidth, 1e9,
            "GB/s of KV");
    cal_fig(stdout, "prefill attention", &c->prefill_attn_flops, 1e12,
            "TFLOP/s");
    if (c->jitter.n > 0)
        printf("  %-22s %s, cv %.3g (n %ld, KS %.3g; log-lik gamma %.5g, "
               "lognormal %.5g)\n", "jitter",
               c->jitter.dist == CALIB_JITTER_GAMMA ? "gamma"
               : c->jitter.dist == CALIB_JITTER_LOGNORMAL ? "lognormal"
                                                          : "none",
               c->jitter.cv, c->jitter.n, c->jitter.ks,
               c->jitter.loglik_gamma, c->jitter.loglik_lognormal);
    else
        printf("  %-22s %s, cv %.3g\n", "jitter",
               c->jitter.dist == CALIB_JITTER_GAMMA ? "gamma"
               : c->jitter.dist == CALIB_JITTER_LOGNORMAL ? "lognormal"
                                                          : "none",
               c->jitter.cv);
    printf("wrote %s\n", out);
}

/* ---- the modes ---- */

/* c->catalog from --catalog, else from the device's name (GPUs only). */
static int cal_catalog(const struct cal_opts *o, struct calib *c)
{
    const struct gpu_spec *g = NULL;
    if (o->catalog) {
        if (!(g = catalog_gpu_find(o->catalog)))
            return cal_fail("unknown GPU '%s' in --catalog", o->catalog);
    } else if (c->kind == CALIB_KIND_CUDA && !c->catalog[0]) {
        g = calib_catalog_match(c->device);
        if (!g)
            fprintf(stderr, "slmsim calibrate: warning: '%s' is not in the "
                    "catalog (say which entry it is with --catalog): no "
                    "efficiencies, and the file cannot be derived from\n",
                    c->device);
    }
    if (g && calib_set_string(&c->catalog, g->name))
        return CLI_EXIT_FAIL;
    return 0;
}

/* Fits ss into c and writes the file.  Exit status. */
static int cal_fit_write(const struct cal_opts *o, const struct fit_samples *ss,
                         struct calib *c, const char *where, double elapsed)
{
    struct diag d;
    diag_init(&d, stderr);
    int st = fit_run(ss, c, where, &d);
    if (st == SLM_EINPUT)
        return CLI_EXIT_INPUT;
    if (st)
        return cli_status_exit(st, "cannot fit", where);
    st = cal_write(o->out, write_calib, c, NULL);
    if (!st && !o->quiet)
        cal_summary(c, o->out, elapsed);
    return st;
}

static void cal_progress(void *ctx, const char *part)
{
    (void)ctx;
    fprintf(stderr, "slmsim calibrate: %s ...\n", part);
}

static int cal_identity(const struct cal_opts *o, const struct model_spec *m,
                        struct calib *c)
{
    char today[16], name[256];
    cal_today(today, sizeof today);
    c->kind = CALIB_KIND_CPU;
    c->source = CALIB_MEASURED;
    c->quick = o->quick;
    c->shape = *m;
    c->dt[CALIB_DT_INT4].dequant_tile = KERN_TILE;
    int rc = calib_set_string(&c->device, cpu_bench_name(name, sizeof name)) |
             calib_set_string(&c->date, today) |
             calib_set_string(&c->model, m->name) |
             calib_set_string(&c->kv_dtype, "fp16") |
             calib_set_string(&c->allreduce_note, "skipped: the CPU twin "
                              "has no GPUs to all-reduce between");
    c->shape.name = c->model;
    return rc ? CLI_EXIT_FAIL : 0;
}

static int cal_cpu(const struct cal_opts *o, const struct model_spec *m,
                   unsigned mask)
{
    struct calib *c = calib_new();
    struct fit_samples ss;
    char msg[256] = "";
    fit_samples_init(&ss);
    char *csv = cal_samples_path(o);
    int st = !c || !csv ? CLI_EXIT_FAIL : cal_identity(o, m, c);
    struct cpu_bench_opts bo = {m, mask, o->quick,
                                isatty(2) ? cal_progress : NULL, NULL};
    double t0 = cal_clock();
    if (!st) {
        c->warmup = cpu_bench_warmup(&bo);
        c->repetitions = cpu_bench_repetitions(&bo);
        c->buffer_bytes = cpu_bench_pool_bytes();
        int rc = cpu_bench_run(&bo, &ss, msg, sizeof msg);
        if (rc == SLM_ENUM) {
            fprintf(stderr, "slmsim calibrate: error: kernel check failed: "
                    "%s; nothing written\n", msg);
            st = CLI_EXIT_FAIL;
        } else if (rc) {
            st = cli_status_exit(rc, "cannot run the benchmark", NULL);
        }
    }
    if (!st && calib_set_string(&c->raw_file, cal_base(csv)))
        st = CLI_EXIT_FAIL;
    if (!st)
        st = cal_write(csv, write_samples, &ss, c);
    if (!st)
        st = cal_fit_write(o, &ss, c, csv, cal_clock() - t0);
    fit_samples_fini(&ss);
    mem_free(csv);
    calib_free(c);
    return st;
}

/* The benchmark binary: --bench, else beside this program, else PATH. */
static char *cal_bench_path(const struct cal_opts *o)
{
    char self[4096];
    if (o->bench)
        return mem_strdup(o->bench);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            size_t len = (size_t)(slash - self) + sizeof CAL_BENCH + 1;
            char *p = mem_alloc(len);
            if (p)
                snprintf(p, len, "%.*s/%s", (int)(slash - self), self,
                         CAL_BENCH);
            if (p && access(p, X_OK) == 0)
                return p;
            mem_free(p);
        }
    }
    return mem_strdup(CAL_BENCH); /* execvp searches PATH */
}

/* Runs the CUDA benchmark, which writes the samples CSV.  Exit status. */
static int cal_run_bench(const struct cal_opts *o, const struct model_spec *m,
                         const char *csv)
{
    char num[7][24], *bench = cal_bench_path(o);
    long v[7] = {m->layers, m->hidden, m->heads, m->kv_heads, m->head_dim,
                 m->mlp, m->vocab};
    if (!bench)
        return CLI_EXIT_FAIL;
    for (int i = 0; i < 7; i++)
        snprintf(num[i], sizeof num[i], "%ld", v[i]);
    const char *argv[] = {bench, "--model", m->name, "--layers", num[0],
                    "--hidden", num[1], "--heads", num[2], "--kv-heads",
                    num[3], "--head-dim", num[4], "--mlp", num[5], "--vocab",
                    num[6], "--quant",
                    o->quant ? o->quant : "fp16,bf16,fp8,int8,int4",
                    "--out", csv, "--tp", o->tp ? o->tp : "1",
                    o->quick ? "--quick" : NULL, NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* execvp's argv is char *const[] for history's sake; it does not
         * write to the strings */
        execvp(bench, (char *const *)(void *)argv);
        fprintf(stderr, "slmsim: error: cannot run '%s': %s (build it with "
                "make calibrate-cuda, or give --bench PATH)\n", bench,
                strerror(errno));
        _exit(127);
    }
    int status = 0;
    mem_free(bench);
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return cli_status_exit(SLM_ESYS, "cannot run", CAL_BENCH);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 127)
            fprintf(stderr, "slmsim calibrate: error: the CUDA benchmark "
                    "failed (status %d); nothing written\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128);
        return CLI_EXIT_FAIL;
    }
    return 0;
}

/* Reads a samples CSV and fits it (--fit, and after the CUDA run). */
static int cal_from_csv(const struct cal_opts *o, const char *csv,
                        double elapsed)
{
    struct calib *c = calib_new();
    struct fit_samples ss;
    struct diag d;
    diag_init(&d, stderr);
    fit_samples_init(&ss);
    if (!c)
        return CLI_EXIT_FAIL;
    c->source = CALIB_MEASURED;
    int rc = fit_samples_read(csv, &d, &ss, c);
    int st = rc == SLM_EINPUT ? CLI_EXIT_INPUT
             : rc ? cli_status_exit(rc, "cannot read", csv) : 0;
    if (!st) {
        const struct model_spec *m = catalog_model_find(c->model);
        c->shape = *m;
        c->shape.name = c->model;
        st = cal_catalog(o, c);
    }
    if (!st && calib_set_string(&c->raw_file, csv))
        st = CLI_EXIT_FAIL;
    if (!st)
        st = cal_fit_write(o, &ss, c, csv, elapsed);
    fit_samples_fini(&ss);
    calib_free(c);
    return st;
}

static int cal_cuda(const struct cal_opts *o, const struct model_spec *m)
{
    char *csv = cal_samples_path(o);
    if (!csv)
        return CLI_EXIT_FAIL;
    double t0 = cal_clock();
    int st = cal_run_bench(o, m, csv);
    if (!st)
        st = cal_from_csv(o, csv, cal_clock() - t0);
    mem_free(csv);
    return st;
}

static int cal_derive(const struct cal_opts *o)
{
    const struct gpu_spec *g = catalog_gpu_find(o->gpu);
    if (!g) {
        const char *s = diag_suggest(o->gpu, catalog_gpu_names(),
                                     catalog_gpu_count());
        return cal_fail("unknown GPU '%s' in --gpu%s%s%s", o->gpu,
                        s ? " (did you mean '" : "", s ? s : "",
                        s ? "'?)" : "");
    }
    struct diag d;
    struct calib *from = NULL, *to = NULL;
    char today[16];
    diag_init(&d, stderr);
    cal_today(today, sizeof today);
    int rc = calib_load(o->derive, &d, &from);
    if (rc == 0)
        rc = calib_derive(from, o->derive, g, today, &d, &to);
    int st = rc == SLM_EINPUT ? CLI_EXIT_INPUT
             : rc ? cli_status_exit(rc, "cannot read", o->derive) : 0;
    if (!st)
        st = cal_write(o->out, write_calib, to, NULL);
    if (!st && !o->quiet)
        cal_summary(to, o->out, 0);
    calib_free(from);
    calib_free(to);
    return st;
}

int cmd_calibrate(int argc, char **argv)
{
    struct cal_opts o;
    int st = cal_args(argc, argv, &o);
    if (st == CLI_HELP_SHOWN)
        return CLI_EXIT_OK;
    if (st)
        return st;
    if (o.fit)
        return cal_from_csv(&o, o.fit, 0);
    if (o.derive)
        return cal_derive(&o);
    const struct model_spec *m = catalog_model_find(o.model);
    if (!m) {
        const char *s = diag_suggest(o.model, catalog_model_names(),
                                     catalog_model_count());
        return cal_fail("unknown model '%s' in --model%s%s%s", o.model,
                        s ? " (did you mean '" : "", s ? s : "",
                        s ? "'?)" : "");
    }
    int bad = 0;
    unsigned mask = cal_quant_mask(o.quant, &bad);
    if (bad)
        return CLI_EXIT_INPUT;
    if ((mask & (1u << CALIB_DT_INT4)) && (m->hidden % KERN_GROUP ||
                                           m->mlp % KERN_GROUP))
        return cal_fail("int4 needs the model's widths to be multiples of "
                        "%d", KERN_GROUP);
    return !strcmp(o.device, "cpu") ? cal_cpu(&o, m, mask) : cal_cuda(&o, m);
}
