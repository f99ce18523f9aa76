"""Shared fixtures: small versions of real tasks, and evaluators with short limits."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

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


@contextmanager
def isa_sims_evaluator(**options) -> Iterator[Evaluator]:
    """An Evaluator whose registry holds the simulated machines even where the package is not
    installed (through KERNELHUB_PLUGINS, which workers inherit); the environment and the
    process-wide registry are put back afterwards so other modules never see the change."""
    from kernelhub import plugins
    old = os.environ.get("KERNELHUB_PLUGINS")
    if "isa_sims.plugin" not in (old or ""):
        os.environ["KERNELHUB_PLUGINS"] = ",".join(filter(None, [old, "isa_sims.plugin"]))
    plugins.reset_registry()
    try:
        with Evaluator(EvalOptions(**options)) as ev:
            yield ev
    finally:
        if old is None:
            os.environ.pop("KERNELHUB_PLUGINS", None)
        else:
            os.environ["KERNELHUB_PLUGINS"] = old
        plugins.reset_registry()


class SemanticsCoverage:
    """Which ISA instructions a test module checks against NumPy: ``@covers("vadd", ...)`` on a test
    records them, and ``covers.covered`` lets an enumerating test fail for any table row left out."""

    def __init__(self) -> None:
        self.covered: set[str] = set()

    def __call__(self, *mnemonics: str):
        def mark(fn):
            self.covered.update(mnemonics)
            return fn
        return mark
