#!/bin/sh
# --jobs: the worker processes (study/jobs.h) change how fast, never what.
# run (results.json and every figure's data: latency-vs-load, utilization,
# accuracy-cost), compare (compare.csv, compare.json, options.dat) and
# capacity (capacity.json, the probes' figure data) and tco's simulated
# capacity per GPU (tco.json) with --jobs 1 and
# --jobs 2 must be the same bytes.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/jobs
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
ok() { printf '[       OK ] %s\n' "$1"; }
bad() { fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# same NAME A B: the two files exist, are not empty, and are equal.
same() {
    if [ -s "$2" ] && cmp -s "$2" "$3"; then ok "$1"; else bad "$1"; fi
}

Q=scenarios/quickstart.yaml
SHORT="--set horizon=4h --set warmup=30m --set replications=3"
for j in 1 2; do
    # shellcheck disable=SC2086
    SLMSIM_GNUPLOT=/nonexistent "$BIN" run -q --plots $SHORT --jobs $j \
        --out "$OUT/run$j" "$Q" >/dev/null 2>"$OUT/run$j.err" ||
        bad "run --jobs $j exits 0"
done
same "run: results.json is the same with --jobs 1 and 2" \
    "$OUT/run1/results.json" "$OUT/run2/results.json"
for f in latency-vs-load utilization accuracy-cost latency-cdf; do
    same "run: $f.dat is the same with --jobs 1 and 2" \
        "$OUT/run1/$f.dat" "$OUT/run2/$f.dat"
done

P=scenarios/purchase-5m-chat.yaml
for j in 1 2; do
    # shellcheck disable=SC2086
    SLMSIM_GNUPLOT=/nonexistent "$BIN" compare -q --plots \
        --set horizon=2h --set warmup=20m --set replications=3 \
        --capacity-horizon 30m --jobs $j --out "$OUT/cmp$j" "$P" \
        >/dev/null 2>"$OUT/cmp$j.err" || bad "compare --jobs $j exits 0"
done
for f in compare.csv compare.json options.dat; do
    same "compare: $f is the same with --jobs 1 and 2" \
        "$OUT/cmp1/$f" "$OUT/cmp2/$f"
done

# capacity: the bisection is sequential, a probe's replications are the
# items; capacity.json and the probes' figure data must be the same bytes
# (one replica on quickstart; a hybrid's two replicas, a second search).
for c in "q $Q" "h scenarios/seed-hybrid-1m.yaml --set backends.local.count=2"
do
    # shellcheck disable=SC2086
    set -- $c
    k=$1
    shift
    for j in 1 2; do
        SLMSIM_GNUPLOT=/nonexistent "$BIN" capacity -q --plots --horizon 30m \
            --jobs $j --out "$OUT/cap$k$j" "$@" >/dev/null \
            2>"$OUT/cap$k$j.err" || bad "capacity --jobs $j ($k) exits 0"
    done
    for f in capacity.json latency-vs-load-probes.dat; do
        same "capacity ($k): $f is the same with --jobs 1 and 2" \
            "$OUT/cap${k}1/$f" "$OUT/cap${k}2/$f"
    done
done

# tco: the simulated capacity per GPU (seed-short-1m-simulated declares
# none) searches with the probes' replications on --jobs workers.
S=scenarios/seed-short-1m-simulated.yaml
for j in 1 2; do
    SLMSIM_GNUPLOT=/nonexistent "$BIN" tco -q --no-plots --nominal \
        --capacity-horizon 30m --jobs $j --out "$OUT/tco$j" "$S" \
        >/dev/null 2>"$OUT/tco$j.err" || bad "tco --jobs $j exits 0"
done
same "tco: tco.json is the same with --jobs 1 and 2" \
    "$OUT/tco1/tco.json" "$OUT/tco2/tco.json"

# --jobs is checked like every whole-number flag.
"$BIN" run --jobs 0 "$Q" >/dev/null 2>"$OUT/err.txt"
rc=$?
[ $rc = 2 ] && grep -q "bad --jobs '0' (a whole number from 1 to 256)" \
    "$OUT/err.txt" && ok "--jobs 0 is refused" || bad "--jobs 0 is refused"

if [ "$fails" -ne 0 ]; then
    printf '[  FAILED  ] jobs: %d\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] jobs\n'
