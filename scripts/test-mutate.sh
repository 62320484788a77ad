#!/bin/sh
# Deterministic mutation test: a few hundred mutants of the scenarios in
# scenarios/ and tests/errors/ (bytes flipped, dropped, duplicated; units,
# numbers and keys swapped for extreme ones), each through `validate` and,
# when it validates, a short `run`, each under a timeout.  A mutant may be
# refused (exit 2) or run (exit 0, or 1 when a run limit stops it); it may
# never crash, hang, or exit otherwise.  Fixed seed: the same mutants on
# every machine, so a failure here is a regression to reproduce exactly.
# usage: scripts/test-mutate.sh BIN [N]   (MUTATE_SEED=k for other mutants)
set -u
BIN=${1:-./slmsim}
N=${2:-300}
OUT=${TEST_OUT:-build/test-out}/mutate
TIMEOUT=${MUTATE_TIMEOUT:-10}
rm -rf "$OUT"
mkdir -p "$OUT/scenarios" "$OUT/tests/errors"
here=$(pwd)
ln -s "$here/scenarios/traces" "$OUT/scenarios/traces"
ln -s "$here/tests/errors/traces" "$OUT/tests/errors/traces"
ln -s "$here/tests/data" "$OUT/tests/data"
fails=0
command -v python3 >/dev/null 2>&1 || {
    echo "[  SKIPPED ] mutation test (python3 not found)"
    exit 0
}
python3 - "$OUT" "$N" <<'PY' || exit 1
import os, random, sys, glob
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(os.environ.get("MUTATE_SEED", "20261201")))
good = sorted(glob.glob("scenarios/*.yaml"))
bad = sorted(glob.glob("tests/errors/*.yaml"))
extremes = [b"0", b"-1", b"1e308", b"1e-300", b"1e20/s", b"1e-300s", b"~", b"[]",
            b"{}", b"nan", b"inf", b"5e6", b"2000", b"1e308d", b"0x10",
            b"4294967296", b"-0", b"''", b"/dev/zero", b"1e-300/s"]
# values that often still validate, so mutants reach the run too
plausible = [b"2", b"0.5", b"1", b"64", b"1s", b"10m", b"2h", b"3/s",
             b"1e6/month", b"5e7/month", b"true", b"false", b"0.99",
             b"300", b"1ms", b"[1, 2]", b"1e5/s", b"1e4/month", b"30s"]
for i in range(n):
    src = rng.choice(good if rng.random() < 0.8 else bad)
    data = bytearray(open(src, "rb").read())
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.choice([0, 1, 2, 3, 3, 4, 4, 4, 4, 4])
        if not data:
            break
        p = rng.randrange(len(data))
        if op == 0:
            data[p] = rng.randrange(256)
        elif op == 1:
            del data[p:p + rng.randint(1, 8)]
        elif op == 2:
            q = rng.randrange(len(data))
            data[p:p] = data[q:q + rng.randint(1, 16)]
        else:
            # replace a value after ': ' with an extreme one
            k = data.find(b": ", p)
            if k < 0:
                continue
            e = k + 2
            while e < len(data) and data[e:e + 1] not in b",}\n]":
                e += 1
            data[k + 2:e] = rng.choice(extremes if op == 3 else plausible)
    # in a copy of the seed's folder layout, so relative trace paths
    # resolve as they did (the links are made below)
    name = os.path.join(out, os.path.dirname(src), "m%03d.yaml" % i)
    with open(name, "wb") as f:
        f.write(bytes(data))
PY
n=0
ran=0
for m in "$OUT"/scenarios/m*.yaml "$OUT"/tests/errors/m*.yaml; do
    [ -f "$m" ] || continue
    n=$((n + 1))
    timeout "$TIMEOUT" "$BIN" validate -q "$m" >/dev/null 2>"$OUT/err.txt"
    st=$?
    if [ "$st" = 0 ]; then
        ran=$((ran + 1))
        timeout "$TIMEOUT" "$BIN" run -q --no-plots --replications 1 \
            --set horizon=60s --set warmup=0 --out "$OUT/run" "$m" \
            >/dev/null 2>>"$OUT/err.txt"
        st=$?
    fi
    case $st in
    0 | 1 | 2) ;;
    *)
        fails=$((fails + 1))
        cp "$m" "$OUT/failed-$(basename "$m")"
        echo "[  FAILED  ] mutant $m: exit $st"
        head -3 "$OUT/err.txt"
        ;;
    esac
done
if [ "$fails" = 0 ]; then
    echo "[       OK ] mutation test: $n mutants ($ran validated and ran)," \
        "none crashed or hung"
    exit 0
fi
echo "[  FAILED  ] mutation test: $fails of $n mutants (kept in $OUT)"
exit 1
