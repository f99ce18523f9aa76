"""kernelhub plugin: the ``numba`` backend (LLVM-compiled ``@njit`` Python kernels on the host CPU).

Importing this module must stay cheap (plugin discovery imports every plugin), so
numba itself is imported only inside the backend's methods.
"""

from __future__ import annotations

from typing import Callable

from kernelhub.hookspecs import hookimpl
from kernelhub_numba.backend import NumbaBackend

__all__ = ["NumbaBackend", "kernelhub_register_backends"]


@hookimpl
def kernelhub_register_backends(register: Callable[[NumbaBackend], None]) -> None:
    register(NumbaBackend())
