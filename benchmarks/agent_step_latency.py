"""KernelEnv.step() latency on a warm worker, minus the kernel's own time.

A trivial kernel (vector_add, n=1000, on the `null` backend) is stepped repeatedly; the overhead
is the step's wall time minus the host time the candidate's own calls took (check runs + timed
repetitions). Target: under 60 ms of overhead per step. Run: python benchmarks/agent_step_latency.py
"""

from __future__ import annotations

import statistics
import time

from kernelhub.agent.env import KernelEnv
from kernelhub.agent.tools import EvaluatorPool
from kernelhub.backend import TimingPolicy
from kernelhub.pipeline import EvalOptions
from kernelhub.plugins import registry

SOURCE = "def kernel(x, y, out, n):\n    out[:] = x + y\n"


def main(steps: int = 20) -> None:
    reg = registry()
    tiny = reg.task("vector_add").model_copy(update={"name": "bench_tiny_add", "visible_shapes": [{"n": 1000}],
                                                       "heldout_shapes": [{"n": 1}, {"n": 1537}]})
    reg.tasks.setdefault(tiny.name, tiny)
    pool = EvaluatorPool(size=1, options=EvalOptions(policy=TimingPolicy.quick()), reg=reg)
    env = KernelEnv(task=tiny.name, backend="null", max_turns=steps + 10, min_improvement=-1, pool=pool)
    env.reset()
    env.step(SOURCE)  # warm: worker started, candidate compiled, reference timed
    walls, kernels = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        _, _, _, _, info = env.step(SOURCE)
        walls.append(time.perf_counter() - t0)
        ev = info["evaluation"]
        own = sum(r["host_seconds"] or 0 for r in ev["runs"])
        own += sum(sum(t["candidate"]["host_samples"]) for t in ev["timings"])
        kernels.append(own)
    pool.close()
    over = [w - k for w, k in zip(walls, kernels)]
    print(f"step wall median {1e3 * statistics.median(walls):.1f} ms, candidate's own time median "
          f"{1e3 * statistics.median(kernels):.2f} ms, overhead median {1e3 * statistics.median(over):.1f} ms "
          f"(max {1e3 * max(over):.1f} ms) over {steps} warm steps; target < 60 ms")


if __name__ == "__main__":
    main()
