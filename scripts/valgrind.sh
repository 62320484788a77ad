#!/bin/sh
# valgrind over the end-to-end scenarios on a short horizon: no leaks, no
# invalid accesses.  Installs valgrind when missing (as root).
set -u
BIN=${1:-./slmsim}
if ! command -v valgrind >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q && apt-get install -y -q valgrind || exit 1
    else
        echo "valgrind: run as root: apt-get install -y valgrind" >&2
        exit 1
    fi
fi
status=0
for s in scenarios/*.yaml; do
    name=$(basename "$s" .yaml)
    extra=""
    [ -f "scenarios/test-args/$name" ] && extra=$(cat "scenarios/test-args/$name")
    # shellcheck disable=SC2086
    if valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        "$BIN" run -q --set warmup=0s --set horizon=20m --set replications=1 \
        $extra --out build/valgrind-out/"$name" "$s"; then
        echo "valgrind: $name clean"
    else
        echo "valgrind: $name FAILED"
        status=1
    fi
done
# The other commands, once each.
vg() {
    what=$1; shift
    if valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$@" >/dev/null; then
        echo "valgrind: $what clean"
    else
        echo "valgrind: $what FAILED"
        status=1
    fi
}
short="--set warmup=0s --set horizon=20m --set replications=1"
# shellcheck disable=SC2086
vg "tco" "$BIN" tco $short --out build/valgrind-out/tco scenarios/seed-short-1m.yaml
# shellcheck disable=SC2086
vg "crossover" "$BIN" crossover $short --out build/valgrind-out/x scenarios/seed-low-volume.yaml
# shellcheck disable=SC2086
vg "sensitivity" "$BIN" sensitivity $short --out build/valgrind-out/s scenarios/seed-short-1m.yaml
# shellcheck disable=SC2086
vg "tco, capacity simulated" "$BIN" tco $short --replications 1 \
    --capacity-horizon 1h --out build/valgrind-out/tco-sim \
    scenarios/seed-short-1m-simulated.yaml
vg "capacity" "$BIN" capacity --horizon 20m --replications 1 --out build/valgrind-out/cap scenarios/quickstart.yaml
vg "validate" "$BIN" validate scenarios/seed-hybrid-1m.yaml
# shellcheck disable=SC2086
SLMSIM_GNUPLOT=/nonexistent "$BIN" run -q --plots $short \
    --out build/valgrind-out/figs scenarios/quickstart.yaml 2>/dev/null &&
    SLMSIM_GNUPLOT=/nonexistent vg "plot" "$BIN" plot \
        --out build/valgrind-out/plot build/valgrind-out/figs/results.json
# A run stopped by a limit exits 1 by design: only valgrind's own status
# (99) is a failure here.
valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect "$BIN" run -q --no-plots \
    --set limits.max_in_flight=20000 --set workload.arrivals.rate=1000/s \
    --set horizon=3h --set replications=2 --out build/valgrind-out/limit \
    scenarios/mm1.yaml >/dev/null 2>&1
if [ $? = 99 ]; then
    echo "valgrind: run stopped by a limit FAILED"
    status=1
else
    echo "valgrind: run stopped by a limit clean"
fi
exit $status
