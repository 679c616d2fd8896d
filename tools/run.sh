#!/bin/sh
# run.sh -- `make run`: Neovim with the plugin on a scratch copy of the demo
# vault (so trying commands never changes the bundled files).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NVIM=${RAPPORT_NVIM:-$ROOT/.deps/nvim/bin/nvim}
[ -x "$NVIM" ] || NVIM=nvim
DEMO=$ROOT/build/demo-vault
rm -rf "$DEMO" "$ROOT"/build/demo.sqlite3*
mkdir -p "$ROOT/build"
cp -R "$ROOT/demo" "$DEMO"
cd "$DEMO"
exec env RAPPORT_DB="$ROOT/build/demo.sqlite3" "$NVIM" -u NONE -i NONE \
    --cmd "set rtp^=$ROOT" --cmd "filetype plugin on" --cmd "syntax on" \
    -c "runtime plugin/rapport.lua" -c "lua require('rapport').setup({})" \
    clients/acme-logistics.md
