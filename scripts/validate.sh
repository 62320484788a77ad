#!/bin/sh
# Runs the validation cases (validation/*.yaml, or the files named) and
# writes the table of published measurement, slmsim's figure and the
# error, with the median and largest |error| per metric.
#
#   scripts/validate.sh [--bin ./slmsim] [--doc docs/validation.md] [CASE.yaml...]
#
# Each case is a scenario whose header comment carries what was measured:
#   # measured: METRIC VALUE [...]      (one line per metric)
# METRIC is throughput (output tokens/s of an offline run: every request
# queued at t = 0, so the figure is output tokens over the time of the
# last completion), throughput_closed (a closed loop's, below), or
# ttft_mean, ttft_p50, ttft_p99, tpot_mean,
# tpot_p50, e2e_mean, e2e_p50 (seconds, from the gpu backend named
# "local"), ttft_closed (a closed loop's mean TTFT less the mean wait for
# a client's slot), or req_throughput (completions per second).
#
# A case with a line "# closed-loop: C" reproduces C clients that each
# send the next request when the last one returns, desynchronised as real
# clients drift apart: the trace's first C requests arrive spread evenly
# over one cycle E (the model's own mean service time, e2e less the queue
# wait, found by running the case three times: queued at t = 0, then
# spread over the E of the run before), the rest at E, queued behind
# max_batch = C until a client's slot frees, statistics from E on (the
# warm-up).  Queued at once with equal lengths, the C clients would stay
# in lock step for ever, every wave's prompts prefilled together.  For such a case throughput_closed is the
# closed loop's steady state by Little's law, C x output tokens / E, and
# ttft_closed is TTFT less the wait for a client's slot.  The summary
# keeps the *_closed metrics apart from the offline ones.
#
# "# closed-loop: C lock-step" is a benchmark whose C clients start
# together with equal lengths and so do stay in step (LMDeploy's
# profile_generation: C threads, each sending its next request when the
# last returns): the trace's requests all arrive at t = 0 behind
# max_batch = C, so each wave of C enters when the one before finishes;
# one run, throughput_closed = output tokens / time of the last
# completion (the benchmark's own figure), ttft_closed as above.
#
# With --doc the table replaces what lies between the markers
# "<!-- validate:begin -->" and "<!-- validate:end -->" in that file
# (written beside it, then renamed); without it the table goes to stdout.
# Exit status: 0, 1 when a case fails to run, 2 on bad arguments.
set -u
BIN=./slmsim
DOC=
OUT=${VALIDATE_OUT:-build/validation}
while [ $# -gt 0 ]; do
    case $1 in
    --bin) BIN=$2; shift 2 ;;
    --doc) DOC=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,42p' "$0"; exit 0 ;;
    -*) echo "validate.sh: error: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || set -- validation/*.yaml
[ -x "$BIN" ] || { echo "validate.sh: error: no slmsim at '$BIN'" >&2; exit 2; }
mkdir -p "$OUT" || exit 1

# The value at a dotted path of a results.json that sim/json.c wrote
# (one key a line, two spaces a level).
jget() { # file path
    awk -v want="$2" '
    {
        match($0, /^ */); lvl = RLENGTH / 2
        if (match($0, /^ *"[^"]*": /) == 0) next
        key = $0; sub(/^ *"/, "", key); sub(/": .*$/, "", key)
        path[lvl] = key; full = path[1]
        for (i = 2; i <= lvl; i++) full = full "." path[i]
        val = $0; sub(/^ *"[^"]*": /, "", val); sub(/,$/, "", val)
        if (full == want && val !~ /^[{[]/) { print val; exit }
    }' "$1"
}

# The mean service cycle of a run: e2e less the queue wait (s).
cycle() { # results.json
    e=$(jget "$1" backends.local.latency.e2e.mean)
    w=$(jget "$1" backends.local.latency.wait.mean)
    awk -v e="$e" -v w="$w" 'BEGIN { printf "%.9g", e - w }'
}

# Writes the desynchronised closed-loop trace of a case (see the top):
# rows of the case's trace, the first C spread over [0, E), the rest at E.
spread_trace() { # case.yaml C E out.csv
    tr=$(sed -n 's/^ *path: *//p' "$1" | head -1)
    awk -F, -v c="$2" -v e="$3" '
    NR == 1 { print; next }
    { i = NR - 2; t = i < c ? i * e / c : e
      printf "%.9g,%s,%s\n", t, $2, $3 }' "$(dirname "$1")/$tr" >"$4"
}

# Runs case $1 into $2 (a closed loop: three passes, the last spread by
# the cycle of the one before); the status of the last run.
run_case() { # case.yaml dir log
    "$BIN" run "$1" --out "$2" >"$3" 2>&1 || return 1
    cl=$(sed -n 's/^# closed-loop: *\([0-9]*\).*/\1/p' "$1")
    [ -n "$cl" ] || return 0
    # a lock-step loop is its queued-at-once trace, run as it is
    grep -q '^# closed-loop: *[0-9]* *lock-step' "$1" && return 0
    case $2 in /*) at=$2.trace.csv ;; *) at=$(pwd)/$2.trace.csv ;; esac
    for _ in 2 3; do
        e=$(cycle "$2/results.json")
        spread_trace "$1" "$cl" "$e" "$2.trace.csv" || return 1
        # statistics from the cycle on: the clients' first requests, sent
        # into a loop still filling, are left out
        sed -e "s|^\( *path: *\).*|\1$at|" \
            -e "s|^warmup: .*|warmup: ${e}s|" "$1" >"$2.yaml" || return 1
        "$BIN" run "$2.yaml" --out "$2" >"$3" 2>&1 || return 1
    done
}

rows=$OUT/rows.tsv
: >"$rows"
fail=0
for c in "$@"; do
    name=$(basename "$c" .yaml)
    dir=$OUT/$name
    if ! run_case "$c" "$dir" "$OUT/$name.log"; then
        echo "validate.sh: error: case '$c' failed (see $OUT/$name.log)" >&2
        fail=1
        continue
    fi
    j=$dir/results.json
    cl=$(sed -n 's/^# closed-loop: *\([0-9]*\).*/\1/p' "$c")
    hz=$(jget "$j" scenario.horizon)
    wu=$(jget "$j" scenario.warmup)
    grep '^# measured: ' "$c" | while read -r _ _ metric value _; do
        case $metric in
        throughput_closed)
            [ -n "$cl" ] || { echo "validate.sh: error: $c: throughput_closed" \
                "without a '# closed-loop:' line" >&2; exit 2; }
            if grep -q '^# closed-loop: *[0-9]* *lock-step' "$c"; then
                tps=$(jget "$j" backends.local.tokens_per_s)
                mk=$(jget "$j" backends.local.makespan)
                sim=$(awk -v t="$tps" -v h="$hz" -v w="$wu" -v m="$mk" \
                    'BEGIN { printf "%.6g", (m > 0 ? t * (h - w) / m : 0) }')
                printf '%s\t%s\t%s\t%s\n' "$name" "$metric" "$value" "$sim"
                continue
            fi
            osl=$(awk -F, 'NR == 2 { print $3; exit }' "$dir.trace.csv")
            sim=$(awk -v c="$cl" -v o="$osl" -v e="$(cycle "$j")" \
                'BEGIN { printf "%.6g", (e > 0 ? c * o / e : 0) }') ;;
        throughput)
            tps=$(jget "$j" backends.local.tokens_per_s)
            mk=$(jget "$j" backends.local.makespan)
            sim=$(awk -v t="$tps" -v h="$hz" -v w="$wu" -v m="$mk" \
                'BEGIN { printf "%.6g", (m > 0 ? t * (h - w) / m : 0) }') ;;
        req_throughput) sim=$(jget "$j" backends.local.throughput) ;;
        ttft_closed)
            tt=$(jget "$j" backends.local.latency.ttft.mean)
            wt=$(jget "$j" backends.local.latency.wait.mean)
            sim=$(awk -v a="$tt" -v b="$wt" 'BEGIN { printf "%.6g", a - b }') ;;
        ttft_*|tpot_*|e2e_*)
            m=${metric%%_*}; s=${metric#*_}
            sim=$(jget "$j" "backends.local.latency.$m.$s") ;;
        *) echo "validate.sh: error: $c: unknown metric '$metric'" >&2
           exit 2 ;;
        esac
        printf '%s\t%s\t%s\t%s\n' "$name" "$metric" "$value" "$sim"
    done >>"$rows" || fail=1
done

table=$OUT/table.md
awk -F '\t' '
function abs(x) { return x < 0 ? -x : x }
function group(m) { if (m !~ /_closed$/) sub(/_.*/, "", m); return m }
{
    err = $3 != 0 ? ($4 - $3) / $3 * 100 : 0
    printf "| %s | %s | %s | %.4g | %+.1f%% |\n", $1, $2, $3, $4, err
    g = group($2); n[g]++; e[g, n[g]] = abs(err)
    if (abs(err) > mx[g]) mx[g] = abs(err)
}
BEGIN {
    print "| case | metric | measured | slmsim | error |"
    print "|---|---|---:|---:|---:|"
}
END {
    print ""
    print "| metric | cases | median \\|error\\| | max \\|error\\| |"
    print "|---|---:|---:|---:|"
    for (g in n) {
        k = n[g]
        for (i = 1; i <= k; i++) a[i] = e[g, i]
        for (i = 2; i <= k; i++) { v = a[i]; j = i - 1
            while (j > 0 && a[j] > v) { a[j + 1] = a[j]; j-- }
            a[j + 1] = v }
        med = k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
        printf "| %s | %d | %.1f%% | %.1f%% |\n", g, k, med, mx[g]
    }
}' "$rows" >"$table" || exit 1

if [ -z "$DOC" ]; then
    cat "$table"
    exit $fail
fi
grep -q '<!-- validate:begin -->' "$DOC" ||
    { echo "validate.sh: error: no markers in '$DOC'" >&2; exit 2; }
tmp=$DOC.tmp.$$
awk -v table="$table" '
/<!-- validate:begin -->/ { print; while ((getline l < table) > 0) print l
                            skip = 1; next }
/<!-- validate:end -->/ { skip = 0 }
!skip' "$DOC" >"$tmp" && mv "$tmp" "$DOC" || { rm -f "$tmp"; exit 1; }
exit $fail
