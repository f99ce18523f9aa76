"""Cold vs warm compile time of every HIP starter for every AMD target through the ``rocm-hip``
backend. Cold: an empty persistent cache (clang-19 runs). Warm: a fresh backend (no in-process
cache), same cache directory, so the code object comes from :mod:`kernelhub_rocm.cache` as a repeated
evaluation in another process gets it (tests/test_rocm_backend.py checks the cross-process case). Wall-clock per compile, one run each (noisy on
a shared machine). Usage: ``python benchmarks/rocm_compile.py [task ...]``."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HIP = ROOT / "tasks" / "starters" / "hip"


def main(tasks: list[str]) -> int:
    os.environ["KERNELHUB_CACHE"] = tempfile.mkdtemp(prefix="kh-rocm-bench-")  # cold means cold
    from kernelhub.models import Candidate
    from kernelhub.plugins import registry
    from kernelhub_rocm import RocmHipBackend, hiptool, targets

    probe = RocmHipBackend().probe()
    if not probe.compile:
        print(f"rocm-hip cannot compile here: {probe.reasons.get('compile')}")
        return 1
    print(f"toolchain: {hiptool.version()}; cache {os.environ['KERNELHUB_CACHE']}")
    print(f"{'starter':<12}{'target':<8}{'cold s':>8}{'warm s':>9}  {'vgprs':>5} {'waves/SIMD':>10}")
    tasks = tasks or sorted(p.stem for p in HIP.glob("*.hip"))
    for task in tasks:
        sig = registry().task(task).signature
        src = (HIP / f"{task}.hip").read_text()
        for arch in targets.targets():
            cand = Candidate(backend="rocm-hip", source=src, filename=f"{task}.hip", options={"arch": arch})
            row = []
            for _ in ("cold", "warm"):
                t0 = time.perf_counter()
                c = RocmHipBackend().compile(cand, sig)   # a new backend: no in-process cache
                row.append(time.perf_counter() - t0)
                if not c.result.ok:
                    print(f"{task:<12}{arch:<8} FAILED: {c.result.diagnostics[0].message[:200]}")
                    return 1
            assert c.result.cached, "the warm compile did not come from the cache"
            h = c.result.profile.headline
            print(f"{task:<12}{arch:<8}{row[0]:>8.2f}{row[1]:>9.4f}  {h['vgprs']:>5} {h['waves_per_simd']:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
