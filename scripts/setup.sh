#!/usr/bin/env bash
# Installs everything kernelhub needs on a fresh Debian machine, idempotently:
# PoCL (a real CPU OpenCL implementation) from Debian, and the package with its
# CPU extras into ./.venv. Safe to re-run; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# Debian packages: PoCL (a CPU OpenCL driver), clang-19 + lld-19 + ROCm device libraries + HIP
# headers (HIP C++ for AMD targets, compile-only here), chromium (the HTML report's render test),
# clang-15 + llvm-spirv-15 (OpenCL C -> SPIR-V for SPIR-V candidates; Debian 12 has no llvm-spirv-19)
# and spirv-tools (spirv-val checks SPIR-V candidates before a driver sees them).
APT_PACKAGES="pocl-opencl-icd clang-19 lld-19 rocm-device-libs libamdhip64-dev chromium clang-15 llvm-spirv-15 spirv-tools"
missing=""
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing from Debian:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: WARNING cannot install$missing (needs root apt-get): backends say what they lack" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
echo "setup: installing kernelhub[dev] into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/kernelhub backends
