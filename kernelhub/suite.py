"""Task-suite validation: a task whose outputs cannot tell a cheat from a kernel is rejected.

Following robust-kbench's build-time filters: the reference must run at every
shape, its outputs must depend on the inputs (two seeds differ), must not be
near-constant, and an all-zeros answer must fail the task's tolerance.
"""

from __future__ import annotations

import numpy as np

from kernelhub import taskrt
from kernelhub.checking import compare
from kernelhub.errors import UserError
from kernelhub.models import Task

MIN_RELATIVE_SPREAD = 1e-3


def validate_task(task: Task, max_elements: int = 1 << 22) -> list[str]:
    """Problems found (empty: the task is usable). Checks the smallest visible shape and
    every held-out shape small enough to be cheap."""
    problems: list[str] = []
    try:
        taskrt.load_callable(task.reference, "reference")
        for s in task.shapes():
            taskrt.counts(task, s.values)
    except Exception as e:
        return [str(e)]
    shapes = sorted(task.shapes(include_heldout=False), key=lambda s: _size(task, s.values))[:1]
    shapes += [s for s in task.shapes()[len(task.visible_shapes):] if _size(task, s.values) <= max_elements]
    for shape in shapes:
        try:
            a = taskrt.generate_inputs(task, shape.values, 1)
            b = taskrt.generate_inputs(task, shape.values, 2)
            ra = taskrt.reference_outputs(task, a, shape.values)
            rb = taskrt.reference_outputs(task, b, shape.values)
        except UserError as e:
            problems.append(f"{shape.label}: {e}")
            continue
        except Exception as e:
            problems.append(f"{shape.label}: reference or generator failed: {type(e).__name__}: {e}")
            continue
        if shape.label.startswith("visible"):
            for spec in task.signature.outputs:
                x, y = ra[spec.name], rb[spec.name]
                if np.array_equal(x, y):
                    problems.append(f"{shape.label}: output {spec.name} does not depend on the inputs")
                if x.size > 1 and x.dtype.kind == "f":
                    spread = float(np.std(x))
                    if spread <= MIN_RELATIVE_SPREAD * max(float(np.max(np.abs(x))), 1e-30):
                        problems.append(f"{shape.label}: output {spec.name} is near-constant (std {spread:.3g})")
                zeros = np.zeros_like(x, dtype=spec.dtype)
                if compare(spec.name, zeros, x, task.tolerances.get(spec.dtype)).passed:
                    problems.append(f"{shape.label}: an all-zeros {spec.name} passes the tolerance")
    return problems


def _size(task: Task, shape: dict[str, int]) -> int:
    return sum(int(np.prod(taskrt.dims_of(t, shape))) for t in task.signature.inputs + task.signature.outputs)
