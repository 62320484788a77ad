#!/bin/sh
# What `make fuzz` needs beyond `make test`: clang with libFuzzer.  Installs
# it with apt-get as root, otherwise prints the exact command and stops (as
# scripts/deps.sh does for the build's own packages).
set -u
if command -v clang >/dev/null 2>&1 &&
    echo 'int LLVMFuzzerTestOneInput(const char *d, long n){(void)d;(void)n;return 0;}' |
    clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
    exit 0
fi
echo "fuzz: missing: clang with libFuzzer" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends clang
    exit $?
fi
echo "fuzz: run as root:  apt-get update && apt-get install -y clang" >&2
exit 1
