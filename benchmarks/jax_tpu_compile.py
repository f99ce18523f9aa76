"""Compile every Pallas starter (and the plain JAX starters with --jax) for each registered TPU
generation, without a TPU, and print the README table: HBM and VMEM use from the compiled
executable and the estimated roofline time at the task's first visible shape.

    KERNELHUB_PLUGINS=kernelhub_jax PYTHONPATH=backends python benchmarks/jax_tpu_compile.py [--jax] [--json F]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kernelhub.models import Candidate, Status
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import registry

ROOT = Path(__file__).resolve().parents[1] / "tasks" / "starters"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jax", action="store_true", help="the plain JAX starters instead of the Pallas ones")
    ap.add_argument("--json", help="write the rows here")
    a = ap.parse_args()
    lang = "jax" if a.jax else "pallas"
    backends = sorted(n for n in registry().backends if n.startswith("jax-tpu-"))
    rows = []
    with Evaluator(EvalOptions(time=False)) as ev:
        for path in sorted((ROOT / lang).glob("*.py")):
            for b in backends:
                r = ev.evaluate(path.stem, Candidate(backend=b, language=lang, source=path.read_text(),
                                                     filename=path.name))
                row = {"task": path.stem, "backend": b, "status": r.status.value,
                       "compile_s": round(r.compile.seconds, 2) if r.compile else None}
                if r.status == Status.compile_only:
                    h, d = r.profile.headline, r.profile.detail
                    row |= {"shape": d["traced_at"], "hbm_bytes": h["hbm_bytes"], "hbm_temp_bytes": h["hbm_temp_bytes"],
                            "vmem_block_bytes": h["vmem_block_bytes"], "est_us": h["est_us"],
                            "est_bound": h["est_bound"], "xla_optimal_s": d["cost_analysis"]["optimal_seconds"]}
                else:
                    row["message"] = r.message[:300]
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(f"\n| task | shape | " + " | ".join(f"{b}: HBM MiB / VMEM KiB / est. µs (bound)" for b in backends) + " |")
    print("|---|---|" + "---|" * len(backends))
    for task in sorted({r["task"] for r in rows}):
        cells, shape = [], ""
        for b in backends:
            r = next(x for x in rows if x["task"] == task and x["backend"] == b)
            if r["status"] != "compile_only":
                cells.append(r["status"])
                continue
            shape = ", ".join(f"{k}={v}" for k, v in r["shape"].items())
            cells.append(f"{r['hbm_bytes'] / 2**20:.1f} / {r['vmem_block_bytes'] / 1024:.0f} / "
                         f"{r['est_us']:.1f} ({r['est_bound']})")
        print(f"| {task} | {shape} | " + " | ".join(cells) + " |")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
