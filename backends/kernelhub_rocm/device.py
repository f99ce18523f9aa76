"""Is an AMD GPU usable here, and which gfx target is it? Pure Python: reads the amdgpu kernel
driver's KFD topology (``/sys/class/kfd``) and ``/dev/kfd``; no ROCm runtime, no torch.
``KERNELHUB_AMD_GPU=0`` hides a GPU (for tests)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

ENV_GPU = "KERNELHUB_AMD_GPU"
KFD = "/dev/kfd"
TOPOLOGY = Path("/sys/class/kfd/kfd/topology/nodes")


@functools.lru_cache(maxsize=1)
def gpu_archs() -> tuple[str, ...]:
    """gfx names of the AMD GPUs the KFD driver lists (empty without one)."""
    if os.environ.get(ENV_GPU, "").strip() == "0" or not os.path.exists(KFD):
        return ()
    out = []
    for props in sorted(TOPOLOGY.glob("*/properties")):
        try:
            fields = dict(line.split(None, 1) for line in props.read_text().splitlines() if " " in line)
        except OSError:
            continue
        v = int(fields.get("gfx_target_version", "0").strip() or 0)
        if v:  # e.g. 90402 -> gfx942, 90010 -> gfx90a
            major, minor, step = v // 10000, (v // 100) % 100, v % 100
            out.append(f"gfx{major}{minor:x}{step:x}")
    return tuple(out)


def gpu_present() -> bool:
    return bool(gpu_archs())


def no_gpu_reason() -> str:
    if os.environ.get(ENV_GPU, "").strip() == "0":
        return f"{ENV_GPU}=0 hides the AMD GPU"
    if not os.path.exists(KFD):
        return "no AMD GPU: /dev/kfd absent (no amdgpu kernel driver)"
    return "no AMD GPU: /dev/kfd exists but the KFD topology lists no GPU node"
