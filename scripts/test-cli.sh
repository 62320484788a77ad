#!/bin/sh
# End-to-end checks of the command line: golden error messages (exact
# stderr and exit status), exit statuses, determinism, and every scenario
# in scenarios/ on a short horizon.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}
fails=0
n=0
rm -rf "$OUT"
mkdir -p "$OUT"
# Nothing here may write into a scenario's own outputs.dir (out/): every
# command that could is given --out under $OUT; checked at the end.
touch "$OUT/.start"

ok() { n=$((n + 1)); printf '[       OK ] %s\n' "$1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# Golden errors: tests/errors/NAME.yaml with NAME.expected holding the exact
# stderr of `slmsim validate`, then a last line "exit N".
for y in tests/errors/*.yaml; do
    [ -e "$y" ] || continue
    name=${y%.yaml}
    args=""
    [ -f "$name.args" ] && args=$(cat "$name.args")
    # shellcheck disable=SC2086
    "$BIN" validate $args "$y" >/dev/null 2>"$OUT/err.txt"
    echo "exit $?" >>"$OUT/err.txt"
    if cmp -s "$OUT/err.txt" "$name.expected"; then
        ok "error $(basename "$name")"
    else
        bad "error $(basename "$name")"
        diff "$name.expected" "$OUT/err.txt" | head -10
    fi
done

expect_exit() { # expected-status description command...
    want=$1; what=$2; shift 2
    "$@" >/dev/null 2>&1
    got=$?
    if [ "$got" = "$want" ]; then ok "$what"; else
        bad "$what (exit $got, expected $want)"; fi
}

expect_exit 0 "--help exits 0" "$BIN" --help
expect_exit 0 "run --help exits 0" "$BIN" run --help
expect_exit 0 "validate --help exits 0" "$BIN" validate --help
expect_exit 2 "no command exits 2" "$BIN"
expect_exit 2 "unknown command exits 2" "$BIN" frobnicate
expect_exit 2 "unknown flag exits 2" "$BIN" run --frobnicate scenarios/mm1.yaml
expect_exit 2 "missing flag value exits 2" "$BIN" run scenarios/mm1.yaml --set
expect_exit 2 "missing file exits 2" "$BIN" validate "$OUT/no-such-file.yaml"
expect_exit 2 "bad --set exits 2" "$BIN" validate --set nonsense scenarios/mm1.yaml
expect_exit 0 "trace-stats --help exits 0" "$BIN" trace-stats --help
expect_exit 0 "trace-stats reads azure-llm" "$BIN" trace-stats --format azure-llm tests/data/azure-code-200.csv
expect_exit 0 "trace-stats reads burstgpt as json" "$BIN" trace-stats --json --format burstgpt tests/data/burstgpt-400.csv
expect_exit 0 "trace-stats fits mooncake" "$BIN" trace-stats --fit --format mooncake tests/data/mooncake-conv-300.jsonl
expect_exit 2 "trace-stats without --format exits 2" "$BIN" trace-stats tests/data/burstgpt-400.csv
expect_exit 2 "trace-stats on a bad row exits 2" "$BIN" trace-stats --format azure-llm tests/errors/traces/bad-rows.csv
expect_exit 2 "trace-stats on a missing file exits 2" "$BIN" trace-stats --format csv --columns a,b,c "$OUT/no-such-trace.csv"

# A fitted workload runs, and its realised volume is the trace's.
"$BIN" trace-stats --fit --format azure-llm tests/data/azure-code-200.csv \
    >"$OUT/fit.yaml" 2>/dev/null &&
printf 'name: fit\nhorizon: 2d\nreplications: 2\nbackends:\n  s: {kind: station, servers: 64, service: 1ms}\n' \
    >>"$OUT/fit.yaml" &&
"$BIN" run -q --out "$OUT/fit" "$OUT/fit.yaml" &&
grep -q '"realised_volume_per_month"' "$OUT/fit/results.json" &&
    ok "trace-stats --fit gives a workload that runs" ||
    bad "trace-stats --fit gives a workload that runs"

# on_error: skip counts the bad rows in results.json.
"$BIN" run -q --out "$OUT/skip" tests/errors/trace-skip-counts.yaml 2>/dev/null &&
grep -q '"skipped_rows": 4' "$OUT/skip/results.json" &&
    ok "skipped trace rows are counted in results.json" ||
    bad "skipped trace rows are counted in results.json"

# capacity: the answer and its probes in capacity.json, a located refusal
# without an SLO or a gpu backend, flags checked.
expect_exit 0 "capacity --help exits 0" "$BIN" capacity --help
expect_exit 2 "capacity bad --tolerance exits 2" \
    "$BIN" capacity --tolerance 2 scenarios/quickstart.yaml
expect_exit 2 "capacity bad --horizon exits 2" \
    "$BIN" capacity --horizon 3x scenarios/quickstart.yaml
"$BIN" capacity scenarios/mm1.yaml >/dev/null 2>"$OUT/err.txt"
echo "exit $?" >>"$OUT/err.txt"
printf '%s\n' \
    "scenarios/mm1.yaml: error: capacity needs an slo: set slo.ttft_p99 and/or slo.e2e_p99 (e.g. --set slo.e2e_p99=2s)" \
    "scenarios/mm1.yaml: error: capacity needs a backend of kind gpu" \
    "exit 2" >"$OUT/want.txt"
cmp -s "$OUT/err.txt" "$OUT/want.txt" && ok "capacity refuses a scenario without slo or gpu" ||
    bad "capacity refuses a scenario without slo or gpu"
"$BIN" capacity -q --horizon 30m --tolerance 0.1 --out "$OUT/cap" \
    scenarios/quickstart.yaml &&
    grep -q '"status": "found"' "$OUT/cap/capacity.json" &&
    grep -q '"probes": \[' "$OUT/cap/capacity.json" &&
    ok "capacity finds a volume and writes its probes" ||
    bad "capacity finds a volume and writes its probes"
"$BIN" capacity -q --horizon 30m --tolerance 0.1 \
    --set backends.local.count=2 --out "$OUT/cap2" scenarios/quickstart.yaml &&
    [ "$(grep -c '"status": "found"' "$OUT/cap2/capacity.json")" = 2 ] &&
    grep -q '"replicas": 2' "$OUT/cap2/capacity.json" &&
    ok "capacity sizes one replica, then the pool" ||
    bad "capacity sizes one replica, then the pool"
"$BIN" capacity -q --horizon 30m --set slo.e2e_p99=1s --out "$OUT/cap1" \
    scenarios/quickstart.yaml &&
    grep -q '"status": "infeasible"' "$OUT/cap1/capacity.json" &&
    ok "capacity says when no volume meets the slo" ||
    bad "capacity says when no volume meets the slo"

# Same scenario and seed: byte-identical results.json.
short="--set warmup=0s --set horizon=1h --set replications=2"
# shellcheck disable=SC2086
"$BIN" run -q $short --out "$OUT/det1" scenarios/mmc.yaml &&
# shellcheck disable=SC2086
"$BIN" run -q $short --out "$OUT/det2" scenarios/mmc.yaml &&
cmp -s "$OUT/det1/results.json" "$OUT/det2/results.json" &&
    ok "same seed gives identical results.json" ||
    bad "same seed gives identical results.json"
# shellcheck disable=SC2086
"$BIN" run -q $short --seed 99 --out "$OUT/det3" scenarios/mmc.yaml &&
! cmp -s "$OUT/det1/results.json" "$OUT/det3/results.json" &&
    ok "another seed gives other results" ||
    bad "another seed gives other results"
ls "$OUT/det1" | grep -q tmp && bad "no temporary file left" ||
    ok "no temporary file left"

# Every scenario validates and runs on a short horizon.
for s in scenarios/*.yaml; do
    name=$(basename "$s" .yaml)
    extra=""
    [ -f "scenarios/test-args/$name" ] && extra=$(cat "scenarios/test-args/$name")
    # shellcheck disable=SC2086
    if "$BIN" validate -q "$s" &&
        "$BIN" run -q $short $extra --out "$OUT/$name" "$s" &&
        [ -s "$OUT/$name/results.json" ]; then
        ok "scenario $name"
    else
        bad "scenario $name"
    fi
done

# The cost commands on every scenario with costs: text, CSV and JSON.
for s in scenarios/*.yaml; do
    grep -q '^costs:' "$s" || continue
    name=$(basename "$s" .yaml)
    for c in tco crossover sensitivity; do
        # shellcheck disable=SC2086
        if "$BIN" $c -q $short --capacity-horizon 30m \
            --out "$OUT/$name-$c" "$s" >/dev/null &&
            [ -s "$OUT/$name-$c/$c.csv" ] && [ -s "$OUT/$name-$c/$c.json" ]
        then
            ok "$c $name"
        else
            bad "$c $name"
        fi
    done
done
expect_exit 0 "tco --help exits 0" "$BIN" tco --help
expect_exit 0 "crossover --help exits 0" "$BIN" crossover --help
expect_exit 0 "sensitivity --help exits 0" "$BIN" sensitivity --help
expect_exit 2 "tco without costs exits 2" "$BIN" tco --nominal scenarios/mm1.yaml
expect_exit 2 "bad sensitivity metric exits 2" "$BIN" sensitivity \
    --metric nonsense scenarios/seed-short-1m.yaml

# The capacity per GPU, simulated at the SLO when not declared: said in
# the JSON and the assumptions, GPUs bought as the volume outgrows it; a
# located refusal (exit 2) when no volume meets the SLO or nothing can be
# simulated.
SIM=scenarios/seed-short-1m-simulated.yaml
if "$BIN" tco --nominal --capacity-horizon 30m \
        --out "$OUT/sim-tco" "$SIM" >"$OUT/sim-tco.txt" &&
    cp "$OUT/sim-tco/tco.json" "$OUT/sim-tco.json" &&
    grep -q '"source": "simulated"' "$OUT/sim-tco.json" &&
    grep -q 'capacity .* queries/month per GPU (served at the highest passing probe), simulated at the SLO e2e_p99 2 s' \
        "$OUT/sim-tco.txt" &&
    grep -q '"gpus": 2' "$OUT/sim-tco.json"; then
    ok "tco simulates the capacity per GPU and adds GPUs as volume grows"
else
    bad "tco simulates the capacity per GPU and adds GPUs as volume grows"
fi
"$BIN" crossover --capacity-horizon 30m --set slo.e2e_p99=1s \
    --out "$OUT/xo-refuse" "$SIM" >/dev/null 2>"$OUT/err.txt"
echo "exit $?" >>"$OUT/err.txt"
printf '%s\n' \
    "$SIM: error: cannot simulate costs.queries_per_month_per_gpu: no volume meets the slo (e2e_p99 1 s) on one replica of 'local': even at 351K/month, the lowest probed, e2e_p99 fails (declare the capacity, or relax the slo)" \
    "exit 2" >"$OUT/want.txt"
cmp -s "$OUT/err.txt" "$OUT/want.txt" &&
    ok "cost commands refuse an slo no volume meets" ||
    { bad "cost commands refuse an slo no volume meets"; diff "$OUT/want.txt" "$OUT/err.txt"; }
"$BIN" tco --nominal --set costs.queries_per_month_per_gpu=simulate \
    --out "$OUT/sim-refuse" scenarios/seed-short-1m.yaml >/dev/null \
    2>"$OUT/err.txt"
echo "exit $?" >>"$OUT/err.txt"
printf '%s\n' \
    "scenarios/seed-short-1m.yaml: error: cannot simulate costs.queries_per_month_per_gpu: no backend of kind gpu to simulate" \
    "exit 2" >"$OUT/want.txt"
cmp -s "$OUT/err.txt" "$OUT/want.txt" &&
    ok "simulate without a gpu backend exits 2" ||
    bad "simulate without a gpu backend exits 2"
expect_exit 2 "bad --capacity-horizon exits 2" "$BIN" tco \
    --capacity-horizon 3x "$SIM"
if "$BIN" tco -q --nominal --json \
        --out "$OUT/declared" scenarios/seed-short-1m.yaml \
        >"$OUT/declared.json" &&
    grep -q '"source": "declared"' "$OUT/declared.json"; then
    ok "declared capacity is kept and said"
else
    bad "declared capacity is kept and said"
fi

# Figures: run --plots writes them into results.json; plot redraws them
# without simulating; a missing gnuplot is a warning with exit 0.
P="$OUT/plots"
# shellcheck disable=SC2086
if "$BIN" run -q --plots $short --format png --out "$P" \
        scenarios/l40s-llama3-8b-int4.yaml &&
    grep -q '"latency-cdf"' "$P/results.json" &&
    [ -s "$P/latency-cdf.dat" ] && [ -s "$P/latency-vs-load.gp" ] &&
    [ -s "$P/timeline.dat" ]; then
    ok "run --plots writes figures and results.json"
else
    bad "run --plots writes figures and results.json"
fi
# The load sweep's points past 2 x 10^5 arrivals run a shorter window,
# and the figure's caption says from which volume; a diurnal profile's
# points keep their whole window (a cut would keep only its start).
W="$OUT/sweep-window"
if SLMSIM_GNUPLOT=/nonexistent "$BIN" run -q --set horizon=6h \
        --set warmup=30m --set 'outputs.plots=[latency-vs-load]' \
        --out "$W" scenarios/quickstart.yaml 2>/dev/null &&
    grep -q "2 replications of 5.5 h after warm-up.*from 30.8M/month a point's window holds 200K arrivals" \
        "$W/latency-vs-load.gp" &&
    SLMSIM_GNUPLOT=/nonexistent "$BIN" run -q --set horizon=1d \
        --set 'outputs.plots=[latency-vs-load]' --out "$W-d" \
        scenarios/diurnal-week.yaml 2>/dev/null &&
    [ -s "$W-d/latency-vs-load.gp" ] &&
    ! grep -q "window holds" "$W-d/latency-vs-load.gp"; then
    ok "the load sweep cuts a busy point's window and the caption says so"
else
    bad "the load sweep cuts a busy point's window and the caption says so"
fi
rm -f "$P"/*.dat "$P"/*.gp
if SLMSIM_GNUPLOT=/nonexistent "$BIN" plot "$P/results.json" \
        >/dev/null 2>"$OUT/plot-err.txt" &&
    [ -s "$P/latency-cdf.dat" ] && [ -s "$P/timeline.gp" ] &&
    grep -q "warning: gnuplot not found" "$OUT/plot-err.txt"; then
    ok "plot without gnuplot writes data and scripts, exits 0"
else
    bad "plot without gnuplot writes data and scripts, exits 0"
fi
# A gnuplot that crashes (a signal of its own, as cairo's font-hash
# assertion does at random) is run once more, and the figure is drawn.
if command -v gnuplot >/dev/null 2>&1; then
    # absolute: gnuplot runs in the figures' folder
    abs=$(cd "$OUT" && pwd)
    crash="$abs/crash-once-gnuplot"
    rm -f "$abs/crashed-once"
    printf '#!/bin/sh\nif [ ! -e "%s" ]; then : > "%s"; kill -ABRT $$; fi\nexec gnuplot "$@"\n' \
        "$abs/crashed-once" "$abs/crashed-once" >"$crash"
    chmod +x "$crash"
    rm -f "$P"/*.png
    if SLMSIM_GNUPLOT="$crash" "$BIN" plot --only latency-cdf \
            --format png "$P/results.json" >/dev/null 2>"$OUT/crash-err.txt" &&
        [ -s "$P/latency-cdf.png" ] &&
        grep -q "gnuplot crashed on figure 'latency-cdf' (exit 134.*drawing it again" \
            "$OUT/crash-err.txt"; then
        ok "a gnuplot that crashes once is run again and the figure drawn"
    else
        bad "a gnuplot that crashes once is run again and the figure drawn"
        cat "$OUT/crash-err.txt"
    fi
fi
expect_exit 0 "plot --help exits 0" "$BIN" plot --help
expect_exit 2 "plot --only unknown figure exits 2" "$BIN" plot --only nope \
    "$P/results.json"
expect_exit 2 "plot bad --format exits 2" "$BIN" plot --format jpg \
    "$P/results.json"
expect_exit 1 "plot missing file exits 1" "$BIN" plot "$OUT/no-such.json"
printf '{"figures": [' >"$OUT/bad.json"
expect_exit 2 "plot malformed JSON exits 2" "$BIN" plot "$OUT/bad.json"
expect_exit 2 "run bad --format exits 2" "$BIN" run --format gif \
    scenarios/mm1.yaml
# shellcheck disable=SC2086
if "$BIN" crossover -q --plots --format png $short --out "$OUT/xo" \
        scenarios/seed-short-1m.yaml >/dev/null &&
    [ -s "$OUT/xo/cost-vs-volume-nominal.dat" ] &&
    [ -s "$OUT/xo/figures-crossover.json" ]; then
    ok "crossover --plots draws cost-vs-volume"
else
    bad "crossover --plots draws cost-vs-volume"
fi

# sensitivity and capacity draw their figures too, beside figures-CMD.json.
# shellcheck disable=SC2086
if "$BIN" sensitivity -q --plots --format png $short --out "$OUT/se" \
        scenarios/quickstart.yaml >/dev/null &&
    [ -s "$OUT/se/sensitivity-nominal.dat" ] &&
    grep -q sensitivity-nominal "$OUT/se/figures-sensitivity.json"; then
    ok "sensitivity --plots draws the tornado"
else
    bad "sensitivity --plots draws the tornado"
fi
if SLMSIM_GNUPLOT=/nonexistent "$BIN" capacity -q --plots --horizon 30m \
        --tolerance 0.1 --out "$OUT/capp" scenarios/quickstart.yaml \
        >/dev/null 2>&1 &&
    grep -q '^# volume_per_month local_p99 local_p50' \
        "$OUT/capp/latency-vs-load-probes.dat" &&
    grep -q '"capacity at the SLO' "$OUT/capp/figures-capacity.json"; then
    ok "capacity --plots draws latency-vs-load with the capacity marked"
else
    bad "capacity --plots draws latency-vs-load with the capacity marked"
fi

# One run of the default scenario gives the whole set, without gnuplot
# too (exit 0, one warning).
Q="$OUT/qs"
# shellcheck disable=SC2086
if SLMSIM_GNUPLOT=/nonexistent "$BIN" run -q --plots $short --out "$Q" \
        scenarios/quickstart.yaml >/dev/null 2>"$OUT/qs-err.txt"; then
    all=1
    for f in latency-cdf latency-vs-load utilization timeline \
        cost-vs-volume tco sensitivity accuracy-cost; do
        { [ -s "$Q/$f.dat" ] && [ -s "$Q/$f.gp" ] &&
            grep -q "\"$f\": {" "$Q/results.json"; } || all=0
    done
    [ "$(grep -c 'warning: gnuplot not found' "$OUT/qs-err.txt")" = 1 ] ||
        all=0
    grep -q '"task-based (this scenario)"' "$Q/accuracy-cost.dat" &&
        grep -q '"all-local"' "$Q/accuracy-cost.dat" &&
        grep -q '"all-api"' "$Q/accuracy-cost.dat" || all=0
    [ $all = 1 ] && ok "run --plots draws every figure for quickstart" ||
        bad "run --plots draws every figure for quickstart"
else
    bad "run --plots draws every figure for quickstart"
fi

if [ -d out ] && [ -n "$(find out -newer "$OUT/.start" -type f | head -1)" ]; then
    bad "the checks write nothing into out/"
    find out -newer "$OUT/.start" -type f | head -5
else
    ok "the checks write nothing into out/"
fi

printf '[==========] cli: %d tests ran\n' "$n"
if [ $fails -ne 0 ]; then
    printf '[  FAILED  ] cli: %d tests\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] cli: %d tests\n' "$n"
