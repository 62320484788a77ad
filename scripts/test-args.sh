#!/bin/sh
# The table-driven option parser (cli/args.c), on the commands that use it:
# the help lists every option the parser accepts, short and long spellings
# mean the same, and the errors say which option and which command.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/args
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
ok() { printf '[       OK ] %s\n' "$1"; }
bad() { fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# expect CODE STDERR-LINE NAME -- ARGS...: exit status and first stderr line.
expect() {
    code=$1 want=$2 name=$3
    shift 4
    "$BIN" "$@" >"$OUT/out.txt" 2>"$OUT/err.txt"
    got=$?
    line=$(head -n 1 "$OUT/err.txt")
    if [ "$got" = "$code" ] && [ "$line" = "$want" ]; then
        ok "$name"
    else
        bad "$name (exit $got, '$line')"
    fi
}

for c in run validate; do
    "$BIN" $c --help >"$OUT/help-$c.txt"
    for o in --set --quiet --help; do
        grep -q -- "$o" "$OUT/help-$c.txt" || bad "$c --help lists $o"
    done
    ok "$c --help lists its options"
done
for o in --out --seed --replications --json --fail-on-slo --plots \
    --no-plots --format; do
    grep -q -- "$o" "$OUT/help-run.txt" || bad "run --help lists $o"
done
ok "run --help lists the shared, its own and the figure options"

expect 2 "slmsim run: error: unknown option '--bogus' (see slmsim run --help)" \
    "an unknown option names the command" -- run --bogus scenarios/mm1.yaml
expect 2 "slmsim validate: error: no scenario file (see slmsim validate --help)" \
    "no scenario names the command" -- validate
expect 2 "slmsim run: error: one scenario at a time, got 'a.yaml' and 'b.yaml'" \
    "two scenarios are refused" -- run a.yaml b.yaml
expect 2 "slmsim: error: option '--set' needs a value" \
    "a missing value is named" -- validate --set
expect 2 "slmsim: error: '--format' needs a value (png, pdf, svg)" \
    "--format without a value lists the formats" -- run --format
expect 2 "slmsim: error: unknown picture format in 'gif' (allowed: png, pdf, svg)" \
    "--format=gif is refused" -- run --format=gif scenarios/mm1.yaml
expect 2 "slmsim run: error: unknown option '--quiet=1' (see slmsim run --help)" \
    "a flag takes no value" -- run --quiet=1 scenarios/mm1.yaml
expect 0 "" "-s and --set=... both apply" -- \
    validate -q -s horizon=8000s --set=seed=4 scenarios/mm1.yaml
expect 2 "scenarios/mm1.yaml:10:9: error: 'warmup' (7200s) must be shorter than 'horizon' (10s)" \
    "-s applies its override" -- validate -s horizon=10s scenarios/mm1.yaml
expect 0 "" "-o DIR writes there" -- run -q --no-plots --replications 1 \
    -s horizon=8000s -o "$OUT/o" scenarios/mm1.yaml
[ -f "$OUT/o/results.json" ] && ok "-o DIR holds results.json" ||
    bad "-o DIR holds results.json"

if [ "$fails" -ne 0 ]; then
    printf '[  FAILED  ] args: %d\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] args\n'
