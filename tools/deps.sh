#!/bin/sh
# deps.sh -- installs the Debian packages `make test` and `make run` need when
# they are missing: as root directly, else through sudo, else it prints the
# exact command to run. Nothing is assumed to be installed already.
set -eu
PKGS="gcc make pkg-config libuv1-dev libmsgpack-dev libsqlite3-dev libyaml-dev libjansson-dev
      neovim ripgrep patchelf dpkg-dev ca-certificates valgrind ${RAPPORT_EXTRA_PKGS:-}"
missing=
for p in $PKGS; do
    s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$s" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
echo "rapport: installing missing packages:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "rapport: cannot install packages (not root, no sudo). Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null
echo "rapport: installed$missing"
