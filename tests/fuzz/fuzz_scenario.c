/*
 * Fuzz target: the scenario loader and --set.  The input is a scenario
 * file; each line "#set KEY=VALUE" in it (a YAML comment) is also applied
 * as a --set override, so one corpus exercises both paths.
 */
#include "models/scenario.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_MAX_SETS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *sets[FUZZ_MAX_SETS], *p;
    struct scenario_overrides ov = {(const char *const *)sets, 0, NULL};
    struct scenario *sc = NULL;
    struct diag d;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (p = text; (p = strstr(p, "#set ")) && ov.nsets < FUZZ_MAX_SETS;) {
        char *end = strchr(p, '\n'), *s;
        size_t n = end ? (size_t)(end - p - 5) : strlen(p + 5);
        if ((s = malloc(n + 1))) {
            memcpy(s, p + 5, n);
            s[n] = '\0';
            sets[ov.nsets++] = s;
        }
        p += 5;
    }
    ov.out_dir = "out/fuzz";
    diag_init(&d, fuzz_null());
    scenario_load(fuzz_file("scenario.yaml", data, size), &ov, &d, &sc);
    scenario_free(sc);
    while (ov.nsets)
        free(sets[--ov.nsets]);
    free(text);
    return 0;
}
