"""One run on the NVIDIA GPU machine: every Triton and CUDA starter through the full pipeline with
real timing, the device's measured ceilings (copy bandwidth, bf16 matmul via torch), and the harness's
timing of a kernel against ``triton.testing.do_bench``. Prints a table last; ``--json PATH`` also
writes everything as JSON.

    python benchmarks/gpu_nvidia.py [--json out.json] [--tasks vector_add,softmax] [--quick]

Works from a plain checkout: the repository root and ``backends/`` go on sys.path and the plugins are
named through KERNELHUB_PLUGINS, so an editable install is not needed (pydantic, pluggy, numpy may
come from a wheel directory on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT / "backends", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "backends")]
                                           + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
os.environ.setdefault("KERNELHUB_PLUGINS", "tasks,kernelhub_triton,kernelhub_cuda")  # duplicates of installed entry points are skipped
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")


def ceilings() -> dict:
    import torch
    out: dict = {"device": torch.cuda.get_device_name(0)}
    n = 1 << 30  # 1 GiB each way
    a = torch.empty(n, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = float("inf")
    for _ in range(10):
        s.record(); b.copy_(a); e.record(); e.synchronize()
        best = min(best, s.elapsed_time(e) * 1e-3)
    out["copy_bandwidth_Bps"] = 2 * n / best
    del a, b
    for dt in ("bfloat16", "float16", "float32"):
        m = 4096
        x = torch.randn(m, m, device="cuda", dtype=getattr(torch, dt))
        y = torch.randn(m, m, device="cuda", dtype=getattr(torch, dt))
        for _ in range(3):
            x @ y
        best = float("inf")
        for _ in range(10):
            s.record(); x @ y; e.record(); e.synchronize()
            best = min(best, s.elapsed_time(e) * 1e-3)
        out[f"matmul_{dt}_4096_flops"] = 2 * m ** 3 / best
    return out


def starters(language_dir: str, ext: str, only: list[str] | None) -> dict[str, str]:
    folder = ROOT / "tasks" / "starters" / language_dir
    return {p.stem: p.read_text() for p in sorted(folder.glob(f"*.{ext}")) if not only or p.stem in only}


def with_torch_ref(name: str):
    """The registered task, with ``tasks.torch_refs`` as its torch baseline where it names none yet."""
    import tasks.torch_refs as refs
    from kernelhub.plugins import registry
    task = registry().task(name)
    fn = {"sum": "total_sum"}.get(name, name)
    if "torch" not in task.framework_references and hasattr(refs, fn):
        task = task.model_copy(update={"framework_references": {"torch": f"tasks.torch_refs:{fn}"}})
    return task


def evaluate_all(only: list[str] | None, quick: bool, ceil: dict) -> list[dict]:
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    from kernelhub.models import Candidate
    from kernelhub.pipeline import EvalOptions, Evaluator
    policy = TimingPolicy.quick() if quick else TimingPolicy(warmup=5, min_reps=20, max_reps=500, budget_s=1.0)
    opts = EvalOptions(policy=policy, limits=Limits(compile_timeout_s=300, run_timeout_s=120,
                                                    memory_bytes=64 << 30))
    rows = []
    with Evaluator(opts) as ev:
        for backend, (folder, ext) in (("triton", ("triton", "py")), ("cuda", ("cuda", "cu"))):
            for task, src in starters(folder, ext, only).items():
                t0 = time.time()
                try:
                    r = ev.evaluate(with_torch_ref(task), Candidate(backend=backend, source=src, filename=f"{task}.{ext}"))
                except Exception as e:  # a task the suite lacks, say
                    rows.append({"backend": backend, "task": task, "status": "error", "message": str(e)})
                    print(f"  {backend:6s} {task:12s} error: {e}", flush=True)
                    continue
                best = max(r.timings, key=lambda s: s.shape.values.get("n", 0) or sum(s.shape.values.values()),
                           default=None)
                row = {"backend": backend, "task": task, "status": r.status.value, "message": r.message[:200],
                       "speedup": r.speedup, "roofline_fraction": r.roofline_fraction, "seconds": time.time() - t0,
                       "profile": r.profile.headline if r.profile else {}, "shapes": []}
                for st in r.timings:
                    c = st.candidate
                    bw = st.roofline.achieved_bytes_per_s if st.roofline else None
                    row["shapes"].append({
                        "shape": st.shape.values, "median_s": c.median, "iqr_over_median": c.iqr / c.median if c.median else None,
                        "reference_s": st.reference.median if st.reference else None,
                        "reference_method": st.reference.method if st.reference else None, "speedup": st.speedup,
                        "achieved_Bps": bw, "fraction_of_copy_bw": bw / ceil["copy_bandwidth_Bps"] if bw else None,
                        "achieved_flops": st.roofline.achieved_flops_per_s if st.roofline else None})
                row["largest"] = row["shapes"][-1] if best is not None and row["shapes"] else None
                rows.append(row)
                print(f"  {backend:6s} {task:12s} {r.status.value:14s} {time.time() - t0:6.1f}s"
                      + ("" if r.correct else f"  {r.message[:300]}"), flush=True)
    return rows


def do_bench_agreement() -> list[dict]:
    """The harness's timing loop (TritonBackend.time, in this process) against triton.testing.do_bench
    on the same prepared call."""
    import numpy as np
    import triton.testing
    from kernelhub.backend import KernelArgs, TimingPolicy
    from kernelhub.models import Candidate
    from kernelhub.plugins import registry
    from kernelhub.taskrt import generate_inputs, output_specs, params_for
    reg = registry()
    be = reg.backend("triton")
    out = []
    for task_name, shape in (("vector_add", {"n": 1 << 24}), ("vector_add", {"n": 1 << 22}),
                             ("softmax", {"M": 4096, "N": 2048}), ("matmul", {"M": 2048, "N": 2048, "K": 2048})):
        task = reg.task(task_name)
        src = (ROOT / "tasks" / "starters" / "triton" / f"{task_name}.py").read_text()
        comp = be.compile(Candidate(backend="triton", source=src, filename=f"{task_name}.py"), task.signature)
        if not comp.result.ok:
            out.append({"task": task_name, "error": str(comp.result.diagnostics[:1])})
            continue
        arrays = dict(generate_inputs(task, shape, 1))
        for name, (dims, dt) in output_specs(task, shape).items():
            arrays[name] = np.zeros(dims, dtype=dt)
        args = KernelArgs(task.signature, arrays, params_for(task, shape))
        timed = be.time(comp.artifact, args, TimingPolicy(warmup=10, min_reps=50, max_reps=500, budget_s=1.0),
                        time.perf_counter)
        prepared = be.prepare(comp.artifact, args)
        entry = comp.artifact.entry
        ms = triton.testing.do_bench(lambda: entry(*prepared.args), warmup=25, rep=200, return_mode="median")
        be.release(prepared)
        h = timed.timing.median
        out.append({"task": task_name, "shape": shape, "harness_median_s": h, "do_bench_median_s": ms * 1e-3,
                    "ratio": h / (ms * 1e-3), "harness_iqr_over_median": timed.timing.iqr / h})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write all results to this file")
    ap.add_argument("--tasks", help="comma-separated task names (default: every starter)")
    ap.add_argument("--quick", action="store_true", help="short timing policy")
    a = ap.parse_args()
    only = a.tasks.split(",") if a.tasks else None
    from kernelhub.plugins import registry
    for name in ("triton", "cuda"):
        print(f"{name}: {registry().backend(name).probe().model_dump()}", flush=True)
    ceil = ceilings()
    print(f"ceilings: {json.dumps(ceil)}", flush=True)
    rows = evaluate_all(only, a.quick, ceil)
    bench = do_bench_agreement()
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "ceilings": ceil, "starters": rows, "do_bench": bench}
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1, default=str))
    print()
    print(f"device {ceil['device']}: copy {ceil['copy_bandwidth_Bps'] / 1e9:.0f} GB/s, bf16 matmul "
          f"{ceil['matmul_bfloat16_4096_flops'] / 1e12:.0f} TFLOP/s, fp16 {ceil['matmul_float16_4096_flops'] / 1e12:.0f}, "
          f"fp32 {ceil['matmul_float32_4096_flops'] / 1e12:.0f}")
    print(f"{'backend':7s} {'task':12s} {'status':14s} {'largest shape':28s} {'median us':>10s} {'IQR/med':>8s} "
          f"{'GB/s':>7s} {'%copy':>6s} {'GFLOP/s':>9s} {'speedup':>8s}")
    for r in rows:
        s = r.get("largest") or {}
        fmt = lambda v, f: (f % v) if isinstance(v, (int, float)) else "-"  # noqa: E731
        print(f"{r['backend']:7s} {r['task']:12s} {r['status']:14s} {str(s.get('shape', '-'))[:28]:28s} "
              f"{fmt(s.get('median_s', None) and s['median_s'] * 1e6, '%10.1f')} {fmt(s.get('iqr_over_median'), '%8.3f')} "
              f"{fmt(s.get('achieved_Bps') and s['achieved_Bps'] / 1e9, '%7.0f')} "
              f"{fmt(s.get('fraction_of_copy_bw') and 100 * s['fraction_of_copy_bw'], '%6.1f')} "
              f"{fmt(s.get('achieved_flops') and s['achieved_flops'] / 1e9, '%9.0f')} {fmt(s.get('speedup'), '%8.2f')}")
    print(f"\n{'do_bench':12s} {'shape':34s} {'harness us':>11s} {'do_bench us':>12s} {'ratio':>7s} {'IQR/med':>8s}")
    for b in bench:
        if "error" in b:
            print(f"{b['task']:12s} error {b['error'][:80]}")
            continue
        print(f"{b['task']:12s} {str(b['shape']):34s} {b['harness_median_s'] * 1e6:11.1f} "
              f"{b['do_bench_median_s'] * 1e6:12.1f} {b['ratio']:7.3f} {b['harness_iqr_over_median']:8.3f}")


if __name__ == "__main__":
    main()
