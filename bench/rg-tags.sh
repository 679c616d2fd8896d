#!/bin/sh
# bench/rg-tags.sh DIR [--per-note]
#
# Baseline for the benchmark: a ripgrep scan of a vault's inline tags, so
# the helper's cold index can be shown next to "just grep the files".
#
# Prints `tag<TAB>count`, tags lowercased, sorted bytewise (the format of
# the generator's .expected-tags.tsv). A tag is `#name` at the start of a
# line or after whitespace or `(`, name = a letter then letters, digits,
# `_`, `-`, `/`.
#
#   default      count occurrences (every match in every *.md file)
#   --per-note   count notes: each file once per distinct tag
#
# It is deliberately naive: it does not read frontmatter `tags`, and it
# counts "tags" inside code blocks, HTML comments and the like (the
# generator's decoys such as #include). Hidden files and directories
# (.rapport, .git) are skipped, as the helper skips them; ignore files
# (.gitignore, .ignore) are not honoured, since the helper does not read
# them either.
set -eu

usage() { echo "usage: rg-tags.sh DIR [--per-note]" >&2; exit 2; }

[ $# -ge 1 ] || usage
dir=$1
mode=occurrences
if [ $# -ge 2 ]; then
    case $2 in
        --per-note) mode=notes ;;
        *) usage ;;
    esac
fi
[ -d "$dir" ] || { echo "rg-tags.sh: $dir: not a directory" >&2; exit 1; }
command -v rg >/dev/null 2>&1 || { echo "rg-tags.sh: ripgrep (rg) not found" >&2; exit 1; }

re='(^|[[:space:](])#([A-Za-z][A-Za-z0-9_/-]*)'
export LC_ALL=C

if [ "$mode" = occurrences ]; then
    # rg exits 1 when nothing matched; that is an empty result, not an error
    { rg --no-config --no-ignore -o --no-filename -r '$2' -g '*.md' -e "$re" -- "$dir" || [ $? -eq 1 ]; } |
        awk '{ n[tolower($0)]++ } END { for (t in n) printf "%s\t%d\n", t, n[t] }' |
        sort
else
    # path NUL tag -> one line per (file, tag), then count the files per tag
    { rg --no-config --no-ignore -o --with-filename --null -r '$2' -g '*.md' -e "$re" -- "$dir" || [ $? -eq 1 ]; } |
        tr '\000' '\t' |
        awk -F '\t' '{ t = tolower($NF); k = $1 "\t" t
                       if (!(k in seen)) { seen[k] = 1; n[t]++ } }
                     END { for (t in n) printf "%s\t%d\n", t, n[t] }' |
        sort
fi
