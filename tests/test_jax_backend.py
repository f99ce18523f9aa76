"""The JAX backends without a GPU or TPU: every plain JAX starter and every Pallas starter correct
through the pipeline on XLA:CPU (Pallas in interpret mode) on small shapes, held-out included; real
TPU compiles (v5e, v6e) of Pallas starters with their static profile; the bad-candidate set with
statuses and lines. Skipped with the probe's reason where jax (or libtpu) is missing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kernelhub.backend import TimingPolicy
from kernelhub.isolation import Limits
from kernelhub.models import Candidate, Status
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

from conftest import small_task

ROOT = Path(__file__).resolve().parents[1]
JAX_STARTERS = ROOT / "tasks" / "starters" / "jax"
PALLAS_STARTERS = ROOT / "tasks" / "starters" / "pallas"
#: one small visible shape and one or two awkward held-out shapes per task
SMALL = {
    "vector_add": ([{"n": 3000}], [{"n": 1}, {"n": 1537}]),
    "gelu": ([{"n": 3000}], [{"n": 1}, {"n": 1537}]),
    "silu": ([{"n": 3000}], [{"n": 1}, {"n": 1537}]),
    "row_sum": ([{"M": 9, "N": 300}], [{"M": 1, "N": 2100}, {"M": 13, "N": 1}]),
    "sum": ([{"n": 5000}], [{"n": 1}, {"n": 1537}]),
    "softmax": ([{"M": 9, "N": 300}], [{"M": 1, "N": 1000}, {"M": 5, "N": 7}]),
    "layernorm": ([{"M": 9, "N": 300}], [{"M": 1, "N": 1000}, {"M": 7, "N": 1}]),
    "rmsnorm": ([{"M": 9, "N": 300}], [{"M": 1, "N": 1000}, {"M": 7, "N": 1}]),
    "matmul": ([{"M": 64, "N": 48, "K": 70}], [{"M": 1, "N": 130, "K": 33}, {"M": 70, "N": 1, "K": 1}]),
    "matmul_fp16": ([{"M": 64, "N": 48, "K": 300}], [{"M": 1, "N": 65, "K": 33}]),
    "gemv": ([{"M": 40, "N": 300}], [{"M": 1, "N": 1537}, {"M": 13, "N": 1}]),
    "conv2d": ([{"N": 2, "C": 3, "H": 10, "W": 9, "O": 4, "OH": 8, "OW": 7}],
               [{"N": 1, "C": 1, "H": 3, "W": 3, "O": 1, "OH": 1, "OW": 1}]),
    "conv1d": ([{"N": 3000, "K": 7}], [{"N": 1, "K": 5}, {"N": 257, "K": 63}]),
    "prefix_sum": ([{"n": 3000}], [{"n": 1}, {"n": 1025}]),
    "attention": ([{"S": 64, "D": 16}], [{"S": 1, "D": 8}, {"S": 33, "D": 1}]),
    "embedding_gather": ([{"V": 100, "D": 16, "N": 50}], [{"V": 1, "D": 1, "N": 1}]),
    "scatter_add": ([{"N": 3000, "B": 64}], [{"N": 1, "B": 1}, {"N": 1537, "B": 7}]),
    "histogram": ([{"N": 3000, "B": 64}], [{"N": 1, "B": 1}, {"N": 1537, "B": 1000}]),
}
TILING = "The Pallas TPU lowering currently requires"


def _backend(name: str):
    try:
        return registry().backend(name)
    except Exception as e:  # plugin not loaded
        pytest.skip(f"{name} backend not registered: {e}")


@pytest.fixture(scope="module")
def ev():
    avail = _backend("jax").probe()
    if not avail.run:
        pytest.skip(f"jax backend cannot run here: {avail.reasons}")
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                       limits=Limits(compile_timeout_s=60, run_timeout_s=30))
    with Evaluator(opts) as e:
        yield e


@pytest.fixture(scope="module")
def tpu_ev():
    for name in ("jax-tpu-v5e", "jax-tpu-v6e"):
        avail = _backend(name).probe()
        if not avail.compile:
            pytest.skip(f"{name} cannot compile here: {avail.reasons.get('compile')}")
    opts = EvalOptions(policy=TimingPolicy.quick(), limits=Limits(compile_timeout_s=120, run_timeout_s=30))
    with Evaluator(opts) as e:
        yield e


def cand(source: str, name: str = "cand.py", backend: str = "jax", language: str = "jax") -> Candidate:
    return Candidate(backend=backend, language=language, source=textwrap.dedent(source).lstrip(), filename=name)


def _small(task: str):
    visible, heldout = SMALL[task]
    return small_task(task, visible=visible, heldout=heldout)


# ---------------------------------------------------------------- starters on the CPU


def test_every_task_has_a_jax_starter():
    suite = {n for n, t in registry().tasks.items() if t.source == "tasks"}  # not other tests' plugins
    assert {p.stem for p in JAX_STARTERS.glob("*.py")} == suite
    pallas = {p.stem for p in PALLAS_STARTERS.glob("*.py")}
    assert len(pallas) >= 8 and {"matmul", "softmax", "sum", "row_sum"} <= pallas


@pytest.mark.parametrize("task", sorted(SMALL))
def test_jax_starter_correct(ev, task):
    r = ev.evaluate(_small(task), cand((JAX_STARTERS / f"{task}.py").read_text(), f"{task}.py"))
    assert r.status == Status.correct, f"{r.status.value}: {r.message}"
    assert all(c.verdict.value != "fail" for c in r.integrity.checks)


@pytest.mark.parametrize("task", sorted(p.stem for p in PALLAS_STARTERS.glob("*.py")))
def test_pallas_starter_correct_in_interpret_mode(ev, task):
    r = ev.evaluate(_small(task), cand((PALLAS_STARTERS / f"{task}.py").read_text(), f"{task}.py",
                                       language="pallas"))
    assert r.status == Status.correct, f"{r.status.value}: {r.message}"
    checks = {c.name: c.verdict.value for c in r.integrity.checks}
    assert checks["own_kernel"] == "pass" and checks["host_compute"] == "pass"
    assert r.profile.headline["pallas_calls"] >= 1


def test_pallas_timing_is_marked_interpreted():
    if not _backend("jax").probe().run or _backend("jax").platform != "cpu":
        pytest.skip("interpret mode is the CPU mode")
    opts = EvalOptions(policy=TimingPolicy.quick(), seeds_per_shape=1, heldout=False,
                       limits=Limits(compile_timeout_s=60, run_timeout_s=30))
    with Evaluator(opts) as e:
        r = e.evaluate(_small("vector_add"), cand((PALLAS_STARTERS / "vector_add.py").read_text(), language="pallas"))
        plain = e.evaluate(_small("vector_add"), cand((JAX_STARTERS / "vector_add.py").read_text()))
    assert r.status == Status.correct, r.message
    t = r.timings[0]
    assert t.candidate.interpreted and "interpret" in t.candidate.method
    assert t.reference is not None and "plain JAX starter" in t.reference.method
    assert plain.status == Status.correct and not plain.timings[0].candidate.interpreted
    assert "CPU, host-timed" in plain.timings[0].candidate.method


# ---------------------------------------------------------------- TPU compile-only


@pytest.mark.parametrize("backend", ["jax-tpu-v5e", "jax-tpu-v6e"])
@pytest.mark.parametrize("task", ["matmul", "softmax"])
def test_pallas_starter_compiles_for_tpu(tpu_ev, backend, task):
    src = (PALLAS_STARTERS / f"{task}.py").read_text()
    r = tpu_ev.evaluate(task, cand(src, f"{task}.py", backend=backend, language="pallas"))
    assert r.status == Status.compile_only, f"{r.status.value}: {r.message}"
    assert r.compile.compile_only and not r.runs
    h = r.profile.headline
    assert h["pallas_calls"] == 1 and h["hbm_bytes"] > 0 and 0 < h["vmem_block_bytes"] < 16 << 20
    assert h["estimate"] == "yes" and h["est_us"] > 0
    est = r.profile.detail["roofline_estimate"]
    assert "ESTIMATE" in est["note"] and est["counted_from"].startswith(f"task '{task}'")
    assert "Failed to find host bounds" not in (r.stderr_tail or "")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax-tpu-v5e", "jax-tpu-v6e"])
@pytest.mark.parametrize("task", sorted(p.stem for p in PALLAS_STARTERS.glob("*.py")))
def test_every_pallas_starter_compiles_for_tpu(tpu_ev, backend, task):
    r = tpu_ev.evaluate(task, cand((PALLAS_STARTERS / f"{task}.py").read_text(), backend=backend, language="pallas"))
    assert r.status == Status.compile_only, f"{r.status.value}: {r.message}"


TILING_BREAK = """
    import jax
    from jax.experimental import pallas as pl

    def double(x_ref, o_ref):
        o_ref[...] = x_ref[...] * 2.0

    def kernel(x, n):
        x2 = x[: (n // 1000) * 1000].reshape(-1, 1000)
        spec = pl.BlockSpec((100, 100), lambda i: (i, 0))
        y = pl.pallas_call(double, out_shape=jax.ShapeDtypeStruct(x2.shape, x2.dtype),
                           grid=(x2.shape[0] // 100,), in_specs=[spec], out_specs=spec)(x2)
        return y.reshape(-1)
    """


def test_pallas_tiling_error_maps_to_the_pallas_call_line(tpu_ev):
    c = cand(TILING_BREAK, "tiles.py", backend="jax-tpu-v5e", language="pallas")
    r = tpu_ev.evaluate("gelu", c.model_copy(update={"options": {"shape": {"n": 100000}}}))
    assert r.status == Status.compile_error, r.message
    d = r.compile.diagnostics[0]
    assert TILING in d.message and d.file == "tiles.py"
    assert d.line == 10 and "pl.pallas_call" in d.source_line
    assert "tiles.py:4" in d.message  # Pallas names the kernel by the candidate's file, not the temp path


# ---------------------------------------------------------------- the bad-candidate set

BAD = {
    "syntax_error": ("def kernel(x, y, n):\n    return x +* y\n", Status.compile_error, 2),
    "tracing_error": ("""
        import jax.numpy as jnp
        def kernel(x, y, n):
            z = jnp.dot(x.reshape(n, 1), y.reshape(n, 1))
            return x + y
        """, Status.compile_error, 3),
    "host_numpy": ("""
        import numpy as np
        def kernel(x, y, n):
            return np.asarray(x) + np.asarray(y)
        """, Status.compile_error, 3),
    "host_callback": ("""
        import jax, numpy as np
        def kernel(x, y, n):
            return jax.pure_callback(lambda a, b: np.add(a, b), jax.ShapeDtypeStruct(x.shape, x.dtype), x, y)
        """, Status.integrity_violation, None),
    "wrong_result": ("def kernel(x, y, n):\n    return x - y\n", Status.incorrect, None),
    "wrong_output_shape": ("def kernel(x, y, n):\n    s = x + y\n    return s[: n // 2]\n", Status.compile_error, 3),
    "no_pallas_kernel": ("def kernel(x, y, n):\n    return x + y\n", Status.integrity_violation, None),
    "infinite_loop": ("""
        def kernel(x, y, n):
            while True:
                pass
        """, Status.timeout, None),
}


def test_bad_candidates_then_a_good_one():
    if not _backend("jax").probe().run:
        pytest.skip(f"jax backend cannot run here: {_backend('jax').probe().reasons}")
    task = small_task("vector_add", visible=[{"n": 1000}], heldout=[{"n": 7}])
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                       limits=Limits(compile_timeout_s=10, run_timeout_s=20))
    with Evaluator(opts) as e:
        for name, (src, status, line) in BAD.items():
            lang = "pallas" if name == "no_pallas_kernel" else "jax"
            r = e.evaluate(task, cand(src, f"{name}.py", language=lang))
            assert r.status == status, f"{name}: {r.status.value}: {r.message}"
            if line is not None:
                d = r.compile.diagnostics[0]
                assert (d.file, d.line) == (f"{name}.py", line), f"{name}: {d}"
            if name == "host_numpy":
                assert "host-side NumPy" in r.compile.diagnostics[0].message
            if name == "wrong_output_shape":
                assert "the task expects float32[" in r.message
        good = e.evaluate(task, cand("def kernel(x, y, n):\n    return x + y\n"))
        assert good.status == Status.correct, good.message


def test_import_kernelhub_imports_no_jax():
    code = ("import sys, kernelhub, kernelhub_jax; from kernelhub.plugins import registry; "
            "registry().backend('jax').probe(); assert 'jax' not in sys.modules, 'jax imported'")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "backends"), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
