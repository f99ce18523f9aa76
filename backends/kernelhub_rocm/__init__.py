"""kernelhub plugin: AMD ROCm backends for CDNA targets (gfx942 MI300X, gfx90a MI250X).

* ``rocm-triton``: the ``triton`` backend's candidates, cross-compiled by Triton's AMD backend
  (resources, occupancy, MFMA summary) and run in Triton's interpreter without an AMD GPU.
* ``rocm-hip``: HIP C++ with ``//!`` launch directives, compiled by clang-19 with ROCm's device
  libraries; compile-only without an AMD GPU.

Two backends rather than one with two languages: they differ in what runs here (interpreter vs
compile-only), in timing method and in the ``interpreted`` flag, which the core keeps per backend.
Importing this module stays cheap: no triton, no torch."""

from __future__ import annotations

from pathlib import Path

from kernelhub.hookspecs import hookimpl

from kernelhub_rocm.hip_backend import RocmHipBackend
from kernelhub_rocm.triton_backend import RocmTritonBackend

__all__ = ["RocmHipBackend", "RocmTritonBackend", "kernelhub_register_backends"]

STARTERS = Path(__file__).resolve().parents[2] / "tasks" / "starters" / "hip"


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(RocmTritonBackend())
    register(RocmHipBackend())
