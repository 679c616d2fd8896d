#!/bin/sh
# bench_engage.sh -- tag rename across a 10,000-note vault (CLI, durable),
# and health / prep / hints / capture over rpc, each beside a baseline from
# the same run.
set -eu
ROOT=${RAPPORT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
R=$ROOT/bin/rapport
NVIM=${NVIM:-nvim}
W=${BENCH_DIR:-$ROOT/bench/out/vaults}
N=${BENCH_N:-10000}
mkdir -p "$W"
v=$W/v$N
[ -f "$v/.expected-tags.tsv" ] || { rm -rf "$v"; "$ROOT/build/gen" "$v" "$N" 1 >/dev/null; }

# The tag carried by the number of notes closest to 10% of the vault.
target=$((N / 10))
tag=$(awk -F'\t' -v t="$target" '$1 !~ /\// { d = $2 - t; if (d < 0) d = -d; if (best == "" || d < bd) { best = $1; bd = d; n = $2 } }
    END { print best }' "$v/.expected-tags.tsv")
count=$(awk -F'\t' -v t="$tag" '$1 == t { print $2 }' "$v/.expected-tags.tsv")

w=$W/rename
rm -rf "$w" && cp -R "$v" "$w"
db=$W/rename.sqlite3
rm -f "$db"*
"$R" --vault "$w" --db "$db" index >/dev/null
s=$(date +%s%N)
changes=$("$R" --vault "$w" --db "$db" --json tag rename "$tag" renamed-tag | grep -o '"path"' | wc -l)
e=$(date +%s%N)
files=$("$R" --vault "$w" --db "$db" find renamed-tag | wc -l)
# Baseline: the same number of durable atomic writes with plain tools
# (cp to a temp name + sync of those files + mv), no parsing.
list=$(grep -rl "renamed-tag" "$w" --include='*.md' | head -n "$files")
bs=$(date +%s%N)
for f in $list; do cp "$f" "$f.tmp"; done
sync $(for f in $list; do printf '%s.tmp ' "$f"; done)
for f in $list; do mv "$f.tmp" "$f"; done
be=$(date +%s%N)
printf 'tag rename #%s (%s notes) -> %d changes in %d notes: %d ms end to end (index updated, every write durable)\n' \
    "$tag" "$count" "$changes" "$files" $(( (e - s) / 1000000 ))
printf '  baseline: cp + sync + mv of the same %d files: %d ms\n' "$files" $(( (be - bs) / 1000000 ))

VAULT=$v DB=$W/v$N.sqlite3 RAPPORT_ROOT=$ROOT "$NVIM" --headless -u NONE -i NONE -n \
    -c "luafile $ROOT/bench/rpc_engage.lua" 2>&1
