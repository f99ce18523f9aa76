"""The opencl backend through the Backend API, on whatever OpenCL device is here (PoCL in CI)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kernelhub.backend import CandidateError, KernelArgs, TimingPolicy
from kernelhub.models import Candidate, Severity, Signature
from tasks.elementwise import TASKS

try:
    import kernelhub_opencl
except ImportError:  # package added after the editable install was made
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))
    import kernelhub_opencl

SIG = TASKS[0].signature
STARTER = (Path(__file__).resolve().parents[1] / "tasks" / "starters" / "opencl" / "vector_add.cl").read_text()


@pytest.fixture(scope="module")
def backend():
    b = kernelhub_opencl.OpenCLBackend()
    avail = b.probe()
    if not avail.run:
        pytest.skip(avail.reasons.get("run", "opencl unavailable"))
    return b


def cand(source: str, filename: str = "k.cl", **options) -> Candidate:
    return Candidate(backend="opencl", source=source, filename=filename, options=options)


def vadd_args(n: int, seed: int = 0) -> tuple[KernelArgs, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    out = np.full(n, np.nan, dtype=np.float32)
    return KernelArgs(SIG, {"x": x, "y": y, "out": out}, {"n": n}), x, y


def errors(result) -> list:
    return [d for d in result.diagnostics if d.severity == Severity.error]


def test_import_does_not_load_pyopencl():
    import subprocess
    code = ("import sys; sys.path.insert(0, 'backends'); import kernelhub_opencl; "
            "assert 'pyopencl' not in sys.modules, 'pyopencl imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_probe_and_device_info(backend):
    avail = backend.probe()
    assert avail.modes == ["compile", "run", "time"]
    assert any("selected" in n for n in avail.notes)
    info = backend.device_info()
    assert info.kind in ("cpu", "gpu", "other")
    for key in ("compute_units", "max_work_group_size", "local_mem_size", "global_mem_size",
                "opencl_version", "driver_version"):
        assert key in info.detail
    assert "pyopencl" in backend.version_key()


def test_vector_add_compiles_runs_and_is_cached(backend):
    compiled = backend.compile(cand(STARTER, "vector_add.cl"), SIG)
    assert compiled.result.ok, compiled.result.diagnostics
    assert compiled.result.profile.platform == "opencl"
    assert "work_group_size" in compiled.result.profile.headline
    again = backend.compile(cand(STARTER, "vector_add.cl"), SIG)
    assert again.result.cached and again.artifact is compiled.artifact
    for n in (1, 1000, 1 << 16):
        args, x, y = vadd_args(n, seed=n)
        got = backend.run(compiled.artifact, args)
        np.testing.assert_array_equal(got["out"], x + y)
        np.testing.assert_array_equal(got["x"], x)
        np.testing.assert_array_equal(got["y"], y)


def test_time_reports_device_time_not_above_host_time(backend):
    compiled = backend.compile(cand(STARTER, "vector_add.cl"), SIG)
    args, x, y = vadd_args(1 << 18)
    run = backend.time(compiled.artifact, args, TimingPolicy.quick(), time.perf_counter)
    t = run.timing
    assert t.device_time and t.method.startswith("opencl profiling events")
    assert len(t.samples) == len(t.host_samples) >= 5
    assert all(0 < d <= h for d, h in zip(t.samples, t.host_samples))
    np.testing.assert_array_equal(run.outputs["out"], x + y)


BUILD_ERROR = """\
//! kernel: vector_add
//! global: n

__kernel void vector_add(__global const float *x, __global const float *y,
                         __global float *out, const long n) {
    long i = get_global_id(0);
    out[i] = x[i] + yy[i];
}
"""


def test_build_error_has_exact_line_and_column(backend):
    r = backend.compile(cand(BUILD_ERROR, "bad.cl"), SIG).result
    assert not r.ok
    (d,) = errors(r)
    assert (d.file, d.line, d.column) == ("bad.cl", 7, 21)
    assert "yy" in d.message and d.source_line == "    out[i] = x[i] + yy[i];"


def test_build_warning_is_reported_on_success(backend):
    src = STARTER.replace("if (i < n)", "if ((i = i) < n) if (i = i)")
    r = backend.compile(cand(src, "warn.cl"), SIG).result
    assert r.ok
    assert any(d.severity == Severity.warning and d.line == 8 for d in r.diagnostics), r.diagnostics


def test_missing_kernel_points_at_directive(backend):
    src = "// a comment\n" + STARTER.replace("//! kernel: vector_add", "//! kernel: vadd")
    r = backend.compile(cand(src), SIG).result
    (d,) = errors(r)
    assert d.line == 2 and "vadd" in d.message and "vector_add" in d.message


def test_bad_directive_expression_names_the_line(backend):
    src = STARTER.replace("round_up(n, 256)", "round_up(n, 256")
    r = backend.compile(cand(src), SIG).result
    (d,) = errors(r)
    assert d.line == 2 and "round_up(n, 256" in d.message


def test_unknown_symbol_in_directive(backend):
    r = backend.compile(cand(STARTER.replace("round_up(n, 256)", "round_up(N, 256)")), SIG).result
    (d,) = errors(r)
    assert d.line == 2 and "'N'" in d.message


def test_wrong_arg_count_is_a_clear_diagnostic(backend):
    src = STARTER.replace("//! local: 256", "//! local: 256\n//! args: x, y, out")
    r = backend.compile(cand(src), SIG).result
    (d,) = errors(r)
    assert d.line == 4 and "takes 4 argument(s)" in d.message and "passes 3" in d.message


def test_int_instead_of_long_is_caught(backend):
    r = backend.compile(cand(STARTER.replace("const long n", "const int n")), SIG).result
    (d,) = errors(r)
    assert d.line == 6 and "long n" in d.message and "int64" in d.message


def test_local_size_not_dividing_global_raises_candidate_error(backend):
    compiled = backend.compile(cand(STARTER.replace("round_up(n, 256)", "n")), SIG)
    assert compiled.result.ok
    args, _, _ = vadd_args(1000)
    with pytest.raises(CandidateError, match="does not divide"):
        backend.run(compiled.artifact, args)


def test_work_group_too_large_raises_candidate_error(backend):
    src = STARTER.replace("round_up(n, 256)", "round_up(n, 65536)").replace("local: 256", "local: 65536")
    compiled = backend.compile(cand(src), SIG)
    args, _, _ = vadd_args(1000)
    with pytest.raises(CandidateError, match="work-group"):
        backend.run(compiled.artifact, args)


REDUCE_SIG = Signature.model_validate({
    "inputs": [{"name": "x", "dtype": "float32", "dims": ["n"]}],
    "outputs": [{"name": "total", "dtype": "float32", "dims": [1]}],
    "params": [{"name": "n", "dtype": "int64"}]})

REDUCE = """\
//! scratch: partial float32 cdiv(n, 64)
//! kernel: block_sum
//! global: round_up(n, 64)
//! local: 64
//! args: x, partial, local(float, 64), n
//! kernel: final_sum
//! global: 1
//! args: partial, total, n

__kernel void block_sum(__global const float *x, __global float *partial,
                        __local float *tmp, const long n) {
    long i = get_global_id(0);
    int l = get_local_id(0);
    tmp[l] = i < n ? x[i] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = 32; s > 0; s >>= 1) {
        if (l < s) tmp[l] += tmp[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) partial[get_group_id(0)] = tmp[0];
}

__kernel void final_sum(__global const float *partial, __global float *total, const long n) {
    float acc = 0.0f;
    for (long b = 0; b < (n + 63) / 64; ++b) acc += partial[b];
    total[0] = acc;
}
"""


def test_two_launches_with_scratch_and_local_memory(backend):
    compiled = backend.compile(cand(REDUCE, "reduce.cl"), REDUCE_SIG)
    assert compiled.result.ok, compiled.result.diagnostics
    assert compiled.result.profile.headline["kernels"] == 2
    for n in (1, 1000, 12345):
        x = np.random.default_rng(n).standard_normal(n, dtype=np.float32)
        args = KernelArgs(REDUCE_SIG, {"x": x, "total": np.full(1, np.nan, np.float32)}, {"n": n})
        got = backend.run(compiled.artifact, args)
        np.testing.assert_allclose(got["total"][0], x.astype(np.float64).sum(), rtol=1e-4, atol=1e-3)
        assert set(got) == {"x", "total"}
    run = backend.time(compiled.artifact, args, TimingPolicy.quick(), time.perf_counter)
    assert all(0 < d <= h for d, h in zip(run.timing.samples, run.timing.host_samples))


def test_out_of_bounds_write_does_not_hang(backend):
    # no `if (i < n)` guard: the last work-group writes past `out`; the harness isolates crashes,
    # here we only check that the call returns and the in-bounds part is right
    src = STARTER.replace("if (i < n) ", "")
    compiled = backend.compile(cand(src), SIG)
    args, x, y = vadd_args(1000)
    t0 = time.perf_counter()
    got = backend.run(compiled.artifact, args)
    assert time.perf_counter() - t0 < 10
    np.testing.assert_array_equal(got["out"], x + y)


def test_device_selection_option(backend):
    r = backend.compile(cand(STARTER, device="no-such-device-xyz"), SIG).result
    (d,) = errors(r)
    assert "no OpenCL device matches" in d.message
    assert backend.compile(cand(STARTER, device="0"), SIG).result.ok


def test_build_options_are_passed(backend):
    src = STARTER.replace("x[i] + y[i]", "x[i] + y[i] * SCALE")
    r = backend.compile(cand(src, build_options="-DSCALE=2.0f"), SIG)
    assert r.result.ok and "-DSCALE=2.0f" in r.result.profile.detail["build_options"]
    args, x, y = vadd_args(300)
    np.testing.assert_array_equal(backend.run(r.artifact, args)["out"], x + y * np.float32(2))
    bad = backend.compile(cand(STARTER, build_options="-fno-such-option"), SIG).result
    assert not bad.ok and errors(bad)
