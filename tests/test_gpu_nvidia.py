"""On the NVIDIA GPU machine only (marker `gpu`, run through the device tool): the CUDA backend's
run path with device timing, recovery after an illegal address, and the Triton backend's GPU path
with its host-compute check. The interpreter-mode tests in test_triton_backend.py run there too
and then exercise the GPU path, since the mode follows the machine."""

from __future__ import annotations

import textwrap

import pytest

from kernelhub.backend import TimingPolicy
from kernelhub.isolation import Limits
from kernelhub.models import Candidate, Status
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

from conftest import small_task

pytestmark = pytest.mark.gpu

ILLEGAL = """
//! kernel: vector_add
//! global: round_up(n, 256)
//! local: 256
extern "C" __global__ void vector_add(const float *x, const float *y, float *out, long long n) {
    float *bad = (float *)0x10;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) bad[i] = x[i] + y[i];
}
"""


def _need(name: str):
    try:
        b = registry().backend(name)
    except Exception as e:
        pytest.skip(f"{name} not registered: {e}")
    if not b.probe().time or not b.device_time:
        pytest.skip(f"{name} cannot time on a GPU here: {b.probe().reasons or 'interpreter mode'}")
    return b


@pytest.fixture(scope="module")
def ev():
    opts = EvalOptions(policy=TimingPolicy(warmup=3, min_reps=20, max_reps=200, budget_s=0.2),
                       limits=Limits(compile_timeout_s=120, run_timeout_s=30, memory_bytes=16 << 30))
    with Evaluator(opts) as e:
        yield e


@pytest.fixture(scope="module")
def task():
    return small_task("vector_add", visible=[{"n": 1 << 22}], heldout=[{"n": 1}, {"n": 1537}])


@pytest.mark.parametrize("backend", ["cuda", "triton"])
def test_starter_runs_with_device_timing(ev, task, backend):
    _need(backend)
    src = registry().starter(task, backend)
    r = ev.evaluate(task, Candidate(backend=backend, source=src, filename="vector_add.starter"))
    assert r.status == Status.correct, r.message
    t = r.timings[0].candidate
    assert t.device_time and not t.interpreted and r.speedup and r.timings[0].reference
    assert all(d <= h * 1.02 + 2e-5 for d, h in zip(t.samples, t.host_samples))


def test_illegal_address_then_recovery(ev, task):
    _need("cuda")
    bad = ev.evaluate(task, Candidate(backend="cuda", source=ILLEGAL, filename="illegal.cu"))
    assert bad.status in (Status.crash, Status.runtime_error), bad.message
    good = ev.evaluate(task, Candidate(backend="cuda", source=registry().starter(task, "cuda"), filename="ok.cu"))
    assert good.status == Status.correct, good.message


def test_triton_host_compute_on_gpu(ev, task):
    _need("triton")
    src = textwrap.dedent("""
        import triton
        import triton.language as tl

        @triton.jit
        def k(x, out, n, BLOCK: tl.constexpr):
            offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
            tl.store(out + offs, tl.load(x + offs, mask=offs < n), mask=offs < n)

        def kernel(x, y, out, n):
            k[(triton.cdiv(n, 256),)](x, out, n, BLOCK=256)
            out.add_(y)
        """)
    r = ev.evaluate(task, Candidate(backend="triton", source=src, filename="cheat.py"))
    assert r.status == Status.integrity_violation, r.message


def test_cuda_tma_matmul_and_its_general_path(ev):
    """The fp16 matmul starter: the TMA kernel where rows are 16-byte aligned, the cp.async one elsewhere."""
    _need("cuda")
    t = small_task("matmul_fp16", visible=[{"M": 512, "N": 1024, "K": 512}],
                   heldout=[{"M": 129, "N": 7, "K": 3001}, {"M": 1, "N": 4096, "K": 1024}])
    r = ev.evaluate(t, Candidate(backend="cuda", source=registry().starter(t, "cuda"), filename="matmul_fp16.cu"))
    assert r.status == Status.correct, r.message
    assert set(r.compile.profile.detail["kernels"]) == {"matmul_fp16_tma", "matmul_fp16"}


def test_cuda_tensormap_on_unaligned_rows_names_the_rule(ev):
    _need("cuda")
    t = small_task("matmul_fp16", visible=[{"M": 64, "N": 64, "K": 777}], heldout=[])
    src = registry().starter(t, "cuda").replace("//! when: sm == 90 and K % 8 == 0 and N % 8 == 0\n", "")
    src = src.replace("//! when: sm != 90 or K % 8 != 0 or N % 8 != 0", "//! when: K < 0")
    r = ev.evaluate(t, Candidate(backend="cuda", source=src, filename="mm.cu"))
    assert r.status == Status.runtime_error, r.message
    assert "tensormap(A" in r.message and "row stride 1554 bytes" in r.message and "when:" in r.message


def test_triton_kernel_on_another_stream_is_caught(ev, task):
    """Work sent to a side stream would run outside the timed region: an integrity failure."""
    _need("triton")
    src = textwrap.dedent("""
        import torch
        import triton
        import triton.language as tl

        @triton.jit
        def add(x, y, out, n, BLOCK: tl.constexpr):
            offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
            m = offs < n
            tl.store(out + offs, tl.load(x + offs, mask=m) + tl.load(y + offs, mask=m), mask=m)

        SIDE = None

        def kernel(x, y, out, n):
            global SIDE
            SIDE = SIDE or torch.cuda.Stream()
            with torch.cuda.stream(SIDE):
                add[(triton.cdiv(n, 1024),)](x, y, out, n, BLOCK=1024)
        """)
    r = ev.evaluate(task, Candidate(backend="triton", source=src, filename="side_stream.py"))
    assert r.status == Status.integrity_violation, r.message
    assert "outside the timed region" in r.message


@pytest.mark.parametrize("backend", ["cuda", "triton"])
def test_counters_from_ncu(backend):
    """--counters: ncu reads one call of the starter; the harness's busy-wait is not among its kernels."""
    _need(backend)
    from kernelhub.ncu import HARNESS_KERNELS, find_ncu
    if find_ncu() is None:
        pytest.skip("ncu not found on this machine")
    t = small_task("vector_add", visible=[{"n": 1 << 24}], heldout=[])
    opts = EvalOptions(time=False, heldout=False, counters=True,
                       limits=Limits(compile_timeout_s=120, run_timeout_s=30, memory_bytes=16 << 30))
    with Evaluator(opts) as e:
        r = e.evaluate(t, Candidate(backend=backend, source=registry().starter(t, backend), filename="va.starter"))
    assert r.status == Status.correct, r.message
    c = r.counters
    assert c is not None and c.headline, c.detail if c else None
    names = [k["kernel"] for k in c.detail["kernels"]]
    assert names and not set(names) & HARNESS_KERNELS
    # 3 x 64 MiB moved: ncu's DRAM bytes see it, and the bandwidth is a real H100 figure
    assert 0.9 * 3 * 4 * (1 << 24) <= c.headline["dram_bytes"] <= 1.2 * 3 * 4 * (1 << 24)
    assert 1000 < c.headline["dram_GBps"] < 4000 and 0 < c.headline["dram_pct_of_peak"] <= 100
