"""kernelhub plugin: the ``cuda`` backend (CUDA C++ with //! launch directives; nvcc; cupy on a GPU,
compile-only without one). :mod:`kernelhub_cuda.nvgpu` also serves the triton backend.
Importing this module stays cheap: no cupy, no torch."""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

from kernelhub_cuda.backend import CudaBackend

__all__ = ["CudaBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(CudaBackend())
