"""Bad candidates for the ROCm backends, compiled for both CDNA targets without an AMD GPU: a HIP
syntax error (exact line and column), an unknown AMDGCN intrinsic (its line and name), static LDS
over the target's limit (pointed at the ``__shared__`` declaration, limit named), and a Triton
matmul whose block sizes need more LDS than an AMD workgroup may have (an error at compile time,
where the HIP driver would only refuse the launch). Skipped with the probe's reason where the
HIP toolchain or triton is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kernelhub.models import Candidate, Severity
from kernelhub.plugins import registry

ROOT = Path(__file__).resolve().parents[1]
ARCHS = ("gfx942", "gfx90a")
HEAD = ('//! kernel: vector_add\n//! global: round_up(n, 256)\n//! local: 256\n#include <hip/hip_runtime.h>\n'
        'extern "C" __global__ void vector_add(const float *x, const float *y, float *out, long long n) {\n')


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    old = os.environ.get("KERNELHUB_CACHE")
    os.environ["KERNELHUB_CACHE"] = str(tmp_path_factory.mktemp("kh-cache"))
    yield
    if old is None:
        os.environ.pop("KERNELHUB_CACHE", None)
    else:
        os.environ["KERNELHUB_CACHE"] = old


def _backend(name: str):
    try:
        b = registry().backend(name)
    except Exception as e:
        pytest.skip(f"{name} backend not registered: {e}")
    a = b.probe()
    if not a.compile:
        pytest.skip(f"{name} cannot compile here: {a.reasons.get('compile')}")
    return b


def _errors(backend, src: str, filename: str, task: str, arch: str):
    c = backend.compile(Candidate(backend=backend.name, source=src, filename=filename, options={"arch": arch}),
                        registry().task(task).signature)
    assert not c.result.ok
    errs = [d for d in c.result.diagnostics if d.severity == Severity.error]
    assert errs, c.result.diagnostics
    return errs


@pytest.mark.parametrize("arch", ARCHS)
def test_hip_syntax_error_exact_position(arch):
    src = HEAD + ("    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x\n"
                  "    if (i < n) out[i] = x[i] + y[i];\n}\n")
    e = _errors(_backend("rocm-hip"), src, "syntax.hip", "vector_add", arch)[0]
    assert (e.file, e.line, e.column) == ("syntax.hip", 6, 67), e
    assert "expected ';'" in e.message


@pytest.mark.parametrize("arch", ARCHS)
def test_hip_unknown_intrinsic(arch):
    src = HEAD + ("    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
                  "    if (i < n) out[i] = __builtin_amdgcn_fancy_add(x[i], y[i]);\n}\n")
    e = _errors(_backend("rocm-hip"), src, "intrinsic.hip", "vector_add", arch)[0]
    assert (e.line, e.column) == (7, 25), e
    assert "__builtin_amdgcn_fancy_add" in e.message and "undeclared" in e.message
    assert "__builtin_amdgcn_fancy_add" in e.source_line


@pytest.mark.parametrize("arch", ARCHS)
def test_hip_lds_over_target_limit(arch):
    src = HEAD + ("    __shared__ float big[20000];\n"
                  "    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
                  "    big[threadIdx.x * 64] = x[i];\n    __syncthreads();\n"
                  "    if (i < n) out[i] = big[(threadIdx.x * 64 + 64) % 20000] + y[i];\n}\n")
    errs = _errors(_backend("rocm-hip"), src, "lds.hip", "vector_add", arch)
    assert len(errs) == 1, errs
    e = errs[0]
    assert (e.line, e.column) == (6, 5) and "__shared__" in e.source_line, e
    assert "80000 bytes of LDS" in e.message and "65536" in e.message and arch in e.message


def test_triton_block_size_over_lds_limit():
    rt = _backend("rocm-triton")
    old = os.environ.get("TRITON_INTERPRET")
    os.environ["TRITON_INTERPRET"] = "1"   # the dry run in this process, as in the backend's worker
    try:
        src = (ROOT / "tasks/starters/triton/matmul.py").read_text()
        assert "BM, BN, BK = 64, 64, 32" in src and "num_stages=3" in src
        src = src.replace("BM, BN, BK = 64, 64, 32", "BM, BN, BK = 32, 32, 512").replace("num_stages=3", "num_stages=2")
        errs = _errors(rt, src, "big.py", "matmul", "gfx942")
    finally:
        if old is None:
            os.environ.pop("TRITON_INTERPRET", None)
        else:
            os.environ["TRITON_INTERPRET"] = old
    e = errs[0]
    assert e.file == "big.py" and e.line and "matmul_kernel[" in e.source_line, e
    assert "bytes of LDS" in e.message and "65536" in e.message and "BLOCK_K': 512" in e.message
