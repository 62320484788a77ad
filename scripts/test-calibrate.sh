#!/bin/sh
# End-to-end checks of `slmsim calibrate`: the CPU twin measures a model
# (--quick), a gpu scenario runs on the file with allow_cpu_calibration,
# saved samples refit, a measured file transfers to another GPU, and bad
# flags and malformed sample files get their exact messages.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out-calib}
fails=0
n=0
rm -rf "$OUT"
mkdir -p "$OUT"

ok() { n=$((n + 1)); printf '[       OK ] %s\n' "$1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }
expect_exit() { # expected-status description command...
    want=$1; what=$2; shift 2
    "$@" >"$OUT/last.out" 2>"$OUT/last.err"
    got=$?
    if [ "$got" = "$want" ]; then ok "$what"; else
        bad "$what (exit $got, expected $want)"; head -5 "$OUT/last.err"; fi
}
# scenario FILE CALIBRATION GPU EXTRA: a small gpu scenario on that file
scenario() {
    cat >"$1" <<EOS
name: calibrated
horizon: 20m
warmup: 1m
seed: 5
workload:
  arrivals: {process: poisson, rate: 0.02/s}
  tasks: [{type: short, share: 1, input_tokens: 200, output_tokens: 20}]
backends:
  local: {kind: gpu, gpu: $3, model: $5, quant: int4, calibration: $2$4}
EOS
}

expect_exit 0 "calibrate --help exits 0" "$BIN" calibrate --help
grep -q "usage: slmsim calibrate --device cpu|cuda" "$OUT/last.out" &&
    ok "calibrate --help shows the usage" || bad "calibrate --help shows the usage"
expect_exit 2 "calibrate without a mode exits 2" "$BIN" calibrate --out "$OUT/x.yaml"
expect_exit 2 "calibrate without --out exits 2" "$BIN" calibrate --device cpu --model llama-3-8b
expect_exit 2 "calibrate unknown model exits 2" "$BIN" calibrate --device cpu --model llama-3-8 --out "$OUT/x.yaml"
grep -q "did you mean 'llama-3-8b'" "$OUT/last.err" &&
    ok "calibrate suggests the model" || bad "calibrate suggests the model"
expect_exit 2 "calibrate bad --quant exits 2" "$BIN" calibrate --device cpu --model llama-3-8b --quant fp17 --out "$OUT/x.yaml"
expect_exit 2 "calibrate bad --device exits 2" "$BIN" calibrate --device tpu --model llama-3-8b --out "$OUT/x.yaml"
expect_exit 2 "calibrate --derive without --gpu exits 2" "$BIN" calibrate --derive calibrate/results/l40s-llama-3-8b-int4.yaml --out "$OUT/x.yaml"
expect_exit 2 "calibrate --derive unknown gpu exits 2" "$BIN" calibrate --derive calibrate/results/l40s-llama-3-8b-int4.yaml --gpu L50S --out "$OUT/x.yaml"
expect_exit 1 "calibrate --device cuda without the benchmark exits 1" "$BIN" calibrate --device cuda --model llama-3-8b --bench "$OUT/no-such-bench" --out "$OUT/x.yaml"
expect_exit 1 "calibrate --fit on a missing file exits 1" "$BIN" calibrate --fit "$OUT/no-such.csv" --out "$OUT/x.yaml"
expect_exit 2 "calibrate --gpu without --derive exits 2" "$BIN" calibrate --device cpu --model llama-3-8b --gpu L40S --out "$OUT/x.yaml"
[ ! -e "$OUT/x.yaml" ] && ok "a failed calibrate writes no file" || bad "a failed calibrate writes no file"

# The CPU twin end to end (the 1B model keeps the sanitizer build quick).
mkdir -p "$OUT/cpu"
expect_exit 0 "calibrate --device cpu --quick writes a file" "$BIN" calibrate --device cpu --model llama-3.2-1b --quick --out "$OUT/cpu/cpu.yaml"
[ -s "$OUT/cpu/cpu.yaml" ] && [ -s "$OUT/cpu/cpu.csv" ] &&
    ok "the file and its raw samples are written" || bad "the file and its raw samples are written"
grep -q "^  kind: cpu" "$OUT/cpu/cpu.yaml" && grep -q "^source: measured" "$OUT/cpu/cpu.yaml" &&
    ok "the CPU file says kind cpu, measured" || bad "the CPU file says kind cpu, measured"
scenario "$OUT/cpu/allowed.yaml" cpu.yaml L40S ", allow_cpu_calibration: true" llama-3.2-1b
expect_exit 0 "a gpu scenario runs on a CPU file with allow_cpu_calibration" "$BIN" run --out "$OUT/cpu/run" "$OUT/cpu/allowed.yaml"
grep -q "steps measured.*cpu.yaml: measured on cpu (" "$OUT/last.out" &&
    ok "the report says where the steps were measured" || bad "the report says where the steps were measured"
scenario "$OUT/cpu/refused.yaml" cpu.yaml L40S "" llama-3.2-1b
expect_exit 2 "a CPU file is refused without allow_cpu_calibration" "$BIN" validate "$OUT/cpu/refused.yaml"
grep -q "only with 'allow_cpu_calibration: true'" "$OUT/last.err" &&
    ok "the refusal says how to allow it" || bad "the refusal says how to allow it"

# Refitting the saved samples is deterministic.
expect_exit 0 "calibrate --fit refits the raw samples" "$BIN" calibrate --fit "$OUT/cpu/cpu.csv" --out "$OUT/cpu/refit1.yaml"
"$BIN" calibrate -q --fit "$OUT/cpu/cpu.csv" --out "$OUT/cpu/refit2.yaml" &&
cmp -s "$OUT/cpu/refit1.yaml" "$OUT/cpu/refit2.yaml" &&
    ok "two refits are byte-identical" || bad "two refits are byte-identical"
expect_exit 2 "a CPU file cannot be derived from" "$BIN" calibrate --derive "$OUT/cpu/cpu.yaml" --gpu L40S --out "$OUT/cpu/d.yaml"
grep -q "no datasheet peaks" "$OUT/last.err" &&
    ok "the refusal to derive says why" || bad "the refusal to derive says why"

# Transfer of a measured file to another GPU.
mkdir -p "$OUT/derive"
expect_exit 0 "calibrate --derive transfers to L40S" "$BIN" calibrate --derive tests/data/calib/h100-synthetic-measured.yaml --gpu L40S --out "$OUT/derive/l40s.yaml"
grep -q "derived from NVIDIA H100 80GB HBM3 (measured 2026-11-30)" "$OUT/last.out" &&
    ok "--derive says derived from X (measured date)" || bad "--derive says derived from X (measured date)"
# 0.6 of the H100's FP16 efficiency times the L40S's 362.05 TFLOPS
grep -q "flops: {value: 2.1723e+14, se: 0" "$OUT/derive/l40s.yaml" &&
    ok "the derived rate is efficiency x the L40S peak" || bad "the derived rate is efficiency x the L40S peak"
scenario "$OUT/derive/s.yaml" l40s.yaml L40S "" llama-3-8b
expect_exit 0 "a scenario runs on the derived file" "$BIN" run --out "$OUT/derive/run" "$OUT/derive/s.yaml"
grep -q "steps derived.*derived from NVIDIA H100 80GB HBM3 (measured 2026-11-30)" "$OUT/last.out" &&
    ok "the report says derived from X (measured date)" || bad "the report says derived from X (measured date)"
expect_exit 0 "the shipped L40S file derives to H100-SXM" "$BIN" calibrate -q --derive calibrate/results/l40s-llama-3-8b-int4.yaml --gpu H100-SXM --out "$OUT/derive/h100.yaml"
grep -q 'device: "L40S datasheet"' "$OUT/derive/h100.yaml" &&
    ok "a datasheet origin is kept" || bad "a datasheet origin is kept"

# A shard file (one GPU of a TP group timed, calibrate --tp): it serves
# backends of its own degree only, and the report says what was timed.
mkdir -p "$OUT/shard"
expect_exit 2 "calibrate --tp goes with --device cuda only" "$BIN" calibrate --device cpu --model llama-3.2-1b --tp 2 --out "$OUT/x.yaml"
expect_exit 2 "calibrate --tp 0 exits 2" "$BIN" calibrate --device cuda --model llama-3-8b --tp 0 --out "$OUT/x.yaml"
cp tests/data/calib/h100-synthetic-tp2.yaml "$OUT/shard/"
scenario "$OUT/shard/tp1.yaml" h100-synthetic-tp2.yaml H100-SXM "" llama-3-8b
sed -i 's/quant: int4/quant: fp16/' "$OUT/shard/tp1.yaml"
expect_exit 2 "a TP2 shard file is refused by a TP1 backend" "$BIN" validate "$OUT/shard/tp1.yaml"
grep -q "timed one GPU's shard at tensor_parallel 2, not backends.local's 1" "$OUT/last.err" &&
    ok "the refusal names both degrees" || bad "the refusal names both degrees"
scenario "$OUT/shard/tp2.yaml" h100-synthetic-tp2.yaml H100-SXM ", tensor_parallel: 2" llama-3-8b
sed -i 's/quant: int4/quant: fp16/' "$OUT/shard/tp2.yaml"
expect_exit 0 "a TP2 backend runs on the TP2 shard file" "$BIN" run --out "$OUT/shard/run" "$OUT/shard/tp2.yaml"
grep -q "measured on NVIDIA H100 80GB HBM3 (2026-11-30, one GPU's shard at TP 2)" "$OUT/last.out" &&
    ok "the report says a shard was timed" || bad "the report says a shard was timed"
# the degree survives a refit of the samples and a transfer
sed 's/^# model: \(.*\)$/# model: \1\n# tensor_parallel: 4/' "$OUT/cpu/cpu.csv" >"$OUT/shard/cpu-tp4.csv"
expect_exit 0 "samples with '# tensor_parallel: 4' fit" "$BIN" calibrate -q --fit "$OUT/shard/cpu-tp4.csv" --out "$OUT/shard/cpu-tp4.yaml"
grep -q "^  tensor_parallel: 4$" "$OUT/shard/cpu-tp4.yaml" &&
    ok "the fitted file keeps tensor_parallel 4" || bad "the fitted file keeps tensor_parallel 4"
expect_exit 0 "a shard file derives to another GPU" "$BIN" calibrate -q --derive "$OUT/shard/h100-synthetic-tp2.yaml" --gpu L40S --out "$OUT/shard/l40s-tp2.yaml"
grep -q "^  tensor_parallel: 2$" "$OUT/shard/l40s-tp2.yaml" &&
    ok "the derived file keeps tensor_parallel 2" || bad "the derived file keeps tensor_parallel 2"
sed 's/tensor_parallel: 2/tensor_parallel: 99/' tests/data/calib/h100-synthetic-tp2.yaml >"$OUT/shard/h100-synthetic-tp2.yaml"
expect_exit 2 "a file's tensor_parallel above 64 exits 2" "$BIN" validate "$OUT/shard/tp2.yaml"
grep -q "h100-synthetic-tp2.yaml:16:60: error: 'tensor_parallel' must be an integer in \[1, 64\], got '99'" "$OUT/last.err" &&
    ok "the bad tensor_parallel is located" || bad "the bad tensor_parallel is located"
! grep -q "tensor_parallel" "$OUT/cpu/refit1.yaml" &&
    ok "a whole-model file has no tensor_parallel line" || bad "a whole-model file has no tensor_parallel line"

# Malformed sample files: exact messages (tests/data/calib/bad-*.csv).
for f in tests/data/calib/bad-*.csv; do
    [ -e "$f" ] || continue
    "$BIN" calibrate --fit "$f" --out "$OUT/bad.yaml" >/dev/null 2>"$OUT/err.txt"
    echo "exit $?" >>"$OUT/err.txt"
    if cmp -s "$OUT/err.txt" "${f%.csv}.expected" && [ ! -e "$OUT/bad.yaml" ]; then
        ok "samples error $(basename "$f" .csv)"
    else
        bad "samples error $(basename "$f" .csv)"
        diff "${f%.csv}.expected" "$OUT/err.txt" | head -10
    fi
done

printf '[==========] calibrate: %d tests ran\n' "$n"
if [ "$fails" -ne 0 ]; then
    printf '[  FAILED  ] calibrate: %d tests\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] calibrate: %d tests\n' "$n"
