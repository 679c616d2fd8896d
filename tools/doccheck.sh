#!/bin/sh
# doccheck.sh -- `make doc`: builds the help tags of doc/rapport.txt (errors on
# duplicate tags) and checks the doc against the code: every :Rapport
# subcommand and every option has its tag.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NVIM=${RAPPORT_NVIM:-nvim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/doc"
cp "$ROOT/doc/rapport.txt" "$tmp/doc/"
"$NVIM" --headless -u NONE -i NONE -n --cmd "set rtp^=$ROOT" +"try | helptags $tmp/doc | catch | echo v:exception | cquit 1 | endtry" \
    +"lua local ok = true
      local doc = io.open('$ROOT/doc/rapport.txt'):read('*a')
      local function need(tag) if not doc:find('*' .. tag .. '*', 1, true) then
        io.stderr:write('doc/rapport.txt: missing tag *' .. tag .. '*\n'); ok = false end end
      for _, d in ipairs(require('rapport.commands').list) do need(':Rapport-' .. d.name:gsub(' ', '-')) end
      for k in pairs(require('rapport.config').defaults) do need('rapport-option-' .. k) end
      need('rapport-option-vault'); need('rapport-option-binary')
      if not ok then vim.cmd('cquit 1') end" +qa! 2>&1
cp "$tmp/doc/tags" "$ROOT/doc/tags"
echo "doc/rapport.txt: tags ok ($(wc -l < "$ROOT/doc/tags") tags)"
