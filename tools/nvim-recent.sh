#!/bin/sh
# nvim-recent.sh PREFIX -- a Neovim 0.10+ for the tests, next to Debian 12's
# 0.7.2, without touching the system: Debian trixie's neovim .debs (and their
# dependencies) are downloaded with a private apt state and unpacked under
# PREFIX/root; nvim's ELF interpreter and rpath are pointed at trixie's own
# glibc with patchelf (bookworm's glibc is too old), and PREFIX/bin/nvim sets
# VIMRUNTIME. Does nothing when PREFIX/bin/nvim already runs as 0.10+.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
mkdir -p "$1"
PREFIX=$(cd "$1" && pwd)
ROOT=$PREFIX/root
NVIM=$PREFIX/bin/nvim

if [ -x "$NVIM" ] && "$NVIM" --headless -u NONE -i NONE \
    +'lua if vim.fn.has("nvim-0.10") == 0 then os.exit(1) end' +qa! >/dev/null 2>&1; then
    exit 0
fi
command -v patchelf >/dev/null || { echo "nvim-recent: needs patchelf (make deps)" >&2; exit 1; }

# The first enabled Debian mirror of the system's apt sources (either format).
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | awk -v c="$codename" '
    /^[ \t]*#/ { next }
    $1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { u = $i; s = $(i + 1); break }
                  if (s == c || s == "stable") { print u; exit } }
    tolower($1) == "uris:" { u = $2 }
    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == c || $i == "stable") ok = 1 }
    /^[ \t]*$/ { if (ok && u) { print u; exit } ok = 0; u = "" }
    END { if (ok && u) print u }' | head -n 1)
[ -n "$mirror" ] || { echo "nvim-recent: no Debian mirror in the apt sources" >&2; exit 1; }

state=$PREFIX/.apt
rm -rf "$state"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
trap 'rm -rf "$state"' EXIT
papt() {
    tool=$1; shift
    "$tool" -q -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" \
        -o Dir::State::status=/dev/null -o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}
arch=$(dpkg --print-architecture)
echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
    > "$state/sources.list"
papt apt-get update >"$state/update.log" 2>&1 || { tail -n 5 "$state/update.log" >&2; exit 1; }
pkgs=$(papt apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances neovim | grep '^[a-z0-9]' | sort -u)
# shellcheck disable=SC2086
(cd "$state/debs" && papt apt-get download $pkgs >/dev/null)
rm -rf "$ROOT"
mkdir -p "$ROOT" "$PREFIX/bin"
for deb in "$state"/debs/*.deb; do dpkg-deb -x "$deb" "$ROOT"; done

libdir=$(dirname "$(find "$ROOT/usr/lib" -name libc.so.6 | head -n 1)")
loader=$(ls "$libdir"/ld-linux*.so.* | head -n 1)
patchelf --set-interpreter "$loader" --force-rpath --set-rpath "$libdir" "$ROOT/usr/bin/nvim"
# Bundled tree-sitter parsers live in lib/nvim; expose them through the runtime.
ln -sfn ../../../lib/nvim/parser "$ROOT/usr/share/nvim/runtime/parser"
cat > "$NVIM" <<WRAP
#!/bin/sh
VIMRUNTIME='$ROOT/usr/share/nvim/runtime'; export VIMRUNTIME
exec '$ROOT/usr/bin/nvim' "\$@"
WRAP
chmod +x "$NVIM"
"$NVIM" --version | head -n 1
