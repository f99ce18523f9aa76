"""Every torch baseline a GPU backend times computes what the task's NumPy reference computes (run
here on the CPU build of torch, at each task's smallest shape), so a speedup is never measured against
different work."""

from __future__ import annotations

import numpy as np
import pytest

from kernelhub import taskrt
from kernelhub.checking import compare
from kernelhub.plugins import registry

torch = pytest.importorskip("torch", reason="torch is not installed")

TASKS = sorted(t.name for t in registry().tasks.values() if t.framework_references.get("torch"))


def _smallest(task):
    shapes = [dict(s) for s in task.visible_shapes + task.heldout_shapes]
    return min(shapes, key=lambda s: float(np.prod([v for v in s.values() if isinstance(v, int)])))


@pytest.mark.parametrize("name", TASKS)
def test_torch_reference_matches_numpy(name: str) -> None:
    task = registry().task(name)
    shape = _smallest(task)
    inputs = taskrt.generate_inputs(task, shape, seed=3)
    expected = taskrt.reference_outputs(task, inputs, shape)
    fn = taskrt.load_callable(task.framework_references["torch"], "torch reference")
    got = fn(**{k: torch.from_numpy(v.copy()) for k, v in inputs.items()}, **taskrt.params_for(task, shape))
    got = got if isinstance(got, (tuple, list)) else (got,)
    for spec, g in zip(task.signature.outputs, got):
        g = g.numpy().astype(spec.dtype)
        check = compare(spec.name, g, expected[spec.name], task.tolerances.get(spec.dtype))
        assert check.passed, f"{name}: {check.message}"


def test_every_suite_task_has_a_torch_baseline() -> None:
    """GPU speedups are then always against torch on the same device, never NumPy on the host."""
    import tasks
    missing = sorted(t.name for t in tasks.all_tasks() if not t.framework_references.get("torch"))
    assert not missing, missing
