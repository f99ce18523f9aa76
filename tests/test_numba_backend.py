"""The numba backend through the Backend API: compile, run, time, diagnostics, integrity."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

from kernelhub.backend import CandidateError, KernelArgs, TimingPolicy  # noqa: E402
from kernelhub.models import Candidate, Severity, Signature  # noqa: E402
from kernelhub_numba import NumbaBackend  # noqa: E402
from tasks.elementwise import TASKS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STARTER = (ROOT / "tasks" / "starters" / "numba" / "vector_add.py").read_text()
SIG = TASKS[0].signature


@pytest.fixture(scope="module")
def backend() -> NumbaBackend:
    return NumbaBackend()


@pytest.fixture(scope="module")
def vector_add(backend: NumbaBackend):
    return backend.compile(Candidate(backend="numba", source=STARTER, filename="vector_add.py"), SIG)


def compile_src(backend: NumbaBackend, source: str, filename: str = "cand.py", entry: str | None = None,
                signature: Signature = SIG):
    return backend.compile(Candidate(backend="numba", source=source, filename=filename, entry=entry), signature)


def errors(compiled):
    return [d for d in compiled.result.diagnostics if d.severity == Severity.error]


def vadd_args(n: int) -> tuple[KernelArgs, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    out = np.full(n, np.nan, dtype=np.float32)
    return KernelArgs(SIG, {"x": x, "y": y, "out": out}, {"n": n}), x, y


def test_probe_and_version(backend: NumbaBackend) -> None:
    av = backend.probe()
    assert av.modes == ["compile", "run", "time"]
    assert "numba=" in backend.version_key() and "llvmlite=" in backend.version_key()
    assert "prange" in backend.manual()


def test_vector_add_compiles_and_runs(backend: NumbaBackend, vector_add) -> None:
    r = vector_add.result
    assert r.ok and not errors(vector_add), r.diagnostics
    assert r.seconds > 0
    assert r.profile.platform == "numba-cpu"
    assert r.profile.headline["parallel"] == "yes"
    assert r.profile.headline["parallel_loops"] == 1
    assert r.profile.headline["llvm_instructions"] > 0
    args, x, y = vadd_args(10_001)
    out = backend.run(vector_add.artifact, args)
    np.testing.assert_array_equal(out["out"], x + y)
    assert backend.static_integrity(vector_add.artifact)[0][:2] == ("own_kernel", "pass")


def test_time_returns_sane_timing(backend: NumbaBackend, vector_add) -> None:
    args, x, y = vadd_args(1 << 16)
    timed = backend.time(vector_add.artifact, args, TimingPolicy.quick(), time.perf_counter)
    t = timed.timing
    assert 5 <= len(t.samples) <= 20
    assert 0 < t.min <= t.median < 1.0
    assert t.device_time is False and t.method == backend.timing_method
    np.testing.assert_array_equal(timed.outputs["out"], x + y)
    assert len(vector_add.artifact.dispatcher.signatures) == 1  # no recompile at run time


def test_syntax_error(backend: NumbaBackend) -> None:
    src = ("from numba import njit\n"
           "\n"
           "@njit\n"
           "def kernel(x, y, out, n):\n"
           "    for i in range(n)\n"
           "        out[i] = x[i] + y[i]\n")
    c = compile_src(backend, src, "syn.py")
    assert not c.result.ok and c.artifact is None
    (d,) = errors(c)
    assert (d.file, d.line, d.column) == ("syn.py", 5, 22)
    assert "SyntaxError" in d.message and d.source_line == "    for i in range(n)"


def test_typing_error_on_its_line(backend: NumbaBackend) -> None:
    src = ("from numba import njit\n"
           "\n"
           "\n"
           "@njit\n"
           "def kernel(x, y, out, n):\n"
           "    for i in range(n):\n"
           "        out[i] = x[i] + 'oops'\n")
    c = compile_src(backend, src, "typing.py")
    assert not c.result.ok
    (d,) = errors(c)
    assert (d.file, d.line, d.column) == ("typing.py", 7, 9)
    assert d.message.startswith("TypingError: No implementation of function")
    assert "add(float32, " in d.message
    assert len(d.message.splitlines()) <= 8 and "kernelhub-numba-" not in d.message
    assert 'File "typing.py", line 7:' in c.result.log  # numba's full message, renamed


def test_error_in_helper_points_at_helper_with_call_site_note(backend: NumbaBackend) -> None:
    src = ("from numba import njit\n"
           "\n"
           "@njit\n"
           "def helper(a):\n"
           "    return a + 's'\n"
           "\n"
           "@njit\n"
           "def kernel(x, y, out, n):\n"
           "    for i in range(n):\n"
           "        out[i] = helper(x[i])\n")
    c = compile_src(backend, src, "helper.py")
    (d,) = errors(c)
    assert d.line == 5 and d.source_line == "    return a + 's'"
    notes = [n.line for n in c.result.diagnostics if n.severity == Severity.note]
    assert notes == [10]


def test_entry_missing_names_what_exists(backend: NumbaBackend) -> None:
    src = ("from numba import njit\n"
           "\n"
           "@njit\n"
           "def add_kernel(x, y, out, n):\n"
           "    pass\n"
           "\n"
           "def helper():\n"
           "    pass\n")
    c = compile_src(backend, src, "entry.py")
    (d,) = errors(c)
    assert "'kernel' not found" in d.message
    assert "add_kernel (@njit)" in d.message and "helper (plain function)" in d.message
    ok = compile_src(backend, src, "entry.py", entry="add_kernel")
    assert ok.result.ok


def test_entry_not_njit(backend: NumbaBackend) -> None:
    src = ("import numpy as np\n"
           "\n"
           "\n"
           "def kernel(x, y, out, n):\n"
           "    out[:] = x + y\n")
    c = compile_src(backend, src, "plain.py")
    (d,) = errors(c)
    assert d.line == 4 and "plain Python function" in d.message and "@njit" in d.message


def test_wrong_arity(backend: NumbaBackend) -> None:
    src = "from numba import njit\n\n@njit\ndef kernel(x, y, out):\n    pass\n"
    (d,) = errors(compile_src(backend, src))
    assert d.line == 4 and "x, y, out, n" in d.message


def test_import_time_exception(backend: NumbaBackend) -> None:
    src = ("import numpy as np\n"
           "from numba import njit\n"
           "\n"
           "TABLE = {'a': 1}\n"
           "SCALE = 2.0 * TABLE['b']\n"
           "\n"
           "@njit\n"
           "def kernel(x, y, out, n):\n"
           "    pass\n")
    c = compile_src(backend, src, "imp.py")
    (d,) = errors(c)
    assert (d.line, d.column) == (5, 15)
    assert d.message.startswith("KeyError: 'b'") and "importing" in d.message


def test_np_dot_fails_integrity(backend: NumbaBackend) -> None:
    src = ("import numpy as np\n"
           "from numba import njit\n"
           "\n"
           "@njit\n"
           "def kernel(x, y, out, n):\n"
           "    out[0] = np.dot(x, y)\n")
    c = compile_src(backend, src, "dot.py")
    assert c.result.ok
    checks = {name: (verdict, detail) for name, verdict, detail in backend.static_integrity(c.artifact)}
    assert checks["own_kernel"][0] == "fail" and "numba_xxdot" in checks["own_kernel"][1]


def test_matmul_operator_calls_gemm(backend: NumbaBackend) -> None:
    sig = Signature.model_validate({
        "inputs": [{"name": "a", "dtype": "float32", "dims": ["M", "K"]},
                   {"name": "b", "dtype": "float32", "dims": ["K", "N"]}],
        "outputs": [{"name": "c", "dtype": "float32", "dims": ["M", "N"]}],
        "params": [{"name": "M"}, {"name": "N"}, {"name": "K"}]})
    src = "from numba import njit\n\n@njit\ndef kernel(a, b, c, M, N, K):\n    c[:, :] = a @ b\n"
    c = compile_src(backend, src, "mm.py", signature=sig)
    assert c.result.ok
    (name, verdict, detail), *_ = backend.static_integrity(c.artifact)
    assert verdict == "fail" and "numba_xxgemm" in detail


def test_objmode_fails_integrity(backend: NumbaBackend) -> None:
    src = ("from numba import njit, objmode\n"
           "\n"
           "@njit\n"
           "def kernel(x, y, out, n):\n"
           "    with objmode():\n"
           "        out[:] = x + y\n")
    c = compile_src(backend, src)
    checks = {name: verdict for name, verdict, _ in backend.static_integrity(c.artifact)}
    assert checks == {"own_kernel": "pass", "compiled_only": "fail"}


def test_runtime_error_is_candidate_error(backend: NumbaBackend) -> None:
    src = ("from numba import njit\n"
           "\n"
           "@njit(boundscheck=True)\n"
           "def kernel(x, y, out, n):\n"
           "    for i in range(n + 1):\n"
           "        out[i] = x[i] + y[i]\n")
    c = compile_src(backend, src)
    with pytest.raises(CandidateError, match="IndexError"):
        backend.run(c.artifact, vadd_args(8)[0])


def test_other_language_rejected(backend: NumbaBackend) -> None:
    c = backend.compile(Candidate(backend="numba", language="opencl", source="x"), SIG)
    assert not c.result.ok and "language 'opencl'" in c.result.diagnostics[0].message


def test_import_is_cheap() -> None:
    code = "import sys, kernelhub_numba; assert 'numba' not in sys.modules and 'llvmlite' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_registered_through_entry_point() -> None:
    from kernelhub.plugins import build_registry

    reg = build_registry()
    assert isinstance(reg.backends.get("numba"), NumbaBackend)
