#!/bin/sh
# Prefix caching from a trace's block hashes: trace-stats' infinite-cache
# reuse of the Mooncake conversation trace against the same count made
# independently here (awk: a block is reused when an earlier row had its
# hash); the Mooncake scenario with caching on and off (hits reported, and
# a prompt served in part from the cache); the option's errors.
set -u
BIN=${1:-./slmsim}
OUT=${TEST_OUT:-build/test-out}/prefix
TRACE=scenarios/traces/mooncake-conversation-2025.jsonl
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
ok() { printf '[       OK ] %s\n' "$1"; }
bad() { fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

# blocks and blocks-seen-before, one pass of awk over the hash arrays
want=$(awk '
{
    s = $0
    sub(/.*"hash_ids": *\[/, "", s)
    sub(/\].*/, "", s)
    n = split(s, id, /[ ,]+/)
    k = 0
    for (i = 1; i <= n; i++) {
        if (id[i] == "")
            continue
        blocks++
        if (id[i] in seen)
            reused++
        row[++k] = id[i]
    }
    for (i = 1; i <= k; i++)
        seen[row[i]] = 1
}
END { printf "%d %d\n", blocks, reused }' "$TRACE")
"$BIN" trace-stats --format mooncake --json "$TRACE" >"$OUT/stats.json"
got=$(tr -d ' \n' <"$OUT/stats.json" |
      sed -n 's/.*"prefix_reuse":{"blocks":\([0-9]*\),"seen":\([0-9]*\).*/\1 \2/p')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
    ok "trace-stats counts the blocks seen before as awk does ($got)"
else
    bad "trace-stats prefix reuse '$got', awk '$want'"
fi
"$BIN" trace-stats --format mooncake "$TRACE" >"$OUT/stats.txt"
if grep -q '^  prefix reuse   at an infinite cache: ' "$OUT/stats.txt"; then
    ok "trace-stats prints the prefix reuse"
else
    bad "trace-stats prints no prefix reuse line"
fi

# the scenario both ways, on a short horizon
S=scenarios/mooncake-prefix-cache.yaml
for pc in true false; do
    "$BIN" run "$S" -s horizon=15m -s warmup=1m -s replications=1 \
        -s backends.local.serving.prefix_caching=$pc \
        -o "$OUT/$pc" >"$OUT/$pc.txt" 2>"$OUT/$pc.err"
    [ $? = 0 ] || bad "the scenario runs with prefix_caching $pc"
done
tr -d ' \n' <"$OUT/true/results.json" >"$OUT/on.json"
tr -d ' \n' <"$OUT/false/results.json" >"$OUT/off.json"
saved=$(sed -n 's/.*"tokens_saved":\([0-9.e+]*\).*/\1/p' "$OUT/on.json")
if grep -q '"by_hash":1' "$OUT/on.json" &&
   awk -v s="$saved" 'BEGIN { exit !(s > 0) }'; then
    ok "caching on: prompt tokens are served from the cache ($saved)"
else
    bad "caching on: no tokens saved ('$saved')"
fi
if grep -q '"prefix":' "$OUT/off.json"; then
    bad "caching off still reports a prefix cache"
else
    ok "caching off: no prefix cache"
fi
if grep -q '^  prefix cache (by block hash): ' "$OUT/true.txt"; then
    ok "the text report gives the hit rate"
else
    bad "the text report gives no hit rate"
fi

"$BIN" validate "$S" -s backends.local.serving.prefix_caching=maybe \
    >/dev/null 2>"$OUT/err.txt"
code=$?
if [ $code = 2 ] && grep -q "prefix_caching" "$OUT/err.txt"; then
    ok "a bad prefix_caching value exits 2 and names the key"
else
    bad "a bad prefix_caching value: exit $code, $(head -n 1 "$OUT/err.txt")"
fi

"$BIN" validate "$S" -s workload.arrivals.hash_block=1.5 \
    >/dev/null 2>"$OUT/err.txt"
code=$?
if [ $code = 2 ] && grep -q "error: 'hash_block' must be a whole number of tokens in \[1, 1048576\], got '1.5'" "$OUT/err.txt"; then
    ok "a fractional hash_block exits 2 with its message"
else
    bad "a fractional hash_block: exit $code, $(head -n 1 "$OUT/err.txt")"
fi

[ $fails = 0 ] || { echo "test-prefix: $fails failed"; exit 1; }
