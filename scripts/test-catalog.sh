#!/bin/sh
# slmsim catalog: both parts by default, each on request, every GPU with
# its price and rental sources, a bad part refused with exit 2.
set -u
BIN=${1:-./slmsim}
fails=0
ok() { printf '[       OK ] %s\n' "$1"; }
bad() { fails=$((fails + 1)); printf '[  FAILED  ] %s\n' "$1"; }

out=$("$BIN" catalog 2>&1)
[ $? = 0 ] && ok "catalog exits 0" || bad "catalog exits 0"
echo "$out" | grep -q '^# GPUs' && echo "$out" | grep -q '^# models' &&
    ok "catalog prints both parts" || bad "catalog prints both parts"
gpus=$("$BIN" catalog gpus | grep -c '^  price \$')
named=$("$BIN" catalog gpus | sed -n 's/^# GPUs (\([0-9]*\))$/\1/p')
[ "$gpus" = "$named" ] && [ "$gpus" -ge 18 ] &&
    ok "catalog gpus prices every GPU with its source" ||
    bad "catalog gpus prices every GPU ($gpus of $named)"
"$BIN" catalog models | grep -q 'mixtral-8x7b' &&
    ! "$BIN" catalog models | grep -q '^# GPUs' &&
    ok "catalog models lists the models only" ||
    bad "catalog models lists the models only"
"$BIN" catalog cards >/dev/null 2>&1
[ $? = 2 ] && ok "catalog refuses an unknown part (exit 2)" ||
    bad "catalog refuses an unknown part"
exit $((fails > 0))
