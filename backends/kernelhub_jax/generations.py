"""Published peaks of the TPU generations the compile-only backends target.

The estimated roofline divides a kernel's FLOPs and bytes by these numbers. They are the vendor's
per-chip datasheet figures (dense bf16 MXU throughput, HBM bandwidth), declared, never measured:
every number derived from them is labelled an estimate. f32 matmuls at HIGHEST precision take
several bf16 MXU passes, so for f32 tasks the compute roof is an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TpuGeneration:
    key: str                  #: backend suffix: jax-tpu-<key>
    topology: str             #: get_topology_desc(topology_name=...)
    device_kind: str          #: what the compiled topology's devices call themselves
    peak_bf16_flops: float    #: dense bf16 FLOP/s per chip
    hbm_bytes_per_s: float    #: HBM bandwidth per chip
    hbm_bytes: int            #: HBM capacity per chip
    vmem_bytes: int           #: VMEM per TensorCore
    source: str               #: where the numbers come from


GENERATIONS: dict[str, TpuGeneration] = {g.key: g for g in (
    TpuGeneration("v4", "v4:2x2x1", "TPU v4", 275e12, 1228e9, 32 << 30, 16 << 20,
                  "Google Cloud TPU v4 datasheet (275 TFLOP/s bf16, 1228 GB/s HBM2)"),
    TpuGeneration("v5e", "v5e:2x2", "TPU v5 lite", 197e12, 819e9, 16 << 30, 128 << 20,
                  "Google Cloud TPU v5e datasheet (197 TFLOP/s bf16, 819 GB/s HBM2e)"),
    TpuGeneration("v5p", "v5p:2x2x1", "TPU v5", 459e12, 2765e9, 95 << 30, 95 << 20,
                  "Google Cloud TPU v5p datasheet (459 TFLOP/s bf16, 2765 GB/s HBM2e)"),
    TpuGeneration("v6e", "v6e:2x2", "TPU v6 lite", 918e12, 1640e9, 32 << 30, 128 << 20,
                  "Google Cloud TPU v6e (Trillium) datasheet (918 TFLOP/s bf16, 1640 GB/s HBM)"),
)}

#: the generations registered as backends (compile-only here)
REGISTERED = ("v5e", "v6e")


def estimate(gen: TpuGeneration, flops: float, nbytes: float) -> dict[str, float | str]:
    """Roofline estimate: the lower-bound time max(flops/peak, bytes/bandwidth) and what bounds it."""
    t_c = flops / gen.peak_bf16_flops if flops else 0.0
    t_m = nbytes / gen.hbm_bytes_per_s if nbytes else 0.0
    ridge = gen.peak_bf16_flops / gen.hbm_bytes_per_s
    return {"est_seconds": max(t_c, t_m), "est_bound": "compute" if t_c >= t_m else "memory",
            "intensity_flops_per_byte": (flops / nbytes) if nbytes else 0.0, "ridge_flops_per_byte": ridge}
