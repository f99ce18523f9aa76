#!/usr/bin/env bash
# Installs everything kernelhub needs on a fresh Debian machine, idempotently:
# PoCL (a real CPU OpenCL implementation) from Debian, and the package with its
# CPU extras into ./.venv. Safe to re-run; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if ! ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing PoCL (CPU OpenCL) from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocl-opencl-icd >/dev/null
  else
    echo "setup: WARNING no OpenCL driver and no root apt-get: the opencl backend will say it is unavailable" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
echo "setup: installing kernelhub[dev] into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/kernelhub backends
