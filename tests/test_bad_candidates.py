"""The bad-candidate set on each real CPU backend: every one ends in the right status,
and the same evaluator (warm workers, replaced after each crash) goes on to pass a
good candidate afterwards. The null backend's set, with the cheats that need host
state (cached results, timer patching), is in test_pipeline_null.py."""

from __future__ import annotations

import textwrap

import pytest

from kernelhub.backend import TimingPolicy
from kernelhub.isolation import Limits
from kernelhub.models import Candidate, Status, Verdict
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

from conftest import small_task

NUMBA = {
    "syntax_error": ("from numba import njit\n@njit\ndef kernel(x, y, out, n):\n    out[0] = x[0] +* y[0]\n",
                     Status.compile_error),
    "wrong_result": ("""
        from numba import njit
        @njit
        def kernel(x, y, out, n):
            for i in range(n):
                out[i] = x[i] - y[i]
        """, Status.incorrect),
    "half_output": ("""
        from numba import njit
        @njit
        def kernel(x, y, out, n):
            for i in range(n // 2):
                out[i] = x[i] + y[i]
        """, Status.incorrect),
    "mutates_input": ("""
        from numba import njit
        @njit
        def kernel(x, y, out, n):
            for i in range(n):
                out[i] = x[i] + y[i]
            x[0] = 0.0
        """, Status.integrity_violation),
    "calls_blas": ("""
        import numpy as np
        from numba import njit
        @njit
        def kernel(x, y, out, n):
            s = np.dot(x, y)
            for i in range(n):
                out[i] = x[i] + y[i] + 0.0 * s
        """, Status.integrity_violation),
    "crash": ("""
        from numba import njit
        @njit
        def kernel(x, y, out, n):
            for i in range(n):
                out[i + (1 << 40)] = 1.0
        """, Status.crash),
    "hang": ("""
        from numba import njit
        @njit
        def kernel(x, y, out, n):
            while x[0] == x[0]:
                out[0] += 1.0
        """, Status.timeout),
    "unbounded_allocation": ("""
        import numpy as np
        from numba import njit
        from numba.typed import List
        @njit
        def kernel(x, y, out, n):
            hoard = List()
            while True:
                hoard.append(np.ones(1 << 24))
        """, Status.out_of_memory),
}

OPENCL = {
    "syntax_error": ("//! kernel: k\n//! global: n\n__kernel void k(__global const float *x, __global const float *y,"
                     "\n    __global float *out, long n) {\n  out[0] = x[0] +* ;\n}\n", Status.compile_error),
    "wrong_result": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0); out[i] = x[i] - y[i];
        }
        """, Status.incorrect),
    "half_output": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0); if (i < n / 2) out[i] = x[i] + y[i];
        }
        """, Status.incorrect),
    "mutates_input": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0); out[i] = x[i] + y[i];
            if (i == 0) x[0] = 0.0f;
        }
        """, Status.integrity_violation),
    "crash": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            __global float *bad = (__global float *)0x10;
            long i = get_global_id(0); bad[i] = x[i];
        }
        """, Status.crash),
    "hang": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0);
            while (x[0] == x[0]) out[i] += 1.0f;
        }
        """, Status.timeout),
    "unbounded_allocation": ("""
        //! kernel: k
        //! global: n
        //! scratch: hoard float32 n * 2 ** 36
        //! args: x, y, out, n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0); out[i] = x[i] + y[i];
        }
        """, (Status.out_of_memory, Status.runtime_error)),
}

GOOD = {"numba": "numba/vector_add.py", "opencl": "opencl/vector_add.cl"}
CASES = [("numba", k) for k in NUMBA] + [("opencl", k) for k in OPENCL]


@pytest.fixture(scope="module")
def evaluator():
    opts = EvalOptions(policy=TimingPolicy.quick(),
                       limits=Limits(compile_timeout_s=60, run_timeout_s=4, memory_bytes=1 << 30))
    with Evaluator(opts) as ev:
        yield ev


@pytest.fixture(scope="module")
def task():
    return small_task("vector_add", visible=[{"n": 1000}, {"n": 4096}], heldout=[{"n": 1}, {"n": 1537}])


@pytest.mark.parametrize("backend,kind", CASES)
def test_bad_candidate(evaluator, task, backend, kind):
    if not registry().backend(backend).probe().run:
        pytest.skip(f"{backend} cannot run here")
    source, want = (NUMBA if backend == "numba" else OPENCL)[kind]
    cand = Candidate(backend=backend, source=textwrap.dedent(source), filename=f"{kind}.src")
    if kind == "unbounded_allocation":  # the memory watchdog, not a short clock, must stop it under load
        limits = Limits(compile_timeout_s=60, run_timeout_s=120, memory_bytes=1 << 30)
        with Evaluator(EvalOptions(policy=TimingPolicy.quick(), limits=limits)) as own:
            ev = own.evaluate(task, cand)
    else:
        ev = evaluator.evaluate(task, cand)
    wanted = want if isinstance(want, tuple) else (want,)
    assert ev.status in wanted, f"{kind} on {backend}: {ev.status.value}: {ev.message}"
    if kind == "syntax_error":
        assert ev.compile.diagnostics[0].line == (4 if backend == "numba" else 5)
    if kind == "half_output":
        assert any(c.name == "outputs_written" and c.verdict == Verdict.warn for c in ev.integrity.checks)
    if kind in ("crash", "hang"):
        assert ev.seconds < 60


@pytest.mark.parametrize("backend", ["numba", "opencl"])
def test_good_candidate_after_the_bad_ones(evaluator, task, backend):
    if not registry().backend(backend).probe().run:
        pytest.skip(f"{backend} cannot run here")
    ev = evaluator.evaluate(task, Candidate(backend=backend, source=registry().starter(task, backend),
                                            filename="good"))
    assert ev.status == Status.correct, ev.message
