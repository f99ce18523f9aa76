"""Every task's starter on every CPU backend, through the full pipeline (timing off):
all visible shapes with fresh seeds and every held-out shape must be correct."""

from __future__ import annotations

import pytest

from kernelhub.backend import TimingPolicy
from kernelhub.isolation import Limits
from kernelhub.models import Candidate, Status
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

BACKENDS = ["numba", "opencl"]


@pytest.fixture(scope="module")
def checker():
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                       limits=Limits(compile_timeout_s=120, run_timeout_s=60))
    with Evaluator(opts) as ev:
        yield ev


def _cases():
    reg = registry()
    return [(t, b) for b in BACKENDS for t in sorted(n for n, task in reg.tasks.items() if task.source == "tasks")]


@pytest.mark.parametrize("task,backend", _cases())
def test_starter_is_correct(checker, task, backend):
    reg = registry()
    if not reg.backend(backend).probe().run:
        pytest.skip(f"{backend} cannot run here: {reg.backend(backend).probe().reasons}")
    source = reg.starter(reg.task(task), backend)
    if source is None and backend == "numba" and any(t.dtype == "float16" for t in reg.task(task).signature.inputs):
        pytest.skip("numba's CPU target has no float16 arrays: the task says so by having no numba starter")
    assert source, f"task {task} has no starter for {backend}"
    ev = checker.evaluate(task, Candidate(backend=backend, source=source, filename=f"{task}.starter"))
    assert ev.status == Status.correct, f"{ev.status.value}: {ev.message}"


def test_every_task_passes_suite_validation():
    from kernelhub.suite import validate_task
    problems = {name: validate_task(t) for name, t in registry().tasks.items()}
    assert not {k: v for k, v in problems.items() if v}


def test_suite_breadth():
    tasks = registry().tasks.values()
    assert len(tasks) >= 16
    assert len({t.category for t in tasks}) >= 8
