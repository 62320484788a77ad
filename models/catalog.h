/*
 * catalog: the GPUs and language models a scenario can name.
 *
 * Two compiled-in tables (models/catalog.c), each figure with its source in
 * a comment beside it, looked up by name without regard to case.  They are
 * C tables rather than data files so that the binary needs nothing beside
 * it to run; a scenario that needs another device or model defines it
 * inline (see models/gpu.h), with the same fields as the structs below.
 *
 * Units are SI: bytes, bytes per second, FLOP per second, watts, dollars.
 * GPU throughputs are dense (no 2:4 sparsity) peak tensor-core figures.
 *
 * Weight bytes of a quantized model (catalog_weight_bytes): the linear
 * layers of the transformer body take bytes_per_param(quant); the token
 * embedding and the LM head stay in 16 bits, as AWQ, GPTQ and vLLM's FP8
 * checkpoints keep them.  A tied LM head shares the embedding.
 */
#ifndef SLM_CATALOG_H
#define SLM_CATALOG_H

#include <stddef.h>

/* GPU architecture: selects the default kernel efficiencies
 * (catalog_efficiency_default). */
enum catalog_arch {
    CATALOG_ARCH_TURING,
    CATALOG_ARCH_AMPERE,
    CATALOG_ARCH_ADA,
    CATALOG_ARCH_HOPPER,
    CATALOG_ARCH_BLACKWELL,
    CATALOG_ARCH_CDNA3
};
#define CATALOG_NARCH 6
extern const char *const catalog_arch_names[CATALOG_NARCH];

/* How the GPUs of a tensor-parallel group talk to each other; selects
 * the all-reduce latency (catalog_link_latency). */
enum catalog_link {
    CATALOG_LINK_PCIE3,
    CATALOG_LINK_PCIE4,
    CATALOG_LINK_PCIE5,
    CATALOG_LINK_NVLINK3,
    CATALOG_LINK_NVLINK4,
    CATALOG_LINK_NVLINK5,
    CATALOG_LINK_NVLINK_BRIDGE,
    CATALOG_LINK_XGMI
};
#define CATALOG_NLINK 8
extern const char *const catalog_link_names[CATALOG_NLINK];

/*
 * One GPU.  The purchasing fields (price, rent, powers) are what a cost
 * study prices a deployment from; every figure has its source in the
 * *_source strings or in the comment beside its table row, and
 * `unverified` names the fields no primary source confirmed (NULL when
 * all are).  Strings are static.
 */
struct gpu_spec {
    const char *name;         /* catalog key, e.g. "L40S" */
    enum catalog_arch arch;
    double memory;            /* bytes of device memory, datasheet
                                 (decimal GB as printed) */
    double memory_usable;     /* bytes programs can allocate: the total
                                 nvidia-smi reports (MiB x 2^20); the KV
                                 budget starts from this */
    double bandwidth;         /* bytes/s, peak memory bandwidth */
    double flops_fp16;        /* FLOP/s, dense FP16/BF16 tensor */
    double flops_fp8;         /* FLOP/s, dense FP8 tensor; 0 = none */
    double ops_int8;          /* OP/s, dense INT8 tensor; 0 = none */
    double flops_fp4;         /* FLOP/s, dense FP4 tensor; 0 = none */
    enum catalog_link link;   /* interconnect type */
    double interconnect;      /* bytes/s one way between two GPUs of a
                                 tensor-parallel group (NVLink or PCIe) */
    double tdp;               /* W, board maximum */
    double idle_power;        /* W, idle with a model loaded (assumed) */
    double price;             /* $, typical purchase price of the card */
    const char *price_source; /* where the price comes from */
    const char *price_date;   /* when it was quoted, "YYYY-MM" */
    double rent_per_hour;     /* $ per GPU-hour, typical on-demand rental */
    const char *rent_source;  /* where, and when */
    const char *source;       /* datasheet figures' source */
    const char *unverified;   /* fields without a primary source, or NULL */
};

/*
 * One model.  MoE models compute with active_params per token and hold
 * all params; a step reads the shared weights and the experts its tokens
 * route to (catalog_expert_params, serve_experts_touched).  A sliding
 * window bounds the KV cache of sliding_share of the layers to the last
 * sliding_window tokens.
 */
struct model_spec {
    const char *name;     /* catalog key, e.g. "llama-3-8b" */
    double params;        /* parameters, all of them */
    int layers;
    int hidden;           /* model width */
    int heads;            /* query heads */
    int kv_heads;         /* key/value heads (GQA when < heads) */
    int head_dim;
    int mlp;              /* MLP intermediate size (per expert for MoE) */
    int vocab;
    int tied_embeddings;  /* LM head shares the embedding matrix */
    int context;          /* context window, tokens */
    double active_params; /* parameters a token computes with; 0 = params */
    int experts;          /* MoE experts per layer; 0 = dense */
    int experts_active;   /* experts each token is routed to */
    int sliding_window;   /* tokens; 0 = full attention everywhere */
    double sliding_share; /* share of layers with the window (0..1) */
    const char *source;   /* the config it was read from */
};

/* Weight formats.  CATALOG_QUANT_INT4 is weight-only (activations stay in
 * FP16, so its matrix products run at the FP16 rate after dequantising
 * the weights: see the int4 kernel families in models/gpu.h); FP8 and
 * INT8 are W8A8 and run at their own tensor rate; FP4 is NVFP4 (W4A4,
 * FP8 scale per 16 weights) at the FP4 tensor rate where the GPU has one
 * (Blackwell), else at the FP16 rate. */
enum catalog_quant {
    CATALOG_QUANT_FP16,
    CATALOG_QUANT_FP8,
    CATALOG_QUANT_INT8,
    CATALOG_QUANT_INT4,
    CATALOG_QUANT_FP4
};
#define CATALOG_NQUANT 5

/* KV-cache element type. */
enum catalog_kv_dtype { CATALOG_KV_FP16, CATALOG_KV_FP8 };
#define CATALOG_NKV_DTYPE 2

/* The YAML words, indexed by the enums above. */
extern const char *const catalog_quant_names[CATALOG_NQUANT];
extern const char *const catalog_kv_dtype_names[CATALOG_NKV_DTYPE];

/* Bytes per parameter of the linear layers in format q, scales included:
 * fp16 2; fp8 1 (one scale per tensor); int8 1 + 2/4096 (an FP16 scale per
 * output channel of a 4096-wide row); int4 (128*4 + 16 + 4)/128/8 =
 * 0.51953 (group size 128, FP16 scale and 4-bit zero per group, AWQ);
 * fp4 (16*4 + 8)/16/8 = 0.5625 (NVFP4: an FP8 scale per 16 weights). */
double catalog_bytes_per_param(enum catalog_quant q);

/* The catalog entries; NULL when name is not there (case ignored).  The
 * returned pointers are static. */
const struct gpu_spec *catalog_gpu_find(const char *name);
const struct model_spec *catalog_model_find(const char *name);

/* Every entry, for listings and "did you mean" suggestions. */
size_t catalog_gpu_count(void);
const struct gpu_spec *catalog_gpu_at(size_t i);
size_t catalog_model_count(void);
const struct model_spec *catalog_model_at(size_t i);
/* Their names, as arrays of catalog_*_count() strings (static). */
const char *const *catalog_gpu_names(void);
const char *const *catalog_model_names(void);

/* ---- derived sizes ---- */

/* Bytes the weights occupy in format q (see the top of this file). */
double catalog_weight_bytes(const struct model_spec *m, enum catalog_quant q);
/* Bytes of weights read by one forward step: all of them except the input
 * embedding table, of which a step reads only a few rows (when the LM head
 * is tied, the head reads the whole matrix anyway). */
double catalog_weight_read_bytes(const struct model_spec *m,
                                 enum catalog_quant q);
/* KV-cache bytes per token: 2 (K and V) * layers * kv_heads * head_dim *
 * element bytes. */
double catalog_kv_bytes_per_token(const struct model_spec *m,
                                  enum catalog_kv_dtype kv);
/* Attention FLOPs per token per token of context it attends to:
 * 4 * layers * heads * head_dim (QK^T and AV, 2 FLOPs per multiply-add). */
double catalog_attn_flops_per_ctx(const struct model_spec *m);
/* Dense tensor rate (FLOP/s) that format q computes at on g. */
double catalog_gpu_flops(const struct gpu_spec *g, enum catalog_quant q);
/*
 * Default kernel efficiencies: the share of the datasheet peak a serving
 * engine's kernels reach, by architecture and weight format (int4 is
 * weight-only: its compute is the FP16 figure times its kernel factor,
 * catalog_int4_kernel_factor).  A calibration file or the scenario's
 * `efficiency:` overrides them.  `source` says where each comes from.
 */
struct catalog_efficiency {
    double bandwidth;   /* of peak memory bandwidth (weights and KV reads) */
    double compute;     /* of the dense tensor peak of the format, large
                           GEMMs at serving shapes */
    const char *source;
};
struct catalog_efficiency catalog_efficiency_default(enum catalog_arch a,
                                                     enum catalog_quant q);

/* int4 weight-only kernel families, as vLLM names them. */
enum catalog_int4_kernel {
    CATALOG_INT4_MARLIN,       /* vLLM's default for AWQ/GPTQ on sm80+ */
    CATALOG_INT4_AWQ,          /* the original AWQ GEMM kernel */
    CATALOG_INT4_GPTQ_EXLLAMA  /* exllama v2: dequantise, then FP16 GEMM */
};
#define CATALOG_NINT4_KERNEL 3
extern const char *const catalog_int4_kernel_names[CATALOG_NINT4_KERNEL];
/* Share of the FP16 compute rate an int4 kernel family keeps once the
 * batch makes the products compute-bound (dequantisation in the inner
 * loop); see catalog.c for the sources. */
double catalog_int4_kernel_factor(enum catalog_int4_kernel k);
/* The family a vLLM deployment gets on architecture a without being told:
 * Marlin from Ampere on, AWQ's own kernel before. */
enum catalog_int4_kernel catalog_int4_kernel_default(enum catalog_arch a);

/* All-reduce over a link type: latency per ring hop (s; a ring
 * all-reduce over tp GPUs takes 2 (tp - 1) hops) and the share of the
 * link's one-way bandwidth a ring reaches (bus bandwidth). */
struct catalog_link_perf {
    double latency;
    double bus_efficiency;
    const char *source;
};
struct catalog_link_perf catalog_link_perf(enum catalog_link l);

/* 2 FLOPs per active parameter per token. */
double catalog_flops_per_token(const struct model_spec *m);

/* MoE: parameters of the routed experts, all of them (experts x layers x
 * 3 x hidden x mlp: gate, up and down projections of a SwiGLU expert);
 * 0 for a dense model.  The rest of params (attention, router,
 * embeddings) every token uses. */
double catalog_expert_params(const struct model_spec *m);
/* Bytes those experts occupy in format q (part of
 * catalog_weight_read_bytes). */
double catalog_expert_bytes(const struct model_spec *m, enum catalog_quant q);

#endif
