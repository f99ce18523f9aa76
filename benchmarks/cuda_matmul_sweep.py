"""Scratch sweep for the CUDA matmul starters on the GPU machine: compiles tile/stage variants of
``tasks/starters/cuda/matmul_fp16.cu`` and ``matmul.cu`` (``-D`` overrides of their ``KH_*`` macros,
plain sm_90 or the sm_90a target), checks each on odd and large shapes against cuBLAS in float64
(the tasks' tolerances, every element, output poisoned with NaN first), and times it (CUDA events,
L2 flushed between repetitions, median) next to torch.matmul on the same inputs. Each variant runs
in its own process, so one that faults or hangs costs only its own rows.

    python benchmarks/cuda_matmul_sweep.py [--only fp16|fp32] [--reps 30]

Variants needing more than 48 KiB of dynamic shared memory raise the kernel's limit first (the cuda
backend does not, so the starters themselves stay within 48 KiB). Not part of the suite: the
numbers that count come from ``benchmarks/gpu_nvidia.py``. Seen on the H100 (2026-11-25), fp16
4096^3 against torch's 757-761 TFLOP/s: mma.sync starter (sm_90) 281 TFLOP/s, wgmma starter (sm_90a)
351, wgmma 128x128x64 (96 KiB) 402, wgmma 128x256x64 (144 KiB) 433; a warp-specialized variant
(producer warpgroup, mbarrier ring, 196 KiB) gave the same 430: cp.async-fed tiles top out there.
The starter's kernel for aligned shapes now loads its tiles with TMA (``tensormap(...)`` launch args,
built by the backend) and reached 651-658 TFLOP/s (86-87% of torch fp16) through the pipeline; this
sweep covers the cp.async kernel, which the starter keeps for unaligned shapes and non-Hopper GPUs.
(fp32 at 2048^3 misses the elementwise tolerance on 3 near-zero elements, as fp32 sums do; the
suite's fp32 shapes stop at 1024.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STARTERS = ROOT / "tasks" / "starters" / "cuda"

F16_SHAPES = [(1024, 1024, 1024), (1000, 1537, 777), (1, 4096, 1024), (129, 7, 3001), (513, 2048, 1536),
              (2048, 2048, 2048), (4096, 4096, 4096)]
F32_SHAPES = [(512, 512, 512), (768, 768, 768), (1, 1024, 512), (257, 129, 1537), (1000, 1, 333),
              (1024, 1024, 1024), (2048, 2048, 2048)]
TOL = {"fp16": (1e-3, 2e-3), "fp32": (1e-4, 1e-3)}

# name, source, nvcc options, (BM, BN, threads: an int for 1-D blocks, a tuple for 2-D), dynamic smem elements
SM90A = "-gencode=arch=compute_90a,code=sm_90a"
F16_VARIANTS = [
    ("mma 128x128x32 s3 (starter sm_90)", "matmul_fp16.cu", [], (128, 128, 256), 3 * (128 * 32 + 32 * 128)),
    ("wgmma 128x128x32 s3 (starter 90a)", "matmul_fp16.cu", [SM90A], (128, 128, 256), 3 * (128 * 32 + 32 * 128)),
    ("wgmma 128x128x64 s3 (96 KiB)", "matmul_fp16.cu", [SM90A, "-DKH_BK=64"], (128, 128, 256), 3 * (128 * 64 + 64 * 128)),
    ("wgmma 128x256x64 s3 (144 KiB)", "matmul_fp16.cu", [SM90A, "-DKH_BN=256", "-DKH_BK=64", "-DKH_MIN_BLOCKS=1"],
     (128, 256, 256), 3 * (128 * 64 + 64 * 256)),
    ("mma 128x256x64 s3 (144 KiB)", "matmul_fp16.cu", ["-DKH_BN=256", "-DKH_BK=64", "-DKH_MIN_BLOCKS=1"],
     (128, 256, 256), 3 * (128 * 64 + 64 * 256)),
]
F32_VARIANTS = [
    ("simt 64x64 4x4 k16 (starter)", "matmul.cu", [], (64, 64, (16, 16)), 0),
]


def build(src: str, opts: list[str], tmp: str) -> str:
    path = src if os.path.isabs(src) else str(STARTERS / src)
    out = os.path.join(tmp, f"k{abs(hash((path, tuple(opts))))}.cubin")
    arch = [] if any(o.startswith(("-arch", "-gencode")) for o in opts) else ["-arch=sm_90"]
    r = subprocess.run(["nvcc", "-cubin", *arch, "-O3", "-lineinfo", "-Xptxas", "-v", *opts, path, "-o", out],
                       capture_output=True, text=True)
    log = "\n".join(l for l in (r.stdout + r.stderr).splitlines() if "Used" in l or "spill" in l or "error" in l)
    print(f"    nvcc {' '.join(opts)}: {log.strip()}", flush=True)
    if r.returncode:
        raise RuntimeError(r.stdout + r.stderr)
    return out


class Rows(list):
    """Rows printed as they come (a child's later fault must not take the earlier ones with it)."""

    def append(self, row) -> None:
        super().append(row)
        print("ROW " + json.dumps(row), flush=True)


def timed(cp, fn, reps: int, flush) -> float:
    """Median seconds of fn() over reps, L2 flushed before each."""
    s, e = cp.cuda.Event(), cp.cuda.Event()
    for _ in range(3):
        fn()
    ts = []
    for _ in range(reps):
        flush.fill(0)
        s.record(); fn(); e.record(); e.synchronize()
        ts.append(cp.cuda.get_elapsed_time(s, e) * 1e-3)
    return float(np.median(ts))


def run(kind: str, variants, shapes, reps: int, which: str) -> list[tuple]:
    """which: 'torch' (the reference rows) or a variant index; one process each, so a kernel that
    faults (and poisons its CUDA context) costs only its own rows."""
    import cupy as cp
    import torch
    flush = cp.empty(256 << 20, dtype=cp.uint8)
    dt = cp.float16 if kind == "fp16" else cp.float32
    atol, rtol = TOL[kind]
    rng = cp.random.RandomState(0)
    data = {}
    for (M, N, K) in shapes:
        A = rng.standard_normal((M, K), dtype=cp.float32).astype(dt)
        B = rng.standard_normal((K, N), dtype=cp.float32).astype(dt)
        ref = cp.matmul(A.astype(cp.float64), B.astype(cp.float64))
        data[(M, N, K)] = (A, B, ref)
    rows = Rows()
    torch.backends.cuda.matmul.allow_tf32 = False
    if which == "torch":
        for (M, N, K), (A, B, ref) in data.items():
            ta, tb = torch.from_dlpack(A), torch.from_dlpack(B)
            t = timed(cp, lambda: torch.matmul(ta, tb), reps, flush)
            rows.append((kind, "torch.matmul", (M, N, K), t, 2 * M * N * K / t, "ref"))
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        for name, src, opts, (bm, bn, th), smem_elems in [variants[int(which)]]:
            print(f"  {kind} {name}", flush=True)
            try:
                mod = cp.RawModule(path=build(src, opts, tmp))
                fn = mod.get_function("matmul_fp16" if kind == "fp16" else "matmul")
                zero = mod.get_function("matmul_zero") if kind == "fp32" else None
            except Exception as e:
                rows.append((kind, name, None, None, None, f"build failed: {str(e)[-300:]}"))
                continue
            smem = smem_elems * (2 if kind == "fp16" else 4)
            if smem > 48 * 1024:
                fn.max_dynamic_shared_size_bytes = smem
            for (M, N, K), (A, B, ref) in data.items():
                C = cp.full((M, N), cp.nan, dtype=dt)
                tm, tn = -(-M // bm), -(-N // bn)
                args = (A, B, C, np.int64(M), np.int64(N), np.int64(K))
                if isinstance(th, tuple):  # fp32: matmul_zero, then the K-split grid (as the directives say)
                    splits = max(1, min(264 // (tm * tn), -(-K // 128)))
                    zgrid = (-(-(M * N * min(splits - 1, 1) + 1) // 256),)
                    grid, block = (tn, tm, splits), th + (1,)

                    def call(grid=grid, block=block, args=args, zgrid=zgrid):
                        zero(zgrid, (256,), args)
                        fn(grid, block, args)
                else:
                    grid, block = (tm * tn,), (th,)
                    call = lambda grid=grid, block=block, args=args: fn(grid, block, args, shared_mem=smem)
                try:
                    call(); cp.cuda.Device().synchronize()
                except Exception as e:
                    rows.append((kind, name, (M, N, K), None, None, f"launch failed: {e}"))
                    break
                out = C.astype(cp.float64)
                bad = ~(cp.abs(out - ref) <= atol + rtol * cp.abs(ref))
                nbad = int(bad.sum())
                rel = float(cp.linalg.norm(out - ref) / cp.linalg.norm(ref)) if nbad < out.size else float("nan")
                status = "ok" if nbad == 0 else f"WRONG {nbad}/{out.size}"
                t = timed(cp, call, reps, flush) if nbad == 0 else None
                rows.append((kind, name, (M, N, K), t, t and 2 * M * N * K / t, f"{status} rel={rel:.1e}"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["fp16", "fp32"])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--child-timeout", type=int, default=90)
    ap.add_argument("--child", nargs=2, metavar=("KIND", "WHICH"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    table = {"fp16": (F16_VARIANTS, F16_SHAPES), "fp32": (F32_VARIANTS, F32_SHAPES)}
    if a.child:
        kind, which = a.child
        run(kind, *table[kind], a.reps, which)
        return
    rows = []
    for kind in ("fp16", "fp32"):
        if a.only and a.only != kind:
            continue
        for which in ["torch"] + [str(i) for i in range(len(table[kind][0]))]:
            try:
                r = subprocess.run([sys.executable, __file__, "--reps", str(a.reps), "--child", kind, which],
                                   capture_output=True, text=True, timeout=a.child_timeout)
            except subprocess.TimeoutExpired as e:  # a hung kernel (a deadlocked pipeline, say)
                out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
                r = subprocess.CompletedProcess(e.cmd, -9, out, f"timed out after {a.child_timeout} s")
            got = [json.loads(l[4:]) for l in r.stdout.splitlines() if l.startswith("ROW ")]
            print("\n".join(l for l in r.stdout.splitlines() if not l.startswith("ROW ")), flush=True)
            if r.returncode and which != "torch":
                got.append([kind, table[kind][0][int(which)][0], None, None, None,
                            f"process failed rc={r.returncode}: {r.stderr.strip()[-300:]}"])
            rows += [tuple(tuple(x) if isinstance(x, list) else x for x in row) for row in got]
    torch_t = {(r[0], r[2]): r[3] for r in rows if r[1] == "torch.matmul"}
    print(f"\n{'variant':34s} {'shape':20s} {'us':>9s} {'TFLOP/s':>8s} {'vs torch':>8s}  check")
    for kind, name, shape, t, fl, msg in rows:
        ref = torch_t.get((kind, shape))
        print(f"{kind} {name[:29]:29s} {str(shape):20s} {t * 1e6 if t else float('nan'):9.1f} "
              f"{fl / 1e12 if fl else float('nan'):8.1f} {ref / t if (t and ref) else float('nan'):8.2f}  {msg}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
