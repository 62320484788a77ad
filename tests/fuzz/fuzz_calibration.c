/*
 * Fuzz target: the calibration-file reader.  The input is a calibration
 * file; it is read by calib_load (and written back by calib_write when it
 * loads), then the way `slmsim validate` reads it, through a gpu backend
 * whose `calibration:` names it.
 */
#include "models/calib.h"
#include "models/scenario.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char fmt[] =
        "name: cal\nhorizon: 1h\n"
        "workload:\n"
        "  arrivals: {process: poisson, rate: 1/s}\n"
        "  tasks: [{type: a, share: 1, input_tokens: 300, "
        "output_tokens: 200}]\n"
        "backends:\n"
        "  g: {kind: gpu, gpu: L40S, model: llama-3-8b, quant: int4, "
        "calibration: %s}\n";
    char yaml[512];
    struct scenario_overrides ov = {NULL, 0, "out/fuzz"};
    struct scenario *sc = NULL;
    struct diag d;
    int n;

    struct calib *c = NULL;
    const char *cal = fuzz_file("calibration.yaml", data, size);

    diag_init(&d, fuzz_null());
    if (calib_load(cal, &d, &c) == 0)
        calib_write(fuzz_null(), c);
    calib_free(c);
    n = snprintf(yaml, sizeof yaml, fmt, cal);
    scenario_load(fuzz_file("scenario.yaml", (const uint8_t *)yaml,
                            (size_t)n),
                  &ov, &d, &sc);
    scenario_free(sc);
    return 0;
}
