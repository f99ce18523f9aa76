"""Naive and tuned starters of the Tessera tile mesh through the real pipeline.

Fast: every starter, naive and tuned, on small shapes that still leave tiles idle, cut rows
and chunks unevenly and hit the edge cases (n = 1, clipped conv windows, M < tiles), on the
default config and the held-out wide one. Slow (-m slow): every visible and held-out shape of
each task, on every configuration (mesh, mesh-small and the held-out mesh-wide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernelhub.models import Candidate, Status
from conftest import isa_sims_evaluator

STARTERS = Path(__file__).resolve().parent.parent / "isa_sims" / "mesh" / "starters"
BACKENDS = ("mesh", "mesh-small", "mesh-wide")
SMALL = {
    "vector_add": ([{"n": 20_011}], [{"n": 1}]),
    "sum": ([{"n": 20_011}], [{"n": 1}]),
    "silu": ([{"n": 20_011}], [{"n": 1}]),
    "prefix_sum": ([{"n": 20_011}], [{"n": 1}, {"n": 1025}]),
    "row_sum": ([{"M": 37, "N": 1000}, {"M": 3, "N": 20_011}], [{"M": 1000, "N": 1}, {"M": 1, "N": 129}]),
    "gemv": ([{"M": 37, "N": 1000}, {"M": 5, "N": 9000}], [{"M": 1000, "N": 1}, {"M": 1, "N": 129}]),
    "conv1d": ([{"N": 20_011, "K": 7}], [{"N": 1, "K": 5}, {"N": 257, "K": 63}, {"N": 1000, "K": 1}]),
    "matmul": ([{"M": 70, "N": 96, "K": 80}], [{"M": 33, "N": 17, "K": 45}, {"M": 1, "N": 130, "K": 7}]),
}


def source(task: str, kind: str) -> str:
    return ((STARTERS / "naive") if kind == "naive" else STARTERS).joinpath(f"{task}.s").read_text()


@pytest.fixture(scope="module")
def evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    with isa_sims_evaluator(policy=TimingPolicy.quick(), seeds_per_shape=1, limits=Limits(run_timeout_s=600)) as ev:
        yield ev


def check(evaluator, task, backend: str, src: str, name: str) -> None:
    ev = evaluator.evaluate(task, Candidate(backend=backend, source=src, filename=name))
    assert ev.status == Status.correct, ev.message
    assert all(r.ok for r in ev.runs) and any(r.purpose == "heldout" for r in ev.runs)


def test_eight_tasks_each_with_a_naive_and_a_tuned_starter():
    tuned = {p.stem for p in STARTERS.glob("*.s")}
    naive = {p.stem for p in (STARTERS / "naive").glob("*.s")}
    assert tuned == naive == set(SMALL) and len(tuned) >= 8
    assert {"matmul", "sum"} <= tuned  # matmul and a reduction


def test_naive_starters_use_no_neighbour_traffic_and_tuned_ones_use_the_grid():
    """The naive versions stay off the network; every tuned one spreads over the tiles (uses the
    tile id or the network), so the table's naive-vs-tuned comparison means what it says."""
    for task in SMALL:
        code = [ln.split("#")[0] for ln in source(task, "naive").splitlines()]
        assert not any(w in ln.split() for ln in code for w in ("post", "take", "muster")), task
        tuned = source(task, "tuned")
        assert "h31" in tuned or "post" in tuned, task


@pytest.mark.parametrize("kind", ("tuned", "naive"))
@pytest.mark.parametrize("task", sorted(SMALL))
def test_starter_small_shapes(evaluator, task, kind):
    t = evaluator.registry.task(task).model_copy(
        update={"visible_shapes": SMALL[task][0], "heldout_shapes": SMALL[task][1]})
    for backend in ("mesh", "mesh-wide"):
        check(evaluator, t, backend, source(task, kind), f"{task}.s")


def test_served_starter_is_the_tuned_one(evaluator):
    t = evaluator.registry.task("gemv")
    assert evaluator.registry.starter(t, "mesh") == source("gemv", "tuned")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ("tuned", "naive"))
@pytest.mark.parametrize("task", sorted(SMALL))
def test_starter_correct_everywhere(evaluator, task, kind, backend):
    check(evaluator, evaluator.registry.task(task), backend, source(task, kind), f"{task}.s")
