#!/bin/sh
# valgrind.sh [BINARY] -- every CLI command, and one rpc session, over a copy
# of the demo vault under valgrind's memcheck: no invalid access, no use of
# uninitialised memory, no definite or indirect leak, no fd left open by
# mistake. Ends with "N passed, N failed" (one per command).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin/rapport}
if ! command -v valgrind >/dev/null; then
    echo "valgrind.sh: valgrind not installed (make deps installs it)"
    echo "0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$ROOT/demo" "$tmp/vault"
note=clients/acme-logistics.md
passed=0 failed=0

vg() { # NAME CLI-ARGS...
    name=$1
    shift
    if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --log-file="$tmp/vg.log" \
        "$BIN" --vault "$tmp/vault" --db "$tmp/db.sqlite3" --today 2026-11-23 "$@" \
        >"$tmp/out" 2>"$tmp/err" </dev/null; then
        rc=0
    else
        rc=$?
    fi
    if [ "$rc" -eq 99 ] || [ -s "$tmp/vg.log" ]; then
        echo "FAIL $name (valgrind)"
        head -n 40 "$tmp/vg.log" | sed 's/^/  /'
        failed=$((failed + 1))
    elif [ "$rc" -gt 2 ]; then
        echo "FAIL $name (exit $rc)"
        head -n 5 "$tmp/err" | sed 's/^/  /'
        failed=$((failed + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

vg "index --full" index --full
vg tags tags
vg find find "type:client AND (risk OR -#vip)"
vg "find (bad query)" find "risk AND ("
vg search search dispatchers
vg check check
vg hints hints "$tmp/vault/$note"
vg tasks tasks --overdue
vg health health
vg prep prep acme-logistics
vg priorities priorities
vg "tag add" tag add "$tmp/vault/$note" valgrind-check
vg "tag remove" tag remove "$tmp/vault/$note" valgrind-check
vg "tag rename --dry-run" tag rename risk risk/high --dry-run
vg cap cap "$tmp/vault/$note" --cap=2
vg capture capture acme-logistics "asked about the rollout plan"
vg "new client" new client "Valgrind Corp"
vg "new meeting" new meeting acme-logistics --date=2026-11-24
vg status status

# One rpc session: hello, tags, hints and a bad request, then EOF.
printf '\224\000\001\255rapport.hello\220\224\000\002\254rapport.tags\220\224\000\003\250rapport.x\220' >"$tmp/rpc.in"
if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --log-file="$tmp/vg.log" \
    "$BIN" --vault "$tmp/vault" --db "$tmp/db.sqlite3" rpc <"$tmp/rpc.in" >"$tmp/out" 2>"$tmp/err" &&
    [ ! -s "$tmp/vg.log" ]; then
    echo "ok   rpc session"
    passed=$((passed + 1))
else
    echo "FAIL rpc session"
    head -n 40 "$tmp/vg.log" | sed 's/^/  /'
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
