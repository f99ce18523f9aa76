"""The AMD targets this backend compiles for (``targets.toml``) and the occupancy their register
files, LDS and wave slots allow a kernel. Pure Python: no toolchain, no GPU."""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ARCH = "gfx942"


@dataclass(frozen=True)
class Target:
    arch: str
    product: str
    compute_units: int
    simds_per_cu: int
    wavefront_size: int
    max_waves_per_simd: int
    max_workgroup_size: int
    max_barriers_per_cu: int
    vgprs_per_simd: int
    max_arch_vgprs_per_wave: int
    max_agprs_per_wave: int
    vgpr_alloc_granule: int
    sgprs_per_simd: int
    max_sgprs_per_wave: int
    sgpr_occupancy: tuple[tuple[int, int], ...]
    lds_per_cu_bytes: int
    max_lds_per_workgroup_bytes: int
    lds_alloc_granule_bytes: int
    peak_clock_mhz: int
    peak_bytes_per_s: float
    peaks_source: str
    peak_flops_per_s: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        d = dict(vars(self))
        d["sgpr_occupancy"] = [list(p) for p in self.sgpr_occupancy]
        return d


@functools.lru_cache(maxsize=1)
def targets() -> dict[str, Target]:
    raw = tomllib.loads(Path(__file__).with_name("targets.toml").read_text())
    out = {}
    for arch, v in raw.items():
        v = dict(v)
        v["sgpr_occupancy"] = tuple(tuple(p) for p in v["sgpr_occupancy"])
        out[arch] = Target(arch=arch, **v)
    return out


class UnknownTarget(ValueError):
    pass


def target(arch: str | None) -> Target:
    arch = (arch or DEFAULT_ARCH).strip()
    try:
        return targets()[arch]
    except KeyError:
        raise UnknownTarget(f"unknown AMD target {arch!r}; known: {', '.join(sorted(targets()))}") from None


def _align(n: int, g: int) -> int:
    return -(-n // g) * g


def unified_vgprs(arch_vgprs: int, agprs: int) -> int:
    """VGPRs a wave allocates on CDNA2/3, where AGPRs sit after the architected VGPRs in one file
    (the AGPR block starts at a multiple of 4: ``.amdhsa_accum_offset``)."""
    return _align(arch_vgprs, 4) + agprs if agprs else arch_vgprs


def occupancy(t: Target, *, vgprs: int, agprs: int = 0, sgprs: int = 0, lds_bytes: int = 0,
              workgroup_size: int = 256) -> dict[str, Any]:
    """Waves per SIMD that one kernel's resources allow on target ``t``, and what limits them.

    Each resource gives the waves per SIMD it allows; a workgroup of ``w`` waves spreads over the
    CU's SIMDs, so each limit becomes resident workgroups per CU (``waves_per_simd * simds // w``;
    LDS and barriers count workgroups directly). The smallest wins; the waves per SIMD reported
    are ``workgroups * w / simds`` (a mean when ``w`` is not a multiple of the SIMD count)."""
    wave = t.wavefront_size
    w = max(1, math.ceil(workgroup_size / wave))
    simds = t.simds_per_cu
    regs = unified_vgprs(vgprs, agprs)
    by_simd: dict[str, int] = {"wave_slots": t.max_waves_per_simd}
    alloc = _align(max(regs, 1), t.vgpr_alloc_granule)
    by_simd["vgprs"] = 0 if regs > t.vgprs_per_simd else min(t.max_waves_per_simd, t.vgprs_per_simd // alloc)
    if sgprs:
        by_simd["sgprs"] = min([t.max_waves_per_simd] + [wv for n, wv in t.sgpr_occupancy if sgprs <= n][:1]
                               or [0])
    wgs: dict[str, int] = {k: v * simds // w for k, v in by_simd.items()}
    if w > 1:
        wgs["barriers"] = t.max_barriers_per_cu
    lds_alloc = _align(lds_bytes, t.lds_alloc_granule_bytes) if lds_bytes > 0 else 0
    if lds_alloc:
        wgs["lds"] = 0 if lds_bytes > t.max_lds_per_workgroup_bytes else t.lds_per_cu_bytes // lds_alloc
    if workgroup_size > t.max_workgroup_size:
        wgs["workgroup_size"] = 0
    limiter = min(wgs, key=lambda k: wgs[k])
    n = wgs[limiter]
    waves = round(n * w / simds, 2)
    return {"waves_per_simd": waves, "occupancy": round(waves / t.max_waves_per_simd, 4),
            "workgroups_per_cu": n, "limited_by": limiter, "workgroups_per_cu_by": wgs,
            "waves_per_simd_by": by_simd, "waves_per_workgroup": w, "unified_vgprs": regs,
            "vgpr_alloc": alloc, "lds_alloc_bytes": lds_alloc, "arch": t.arch,
            "workgroup_size": workgroup_size}
