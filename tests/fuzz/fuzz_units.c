/*
 * Fuzz target: unit parsing (numbers, durations, rates, sizes) and the
 * same text through a typed getter, as a --set value reaches it.
 */
#include "sim/cfg.h"
#include "sim/units.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *set;
    struct cfg_doc *doc = NULL;
    struct diag d;
    double v;

    if (size > 4096 || !(text = malloc(size + 1)))
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    units_parse_number(text, &v);
    units_parse_duration(text, &v);
    units_parse_rate(text, &v);
    units_parse_bytes(text, &v);
    diag_init(&d, fuzz_null());
    if ((set = malloc(size + 8)) &&
        cfg_load_buffer("fuzz", "a: {b: 1}\n", 10, &d, &doc) == 0) {
        snprintf(set, size + 8, "a.b=%s", text);
        if (cfg_doc_set(doc, set, &d) == 0) {
            const struct cfg_node *a = cfg_get(cfg_doc_root(doc), "a");
            cfg_get_duration(a, "b", "a", 0, &v, &d);
            cfg_get_rate(a, "b", "a", 0, &v, &d);
            cfg_get_bytes(a, "b", "a", 0, &v, &d);
        }
    }
    cfg_doc_free(doc);
    free(set);
    free(text);
    return 0;
}
