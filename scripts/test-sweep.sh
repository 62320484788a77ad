#!/bin/sh
# slmsim sweep end to end: a three-dimensional grid (volume x GPU type x
# count) with replications; --jobs 1 and --jobs 2 write the same bytes; a
# sweep killed midway resumes and runs only the missing points; bad SPECs,
# unknown keys and too large a grid are located errors (exit 2, golden
# messages), refused before anything runs.  With a second argument, an
# slmsim built with MPI=1: `mpirun -np 2` writes the same sweep.csv, and
# a rank killed midway ends the job (no hang) and a rerun finishes it.
set -u
BIN=${1:-./slmsim}
MPIBIN=${2:-}
OUT=${TEST_OUT:-build/test-sweep}
fails=0
n=0
rm -rf "$OUT"
mkdir -p "$OUT"

ok() { n=$((n + 1)); printf '[       OK ] %s\n' "$1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

P=scenarios/purchase-5m-chat.yaml
SHORT="--set horizon=20m --set warmup=5m --replications 3"
GRID="--vary workload.arrivals.volume=1e6/month..4e6/month:log:2 \
--vary backends.local.gpu=L40S,H100-SXM --vary backends.local.count=1,2"

# shellcheck disable=SC2086
"$BIN" sweep $P $SHORT $GRID --jobs 1 --out "$OUT/j1" >/dev/null 2>"$OUT/j1.err"
check "3-d sweep runs (exit 0)" '[ $? -eq 0 ]'
check "sweep.csv: a header and 8 rows" \
    '[ "$(wc -l <"$OUT/j1/sweep.csv")" -eq 9 ]'
check "every row measured, with CIs and money" \
    '[ "$(grep -c ",ok,3,.*,yes,met,,[0-9.]*,[0-9.]*,[0-9.]*,36$" "$OUT/j1/sweep.csv")" -eq 8 ]'
check "rows name the varied values" \
    'grep -q "^7,4000000/month,H100-SXM,2,ok" "$OUT/j1/sweep.csv"'
check "sweep.json lists the points" \
    'grep -q "\"points\": 8" "$OUT/j1/sweep.json"'
# A figure per swept key: the metric against the value with its interval,
# listed in sweep.json; the GPU type, a category, as labelled ticks.
check "a figure per swept key, listed in sweep.json" \
    'tr -d " \n" <"$OUT/j1/sweep.json" | grep -q "\"figures\":\[\"sweep-1-volume\",\"sweep-2-gpu\",\"sweep-3-count\"\]" &&
     [ -s "$OUT/j1/sweep-1-volume.dat" ] && [ -s "$OUT/j1/sweep-3-count.dat" ]'
check "a categorical key's values are the x ticks" \
    'grep -q "set xtics (\"L40S\" 1, \"H100-SXM\" 2)" "$OUT/j1/sweep-2-gpu.gp"'
# Common random numbers: two L40S carry less load than one, at the same
# arrivals, so the P99 e2e falls.
check "CRN: 2 x L40S below 1 x L40S at 4M/month" \
    'awk -F, '\''$1==4{a=$12} $1==5{b=$12} END{exit !(b<a)}'\'' "$OUT/j1/sweep.csv"'

# shellcheck disable=SC2086
"$BIN" sweep $P $SHORT $GRID --jobs 2 --out "$OUT/j2" >/dev/null 2>&1
check "--jobs 2 gives the same sweep.csv byte for byte" \
    'cmp -s "$OUT/j1/sweep.csv" "$OUT/j2/sweep.csv"'
check "--jobs 2 gives the same sweep.json" \
    'cmp -s "$OUT/j1/sweep.json" "$OUT/j2/sweep.json"'

# Rerun: every point comes from the journal, the same bytes.
# shellcheck disable=SC2086
"$BIN" sweep $P $SHORT $GRID --jobs 2 --out "$OUT/j2" >"$OUT/rerun.txt" 2>&1
check "a finished sweep reruns from its journal" \
    'grep -q "0 run now, 8 from the journal" "$OUT/rerun.txt" &&
     cmp -s "$OUT/j1/sweep.csv" "$OUT/j2/sweep.csv"'
# shellcheck disable=SC2086
"$BIN" sweep $P $SHORT $GRID --jobs 2 --fresh --out "$OUT/j2" >"$OUT/fresh.txt" 2>&1
check "--fresh runs every point again" \
    'grep -q "8 run now, 0 from the journal" "$OUT/fresh.txt"'
# shellcheck disable=SC2086
"$BIN" sweep $P $SHORT --vary backends.local.count=1,3 --out "$OUT/j2" \
    >/dev/null 2>"$OUT/other.err"
check "another sweep's journal is refused (exit 2)" \
    '[ $? -eq 2 ] && grep -q "sweep.journal:1:1: error: journal of another sweep" "$OUT/other.err"'

# Killed midway: SIGKILL once some points are in the journal, then rerun.
# Longer points (2h) so the kill lands in the middle.
LONG="--set horizon=4h --set warmup=5m --replications 2"
KGRID="--vary workload.arrivals.volume=1e6/month..4e6/month:lin:6 --vary backends.local.count=1,2"
# shellcheck disable=SC2086
"$BIN" sweep $P $LONG $KGRID --jobs 1 --out "$OUT/kref" >/dev/null 2>&1
# shellcheck disable=SC2086
"$BIN" sweep $P $LONG $KGRID --jobs 2 --out "$OUT/kill" >/dev/null 2>&1 &
pid=$!
tries=0
while [ "$tries" -lt 600 ]; do
    lines=$(cat "$OUT/kill/sweep.journal" 2>/dev/null | wc -l)
    [ "$lines" -ge 4 ] && break
    tries=$((tries + 1))
    sleep 0.02
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sleep 0.5 # orphaned workers finish their point or die on the closed pipe
before=$(($(wc -l <"$OUT/kill/sweep.journal") - 1))
check "the kill left a partial journal ($before of 12)" \
    '[ "$before" -ge 3 ] && [ "$before" -lt 12 ] && [ ! -f "$OUT/kill/sweep.csv" ]'
# shellcheck disable=SC2086
"$BIN" sweep $P $LONG $KGRID --jobs 2 --out "$OUT/kill" >"$OUT/resume.txt" 2>&1
check "the rerun runs only the missing points" \
    'grep -q "$((12 - before)) run now, $before from the journal" "$OUT/resume.txt"'
check "the resumed sweep.csv is the uninterrupted one" \
    'cmp -s "$OUT/kref/sweep.csv" "$OUT/kill/sweep.csv"'
check "the journal holds each point once" \
    '[ "$(wc -l <"$OUT/kill/sweep.journal")" -eq 13 ]'

# SIGTERM: workers stopped, the journal kept, exit 143, no half outputs.
# shellcheck disable=SC2086
"$BIN" sweep $P $LONG $KGRID --jobs 2 --out "$OUT/term" >/dev/null \
    2>"$OUT/term.err" &
pid=$!
tries=0
while [ "$tries" -lt 600 ]; do
    lines=$(cat "$OUT/term/sweep.journal" 2>/dev/null | wc -l)
    [ "$lines" -ge 3 ] && break
    tries=$((tries + 1))
    sleep 0.02
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
st=$?
check "SIGTERM stops the sweep: exit 143, journal kept, no sweep.csv" \
    '[ "$st" -eq 143 ] && grep -q "interrupted: .* points in .*sweep.journal; rerun to finish" "$OUT/term.err" &&
     [ ! -f "$OUT/term/sweep.csv" ]'

# A torn last line (a crash inside the write) is run again.
head -c -7 "$OUT/kref/sweep.journal" >"$OUT/torn.tmp" &&
    mv "$OUT/torn.tmp" "$OUT/kref/sweep.journal"
# shellcheck disable=SC2086
"$BIN" sweep $P $LONG $KGRID --jobs 1 --out "$OUT/kref" >"$OUT/torn.txt" 2>&1
check "a torn journal line is run again" \
    'grep -q "1 run now, 11 from the journal" "$OUT/torn.txt"'

# Located errors, exit 2, nothing run.
golden() { # name expected-stderr args...
    name=$1
    want=$2
    shift 2
    "$BIN" sweep "$@" >/dev/null 2>"$OUT/$name.err"
    st=$?
    if [ "$st" -eq 2 ] && [ "$(cat "$OUT/$name.err")" = "$want" ]; then
        ok "error: $name"
    else
        bad "error: $name (exit $st: $(cat "$OUT/$name.err"))"
    fi
}
golden bad-scale "--vary:1:27: error: range scale must be 'lin' or 'log', got 'cubic'" \
    $P --out "$OUT/e" --vary backends.local.count=1..4:cubic:3
golden bad-count "--vary:2:35: error: range needs 1 to 1000 values, got 'x'" \
    $P --out "$OUT/e" --vary backends.local.count=1,2 --vary workload.arrivals.volume=1..4:lin:x
golden bad-ends "--vary:1:22: error: range 'a..4:lin:3': its ends must be numbers" \
    $P --out "$OUT/e" --vary backends.local.count=a..4:lin:3
golden units "--vary:1:24: error: range '1/s..4/h:lin:2': both ends need the same unit, got '/s' and '/h'" \
    $P --out "$OUT/e" --vary workload.arrivals.rate=1/s..4/h:lin:2
golden log-zero "--vary:1:22: error: log range '0..4:log:3' needs both ends > 0" \
    $P --out "$OUT/e" --vary backends.local.count=0..4:log:3
golden empty-value "--vary:1:22: error: empty value in list '1,,2'" \
    $P --out "$OUT/e" --vary backends.local.gpu=1,,2
golden no-spec "--vary:1:1: error: expected KEY.PATH=SPEC, got 'backends.local.count'" \
    $P --out "$OUT/e" --vary backends.local.count
golden twice "--vary:2:1: error: key 'seed' is varied twice" \
    $P --out "$OUT/e" --vary seed=1,2 --vary seed=3
golden unknown-key "--set:1:16: error: unknown key 'cuont' in backends.local (did you mean 'count' or 'quant'?)
slmsim sweep: in --vary backends.local.cuont=1" \
    $P --out "$OUT/e" --vary backends.local.cuont=1,2
golden too-many "slmsim sweep: error: the grid has 12 points, more than limits.max_points = 10 (set by --max-points; raise it with --max-points N or limits.max_points in the scenario; docs/limits.md)" \
    $P --out "$OUT/e" --max-points 10 --vary seed=1,2,3 --vary backends.local.count=1..4:lin:4
golden nothing "slmsim sweep: error: nothing to vary (--vary KEY.PATH=SPEC or a sweep: block; see slmsim sweep --help)" \
    $P --out "$OUT/e"
# The scenario's own sweep: block, and its errors located in the file.
block() { # file vary-lines...
    f=$1
    shift
    { sed '/^variants:/,$d' $P; echo "sweep:"; echo "  vary:"
      for l in "$@"; do echo "    $l"; done; } >"$f"
}
block "$OUT/block.yaml" "backends.local.count: 1..2:lin:2" \
    "backends.local.gpu: [L40S, H100-SXM]"
# shellcheck disable=SC2086
"$BIN" sweep "$OUT/block.yaml" $SHORT --out "$OUT/block" >/dev/null 2>&1
check "a sweep: block in the scenario is the grid" \
    '[ $? -eq 0 ] && grep -q "^3,2,H100-SXM,ok" "$OUT/block/sweep.csv"'
lines=$(sed '/^variants:/,$d' $P | wc -l)
block "$OUT/bad-block.yaml" "backends.local.count: 1..2:cub:2"
golden block-scale "$OUT/bad-block.yaml:$((lines + 3)):32: error: range scale must be 'lin' or 'log', got 'cub'" \
    "$OUT/bad-block.yaml" --out "$OUT/e"
check "errors ran nothing" '[ ! -e "$OUT/e/sweep.journal" ]'
# limits.max_points in the scenario: the grid is refused at its place; a
# --set of it and --max-points override it.
{ cat "$OUT/block.yaml"; echo "limits: {max_points: 3}"; } >"$OUT/lim.yaml"
llines=$(wc -l <"$OUT/block.yaml")
golden file-limit "$OUT/lim.yaml:$((llines + 1)):22: error: the grid has 4 points, more than limits.max_points = 3 (raise it, or --max-points N; docs/limits.md)" \
    "$OUT/lim.yaml" --out "$OUT/e"
golden set-limit "slmsim sweep: error: the grid has 4 points, more than limits.max_points = 2 (set by --set; raise it with --max-points N or limits.max_points in the scenario; docs/limits.md)" \
    "$OUT/lim.yaml" --set limits.max_points=2 --out "$OUT/e"
golden bad-limit "--set:1:19: error: 'max_points' must be an integer in [1, 100000000], got '0'" \
    "$OUT/lim.yaml" --set limits.max_points=0 --out "$OUT/e"

if [ -n "$MPIBIN" ]; then
    MPIRUN="timeout 120 mpirun --allow-run-as-root --oversubscribe"
    # shellcheck disable=SC2086
    $MPIRUN -np 2 "$MPIBIN" sweep $P $SHORT $GRID --out "$OUT/mpi" \
        >/dev/null 2>&1
    check "mpirun -np 2 (exit 0)" '[ $? -eq 0 ]'
    check "mpirun -np 2 gives the same sweep.csv byte for byte" \
        'cmp -s "$OUT/j1/sweep.csv" "$OUT/mpi/sweep.csv"'
    # compare over the ranks: rank 0 writes what one process writes.
    CMP="--set horizon=2h --set warmup=20m --set replications=3 \
        --capacity-horizon 30m --no-plots -q scenarios/purchase-5m-chat.yaml"
    # shellcheck disable=SC2086
    "$BIN" compare --jobs 1 --out "$OUT/cmp1" $CMP >/dev/null 2>&1
    # shellcheck disable=SC2086
    $MPIRUN -np 2 "$MPIBIN" compare --out "$OUT/cmpmpi" $CMP >/dev/null 2>&1
    check "mpirun -np 2 compare (exit 0)" '[ $? -eq 0 ]'
    check "mpirun -np 2 compare gives the same compare.csv and .json" \
        'cmp -s "$OUT/cmp1/compare.csv" "$OUT/cmpmpi/compare.csv" &&
         cmp -s "$OUT/cmp1/compare.json" "$OUT/cmpmpi/compare.json"'
    # shellcheck disable=SC2086
    $MPIRUN -np 3 "$MPIBIN" sweep $P $LONG $KGRID --out "$OUT/mpikill" \
        >/dev/null 2>&1 &
    pid=$!
    tries=0
    while [ "$tries" -lt 600 ]; do
        lines=$(cat "$OUT/mpikill/sweep.journal" 2>/dev/null | wc -l)
        [ "$lines" -ge 3 ] && break
        tries=$((tries + 1))
        sleep 0.02
    done
    # The newest rank (a worker) dies; mpirun must end the job.
    victim=$(pgrep -n -f "^$MPIBIN sweep $P")
    [ -n "$victim" ] && kill -KILL "$victim"
    wait "$pid"
    st=$?
    check "a killed rank ends the job, not hangs (exit $st)" \
        '[ "$st" -ne 0 ] && [ "$st" -ne 124 ]'
    # shellcheck disable=SC2086
    $MPIRUN -np 2 "$MPIBIN" sweep $P $LONG $KGRID --out "$OUT/mpikill" \
        >"$OUT/mpiresume.txt" 2>&1
    check "the rerun finishes it with the same sweep.csv" \
        'cmp -s "$OUT/kref/sweep.csv" "$OUT/mpikill/sweep.csv"'
fi

echo "test-sweep: $((n - fails))/$n passed"
[ "$fails" -eq 0 ]
