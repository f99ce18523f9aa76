"""The built-in task suite, registered through the same hooks as any plugin's.

Each category module defines ``TASKS``; starters live in
``starters/<language>/<task>.<ext>``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from kernelhub.hookspecs import hookimpl

CATEGORY_MODULES = [
    "elementwise", "activation", "reduction", "normalization", "matmul", "matmul_lowp", "matvec",
    "convolution", "scan", "attention", "gather_scatter", "histogram",
]
STARTERS = Path(__file__).with_name("starters")
#: language -> starter directory (several backends may share a language).
LANGUAGE_DIRS = {"numba": "numba", "opencl-c": "opencl", "triton": "triton", "cuda": "cuda", "hip": "hip", "jax": "jax",
                 "pallas": "pallas"}


def all_tasks() -> list:
    tasks = []
    for name in CATEGORY_MODULES:
        try:
            module = importlib.import_module(f"tasks.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"tasks.{name}":
                continue  # category not written yet
            raise
        tasks.extend(module.TASKS)
    return tasks


@hookimpl
def kernelhub_register_tasks(register) -> None:
    for task in all_tasks():
        register(task)


@hookimpl
def kernelhub_starter(task, backend: str, language: str) -> str | None:
    if language not in LANGUAGE_DIRS:
        return None  # not a language this suite ships starters for: let other plugins answer
    folder = STARTERS / LANGUAGE_DIRS[language]
    for path in sorted(folder.glob(f"{task.name}.*")):
        return path.read_text()
    return None
