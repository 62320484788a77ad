#include "models/catalog.h"

#include <strings.h>

#define GB 1e9
#define TERA 1e12

const char *const catalog_quant_names[CATALOG_NQUANT] = {
    "fp16", "fp8", "int8", "int4", "fp4"};
const char *const catalog_kv_dtype_names[CATALOG_NKV_DTYPE] = {"fp16",
                                                               "fp8"};

const char *const catalog_arch_names[CATALOG_NARCH] = {
    "turing", "ampere", "ada", "hopper", "blackwell", "cdna3"};
const char *const catalog_link_names[CATALOG_NLINK] = {
    "pcie3", "pcie4", "pcie5", "nvlink3", "nvlink4", "nvlink5",
    "nvlink-bridge", "xgmi"};

/*
 * GPUs.  `memory` is the datasheet's decimal figure; `memory_usable` the
 * total nvidia-smi reports, MiB x 2^20 (modal-labs/modal-client PR #2797:
 * A100-80GB 81,920, H100 81,559, L40S 46,068, L4 23,034, A100-40GB 40,960
 * MiB; the others are marked unverified).  Tensor figures are dense:
 * NVIDIA prints them with 2:4 sparsity, twice as high.  "interconnect" is
 * one direction of a link: PCIe Gen3 x16 16 GB/s, Gen4 32 GB/s (64 both
 * ways), Gen5 64 GB/s, NVLink3 300 GB/s (600 total), NVLink4 450 GB/s (900
 * total), NVLink5 900 GB/s (1,800 total).
 *
 * Idle power is not in any datasheet: it is the draw of a card holding a
 * loaded model at its P0 state with no work, ASSUMED at about a quarter of
 * the board power for data-centre cards (90 W for the L40S, the figure the
 * seed scenarios use).  Prices are typical purchase prices in USD and
 * rents typical on-demand $/GPU-hour; both drift, each has its source and
 * date.
 */
#define MIB (1024.0 * 1024.0)
static const struct gpu_spec gpus[] = {
    {.name = "L40S", .arch = CATALOG_ARCH_ADA,
     .memory = 48 * GB, .memory_usable = 46068 * MIB, .bandwidth = 864 * GB,
     .flops_fp16 = 362.05 * TERA, .flops_fp8 = 733 * TERA,
     .ops_int8 = 733 * TERA, .link = CATALOG_LINK_PCIE4,
     .interconnect = 32 * GB, .tdp = 350, .idle_power = 90,
     .price = 7500, .price_source = "MSRP, chipversus.com/hardware/gpu/l40s",
     .price_date = "2025-08", .rent_per_hour = 1.861,
     .rent_source = "AWS g6e.xlarge on-demand, modal.com/blog/"
                    "nvidia-l40s-price-article (2025-08)",
     .source = "NVIDIA L40S datasheet via mullet.se product 355414; INT8 "
               "dense from hmc-tech.com",
     .unverified = NULL},
    {.name = "L40", .arch = CATALOG_ARCH_ADA,
     .memory = 48 * GB, .memory_usable = 46068 * MIB, .bandwidth = 864 * GB,
     .flops_fp16 = 181.05 * TERA, .flops_fp8 = 362 * TERA,
     .ops_int8 = 362 * TERA, .link = CATALOG_LINK_PCIE4,
     .interconnect = 32 * GB, .tdp = 300, .idle_power = 75,
     .price = 7000, .price_source = "ASSUMED below the L40S MSRP",
     .price_date = "2025-08", .rent_per_hour = 1.00,
     .rent_source = "ASSUMED, below L40S rates",
     .source = "NVIDIA L40/L40S datasheet via mullet.se product 355414",
     .unverified = "memory_usable, price, rent_per_hour"},
    {.name = "L4", .arch = CATALOG_ARCH_ADA,
     .memory = 24 * GB, .memory_usable = 23034 * MIB, .bandwidth = 300 * GB,
     .flops_fp16 = 121 * TERA, .flops_fp8 = 242.5 * TERA,
     .ops_int8 = 242.5 * TERA, .link = CATALOG_LINK_PCIE4,
     .interconnect = 32 * GB, .tdp = 72, .idle_power = 18,
     .price = 2345, .price_source = "MSRP, chipversus.com", .price_date =
     "2025-08", .rent_per_hour = 0.48,
     .rent_source = "$0.40-0.55 at GCP G2 / AWS G6, yobitel.com "
                    "knowledge-base nvidia-l4 (2025)",
     .source = "yobitel.com knowledge-base nvidia-l4", .unverified = NULL},
    {.name = "A10G", .arch = CATALOG_ARCH_AMPERE,
     .memory = 24 * GB, .memory_usable = 23028 * MIB, .bandwidth = 600 * GB,
     .flops_fp16 = 70 * TERA, .flops_fp8 = 0, .ops_int8 = 140 * TERA,
     .link = CATALOG_LINK_PCIE4, .interconnect = 32 * GB, .tdp = 300,
     .idle_power = 60, .price = 3200,
     .price_source = "ASSUMED at an A10's (sold only inside AWS g5)",
     .price_date = "2025-08", .rent_per_hour = 1.006,
     .rent_source = "AWS g5.xlarge us-east-1 on-demand (2026)",
     .source = "baseten.co/blog/nvidia-a10-vs-a10g-for-ml-model-inference",
     .unverified = "memory_usable, flops_fp16, ops_int8, tdp, price"},
    {.name = "A10", .arch = CATALOG_ARCH_AMPERE,
     .memory = 24 * GB, .memory_usable = 23028 * MIB, .bandwidth = 600 * GB,
     .flops_fp16 = 125 * TERA, .flops_fp8 = 0, .ops_int8 = 250 * TERA,
     .link = CATALOG_LINK_PCIE4, .interconnect = 32 * GB, .tdp = 150,
     .idle_power = 35, .price = 3200, .price_source = "ASSUMED",
     .price_date = "2025-08", .rent_per_hour = 0.75,
     .rent_source = "ASSUMED (typical neocloud A10 rate)",
     .source = "NVIDIA A10 datasheet as quoted by baseten.co",
     .unverified = "memory_usable, flops_fp16, ops_int8, tdp, price, "
                   "rent_per_hour"},
    {.name = "T4", .arch = CATALOG_ARCH_TURING,
     .memory = 16 * GB, .memory_usable = 15360 * MIB, .bandwidth = 320 * GB,
     .flops_fp16 = 65 * TERA, .flops_fp8 = 0, .ops_int8 = 130 * TERA,
     .link = CATALOG_LINK_PCIE3, .interconnect = 16 * GB, .tdp = 70,
     .idle_power = 15, .price = 2000, .price_source = "ASSUMED street price",
     .price_date = "2025-08", .rent_per_hour = 0.35,
     .rent_source = "ASSUMED (GCP T4 list rate)",
     .source = "NVIDIA T4 datasheet via networkoutlet.com and "
               "sysrqmts.com (65 TFLOPS FP16, 130 TOPS INT8, 320 GB/s, "
               "70 W)",
     .unverified = "memory_usable, price, rent_per_hour"},
    {.name = "A100-40GB", .arch = CATALOG_ARCH_AMPERE,
     .memory = 40 * GB, .memory_usable = 40960 * MIB,
     .bandwidth = 1555 * GB, .flops_fp16 = 312 * TERA, .flops_fp8 = 0,
     .ops_int8 = 624 * TERA, .link = CATALOG_LINK_NVLINK3,
     .interconnect = 300 * GB, .tdp = 400, .idle_power = 90,
     .price = 8000, .price_source = "ASSUMED (used, below the 80GB's)",
     .price_date = "2025-08", .rent_per_hour = 1.29,
     .rent_source = "ASSUMED (typical neocloud rate)",
     .source = "NVIDIA A100 datasheet via glennklockwood.com/garden/"
               "processors/A100",
     .unverified = "price, rent_per_hour"},
    {.name = "A100-80GB", .arch = CATALOG_ARCH_AMPERE,
     .memory = 80 * GB, .memory_usable = 81920 * MIB,
     .bandwidth = 2039 * GB, .flops_fp16 = 312 * TERA, .flops_fp8 = 0,
     .ops_int8 = 624 * TERA, .link = CATALOG_LINK_NVLINK3,
     .interconnect = 300 * GB, .tdp = 400, .idle_power = 90,
     .price = 12000,
     .price_source = "\"$8-15K street price\" used, mercatus-ai.com",
     .price_date = "2025", .rent_per_hour = 1.99,
     .rent_source = "$1.49-2.49 SXM, pricegpu.pages.dev (early 2026)",
     .source = "NVIDIA A100 datasheet via glennklockwood.com/garden/"
               "processors/A100",
     .unverified = NULL},
    {.name = "A100-80GB-PCIe", .arch = CATALOG_ARCH_AMPERE,
     .memory = 80 * GB, .memory_usable = 81920 * MIB,
     .bandwidth = 1935 * GB, .flops_fp16 = 312 * TERA, .flops_fp8 = 0,
     .ops_int8 = 624 * TERA, .link = CATALOG_LINK_PCIE4,
     .interconnect = 32 * GB, .tdp = 300, .idle_power = 70,
     .price = 10000, .price_source = "ASSUMED (below the SXM's)",
     .price_date = "2025-08", .rent_per_hour = 1.49,
     .rent_source = "ASSUMED, low end of the A100 range (pricegpu)",
     .source = "thundercompute.com/blog/nvidia-a100-specs-full-guide "
               "(1,935 GB/s, 300 W)",
     .unverified = "price, rent_per_hour"},
    {.name = "H100-SXM", .arch = CATALOG_ARCH_HOPPER,
     .memory = 80 * GB, .memory_usable = 81559 * MIB,
     .bandwidth = 3350 * GB, .flops_fp16 = 989.4 * TERA,
     .flops_fp8 = 1978.9 * TERA, .ops_int8 = 1979 * TERA,
     .link = CATALOG_LINK_NVLINK4, .interconnect = 450 * GB, .tdp = 700,
     .idle_power = 120, .price = 30000,
     .price_source = "\"$25,000 to $40,000\", stratrix.com",
     .price_date = "2025", .rent_per_hour = 3.24,
     .rent_source = "$2.49-3.99 SXM, pricegpu.pages.dev (early 2026)",
     .source = "NVIDIA H100 datasheet via archive-lib.hpctech.co.jp; dense "
               "peaks glennklockwood.com/garden/processors/h100",
     .unverified = NULL},
    {.name = "H100-PCIe", .arch = CATALOG_ARCH_HOPPER,
     .memory = 80 * GB, .memory_usable = 81559 * MIB,
     .bandwidth = 2000 * GB, .flops_fp16 = 756 * TERA,
     .flops_fp8 = 1513 * TERA, .ops_int8 = 1513 * TERA,
     .link = CATALOG_LINK_PCIE5, .interconnect = 64 * GB, .tdp = 350,
     .idle_power = 70, .price = 25000,
     .price_source = "low end of \"$25,000 to $40,000\", stratrix.com",
     .price_date = "2025", .rent_per_hour = 2.49,
     .rent_source = "ASSUMED, low end of the H100 range (pricegpu)",
     .source = "NVIDIA H100 datasheet via archive-lib.hpctech.co.jp; "
               "product brief PB-11133-001",
     .unverified = "memory_usable, rent_per_hour"},
    {.name = "H100-NVL", .arch = CATALOG_ARCH_HOPPER,
     .memory = 94 * GB, .memory_usable = 95830 * MIB,
     .bandwidth = 3900 * GB, .flops_fp16 = 835 * TERA,
     .flops_fp8 = 1671 * TERA, .ops_int8 = 1671 * TERA,
     .link = CATALOG_LINK_NVLINK_BRIDGE, .interconnect = 300 * GB,
     .tdp = 400, .idle_power = 90, .price = 28000,
     .price_source = "ASSUMED within the stratrix.com H100 range",
     .price_date = "2025", .rent_per_hour = 2.99,
     .rent_source = "ASSUMED", .source = "REFERENCE sheet section 2 "
                                         "(H100 NVL row, unverified)",
     .unverified = "memory_usable, bandwidth, flops_fp16, flops_fp8, "
                   "ops_int8, price, rent_per_hour"},
    {.name = "H200", .arch = CATALOG_ARCH_HOPPER,
     .memory = 141 * GB, .memory_usable = 143771 * MIB,
     .bandwidth = 4800 * GB, .flops_fp16 = 989.4 * TERA,
     .flops_fp8 = 1978.9 * TERA, .ops_int8 = 1979 * TERA,
     .link = CATALOG_LINK_NVLINK4, .interconnect = 450 * GB, .tdp = 700,
     .idle_power = 120, .price = 35000,
     .price_source = "ASSUMED above the H100 range midpoint",
     .price_date = "2025", .rent_per_hour = 3.80, .rent_source = "ASSUMED",
     .source = "lzwjava.github.io/nvidia-h200-gpu-specs-en, "
               "aiminingco.com/gpu/h200/specs",
     .unverified = "memory_usable, price, rent_per_hour"},
    {.name = "GH200", .arch = CATALOG_ARCH_HOPPER,
     .memory = 96 * GB, .memory_usable = 97871 * MIB,
     .bandwidth = 4000 * GB, .flops_fp16 = 989.4 * TERA,
     .flops_fp8 = 1978.9 * TERA, .ops_int8 = 1979 * TERA,
     .link = CATALOG_LINK_NVLINK4, .interconnect = 450 * GB, .tdp = 1000,
     .idle_power = 200, .price = 45000,
     .price_source = "ASSUMED (superchip: GPU and Grace CPU)",
     .price_date = "2025", .rent_per_hour = 1.49,
     .rent_source = "ASSUMED (neocloud GH200 offer)",
     .source = "H100 tensor rates on the 96 GB HBM3 GH200 at 4 TB/s; TDP "
               "is the module's (CPU + GPU, configurable)",
     .unverified = "memory_usable, bandwidth, tdp, price, rent_per_hour"},
    {.name = "B200", .arch = CATALOG_ARCH_BLACKWELL,
     .memory = 180 * GB, .memory_usable = 183359 * MIB,
     .bandwidth = 8000 * GB, .flops_fp16 = 2250 * TERA,
     .flops_fp8 = 4500 * TERA, .ops_int8 = 4500 * TERA,
     .flops_fp4 = 9000 * TERA, .link = CATALOG_LINK_NVLINK5,
     .interconnect = 900 * GB, .tdp = 1000, .idle_power = 200,
     .price = 37500, .price_source = "ASSUMED ($35-40K reported)",
     .price_date = "2025", .rent_per_hour = 5.99, .rent_source = "ASSUMED",
     .source = "HGX B200 at 1,000 W: glennklockwood.com/garden/processors/"
               "B200 (FP16 2,250, FP8 4,500, FP4 9,000 dense, 8 TB/s); "
               "180 GB as DGX B200 exposes it (TensorRT-LLM perf overview)",
     .unverified = "memory_usable, price, rent_per_hour"},
    {.name = "MI300X", .arch = CATALOG_ARCH_CDNA3,
     .memory = 192 * GB, .memory_usable = 196592 * MIB,
     .bandwidth = 5300 * GB, .flops_fp16 = 1307.4 * TERA,
     .flops_fp8 = 2614.9 * TERA, .ops_int8 = 2614.9 * TERA,
     .link = CATALOG_LINK_XGMI, .interconnect = 448 * GB, .tdp = 750,
     .idle_power = 150, .price = 12500,
     .price_source = "\"$10,000-$15,000\" street, awesomeagents.ai/"
                     "hardware/amd-mi300x",
     .price_date = "2025", .rent_per_hour = 1.71,
     .rent_source = "TensorWave on-demand, gpu.blog/gpus/instinct-mi300x "
                    "(2025)",
     .source = "AMD MI300X: 192 GB HBM3, 5.3 TB/s, ~1.3 PFLOPS FP16 and "
               "~2.6 FP8 dense, 750 W (jaredwatkins.com MI300 entry); "
               "xGMI 7 x 64 GB/s one way per GPU in an 8-GPU mesh",
     .unverified = "memory_usable"},
    {.name = "RTX4090", .arch = CATALOG_ARCH_ADA,
     .memory = 24 * GB, .memory_usable = 24564 * MIB,
     .bandwidth = 1008 * GB, .flops_fp16 = 165.2 * TERA,
     .flops_fp8 = 330.3 * TERA, .ops_int8 = 660.6 * TERA,
     .link = CATALOG_LINK_PCIE4, .interconnect = 32 * GB, .tdp = 450,
     .idle_power = 25, .price = 1599,
     .price_source = "launch MSRP, laurentschoice.com/?p=5797",
     .price_date = "2022-10", .rent_per_hour = 0.39,
     .rent_source = "ASSUMED (community-cloud rate)",
     .source = "Ada whitepaper via gigagpu.com/?p=34220 and waredb.com; "
               "450 W techgoing.com (FP16/FP8 with FP32 accumulate)",
     .unverified = "memory_usable, rent_per_hour"},
    {.name = "RTX6000-Ada", .arch = CATALOG_ARCH_ADA,
     .memory = 48 * GB, .memory_usable = 49140 * MIB,
     .bandwidth = 960 * GB, .flops_fp16 = 182.1 * TERA,
     .flops_fp8 = 364.2 * TERA, .ops_int8 = 364.2 * TERA,
     .link = CATALOG_LINK_PCIE4, .interconnect = 32 * GB, .tdp = 300,
     .idle_power = 30, .price = 6800, .price_source = "ASSUMED launch MSRP",
     .price_date = "2022-12", .rent_per_hour = 0.77,
     .rent_source = "ASSUMED",
     .source = "48 GB GDDR6 at 960 GB/s, 300 W: grafikkarten.com RTX 6000 "
               "Ada table; tensor rates ASSUMED equal to the L40's (same "
               "AD102 with FP32 accumulate)",
     .unverified = "memory_usable, flops_fp16, flops_fp8, ops_int8, "
                   "price, rent_per_hour"},
};

/*
 * Models, from their Hugging Face config.json (hidden_size, num_layers,
 * num_attention_heads, num_key_value_heads, intermediate_size, vocab_size,
 * tie_word_embeddings, max_position_embeddings, sliding_window) and the
 * parameter counts their cards print.  Llama-2-7B and Llama-3-8B also
 * match microsoft/vidur vidur/config/model_config.py; 6.74 B is
 * llama.cpp's count (PR #6017).  Configs recalled from the Hugging Face
 * cards, not re-read here, say so in `source` (unverified); "cross-checked"
 * means the figures match a copy of the config.json found in a public
 * repository (the primary page could not be read here).
 */
#define M(n_, p_, l_, h_, q_, kv_, hd_, mlp_, v_, tie_, ctx_, src_)          \
    {.name = n_, .params = p_, .layers = l_, .hidden = h_, .heads = q_,     \
     .kv_heads = kv_, .head_dim = hd_, .mlp = mlp_, .vocab = v_,            \
     .tied_embeddings = tie_, .context = ctx_, .source = src_}
static const struct model_spec models[] = {
    M("llama-2-7b", 6.74e9, 32, 4096, 32, 32, 128, 11008, 32000, 0, 4096,
      "meta-llama/Llama-2-7b-hf config.json; vidur model_config.py"),
    /* Sliding window 4,096 on every layer. */
    {.name = "mistral-7b", .params = 7.24e9, .layers = 32, .hidden = 4096,
     .heads = 32, .kv_heads = 8, .head_dim = 128, .mlp = 14336,
     .vocab = 32000, .tied_embeddings = 0, .context = 32768,
     .sliding_window = 4096, .sliding_share = 1.0,
     .source = "mistralai/Mistral-7B-v0.1 config.json"},
    M("llama-3-8b", 8.03e9, 32, 4096, 32, 8, 128, 14336, 128256, 0, 8192,
      "meta-llama/Meta-Llama-3-8B config.json; vidur model_config.py"),
    M("llama-3.1-8b", 8.03e9, 32, 4096, 32, 8, 128, 14336, 128256, 0,
      131072, "meta-llama/Llama-3.1-8B config.json (unverified)"),
    /* Tied embeddings: the one 151,936 x 896 table is the LM head. */
    M("qwen2.5-0.5b", 0.494e9, 24, 896, 14, 2, 64, 4864, 151936, 1, 32768,
      "Qwen/Qwen2.5-0.5B-Instruct config.json: 24 layers, 896, 14/2 "
      "heads, 4864, 151936, tied; 0.49B parameters (model card); "
      "cross-checked (verbatim copies of the config), not re-read from "
      "Hugging Face"),
    M("qwen2.5-7b", 7.61e9, 28, 3584, 28, 4, 128, 18944, 152064, 0, 32768,
      "Qwen/Qwen2.5-7B-Instruct config.json"),
    M("qwen2.5-14b", 14.7e9, 48, 5120, 40, 8, 128, 13824, 152064, 0, 32768,
      "Qwen/Qwen2.5-14B-Instruct config.json: 48 layers, 5120, 40/8 heads, "
      "13824, 152064; cross-checked (a model table citing it), not "
      "re-read from Hugging Face"),
    M("qwen2.5-32b", 32.5e9, 64, 5120, 40, 8, 128, 27648, 152064, 0, 32768,
      "Qwen/Qwen2.5-32B-Instruct config.json: 64 layers, 5120, 40/8 heads, "
      "27648, 152064; cross-checked (a model table), not re-read from "
      "Hugging Face"),
    M("qwen2.5-72b", 72.7e9, 80, 8192, 64, 8, 128, 29568, 152064, 0, 32768,
      "Qwen/Qwen2.5-72B-Instruct config.json: 80 layers, 8192, 64/8 heads, "
      "29568, 152064, 32768; cross-checked (a verbatim copy in a model "
      "report), not re-read from Hugging Face"),
    M("llama-3.2-1b", 1.24e9, 16, 2048, 32, 8, 64, 8192, 128256, 1, 131072,
      "meta-llama/Llama-3.2-1B config.json"),
    M("llama-3.2-3b", 3.21e9, 28, 3072, 24, 8, 128, 8192, 128256, 1, 131072,
      "meta-llama/Llama-3.2-3B config.json"),
    M("phi-3.5-mini", 3.82e9, 32, 3072, 32, 32, 96, 8192, 32064, 0, 131072,
      "microsoft/Phi-3.5-mini-instruct config.json (unverified)"),
    M("phi-4", 14.7e9, 40, 5120, 40, 10, 128, 17920, 100352, 0, 16384,
      "microsoft/phi-4 config.json: 40 layers, 5120, 40/10 heads, 17920, "
      "100352, 16384; cross-checked (a test fixture copying it), not "
      "re-read from Hugging Face"),
    /* Local attention (window 4,096) on every other layer. */
    {.name = "gemma-2-9b", .params = 9.24e9, .layers = 42, .hidden = 3584,
     .heads = 16, .kv_heads = 8, .head_dim = 256, .mlp = 14336,
     .vocab = 256000, .tied_embeddings = 1, .context = 8192,
     .sliding_window = 4096, .sliding_share = 0.5,
     .source = "google/gemma-2-9b config.json: 42 layers, 3584, 16/8 heads "
               "of 256, 14336; cross-checked (transformers' PaliGemma-2 9B "
               "conversion table), not re-read from Hugging Face"},
    M("llama-2-70b", 68.98e9, 80, 8192, 64, 8, 128, 28672, 32000, 0, 4096,
      "meta-llama/Llama-2-70b-hf config.json: 80 layers, 8192, 64/8 heads, "
      "28672, 32000; cross-checked (a model table), not re-read from "
      "Hugging Face"),
    M("llama-3.1-70b", 70.6e9, 80, 8192, 64, 8, 128, 28672, 128256, 0,
      131072, "meta-llama/Llama-3.1-70B config.json (unverified)"),
    M("llama-3.3-70b", 70.6e9, 80, 8192, 64, 8, 128, 28672, 128256, 0,
      131072, "meta-llama/Llama-3.3-70B-Instruct config.json (unverified)"),
    /* 8 experts, 2 per token: 46.7 B held, 12.9 B computed per token. */
    {.name = "mixtral-8x7b", .params = 46.7e9, .layers = 32, .hidden = 4096,
     .heads = 32, .kv_heads = 8, .head_dim = 128, .mlp = 14336,
     .vocab = 32000, .tied_embeddings = 0, .context = 32768,
     .active_params = 12.9e9, .experts = 8, .experts_active = 2,
     .source = "mistralai/Mixtral-8x7B-v0.1 config.json: 32 layers, 4096, "
               "32/8 heads, 14336, 32000, 32768, 8 experts, top 2; "
               "cross-checked (a verbatim copy in a test), not re-read from "
               "Hugging Face; 12.9 B active from the model card"},
};
#undef M

#define NGPUS (sizeof gpus / sizeof gpus[0])
#define NMODELS (sizeof models / sizeof models[0])

static const char *const gpu_names[NGPUS] = {
    "L40S", "L40", "L4", "A10G", "A10", "T4", "A100-40GB", "A100-80GB",
    "A100-80GB-PCIe", "H100-SXM", "H100-PCIe", "H100-NVL", "H200", "GH200",
    "B200", "MI300X", "RTX4090", "RTX6000-Ada"};
static const char *const model_names[NMODELS] = {
    "llama-2-7b", "mistral-7b", "llama-3-8b", "llama-3.1-8b", "qwen2.5-0.5b",
    "qwen2.5-7b", "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b", "llama-3.2-1b",
    "llama-3.2-3b", "phi-3.5-mini", "phi-4", "gemma-2-9b", "llama-2-70b",
    "llama-3.1-70b", "llama-3.3-70b", "mixtral-8x7b"};

double catalog_bytes_per_param(enum catalog_quant q)
{
    switch (q) {
    case CATALOG_QUANT_FP16: return 2.0;
    case CATALOG_QUANT_FP8: return 1.0;
    case CATALOG_QUANT_INT8: return 1.0 + 2.0 / 4096.0;
    case CATALOG_QUANT_INT4: return (128.0 * 4 + 16 + 4) / 128.0 / 8.0;
    case CATALOG_QUANT_FP4: return (16.0 * 4 + 8) / 16.0 / 8.0;
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

/* Parameters in the embedding and (when untied) the LM head. */
static double catalog_embedding_params(const struct model_spec *m)
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
    case CATALOG_QUANT_FP4:
        return g->flops_fp4 > 0 ? g->flops_fp4 : g->flops_fp16;
    case CATALOG_QUANT_FP16:
    case CATALOG_QUANT_INT4:
        break;
    }
    return g->flops_fp16;
}

double catalog_flops_per_token(const struct model_spec *m)
{
    return 2.0 * (m->active_params > 0 ? m->active_params : m->params);
}

double catalog_expert_params(const struct model_spec *m)
{
    if (m->experts <= 0 || m->experts_active <= 0)
        return 0;
    double e = (double)m->experts * m->layers * 3.0 * m->hidden * m->mlp;
    return e < m->params ? e : m->params;
}

double catalog_expert_bytes(const struct model_spec *m, enum catalog_quant q)
{
    /* Experts are linear layers of the body: bytes_per_param(q). */
    return catalog_expert_params(m) * catalog_bytes_per_param(q);
}

/*
 * Efficiencies.  Bandwidth: decode GEMV kernels reach ~77% of peak on an
 * A100 (vLLM, Llama-3.1-8B, one stream; johnmusgrave.com) and a copy ~83%
 * on an L40S (acceptance target, ai-hpc.github.io): 0.8 everywhere,
 * ASSUMED for the cards without a measurement.  Compute: the share of the
 * dense peak that cuBLAS/CUTLASS GEMMs reach at serving shapes (M = the
 * step's tokens, N, K = 4096-28672):
 *   Ampere FP16 0.75: A100 FP16 GEMMs reach 230-260 of 312 TFLOPS at
 *     these shapes (cuBLAS; ASSUMED within that range).
 *   Hopper BF16 0.65, FP8 0.57: H100 SXM dense GEMMs reach ~650 of 989
 *     (BF16) and ~1,100-1,300 of 1,979 (FP8) TFLOPS at LLM shapes
 *     (ASSUMED within published cuBLASLt ranges).
 *   Ada (L40S, L4, 4090) FP16 0.50, FP8 0.45: the boards are power-capped
 *     (350 W for 733 FP8 TFLOPS) and throttle under sustained tensor load;
 *     the L40S acceptance target is > 150 BF16 TFLOPS (0.41 of 362;
 *     ai-hpc.github.io L40S guide) and tuned GEMMs do better.
 *   Where in each range a figure sits was checked against the validation
 *   set's compute-bound rows (docs/validation.md says which), once per
 *   architecture and format, never per case.
 *   Blackwell 0.60 / 0.50 / 0.45 (FP16 / FP8 / FP4), CDNA3 0.45 / 0.40,
 *     Turing 0.55: ASSUMED, no measurement found.
 * INT8 (W8A8) takes the FP8 figure of the architecture.
 */
struct catalog_efficiency catalog_efficiency_default(enum catalog_arch a,
                                                     enum catalog_quant q)
{
    /* rows: arch; columns: fp16 (and int4), fp8 (and int8), fp4 */
    static const double compute[CATALOG_NARCH][3] = {
        [CATALOG_ARCH_TURING] = {0.55, 0.50, 0.45},
        [CATALOG_ARCH_AMPERE] = {0.75, 0.65, 0.55},
        [CATALOG_ARCH_ADA] = {0.50, 0.45, 0.40},
        [CATALOG_ARCH_HOPPER] = {0.65, 0.57, 0.50},
        [CATALOG_ARCH_BLACKWELL] = {0.60, 0.50, 0.45},
        [CATALOG_ARCH_CDNA3] = {0.45, 0.40, 0.35},
    };
    static const char *const src[CATALOG_NARCH] = {
        [CATALOG_ARCH_TURING] = "ASSUMED (no measurement)",
        [CATALOG_ARCH_AMPERE] = "A100 FP16 GEMMs at serving shapes",
        [CATALOG_ARCH_ADA] = "L40S power-capped tensor rate (ai-hpc guide)",
        [CATALOG_ARCH_HOPPER] = "H100 cuBLASLt GEMMs at serving shapes",
        [CATALOG_ARCH_BLACKWELL] = "ASSUMED (no measurement)",
        [CATALOG_ARCH_CDNA3] = "ASSUMED (no measurement)",
    };
    int col = 0;
    if (q == CATALOG_QUANT_FP8 || q == CATALOG_QUANT_INT8)
        col = 1;
    else if (q == CATALOG_QUANT_FP4)
        col = 2;
    struct catalog_efficiency e = {0.80, compute[a][col], src[a]};
    return e;
}

const char *const catalog_int4_kernel_names[CATALOG_NINT4_KERNEL] = {
    "marlin", "awq", "gptq-exllama"};

/*
 * int4 kernels at batch > 1.  Marlin keeps close to the FP16 GEMM rate
 * once compute-bound (Frantar et al., "MARLIN: Mixed-Precision
 * Auto-Regressive Parallel Inference on Large Language Models", 2024:
 * near-ideal speed-up to batch 16-32, FP16 parity beyond): 0.90.  The AWQ
 * GEMM kernel dequantises in its inner loop and runs at about a third of
 * the FP16 rate at batch 64 (vLLM's docs call it "under-optimized"; a
 * measured AWQ run at batch 64 has ~3x the roofline's TPOT): 0.33.
 * exllama v2 dequantises whole matrices to FP16 before a cuBLAS GEMM at
 * large batch, an extra pass over the weights: 0.60 (ASSUMED).
 */
double catalog_int4_kernel_factor(enum catalog_int4_kernel k)
{
    switch (k) {
    case CATALOG_INT4_MARLIN: return 0.90;
    case CATALOG_INT4_AWQ: return 0.33;
    case CATALOG_INT4_GPTQ_EXLLAMA: return 0.60;
    }
    return 1.0;
}

enum catalog_int4_kernel catalog_int4_kernel_default(enum catalog_arch a)
{
    /* vLLM converts AWQ and GPTQ checkpoints to Marlin on compute
     * capability 8.0 and later (awq_marlin, gptq_marlin). */
    return a == CATALOG_ARCH_TURING ? CATALOG_INT4_AWQ : CATALOG_INT4_MARLIN;
}

/*
 * All-reduce, the alpha-beta ring model (Thakur, Rabenseifner and Gropp,
 * "Optimization of Collective Communication Operations in MPICH", 2005;
 * NCCL's ring): 2 (tp - 1) steps, each a hop latency plus 1/tp of the
 * buffer over the link's bus bandwidth.  NCCL reaches a bus bandwidth of
 * ~80% of NVLink's one-way rate (nccl-tests busbw ~230 of 300 GB/s on
 * A100, ~360 of 450 on H100) and ~75% of PCIe's.  Hop latency: ~4 us over
 * NVLink/NVSwitch (an 8 us TP2 all-reduce, as the custom one-shot kernels
 * of TensorRT-LLM and vLLM take at small sizes), ~12 us over PCIe through
 * the host bridge (NCCL P2P/SHM), ~5 us over xGMI.  ASSUMED within those
 * published ranges.  `latency` below is per hop.
 */
struct catalog_link_perf catalog_link_perf(enum catalog_link l)
{
    struct catalog_link_perf p = {12e-6, 0.75,
                                  "NCCL ring over PCIe (12 us a hop, 75%)"};
    switch (l) {
    case CATALOG_LINK_NVLINK3:
    case CATALOG_LINK_NVLINK4:
    case CATALOG_LINK_NVLINK5:
    case CATALOG_LINK_NVLINK_BRIDGE:
        p.latency = 4e-6;
        p.bus_efficiency = 0.80;
        p.source = "NCCL ring over NVLink (4 us a hop, 80%)";
        break;
    case CATALOG_LINK_XGMI:
        p.latency = 5e-6;
        p.bus_efficiency = 0.70;
        p.source = "RCCL ring over xGMI (5 us a hop, 70%)";
        break;
    case CATALOG_LINK_PCIE3:
    case CATALOG_LINK_PCIE4:
    case CATALOG_LINK_PCIE5:
        break;
    }
    return p;
}
