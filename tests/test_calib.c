/*
 * test_calib: calibration files (models/calib.h) read, written, derived
 * for another GPU and looked for; and the CPU twin's kernels
 * (calibrate/kernels.h) against their references.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "calibrate/kernels.h"
#include "models/calib.h"
#include "sim/diag.h"
#include "sim/mem.h"

#define H100 TEST_DATA_DIR "/calib/h100-synthetic-measured.yaml"
#define SHIPPED "calibrate/results/l40s-llama-3-8b-int4.yaml"

static struct calib *load_ok(const char *path)
{
    struct diag d;
    struct calib *c = NULL;
    diag_init(&d, stderr);
    assert_int_equal(calib_load(path, &d, &c), 0);
    assert_non_null(c);
    return c;
}

static void test_calib_shipped_file_is_derived_from_the_datasheet(void **st)
{
    (void)st;
    struct calib *c = load_ok(SHIPPED);
    char buf[256];
    assert_int_equal(c->source, CALIB_DERIVED);
    assert_false(c->from_measured);
    assert_string_equal(c->model, "llama-3-8b");
    const struct calib_dtype_fit *t = calib_dtype(c, CATALOG_QUANT_INT4);
    assert_non_null(t);
    /* the defaults the gpu model uses without a file on an L40S: 0.80 of
     * the bandwidth, 0.50 of the FP16 rate, int4 (Marlin) 0.90 of that */
    assert_close(t->bandwidth.value, 0.80 * 864e9, 1e-12);
    assert_close(t->flops.value, 0.50 * 0.90 * 362.05e12, 1e-12);
    assert_close(calib_dtype(c, CATALOG_QUANT_FP16)->flops.value,
                 0.50 * 362.05e12, 1e-12);
    assert_close(c->overhead.value, 0, 0);
    assert_close(c->layer_launch.value, 42e-6, 1e-12);
    assert_int_equal(c->jitter.dist, CALIB_JITTER_GAMMA);
    assert_close(c->jitter.cv, 0.05, 1e-12);
    assert_string_equal(calib_describe(c, buf, sizeof buf),
                        "derived from the L40S datasheet (2026-01-15)");
    calib_free(c);
}

static void test_calib_derive_moves_efficiencies_to_the_new_peaks(void **st)
{
    (void)st;
    struct calib *h = load_ok(H100), *l = NULL;
    struct diag d;
    char buf[256];
    diag_init(&d, stderr);
    const struct gpu_spec *g = catalog_gpu_find("L40S");
    assert_int_equal(calib_derive(h, H100, g, "2026-12-01", &d, &l), 0);
    assert_int_equal(l->source, CALIB_DERIVED);
    assert_string_equal(l->catalog, "L40S");
    assert_close(l->dt[CALIB_DT_FP16].flops.value, 0.6 * g->flops_fp16,
                 1e-12);
    assert_close(l->dt[CALIB_DT_FP8].flops.value, 0.5 * g->flops_fp8, 1e-12);
    assert_close(l->dt[CALIB_DT_INT4].bandwidth.value, 0.6 * g->bandwidth,
                 1e-12);
    assert_close(l->dt[CALIB_DT_FP16].flops.se, 0, 0);
    assert_close(l->attn_per_byte.value, 1 / (0.6 * g->bandwidth), 1e-12);
    /* times are kept: they are the host's and the software's */
    assert_close(l->overhead.value, h->overhead.value, 0);
    assert_close(l->dt[CALIB_DT_INT4].dequant.value, 2e-13, 1e-12);
    assert_string_equal(calib_describe(l, buf, sizeof buf),
                        "derived from NVIDIA H100 80GB HBM3 (measured "
                        "2026-11-30)");
    /* derived again: the first origin stays */
    struct calib *a = NULL;
    assert_int_equal(calib_derive(l, "l40s.yaml",
                                  catalog_gpu_find("A10G"), "2026-12-02",
                                  &d, &a), 0);
    assert_string_equal(a->from_device, "NVIDIA H100 80GB HBM3");
    assert_string_equal(a->from_file, H100);
    /* the A10G has no FP8: left out, said in the notes */
    assert_false(a->dt[CALIB_DT_FP8].present);
    assert_non_null(strstr(a->notes, "fp8 left out"));
    calib_free(a);
    calib_free(l);
    calib_free(h);
}

static void test_calib_cpu_file_cannot_be_derived_from(void **st)
{
    (void)st;
    struct calib *c = load_ok(TEST_DATA_DIR "/calib/cpu-llama-3-8b.yaml");
    struct calib *out = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&text, &len);
    struct diag d;
    diag_init(&d, sink);
    assert_int_equal(calib_derive(c, "cpu.yaml", catalog_gpu_find("L40S"),
                                  "2026-12-01", &d, &out), SLM_EINPUT);
    fclose(sink);
    assert_null(out);
    assert_non_null(strstr(text, "cpu.yaml: error: 'cpu.yaml' was measured "
                                 "on cpu (test fixture), which has no "
                                 "datasheet peaks"));
    free(text);
    calib_free(c);
}

static void test_calib_write_then_load_gives_the_same_figures(void **st)
{
    (void)st;
    struct calib *h = load_ok(H100), *back = NULL;
    char path[] = "/tmp/slmsim-calib-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(calib_write(f, h), 0);
    fclose(f);
    struct diag d;
    diag_init(&d, stderr);
    assert_int_equal(calib_load(path, &d, &back), 0);
    remove(path);
    assert_string_equal(back->device, h->device);
    assert_string_equal(back->catalog, "H100-SXM");
    for (int i = 0; i < CALIB_NDTYPE; i++) {
        assert_int_equal(back->dt[i].present, h->dt[i].present);
        assert_close(back->dt[i].flops.value, h->dt[i].flops.value, 1e-9);
        assert_close(back->dt[i].bandwidth.se, h->dt[i].bandwidth.se, 1e-3);
    }
    assert_int_equal(back->dt[CALIB_DT_INT4].dequant_tile, 128);
    assert_int_equal(back->jitter.dist, CALIB_JITTER_LOGNORMAL);
    assert_close(back->jitter.ks, 0.025, 1e-6);
    assert_int_equal((int)back->nraw, 1);
    assert_close(back->raw[0].median, 1.45e-5, 1e-6);
    assert_string_equal(back->allreduce_note, "skipped: one GPU");
    calib_free(back);
    calib_free(h);
}

static void test_calib_missing_fields_are_located_errors(void **st)
{
    (void)st;
    char *text = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&text, &len);
    struct diag d;
    struct calib *c = NULL;
    diag_init(&d, sink);
    assert_int_equal(calib_load(TEST_DATA_DIR "/calib/missing-fields.yaml",
                                &d, &c), SLM_EINPUT);
    fclose(sink);
    assert_null(c);
    assert_string_equal(
        text,
        "tests/data/calib/missing-fields.yaml:2:1: error: missing required "
        "key 'device' in calibration\n"
        "tests/data/calib/missing-fields.yaml:2:1: error: missing required "
        "key 'derived_from' in calibration\n"
        "tests/data/calib/missing-fields.yaml:9:7: error: missing required "
        "key 'bandwidth' in calibration.fit.dtypes.int4\n"
        "tests/data/calib/missing-fields.yaml:10:13: error: missing required "
        "key 'value' in calibration.fit.overhead\n"
        "tests/data/calib/missing-fields.yaml:7:3: error: missing required "
        "key 'jitter' in calibration.fit\n");
    free(text);
}

static void test_calib_load_survives_every_failed_allocation(void **st)
{
    (void)st;
    struct diag d;
    diag_init(&d, NULL);
    for (long n = 0; n < 100000; n++) {
        struct calib *c = NULL;
        mem_fail_after(n);
        int rc = calib_load(H100, &d, &c);
        long failed = mem_fail_count();
        mem_fail_reset();
        calib_free(c);
        if (failed == 0) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_not_equal(rc, 0);
    }
}

static void test_calib_path_beside_scenario_then_working_then_share(void **st)
{
    (void)st;
    char tried[512];
    char *p = calib_resolve_path("h100-synthetic-measured.yaml",
                                 TEST_DATA_DIR "/calib/s.yaml", NULL, tried,
                                 sizeof tried);
    assert_string_equal(p, TEST_DATA_DIR "/calib/h100-synthetic-measured.yaml");
    mem_free(p);
    p = calib_resolve_path(SHIPPED, "scenarios/x.yaml", NULL, tried,
                           sizeof tried);
    assert_string_equal(p, SHIPPED);
    mem_free(p);
    p = calib_resolve_path("calib/old-format.yaml", "nowhere/x.yaml",
                           TEST_DATA_DIR, tried, sizeof tried);
    assert_string_equal(p, TEST_DATA_DIR "/calib/old-format.yaml");
    mem_free(p);
    p = calib_resolve_path("no.yaml", "a/s.yaml", "/share", tried,
                           sizeof tried);
    assert_null(p);
    assert_string_equal(tried, "a/no.yaml, no.yaml, /share/no.yaml");
}

static void test_calib_device_names_find_their_catalog_entry(void **st)
{
    (void)st;
    assert_string_equal(calib_catalog_match("NVIDIA L40S")->name, "L40S");
    assert_string_equal(calib_catalog_match("NVIDIA L4")->name, "L4");
    assert_string_equal(calib_catalog_match("NVIDIA A10G")->name, "A10G");
    assert_string_equal(calib_catalog_match("NVIDIA H200")->name, "H200");
    /* "H100 80GB HBM3" is SXM or PCIe: --catalog says which */
    assert_null(calib_catalog_match("NVIDIA H100 80GB HBM3"));
    assert_string_equal(calib_catalog_match("NVIDIA L40")->name, "L40");
    assert_null(calib_catalog_match("NVIDIA GeForce GTX 1080"));
}

static void test_kern_every_kernel_matches_its_reference(void **st)
{
    (void)st;
    char msg[256] = "";
    int rc = kern_check(msg, sizeof msg);
    if (rc)
        print_error("%s\n", msg);
    assert_int_equal(rc, 0);
}

static void test_kern_formats_round_as_the_hardware_does(void **st)
{
    (void)st;
    assert_int_equal(kern_float_to_half(1.0f), 0x3c00);
    assert_int_equal(kern_float_to_half(65504.0f), 0x7bff);
    assert_int_equal(kern_float_to_half(1e6f), 0x7c00);
    /* 1 + 2^-11 is halfway between 1 and 1 + 2^-10: to even, 1 */
    assert_int_equal(kern_float_to_half(1.00048828125f), 0x3c00);
    assert_int_equal(kern_float_to_bf16(1.0f), 0x3f80);
    assert_int_equal(kern_float_to_e4m3(448.0f), 0x7e);
    assert_int_equal(kern_float_to_e4m3(1e4f), 0x7e);
    assert_close(kern_e4m3_to_float(0x01), 0.001953125, 0);
    assert_close(kern_e4m3_to_float(0x38), 1.0, 0);
}

static void test_kern_int4_dequantises_groups_with_their_zero(void **st)
{
    (void)st;
    float src[KERN_GROUP * 2];
    struct kern_weights w;
    for (int i = 0; i < KERN_GROUP * 2; i++)
        src[i] = (float)(i % 16) * 0.125f - 0.5f; /* exactly 16 levels */
    assert_int_equal(kern_weights_init(&w, CALIB_DT_INT4, KERN_GROUP * 2, 1,
                                       src), 0);
    for (int i = 0; i < KERN_GROUP * 2; i++)
        assert_close(kern_weight_at(&w, 0, i), src[i], 1e-3);
    /* 128 4-bit weights, an FP16 scale and half a byte of zero a group */
    assert_int_equal((int)w.bytes, KERN_GROUP + 2 * 2 + 1);
    kern_weights_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calib_shipped_file_is_derived_from_the_datasheet),
        cmocka_unit_test(test_calib_derive_moves_efficiencies_to_the_new_peaks),
        cmocka_unit_test(test_calib_cpu_file_cannot_be_derived_from),
        cmocka_unit_test(test_calib_write_then_load_gives_the_same_figures),
        cmocka_unit_test(test_calib_missing_fields_are_located_errors),
        cmocka_unit_test(test_calib_load_survives_every_failed_allocation),
        cmocka_unit_test(test_calib_path_beside_scenario_then_working_then_share),
        cmocka_unit_test(test_calib_device_names_find_their_catalog_entry),
        cmocka_unit_test(test_kern_every_kernel_matches_its_reference),
        cmocka_unit_test(test_kern_formats_round_as_the_hardware_does),
        cmocka_unit_test(test_kern_int4_dequantises_groups_with_their_zero),
    };
    return cmocka_run_group_tests_name("calib", tests, NULL, NULL);
}
