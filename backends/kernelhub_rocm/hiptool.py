"""The HIP C++ toolchain: Debian's ``clang-19`` in HIP mode, device code only, for any target in
``targets.toml``, with ROCm's device libraries (``rocm-device-libs``) linked explicitly.

Why not the default device-library lookup (or Debian's ``hipcc``, ROCm 5.2 / clang 15): Debian's
device libraries (ROCm 5.2) have no ISA-version library for gfx942, so clang refuses gfx942 with
them, and clang 15 does not know gfx942 at all. The ISA-version library is a single constant
(``__oclc_ISA_version``); we build the missing one from OpenCL C with the same clang, and link the
same set clang links by itself for gfx90a (``-nogpulib`` plus ``-mlink-builtin-bitcode``), so both
targets go through one compiler and one library set."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile

ENV_CLANG = "KERNELHUB_HIP_CLANG"
ENV_DEVICE_LIBS = "KERNELHUB_ROCM_DEVICE_LIBS"
CLANGS = ("clang-19", "/usr/lib/llvm-19/bin/clang")
DEVICE_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu/amdgcn/bitcode", "/usr/lib/amdgcn/bitcode", "/opt/rocm/amdgcn/bitcode")
ROCM_PATHS = ("/usr", "/opt/rocm")
INSTALL = "apt-get install -y clang-19 lld-19 rocm-device-libs libamdhip64-dev"
#: device libraries clang links for HIP, in its order; the ISA-version library is added per target
LIBRARIES = ("hip", "ocml", "ockl", "oclc_daz_opt_off", "oclc_unsafe_math_off", "oclc_finite_only_off",
             "oclc_correctly_rounded_sqrt_on", "oclc_wavefrontsize64_on", "oclc_abi_version_500")


@functools.lru_cache(maxsize=1)
def clang() -> str | None:
    for c in ((os.environ.get(ENV_CLANG),) if os.environ.get(ENV_CLANG) else CLANGS):
        path = shutil.which(c) if c else None
        if path:
            return path
    return None


@functools.lru_cache(maxsize=1)
def device_libs() -> str | None:
    dirs = (os.environ[ENV_DEVICE_LIBS],) if os.environ.get(ENV_DEVICE_LIBS) else DEVICE_LIB_DIRS
    for d in dirs:
        if os.path.exists(os.path.join(d, "ocml.bc")):
            return d
    return None


def rocm_path() -> str | None:
    for p in ROCM_PATHS:
        if os.path.exists(os.path.join(p, "include", "hip", "hip_runtime.h")):
            return p
    return None


def missing() -> str | None:
    """None when HIP compiles here, else what is missing and how to install it."""
    if clang() is None:
        return f"clang-19 not found; {INSTALL}"
    if device_libs() is None:
        return f"ROCm device libraries (ocml.bc) not found in {', '.join(DEVICE_LIB_DIRS)}; {INSTALL}"
    if rocm_path() is None:
        return f"HIP headers (hip/hip_runtime.h) not found under {', '.join(ROCM_PATHS)}; {INSTALL}"
    return None


@functools.lru_cache(maxsize=1)
def version() -> str:
    exe = clang()
    if exe is None:
        return "clang missing"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"clang version ([\w.~+-]+)", out)
    libs = device_libs() or ""
    return f"clang {m.group(1) if m else '?'}; device libs {libs}"


def isa_version(arch: str) -> int:
    """gfx942 -> 9402, gfx90a -> 9010 (the value of ``__oclc_ISA_version``)."""
    m = re.fullmatch(r"gfx(\d+)([0-9a-f])([0-9a-f])", arch)
    if not m:
        raise ValueError(f"not a gfx target: {arch!r}")
    return int(m.group(1)) * 1000 + int(m.group(2), 16) * 100 + int(m.group(3), 16)


_isa_dir: str | None = None


def isa_library(arch: str) -> str:
    """Path of the ISA-version library for ``arch``: the device libraries' own, else one built here."""
    libs = device_libs()
    own = os.path.join(libs, f"oclc_isa_version_{arch[3:]}.bc") if libs else ""
    if own and os.path.exists(own):
        return own
    global _isa_dir
    if _isa_dir is None:
        _isa_dir = tempfile.mkdtemp(prefix="kh-rocm-isa-")
    out = os.path.join(_isa_dir, f"oclc_isa_version_{arch[3:]}.bc")
    if not os.path.exists(out):
        src = out[:-3] + ".cl"
        with open(src, "w") as f:
            f.write(f"__attribute__((visibility(\"protected\"))) __constant int __oclc_ISA_version = "
                    f"{isa_version(arch)};\n")
        r = subprocess.run([clang(), "-x", "cl", "-cl-std=CL2.0", "-target", "amdgcn-amd-amdhsa", "-nogpulib",
                            "-c", "-emit-llvm", "-O2", src, "-o", out], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"building the ISA-version library for {arch} failed: {r.stderr.strip()[-800:]}")
    return out


def command(arch: str, src: str, out: str, extra: list[str]) -> list[str]:
    """Compile ``src`` to the code object ``out`` for ``arch``; ``-save-temps=obj`` leaves the
    AMDGCN assembly beside it (``<stem>-hip-amdgcn-amd-amdhsa-<arch>.s``)."""
    links: list[str] = []
    for lib in LIBRARIES:
        links += ["-Xclang", "-mlink-builtin-bitcode", "-Xclang", os.path.join(device_libs(), f"{lib}.bc")]
    links += ["-Xclang", "-mlink-builtin-bitcode", "-Xclang", isa_library(arch)]
    return [clang(), "-x", "hip", f"--offload-arch={arch}", "--cuda-device-only", "--no-gpu-bundle-output",
            "-nogpulib", f"--rocm-path={rocm_path()}", "-mcode-object-version=5", "-O3", "-save-temps=obj",
            *links, *extra, "-c", src, "-o", out]


def asm_path(src: str, out: str, arch: str) -> str:
    stem = os.path.splitext(os.path.basename(src))[0]
    return os.path.join(os.path.dirname(out), f"{stem}-hip-amdgcn-amd-amdhsa-{arch}.s")
