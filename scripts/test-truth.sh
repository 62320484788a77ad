#!/bin/sh
# End-to-end checks that every run tells the truth or stops and says why:
# overloads end in bounded memory with the UNSTABLE message and exit 1,
# an SLO counts failures, gnuplot is quiet without a locale, a closed
# stdout exits 0, `make install` ships what the scenarios read, two runs
# into one folder do not collide, and an earlier run's figures go.  Then
# the kill test (scripts/test-kill.sh).
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/truth
fails=0
n=0
rm -rf "$OUT"
mkdir -p "$OUT"

ok() { n=$((n + 1)); printf '[       OK ] %s\n' "$1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# Memory: 500 MB of address space, except under the sanitizers (ASan
# reserves terabytes of it up front).
case "$BIN" in
*sanitize*) LIMIT_KB=unlimited ;;
*) LIMIT_KB=500000 ;;
esac

# overload NAME ARGS...: exit 1, the stop message with UNSTABLE and the
# rates, within the memory limit.
overload() {
    name=$1; shift
    ( ulimit -v "$LIMIT_KB" 2>/dev/null; exec "$BIN" run -q --no-plots \
        --out "$OUT/$name" "$@" ) >"$OUT/$name.out" 2>"$OUT/$name.err"
    st=$?
    if [ "$st" = 1 ] &&
        grep -q 'UNSTABLE: .* req/s offered, .* req/s served' "$OUT/$name.err" &&
        grep -q 'limits.max_in_flight = 2000000 (docs/limits.md)' \
            "$OUT/$name.err"; then
        ok "overload $name stops with UNSTABLE, exit 1, bounded memory"
    else
        bad "overload $name stops with UNSTABLE, exit 1, bounded memory (exit $st)"
        cat "$OUT/$name.err"
    fi
}
overload gpu-10x --set workload.arrivals.volume=455e6/month \
    --set horizon=10h --set replications=1 scenarios/quickstart.yaml
# (5e6/s itself is past the arrival-rate ceiling: a located input error.)
overload volume-5e5-per-s --set workload.arrivals.volume=5e5/s \
    scenarios/quickstart.yaml
overload mm1-100x-30d --set workload.arrivals.rate=33.54/s \
    --set horizon=30d --set replications=2 scenarios/mm1.yaml

# Golden: the exact message of the deterministic M/M/1 overload.
printf '%s\n' "slmsim: error: replication 1 stopped at 6.037e+04 s of 2.592e+06 s: requests in flight reached limits.max_in_flight = 2000000 (docs/limits.md); UNSTABLE: 33.55 req/s offered, 0.4185 req/s served, 2000000 requests in the system" >"$OUT/mm1.want"
cmp -s "$OUT/mm1.want" "$OUT/mm1-100x-30d.err" &&
    ok "golden: the M/M/1 100x overload message" ||
    { bad "golden: the M/M/1 100x overload message";
      diff "$OUT/mm1.want" "$OUT/mm1-100x-30d.err"; }

# A served rate near the GPU's: 10x overload serves what one L40S and the
# API can (about 13.8/s locally plus the API's share), not the cohort's.
served=$(sed -n 's/.* \([0-9.]*\) req\/s served.*/\1/p' "$OUT/gpu-10x.err")
awk -v s="$served" 'BEGIN { exit !(s > 15 && s < 25) }' &&
    ok "overload reports the served throughput ($served/s)" ||
    bad "overload reports the served throughput ($served/s)"

# An unstable run that fits in memory reports in full, UNSTABLE first.
"$BIN" run --no-plots --set workload.arrivals.rate=0.5/s --set horizon=1d \
    --set replications=2 --out "$OUT/mm1-unstable" scenarios/mm1.yaml \
    >"$OUT/mm1-unstable.txt" 2>&1
st=$?
if [ "$st" = 0 ] && head -1 "$OUT/mm1-unstable.txt" | grep -q '^UNSTABLE: ' &&
    grep -q '"stable": false' "$OUT/mm1-unstable/results.json" &&
    grep -q '"served_rate": 0.41' "$OUT/mm1-unstable/results.json"; then
    ok "an unstable run says UNSTABLE first and in results.json"
else
    bad "an unstable run says UNSTABLE first and in results.json"
fi
"$BIN" run --no-plots --set replications=2 --set horizon=1d \
    --out "$OUT/mm1-stable" scenarios/mm1.yaml >"$OUT/mm1-stable.txt" 2>&1 &&
    ! grep -q UNSTABLE "$OUT/mm1-stable.txt" &&
    grep -q '"stable": true' "$OUT/mm1-stable/results.json" &&
    ok "a stable run is not called unstable" ||
    bad "a stable run is not called unstable"

# The counts add up exactly in the text: arrived = completed + failed +
# rejected + in flight.
"$BIN" run --no-plots --set slo.e2e_p99=60s --out "$OUT/storm" \
    scenarios/api-tpm-storm.yaml >"$OUT/storm.txt" 2>&1
line=$(grep 'arrived .* = completed' "$OUT/storm.txt")
echo "$line" | awk '{
    for (i = 1; i <= NF; i++) { if ($i == "arrived") a = $(i+1);
        if ($i == "completed") c = $(i+1); if ($i == "failed") f = $(i+1);
        if ($i == "rejected") r = $(i+1); if ($i == "end") e = $(i+1) }
    exit !(a == c + f + r + e && f + r > 0) }' &&
    ok "the text's counts add up exactly, failures included" ||
    bad "the text's counts add up exactly, failures included: $line"
grep -q '^SLO NOT met: .*% of requests failed or were rejected (allowed 0.1%)' \
    "$OUT/storm.txt" &&
    grep -q '"failed_by": \[' "$OUT/storm/results.json" &&
    ok "api-tpm-storm with slo.e2e_p99=60s misses the SLO on failures" ||
    bad "api-tpm-storm with slo.e2e_p99=60s misses the SLO on failures"
"$BIN" run -q --no-plots --fail-on-slo --set slo.e2e_p99=60s \
    --out "$OUT/storm-fos" scenarios/api-tpm-storm.yaml >/dev/null 2>&1
s1=$?
"$BIN" run -q --no-plots --fail-on-slo --set horizon=3h \
    --out "$OUT/qs-fos" scenarios/quickstart.yaml >/dev/null 2>&1
s2=$?
[ "$s1" = 3 ] && [ "$s2" = 0 ] &&
    ok "--fail-on-slo: exit 3 on a missed SLO, 0 on a met one" ||
    bad "--fail-on-slo: exit 3 on a missed SLO, 0 on a met one ($s1, $s2)"
grep -q 'rejected [0-9]*; availability seen' "$OUT/storm.txt" &&
    grep -q 'retries' "$OUT/storm.txt" &&
    ok "failures, rejects and retries are in the text per backend" ||
    bad "failures, rejects and retries are in the text per backend"
grep -qi 'nan\|inf ' "$OUT/storm.txt" "$OUT/mm1-stable.txt" &&
    bad "no nan or inf in a report" || ok "no nan or inf in a report"

# capacity with a short horizon is inconclusive, never "infeasible".
"$BIN" capacity --horizon 5m --out "$OUT/cap5m" scenarios/quickstart.yaml \
    >"$OUT/cap5m.txt" 2>&1
if ! grep -q 'no volume meets' "$OUT/cap5m.txt" &&
    grep -q 'a longer --horizon decides them' "$OUT/cap5m.txt" &&
    ! grep -q '"status": "infeasible"' "$OUT/cap5m/capacity.json"; then
    ok "capacity --horizon 5m says inconclusive and suggests --horizon"
else
    bad "capacity --horizon 5m says inconclusive and suggests --horizon"
fi

# gnuplot without a locale: no warning.
if command -v gnuplot >/dev/null 2>&1; then
    env -u LANG -u LC_ALL -u LC_CTYPE -u LANGUAGE "$BIN" run --plots -q \
        --set horizon=20m --set warmup=2m --set replications=2 \
        --out "$OUT/noloc" scenarios/quickstart.yaml >/dev/null \
        2>"$OUT/noloc.err"
    st=$?
    if [ "$st" = 0 ] && ! grep -qi 'iconv\|warning' "$OUT/noloc.err" &&
        [ -f "$OUT/noloc/timeline.png" ]; then
        ok "figures draw without gnuplot warnings with LANG/LC_ALL unset"
    else
        bad "figures draw without gnuplot warnings with LANG/LC_ALL unset"
        cat "$OUT/noloc.err"
    fi
    # A different scenario into the same folder: the first one's figures go.
    "$BIN" run -q --plots --set horizon=3h --out "$OUT/noloc" \
        scenarios/mm1.yaml >/dev/null 2>&1
    if [ ! -e "$OUT/noloc/timeline.png" ] && [ ! -e "$OUT/noloc/tco.png" ] &&
        [ -e "$OUT/noloc/latency-cdf.png" ]; then
        ok "a different scenario into the same folder leaves no stale figure"
    else
        bad "a different scenario into the same folder leaves no stale figure"
    fi
    # Two runs into one folder at once: both succeed, no temporary left.
    "$BIN" run -q --plots --set horizon=20m --set warmup=2m \
        --set replications=2 --out "$OUT/two" scenarios/quickstart.yaml \
        >/dev/null 2>"$OUT/two.a" &
    a=$!
    "$BIN" run -q --plots --set horizon=20m --set warmup=2m \
        --set replications=2 --out "$OUT/two" scenarios/quickstart.yaml \
        >/dev/null 2>"$OUT/two.b"
    sb=$?
    wait $a
    sa=$?
    left=$(find "$OUT/two" -name '.*' -type f | wc -l)
    if [ "$sa" = 0 ] && [ "$sb" = 0 ] && [ "$left" = 0 ]; then
        ok "two runs into one --out do not collide"
    else
        bad "two runs into one --out do not collide ($sa, $sb, $left left)"
        cat "$OUT/two.a" "$OUT/two.b"
    fi
fi

# A closed stdout is not an error.
( "$BIN" tco --csv --out "$OUT/pipe" scenarios/seed-short-1m.yaml 2>"$OUT/pipe.err"
  echo $? >"$OUT/pipe.st" ) | head -1 >/dev/null
[ "$(cat "$OUT/pipe.st")" = 0 ] && [ ! -s "$OUT/pipe.err" ] &&
    ok "| head: exit 0, no message" || bad "| head: exit 0, no message"

# make install ships the binary, the man page and the data.
# (Not under the sanitizer build: make would rebuild the program there.)
case "$BIN" in *sanitize*) no_install=1 ;; *) no_install= ;; esac
if command -v make >/dev/null 2>&1 && [ -z "$no_install" ]; then
    inst=$(cd "$OUT" && pwd)/inst
    if make -s install PREFIX=/usr/local DESTDIR="$inst" >"$OUT/inst.log" 2>&1 &&
        [ -x "$inst/usr/local/bin/slmsim" ] &&
        [ -f "$inst/usr/local/share/man/man1/slmsim.1" ] &&
        [ -f "$inst/usr/local/share/slmsim/scenarios/quickstart.yaml" ] &&
        [ -f "$inst/usr/local/share/slmsim/scenarios/traces/azure-llm-conv-2023.csv" ] &&
        [ -f "$inst/usr/local/share/slmsim/traces/azure-llm-conv-2023.csv" ] &&
        ls "$inst/usr/local/share/slmsim/calibrate/results/"*.yaml >/dev/null 2>&1
    then
        ok "make install ships the binary, slmsim.1 and share/slmsim"
    else
        bad "make install ships the binary, slmsim.1 and share/slmsim"
        cat "$OUT/inst.log"
    fi
fi

# --set: 64 flags at most, 4,096 bytes each; past either, exit 2.
sets=""
for i in $(seq 1 65); do sets="$sets --set seed=$i"; done
# shellcheck disable=SC2086
"$BIN" validate $sets scenarios/mm1.yaml >/dev/null 2>"$OUT/sets.err"
st=$?
long=$(awk 'BEGIN { s = "name="; for (i = 0; i < 4100; i++) s = s "x"; print s }')
"$BIN" validate --set "$long" scenarios/mm1.yaml >/dev/null 2>"$OUT/long.err"
st2=$?
[ "$st" = 2 ] && [ -s "$OUT/sets.err" ] && [ "$st2" = 2 ] &&
    grep -q 'error' "$OUT/long.err" &&
    ok "--set: more than 64 flags or 4,096 bytes is an error, exit 2" ||
    bad "--set: more than 64 flags or 4,096 bytes is an error, exit 2 ($st, $st2)"

# capacity and tco stop cleanly on a signal too: 130/143, no file left.
timeout --preserve-status -s INT 1 "$BIN" capacity --horizon 1d --out "$OUT/capint" \
    scenarios/quickstart.yaml >/dev/null 2>&1
s1=$?
# (10-day probes: the whole command takes far longer than the second.)
timeout --preserve-status -s TERM 1 "$BIN" tco --capacity-horizon 10d \
    --out "$OUT/tcoint" scenarios/seed-short-1m-simulated.yaml >/dev/null 2>&1
s2=$?
left=$(find "$OUT/capint" "$OUT/tcoint" -type f 2>/dev/null | wc -l)
[ "$s1" = 130 ] && [ "$s2" = 143 ] && [ "$left" = 0 ] &&
    ok "capacity and tco stop on SIGINT/SIGTERM with 130/143, nothing left" ||
    bad "capacity and tco stop on SIGINT/SIGTERM ($s1, $s2, $left files)"

TEST_OUT=$OUT scripts/test-kill.sh "$BIN" || fails=$((fails + 1))

printf '[==========] truth: %d tests ran\n' "$n"
if [ "$fails" -ne 0 ]; then
    printf '[  FAILED  ] truth: %d tests\n' "$fails"
    exit 1
fi
printf '[  PASSED  ] truth: %d tests\n' "$n"
