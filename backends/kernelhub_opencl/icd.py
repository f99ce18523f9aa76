"""OpenCL drivers the ICD loader would miss, made visible through a vendors directory.

Two drivers this project meets are installed without a working ICD file:

* Intel's CPU runtime from PyPI (``pip install intel-opencl-rt``) ships
  ``<prefix>/etc/OpenCL/vendors/intel-cpu.icd`` naming a build-time placeholder
  path (``/opt/anaconda1anaconda2anaconda3/lib/libintelocl.so``); the real
  library is ``<prefix>/lib/libintelocl.so``.
* NVIDIA's driver puts ``libnvidia-opencl.so.1`` on GPU machines (containers
  mount it) without ``/etc/OpenCL/vendors/nvidia.icd``.

When such a library exists, :func:`icd_env` writes a vendors directory holding
the system's own ``.icd`` files (first, so device 0 stays what it was) plus one
file per found library, and returns ``{"OCL_ICD_VENDORS": dir}``. Both ICD
loaders in play read it: ocl-icd (bundled in pyopencl's wheel; it predates
``OCL_ICD_FILENAMES``) and Khronos' loader (Intel's ``libOpenCL.so``, used by
dpctl/SYCL). Finding the libraries is a few ``stat`` calls; no driver is loaded.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path

SYSTEM_VENDORS = Path("/etc/OpenCL/vendors")
#: Directories searched for NVIDIA's OpenCL library (driver installs and container mounts).
NVIDIA_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64",
               "/usr/local/nvidia/lib", "/usr/lib/aarch64-linux-gnu")


def _prefixes() -> list[Path]:
    seen: list[Path] = []
    for p in (sys.prefix, sys.base_prefix, os.environ.get("CONDA_PREFIX", "")):
        if p and Path(p) not in seen:
            seen.append(Path(p))
    return seen


def _system_icds() -> dict[str, str]:
    """name -> library named by each readable system ICD file."""
    out: dict[str, str] = {}
    if SYSTEM_VENDORS.is_dir():
        for f in sorted(SYSTEM_VENDORS.glob("*.icd")):
            try:
                out[f.name] = f.read_text().strip()
            except OSError:
                continue
    return out


def extra_libraries() -> dict[str, str]:
    """ICD name -> absolute path of each driver library present but not named by a system ICD."""
    system = _system_icds()
    named = {os.path.basename(lib) for lib in system.values()}
    found: dict[str, str] = {}
    for prefix in _prefixes():
        lib = prefix / "lib" / "libintelocl.so"
        if lib.exists() and "libintelocl.so" not in named:
            found["intel-cpu.icd"] = str(lib)
            break
    if not any("nvidia" in lib for lib in named):
        dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d] + list(NVIDIA_DIRS)
        for d in dirs:
            lib = Path(d) / "libnvidia-opencl.so.1"
            if lib.exists():
                found["nvidia.icd"] = str(lib)
                break
    return found


@lru_cache(maxsize=1)
def icd_env() -> dict[str, str]:
    """``{"OCL_ICD_VENDORS": dir}`` naming the system's drivers plus the extra ones found;
    empty when there is nothing to add or the user set a vendors directory.

    ``OCL_ICD_FILENAMES`` alone does not count as the user's choice: pyopencl's bundled loader
    ignores it (the GPU machine's image sets it to name NVIDIA's driver, which pyopencl then
    never saw), so the libraries it names go into the vendors directory too."""
    if os.environ.get("OCL_ICD_VENDORS") or os.environ.get("OPENCL_VENDOR_PATH"):
        return {}
    extra = extra_libraries()
    named = {os.path.basename(lib) for lib in list(_system_icds().values()) + list(extra.values())}
    for i, lib in enumerate(x for x in os.environ.get("OCL_ICD_FILENAMES", "").split(":") if x):
        if os.path.basename(lib) not in named:
            extra[f"filenames-{i}.icd"] = lib
    if not extra:
        return {}
    files = {f"00-{name}": lib for name, lib in _system_icds().items()}
    files.update({f"50-{name}": lib for name, lib in extra.items()})
    digest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "kernelhub" / f"opencl-vendors-{digest}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, lib in files.items():
            path = folder / name
            if not path.exists() or path.read_text().strip() != lib:
                path.write_text(lib + "\n")
    except OSError:
        return {}
    return {"OCL_ICD_VENDORS": str(folder)}


def apply() -> dict[str, str]:
    """Put :func:`icd_env` into this process's environment (before the loader first runs;
    the user's own settings win). Returns what it set."""
    env = icd_env()
    for k, v in env.items():
        os.environ.setdefault(k, v)
    return env


def describe() -> list[str]:
    """One line per driver library this module added, for probe notes and the manual."""
    env = icd_env()
    if not env:
        return []
    return [f"OpenCL driver {lib} added through OCL_ICD_VENDORS={env['OCL_ICD_VENDORS']} (no working ICD file "
            f"named it)" for lib in extra_libraries().values()]
