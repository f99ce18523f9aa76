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

ROOT = Path(__file__).resolve().parents[1]
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


# ---------------------------------------------------------------- every starter on every CPU runtime

#: Small shapes with ragged edges (sizes that are not multiples of any work-group size), and the
#: degenerate size 1 where a task allows it: what the starters must handle, in a fraction of a second.
SMALL_SHAPES: dict[str, list[dict[str, int]]] = {
    "attention": [{"S": 37, "D": 20}, {"S": 1, "D": 64}],
    "conv1d": [{"N": 1000, "K": 7}, {"N": 1, "K": 5}],
    "conv2d": [{"N": 2, "C": 3, "H": 19, "W": 21, "O": 5, "OH": 17, "OW": 19}],
    "embedding_gather": [{"V": 50, "D": 70, "N": 33}],
    "gelu": [{"n": 1537}, {"n": 1}],
    "gemv": [{"M": 33, "N": 300}, {"M": 1, "N": 1}],
    "histogram": [{"N": 5000, "B": 37}, {"N": 1537, "B": 5000}],  # B > 4096: global atomics
    "layernorm": [{"M": 5, "N": 1000}, {"M": 2, "N": 3}],
    "matmul": [{"M": 70, "N": 33, "K": 129}, {"M": 1, "N": 1, "K": 1}],
    "matmul_fp16": [{"M": 33, "N": 47, "K": 65}],
    "prefix_sum": [{"n": 10000}, {"n": 1}],
    "rmsnorm": [{"M": 5, "N": 1000}, {"M": 2, "N": 3}],
    "row_sum": [{"M": 5, "N": 1000}, {"M": 3, "N": 1}],
    "scatter_add": [{"N": 5000, "B": 37}, {"N": 3000, "B": 2500}, {"N": 1, "B": 1}],  # B > 2048: global atomics
    "silu": [{"n": 1537}, {"n": 1}],
    "softmax": [{"M": 5, "N": 1000}, {"M": 2, "N": 3}],
    "sum": [{"n": 20000}, {"n": 1}],
    "vector_add": [{"n": 1537}, {"n": 1}],
}
#: OpenCL CPU runtimes, found by platform name: PoCL (Debian's pocl-opencl-icd) and Intel's CPU
#: runtime (pip intel-opencl-rt, made visible by the ICD vendors directory).
CPU_RUNTIMES = {"pocl": "Portable Computing Language", "intel": "Intel(R) OpenCL"}


def starter_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "tasks" / "starters" / "opencl").glob("*.cl"))


def check_starter(backend, task_name: str, language: str = "opencl-c") -> None:
    """Compile the task's OpenCL starter on ``backend`` and check it on SMALL_SHAPES against the
    reference (poisoned outputs, inputs must stay unchanged), with kernelhub's own comparison.
    ``language="spirv"``: the starter compiled to SPIR-V first (clang + llvm-spirv)."""
    from kernelhub import taskrt
    from kernelhub.checking import compare, make_poison, poisoned, same_bytes
    from kernelhub.plugins import registry
    task = registry().task(task_name)
    source = (ROOT / "tasks" / "starters" / "opencl" / f"{task_name}.cl").read_text()
    if language == "spirv":
        from kernelhub_opencl import spirv
        source = spirv.encode(spirv.compile_opencl(source), source)
    compiled = backend.compile(Candidate(backend=backend.name, language=language, source=source,
                                         filename=f"{task_name}.cl"), task.signature)
    assert compiled.result.ok, [d.message for d in compiled.result.diagnostics]
    rng = np.random.default_rng(7)
    for shape in SMALL_SHAPES[task_name]:
        inputs = taskrt.generate_inputs(task, shape, seed=int(rng.integers(1 << 30)))
        expected = taskrt.reference_outputs(task, inputs, shape)
        arrays = {k: v.copy() for k, v in inputs.items()}
        poisons = {}
        for name, (dims, dtype) in taskrt.output_specs(task, shape).items():
            poisons[name] = make_poison(dtype, rng)
            arrays[name] = poisoned(dims, poisons[name])
        got = backend.run(compiled.artifact, KernelArgs(task.signature, arrays, taskrt.params_for(task, shape)))
        for out in task.signature.outputs:
            check = compare(out.name, got[out.name], expected[out.name], task.tolerances.get(out.dtype),
                            poisons[out.name])
            assert check.passed, f"{task_name} {shape} {out.name}: {check.message}"
        for t in task.signature.inputs:
            if t.name not in task.signature.mutable_inputs:
                assert same_bytes(got[t.name], inputs[t.name]), f"{task_name} {shape}: input {t.name} changed"


@pytest.fixture(scope="module")
def cpu_backends():
    """runtime name -> an OpenCLBackend pinned to that runtime's device (None: not installed here)."""
    try:
        from kernelhub_opencl.devices import all_devices
        refs = all_devices()
    except Exception:
        refs = []
    out = {}
    for key, platform in CPU_RUNTIMES.items():
        ref = next((r for r in refs if r.platform.name.strip() == platform and r.kind == "cpu"), None)
        out[key] = kernelhub_opencl.OpenCLBackend(device=ref.index, label=ref.label) if ref else None
    return out


def test_starter_list_covers_every_task():
    assert set(starter_names()) == set(SMALL_SHAPES)


@pytest.mark.parametrize("runtime", sorted(CPU_RUNTIMES))
@pytest.mark.parametrize("task_name", starter_names())
def test_every_starter_on_every_cpu_runtime(cpu_backends, runtime, task_name):
    b = cpu_backends[runtime]
    if b is None:
        pytest.skip(f"no OpenCL platform {CPU_RUNTIMES[runtime]!r} here (PoCL: apt-get install "
                    "pocl-opencl-icd; Intel: pip install intel-opencl-rt)")
    check_starter(b, task_name)


# ---------------------------------------------------------------- devices in the Evaluation and on the CLI


def _intel_index() -> int | None:
    from kernelhub_opencl.devices import all_devices
    return next((r.index for r in all_devices() if r.platform.name.strip() == CPU_RUNTIMES["intel"]), None)


def test_device_list_and_chosen_device_are_in_the_evaluation(backend, evaluator):
    """The candidate option `device` picks the device; the Evaluation names it and lists every device."""
    from conftest import small_task
    from kernelhub.models import Status
    from kernelhub.plugins import registry
    idx = _intel_index()
    if idx is None or "opencl" not in registry().backends:
        pytest.skip("needs two OpenCL CPU runtimes (PoCL and Intel's) and the installed opencl plugin")
    task = small_task("vector_add", visible=[{"n": 1000}], heldout=[{"n": 1537}])
    for name, opts in (("opencl", {"device": "Intel"}), (f"opencl:{idx}", {})):
        ev = evaluator.evaluate(task, Candidate(backend=name, source=STARTER, filename="vector_add.cl",
                                                options=opts))
        assert ev.status == Status.correct, ev.message
        detail = ev.compile.profile.detail
        assert detail["device_label"].startswith(CPU_RUNTIMES["intel"]), detail["device_label"]
        assert len(detail["devices"]) >= 2 and any(d.startswith(f"[{idx}] ") for d in detail["devices"])
        assert ev.device  # the backend's device name


def test_cli_passes_the_device_choice(tmp_path):
    """The CLI routes the device choice to the backend: an unknown one fails at compile with the list of
    devices (cheap: nothing runs; the Evaluation test above covers a successful choice)."""
    import json
    import os
    import subprocess
    helptext = subprocess.run([sys.executable, "-m", "kernelhub.cli", "eval", "--help"], capture_output=True,
                              text=True, env={**os.environ, "COLUMNS": "200"}).stdout
    # `--device` is the CLI's spelling of the candidate option (issue 9); `--option device=` until it is wired in
    choice = ["--device", "no-such-device-xyz"] if "--device" in helptext else ["--option", "device=no-such-device-xyz"]
    (tmp_path / "vector_add.cl").write_text(STARTER)
    p = subprocess.run([sys.executable, "-m", "kernelhub.cli", "eval", "-t", "vector_add", "-b", "opencl",
                        "--no-time", "--json", *choice, str(tmp_path / "vector_add.cl")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr[-2000:]
    ev = json.loads(p.stdout)
    assert ev["status"] == "compile_error"
    msg = ev["compile"]["diagnostics"][-1]["message"]
    assert "no OpenCL device matches 'no-such-device-xyz'" in msg and "[0] " in msg, msg


def test_bandwidth_benchmark_runs_every_cpu_device():
    """benchmarks/opencl_bandwidth.py on tiny arrays: a row per device, each checked and compared."""
    import json
    import subprocess
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "opencl_bandwidth.py"), "--mib", "4",
                        "--rounds", "1", "--reps", "2", "--json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = json.loads(p.stdout)["devices"]
    if not rows:
        pytest.skip("no OpenCL or SYCL device here")
    assert all("error" not in r for r in rows), rows
    cpu = [r for r in rows if r["kind"] == "cpu"]
    assert all(r["gb_per_s"] > 0 and r["fraction_of_numpy_copy"] > 0 for r in cpu)
    assert any(r["device"].startswith("sycl") for r in rows) or not any("Intel" in r["device"] for r in rows)


def test_when_picks_the_vector_or_the_scalar_kernel(backend):
    """`when:` on a real device: a float4 kernel where n divides by 4, a scalar one elsewhere."""
    src = """\
//! kernel: add4
//! when: n % 4 == 0
//! global: n // 4
__kernel void add4(__global const float4 *x, __global const float4 *y, __global float4 *out, const long n) {
    size_t i = get_global_id(0);
    out[i] = x[i] + y[i];
}
//! kernel: add1
//! when: n % 4 != 0
//! global: n
__kernel void add1(__global const float *x, __global const float *y, __global float *out, const long n) {
    size_t i = get_global_id(0);
    out[i] = x[i] + y[i];
}
//! kernel: never
//! when: n < 0
//! global: n
__kernel void never(__global const float *x, __global const float *y, __global float *out, const long n) {
    out[get_global_id(0)] = NAN;  // would spoil every result if a false condition still launched
}
"""
    compiled = backend.compile(cand(src, "two_paths.cl"), SIG)
    assert compiled.result.ok, compiled.result.diagnostics
    for n in (1, 7, 4096, 4099):
        args, x, y = vadd_args(n, seed=n)
        np.testing.assert_array_equal(backend.run(compiled.artifact, args)["out"], x + y)
