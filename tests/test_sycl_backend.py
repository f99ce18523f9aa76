"""The sycl backend (dpctl, Intel's OpenCL CPU runtime in CI): starters, diagnostics, bad candidates,
device selection; and the ICD vendors directory it shares with the opencl backend."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from kernelhub.backend import KernelArgs, TimingPolicy
from kernelhub.models import Candidate, Severity, Status
from tasks.elementwise import TASKS

ROOT = Path(__file__).resolve().parents[1]
try:
    import kernelhub_sycl
except ImportError:  # not installed as a package yet
    sys.path.insert(0, str(ROOT / "backends"))
    import kernelhub_sycl

from conftest import small_task
from test_opencl_backend import check_starter, starter_names

SIG = TASKS[0].signature
STARTERS = ROOT / "tasks" / "starters" / "opencl"


@pytest.fixture(scope="module")
def backend():
    b = kernelhub_sycl.SyclBackend()
    avail = b.probe()
    if not avail.run:
        pytest.skip(avail.reasons.get("run", "sycl unavailable"))
    return b


def cand(source: str, filename: str = "k.cl", **options) -> Candidate:
    return Candidate(backend="sycl", source=source, filename=filename, options=options)


def test_import_is_cheap():
    import subprocess
    code = ("import sys; sys.path.insert(0, 'backends'); import kernelhub_sycl; "
            "assert 'dpctl' not in sys.modules and 'pyopencl' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_probe_lists_devices_with_their_sycl_backend(backend):
    avail = backend.probe()
    assert any(n.startswith("[0] ") and n.split()[1].rstrip(":") in ("opencl", "level_zero", "cuda", "hip")
               for n in avail.notes), avail.notes
    assert any("selected" in n for n in avail.notes)
    assert any("sycl-cpp" in n for n in avail.notes)  # compiler found, or the exact reason there is none
    info = backend.device_info()
    for key in ("compute_units", "max_work_group_size", "local_mem_size", "sub_group_sizes", "sycl_backend"):
        assert key in info.detail
    assert info.detail["devices"]


@pytest.mark.parametrize("task_name", starter_names())
def test_every_starter_on_the_sycl_device(backend, task_name):
    """The OpenCL starters, unchanged, through a SYCL kernel bundle (small ragged shapes)."""
    check_starter(backend, task_name)


def test_event_time_not_above_host_time(backend):
    compiled = backend.compile(cand((STARTERS / "vector_add.cl").read_text()), SIG)
    n = 1 << 18
    x, y = np.ones(n, np.float32), np.full(n, 2, np.float32)
    args = KernelArgs(SIG, {"x": x, "y": y, "out": np.full(n, np.nan, np.float32)}, {"n": n})
    run = backend.time(compiled.artifact, args, TimingPolicy.quick(), time.perf_counter)
    assert run.timing.device_time and run.timing.method.startswith("sycl event profiling")
    assert all(0 < d <= h for d, h in zip(run.timing.samples, run.timing.host_samples))
    assert (run.outputs["out"] == 3).all()


BUILD_ERROR = """\
//! kernel: vector_add
//! global: n

__kernel void vector_add(__global const float *x, __global const float *y,
                         __global float *out, const long n) {
    long i = get_global_id(0);
    out[i] = x[i] + yy[i];
}
"""


def test_build_error_maps_to_candidate_line(backend):
    r = backend.compile(cand(BUILD_ERROR, "bad.cl"), SIG).result
    errs = [d for d in r.diagnostics if d.severity == Severity.error]
    assert not r.ok and errs
    assert (errs[0].file, errs[0].line, errs[0].column) == ("bad.cl", 7, 21) and "yy" in errs[0].message


def test_shared_argument_checks(backend):
    src = (STARTERS / "vector_add.cl").read_text()
    (d,) = [d for d in backend.compile(cand(src.replace("const long n", "const int n")), SIG).result.diagnostics
            if d.severity == Severity.error]
    assert "long n" in d.message and "int64" in d.message
    r = backend.compile(cand(src.replace("//! kernel: vector_add", "//! kernel: vadd")), SIG).result
    assert not r.ok and "vadd" in r.diagnostics[0].message and "vector_add" in r.diagnostics[0].message


def test_device_option(backend):
    src = (STARTERS / "vector_add.cl").read_text()
    r = backend.compile(cand(src, device="no-such-device-xyz"), SIG).result
    assert not r.ok and "no SYCL device matches" in r.diagnostics[0].message


BAD = {
    "wrong_nd_range": ("""
        //! kernel: k
        //! global: cdiv(n, 2)
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0); if (i < n) out[i] = x[i] + y[i];
        }
        """, Status.incorrect),
    "out_of_bounds": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            __global float *bad = (__global float *)0x10;
            long i = get_global_id(0); bad[i] = x[i];
        }
        """, (Status.crash, Status.runtime_error)),
    "hang": ("""
        //! kernel: k
        //! global: n
        __kernel void k(__global const float *x, __global const float *y, __global float *out, long n) {
            long i = get_global_id(0);
            while (x[0] == x[0]) out[i] += 1.0f;
        }
        """, Status.timeout),
}


@pytest.fixture(scope="module")
def sycl_evaluator(backend):
    """An Evaluator whose registry (and workers) load this plugin without it being installed."""
    import os
    from kernelhub.isolation import Limits
    from kernelhub.pipeline import EvalOptions, Evaluator
    from kernelhub.plugins import registry, reset_registry
    saved = {k: os.environ.get(k) for k in ("KERNELHUB_PLUGINS", "PYTHONPATH")}
    if "sycl" not in registry().backends:
        os.environ["KERNELHUB_PLUGINS"] = ",".join(filter(None, [saved["KERNELHUB_PLUGINS"], "kernelhub_sycl"]))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "backends"), saved["PYTHONPATH"]]))
        reset_registry()
    opts = EvalOptions(policy=TimingPolicy.quick(),
                       limits=Limits(compile_timeout_s=60, run_timeout_s=4, memory_bytes=4 << 30))
    try:
        with Evaluator(opts) as ev:
            yield ev
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_registry()


def test_bad_candidates_then_a_good_one(sycl_evaluator):
    """The issue's bad-candidate set through the whole pipeline (isolated workers): each gets its
    status and the run goes on; then the starter, as OpenCL C and as SPIR-V, is correct."""
    task = small_task("vector_add", visible=[{"n": 1000}, {"n": 4096}], heldout=[{"n": 1}, {"n": 1537}])
    ev = sycl_evaluator.evaluate(task, Candidate(backend="sycl", source=BUILD_ERROR, filename="bad.cl"))
    assert ev.status == Status.compile_error, ev.message
    (d,) = [d for d in ev.compile.diagnostics if d.severity == Severity.error]
    assert (d.file, d.line) == ("bad.cl", 7) and "yy" in d.message
    for kind, (src, want) in BAD.items():
        ev = sycl_evaluator.evaluate(task, Candidate(backend="sycl", source=textwrap.dedent(src), filename=kind))
        assert ev.status in (want if isinstance(want, tuple) else (want,)), f"{kind}: {ev.status}: {ev.message}"
    source = (STARTERS / "vector_add.cl").read_text()
    ev = sycl_evaluator.evaluate(task, Candidate(backend="sycl", source=source, filename="vector_add.cl"))
    assert ev.status == Status.correct, ev.message
    detail = ev.compile.profile.detail
    assert detail["device_label"] and detail["devices"] and detail["device"]["sub_group_sizes"]
    assert detail["device_label"] in ev.compile.profile.detail["devices"][detail["device"]["index"]]
    from kernelhub_opencl import spirv
    if spirv.toolchain() is None:
        return
    text = spirv.encode(spirv.compile_opencl(source), source)
    ev = sycl_evaluator.evaluate(task, Candidate(backend="sycl", language="spirv", source=text,
                                                 filename="vector_add.spv.txt"))
    assert ev.status == Status.correct and ev.language == "spirv", ev.message
    lines = text.splitlines()
    lines[6] = lines[6][:10] + "?" + lines[6][11:]
    ev = sycl_evaluator.evaluate(task, Candidate(backend="sycl", language="spirv", source="\n".join(lines),
                                                 filename="bad.spv.txt"))
    assert ev.status == Status.compile_error and ev.compile.diagnostics[0].line == 7, ev.message


def test_icd_vendors_dir_names_placeholder_runtime():
    from kernelhub_opencl import icd
    extra = icd.extra_libraries()
    if not extra:
        pytest.skip("no OpenCL driver without a working ICD file here")
    env = icd.icd_env()
    if not env:
        pytest.skip("the user set the ICD loader's variables")
    folder = Path(env["OCL_ICD_VENDORS"])
    named = {p.read_text().strip() for p in folder.glob("*.icd")}
    assert set(extra.values()) <= named


def test_sycl_cpp_says_why_not(backend):
    """No SYCL C++ compiler comes from PyPI or Debian: the probe and a sycl-cpp candidate say so exactly."""
    from kernelhub_sycl.backend import NO_SYCL_CXX, sycl_compiler
    if sycl_compiler() is not None:
        pytest.skip(f"a SYCL compiler is here ({sycl_compiler()})")
    avail = backend.probe()
    assert avail.reasons["sycl-cpp"] == NO_SYCL_CXX and NO_SYCL_CXX in avail.notes
    assert all(w in NO_SYCL_CXX for w in ("icpx -fsycl", "acpp", "clang++ -fsycl", "PyPI", "Debian"))
    r = backend.compile(Candidate(backend="sycl", language="sycl-cpp", source="int main() {}",
                                  filename="k.cpp"), SIG).result
    assert not r.ok and NO_SYCL_CXX in r.diagnostics[0].message
