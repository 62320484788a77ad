#!/bin/sh
# End-to-end checks of the study layer through the command line: every
# dollar figure comes from one pricing path (run, tco, sensitivity,
# compare and the accuracy-cost figure agree), costs follow the simulated
# system (a what-if GPU is priced as that GPU; an API backend's preset
# prices the API), compare's table and figure, the verdict counts
# failures, and the load sweeps follow the arrival process.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-study}
fails=0
n=0
rm -rf "$OUT"
mkdir -p "$OUT"

ok() { n=$((n + 1)); printf '[       OK ] %s\n' "$1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# The number after "KEY": inside the first object named OBJ of a JSON file
# (whitespace dropped); OBJ may be a path of nested names "a.b".
num() { # file obj key
    flat=$(tr -d ' \n' <"$1")
    rest=$flat
    for part in $(echo "$2" | tr '.' ' '); do
        rest=${rest#*\"$part\":\{}
    done
    printf '%s' "$rest" | sed 's/}.*//' | tr ',' '\n' |
        sed -n "s/^\"$3\":\\(-\\{0,1\\}[0-9.e+-]*\\)\$/\\1/p" | head -1
}
same() { # description a b
    if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1 ($2)"; else
        bad "$1 ('$2' vs '$3')"; fi
}

Q=scenarios/quickstart.yaml
short="--set horizon=4h --set warmup=30m --set replications=2"
CF='routing={policy: confidence-fallback, fallback_rate: 0.1}'

# One pricing path: the same monthly figures from every command.
for case in task-based confidence-fallback; do
    if [ $case = task-based ]; then set -- ; else set -- --set "$CF"; fi
    d="$OUT/$case"
    # shellcheck disable=SC2086
    "$BIN" run -q --plots --format png $short "$@" --out "$d/run" "$Q" \
        >/dev/null 2>&1
    # shellcheck disable=SC2086
    "$BIN" tco -q --no-plots $short "$@" --json \
        --out "$d/tco" "$Q" >"$d/tco.json" 2>/dev/null
    # shellcheck disable=SC2086
    "$BIN" tco -q --no-plots --nominal $short "$@" \
        --json --out "$d/tco-nominal" "$Q" >"$d/tco-nominal.json" 2>/dev/null
    # shellcheck disable=SC2086
    "$BIN" sensitivity -q --no-plots $short "$@" --json \
        --out "$d/sens" "$Q" >"$d/sens.json" 2>/dev/null
    # shellcheck disable=SC2086
    "$BIN" compare -q --no-plots --no-capacity $short "$@" \
        --json --out "$d/cmp" "$Q" >"$d/compare.json" 2>/dev/null
    R="$d/run/results.json"
    total=$(num "$R" cost.monthly total)
    same "$case: run and tco price the deployment alike" \
        "$total" "$(num "$d/tco.json" simulated.monthly total)"
    same "$case: run and compare price the deployment alike" \
        "$total" "$(tr -d ' \n' <"$d/compare.json" |
            grep -o '"monthly":[-0-9.e+]*' | head -1 | cut -d: -f2)"
    same "$case: run and tco price all API alike" \
        "$(num "$R" cost.monthly api)" \
        "$(num "$d/tco.json" simulated.all_api monthly)"
    same "$case: run and tco agree on the local TCO" \
        "$(num "$R" cost.tco local)" "$(num "$d/tco.json" simulated.tco local)"
    same "$case: sensitivity's base is tco's hybrid TCO" \
        "$(num "$d/sens.json" sensitivity base)" \
        "$(num "$d/tco-nominal.json" cost.tco hybrid)"
    if tr -d ' \n' <"$R" | grep -o '"accuracy-cost":{.*' |
        grep -q "\\[$total,"; then
        ok "$case: the accuracy-cost figure shows run's own monthly cost"
    else
        bad "$case: the accuracy-cost figure shows run's own monthly cost"
    fi
done

# Costs follow the system: a what-if GPU the site list does not price is
# priced from the catalog (the H200's $35,000, no server), and a count of
# 2 buys two of the listed L40S ($8,000 + $4,000 server each).  The base
# of purchase-5m-chat has no calibration file, so any GPU runs.
B=scenarios/purchase-5m-chat.yaml
"$BIN" tco -q --nominal --no-plots --json --out "$OUT/h200" \
    --set backends.local.gpu=H200 "$B" >"$OUT/h200.json" 2>/dev/null
"$BIN" tco -q --nominal --no-plots --json --out "$OUT/l40s" \
    "$B" >"$OUT/l40s.json" 2>/dev/null
"$BIN" tco -q --nominal --no-plots --json --out "$OUT/l40s2" \
    --set backends.local.count=2 "$B" >"$OUT/l40s2.json" 2>/dev/null
same "an H200 what-if pays the catalog's H200 price" \
    "$(num "$OUT/h200.json" table.local capex)" "972.2222222"
same "the L40S pays its list price and server" \
    "$(num "$OUT/l40s.json" table.local capex)" "333.3333333"
same "count 2 buys two GPUs" "$(num "$OUT/l40s2.json" table.local capex)" \
    "666.6666667"
"$BIN" tco --nominal --no-plots --out "$OUT/h200t" \
    --set backends.local.gpu=H200 "$B" >"$OUT/h200.txt" 2>&1
grep -q 'GPUs: 1 x H200 as declared .*bought from catalog H200: \$35,000' \
    "$OUT/h200.txt" &&
    ok "the assumptions say the H200 is priced from the catalog" ||
    bad "the assumptions say the H200 is priced from the catalog"

# The API is priced from the api backend's preset: gpt-4o, no costs.api.
"$BIN" tco -q --nominal --no-plots --json --out "$OUT/4o" \
    --set backends.api.preset=gpt-4o "$Q" >"$OUT/4o.json" 2>/dev/null
same "the API is priced from the backend's preset" \
    "$(num "$OUT/4o.json" cost.all_api monthly)" "3600"

# The old second price list is a located error, not a silent price.
"$BIN" validate --set 'costs.api={input_per_1m: 1, output_per_1m: 2}' "$Q" \
    >/dev/null 2>"$OUT/old-api.txt"
rc=$?
[ $rc = 2 ] && grep -q "costs.api is no longer read: the API is priced from backends.api" \
    "$OUT/old-api.txt" && ok "costs.api beside an api backend is refused" ||
    bad "costs.api beside an api backend is refused (exit $rc)"

# compare: the table, the recommendation, CSV/JSON and the figure.
P=scenarios/purchase-5m-chat.yaml
if SLMSIM_GNUPLOT=/nonexistent "$BIN" compare --no-capacity \
        --set horizon=2h --set warmup=20m --set replications=3 \
        --out "$OUT/cmp" "$P" >"$OUT/cmp.txt" 2>"$OUT/cmp-err.txt" &&
    cp "$OUT/cmp/compare.csv" "$OUT/cmp.csv" &&
    cp "$OUT/cmp/compare.json" "$OUT/cmp.json" &&
    grep -q '<- cheapest meeting the SLO' "$OUT/cmp.txt" &&
    grep -q '^recommended: ' "$OUT/cmp.txt" &&
    [ "$(wc -l <"$OUT/cmp.csv")" = 8 ] &&
    grep -q '"cheapest_meeting_slo": "' "$OUT/cmp.json" &&
    [ -s "$OUT/cmp/options.dat" ] &&
    grep -q '"options"' "$OUT/cmp/figures-compare.json"; then
    ok "compare prints the table, marks the cheapest, writes CSV, JSON, figure"
else
    bad "compare prints the table, marks the cheapest, writes CSV, JSON, figure"
fi
# The CSV has no nan or inf: a figure that does not exist is an empty
# field, and the capacity column says why (not_searched here).
grep -qiE '(^|,)-?(nan|inf)(,|$)' "$OUT/cmp.csv" &&
    bad "compare.csv writes no nan/inf" || ok "compare.csv writes no nan/inf"
[ "$(grep -cE '",[0-9]+,not_searched,,,' "$OUT/cmp.csv")" = 7 ] &&
    ok "compare.csv says why a capacity is empty" ||
    bad "compare.csv says why a capacity is empty"
grep -q '^"GPT-4o only","API only, gpt-4o",0,' "$OUT/cmp.csv" &&
    ok "an API-only option has 0 GPUs in compare.csv" ||
    bad "an API-only option has 0 GPUs in compare.csv"
# --seed and --replications apply to every option, as --set would.
"$BIN" compare --no-capacity --no-plots --set horizon=2h --set warmup=20m \
    --replications 2 --seed 7 --out "$OUT/cmp-seed" "$P" >/dev/null 2>&1 &&
    "$BIN" compare --no-capacity --no-plots --set horizon=2h --set warmup=20m \
        --set replications=2 --set seed=7 --out "$OUT/cmp-set" "$P" \
        >/dev/null 2>&1 &&
    cmp -s "$OUT/cmp-seed/compare.csv" "$OUT/cmp-set/compare.csv" &&
    ok "compare --seed/--replications equal --set seed=/replications=" ||
    bad "compare --seed/--replications equal --set seed=/replications="
grep -q 'e+' "$OUT/cmp.txt" && bad "compare's text has no scientific notation" ||
    ok "compare's text has no scientific notation"
# An API-only option's capacity: searched against its rate limits (the
# gpt-4o preset's), or said unbounded in words when it declares none.
CMPQ="--set horizon=2h --set warmup=20m --set replications=3 --capacity-horizon 30m --no-plots"
# shellcheck disable=SC2086
"$BIN" compare $CMPQ --out "$OUT/cap-api" "$P" >"$OUT/cap-api.txt" 2>&1
tr -d ' \n' <"$OUT/cap-api/compare.json" |
        grep -q '"name":"GPT-4oonly".*"capacity":{"searched":true' &&
    ok "an API-only option's capacity is searched against its rate limits" ||
    bad "an API-only option's capacity is searched against its rate limits"
# shellcheck disable=SC2086
"$BIN" compare $CMPQ --set 'backends.api.limits={rpm: 0, tpm: 0, concurrency: 0}' \
    --set slo.ttft_p99=5s --out "$OUT/cap-unb" "$P" >"$OUT/cap-unb.txt" 2>&1
grep '^GPT-4o only' "$OUT/cap-unb.txt" | grep -q ' unbounded ' &&
    grep -q "^capacity of 'GPT-4o only': unbounded (no rate limit declared)" \
        "$OUT/cap-unb.txt" &&
    grep -q '^recommended: 1x L40S bought' "$OUT/cap-unb.txt" &&
    ok "an API without rate limits is unbounded, in words; the pick stands" ||
    bad "an API without rate limits is unbounded, in words; the pick stands"
# Swapping a variant's GPU changes its capex by the catalog's figures.
grep '^"2x L4 bought"' "$OUT/cmp.csv" | grep -q ',2,' &&
    grep -q '^"1x H100-SXM bought","1 x H100-SXM bought"' "$OUT/cmp.csv" &&
    ok "variants carry their own hardware" || bad "variants carry their own hardware"
"$BIN" compare -q --no-capacity --no-plots --fail-on-slo \
    --set horizon=2h --set warmup=20m --set replications=2 \
    --set slo.e2e_p99=100ms --out "$OUT/cmp-fail" "$P" >/dev/null 2>&1
rc=$?
[ $rc = 3 ] && ok "compare --fail-on-slo exits 3 when nothing meets it" ||
    bad "compare --fail-on-slo exits 3 when nothing meets it (exit $rc)"

# The verdict counts failures: 429s past the retries miss the SLO.
"$BIN" compare --no-capacity --no-plots --set slo.e2e_p99=60s \
    --set horizon=2h --set warmup=10m --set replications=2 \
    --out "$OUT/storm" scenarios/api-tpm-storm.yaml >"$OUT/storm.txt" 2>&1 || true
grep -q 'MISSED: failures' "$OUT/storm.txt" &&
    ok "api-tpm-storm with e2e_p99 60 s misses the SLO on failures" ||
    bad "api-tpm-storm with e2e_p99 60 s misses the SLO on failures"

"$BIN" run --no-plots --fail-on-slo --set slo.e2e_p99=60s \
    --set horizon=2h --set warmup=10m --set replications=2 \
    --out "$OUT/storm-run" scenarios/api-tpm-storm.yaml >"$OUT/storm-run.txt" 2>&1
rc=$?
[ $rc = 3 ] && grep -q 'SLO NOT met: .* failed or were rejected' "$OUT/storm-run.txt" &&
    ok "run --fail-on-slo exits 3 and says the failures missed the SLO" ||
    bad "run --fail-on-slo exits 3 and says the failures missed the SLO (exit $rc)"

# Output slips: a reader that stops reading is no error.
{ "$BIN" tco --nominal --no-plots --csv --out "$OUT/pipe" \
    scenarios/seed-short-1m.yaml 2>"$OUT/pipe-err.txt"; echo $? >"$OUT/pipe-rc"; } |
    head -1 >/dev/null
[ "$(cat "$OUT/pipe-rc")" = 0 ] && [ ! -s "$OUT/pipe-err.txt" ] &&
    ok "| head ends quietly with exit 0" || bad "| head ends quietly with exit 0"
# The old "--json FILE" is refused with the new usage, never read as a
# scenario, and writes nothing.
for c in tco compare; do
    nominal=
    [ $c = tco ] && nominal=--nominal
    for form in "--json $OUT/old.json" "--json=$OUT/old.json" "--csv -"; do
        # shellcheck disable=SC2086
        "$BIN" $c $nominal $form --out "$OUT/old-$c" \
            scenarios/seed-short-1m.yaml >/dev/null 2>"$OUT/old-err.txt"
        rc=$?
        flag=${form%% *}
        flag=${flag%%=*}
        [ $rc = 2 ] && [ ! -e "$OUT/old.json" ] && [ ! -d "$OUT/old-$c" ] &&
            grep -q "^slmsim $c: error: $flag prints the .* on stdout instead of the text and takes no file (redirect it: $flag > FILE); files go under --out DIR" \
                "$OUT/old-err.txt" &&
            ok "$c $form is refused with the new usage" ||
            bad "$c $form is refused with the new usage (exit $rc)"
    done
done

# Load sweeps follow the arrival process: the curve rises with load.
for s in bursty-mmpp azure-conv-replay; do
    "$BIN" run -q --plots --format png --set replications=2 \
        --out "$OUT/sweep-$s" "scenarios/$s.yaml" >/dev/null 2>&1
    rows=$(tr -d ' \n' <"$OUT/sweep-$s/results.json" |
        grep -o '"latency-vs-load":{[^}]*}[^}]*}[^}]*}[^}]*}' |
        grep -o '"rows":\[\[[^]]*\]\(,\[[^]]*\]\)*' | head -1)
    first=$(printf '%s' "$rows" | sed 's/"rows":\[\[//' | cut -d, -f2 | tr -d ']')
    last=$(printf '%s' "$rows" | tr ']' '\n' | grep ',' | tail -1 |
        sed 's/^,\[//; s/^"rows":\[\[//' | cut -d, -f2)
    if [ -n "$first" ] && [ -n "$last" ] &&
        awk -v a="$first" -v b="$last" 'BEGIN { exit !(b > 2 * a) }'; then
        ok "$s: latency-vs-load rises with load ($first -> $last s)"
    else
        bad "$s: latency-vs-load rises with load ('$first' -> '$last')"
    fi
done

printf '[==========] study: %d tests ran\n' "$n"
if [ $fails -ne 0 ]; then
    printf '[  FAILED  ] study: %d tests\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] study: %d tests\n' "$n"
