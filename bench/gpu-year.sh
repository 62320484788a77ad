#!/bin/bash
# The GPU year of `make bench`: bench/gpu-year.yaml (one L40S, Llama-3-8B
# int4, 10M queries a month of 300 tokens in and 200 out, a simulated
# year, one replication) through `slmsim run`, and what it wrote: once in
# one process, once split into one horizon segment per online CPU
# (`--segments N --jobs N`: each segment has its own one-hour warm-up, its
# own seeds, and the result says so first, in a SEGMENTS line).  Prints
# wall and CPU time, requests simulated per second and the size of
# results.json (targets: under 60 s and under 5 MB on a 2-core machine).
#
# usage: bench/gpu-year.sh SLMSIM [OUTDIR]
set -u
BIN=${1:?usage: bench/gpu-year.sh SLMSIM [OUTDIR]}
OUT=${2:-build/bench-gpu-year}
HERE=$(dirname "$0")
TIMEFORMAT='%R %U %S'
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# gpu_year LABEL OUTDIR [FLAG...]: one timed run and its line.
gpu_year() {
    local label=$1 out=$2 t wall user sys bytes done
    shift 2
    t=$( { time "$BIN" run -q --no-plots --out "$out" "$@" \
            "$HERE/gpu-year.yaml" >/dev/null 2>"$out.err"; } 2>&1 ) || {
        echo "gpu-year: run failed:"; cat "$out.err"; exit 1; }
    read -r wall user sys <<< "$t"
    bytes=$(wc -c < "$out/results.json")
    # requests.completed (per replication: a segment is one) times
    # scenario.replications: the first number after each key.
    done=$(grep -m1 '"completed"' "$out/results.json" | tr -dc '0-9.')
    reps=$(grep -m1 '"replications"' "$out/results.json" | tr -dc '0-9')
    awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v b="$bytes" \
        -v n="$done" -v r="$reps" 'BEGIN {
        n *= r
        printf "GPU year, %s: wall %.1f s, CPU %.1f s, %.0f requests " \
               "(%.2f M/s of wall); results.json %.2f MB; " \
               "wall < 60 s: %s, results.json < 5 MB: %s\n",
               l, w, u + s, n, n / w / 1e6, b / 1e6,
               (w < 60 ? "met" : "NOT met"), (b < 5e6 ? "met" : "NOT met")
    }'
}

gpu_year "one process" "$OUT"
if [ "$NCPU" -gt 1 ]; then
    gpu_year "$NCPU segments on $NCPU CPUs" "$OUT-segments" \
        --segments "$NCPU" --jobs "$NCPU"
    grep -q '"segments"' "$OUT-segments/results.json" ||
        { echo "gpu-year: the segmented result does not say so"; exit 1; }
fi
