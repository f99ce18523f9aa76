"""Ray executor overhead per job over the in-process pool, measured side by side.

Same jobs (the test-only ``null`` backend on a small vector_add, checks only, so the
job itself is a few milliseconds of harness work) through LocalExecutor and through
RayExecutor on a fresh single-node local Ray cluster (``address=None``). Both executors
are warmed first (worker spawn, Ray start and the Ray worker's imports are not per-job
costs); the per-job overhead is (ray wall - local wall) / jobs.

    python benchmarks/ray_overhead.py [--jobs 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import small_task  # noqa: E402

from kernelhub.backend import TimingPolicy  # noqa: E402
from kernelhub.executor import Job, LocalExecutor  # noqa: E402
from kernelhub.models import Candidate  # noqa: E402
from kernelhub.pipeline import EvalOptions  # noqa: E402
from kernelhub.plugins import build_registry  # noqa: E402
from kernelhub.ray_executor import RayExecutor  # noqa: E402

SRC = "import numpy as np\ndef kernel(x, y, out, n):\n    np.add(x, y, out=out)  # {i}\n"


def jobs(n: int, tag: str) -> list[Job]:
    return [Job(task="vector_add", label=f"{tag}{i}",
                candidate=Candidate(backend="null", source=SRC.format(i=f"{tag}{i}"), filename="k.py"))
            for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=40)
    n = ap.parse_args().jobs
    import ray
    reg = build_registry()
    reg.tasks["vector_add"] = small_task("vector_add", visible=[{"n": 1000}], heldout=[{"n": 17}])
    opts = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1)
    out = Path(tempfile.mkdtemp())
    local = LocalExecutor(opts, registry=reg)
    local.run(jobs(2, "warm"), out / "w.jsonl")
    t0 = time.perf_counter()
    evs_local = local.run(jobs(n, "l"), out / "l.jsonl")
    t_local = time.perf_counter() - t0

    from kernelhub.ray_executor import node_resources
    ray.init(address="local", resources=node_resources(reg), num_cpus=1, include_dashboard=False,
             log_to_driver=False, logging_level="ERROR")
    try:
        rx = RayExecutor(opts, registry=reg)
        rx.run(jobs(2, "warmr"), out / "wr.jsonl")
        t0 = time.perf_counter()
        evs_ray = rx.run(jobs(n, "r"), out / "r.jsonl")
        t_ray = time.perf_counter() - t0
    finally:
        ray.shutdown()
    for name, evs in (("local", evs_local), ("ray", evs_ray)):
        bad = [e.message for e in evs if e.status.value != "correct"]
        assert not bad, f"{name}: {bad[:2]}"
    print(f"jobs: {n}\nlocal: {t_local / n * 1e3:.1f} ms/job\nray (1 node, 1 CPU): {t_ray / n * 1e3:.1f} ms/job\n"
          f"overhead: {(t_ray - t_local) / n * 1e3:.1f} ms/job")


if __name__ == "__main__":
    main()
