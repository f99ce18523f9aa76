"""Which device JAX's default backend will be in a worker, decided without importing JAX
(the harness never imports it), and the worker environment that goes with it."""

from __future__ import annotations

import glob
import importlib.util
import os

INSTALL = "pip install 'jax' 'libtpu' (CPU and TPU compile-only); on an NVIDIA host also 'jax[cuda12]'"


def jax_missing() -> str | None:
    return None if importlib.util.find_spec("jax") is not None else f"jax is not installed; {INSTALL}"


def libtpu_missing() -> str | None:
    return None if importlib.util.find_spec("libtpu") is not None else (
        f"libtpu is not installed (the TPU compiler JAX uses for ahead-of-time TPU compiles); {INSTALL}")


def _cuda_plugin() -> bool:
    return any(importlib.util.find_spec(m) is not None for m in ("jax_cuda12_plugin", "jax_cuda13_plugin"))


def default_platform() -> str:
    """'tpu', 'gpu' or 'cpu': what jax.devices()[0] will be in the worker."""
    forced = os.environ.get("JAX_PLATFORMS", "").split(",")[0].strip().lower()
    if forced:
        return {"cuda": "gpu", "rocm": "gpu"}.get(forced, forced)
    if glob.glob("/dev/accel*") or glob.glob("/dev/vfio/[0-9]*"):
        return "tpu"
    if os.path.exists("/dev/nvidiactl") and _cuda_plugin():
        return "gpu"
    return "cpu"


def worker_env(platform: str) -> dict[str, str]:
    """Pin JAX to the platform (libtpu otherwise probes for a TPU and prints warnings on every
    start) and keep it from grabbing 75% of GPU memory up front."""
    if platform == "cpu":
        return {"JAX_PLATFORMS": "cpu"}
    if platform == "gpu":
        return {"JAX_PLATFORMS": "cuda", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    return {}


def tpu_compile_env() -> dict[str, str]:
    """Workers that only compile for a TPU: no TPU platform to probe, and libtpu's one-process
    lockfile (/tmp/libtpu_lockfile) off, since nothing here owns a TPU and several workers (one
    per generation, other sessions) load libtpu at once."""
    return {"JAX_PLATFORMS": "cpu", "ALLOW_MULTIPLE_LIBTPU_LOAD": "1"}
