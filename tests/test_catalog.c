/*
 * catalog: the GPU and model tables and the sizes derived from them,
 * against the figures in the reference sheet.
 */
#include "tests/check.h"

#include <string.h>

#include "models/catalog.h"

static void test_catalog_finds_gpus_without_regard_to_case(void **state)
{
    (void)state;
    const struct gpu_spec *g = catalog_gpu_find("l40s");
    assert_non_null(g);
    assert_string_equal(g->name, "L40S");
    assert_close(g->memory, 48e9, 0);
    assert_close(g->bandwidth, 864e9, 0);
    assert_close(g->flops_fp16, 362.05e12, 0);
    assert_close(g->flops_fp8, 733e12, 0);
    assert_close(g->tdp, 350, 0);
    assert_close(g->memory_usable, 46068.0 * 1024 * 1024, 0);
    assert_int_equal(g->link, CATALOG_LINK_PCIE4);
    assert_null(catalog_gpu_find("L40X"));
    const char *want[] = {"L40S", "L40", "L4", "A10G", "A10", "T4",
                          "A100-40GB", "A100-80GB", "A100-80GB-PCIe",
                          "H100-SXM", "H100-PCIe", "H100-NVL", "H200",
                          "GH200", "B200", "MI300X", "RTX4090",
                          "RTX6000-Ada"};
    size_t n = sizeof want / sizeof want[0];
    assert_int_equal(catalog_gpu_count(), n);
    for (size_t i = 0; i < n; i++) {
        const struct gpu_spec *x = catalog_gpu_find(want[i]);
        assert_non_null(x);
        assert_string_equal(catalog_gpu_names()[i], x->name);
        assert_true(x->memory > 0 && x->bandwidth > 0 && x->flops_fp16 > 0);
        assert_true(x->tdp > x->idle_power && x->price > 0);
    }
}

/* The purchasing fields a cost study reads are there, each sourced. */
static void test_catalog_gpus_carry_sourced_purchasing_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < catalog_gpu_count(); i++) {
        const struct gpu_spec *x = catalog_gpu_at(i);
        assert_non_null(x->price_source);
        assert_non_null(x->price_date);
        assert_non_null(x->rent_source);
        assert_non_null(x->source);
        assert_true(x->rent_per_hour > 0 && x->rent_per_hour < 20);
        assert_true(x->interconnect > 0);
        /* usable memory is what the card exposes: within 7% of the
         * datasheet's decimal figure */
        assert_true(x->memory_usable > 0.93 * x->memory &&
                    x->memory_usable < 1.1 * x->memory);
        assert_true((int)x->link >= 0 && (int)x->link < CATALOG_NLINK);
        assert_true((int)x->arch >= 0 && (int)x->arch < CATALOG_NARCH);
    }
    const struct gpu_spec *b = catalog_gpu_find("B200");
    assert_close(catalog_gpu_flops(b, CATALOG_QUANT_FP4), 9000e12, 0);
    assert_close(catalog_gpu_flops(catalog_gpu_find("H100-SXM"),
                                   CATALOG_QUANT_FP4), 989.4e12, 0);
}

/* The efficiency table, int4 kernels and links by hand. */
static void test_catalog_efficiencies_follow_architecture_and_format(void **s)
{
    (void)s;
    struct catalog_efficiency a =
        catalog_efficiency_default(CATALOG_ARCH_AMPERE, CATALOG_QUANT_FP16);
    struct catalog_efficiency h8 =
        catalog_efficiency_default(CATALOG_ARCH_HOPPER, CATALOG_QUANT_FP8);
    struct catalog_efficiency ada =
        catalog_efficiency_default(CATALOG_ARCH_ADA, CATALOG_QUANT_FP8);
    assert_close(a.compute, 0.75, 0);
    assert_close(h8.compute, 0.57, 0);
    assert_close(ada.compute, 0.45, 0);
    assert_close(a.bandwidth, 0.80, 0);
    assert_non_null(a.source);
    /* INT8 takes the FP8 column; int4 the FP16 one */
    assert_close(catalog_efficiency_default(CATALOG_ARCH_HOPPER,
                                            CATALOG_QUANT_INT8).compute,
                 0.57, 0);
    assert_close(catalog_efficiency_default(CATALOG_ARCH_HOPPER,
                                            CATALOG_QUANT_INT4).compute,
                 0.65, 0);
    assert_close(catalog_int4_kernel_factor(CATALOG_INT4_MARLIN), 0.90, 0);
    assert_close(catalog_int4_kernel_factor(CATALOG_INT4_AWQ), 0.33, 0);
    assert_int_equal(catalog_int4_kernel_default(CATALOG_ARCH_ADA),
                     CATALOG_INT4_MARLIN);
    assert_int_equal(catalog_int4_kernel_default(CATALOG_ARCH_TURING),
                     CATALOG_INT4_AWQ);
    assert_close(catalog_link_perf(CATALOG_LINK_NVLINK4).latency, 4e-6, 0);
    assert_close(catalog_link_perf(CATALOG_LINK_PCIE4).latency, 12e-6, 0);
    assert_true(catalog_link_perf(CATALOG_LINK_PCIE4).bus_efficiency <
                catalog_link_perf(CATALOG_LINK_NVLINK3).bus_efficiency);
}

/* MoE: FLOPs follow the active parameters, bytes all of them. */
static void test_catalog_moe_computes_with_active_parameters(void **state)
{
    (void)state;
    const struct model_spec *m = catalog_model_find("mixtral-8x7b");
    assert_non_null(m);
    assert_close(catalog_flops_per_token(m), 2 * 12.9e9, 1e-12);
    assert_true(catalog_weight_bytes(m, CATALOG_QUANT_FP16) > 2 * 46e9);
    const struct model_spec *d = catalog_model_find("llama-3.1-8b");
    assert_close(catalog_flops_per_token(d), 2 * 8.03e9, 1e-12);
    assert_int_equal(d->context, 131072);
    assert_int_equal(catalog_model_find("mistral-7b")->sliding_window, 4096);
    for (size_t i = 0; i < catalog_model_count(); i++) {
        const struct model_spec *x = catalog_model_at(i);
        assert_string_equal(catalog_model_names()[i], x->name);
        assert_non_null(x->source);
        assert_int_equal(x->heads % x->kv_heads, 0);
    }
}

static void test_catalog_models_have_their_config_shapes(void **state)
{
    (void)state;
    const char *want[] = {"llama-2-7b", "mistral-7b", "llama-3-8b",
                          "qwen2.5-7b", "llama-3.2-1b"};
    for (size_t i = 0; i < 5; i++) {
        const struct model_spec *m = catalog_model_find(want[i]);
        assert_non_null(m);
        assert_int_equal(m->heads * m->head_dim, m->hidden);
        assert_int_equal(m->heads % m->kv_heads, 0);
        assert_true(m->context >= 4096);
    }
    const struct model_spec *m = catalog_model_find("LLAMA-3-8B");
    assert_non_null(m);
    assert_int_equal(m->layers, 32);
    assert_int_equal(m->kv_heads, 8);
    assert_int_equal(m->mlp, 14336);
    assert_int_equal(m->context, 8192);
    assert_null(catalog_model_find("llama-3-70b-x"));
}

static void test_catalog_kv_bytes_per_token_match_the_reference(void **s)
{
    (void)s;
    /* 2 * 32 * 32 * 128 * 2 B = 512 KiB; GQA 8 heads: 128 KiB */
    assert_close(catalog_kv_bytes_per_token(catalog_model_find("llama-2-7b"),
                                            CATALOG_KV_FP16),
                 512.0 * 1024, 0);
    assert_close(catalog_kv_bytes_per_token(catalog_model_find("llama-3-8b"),
                                            CATALOG_KV_FP16),
                 128.0 * 1024, 0);
    assert_close(catalog_kv_bytes_per_token(catalog_model_find("mistral-7b"),
                                            CATALOG_KV_FP8),
                 64.0 * 1024, 0);
}

static void test_catalog_weight_bytes_by_format(void **s)
{
    (void)s;
    const struct model_spec *l2 = catalog_model_find("llama-2-7b");
    const struct model_spec *l3 = catalog_model_find("llama-3-8b");
    /* FP16: 2 bytes a parameter: 13.5 GB and 16.1 GB */
    assert_close(catalog_weight_bytes(l2, CATALOG_QUANT_FP16), 13.48e9, 1e-9);
    assert_close(catalog_weight_bytes(l3, CATALOG_QUANT_FP16), 16.06e9, 1e-9);
    /* 4-bit with FP16 embeddings: the reference's ~3.4-3.9 and ~4.0-4.9
     * GB for the body, plus the 16-bit tables */
    double w2 = catalog_weight_bytes(l2, CATALOG_QUANT_INT4);
    double w3 = catalog_weight_bytes(l3, CATALOG_QUANT_INT4);
    assert_within(w2, 3.8e9, 4.0e9);
    assert_within(w3, 5.5e9, 6.0e9);
    double emb = 128256.0 * 4096;
    assert_close(w3, (8.03e9 - 2 * emb) * 0.51953125 + 2 * emb * 2, 1e-12);
    /* a step reads everything but the input table */
    assert_close(catalog_weight_read_bytes(l3, CATALOG_QUANT_INT4),
                 w3 - emb * 2, 1e-12);
    /* tied: the one table is the head, read every step */
    const struct model_spec *l1 = catalog_model_find("llama-3.2-1b");
    assert_close(catalog_weight_read_bytes(l1, CATALOG_QUANT_FP8),
                 catalog_weight_bytes(l1, CATALOG_QUANT_FP8), 0);
    assert_close(catalog_bytes_per_param(CATALOG_QUANT_INT8),
                 1 + 2.0 / 4096, 0);
}

static void test_catalog_l40s_kv_budget_matches_the_reference(void **s)
{
    (void)s;
    /* 48 GB * 0.9 less FP16 weights: ~27 GB, ~207 k tokens of 128 KiB */
    const struct model_spec *l3 = catalog_model_find("llama-3-8b");
    double left = 48e9 * 0.9 - catalog_weight_bytes(l3, CATALOG_QUANT_FP16);
    assert_within(left, 26.5e9, 27.5e9);
    double tokens = left / catalog_kv_bytes_per_token(l3, CATALOG_KV_FP16);
    assert_within(tokens, 200e3, 210e3);
}

static void test_catalog_formats_compute_at_their_tensor_rate(void **s)
{
    (void)s;
    const struct gpu_spec *l40s = catalog_gpu_find("L40S");
    const struct gpu_spec *a100 = catalog_gpu_find("A100-80GB");
    assert_close(catalog_gpu_flops(l40s, CATALOG_QUANT_INT4), 362.05e12, 0);
    assert_close(catalog_gpu_flops(l40s, CATALOG_QUANT_FP8), 733e12, 0);
    /* no FP8 on Ampere: FP16 after dequantising */
    assert_close(catalog_gpu_flops(a100, CATALOG_QUANT_FP8), 312e12, 0);
    assert_close(catalog_gpu_flops(a100, CATALOG_QUANT_INT8), 624e12, 0);
    assert_string_equal(catalog_quant_names[CATALOG_QUANT_INT4], "int4");
    assert_string_equal(catalog_kv_dtype_names[CATALOG_KV_FP8], "fp8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_finds_gpus_without_regard_to_case),
        cmocka_unit_test(test_catalog_models_have_their_config_shapes),
        cmocka_unit_test(test_catalog_gpus_carry_sourced_purchasing_fields),
        cmocka_unit_test(test_catalog_moe_computes_with_active_parameters),
        cmocka_unit_test(test_catalog_efficiencies_follow_architecture_and_format),
        cmocka_unit_test(test_catalog_kv_bytes_per_token_match_the_reference),
        cmocka_unit_test(test_catalog_weight_bytes_by_format),
        cmocka_unit_test(test_catalog_l40s_kv_budget_matches_the_reference),
        cmocka_unit_test(test_catalog_formats_compute_at_their_tensor_rate),
    };
    return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
