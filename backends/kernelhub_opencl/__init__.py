"""The ``opencl`` backend plugin: OpenCL C kernels with ``//!`` launch directives.

Importing this module must stay cheap: pyopencl is imported lazily inside the
backend's methods, so listing plugins never loads an OpenCL driver.
"""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

from kernelhub_opencl.backend import OpenCLBackend

__all__ = ["OpenCLBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(OpenCLBackend())
