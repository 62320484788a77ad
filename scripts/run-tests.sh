#!/bin/sh
# Runs each cmocka test program; fails when any fails.  Tests read their
# inputs relative to the project root, so run from there.
set -u
status=0
failed=""
for t in "$@"; do
    if ! "$t"; then
        status=1
        failed="$failed $(basename "$t")"
    fi
done
if [ $status -ne 0 ]; then
    echo "FAILED test programs:$failed" >&2
fi
exit $status
