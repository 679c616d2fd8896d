#!/bin/sh
# run.sh -- build and run every libFuzzer harness in tests/fuzz/.
#
#   tests/fuzz/run.sh [NAME...]     NAME: query, parse, ... (default: all)
#
# Each tests/fuzz/fuzz_NAME.c is built with clang (-fsanitize=fuzzer,address,
# undefined) into build/fuzz/fuzz_NAME, together with the src/*.c files the
# table in sources_for() names, and run for $FUZZ_SECONDS (default 30)
# seconds on build/fuzz/corpus-NAME, which is seeded from
# tests/fuzz/seeds/NAME/ when that exists. Crash inputs are written as
# build/fuzz/NAME-crash-*; the log is build/fuzz/NAME.log.
#
# Environment: FUZZ_SECONDS, CLANG (default clang), FUZZ_FLAGS (extra
# libFuzzer flags, e.g. "-jobs=4 -workers=4" or "-max_len=8192").
# Exit status: 0 when every harness built and ran clean, 1 otherwise.
set -u

cd "$(dirname "$0")/../.." || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
CLANG=${CLANG:-clang}
FUZZ_FLAGS=${FUZZ_FLAGS:-}
OUT=build/fuzz
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc"

# NAME -> the sources (besides the harness) and libraries it links with.
sources_for() {
    case $1 in
        parse) echo "src/parse.c src/util.c" ;;
        query) echo "src/query.c src/util.c" ;;
        rpc) echo "src/rpc.c src/util.c" ;;
        edit) echo "src/edit.c src/parse.c src/util.c" ;;
        dispatch) ls src/*.c | grep -v -e '^src/main.c$' -e '^src/loop.c$' -e '^src/watch.c$' ;;
        rules) echo "src/rules.c src/config.c src/parse.c src/util.c" ;;
        *) if [ -f "src/$1.c" ]; then echo "src/$1.c src/util.c"; else echo "src/util.c"; fi ;;
    esac
}
libs_for() {
    case $1 in
        parse|edit) echo "-lyaml" ;;
        rules) echo "-lyaml -ljansson" ;;
        rpc) echo "-lmsgpackc -ljansson" ;;
        dispatch) echo "-lmsgpackc -ljansson -lsqlite3 -lyaml -lpthread" ;;
        *) echo "" ;;
    esac
}

if [ $# -gt 0 ]; then
    names=$*
else
    names=
    for f in tests/fuzz/fuzz_*.c; do
        [ -f "$f" ] || continue
        n=${f#tests/fuzz/fuzz_}
        names="$names ${n%.c}"
    done
fi
if [ -z "$names" ]; then
    echo "run.sh: no tests/fuzz/fuzz_*.c harness found" >&2
    exit 1
fi

mkdir -p "$OUT" || exit 1
status=0
for name in $names; do
    harness=tests/fuzz/fuzz_$name.c
    bin=$OUT/fuzz_$name
    corpus=$OUT/corpus-$name
    log=$OUT/$name.log
    if [ ! -f "$harness" ]; then
        echo "FAIL $name: no $harness" >&2
        status=1
        continue
    fi
    # shellcheck disable=SC2046,SC2086  # word splitting of the flag/source lists is intended
    if ! $CLANG $CFLAGS "$harness" $(sources_for "$name") -o "$bin" $(libs_for "$name"); then
        echo "FAIL $name: build failed" >&2
        status=1
        continue
    fi
    mkdir -p "$corpus" || exit 1
    if [ -d "tests/fuzz/seeds/$name" ]; then
        for s in "tests/fuzz/seeds/$name"/*; do
            [ -f "$s" ] && cp "$s" "$corpus/"
        done
    fi
    rm -f "$OUT/$name"-crash-* "$OUT/$name"-leak-* "$OUT/$name"-timeout-* "$OUT/$name"-oom-*
    dict=
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    echo "fuzz $name: ${FUZZ_SECONDS}s on $corpus"
    # shellcheck disable=SC2086  # FUZZ_FLAGS holds several flags
    "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/$name-" $dict $FUZZ_FLAGS "$corpus" >"$log" 2>&1
    rc=$?
    found=$(ls "$OUT/$name"-crash-* "$OUT/$name"-leak-* "$OUT/$name"-timeout-* \
        "$OUT/$name"-oom-* 2>/dev/null)
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        echo "FAIL $name: fuzzer exited with $rc; see $log" >&2
        tail -n 30 "$log" >&2
        for f in $found; do echo "  input: $f" >&2; done
        status=1
    else
        runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
        echo "ok   $name: ${runs:-?} runs, corpus $(find "$corpus" -type f | wc -l | tr -d ' ') inputs"
    fi
done
exit $status
