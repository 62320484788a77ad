#!/bin/sh
# The validation script runs end to end on two small cases: every case
# gives a row, the summary has its metric line, and --doc rewrites only
# what lies between the markers.  No error threshold: the errors
# themselves are docs/validation.md's business (make validate).
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/validate
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
ok() { printf '[       OK ] %s\n' "$1"; }
bad() { fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

cases="validation/trtllm014-l40s-llama31-8b-fp8-2048-128.yaml
validation/trtllm10-h100-llama31-8b-fp8-5000-500.yaml"
printf 'before\n<!-- validate:begin -->\nold\n<!-- validate:end -->\nafter\n' \
    >"$OUT/doc.md"
# shellcheck disable=SC2086
if VALIDATE_OUT=$OUT/runs scripts/validate.sh --bin "$BIN" \
    --doc "$OUT/doc.md" $cases >"$OUT/log" 2>&1; then
    ok "validate.sh runs two cases"
else
    bad "validate.sh runs two cases (exit $?)"; cat "$OUT/log"
fi
rows=$(grep -c '^| trtllm' "$OUT/doc.md")
[ "$rows" = 2 ] && ok "validate.sh writes a row per case" ||
    bad "validate.sh writes a row per case (got $rows)"
grep -q '^| throughput | 2 |' "$OUT/doc.md" &&
    ok "validate.sh summarises each metric" ||
    bad "validate.sh summarises each metric"
if head -1 "$OUT/doc.md" | grep -qx before && tail -1 "$OUT/doc.md" |
    grep -qx after && ! grep -qx old "$OUT/doc.md"; then
    ok "validate.sh --doc replaces only the marked part"
else
    bad "validate.sh --doc replaces only the marked part"
fi
VALIDATE_OUT=$OUT/runs scripts/validate.sh --bin "$BIN" --nope \
    >/dev/null 2>&1
[ $? = 2 ] && ok "validate.sh refuses an unknown option (exit 2)" ||
    bad "validate.sh refuses an unknown option"
# A closed-loop case: three runs, the last from a trace whose first C
# requests are spread over the cycle, and a throughput row by Little's law.
cl=validation/nim18-h100x2-llama33-70b-fp8-200-200-c1.yaml
if VALIDATE_OUT=$OUT/closed scripts/validate.sh --bin "$BIN" "$cl" \
    >"$OUT/closed.log" 2>&1 &&
    [ "$(grep -c '^| nim18' "$OUT/closed.log")" = 3 ]; then
    ok "validate.sh runs a closed-loop case"
else
    bad "validate.sh runs a closed-loop case"; cat "$OUT/closed.log"
fi
tr=$OUT/closed/nim18-h100x2-llama33-70b-fp8-200-200-c1.trace.csv
if [ -f "$tr" ] && awk -F, 'NR == 2 && $1 != 0 { bad = 1 }
    NR == 3 && !($1 > 0) { bad = 1 } END { exit bad }' "$tr"; then
    ok "validate.sh spreads a closed loop's first requests over its cycle"
else
    bad "validate.sh spreads a closed loop's first requests over its cycle"
fi
# A lock-step closed loop: one run of its queued-at-once trace (no spread
# trace), and throughput_closed is output tokens over the last completion.
ls=validation/lmdeploy01-a100-llama2-7b-fp16-1-128-c1.yaml
if VALIDATE_OUT=$OUT/lock scripts/validate.sh --bin "$BIN" "$ls" \
    >"$OUT/lock.log" 2>&1 &&
    [ "$(grep -c '^| lmdeploy01' "$OUT/lock.log")" = 3 ] &&
    [ ! -e "$OUT/lock/lmdeploy01-a100-llama2-7b-fp16-1-128-c1.trace.csv" ]
then
    ok "validate.sh runs a lock-step case once"
else
    bad "validate.sh runs a lock-step case once"; cat "$OUT/lock.log"
fi
mk=$(sed -n 's/^ *"makespan": \([0-9.eE+-]*\),*$/\1/p' \
    "$OUT/lock/lmdeploy01-a100-llama2-7b-fp16-1-128-c1/results.json" | head -1)
got=$(sed -n 's/^| lmdeploy01[^|]*| throughput_closed | [^|]* | \([^ ]*\) .*/\1/p' \
    "$OUT/lock.log")
if [ -n "$mk" ] && [ -n "$got" ] && awk -v m="$mk" -v g="$got" \
    'BEGIN { w = 6 * 128 / m; exit !(g > w * 0.999 && g < w * 1.001) }'
then
    ok "validate.sh gives a lock-step loop's throughput over its makespan"
else
    bad "validate.sh gives a lock-step loop's throughput over its makespan" \
        "(makespan '$mk', row '$got')"
fi
exit $((fails > 0))
