"""The Loom systolic engine's starters, naive and tuned, through the real evaluation pipeline.

Fast: every starter (naive and tuned) on small shapes that still cut tiles and blocks, leave partial
rows and vectors and take the long-row paths, on every configuration (the held-out `systolic-large`
included). Slow (-m slow): every starter at every visible and held-out shape of its task, on every
configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernelhub.models import Candidate, Status
from conftest import isa_sims_evaluator

STARTERS = Path(__file__).resolve().parent.parent / "isa_sims" / "systolic" / "starters"
BACKENDS = ("systolic", "systolic-small", "systolic-large")
ROWS = ([{"M": 37, "N": 1000}], [{"M": 3, "N": 20_011}, {"M": 1000, "N": 1}, {"M": 1, "N": 129},
                                  {"M": 2000, "N": 7}])
ELEMENTWISE = ([{"n": 1000}], [{"n": 1}, {"n": 40_011}])
#: task -> (visible, held-out) small shapes
SMALL = {
    "vector_add": ELEMENTWISE, "silu": ELEMENTWISE, "gelu": ELEMENTWISE, "sum": ELEMENTWISE,
    "row_sum": ROWS, "rmsnorm": ROWS, "softmax": ROWS, "layernorm": ROWS,
    "gemv": ([{"M": 37, "N": 1000}, {"M": 5, "N": 8192}], [{"M": 1000, "N": 1}, {"M": 1, "N": 129}]),
    "matmul": ([{"M": 130, "N": 150, "K": 40}], [{"M": 33, "N": 17, "K": 45}, {"M": 1, "N": 40, "K": 3}]),
    "conv2d": ([{"N": 2, "C": 5, "H": 10, "W": 21, "O": 7, "OH": 8, "OW": 19}],
               [{"N": 1, "C": 1, "H": 3, "W": 3, "O": 1, "OH": 1, "OW": 1},
                {"N": 1, "C": 40, "H": 6, "W": 5, "O": 1, "OH": 4, "OW": 3},
                {"N": 2, "C": 3, "H": 5, "W": 40, "O": 40, "OH": 3, "OW": 38},
                {"N": 1, "C": 40, "H": 5, "W": 5, "O": 80, "OH": 3, "OW": 3}]),  # several output-channel blocks
    "conv1d": ([{"N": 1000, "K": 7}], [{"N": 1, "K": 5}, {"N": 20_011, "K": 1}, {"N": 257, "K": 63},
                                        {"N": 9000, "K": 31}]),
}


def starters() -> list[tuple[str, str]]:
    """(task, 'tuned' | 'naive') for every starter file."""
    return ([(p.stem, "tuned") for p in sorted(STARTERS.glob("*.s"))]
            + [(p.stem, "naive") for p in sorted((STARTERS / "naive").glob("*.s"))])


def source(task: str, kind: str) -> str:
    return ((STARTERS / "naive" if kind == "naive" else STARTERS) / f"{task}.s").read_text()


@pytest.fixture(scope="module")
def evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    with isa_sims_evaluator(policy=TimingPolicy.quick(), seeds_per_shape=1, limits=Limits(run_timeout_s=300)) as ev:
        yield ev


def check(evaluator, task, backend: str, src: str, name: str) -> None:
    ev = evaluator.evaluate(task, Candidate(backend=backend, source=src, filename=name))
    assert ev.status == Status.correct, f"{name} on {backend}: {ev.message}"
    assert all(r.ok for r in ev.runs) and any(r.purpose == "heldout" for r in ev.runs)


def test_starter_set_meets_the_bar():
    """At least 8 tasks, matmul and a reduction among them, each with a naive and a tuned version, and
    every one of them covered by the fast shapes below."""
    kinds = starters()
    tuned = {t for t, k in kinds if k == "tuned"}
    naive = {t for t, k in kinds if k == "naive"}
    assert tuned == naive
    assert len(tuned) >= 8 and "matmul" in tuned and tuned & {"sum", "row_sum"}
    assert tuned == set(SMALL)


@pytest.mark.parametrize("kind", ("tuned", "naive"))
@pytest.mark.parametrize("task", sorted(SMALL))
def test_starter_small_shapes(evaluator, task, kind):
    t = evaluator.registry.task(task).model_copy(
        update={"visible_shapes": SMALL[task][0], "heldout_shapes": SMALL[task][1]})
    for backend in BACKENDS:
        check(evaluator, t, backend, source(task, kind), f"{task}.s")


def test_served_starter_is_the_tuned_one(evaluator):
    for task in ("sum", "softmax"):
        t = evaluator.registry.task(task)
        assert evaluator.registry.starter(t, "systolic") == source(task, "tuned")
        assert evaluator.registry.starter(t, "systolic-large") == source(task, "tuned")


@pytest.mark.slow
@pytest.mark.parametrize("task,kind,backend", [(t, k, b) for t, k in starters() for b in BACKENDS])
def test_starter_correct_everywhere(evaluator, task, kind, backend):
    check(evaluator, evaluator.registry.task(task), backend, source(task, kind), f"{task}.s")
