#!/bin/sh
# run.sh -- `make bench`: every benchmark, each beside a baseline measured in
# the same run. Results go to stdout and bench/out/.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$ROOT/bench/out"
NVIM=${RAPPORT_NVIM:-$ROOT/.deps/nvim/bin/nvim}
[ -x "$NVIM" ] || NVIM=nvim
for b in "$ROOT"/bench/bench_*.sh; do
    [ -f "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    RAPPORT_ROOT=$ROOT NVIM=$NVIM sh "$b"
done
for nv in /usr/bin/nvim "$NVIM"; do
    [ -x "$nv" ] || continue
    echo "== rpc round trip ($("$nv" --version | head -n 1))"
    RAPPORT_ROOT=$ROOT "$nv" --headless -u NONE -i NONE -n --cmd "set rtp^=$ROOT" \
        -c "luafile $ROOT/bench/rpc_roundtrip.lua" 2>&1
done
