#!/bin/sh
# run --jobs: a scenario's own replications run in worker processes
# (study/reps.h), each sending its whole result back (counts, histograms,
# backend figures, days, backlog, routing, tasks).  The text report,
# results.json and every figure's data must be the same bytes with
# --jobs 1 (every replication in this process) and --jobs 2, for one
# backend and several (a GPU and an API, a router station), a trace
# replay, an API alone, and a run a limit stops.  And compare's capacity
# probes spread over the workers, and run --segments.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/run-jobs
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
ok() { printf '[       OK ] %s\n' "$1"; }
bad() { fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# check NAME EXPECTED-EXIT SCENARIO ARGS...: runs both, compares.
check() {
    name=$1
    want=$2
    shift 2
    for j in 1 2; do
        d="$OUT/$name$j"
        SLMSIM_GNUPLOT=/nonexistent "$BIN" run "$@" --jobs $j --out "$d" \
            >"$d.txt" 2>"$d.err"
        rc=$?
        [ "$rc" = "$want" ] || bad "$name: run --jobs $j exits $want (got $rc)"
        # the folder is named in the text: the same name on both sides
        sed "s#$d#OUTDIR#g" "$d.txt" >"$d.norm"
    done
    a="$OUT/${name}1"
    b="$OUT/${name}2"
    if [ -s "$a.norm" ] && cmp -s "$a.norm" "$b.norm"; then
        ok "$name: the text report is the same with --jobs 1 and 2"
    else
        bad "$name: the text report is the same with --jobs 1 and 2"
        diff "$a.norm" "$b.norm" | head -10
    fi
    files=$(cd "$a" 2>/dev/null && ls)
    [ -n "$files" ] || bad "$name: --jobs 1 wrote files"
    for f in $files; do
        if cmp -s "$a/$f" "$b/$f"; then
            ok "$name: $f is the same with --jobs 1 and 2"
        else
            bad "$name: $f is the same with --jobs 1 and 2"
        fi
    done
    [ "$(cd "$b" 2>/dev/null && ls)" = "$files" ] ||
        bad "$name: --jobs 2 wrote the same files"
}

check quickstart 0 --plots --set horizon=6h --set warmup=30m \
    --set replications=4 scenarios/quickstart.yaml
check hybrid 0 --no-plots --set horizon=2d --set warmup=2h \
    scenarios/seed-hybrid-1m.yaml
check replay 0 --plots scenarios/azure-conv-replay.yaml
check api 0 --no-plots --set horizon=6h scenarios/api-tpm-storm.yaml
# a limit stops the second replication of three (seed 4): the first is reported,
# the stopped one described, with any number of jobs
check limit 1 --no-plots --seed 4 --set horizon=6h --set replications=3 \
    --set limits.max_in_flight=60 \
    --set workload.arrivals.volume=1.2e7/month scenarios/quickstart.yaml

# --segments: each replication's window split into segments with their
# own warm-up, the same with any --jobs, and said in the text and in
# results.json; arrivals that depend on the time are refused.
check segments 0 --no-plots --segments 4 --set horizon=1d --set warmup=1h \
    --replications 1 scenarios/quickstart.yaml
grep -q "^SEGMENTS: each of the 1 replication (a 82800 s window) split into 4 segments of 20700 s, each with its own 3600 s warm-up" \
    "$OUT/segments1.txt" && ok "segments: the text says so first" ||
    bad "segments: the text says so first"
grep -q '"per_replication": 4' "$OUT/segments1/results.json" &&
    grep -q '"replications": 4,' "$OUT/segments1/results.json" &&
    ok "segments: results.json says so" || bad "segments: results.json says so"
"$BIN" run -q --segments 3 --out "$OUT/segtrace" \
    scenarios/azure-conv-replay.yaml >/dev/null 2>"$OUT/segtrace.err"
rc=$?
[ $rc = 2 ] && grep -q "slmsim run: error: bad --segments '3' (it needs arrivals that look the same at every time: .*scenarios/azure-conv-replay.yaml's 'trace' arrivals" \
    "$OUT/segtrace.err" && [ ! -e "$OUT/segtrace/results.json" ] &&
    ok "segments: a trace replay is refused (exit 2)" ||
    bad "segments: a trace replay is refused (exit 2)"

# compare with fewer capacity searches than jobs (two options, three
# jobs) runs one search at a time with each probe's replications on the
# workers: the same study as one process.
for j in 1 3; do
    SLMSIM_GNUPLOT=/nonexistent "$BIN" compare -q --plots --set horizon=2h \
        --set warmup=20m --replications 2 --capacity-horizon 30m --jobs $j \
        --out "$OUT/cmp$j" scenarios/quickstart.yaml \
        scenarios/seed-hybrid-1m.yaml >/dev/null 2>"$OUT/cmp$j.err" ||
        bad "compare --jobs $j exits 0"
done
for f in compare.csv compare.json options.dat; do
    if [ -s "$OUT/cmp1/$f" ] && cmp -s "$OUT/cmp1/$f" "$OUT/cmp3/$f"; then
        ok "compare: $f is the same with --jobs 1 and 3"
    else
        bad "compare: $f is the same with --jobs 1 and 3"
    fi
done
grep -q '"searched": true' "$OUT/cmp3/compare.json" &&
    ok "compare: the capacities were searched" ||
    bad "compare: the capacities were searched"

if [ "$fails" -ne 0 ]; then
    printf '[  FAILED  ] run-jobs: %d\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] run-jobs\n'
