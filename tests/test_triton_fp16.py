"""matmul_fp16 through the triton backend without a GPU: the Triton starter correct in Triton's
interpreter on small shapes (both tile configurations, the K tail and an even K), and a float16
accumulation that the task's tolerance must reject. Skipped, with the probe's reason, where triton
or torch is missing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kernelhub.backend import TimingPolicy
from kernelhub.isolation import Limits
from kernelhub.models import Candidate, Status
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

from tasks.matmul_lowp import TASKS

STARTER = Path(__file__).resolve().parents[1] / "tasks" / "starters" / "triton" / "matmul_fp16.py"
TASK = TASKS[0]


def small(visible, heldout):
    """The task with small shapes (the interpreter runs every program instance in Python)."""
    return TASK.model_copy(update={"visible_shapes": visible, "heldout_shapes": heldout})


@pytest.fixture(scope="module")
def ev():
    try:
        backend = registry().backend("triton")
    except Exception as e:  # plugin missing
        pytest.skip(f"triton backend not registered: {e}")
    avail = backend.probe()
    if not avail.run:
        pytest.skip(f"triton backend cannot run here: {avail.reasons}")
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                       limits=Limits(compile_timeout_s=60, run_timeout_s=60))
    with Evaluator(opts) as e:
        yield e


def cand(source: str) -> Candidate:
    return Candidate(backend="triton", source=textwrap.dedent(source), filename="matmul_fp16.py")


def test_starter_correct_small_tiles(ev):
    t = small([{"M": 64, "N": 48, "K": 128}], [{"M": 1, "N": 65, "K": 33}, {"M": 70, "N": 3, "K": 1}])
    r = ev.evaluate(t, cand(STARTER.read_text()))
    assert r.status == Status.correct, f"{r.status.value}: {r.message}"
    assert all(c.verdict.value != "fail" for c in r.integrity.checks)


def test_starter_correct_large_tiles(ev):
    """M, N >= 1024 selects the 128x256x64 Hopper configuration; K not a multiple of 64 takes the
    masked K tail."""
    t = small([{"M": 1024, "N": 1024, "K": 64}], [{"M": 1030, "N": 1025, "K": 40}])
    r = ev.evaluate(t, cand(STARTER.read_text()))
    assert r.status == Status.correct, f"{r.status.value}: {r.message}"


def test_float16_accumulation_rejected(ev):
    """A running sum rounded to float16 after every 16-deep slice (256 roundings for K = 4096) drifts
    by far more than one final rounding: the tolerance must catch it."""
    src = (STARTER.read_text()
           .replace("acc = tl.dot(a_tile, b_tile, acc)",
                    "acc = (acc + tl.dot(a_tile, b_tile)).to(tl.float16).to(tl.float32)")
           .replace("BM, BN, BK, warps, stages = 64, 64, 64, 4, 4", "BM, BN, BK, warps, stages = 32, 32, 16, 4, 4"))
    assert src.count("to(tl.float16).to(tl.float32)") == 1 and "32, 32, 16" in src
    t = small([{"M": 32, "N": 32, "K": 4096}], [])
    r = ev.evaluate(t, cand(src))
    assert r.status == Status.incorrect, f"{r.status.value}: {r.message}"
