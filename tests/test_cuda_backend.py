"""The cuda backend without a GPU: every CUDA starter (one test per tasks/starters/cuda/*.cu)
compiles for sm_90 with its ptxas resource report, no spills, and ends compile_only; compile errors
carry the exact line and column. Skipped, with the probe's reason, where nvcc is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernelhub import expr
from kernelhub.backend import TimingPolicy
from kernelhub.diagnostics import parse_compiler_log
from kernelhub.isolation import Limits
from kernelhub.launch import parse_launches
from kernelhub.models import Candidate, Status
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

STARTERS = Path(__file__).resolve().parents[1] / "tasks" / "starters" / "cuda"
CUDA_STARTERS = sorted(p.stem for p in STARTERS.glob("*.cu"))


def test_every_task_has_a_cuda_starter():
    missing = sorted(set(registry().tasks) - set(CUDA_STARTERS))
    assert not missing, f"tasks without a CUDA starter in {STARTERS}: {missing}"


def _shape_dependent_blocks(source: str) -> bool:
    """True when some launch's block size (``//! local:``) depends on the shapes: the static
    occupancy cannot be computed then (the profile omits it)."""
    plan = parse_launches(source)
    return any(launch.local_size and any(expr.names(e.text) for e in launch.local_size) for launch in plan.launches)


@pytest.fixture(scope="module")
def ev():
    try:
        b = registry().backend("cuda")
    except Exception as e:
        pytest.skip(f"cuda backend not registered: {e}")
    avail = b.probe()
    if not avail.compile:
        pytest.skip(f"cuda backend cannot compile here: {avail.reasons}")
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                       limits=Limits(compile_timeout_s=120, run_timeout_s=30))
    with Evaluator(opts) as e:
        yield e


def cand(source: str, name: str = "cand.cu") -> Candidate:
    return Candidate(backend="cuda", source=source, filename=name)


@pytest.mark.parametrize("task", CUDA_STARTERS)
def test_starter_compiles_for_sm90(ev, task):
    source = (STARTERS / f"{task}.cu").read_text()
    r = ev.evaluate(task, cand(source, f"{task}.cu"))
    expected = Status.compile_only if not registry().backend("cuda").probe().run else Status.correct
    assert r.status == expected, f"{r.status.value}: {r.message}"
    assert not [d for d in r.compile.diagnostics if d.severity.value != "note"], r.compile.diagnostics
    h = r.compile.profile.headline
    assert h["target"].startswith("sm_") and h["registers"] > 0 and h["spill_bytes"] == 0
    if "occupancy" in h or not _shape_dependent_blocks(source):
        assert 0 < h["occupancy"] <= 1
    for name, k in r.compile.profile.detail["kernels"].items():
        assert k.get("spill_store_bytes", 0) == k.get("spill_load_bytes", 0) == 0, (name, k)
    if expected == Status.compile_only:
        assert r.compile.compile_only and "GPU" in r.message


SRC = """//! kernel: k
//! global: round_up(n, 256)
//! local: 256
extern "C" __global__ void k(const float *x, const float *y, float *out, long long n) {
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i < n) out[i] = x[i] +* ;
}
"""


def test_compile_error_exact_line_and_column(ev):
    r = ev.evaluate("vector_add", cand(SRC))
    assert r.status == Status.compile_error
    d = r.compile.diagnostics[0]
    assert (d.file, d.line, d.column) == ("cand.cu", 6, 33), d  # the caret under ";"
    assert d.source_line.strip().startswith("if (i < n)")


def test_directive_error_and_mangled_kernel(ev):
    r = ev.evaluate("vector_add", cand(SRC.replace("//! global: round_up(n, 256)", "//! global: round_up(q, 256)")))
    assert r.status == Status.compile_error and r.compile.diagnostics[0].line == 2
    mangled = SRC.replace('extern "C" ', "").replace("x[i] +* ;", "x[i] + y[i];")
    r = ev.evaluate("vector_add", cand(mangled))
    assert r.status == Status.compile_error and 'extern "C"' in r.compile.diagnostics[0].message


def test_int_param_for_int64_is_an_error(ev):
    src = SRC.replace("long long n", "int n").replace("x[i] +* ;", "x[i] + y[i];")
    r = ev.evaluate("vector_add", cand(src))
    assert r.status == Status.compile_error and "long long" in r.compile.diagnostics[0].message


def test_nvcc_log_parser_columns():
    log = ("/tmp/x/cand.cu(3): error: expected an expression\n    out[i] = x[i] +* ;\n"
           "                     ^\n\n/tmp/x/cand.cu(4): warning #177-D: variable \"u\" was declared but never "
           "referenced\n    int u;\n        ^\n")
    src = "a\nb\n  out[i] = x[i] +* ;\n  int u;\n"
    d = parse_compiler_log(log, "cand.cu", src, compiled_as=["/tmp/x/cand.cu"])
    assert [(x.severity.value, x.line, x.column) for x in d] == [("error", 3, 20), ("warning", 4, 7)]


def test_tensormap_constraints_named_without_a_gpu():
    """The TMA rules are checked before the driver sees them (it would only say 'invalid value')."""
    from kernelhub_cuda.tensormap import problems
    assert problems(0x10000, (4096, 4096), "float16", (128, 64), 128) == []
    (p,) = problems(0x10000, (1000, 777), "float16", (128, 64), 128)
    assert "row stride 1554 bytes" in p and "16" in p
    assert any("wider than the 64-byte swizzle" in p for p in problems(0x10000, (64, 64), "float16", (64, 64), 64))
    assert any("not 16-byte aligned" in p for p in problems(0x10008, (64, 64), "float16", (64, 64), 128))
    assert any("1..256" in p for p in problems(0x10000, (512, 512), "float16", (512, 64), 128))


def test_tensormap_param_declared_as_pointer_is_an_error(ev):
    src = """//! kernel: k
//! global: 256
//! local: 256
//! args: tensormap(A, 128, 64, swizzle=128), B, C, M, N, K
#include <cuda.h>
extern "C" __global__ void k(const CUtensorMap *tm, const __half *B, __half *C, long long M, long long N, long long K) {}
""".replace("#include <cuda.h>", "#include <cuda.h>\n#include <cuda_fp16.h>")
    r = ev.evaluate("matmul_fp16", cand(src))
    assert r.status == Status.compile_error
    assert "__grid_constant__ CUtensorMap" in r.compile.diagnostics[0].message and r.compile.diagnostics[0].line == 4
    r = ev.evaluate("matmul_fp16", cand(src.replace("const CUtensorMap *tm", "const CUtensorMap tm")))
    assert r.status == Status.compile_error and "local memory" in r.compile.diagnostics[0].message
