#!/bin/sh
# bench_hints.sh -- keystroke -> diagnostics latency and main-loop time of
# the hints in a 5,000-line note (SPEC §6), on Debian's Neovim 0.7.2 and the
# recent one when present; baselines (vim.diagnostic.set alone, a plain
# nvim_buf_get_lines) from the same run. N=keys BURSTS=bursts LINES=lines.
set -eu
ROOT=${RAPPORT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
seen=
for nv in /usr/bin/nvim "${NVIM:-$ROOT/.deps/nvim/bin/nvim}" "$ROOT/.deps/nvim/bin/nvim"; do
    [ -x "$nv" ] || continue
    real=$(readlink -f "$nv")
    case " $seen " in *" $real "*) continue ;; esac
    seen="$seen $real"
    RAPPORT_ROOT=$ROOT "$nv" --headless -u NONE -i NONE -n --cmd "set rtp^=$ROOT" \
        -c "luafile $ROOT/bench/hints_latency.lua" 2>&1 || echo "hints_latency failed on $nv"
done
