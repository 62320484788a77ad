#!/bin/sh
# The kill test: runs `slmsim run --plots` (replications, the load sweeps,
# gnuplot) and stops it with SIGINT or SIGTERM, sent to the process or to
# its whole process group, at pseudo-random points (a fixed seed, so the
# test repeats).  After each: the exit status is 0 (it finished first),
# 130 or 143; no temporary file is left in the output folder; any
# results.json is complete (ends with its closing brace) and, when the
# run was interrupted, says "interrupted": true; no picture is empty.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/kill
TRIALS=${KILL_TRIALS:-24}
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0

# The trial's delays in ms and how it is signalled, from awk's generator.
plan=$(awk -v n="$TRIALS" 'BEGIN { srand(20261201);
    for (i = 0; i < n; i++)
        printf "%d %s %s\n", int(rand() * 2500), rand() < 0.5 ? "INT" : "TERM",
               rand() < 0.5 ? "group" : "process" }')

i=0
echo "$plan" | while read -r ms sig who; do
    i=$((i + 1))
    d="$OUT/t$i"
    # setsid: the run leads its own group, as a shell job would.
    setsid "$BIN" run -q --plots --set horizon=20m --set warmup=2m \
        --set replications=2 --out "$d" scenarios/quickstart.yaml \
        >/dev/null 2>"$d.err" &
    pid=$!
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    if [ "$who" = group ]; then
        kill -s "$sig" -- "-$pid" 2>/dev/null
    else
        kill -s "$sig" "$pid" 2>/dev/null
    fi
    wait "$pid"
    st=$?
    why=""
    case "$st" in
    0 | 130 | 143) ;;
    *) why="exit $st" ;;
    esac
    if [ -d "$d" ]; then
        tmp=$(find "$d" -name '.*' -type f | head -3)
        [ -n "$tmp" ] && why="$why; left $tmp"
        if [ -f "$d/results.json" ]; then
            [ "$(tail -c 2 "$d/results.json" | head -c 1)" = "}" ] ||
                why="$why; results.json cut short"
            if [ "$st" != 0 ] &&
                ! grep -q '"interrupted": true' "$d/results.json"; then
                why="$why; results.json not marked interrupted"
            fi
        fi
        empty=$(find "$d" \( -name '*.png' -o -name '*.pdf' \) -size 0 | head -1)
        [ -n "$empty" ] && why="$why; empty $empty"
    fi
    if [ -z "$why" ]; then
        printf '[       OK ] kill %d: SIG%s to the %s after %d ms (exit %s)\n' \
            "$i" "$sig" "$who" "$ms" "$st"
    else
        printf '[  FAILED  ] kill %d: SIG%s to the %s after %d ms: %s\n' \
            "$i" "$sig" "$who" "$ms" "$why"
        cat "$d.err"
        echo fail >>"$OUT/failures"
    fi
done
if [ -s "$OUT/failures" ]; then
    printf '[  FAILED  ] kill: %d of %d trials\n' \
        "$(wc -l <"$OUT/failures")" "$TRIALS"
    exit 1
fi
printf '[  PASSED  ] kill: %d trials\n' "$TRIALS"
