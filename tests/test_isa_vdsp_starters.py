"""Every vdsp starter through the real pipeline at every visible and held-out shape of its task,
on every configuration (the held-out 'wide' one included). Slow: run with -m slow. Fast: the generated
starters are what their generators produce (so an edit to a generated file cannot drift silently)."""

from __future__ import annotations


from pathlib import Path

import pytest

from kernelhub.models import Candidate, Status
from conftest import isa_sims_evaluator

STARTERS = ("vector_add", "sum", "row_sum", "gemv", "matmul", "silu", "gelu", "conv1d", "rmsnorm", "softmax")
BACKENDS = ("vdsp", "vdsp-small", "vdsp-wide")
STARTER_DIR = Path(__file__).resolve().parent.parent / "isa_sims" / "vdsp" / "starters"


def _generated() -> dict[str, str]:
    """starter path (relative to starters/) -> the text its generator produces now."""
    from isa_sims.vdsp import gen_conv1d, gen_elementwise, gen_rmsnorm, gen_softmax, gen_starters
    out = {"matmul.s": gen_starters.matmul()}
    for name in gen_elementwise.ACTS:
        out[f"{name}.s"] = gen_elementwise.tuned(name)
        if name not in gen_elementwise.TWO:
            out[f"naive/{name}.s"] = gen_elementwise.naive(name)
    for name, mod in (("conv1d", gen_conv1d), ("rmsnorm", gen_rmsnorm), ("softmax", gen_softmax)):
        out[f"{name}.s"], out[f"naive/{name}.s"] = mod.tuned(), mod.naive()
    return out


def test_generated_starters_match_their_generators():
    for rel, text in _generated().items():
        assert (STARTER_DIR / rel).read_text() == text, f"{rel} differs from its generator: regenerate it"


def test_every_starter_has_a_naive_twin():
    tuned = {p.stem for p in STARTER_DIR.glob("*.s")}
    assert tuned == {p.stem for p in (STARTER_DIR / "naive").glob("*.s")} == set(STARTERS)


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
