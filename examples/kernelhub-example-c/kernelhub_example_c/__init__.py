"""kernelhub plugin: the ``c`` backend (plain C kernels built by the system C compiler).

This module is what the entry point names (``[project.entry-points.kernelhub] c =
"kernelhub_example_c"``). kernelhub imports it during discovery and calls the hooks
below; keep it cheap to import: no compiler runs here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from kernelhub.hookspecs import hookimpl
from kernelhub_example_c.backend import CBackend

__all__ = ["CBackend", "kernelhub_register_backends", "kernelhub_starter"]

STARTERS = Path(__file__).with_name("starters")


@hookimpl
def kernelhub_register_backends(register: Callable[[CBackend], None]) -> None:
    register(CBackend())


@hookimpl
def kernelhub_starter(task, backend: str, language: str) -> str | None:
    """A known-good C starter for the tasks shipped in ``starters/<task>.c``; None for the rest,
    so another plugin may answer."""
    if backend != CBackend.name or language != "c":
        return None
    path = STARTERS / f"{task.name}.c"
    return path.read_text() if path.is_file() else None
