"""kernelhub plugin: the ``triton`` backend (``@triton.jit`` kernels plus a host function; real on an
NVIDIA GPU, Triton's interpreter plus an sm_90 cross-compile without one).

Importing this module stays cheap: triton and torch are imported only inside the backend's methods
(and only in its worker processes)."""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

from kernelhub_triton.backend import TritonBackend

__all__ = ["TritonBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(TritonBackend())
