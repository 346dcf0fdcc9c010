#!/usr/bin/env bash
# Prepares one Django project for the registry oracle (tests/django_oracle.rs):
#
#   tests/oracle/setup.sh PROJECT   PROJECT = oscar | pretix | wagtail | nautobot | fixture
#
# Creates .cache/oracle/<project>/venv (python3 -m venv) with the project and its
# dependencies installed from the package index, and for the PyPI projects unpacks the
# very same wheel that was installed into .cache/oracle/<project>/src, so that seam
# analyses exactly the code whose registry dump_registry.py reports. wagtail and nautobot
# are used by benches/propose_real.rs (its reference is their registry's app labels). Nothing downloaded here is
# committed: everything lives under .cache/ (git-ignored).
#
# Idempotent and cached: a stamp file records a hash of this script; while it matches,
# a second run returns at once. Delete .cache/oracle/<project> to start over.
#
# Exit codes: 0 ready; 1 failure; 2 usage; 75 the package index cannot be reached
# (the Rust test turns 75 into a loud SKIP, or a failure when CI=true).
#
# Environment: SEAM_ORACLE_CACHE overrides the cache root (default <repo>/.cache/oracle);
# PYTHON the interpreter for the venv (default python3; 3.11 is what the pins target).
set -euo pipefail

# --- pinned versions -------------------------------------------------------------------
# django-oscar 4.2.1: the newest release; requires Django >=4.2,<6.2, Python >=3.8.
OSCAR_VERSION=4.2.1
# pretix 2026.8.0: the newest release; Requires-Python >=3.11, Django[argon2]==5.2.*.
PRETIX_VERSION=2026.8.0
# Django 5.2 LTS: the newest series that runs on Python 3.11 (Django 6 needs 3.12+).
# wagtail 8.0.1: the newest release; Requires-Python >=3.10, Django>=5.2.
WAGTAIL_VERSION=8.0.1
# nautobot 3.2.7: the newest release; Requires-Python >=3.10,<3.15, Django>=5.2.18,<5.3.
NAUTOBOT_VERSION=3.2.7
DJANGO_VERSION=5.2.19
DRF_VERSION=3.16.1
# Per request and per whole pip run: generous, but bounded.
PIP_TIMEOUT=60
PIP_RETRIES=3
PIP_WALL_CLOCK=1800

usage() {
    echo "usage: $0 oscar|pretix|wagtail|nautobot|fixture" >&2
    exit 2
}
[[ $# -eq 1 ]] || usage
PROJECT=$1
case "$PROJECT" in oscar | pretix | wagtail | nautobot | fixture) ;; *) usage ;; esac

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE_ROOT=${SEAM_ORACLE_CACHE:-$REPO/.cache/oracle}
DIR=$CACHE_ROOT/$PROJECT
VENV=$DIR/venv
SRC=$DIR/src
DIST=$DIR/dist
STAMP=$DIR/.stamp
PYTHON=${PYTHON:-python3}

# The stamp is this script's content hash plus the project: editing a pin re-runs setup.
want=$( (cat "${BASH_SOURCE[0]}"; echo "$PROJECT") | sha256sum | cut -d' ' -f1)
ready() { [[ -f $STAMP && "$(cat "$STAMP")" == "$want" && -x $VENV/bin/python ]]; }
ready && exit 0

# One setup per project at a time (parallel test runs share the cache).
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
ready && exit 0

log() { echo "oracle setup [$PROJECT]: $*" >&2; }

PIP_OPTS=(--disable-pip-version-check --no-input --timeout "$PIP_TIMEOUT" --retries "$PIP_RETRIES")

# Is the package index reachable at all? A failure here means "cannot test", not "broken".
probe_index() {
    local probe
    probe=$(mktemp -d)
    if ! timeout 300 "$VENV/bin/pip" download "${PIP_OPTS[@]}" --no-deps -q -d "$probe" \
        "Django==$DJANGO_VERSION" >/dev/null 2>&1; then
        rm -rf "$probe"
        log "the package index cannot be reached (pip download Django==$DJANGO_VERSION failed)"
        exit 75
    fi
    rm -rf "$probe"
}

pip_install() {
    log "pip install $*"
    timeout "$PIP_WALL_CLOCK" "$VENV/bin/pip" install "${PIP_OPTS[@]}" -q "$@"
}

rm -f "$STAMP"
if [[ ! -x $VENV/bin/python ]]; then
    log "creating venv in $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi
probe_index

case "$PROJECT" in
    oscar | pretix | wagtail | nautobot)
        case "$PROJECT" in
            oscar) REQ="django-oscar==$OSCAR_VERSION" ;;
            pretix) REQ="pretix==$PRETIX_VERSION" ;;
            wagtail) REQ="wagtail==$WAGTAIL_VERSION" ;;
            nautobot) REQ="nautobot==$NAUTOBOT_VERSION" ;;
        esac
        # One wheel, used twice: installed into the venv and unpacked as seam's input.
        rm -rf "$DIST"
        mkdir -p "$DIST"
        log "downloading $REQ"
        timeout "$PIP_WALL_CLOCK" "$VENV/bin/pip" download "${PIP_OPTS[@]}" -q --no-deps \
            --only-binary :all: -d "$DIST" "$REQ"
        wheel=$(ls "$DIST"/*.whl)
        pip_install "$wheel" "Django==$DJANGO_VERSION"
        log "unpacking $(basename "$wheel") into $SRC"
        rm -rf "$SRC"
        mkdir -p "$SRC"
        "$VENV/bin/python" -m zipfile -e "$wheel" "$SRC"
        pkg=$PROJECT
        [[ -f $SRC/$pkg/__init__.py ]] || {
            log "the wheel has no $pkg/__init__.py"
            exit 1
        }
        if [[ $PROJECT == wagtail ]]; then
            # `wagtail start`'s project template (a home app whose .py files are Django
            # templates) is not wagtail's code and no settings install it.
            rm -rf "$SRC/wagtail/project_template"
        fi
        ;;
    fixture)
        pip_install "Django==$DJANGO_VERSION" "djangorestframework==$DRF_VERSION"
        ;;
esac

"$VENV/bin/pip" freeze --disable-pip-version-check >"$DIR/freeze.txt"
echo "$want" >"$STAMP"
log "ready"
