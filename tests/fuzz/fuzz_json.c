/*
 * Fuzz target: the JSON reader behind `slmsim plot` (json_parse), a walk
 * over what it built, and each figure in "figures" read back
 * (figure_from_json) and laid out as a gnuplot script (draw_script: the
 * axis ranges and ticks), as `slmsim plot` does short of gnuplot.
 */
#include "plots/draw.h"
#include "plots/figure.h"
#include "sim/json.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_walk(const struct json *j, int depth)
{
    size_t i;

    if (!j || depth > 64)
        return;
    (void)json_num(j, 0.0);
    (void)json_str(j);
    (void)json_type_name(j->type);
    for (i = 0; i < json_len(j); i++)
        fuzz_walk(json_at(j, i), depth + 1);
    (void)json_get(j, "figures");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json *j = NULL;
    struct diag d;

    diag_init(&d, fuzz_null());
    if (json_parse((const char *)data, size, "results.json", &d, &j) == 0) {
        const struct json *figs = json_get(j, "figures");
        size_t i;
        fuzz_walk(j, 0);
        for (i = 0; json_is(figs, JSON_OBJECT) && i < json_len(figs); i++) {
            struct figure *f = NULL;
            if (figure_from_json(json_at(figs, i), "results.json", &d,
                                 &f) == 0)
                draw_script(f, DRAW_DEFAULT_FORMATS, fuzz_null());
            figure_free(f);
        }
    }
    json_free(j);
    return 0;
}
