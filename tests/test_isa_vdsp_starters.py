"""Every vdsp starter through the real pipeline at every visible and held-out shape of its task,
on every configuration (the held-out 'wide' one included). Slow: run with -m slow."""

from __future__ import annotations

import os

import pytest

from kernelhub.models import Candidate, Status

STARTERS = ("vector_add", "sum", "matmul")
BACKENDS = ("vdsp", "vdsp-small", "vdsp-wide")


@pytest.fixture(scope="module")
def evaluator():
    from kernelhub import plugins
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    from kernelhub.pipeline import EvalOptions, Evaluator
    old = os.environ.get("KERNELHUB_PLUGINS")
    if "isa_sims.plugin" not in (old or ""):
        os.environ["KERNELHUB_PLUGINS"] = ",".join(filter(None, [old, "isa_sims.plugin"]))
    plugins.reset_registry()
    with Evaluator(EvalOptions(policy=TimingPolicy.quick(), seeds_per_shape=1,
                               limits=Limits(run_timeout_s=120))) as ev:
        yield ev
    if old is None:
        os.environ.pop("KERNELHUB_PLUGINS", None)
    else:
        os.environ["KERNELHUB_PLUGINS"] = old
    plugins.reset_registry()


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
