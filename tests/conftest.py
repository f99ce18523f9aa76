"""Shared fixtures: small versions of real tasks, and evaluators with short limits."""

from __future__ import annotations

import pytest

from kernelhub.backend import TimingPolicy
from kernelhub.isolation import Limits
from kernelhub.models import Candidate, Task
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry


def small_task(name: str = "vector_add", visible=None, heldout=None) -> Task:
    """A registered task with small shapes so core tests stay fast."""
    t = registry().task(name)
    update = {}
    if visible is not None:
        update["visible_shapes"] = visible
    if heldout is not None:
        update["heldout_shapes"] = heldout
    return t.model_copy(update=update)


@pytest.fixture(scope="module")
def evaluator():
    opts = EvalOptions(policy=TimingPolicy.quick(),
                       limits=Limits(compile_timeout_s=60, run_timeout_s=5, memory_bytes=1 << 30))
    with Evaluator(opts) as ev:
        yield ev


@pytest.fixture(scope="module")
def tiny_add() -> Task:
    return small_task("vector_add", visible=[{"n": 1000}, {"n": 4096}], heldout=[{"n": 1}, {"n": 1537}])


def null_candidate(source: str, **kw) -> Candidate:
    return Candidate(backend="null", source=source, filename="cand.py", **kw)
