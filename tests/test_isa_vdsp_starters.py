"""Every vdsp starter through the real pipeline at every visible and held-out shape of its task,
on every configuration (the held-out 'wide' one included). Slow: run with -m slow."""

from __future__ import annotations


import pytest

from kernelhub.models import Candidate, Status
from conftest import isa_sims_evaluator

STARTERS = ("vector_add", "sum", "matmul")
BACKENDS = ("vdsp", "vdsp-small", "vdsp-wide")


@pytest.fixture(scope="module")
def evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    with isa_sims_evaluator(policy=TimingPolicy.quick(), seeds_per_shape=1, limits=Limits(run_timeout_s=120)) as ev:
        yield ev


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("task", STARTERS)
def test_starter_correct_everywhere(evaluator, task, backend):
    t = evaluator.registry.task(task)
    src = evaluator.registry.starter(t, backend)
    assert src, f"no starter for {task} on {backend}"
    ev = evaluator.evaluate(t, Candidate(backend=backend, source=src, filename=f"{task}.s"))
    assert ev.status == Status.correct, ev.message
    assert all(r.ok for r in ev.runs) and any(r.purpose == "heldout" for r in ev.runs)
