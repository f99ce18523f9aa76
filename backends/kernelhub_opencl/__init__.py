"""The ``opencl`` backend plugin: OpenCL C kernels with ``//!`` launch directives.

Importing this module must stay cheap: pyopencl is imported lazily. Registration
enumerates the OpenCL devices (about 0.2 s: pyopencl's import plus each driver's
initialisation) to register one backend per device: ``opencl`` (the selected
device, default [0]) and ``opencl:<index>`` for every other one, so ``kernelhub
bench`` shows the same kernel on each device as its own row.
"""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

from kernelhub_opencl.backend import OpenCLBackend

__all__ = ["OpenCLBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(OpenCLBackend())
    for ref in _other_devices():
        register(OpenCLBackend(device=ref.index, label=ref.label))


def _other_devices() -> list:
    """Devices after [0]; none when pyopencl or the drivers are missing or broken
    (``opencl``'s probe then says why)."""
    try:
        from kernelhub_opencl.devices import all_devices
        return all_devices()[1:]
    except Exception:
        return []
