"""The ``sycl`` backend plugin: OpenCL C kernels with ``//!`` launch directives, built and
run through a SYCL runtime (dpctl: kernel bundles, USM memory, profiling queues).

Importing this module stays cheap: dpctl is imported inside the backend's methods.
"""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

from kernelhub_sycl.backend import SyclBackend

__all__ = ["SyclBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(SyclBackend())
