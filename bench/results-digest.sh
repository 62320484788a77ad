#!/bin/sh
# Prints one line per scenario in scenarios/: its name and the SHA-256 of
# the results.json that `slmsim run` writes on a short horizon (6 h, two
# replications), then the same for the station scenarios on their own
# horizon.  Two builds that print the same lines give byte-identical
# results: the check behind every engine speed-up (compare the output of
# this script before and after a change).
#
# usage: bench/results-digest.sh SLMSIM [OUTDIR]
set -u
BIN=${1:?usage: bench/results-digest.sh SLMSIM [OUTDIR]}
OUT=${2:-build/digest}
mkdir -p "$OUT"
short="--set warmup=0s --set horizon=6h --set replications=2"
for s in scenarios/*.yaml; do
    name=$(basename "$s" .yaml)
    extra=""
    [ -f "scenarios/test-args/$name" ] && extra=$(cat "scenarios/test-args/$name")
    # shellcheck disable=SC2086
    if "$BIN" run -q --no-plots $short $extra --out "$OUT/$name" "$s" \
        >/dev/null 2>&1; then
        printf '%s %s\n' "$name" \
            "$(sha256sum < "$OUT/$name/results.json" | cut -c1-16)"
    else
        printf '%s FAILED\n' "$name"
    fi
done
for name in mm1 mmc; do
    if "$BIN" run -q --no-plots --out "$OUT/full-$name" "scenarios/$name.yaml" \
        >/dev/null 2>&1; then
        printf 'full-%s %s\n' "$name" \
            "$(sha256sum < "$OUT/full-$name/results.json" | cut -c1-16)"
    else
        printf 'full-%s FAILED\n' "$name"
    fi
done
