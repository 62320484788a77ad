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
exit $status
