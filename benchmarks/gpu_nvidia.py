"""One run on the NVIDIA GPU machine: every Triton and CUDA starter through the full pipeline with
real timing, the device's measured ceilings (copy bandwidth, bf16 matmul via torch), and the harness's
timing of a kernel against ``triton.testing.do_bench``. Prints a table last; ``--json PATH`` also
writes everything as JSON.

    python benchmarks/gpu_nvidia.py [--json out.json] [--tasks vector_add,softmax] [--quick] [--large | --large-only]
                                    [--no-starters]

``--large`` adds the issue's performance checks: the memory-bound starters (vector_add, gelu, silu, sum,
softmax, row_sum, layernorm, rmsnorm) at large shapes, as a percentage of the measured copy bandwidth
(target 85%), and the float16 matmul starter at 4096^3 against torch.matmul in float16 (target 70%;
bf16 through torch is printed as the ceiling). Both go through the pipeline (correctness checked on
every shape). ``--large-only`` runs the ceilings and these checks alone; most of its time is host-side
input generation and float64 checking of the large arrays, not GPU time.

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
    return {p.stem: p.read_text() for p in sorted(folder.glob(f"*.{ext}")) if only is None or p.stem in only}


#: large shapes for the memory-bound starters: 256 MiB per array, far past the 50 MiB L2 (larger ones
#: add minutes of host-side input generation, transfer and float64 checking per shape, not accuracy:
#: n = 2**28 measured the same % of copy bandwidth as 2**26 on the H100)
LARGE_MEMORY = {"vector_add": [{"n": 1 << 26}], "gelu": [{"n": 1 << 26}], "silu": [{"n": 1 << 26}],
                "sum": [{"n": 1 << 26}],
                "softmax": [{"M": 16384, "N": 4096}], "row_sum": [{"M": 16384, "N": 4096}],
                "layernorm": [{"M": 16384, "N": 4096}], "rmsnorm": [{"M": 16384, "N": 4096}]}
LARGE_MATMUL = {"matmul_fp16": [{"M": 4096, "N": 4096, "K": 4096}]}


def task_named(name: str):
    """The registered task; ``tasks.matmul_lowp``'s until the suite registers that module."""
    from kernelhub.plugins import registry
    try:
        return registry().task(name)
    except Exception:
        import tasks.matmul_lowp as lowp
        for t in lowp.TASKS:
            if t.name == name:
                return t
        raise


def with_torch_ref(name: str):
    """The registered task, with ``tasks.torch_refs`` as its torch baseline where it names none yet."""
    import tasks.torch_refs as refs
    task = task_named(name)
    fn = {"sum": "total_sum"}.get(name, name)
    if "torch" not in task.framework_references and hasattr(refs, fn):
        task = task.model_copy(update={"framework_references": {"torch": f"tasks.torch_refs:{fn}"}})
    return task


def evaluate_all(only: list[str] | None, quick: bool, ceil: dict,
                 shapes: dict[str, list[dict[str, int]]] | None = None) -> list[dict]:
    """Every Triton and CUDA starter (of ``only``, or of ``shapes``' tasks) through the pipeline;
    with ``shapes``, at those shapes only (no held-out ones) and one seed per shape."""
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    from kernelhub.models import Candidate
    from kernelhub.pipeline import EvalOptions, Evaluator
    policy = TimingPolicy.quick() if quick else TimingPolicy(warmup=5, min_reps=20, max_reps=500, budget_s=1.0)
    opts = EvalOptions(policy=policy, seeds_per_shape=1 if shapes else None,
                       limits=Limits(compile_timeout_s=300, run_timeout_s=300, memory_bytes=96 << 30))
    if shapes:
        only = [t for t in shapes if not only or t in only]
        if not only:
            return []
    rows = []
    with Evaluator(opts) as ev:
        for backend, (folder, ext) in (("triton", ("triton", "py")), ("cuda", ("cuda", "cu"))):
            found = starters(folder, ext, only)
            for task in (t for t in (only or []) if shapes and t not in found):
                rows.append({"backend": backend, "task": task, "status": "no starter", "message": ""})
            for task, src in found.items():
                t0 = time.time()
                try:
                    t = with_torch_ref(task)
                    if shapes:
                        t = t.model_copy(update={"visible_shapes": shapes[task], "heldout_shapes": []})
                    r = ev.evaluate(t, Candidate(backend=backend, source=src, filename=f"{task}.{ext}"))
                except Exception as e:  # a task the suite lacks, say
                    rows.append({"backend": backend, "task": task, "status": "error", "message": str(e)})
                    print(f"  {backend:6s} {task:12s} error: {e}", flush=True)
                    continue
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
                # the shape with the most elements, for the table
                row["largest"] = max(row["shapes"], key=lambda x: _volume(x["shape"]), default=None)
                rows.append(row)
                print(f"  {backend:6s} {task:12s} {r.status.value:14s} {time.time() - t0:6.1f}s"
                      + ("" if r.correct else f"  {r.message[:300]}"), flush=True)
    return rows


def _volume(shape: dict[str, int]) -> int:
    v = 1
    for x in shape.values():
        v *= x
    return v


def do_bench_agreement() -> list[dict]:
    """The harness's timing loop (TritonBackend.time, in this process) against triton.testing.do_bench
    on the same prepared call, each three times: the run-to-run ranges show how far apart two readings
    of one kernel fall. More columns time the same call with the harness's flush and events under
    other pacings (PACINGS): they locate the gap between the harness and do_bench."""
    import numpy as np
    import triton.testing
    from kernelhub.backend import KernelArgs, TimingPolicy
    from kernelhub.models import Candidate
    from kernelhub.plugins import registry
    from kernelhub.taskrt import generate_inputs, output_specs, params_for
    reg = registry()
    be = reg.backend("triton")
    out = []
    for task_name, shape in (("vector_add", {"n": 1 << 22}), ("softmax", {"M": 4096, "N": 2048}),
                             ("layernorm", {"M": 4096, "N": 2048}), ("vector_add", {"n": 1 << 24}),
                             ("matmul", {"M": 2048, "N": 2048, "K": 2048})):
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
        row: dict = {"task": task_name, "shape": shape}
        policy = TimingPolicy(warmup=10, min_reps=50, max_reps=500, budget_s=1.0)
        harness = [be.time(comp.artifact, args, policy, time.perf_counter).timing for _ in range(3)]
        meds = [t.median for t in harness]
        row["per_call_runs_s"] = meds
        row["per_call_median_s"] = float(np.median(meds))
        row["per_call_iqr_over_median"] = max(t.iqr / t.median for t in harness)
        prepared = be.prepare(comp.artifact, args)
        entry = comp.artifact.entry
        fn = lambda: entry(*prepared.args)  # noqa: E731
        runs = [triton.testing.do_bench(fn, warmup=25, rep=200, return_mode="median") * 1e-3 for _ in range(3)]
        for column, depth, wait in PACINGS:
            row[f"{column}_median_s"], row[f"{column}_iqr_over_median"] = _paced(fn, be.flush_cache, depth, wait)
        be.release(prepared)
        db = float(np.median(runs))
        row.update({"do_bench_median_s": db, "do_bench_runs_s": runs,
                    "do_bench_run_range": (max(runs) - min(runs)) / db,
                    "per_call_ratio": row["per_call_median_s"] / db,
                    "per_call_ratio_range": [min(meds) / db, max(meds) / db],
                    **{f"{c}_ratio": row[f"{c}_median_s"] / db for c, _, _ in PACINGS}})
        out.append(row)
    return out


#: (column, repetitions queued per synchronisation, GPU cycles of busy-wait before each batch; None: the
#: harness's HostLead): the harness's pacing (without its recorder), two in between, do_bench's (every
#: repetition queued, one synchronisation), and 100 repetitions queued behind a 20 ms busy-wait, so the
#: host has submitted them all before the first one runs
PACINGS = (("wait_1", 1, None), ("nowait_1", 1, 0), ("nowait_4", 4, 0), ("queued", 300, 0),
           ("prefill", 100, 40_000_000))


def _paced(fn, flush, depth: int, wait: int | None, reps: int = 300) -> tuple[float, float]:
    """Median and IQR/median of ``fn`` with the harness's flush and CUDA events, ``depth`` repetitions
    [flush][start][fn][end] queued per synchronisation, after a busy-wait of ``wait`` cycles (None: the
    harness's floor)."""
    import numpy as np
    import torch
    from kernelhub.gpu_lead import TORCH_SLEEP_FLOOR
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    t: list[float] = []
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(depth)]
    for _ in range(reps // depth):
        if wait is None or wait > 0:
            torch.cuda._sleep(TORCH_SLEEP_FLOOR if wait is None else wait)
        for s, e in ev:
            flush()
            s.record()
            fn()
            e.record()
        torch.cuda.synchronize()
        t += [s.elapsed_time(e) * 1e-3 for s, e in ev]
    q1, med, q3 = np.percentile(t, [25, 50, 75])
    return float(med), float((q3 - q1) / med)


def _fmt(v, f: str) -> str:
    return (f % v) if isinstance(v, (int, float)) else "-"


def print_starters(rows: list[dict]) -> None:
    print(f"{'backend':7s} {'task':12s} {'status':14s} {'largest shape':28s} {'median us':>10s} {'IQR/med':>8s} "
          f"{'GB/s':>7s} {'%copy':>6s} {'GFLOP/s':>9s} {'speedup':>8s}")
    for r in rows:
        s = r.get("largest") or {}
        print(f"{r['backend']:7s} {r['task']:12s} {r['status']:14s} {str(s.get('shape', '-'))[:28]:28s} "
              f"{_fmt(s.get('median_s', None) and s['median_s'] * 1e6, '%10.1f')} {_fmt(s.get('iqr_over_median'), '%8.3f')} "
              f"{_fmt(s.get('achieved_Bps') and s['achieved_Bps'] / 1e9, '%7.0f')} "
              f"{_fmt(s.get('fraction_of_copy_bw') and 100 * s['fraction_of_copy_bw'], '%6.1f')} "
              f"{_fmt(s.get('achieved_flops') and s['achieved_flops'] / 1e9, '%9.0f')} {_fmt(s.get('speedup'), '%8.2f')}")


def print_do_bench(bench: list[dict]) -> None:
    print("\nharness vs triton.testing.do_bench (median of 3 do_bench runs; target: within 3%, IQR/median < 2% "
          "for kernels of 20 us or more)")
    print("harness: 3 runs of TritonBackend.time (ratio of their median, [lowest, highest] ratio, worst IQR/median); "
          "then the same call without the recorder, N repetitions queued per synchronisation, with or without the "
          "busy-wait before them (queued = do_bench's pacing): ratio to do_bench and IQR/median")
    head = " | ".join(f"{c:>8s} {'IQR/med':>7s}" for c, _, _ in PACINGS)
    print(f"{'task':11s} {'shape':30s} {'do_bench us':>11s} {'db range':>8s} | {'harness us':>10s} {'ratio':>6s} "
          f"{'ratio range':>13s} {'IQR/med':>7s} | {head}")
    for b in bench:
        if "error" in b:
            print(f"{b['task']:11s} error {b['error'][:80]}")
            continue
        lo, hi = b["per_call_ratio_range"]
        cols = " | ".join(f"{b[f'{c}_ratio']:8.3f} {b[f'{c}_iqr_over_median']:7.3f}" for c, _, _ in PACINGS)
        print(f"{b['task']:11s} {str(b['shape']):30s} {b['do_bench_median_s'] * 1e6:11.1f} {b['do_bench_run_range']:8.3f} | "
              f"{b['per_call_median_s'] * 1e6:10.1f} {b['per_call_ratio']:6.3f} {f'[{lo:.3f},{hi:.3f}]':>13s} "
              f"{b['per_call_iqr_over_median']:7.3f} | {cols}")


def print_large(memory: list[dict], matmul: list[dict], ceil: dict) -> None:
    """The issue's two performance targets, one line per starter and shape, with a verdict."""
    copy = ceil["copy_bandwidth_Bps"]
    print(f"\nlarge shapes: memory-bound starters vs measured copy {copy / 1e9:.0f} GB/s (target >= 85%)")
    print(f"{'backend':7s} {'task':12s} {'status':10s} {'shape':28s} {'median us':>10s} {'GB/s':>7s} {'%copy':>6s} {'ok':>3s}")
    for r in memory:
        for s in r.get("shapes") or [{}]:
            pct = s.get("fraction_of_copy_bw") and 100 * s["fraction_of_copy_bw"]
            print(f"{r['backend']:7s} {r['task']:12s} {r['status'][:10]:10s} {str(s.get('shape', '-'))[:28]:28s} "
                  f"{_fmt(s.get('median_s') and s['median_s'] * 1e6, '%10.1f')} "
                  f"{_fmt(s.get('achieved_Bps') and s['achieved_Bps'] / 1e9, '%7.0f')} {_fmt(pct, '%6.1f')} "
                  f"{('yes' if pct >= 85 else 'NO') if pct else '-':>3s}")
    f16, bf16 = ceil["matmul_float16_4096_flops"], ceil["matmul_bfloat16_4096_flops"]
    print(f"\nfp16 matmul 4096^3 vs torch.matmul: fp16 {f16 / 1e12:.0f} TFLOP/s, bf16 {bf16 / 1e12:.0f} TFLOP/s "
          f"(target >= 70% of torch)")
    print(f"{'backend':7s} {'task':12s} {'status':10s} {'median us':>10s} {'TFLOP/s':>8s} {'%fp16':>6s} {'%bf16':>6s} "
          f"{'vs torch (same run)':>19s} {'ok':>3s}")
    for r in matmul:
        for s in r.get("shapes") or [{}]:
            fl = s.get("achieved_flops")
            pct = fl and 100 * fl / f16
            print(f"{r['backend']:7s} {r['task']:12s} {r['status'][:10]:10s} "
                  f"{_fmt(s.get('median_s') and s['median_s'] * 1e6, '%10.1f')} {_fmt(fl and fl / 1e12, '%8.0f')} "
                  f"{_fmt(pct, '%6.1f')} {_fmt(fl and 100 * fl / bf16, '%6.1f')} "
                  f"{_fmt(s.get('speedup') and 100 * s['speedup'], '%18.1f%%')} "
                  f"{('yes' if pct >= 70 else 'NO') if pct else '-':>3s}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write all results to this file")
    ap.add_argument("--tasks", help="comma-separated task names (default: every starter)")
    ap.add_argument("--quick", action="store_true", help="short timing policy")
    ap.add_argument("--large", action="store_true",
                    help="also the memory-bound starters at large shapes and the fp16 matmul at 4096^3")
    ap.add_argument("--large-only", action="store_true", help="only the ceilings and the --large checks")
    ap.add_argument("--do-bench-only", action="store_true", help="only the ceilings and the do_bench comparison")
    ap.add_argument("--no-starters", action="store_true",
                    help="skip the suite-shape evaluations of every starter (`kernelhub bench` covers them)")
    a = ap.parse_args()
    a.large = a.large or a.large_only
    only = a.tasks.split(",") if a.tasks else None
    from kernelhub.plugins import registry
    for name in ("triton", "cuda"):
        print(f"{name}: {registry().backend(name).probe().model_dump()}", flush=True)
    t0 = time.time()
    ceil = ceilings()
    print(f"ceilings: {json.dumps(ceil)}", flush=True)
    rows = [] if a.large_only or a.no_starters or a.do_bench_only else evaluate_all(only, a.quick, ceil)
    bench = [] if a.large_only else do_bench_agreement()
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "ceilings": ceil, "starters": rows, "do_bench": bench}
    if a.large and not a.do_bench_only:
        print("large shapes:", flush=True)
        result["large_memory"] = evaluate_all(only, a.quick, ceil, LARGE_MEMORY)
        result["large_matmul"] = evaluate_all(only, a.quick, ceil, LARGE_MATMUL)
    result["seconds"] = time.time() - t0
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1, default=str))
    print()
    print(f"device {ceil['device']}: copy {ceil['copy_bandwidth_Bps'] / 1e9:.0f} GB/s, bf16 matmul "
          f"{ceil['matmul_bfloat16_4096_flops'] / 1e12:.0f} TFLOP/s, fp16 {ceil['matmul_float16_4096_flops'] / 1e12:.0f}, "
          f"fp32 {ceil['matmul_float32_4096_flops'] / 1e12:.0f}")
    if rows:
        print_starters(rows)
    if bench:
        print_do_bench(bench)
    if "large_memory" in result:
        print_large(result["large_memory"], result["large_matmul"], ceil)
    print(f"\ntotal {result['seconds']:.0f} s")


if __name__ == "__main__":
    main()
