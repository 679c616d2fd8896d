#!/bin/sh
# run.sh [--c-only] TEST_BINARIES... -- runs the C unit tests, then the Neovim
# tests on Debian's nvim (0.7.2) and the recent one (.deps/nvim), and ends
# with one line "N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
c_only=0
[ "${1:-}" = "--c-only" ] && { c_only=1; shift; }
passed=0 failed=0

count() { # adds the "N passed, N failed" line of a run's output
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        echo "  (no result line: counted as one failure)"
        failed=$((failed + 1))
        return
    fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$@"; do
    echo "== $(basename "$t")"
    "$t" >"$out" 2>&1
    rc=$?
    sed 's/^/  /' "$out" | grep -v '^  [0-9]* passed, [0-9]* failed$' | tail -n 40
    count "$out"
    [ $rc -ne 0 ] && ! grep -q ' failed' "$out" && failed=$((failed + 1))
done

if [ $c_only -eq 0 ]; then
    for nvim in "${RAPPORT_NVIM_OLD:-/usr/bin/nvim}" "${RAPPORT_NVIM_NEW:-$ROOT/.deps/nvim/bin/nvim}"; do
        if [ ! -x "$nvim" ]; then
            echo "== nvim tests: $nvim missing (make deps nvim-recent): counted as one failure"
            failed=$((failed + 1))
            continue
        fi
        echo "== nvim tests with $("$nvim" --version | head -n 1)"
        RAPPORT_TEST_NVIM=$nvim RAPPORT_ROOT=$ROOT timeout 600 "$nvim" --headless -u NONE -i NONE -n \
            --cmd "set rtp^=$ROOT" -c "luafile $ROOT/tests/lua/runner.lua" >"$out" 2>&1 </dev/null
        sed 's/^/  /' "$out" | grep -v '^  [0-9]* passed, [0-9]* failed$'
        count "$out"
    done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
