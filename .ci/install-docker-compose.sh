#!/usr/bin/env bash
# Installs Debian's docker-compose (the Python implementation, 1.29) when it is missing,
# so the scaffold tests can validate generated compose files with `docker-compose
# config`, which needs no Docker engine. Idempotent; changes nothing else. Needs root
# (CI runs as root) and apt.
set -euo pipefail

if command -v docker-compose >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-docker-compose: apt-get not found; install docker-compose yourself" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-docker-compose: must run as root to apt-get install docker-compose" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends docker-compose >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends docker-compose >/dev/null; }
command -v docker-compose >/dev/null
