#!/bin/bash
# The GPU year of `make bench`: bench/gpu-year.yaml (one L40S, Llama-3-8B
# int4, 10M queries a month of 300 tokens in and 200 out, a simulated
# year, one replication) through `slmsim run`, and what it wrote.  Prints
# wall and CPU time, requests simulated per second and the size of
# results.json (targets: under 60 s and under 5 MB on a 2-core machine).
#
# usage: bench/gpu-year.sh SLMSIM [OUTDIR]
set -u
BIN=${1:?usage: bench/gpu-year.sh SLMSIM [OUTDIR]}
OUT=${2:-build/bench-gpu-year}
HERE=$(dirname "$0")
TIMEFORMAT='%R %U %S'
t=$( { time "$BIN" run -q --no-plots --out "$OUT" "$HERE/gpu-year.yaml" \
        >/dev/null 2>"$OUT.err"; } 2>&1 ) || {
    echo "gpu-year: run failed:"; cat "$OUT.err"; exit 1; }
read -r wall user sys <<< "$t"
bytes=$(wc -c < "$OUT/results.json")
# requests.completed: the first number after the key.
done=$(grep -m1 '"completed"' "$OUT/results.json" | tr -dc '0-9.')
awk -v w="$wall" -v u="$user" -v s="$sys" -v b="$bytes" -v n="$done" 'BEGIN {
    printf "GPU year: wall %.1f s, CPU %.1f s, %.0f requests (%.2f M/s of wall); results.json %.2f MB\n",
           w, u + s, n, n / w / 1e6, b / 1e6
    printf "targets: wall < 60 s: %s; results.json < 5 MB: %s\n",
           (w < 60 ? "met" : "NOT met"), (b < 5e6 ? "met" : "NOT met")
}'
