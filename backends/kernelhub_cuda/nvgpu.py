"""NVIDIA facts shared by the ``cuda`` and ``triton`` backends; pure Python, no GPU needed.

* whether an NVIDIA GPU is here (``nvidia-smi -L``, cached; ``KERNELHUB_NVIDIA_GPU=0/1`` overrides),
* the SM limits of the architectures we target, and the occupancy a kernel's resources allow,
* declared peak rates of the GPUs we run on (for the roofline when nothing is measured),
* parsers for ``ptxas -v`` and ``cuobjdump --dump-resource-usage`` reports.
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

ENV_GPU = "KERNELHUB_NVIDIA_GPU"


@dataclass(frozen=True)
class SMLimits:
    """Per-SM limits of one compute capability (CUDA occupancy calculator's table)."""

    arch: int
    regs_per_sm: int = 65536
    max_regs_per_thread: int = 255
    reg_alloc_unit: int = 256          # registers, allocated per warp
    smem_per_sm: int = 228 * 1024
    max_smem_per_block: int = 227 * 1024
    smem_reserved_per_block: int = 1024  # the runtime keeps 1 KiB per resident block (sm_80+)
    max_warps_per_sm: int = 64
    max_blocks_per_sm: int = 32
    max_threads_per_block: int = 1024
    sm_count: int | None = None


#: sm_90 (H100 SXM: 132 SMs), sm_80 (A100: 108 SMs), sm_89 (Ada).
LIMITS = {
    90: SMLimits(90, sm_count=132),
    80: SMLimits(80, smem_per_sm=164 * 1024, max_smem_per_block=163 * 1024, sm_count=108),
    89: SMLimits(89, smem_per_sm=100 * 1024, max_smem_per_block=99 * 1024, max_warps_per_sm=48,
                 max_blocks_per_sm=24),
}


def limits(arch: int) -> SMLimits:
    return LIMITS.get(arch, LIMITS[90])


def occupancy(regs_per_thread: int, threads_per_block: int, smem_per_block: int, arch: int = 90) -> dict[str, Any]:
    """Resident blocks and warps per SM these resources allow, and what limits them."""
    lim = limits(arch)
    warps = max(1, math.ceil(threads_per_block / 32))
    by: dict[str, int] = {"warps": lim.max_warps_per_sm // warps, "blocks": lim.max_blocks_per_sm}
    if regs_per_thread > 0:
        per_warp = math.ceil(regs_per_thread * 32 / lim.reg_alloc_unit) * lim.reg_alloc_unit
        by["registers"] = lim.regs_per_sm // (per_warp * warps)
    if smem_per_block > 0:
        by["shared_memory"] = (lim.smem_per_sm // (smem_per_block + lim.smem_reserved_per_block)
                               if smem_per_block <= lim.max_smem_per_block else 0)
    blocks = max(0, min(by.values()))
    limiter = min(by, key=lambda k: by[k])
    return {"blocks_per_sm": blocks, "warps_per_sm": blocks * warps,
            "occupancy": round(blocks * warps / lim.max_warps_per_sm, 4), "limited_by": limiter,
            "limits": by, "arch": f"sm_{arch}", "threads_per_block": threads_per_block}


# ---------------------------------------------------------------- the GPU here


@functools.lru_cache(maxsize=1)
def gpus() -> tuple[str, ...]:
    """Names of the NVIDIA GPUs here (empty without a driver). Cheap: no torch, no CUDA init."""
    forced = os.environ.get(ENV_GPU, "").strip()
    if forced == "0":
        return ()
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return ("NVIDIA GPU (forced by KERNELHUB_NVIDIA_GPU=1)",) if forced == "1" else ()
    try:
        out = subprocess.run([exe, "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(line.strip() for line in out.splitlines() if line.strip())


def gpu_present() -> bool:
    return bool(gpus())


def no_gpu_reason() -> str:
    if os.environ.get(ENV_GPU, "").strip() == "0":
        return f"{ENV_GPU}=0 hides the GPU"
    if shutil.which("nvidia-smi") is None:
        return "no NVIDIA GPU here (no nvidia-smi, so no NVIDIA driver)"
    return "nvidia-smi lists no GPU"


@functools.lru_cache(maxsize=1)
def compute_capability() -> int:
    """Compute capability of GPU 0 as an int (90 for sm_90); 90 without a GPU (the target we cross-compile for)."""
    exe = shutil.which("nvidia-smi")
    if exe and gpu_present():
        try:
            out = subprocess.run([exe, "--query-gpu=compute_cap", "--format=csv,noheader"], capture_output=True,
                                 text=True, timeout=20).stdout.split()
            if out:
                major, _, minor = out[0].partition(".")
                return int(major) * 10 + int(minor or 0)
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    return 90


#: Declared peaks (datasheet, dense): bytes/s of HBM and FLOP/s for fp32 on CUDA cores, tf32 and bf16 tensor cores.
PEAKS = [
    ("H200", {"bytes": 4.8e12, "fp32": 66.9e12, "tf32": 494.7e12, "bf16": 989.4e12, "sms": 132}),
    ("H100 NVL", {"bytes": 3.9e12, "fp32": 60.0e12, "tf32": 417.5e12, "bf16": 835.0e12, "sms": 132}),
    ("H100 PCIe", {"bytes": 2.0e12, "fp32": 51.2e12, "tf32": 378.0e12, "bf16": 756.0e12, "sms": 114}),
    ("H100", {"bytes": 3.35e12, "fp32": 66.9e12, "tf32": 494.7e12, "bf16": 989.4e12, "sms": 132}),
    ("A100", {"bytes": 2.0e12, "fp32": 19.5e12, "tf32": 156.0e12, "bf16": 312.0e12, "sms": 108}),
]


def declared_peaks(name: str) -> dict[str, float] | None:
    for key, peaks in PEAKS:
        if key.lower() in name.lower():
            return peaks
    return None


# ---------------------------------------------------------------- resource reports

_FN = re.compile(r"(?:Compiling entry function|Function properties for) '?(?P<name>[\w$.]+)'?")
_STACK = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers")
_SMEM = re.compile(r"(\d+) bytes smem")
_CMEM = re.compile(r"(\d+) bytes cmem\[0\]")
_BARRIERS = re.compile(r"used (\d+) barriers")


def parse_ptxas_v(log: str) -> dict[str, dict[str, int]]:
    """``ptxas -v`` (also through ``nvcc -Xptxas -v``) -> kernel -> registers, spills, shared, stack."""
    out: dict[str, dict[str, int]] = {}
    cur: str | None = None
    for line in log.splitlines():
        m = _FN.search(line)
        if m:
            cur = m.group("name")
            out.setdefault(cur, {})
            continue
        if cur is None:
            continue
        e = out[cur]
        if (m := _STACK.search(line)):
            e["stack_bytes"], e["spill_store_bytes"], e["spill_load_bytes"] = map(int, m.groups())
        if (m := _USED.search(line)):
            e["registers"] = int(m.group(1))
        if (m := _SMEM.search(line)):
            e["static_shared_bytes"] = int(m.group(1))
        if (m := _CMEM.search(line)):
            e["constant_bytes"] = int(m.group(1))
        if (m := _BARRIERS.search(line)):
            e["barriers"] = int(m.group(1))
    for e in out.values():
        e.setdefault("static_shared_bytes", 0)
    return out


_RES = re.compile(r"Function (?P<name>[\w$.]+):\s*\n\s*REG:(?P<reg>\d+) STACK:(?P<stack>\d+) SHARED:(?P<shared>\d+) "
                  r"LOCAL:(?P<local>\d+)")


def parse_cuobjdump(text: str) -> dict[str, dict[str, int]]:
    """``cuobjdump --dump-resource-usage`` -> kernel -> registers, stack, shared, local bytes."""
    return {m.group("name"): {"registers": int(m.group("reg")), "stack_bytes": int(m.group("stack")),
                              "static_shared_bytes": int(m.group("shared")), "local_bytes": int(m.group("local"))}
            for m in _RES.finditer(text)}
