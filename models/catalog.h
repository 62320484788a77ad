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

struct gpu_spec {
    const char *name;         /* catalog key, e.g. "L40S" */
    double memory;            /* bytes of device memory */
    double bandwidth;         /* bytes/s, peak memory bandwidth */
    double flops_fp16;        /* FLOP/s, dense FP16/BF16 tensor */
    double flops_fp8;         /* FLOP/s, dense FP8 tensor; 0 = none */
    double ops_int8;          /* OP/s, dense INT8 tensor; 0 = none */
    double interconnect;      /* bytes/s one way between two GPUs of a
                                 tensor-parallel group (NVLink or PCIe) */
    double tdp;               /* W, board maximum */
    double idle_power;        /* W, idle with a model loaded (assumed) */
    double price;             /* $, typical purchase price of the card */
};

struct model_spec {
    const char *name;     /* catalog key, e.g. "llama-3-8b" */
    double params;        /* parameters, all of them */
    int layers;
    int hidden;           /* model width */
    int heads;            /* query heads */
    int kv_heads;         /* key/value heads (GQA when < heads) */
    int head_dim;
    int mlp;              /* MLP intermediate size */
    int vocab;
    int tied_embeddings;  /* LM head shares the embedding matrix */
    int context;          /* context window, tokens */
};

/* Weight formats.  CATALOG_QUANT_INT4 is weight-only (activations stay in
 * FP16, so its matrix products run at the FP16 rate); FP8 and INT8 are
 * W8A8 and run at their own tensor rate. */
enum catalog_quant {
    CATALOG_QUANT_FP16,
    CATALOG_QUANT_FP8,
    CATALOG_QUANT_INT8,
    CATALOG_QUANT_INT4
};
#define CATALOG_NQUANT 4

/* KV-cache element type. */
enum catalog_kv_dtype { CATALOG_KV_FP16, CATALOG_KV_FP8 };
#define CATALOG_NKV_DTYPE 2

/* The YAML words, indexed by the enums above. */
extern const char *const catalog_quant_names[CATALOG_NQUANT];
extern const char *const catalog_kv_dtype_names[CATALOG_NKV_DTYPE];

/* Bytes per parameter of the linear layers in format q, scales included:
 * fp16 2; fp8 1 (one scale per tensor); int8 1 + 2/4096 (an FP16 scale per
 * output channel of a 4096-wide row); int4 (128*4 + 16 + 4)/128/8 =
 * 0.51953 (group size 128, FP16 scale and 4-bit zero per group, AWQ). */
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

/* Parameters in the embedding and (when untied) the LM head. */
double catalog_embedding_params(const struct model_spec *m);
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

#endif
