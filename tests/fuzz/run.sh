#!/bin/sh
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) on its corpus,
# seeded from scenarios/, tests/data/, tests/errors/ and, when present,
# ../shared/data/traces/.  Findings land in build/fuzz/findings/TARGET/.
# usage: tests/fuzz/run.sh SECONDS BIN...
set -u
secs=${1:-60}
shift
root=build/fuzz
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    corpus=$root/corpus/$name
    seeds=$root/seeds/$name
    findings=$root/findings/$name
    mkdir -p "$corpus" "$seeds" "$findings"
    case $name in
    fuzz_scenario)
        cp scenarios/*.yaml tests/errors/*.yaml "$seeds"/ 2>/dev/null ;;
    fuzz_calibration)
        cp calibrate/results/*.yaml tests/data/calibration-*.yaml \
            "$seeds"/ 2>/dev/null ;;
    fuzz_trace)
        # the first byte picks the format: 0 azure, 1 burstgpt, 2 mooncake
        for f in tests/data/*.csv tests/data/*.jsonl tests/errors/traces/* \
                 scenarios/traces/* ../shared/data/traces/*; do
            [ -f "$f" ] || continue
            b=$(basename "$f")
            for k in 0 1 2 3 4; do
                { printf "\\$(printf %o $k)"; head -c 65536 "$f"; } \
                    >"$seeds/$k-$b"
            done
        done ;;
    fuzz_json)
        for f in tests/data/*.json tests/errors/*.json; do
            [ -f "$f" ] && cp "$f" "$seeds"/
        done
        printf '{"figures": {"x": {"kind": "line"}}}' >"$seeds/min.json" ;;
    fuzz_units)
        for t in 5e6/month 250ms 1.5h 0 3/s 16GiB 1e308d -0x1p3 ' 7 s '; do
            printf '%s' "$t" >"$seeds/$(printf '%s' "$t" | tr -c 'a-zA-Z0-9' _)"
        done ;;
    esac
    echo "== $name: ${secs}s"
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$corpus" "$seeds" \
        >"$root/$name.log" 2>&1 || status=1
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|SUMMARY|ERROR" \
        "$root/$name.log" | head -5
done
exit $status
