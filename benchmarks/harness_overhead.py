"""Harness overhead per warm evaluation of a trivial kernel, beside the kernel's own time.

    python benchmarks/harness_overhead.py [--evals 20] [--json]

For each backend that can run here: a warm evaluator (workers started, the
candidate compiled once) evaluates a tiny vector_add repeatedly. Harness time
= wall time of an evaluation minus the time spent inside the kernel's own
calls (check runs) and inside timing loops (candidate and reference samples):
what kernelhub itself costs per evaluation. Target: under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from kernelhub.backend import TimingPolicy
from kernelhub.models import Candidate
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

TARGET_MS = 50.0


def measure(backend: str, n_evals: int, timed: bool) -> dict:
    reg = registry()
    task = reg.task("vector_add").model_copy(update={"visible_shapes": [{"n": 1024}],
                                                      "heldout_shapes": [{"n": 1}, {"n": 1537}]})
    source = reg.starter(task, backend) if backend != "null" else (
        "import numpy as np\ndef kernel(x, y, out, n):\n    np.add(x, y, out=out)\n")
    cand = Candidate(backend=backend, source=source, filename="vector_add.starter")
    policy = TimingPolicy(warmup=1, min_reps=5, max_reps=5, budget_s=0.0, flush_cache=False)
    walls, kernels = [], []
    with Evaluator(EvalOptions(policy=policy, time=timed)) as ev:
        first = ev.evaluate(task, cand)  # warm-up: workers start, candidate compiles
        if first.status.value != "correct":
            return {"backend": backend, "error": f"{first.status.value}: {first.message}"}
        for _ in range(n_evals):
            t0 = time.perf_counter()
            e = ev.evaluate(task, cand)
            walls.append(time.perf_counter() - t0)
            k = sum(r.host_seconds or 0 for r in e.runs)
            for st in e.timings:
                k += sum(st.candidate.host_samples) + (sum(st.reference.samples) if st.reference else 0)
            kernels.append(k)
    wall = statistics.median(walls)
    kern = statistics.median(kernels)
    return {"backend": backend, "mode": "check+time" if timed else "check only", "evals": n_evals,
            "evals_per_s": 1 / wall, "wall_ms": wall * 1e3, "kernel_ms": kern * 1e3,
            "harness_ms": (wall - kern) * 1e3, "runs_per_eval": len(e.runs),
            "meets_target": (wall - kern) * 1e3 < TARGET_MS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evals", type=int, default=20)
    ap.add_argument("--backend", action="append", default=[])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    reg = registry()
    names = a.backend or [n for n, b in sorted(reg.backends.items()) if b.probe().run]
    rows = [measure(b, a.evals, timed) for b in names for timed in (False, True)]
    if a.json:
        json.dump(rows, sys.stdout, indent=1)
        return
    print(f"{'backend':8} {'mode':11} {'evals/s':>8} {'wall ms':>8} {'kernel ms':>9} {'harness ms':>10} "
          f"{'runs':>4}  target <{TARGET_MS:g} ms")
    for r in rows:
        if "error" in r:
            print(f"{r['backend']:8} ERROR {r['error']}")
            continue
        print(f"{r['backend']:8} {r['mode']:11} {r['evals_per_s']:8.1f} {r['wall_ms']:8.2f} {r['kernel_ms']:9.3f} "
              f"{r['harness_ms']:10.2f} {r['runs_per_eval']:4}  {'ok' if r['meets_target'] else 'MISSED'}")


if __name__ == "__main__":
    main()
