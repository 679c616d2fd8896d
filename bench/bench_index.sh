#!/bin/sh
# bench_index.sh -- indexing and CLI query costs on generated vaults, each
# beside a baseline from the same run (ripgrep's tag scan, a bare stat walk).
set -eu
ROOT=${RAPPORT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
R=$ROOT/bin/rapport
GEN=$ROOT/build/gen
W=${BENCH_DIR:-$ROOT/bench/out/vaults}
SIZES=${BENCH_SIZES:-"1000 10000 100000"}
mkdir -p "$W"

# median of N runs of a command, in ms
med() {
    n=$1; shift
    i=0
    while [ $i -lt "$n" ]; do
        s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
        echo $(( (e - s) / 1000 ))
        i=$((i + 1))
    done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

printf '%-8s %12s %12s %8s %14s %12s %12s %12s\n' notes "cold index" "rg tag scan" ratio "reindex 1" "tags (CLI)" "stat walk" "find 3-term"
for n in $SIZES; do
    v=$W/v$n
    [ -f "$v/.expected-tags.tsv" ] || { rm -rf "$v"; "$GEN" "$v" "$n" 1 >/dev/null; }
    db=$W/v$n.sqlite3
    cold=$(for i in 1 2 3; do rm -f "$db" "$db"-wal "$db"-shm; "$R" --vault "$v" --db "$db" --json index --full | sed 's/.*"ms":\([0-9]*\).*/\1/'; done | sort -n | sed -n 2p)
    rg=$(med 3 sh "$ROOT/bench/rg-tags.sh" "$v")
    # one changed note: touch + index, minus the walk (index with nothing changed)
    f=$(ls "$v"/meetings | head -n 1)
    idle=$(med 5 "$R" --vault "$v" --db "$db" index)
    one=$(for i in 1 2 3 4 5; do echo "x" >> "$v/meetings/$f"; "$R" --vault "$v" --db "$db" --json index | sed 's/.*"ms":\([0-9]*\).*/\1/'; done | sort -n | sed -n 3p)
    tags=$(med 9 "$R" --vault "$v" --db "$db" tags)
    walk=$(med 9 find "$v" -name '*.md' -printf '%s %T@ %C@ %i\n')
    q=$(med 9 "$R" --vault "$v" --db "$db" find 'risk AND client:acme-logistics OR topic/pricing')
    ratio=$(awk -v a="$cold" -v b="$rg" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-8s %10s ms %9s ms %8s %9s ms idle %s ms %9s ms %9s ms %9s ms\n' "$n" "$cold" "$rg" "$ratio" "$one" "$idle" "$tags" "$walk" "$q"
done
echo "(cold index: helper's own ms; reindex 1: index after appending to one note, walk included;"
echo " rg tag scan: bench/rg-tags.sh over the same vault)"
v=$W/v10000
[ -d "$v" ] && echo "over rpc from a watching helper, 10,000 notes:" && \
    VAULT=$v DB=$W/v10000.sqlite3 RAPPORT_ROOT=$ROOT "${NVIM:-nvim}" --headless -u NONE -i NONE -n \
    -c "luafile $ROOT/bench/rpc_index.lua" 2>&1
echo " tags/find: whole CLI process incl. the freshness walk; stat walk: find(1) over the same vault;"
