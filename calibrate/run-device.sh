#!/bin/sh
# calibrate/run-device.sh: the whole GPU calibration in one go, for a
# machine with an NVIDIA GPU (sized to finish in under 8 minutes on a
# data-centre GPU).  Builds the CUDA benchmark for this GPU only, runs
# every kernel's CPU-reference check, measures Llama-3-8B (FP16, FP8,
# int4) and Llama-3.2-1B (FP16, FP8, int4), then one GPU's shard of
# Llama-3.3-70B at TP 1, 2 and 4 (FP16, FP8; quick plan: the per-shard
# GEMM efficiency that docs/validation.md's TP bias turns on, measured on
# one GPU), and copies the raw samples,
# the logs and, where slmsim itself builds here (GSL and libyaml), the
# fitted calibration files and the L40S profile derived from them to
# $OUT.  Without slmsim here, fit the samples later on any machine:
#     slmsim calibrate --fit OUT/samples-<device>-llama-3-8b.csv \
#         --catalog <GPU> --out calibrate/results/<device>-llama-3-8b.yaml
# Usage: OUT=/some/dir calibrate/run-device.sh
set -u
cd "$(dirname "$0")/.." || exit 1
: "${OUT:?set OUT to the folder that receives the results}"
mkdir -p "$OUT"
LOG="$OUT/run-device.log"
T0=$(date +%s)
log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }

nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1 || true
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
log "building the benchmark for this GPU ($NVCC)"
if ! make calibrate-cuda B=build/device NVCC="$NVCC" NVCC_ARCH=-arch=native \
        >>"$LOG" 2>&1; then
    log "build failed"; exit 1
fi
BENCH=build/device/slmsim-bench-cuda

# Shapes from the catalog (models/catalog.c): the benchmark does not link
# slmsim, so they are passed as they are there.
L8B="--model llama-3-8b --layers 32 --hidden 4096 --heads 32 --kv-heads 8 --head-dim 128 --mlp 14336 --vocab 128256"
L1B="--model llama-3.2-1b --layers 16 --hidden 2048 --heads 32 --kv-heads 8 --head-dim 64 --mlp 8192 --vocab 128256"
L70B="--model llama-3.3-70b --layers 80 --hidden 8192 --heads 64 --kv-heads 8 --head-dim 128 --mlp 28672 --vocab 128256"

log "checking every kernel against its CPU reference"
# shellcheck disable=SC2086
if ! $BENCH $L8B --quant fp16,bf16,fp8,int8,int4 --check-only >>"$LOG" 2>&1; then
    log "a kernel check failed: nothing measured"; exit 1
fi
DEV=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 |
      tr '[:upper:]' '[:lower:]' | sed 's/^nvidia //; s/[^a-z0-9]\{1,\}/-/g; s/-$//')
DEV=${DEV:-gpu}
# The catalog entry whose datasheet the efficiencies are against, where
# the driver's name does not say it alone.
case "$DEV" in
    *h100*pcie*) CAT="--catalog H100-PCIe" ;;
    *h100*) CAT="--catalog H100-SXM" ;;
    *a100*80*) CAT="--catalog A100-80GB" ;;
    *) CAT="" ;;
esac

# measure NAME ARGS TIMEOUT: the full plan, else --quick when it ran over
measure() {
    name=$1; args=$2; limit=$3
    csv="$OUT/samples-$DEV-$name.csv"
    log "measuring $name (full plan, at most ${limit}s)"
    # shellcheck disable=SC2086
    if ! timeout "$limit" $BENCH $args --quant fp16,fp8,int4 --out "$csv" \
            >>"$LOG" 2>&1; then
        log "$name: the full plan did not finish; the quick plan instead"
        # shellcheck disable=SC2086
        timeout 60 $BENCH $args --quant fp16,fp8,int4 --quick --out "$csv" \
            >>"$LOG" 2>&1 || { log "$name: failed"; return 1; }
    fi
    log "$name: $(grep -vc '^#' "$csv") rows in $csv"
}
measure llama-3-8b "$L8B" 170
measure llama-3.2-1b "$L1B" 60
# One GPU's shard of a TP group (--tp K: heads, kv-heads, mlp, vocab / K):
# what each GPU of the group runs, so the fitted efficiencies at K = 1, 2,
# 4 say how much a GEMM 1/K as wide loses.  Quick plan only.
for k in 1 2 4; do
    csv="$OUT/samples-$DEV-llama-3.3-70b-tp$k.csv"
    log "measuring llama-3.3-70b, one GPU's shard at TP $k (quick plan)"
    # shellcheck disable=SC2086
    if timeout 75 $BENCH $L70B --tp "$k" --quant fp16,fp8 --quick \
            --out "$csv" >>"$LOG" 2>&1; then
        log "llama-3.3-70b tp$k: $(grep -vc '^#' "$csv") rows"
    else
        log "llama-3.3-70b tp$k: failed"
    fi
done

log "fitting here, if slmsim builds (GSL, libyaml)"
if make -j"$(nproc)" slmsim >>"$LOG" 2>&1; then
    for name in llama-3-8b llama-3.2-1b llama-3.3-70b-tp1 llama-3.3-70b-tp2 \
            llama-3.3-70b-tp4; do
        csv="$OUT/samples-$DEV-$name.csv"
        [ -s "$csv" ] || continue
        # shellcheck disable=SC2086
        ./slmsim calibrate --fit "$csv" $CAT --out "$OUT/$DEV-$name.yaml" \
            >"$OUT/fit-$name.txt" 2>&1
        tee -a "$LOG" <"$OUT/fit-$name.txt"
    done
    [ -s "$OUT/$DEV-llama-3-8b.yaml" ] &&
        ./slmsim calibrate --derive "$OUT/$DEV-llama-3-8b.yaml" --gpu L40S \
            --out "$OUT/l40s-llama-3-8b-derived-from-$DEV.yaml" 2>&1 | tee -a "$LOG"
else
    log "slmsim did not build here: fit the samples elsewhere (see the top)"
fi
log "done"
