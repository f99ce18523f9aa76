"""One profile for both languages: per-kernel resources from the real code object, the occupancy
they allow on the target (``targets.occupancy``) and the AMDGCN instruction summary."""

from __future__ import annotations

from typing import Any

from kernelhub.models import Profile

from kernelhub_rocm import targets


def kernel_report(res: dict[str, Any], t: targets.Target, workgroup_size: int | None,
                  dynamic_lds_bytes: int = 0) -> dict[str, Any]:
    """``res`` is one entry of :func:`kernelhub_rocm.amdgcn.kernels`; adds LDS and occupancy."""
    e = dict(res)
    e["lds_bytes"] = e.get("static_lds_bytes", 0) + dynamic_lds_bytes
    if dynamic_lds_bytes:
        e["dynamic_lds_bytes"] = dynamic_lds_bytes
    if workgroup_size:
        e["occupancy"] = targets.occupancy(t, vgprs=e.get("arch_vgprs", e.get("vgpr_count", 0)),
                                           agprs=e.get("agprs", 0), sgprs=e.get("sgpr_count", 0),
                                           lds_bytes=e["lds_bytes"], workgroup_size=workgroup_size)
    return e


def build(platform: str, t: targets.Target, per: dict[str, dict[str, Any]], toolchain: str,
          extra: dict[str, Any] | None = None) -> Profile:
    head: dict[str, float | int | str] = {"target": t.arch, "kernels": len(per)}
    ok = [k for k in per.values() if "vgpr_count" in k]
    if ok:
        head["vgprs"] = max(k.get("arch_vgprs", k["vgpr_count"]) for k in ok)
        head["agprs"] = max(k.get("agprs", 0) for k in ok)
        head["sgprs"] = max(k.get("sgpr_count", 0) for k in ok)
        head["vgpr_spills"] = max(k.get("vgpr_spills", 0) for k in ok)
        head["sgpr_spills"] = max(k.get("sgpr_spills", 0) for k in ok)
        head["scratch_bytes"] = max(k.get("scratch_bytes", 0) for k in ok)
        head["lds_bytes"] = max(k.get("lds_bytes", 0) for k in ok)
        head["wavefront_size"] = max(k.get("wavefront_size", 64) for k in ok)
        head["mfma"] = sum(k["instructions"]["mfma"] + k["instructions"]["wmma"] for k in ok)
        occ = [k["occupancy"] for k in ok if "occupancy" in k]
        if occ:
            worst = min(occ, key=lambda o: o["waves_per_simd"])
            head["waves_per_simd"] = worst["waves_per_simd"]
            head["occupancy"] = worst["occupancy"]
            head["limited_by"] = worst["limited_by"]
    detail = {"kernels": per, "toolchain": toolchain, "target": t.summary(),
              "note": "resources from the code object's metadata and the compiler's kernel-info comments; "
                      "instruction counts are static (in the code, not executed); occupancy in waves per SIMD "
                      f"from the {t.arch} table in kernelhub_rocm/targets.toml"}
    detail.update(extra or {})
    return Profile(platform=platform, headline=head, detail=detail, static=True)
