#include "models/catalog.h"

#include <strings.h>

#define GB 1e9
#define TERA 1e12

const char *const catalog_quant_names[CATALOG_NQUANT] = {"fp16", "fp8",
                                                         "int8", "int4"};
const char *const catalog_kv_dtype_names[CATALOG_NKV_DTYPE] = {"fp16",
                                                               "fp8"};

/*
 * GPUs.  Datasheet memory sizes are taken as decimal gigabytes (the cards
 * expose slightly less to programs; the KV budget's utilisation factor
 * covers the difference).  Tensor figures are dense: NVIDIA prints them
 * with 2:4 sparsity, twice as high.  "interconnect" is one direction of a
 * link: PCIe Gen4 x16 32 GB/s (64 GB/s both ways), Gen5 64 GB/s, NVLink3
 * 300 GB/s (600 total), NVLink4 450 GB/s (900 total).
 *
 * Idle power is not in any datasheet: it is the draw of a card holding a
 * loaded model at its P0 state with no work, ASSUMED at about a quarter of
 * the board power for data-centre cards (90 W for the L40S, the figure the
 * seed scenarios use).  Prices are typical purchase prices in USD and
 * drift; each has its source and date.
 */
static const struct gpu_spec gpus[] = {
    /* NVIDIA L40/L40S datasheet as reproduced at
     * mullet.se/product.html?product_id=355414: 48 GB GDDR6, 864 GB/s,
     * FP16/BF16 362.05 (733 sparse), FP8 733 (1,466 sparse), 350 W, PCIe
     * Gen4 x16.  INT8 732.86 TOPS dense: hmc-tech.com L40S database entry.
     * Price: MSRP $7,500, chipversus.com/hardware/gpu/l40s (2025). */
    {"L40S", 48 * GB, 864 * GB, 362.05 * TERA, 733 * TERA, 733 * TERA,
     32 * GB, 350, 90, 7500},
    /* yobitel.com knowledge base "nvidia-l4": 24 GB, 300 GB/s, BF16 121
     * (242 sparse), FP8 242 (485 sparse), INT8 485 sparse, 72 W.  Price:
     * MSRP $2,345, chipversus.com (2025). */
    {"L4", 24 * GB, 300 * GB, 121 * TERA, 242.5 * TERA, 242.5 * TERA,
     32 * GB, 72, 18, 2345},
    /* baseten.co/blog/nvidia-a10-vs-a10g-for-ml-model-inference: 24 GB
     * GDDR6 at 600 GB/s; about 70 TFLOPS FP16 (UNVERIFIED); no FP8.  INT8
     * ASSUMED at twice FP16.  300 W board power (UNVERIFIED).  Sold only
     * inside AWS g5 instances: price ASSUMED at an A10's ~$3,200. */
    {"A10G", 24 * GB, 600 * GB, 70 * TERA, 0, 140 * TERA, 32 * GB, 300, 60,
     3200},
    /* A100 80GB SXM4: NVIDIA datasheet via
     * glennklockwood.com/garden/processors/A100: 2,039 GB/s, FP16 312 (624
     * sparse), INT8 624 (1,248 sparse), 400 W, NVLink3.  No FP8.  Price:
     * "$8-15K street price" used, mercatus-ai.com (2025): $12,000. */
    {"A100-80GB", 80 * GB, 2039 * GB, 312 * TERA, 0, 624 * TERA, 300 * GB,
     400, 90, 12000},
    /* H100 SXM5: NVIDIA datasheet via archive-lib.hpctech.co.jp and
     * glennklockwood.com/garden/processors/h100: 3,350 GB/s, BF16 989.4,
     * FP8 1,978.9, INT8 1,979 dense, up to 700 W, NVLink4.  Price:
     * "$25,000 to $40,000", stratrix.com (2025): $30,000. */
    {"H100-SXM", 80 * GB, 3350 * GB, 989.4 * TERA, 1978.9 * TERA,
     1979 * TERA, 450 * GB, 700, 120, 30000},
    /* H100 PCIe: same datasheet table: 2,000 GB/s, BF16 756 (1,513
     * sparse), FP8 1,513 (3,026 sparse), 350 W (product brief
     * PB-11133-001), PCIe Gen5.  Price: low end of the stratrix.com range,
     * $25,000. */
    {"H100-PCIe", 80 * GB, 2000 * GB, 756 * TERA, 1513 * TERA, 1513 * TERA,
     64 * GB, 350, 70, 25000},
    /* H200 SXM: lzwjava.github.io/nvidia-h200-gpu-specs-en and
     * aiminingco.com/gpu/h200/specs: 141 GB HBM3e, 4.8 TB/s, same tensor
     * rates as the H100 SXM, 700 W.  Price: no source found, ASSUMED
     * $35,000 (above the H100 range midpoint). */
    {"H200", 141 * GB, 4800 * GB, 989.4 * TERA, 1978.9 * TERA, 1979 * TERA,
     450 * GB, 700, 120, 35000},
    /* RTX 4090: Ada whitepaper via gigagpu.com/?p=34220 and waredb.com:
     * 1,008 GB/s; FP16 165.2 dense with FP32 accumulate (what inference
     * GEMMs use), FP8 330.3 with FP32 accumulate, INT8 660.6 TOPS; 450 W
     * (techgoing.com).  Launch MSRP $1,599 (Oct 2022). */
    {"RTX4090", 24 * GB, 1008 * GB, 165.2 * TERA, 330.3 * TERA, 660.6 * TERA,
     32 * GB, 450, 25, 1599},
};

/*
 * Models, from their Hugging Face config.json (hidden_size, num_layers,
 * num_attention_heads, num_key_value_heads, intermediate_size, vocab_size,
 * tie_word_embeddings, max_position_embeddings) and the parameter counts
 * their cards print.  Llama-2-7B and Llama-3-8B also match microsoft/vidur
 * vidur/config/model_config.py; 6.74 B is llama.cpp's count (PR #6017).
 */
static const struct model_spec models[] = {
    /* meta-llama/Llama-2-7b-hf: MHA, 4k context. */
    {"llama-2-7b", 6.74e9, 32, 4096, 32, 32, 128, 11008, 32000, 0, 4096},
    /* mistralai/Mistral-7B-v0.1: GQA 32/8, sliding window 4,096 (not
     * modelled: the cache is charged for the whole context), 32k
     * positions. */
    {"mistral-7b", 7.24e9, 32, 4096, 32, 8, 128, 14336, 32000, 0, 32768},
    /* meta-llama/Meta-Llama-3-8B: GQA 32/8, 128k vocabulary, 8k context. */
    {"llama-3-8b", 8.03e9, 32, 4096, 32, 8, 128, 14336, 128256, 0, 8192},
    /* Qwen/Qwen2.5-7B-Instruct: 7.61 B, 28 layers, GQA 28/4, 32k context
     * without YaRN. */
    {"qwen2.5-7b", 7.61e9, 28, 3584, 28, 4, 128, 18944, 152064, 0, 32768},
    /* meta-llama/Llama-3.2-1B: router-sized, tied embeddings, 128k. */
    {"llama-3.2-1b", 1.24e9, 16, 2048, 32, 8, 64, 8192, 128256, 1, 131072},
    /* meta-llama/Llama-3.2-3B: tied embeddings, 128k. */
    {"llama-3.2-3b", 3.21e9, 28, 3072, 24, 8, 128, 8192, 128256, 1, 131072},
};

#define NGPUS (sizeof gpus / sizeof gpus[0])
#define NMODELS (sizeof models / sizeof models[0])

static const char *const gpu_names[NGPUS] = {
    "L40S", "L4", "A10G", "A100-80GB", "H100-SXM", "H100-PCIe", "H200",
    "RTX4090"};
static const char *const model_names[NMODELS] = {
    "llama-2-7b", "mistral-7b", "llama-3-8b", "qwen2.5-7b", "llama-3.2-1b",
    "llama-3.2-3b"};

double catalog_bytes_per_param(enum catalog_quant q)
{
    switch (q) {
    case CATALOG_QUANT_FP16: return 2.0;
    case CATALOG_QUANT_FP8: return 1.0;
    case CATALOG_QUANT_INT8: return 1.0 + 2.0 / 4096.0;
    case CATALOG_QUANT_INT4: return (128.0 * 4 + 16 + 4) / 128.0 / 8.0;
    }
    return 2.0;
}

const struct gpu_spec *catalog_gpu_find(const char *name)
{
    for (size_t i = 0; i < NGPUS; i++)
        if (strcasecmp(gpus[i].name, name) == 0)
            return &gpus[i];
    return NULL;
}

const struct model_spec *catalog_model_find(const char *name)
{
    for (size_t i = 0; i < NMODELS; i++)
        if (strcasecmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}

size_t catalog_gpu_count(void) { return NGPUS; }
size_t catalog_model_count(void) { return NMODELS; }

const struct gpu_spec *catalog_gpu_at(size_t i)
{
    return i < NGPUS ? &gpus[i] : NULL;
}

const struct model_spec *catalog_model_at(size_t i)
{
    return i < NMODELS ? &models[i] : NULL;
}

const char *const *catalog_gpu_names(void) { return gpu_names; }
const char *const *catalog_model_names(void) { return model_names; }

double catalog_embedding_params(const struct model_spec *m)
{
    double one = (double)m->vocab * m->hidden;
    return m->tied_embeddings ? one : 2.0 * one;
}

double catalog_weight_bytes(const struct model_spec *m, enum catalog_quant q)
{
    double emb = catalog_embedding_params(m);
    double body = m->params > emb ? m->params - emb : 0.0;
    return body * catalog_bytes_per_param(q) + emb * 2.0;
}

double catalog_weight_read_bytes(const struct model_spec *m,
                                 enum catalog_quant q)
{
    double w = catalog_weight_bytes(m, q);
    /* An untied input table is only gathered from, a few rows a step. */
    if (!m->tied_embeddings)
        w -= (double)m->vocab * m->hidden * 2.0;
    return w;
}

double catalog_kv_bytes_per_token(const struct model_spec *m,
                                  enum catalog_kv_dtype kv)
{
    double elem = kv == CATALOG_KV_FP8 ? 1.0 : 2.0;
    return 2.0 * m->layers * m->kv_heads * m->head_dim * elem;
}

double catalog_attn_flops_per_ctx(const struct model_spec *m)
{
    return 4.0 * m->layers * m->heads * m->head_dim;
}

double catalog_gpu_flops(const struct gpu_spec *g, enum catalog_quant q)
{
    /* A format without tensor support on the device falls back to FP16
     * arithmetic after dequantising (what vLLM's FP8 Marlin path does on
     * Ampere). */
    switch (q) {
    case CATALOG_QUANT_FP8:
        return g->flops_fp8 > 0 ? g->flops_fp8 : g->flops_fp16;
    case CATALOG_QUANT_INT8:
        return g->ops_int8 > 0 ? g->ops_int8 : g->flops_fp16;
    case CATALOG_QUANT_FP16:
    case CATALOG_QUANT_INT4:
        break;
    }
    return g->flops_fp16;
}
