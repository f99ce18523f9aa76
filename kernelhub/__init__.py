"""kernelhub: compile, run, time and check compute kernels identically across hardware.

Importing this package is cheap: no platform framework (torch, jax, triton,
pyopencl, numba) is imported until a backend is used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from kernelhub.hookspecs import hookimpl  # noqa: E402  (plugins need it; pluggy is light)

_LAZY = {
    "evaluate": "kernelhub.pipeline", "Evaluator": "kernelhub.pipeline", "EvalOptions": "kernelhub.pipeline",
    "registry": "kernelhub.plugins", "Backend": "kernelhub.backend", "TimingPolicy": "kernelhub.backend",
    "Candidate": "kernelhub.models", "Task": "kernelhub.models", "Evaluation": "kernelhub.models",
    "render_feedback": "kernelhub.feedback",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kernelhub' has no attribute {name!r}")


__all__ = ["__version__", "hookimpl", *_LAZY]
