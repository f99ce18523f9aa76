"""The ROCm backends without an AMD GPU: Triton starters cross-compiled for gfx942 and gfx90a by
Triton's AMD backend (resource report, MFMA in the matmul), a Triton candidate run in the
interpreter through ``rocm-triton``, HIP starters compile-only with their resource report, a HIP
compile error with its line and column, and the occupancy arithmetic against hand calculations.
Skipped, with the probe's reason, where triton/torch or the HIP toolchain is missing."""

from __future__ import annotations

import os
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
TRITON = ROOT / "tasks" / "starters" / "triton"
HIP = ROOT / "tasks" / "starters" / "hip"
ARCHS = ("gfx942", "gfx90a")
#: Triton starters built on tl.dot: their AMDGCN must use MFMA
DOT_STARTERS = {"matmul", "matmul_fp16", "conv2d", "attention"}


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    """Every compile here is a real one: the persistent cache lives in a fresh directory."""
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
    except Exception as e:  # plugin missing
        pytest.skip(f"{name} backend not registered: {e}")
    avail = b.probe()
    if not avail.compile:
        pytest.skip(f"{name} cannot compile here: {avail.reasons.get('compile')}")
    return b


# ---------------------------------------------------------------- occupancy (pure arithmetic)


def test_occupancy_hand_calculations():
    from kernelhub_rocm.targets import occupancy, target
    t = target("gfx942")
    # 124 VGPRs -> 128 allocated (granule 8) -> 512 // 128 = 4 waves per SIMD; 4-wave workgroups -> 4 per CU
    o = occupancy(t, vgprs=124, sgprs=58, workgroup_size=256)
    assert (o["waves_per_simd"], o["limited_by"], o["workgroups_per_cu"], o["vgpr_alloc"]) == (4.0, "vgprs", 4, 128)
    # + 32 KiB of LDS: 64 KiB // 32 KiB = 2 workgroups -> 2 * 4 waves / 4 SIMDs = 2 waves per SIMD
    o = occupancy(t, vgprs=124, sgprs=58, lds_bytes=32768, workgroup_size=256)
    assert (o["waves_per_simd"], o["limited_by"]) == (2.0, "lds")
    # LDS rounds up to 512 B: 8512 -> 8704, 65536 // 8704 = 7 workgroups of 4 waves -> 7 waves per SIMD
    o = occupancy(t, vgprs=24, agprs=16, sgprs=36, lds_bytes=8512, workgroup_size=256)
    assert (o["waves_per_simd"], o["limited_by"], o["lds_alloc_bytes"]) == (7.0, "lds", 8704)
    # AGPRs share the file: align(130, 4) + 128 = 260 -> 264 allocated -> 512 // 264 = 1 wave
    o = occupancy(t, vgprs=130, agprs=128, sgprs=20, workgroup_size=64)
    assert (o["unified_vgprs"], o["waves_per_simd"], o["limited_by"]) == (260, 1.0, "vgprs")
    # 105 SGPRs -> 7 waves (gfx9 table); single-wave workgroups use no barrier slot
    o = occupancy(t, vgprs=8, sgprs=105, workgroup_size=64)
    assert (o["waves_per_simd"], o["limited_by"]) == (7.0, "sgprs") and "barriers" not in o["workgroups_per_cu_by"]
    # 3-wave workgroups, 256 VGPRs: 2 waves per SIMD -> 2 * 4 // 3 = 2 workgroups -> 6 waves / 4 SIMDs = 1.5
    o = occupancy(t, vgprs=256, sgprs=20, workgroup_size=192)
    assert (o["workgroups_per_cu"], o["waves_per_simd"]) == (2, 1.5)
    # small kernels: the 8 wave slots per SIMD
    assert occupancy(t, vgprs=8, sgprs=14, workgroup_size=256)["limited_by"] == "wave_slots"
    # more LDS than a workgroup may have: nothing fits
    o = occupancy(t, vgprs=8, lds_bytes=65537, workgroup_size=256)
    assert (o["waves_per_simd"], o["limited_by"]) == (0.0, "lds")


def test_target_table():
    from kernelhub_rocm.targets import UnknownTarget, target
    mi300, mi250 = target("gfx942"), target("gfx90a")
    assert mi300.compute_units == 304 and mi300.lds_per_cu_bytes == 65536 and mi300.peak_flops_per_s["fp32_matrix"] > 1e14
    assert mi250.compute_units == 110 and mi250.vgprs_per_simd == 512
    with pytest.raises(UnknownTarget, match="gfx942"):
        target("gfx1100")


# ---------------------------------------------------------------- Triton for AMD


@pytest.fixture(scope="module")
def rt():
    b = _backend("rocm-triton")
    old = os.environ.get("TRITON_INTERPRET")
    os.environ["TRITON_INTERPRET"] = "1"   # the dry run in this process, as in the backend's worker
    yield b
    if old is None:
        os.environ.pop("TRITON_INTERPRET", None)
    else:
        os.environ["TRITON_INTERPRET"] = old


@pytest.mark.parametrize("task", sorted(p.stem for p in TRITON.glob("*.py")))
def test_triton_starter_compiles_for_amd(rt, task):
    sig = registry().task(task).signature
    for arch in ARCHS:
        opts = {"arch": arch}
        c = rt.compile(Candidate(backend="rocm-triton", source=(TRITON / f"{task}.py").read_text(),
                                 filename=f"{task}.py", options=opts), sig)
        assert c.result.ok, [d.message for d in c.result.diagnostics]
        p = c.result.profile
        assert p.platform == f"rocm-triton-{arch}", p
        h = p.headline
        assert h["target"] == arch and h["wavefront_size"] == 64 and h["vgprs"] > 0 and h["sgprs"] > 0
        assert h["vgpr_spills"] == 0 and 0 < h["waves_per_simd"] <= 8 and h["limited_by"]
        for k in p.detail["kernels"].values():
            assert k["instructions"]["total"] > 0 and k["occupancy"]["arch"] == arch
        if task in DOT_STARTERS:
            assert h["mfma"] > 0, h
        if task == "matmul":
            k = p.detail["kernels"]["matmul_kernel"]
            assert k["instructions"]["mfma"] > 0, k["instructions"]
            assert any(m.startswith("v_mfma") for m in k["instructions"]["matrix_instructions"])
            assert k["lds_bytes"] > 0  # Triton's LDS is dynamic: counted from the kernel metadata
            # the compiler's own occupancy (registers only) agrees with the table's register limit
            assert k["compiler_occupancy"] == k["occupancy"]["waves_per_simd_by"]["vgprs"]


def test_triton_asm_on_request_and_bad_arch(rt):
    sig = registry().task("vector_add").signature
    src = (TRITON / "vector_add.py").read_text()
    c = rt.compile(Candidate(backend="rocm-triton", source=src, filename="va.py", options={"asm": True}), sig)
    asm = next(iter(c.result.profile.detail["asm"].values()))
    assert "global_load" in asm and "s_endpgm" in asm and "va.py" in asm
    bad = rt.compile(Candidate(backend="rocm-triton", source=src, filename="va.py", options={"arch": "gfx000"}), sig)
    assert not bad.result.ok and "gfx942" in bad.result.diagnostics[0].message


def test_triton_candidate_runs_in_interpreter():
    _backend("rocm-triton")
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                       limits=Limits(compile_timeout_s=120, run_timeout_s=60))
    t = small_task("vector_add", visible=[{"n": 1000}], heldout=[{"n": 1537}])
    with Evaluator(opts) as ev:
        r = ev.evaluate(t, Candidate(backend="rocm-triton", source=(TRITON / "vector_add.py").read_text(),
                                     filename="vector_add.py"))
    assert r.status == Status.correct, r.message
    assert r.compile.profile.platform == "rocm-triton-gfx942"


# ---------------------------------------------------------------- HIP C++


@pytest.fixture(scope="module")
def hip():
    return _backend("rocm-hip")


@pytest.mark.parametrize("task", sorted(p.stem for p in HIP.glob("*.hip")))
def test_hip_starter_compile_only_with_resources(hip, task):
    sig = registry().task(task).signature
    for arch in ARCHS:
        c = hip.compile(Candidate(backend="rocm-hip", source=(HIP / f"{task}.hip").read_text(),
                                  filename=f"{task}.hip", options={"arch": arch}), sig)
        assert c.result.ok, [(d.line, d.message) for d in c.result.diagnostics]
        assert c.result.compile_only or hip.probe().run
        h = c.result.profile.headline
        assert h["target"] == arch and h["vgprs"] > 0 and h["sgprs"] > 0 and h["vgpr_spills"] == 0
        assert 0 < h["waves_per_simd"] <= 8
        if task == "matmul":
            assert h["mfma"] > 0 and h["agprs"] > 0 and h["lds_bytes"] > 0


def test_hip_probe_says_why_no_run(hip):
    a = hip.probe()
    if a.run:
        pytest.skip("this host runs HIP code objects")
    assert a.compile and not a.run and not a.time
    assert "AMD GPU" in a.reasons["run"]
    from kernelhub.backend import CandidateError
    c = hip.compile(Candidate(backend="rocm-hip", source=(HIP / "vector_add.hip").read_text(),
                              filename="vector_add.hip"), registry().task("vector_add").signature)
    with pytest.raises(CandidateError, match="cannot run here: no AMD GPU"):
        hip.prepare(c.artifact, None)


@pytest.mark.parametrize("task", sorted(p.stem for p in HIP.glob("*.hip")))
def test_hip_starter_runs_on_a_rocm_host(hip, task):
    """The run path shared with the cuda backend (cupy: RawModule + HIP events) on a ROCm host;
    skipped, with the probe's reason, everywhere else."""
    a = hip.probe()
    if not a.run:
        pytest.skip(a.reasons["run"])
    with Evaluator(EvalOptions(policy=TimingPolicy.quick(), seeds_per_shape=1)) as ev:
        r = ev.evaluate(small_task(task), Candidate(backend="rocm-hip", source=(HIP / f"{task}.hip").read_text(),
                                                     filename=f"{task}.hip"))
    assert r.status == Status.correct, r.message
    assert r.timings and r.timings[0].candidate.device_time


def test_hip_compile_error_line_and_column(hip):
    src = textwrap.dedent("""\
        //! kernel: vector_add
        //! global: round_up(n, 256)
        //! local: 256
        #include <hip/hip_runtime.h>
        extern "C" __global__ void vector_add(const float *x, const float *y, float *out, long long n) {
            long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) out[i] = x[i] + yy[i];
        }
        """)
    sig = registry().task("vector_add").signature
    c = hip.compile(Candidate(backend="rocm-hip", source=src, filename="bad.hip"), sig)
    assert not c.result.ok
    err = [d for d in c.result.diagnostics if d.severity.value == "error"][0]
    assert (err.file, err.line, err.column) == ("bad.hip", 7, 32), err
    assert "yy" in err.message and "yy[i]" in err.source_line


def test_hip_spill_under_forced_launch_bounds(hip):
    """Many live values under __launch_bounds__(1024, 8)... spill into scratch: a warning and the counts."""
    src = textwrap.dedent("""\
        //! kernel: vector_add
        //! global: round_up(n, 1024)
        //! local: 1024
        #include <hip/hip_runtime.h>
        extern "C" __global__ void __launch_bounds__(1024) __attribute__((amdgpu_waves_per_eu(8, 8)))
        vector_add(const float *x, const float *y, float *out, long long n) {
            long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (i >= n) return;
            float v[96];
        #pragma unroll
            for (int k = 0; k < 96; ++k) v[k] = x[(i + k * 977) % n];
            float s = 0.0f;
        #pragma unroll
            for (int k = 0; k < 96; ++k) s += v[k] * v[95 - k] * y[(i + k) % n];
            out[i] = s;
        }
        """)
    sig = registry().task("vector_add").signature
    c = hip.compile(Candidate(backend="rocm-hip", source=src, filename="spill.hip"), sig)
    assert c.result.ok, [d.message for d in c.result.diagnostics]
    h = c.result.profile.headline
    assert h["vgpr_spills"] > 0 and h["scratch_bytes"] > 0, h
    assert any("spills registers" in d.message for d in c.result.diagnostics)


def test_hip_persistent_cache_across_processes(hip, tmp_path, monkeypatch):
    """A second process (a fresh backend, no in-process cache) gets the code object from disk."""
    import subprocess
    import sys
    monkeypatch.setenv("KERNELHUB_CACHE", str(tmp_path))
    script = textwrap.dedent(f"""\
        import json, time
        from kernelhub.plugins import registry
        from kernelhub.models import Candidate
        b = registry().backend("rocm-hip")
        src = open({str(HIP / "gelu.hip")!r}).read()
        c = b.compile(Candidate(backend="rocm-hip", source=src, filename="gelu.hip", options={{"arch": "gfx90a"}}),
                      registry().task("gelu").signature)
        print(json.dumps({{"ok": c.result.ok, "cached": c.result.cached, "seconds": c.result.seconds,
                          "vgprs": c.result.profile.headline["vgprs"], "obj": c.artifact.code_object,
                          "kernels": sorted(__import__("kernelhub_rocm").amdgcn.kernels(c.artifact.asm))}}))
        """)
    runs = [__import__("json").loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                                    check=True, timeout=120).stdout.splitlines()[-1])
            for _ in range(2)]
    cold, warm = runs
    assert cold["ok"] and not cold["cached"] and warm["ok"] and warm["cached"], runs
    assert warm["vgprs"] == cold["vgprs"] and warm["kernels"] == ["gelu"]
    assert warm["obj"].startswith(str(tmp_path)) and Path(warm["obj"]).stat().st_size > 0
    assert warm["seconds"] < cold["seconds"]
    # another target is another key (the source varied so this process's own cache cannot answer)
    c = hip.compile(Candidate(backend="rocm-hip", source=(HIP / "gelu.hip").read_text() + "// variant\n",
                              filename="gelu.hip", options={"arch": "gfx942"}), registry().task("gelu").signature)
    assert c.result.ok and not c.result.cached and c.result.profile.headline["target"] == "gfx942"
    monkeypatch.setenv("KERNELHUB_NO_CACHE", "1")
    from kernelhub_rocm import cache
    assert cache.lookup(c.result.artifact_key) is None
