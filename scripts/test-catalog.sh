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
# Every catalogued GPU runs the quickstart once its calibration (an L40S
# file) is set aside; the file itself refuses another GPU, saying how.
tmp=$(mktemp -d) || exit 1
ran=0 failed=""
for g in $("$BIN" catalog gpus | sed -n 's/^\([A-Za-z0-9-]*\) (.*/\1/p'); do
    if "$BIN" run -q --no-plots --jobs 1 --replications 1 \
        --set backends.local.gpu="$g" --set backends.local.calibration=none \
        --set horizon=5min --set warmup=1min --out "$tmp/$g" \
        scenarios/quickstart.yaml >/dev/null 2>"$tmp/err" &&
        grep -q '"completed"' "$tmp/$g/results.json"; then
        ran=$((ran + 1))
    else
        failed="$failed $g"
    fi
done
[ -z "$failed" ] && [ "$ran" = "$named" ] &&
    ok "the quickstart runs on every catalogued GPU ($ran)" ||
    bad "the quickstart runs on every catalogued GPU (failed:$failed)"
"$BIN" run -q --no-plots --set backends.local.gpu=H200 \
    scenarios/quickstart.yaml >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "is for GPU 'L40S'.*calibration: none" "$tmp/err" &&
    ok "an L40S calibration file refuses an H200, naming both ways out" ||
    bad "an L40S calibration file refuses an H200: $(cat "$tmp/err")"
rm -rf "$tmp"
exit $((fails > 0))
