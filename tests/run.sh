#!/bin/sh
# run.sh [--c-only] [--asan DIR | --asan-only DIR] TEST_BINARIES...
#
# Runs the C unit tests, then the Neovim tests on Debian's nvim (0.7.2) and
# the recent one (.deps/nvim), and ends with one line "N passed, N failed".
#
#   --c-only         skip the Neovim tests
#   --asan DIR       afterwards, the same again under AddressSanitizer and
#                    UBSan: DIR/tests/* and, on the recent Neovim, the Neovim
#                    tests with DIR/rapport as the helper ($RAPPORT_BIN)
#   --asan-only DIR  only that
#
# Sanitizer reports go to files under DIR/logs/; any file there after a run
# is a failure (a report from a helper that Neovim started would otherwise
# only reach the plugin's log).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
c_only=0 asan= plain=1
while [ $# -gt 0 ]; do
    case $1 in
        --c-only) c_only=1; shift ;;
        --asan) asan=$2; shift 2 ;;
        --asan-only) asan=$2; plain=0; shift 2 ;;
        *) break ;;
    esac
done
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

run_c() { # the C test binaries given
    for t in "$@"; do
        echo "== $(basename "$t")"
        "$t" >"$out" 2>&1
        rc=$?
        sed 's/^/  /' "$out" | grep -v '^  [0-9]* passed, [0-9]* failed$' | tail -n 40
        count "$out"
        [ $rc -ne 0 ] && ! grep -q ' failed' "$out" && failed=$((failed + 1))
    done
}

run_nvim() { # NVIM [LABEL]: the Neovim suite on one Neovim
    nvim=$1
    if [ ! -x "$nvim" ]; then
        echo "== nvim tests: $nvim missing (make deps nvim-recent): counted as one failure"
        failed=$((failed + 1))
        return
    fi
    echo "== nvim tests${2:+ ($2)} with $("$nvim" --version | head -n 1)"
    RAPPORT_TEST_NVIM=$nvim RAPPORT_ROOT=$ROOT timeout 900 "$nvim" --headless -u NONE -i NONE -n \
        --cmd "set rtp^=$ROOT" -c "luafile $ROOT/tests/lua/runner.lua" >"$out" 2>&1 </dev/null
    sed 's/^/  /' "$out" | grep -v '^  [0-9]* passed, [0-9]* failed$'
    count "$out"
}

nvim_old=${RAPPORT_NVIM_OLD:-/usr/bin/nvim}
nvim_new=${RAPPORT_NVIM_NEW:-$ROOT/.deps/nvim/bin/nvim}

if [ $plain -eq 1 ]; then
    run_c "$@"
    if [ $c_only -eq 0 ]; then
        run_nvim "$nvim_old"
        run_nvim "$nvim_new"
    fi
fi

if [ -n "$asan" ]; then
    asan=$(cd "$asan" && pwd)
    logs=$asan/logs
    rm -rf "$logs"
    mkdir -p "$logs"
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$logs/asan"
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
    export ASAN_OPTIONS UBSAN_OPTIONS
    run_c "$asan"/tests/test_*
    if [ $c_only -eq 0 ]; then
        RAPPORT_BIN=$asan/rapport
        export RAPPORT_BIN
        run_nvim "$nvim_new" "helper built with ASan+UBSan"
        unset RAPPORT_BIN
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS
    for f in "$logs"/*; do
        [ -f "$f" ] || continue
        echo "== sanitizer report $f: counted as one failure"
        head -n 40 "$f" | sed 's/^/  /'
        failed=$((failed + 1))
    done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
