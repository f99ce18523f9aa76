"""Naive and tuned starters of the simulated machines through the real pipeline.

Fast: each new tuned starter (and its naive twin) on small shapes that still cut rows across
tiles and leave partial vectors. Slow (-m slow): every starter, naive and tuned, at every visible
and held-out shape of its task, on every configuration (the held-out ones included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernelhub.models import Candidate, Status
from conftest import isa_sims_evaluator

ROOT = Path(__file__).resolve().parent.parent / "isa_sims"
CONFIGS = {"vdsp": ("vdsp", "vdsp-small", "vdsp-wide")}
NEW = {"row_sum": ([{"M": 37, "N": 1000}, {"M": 3, "N": 20_011}], [{"M": 1000, "N": 1}, {"M": 1, "N": 129}]),
       "gemv": ([{"M": 37, "N": 1000}, {"M": 5, "N": 8192}], [{"M": 1000, "N": 1}, {"M": 1, "N": 129}]),
       # several tiles on every config (tiles of ~8K-64K elements), a partial last group, n = 1
       "vector_add": ([{"n": 1000}, {"n": 70_001}], [{"n": 1}, {"n": 1537}]),
       "sum": ([{"n": 1000}, {"n": 70_001}], [{"n": 1}, {"n": 1537}]),
       "silu": ([{"n": 1000}, {"n": 70_001}], [{"n": 1}, {"n": 1537}]),
       "gelu": ([{"n": 1000}, {"n": 70_001}], [{"n": 1}, {"n": 1537}]),
       # halos on both ends of a tile, K = 1 (no tap pairs), K wider than a short signal
       "conv1d": ([{"N": 1000, "K": 7}, {"N": 70_001, "K": 31}], [{"N": 1, "K": 5}, {"N": 1003, "K": 1},
                                                                   {"N": 257, "K": 63}]),
       # 1-row tiles (small config, N = 4096), padded rows, N = 1, and rows too long for a resident w
       "rmsnorm": ([{"M": 37, "N": 1000}, {"M": 5, "N": 4096}], [{"M": 1, "N": 7}, {"M": 3, "N": 20_011},
                                                                  {"M": 7, "N": 1}, {"M": 200, "N": 300}]),
       # -inf padding of rows (N = 7, 300, 1000), 1-row tiles, rows longer than a tile (naive path on small)
       "softmax": ([{"M": 37, "N": 1000}, {"M": 5, "N": 4096}], [{"M": 1, "N": 7}, {"M": 3, "N": 20_011},
                                                                  {"M": 7, "N": 1}, {"M": 200, "N": 300}])}


def starters(machine: str) -> list[tuple[str, str]]:
    """(task, 'tuned' | 'naive') for every starter file of ``machine``."""
    d = ROOT / machine / "starters"
    return ([(p.stem, "tuned") for p in sorted(d.glob("*.s"))]
            + [(p.stem, "naive") for p in sorted((d / "naive").glob("*.s"))])


def source(machine: str, task: str, kind: str) -> str:
    d = ROOT / machine / "starters"
    return ((d / "naive" if kind == "naive" else d) / f"{task}.s").read_text()


@pytest.fixture(scope="module")
def evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    with isa_sims_evaluator(policy=TimingPolicy.quick(), seeds_per_shape=1, limits=Limits(run_timeout_s=300)) as ev:
        yield ev


def check(evaluator, task, backend: str, src: str, name: str) -> None:
    ev = evaluator.evaluate(task, Candidate(backend=backend, source=src, filename=name))
    assert ev.status == Status.correct, ev.message
    assert all(r.ok for r in ev.runs) and any(r.purpose == "heldout" for r in ev.runs)


def test_every_naive_starter_has_a_tuned_one():
    for machine in CONFIGS:
        kinds = starters(machine)
        assert {t for t, k in kinds if k == "naive"} <= {t for t, k in kinds if k == "tuned"}


@pytest.mark.parametrize("kind", ("tuned", "naive"))
@pytest.mark.parametrize("task", sorted(NEW))
def test_new_starter_small_shapes(evaluator, task, kind):
    t = evaluator.registry.task(task).model_copy(
        update={"visible_shapes": NEW[task][0], "heldout_shapes": NEW[task][1]})
    for backend in CONFIGS["vdsp"]:
        check(evaluator, t, backend, source("vdsp", task, kind), f"{task}.s")


def test_served_starter_is_the_tuned_one(evaluator):
    t = evaluator.registry.task("row_sum")
    assert evaluator.registry.starter(t, "vdsp") == source("vdsp", "row_sum", "tuned")


@pytest.mark.slow
@pytest.mark.parametrize("machine,task,kind,backend",
                         [(m, t, k, b) for m in CONFIGS for t, k in starters(m) for b in CONFIGS[m]])
def test_starter_correct_everywhere(evaluator, machine, task, kind, backend):
    check(evaluator, evaluator.registry.task(task), backend, source(machine, task, kind), f"{task}.s")
