"""kernelhub plugin: the ``jax`` backend (JAX's default device; XLA:CPU with Pallas interpret mode
here) and compile-only ``jax-tpu-v5e`` / ``jax-tpu-v6e`` backends (real TPU compiles through libtpu
without a TPU).

Importing this module stays cheap: jax is imported only inside the backends' methods, in their
worker processes."""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

from kernelhub_jax.backend import JaxBackend, JaxTpuBackend, tpu_backends

__all__ = ["JaxBackend", "JaxTpuBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(JaxBackend())
    for b in tpu_backends():
        register(b)
