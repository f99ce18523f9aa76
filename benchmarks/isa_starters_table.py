"""Naive against tuned starters on the simulated custom-ISA machines.

    python benchmarks/isa_starters_table.py [--machine vdsp|systolic|mesh] [--task NAME]

For every starter task of a machine (``isa_sims/<machine>/starters/<task>.s``, tuned, and
``starters/naive/<task>.s``), on every configuration: simulated cycles, utilisation of the key
unit (vdsp: vector ALU and DMA; systolic: the array's MAC slots and DMA; mesh: the tiles' lane
units, mean over tiles, and the shared DRAM channel) and the fraction of the
roofline (from the config's declared peak FLOP/s and DRAM bandwidth) at the task's first visible
shape. Cycles are simulated, so they are deterministic and not affected by host load.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("KERNELHUB_PLUGINS", "isa_sims.plugin")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from isa_sim_speed import args_for, simulate  # noqa: E402
from kernelhub import taskrt  # noqa: E402
from kernelhub.models import Candidate  # noqa: E402
from kernelhub.plugins import registry  # noqa: E402

CONFIGS = {"vdsp": ("vdsp", "vdsp-small", "vdsp-wide"),
           "systolic": ("systolic", "systolic-small", "systolic-large"),
           "mesh": ("mesh", "mesh-small", "mesh-wide")}
#: the key unit per machine (column label) and the name of its data-movement column
KEY_UNIT = {"vdsp": ("valu util", "dma util"), "systolic": ("array util", "dma util"),
            "mesh": ("lane util (mean over tiles)", "dram util")}


def starter_files(machine: str) -> list[tuple[str, Path, Path | None]]:
    """(task, tuned file, naive file or None) for every tuned starter of ``machine``."""
    d = ROOT / "isa_sims" / machine / "starters"
    return [(p.stem, p, (d / "naive" / p.name) if (d / "naive" / p.name).exists() else None)
            for p in sorted(d.glob("*.s"))]


def measure(backend, task, source: str, shape: dict) -> dict:
    """Simulate one run; return cycles, key-unit utilisations and the roofline fraction."""
    c = backend.compile(Candidate(backend=backend.name, source=source, filename=f"{task.name}.s"), task.signature)
    if not c.result.ok:
        raise SystemExit(f"{task.name} on {backend.name}: {c.result.diagnostics}")
    _, d = simulate(backend, c.artifact, args_for(task, shape), reps=1)
    flops, nbytes = taskrt.counts(task, shape)
    info = backend.device_info()
    attainable = min(info.peak_flops_per_s, info.peak_bytes_per_s * flops / nbytes)
    util = d.get("utilisation", {})
    if "lane_utilisation" in d:  # mesh: the tiles' lane units, and the one shared DRAM channel
        key, dma = d["lane_utilisation"]["mean"], d["dram_utilisation"]
    else:
        key = d["array_mac_utilisation"] if "array_mac_utilisation" in d else util.get("valu", 0.0)
        dma = util.get("dma", 0.0)
    return {"cycles": d["cycles"], "key": key, "dma": dma,
            "roofline": (flops / d["seconds_simulated"]) / attainable}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--machine", choices=sorted(CONFIGS), action="append")
    ap.add_argument("--task", action="append", help="only these tasks")
    a = ap.parse_args()
    reg = registry()
    for machine in a.machine or sorted(CONFIGS, reverse=True):
        key, move = KEY_UNIT[machine]
        print(f"\n{machine}: naive vs tuned (simulated cycles; first visible shape)\n")
        print(f"| task | shape | config | naive cycles | tuned cycles | speedup | naive {key} | tuned {key} "
              f"| tuned {move} | naive roofline | tuned roofline |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for name, tuned, naive in starter_files(machine):
            if a.task and name not in a.task:
                continue
            task = reg.task(name)
            shape = task.visible_shapes[0]
            for bname in CONFIGS[machine]:
                be = reg.backend(bname)
                t = measure(be, task, tuned.read_text(), shape)
                n = measure(be, task, naive.read_text(), shape) if naive else None
                nc = f"{n['cycles']}" if n else "-"
                sp = f"{n['cycles'] / t['cycles']:.1f}x" if n else "-"
                nk = f"{n['key']:.2f}" if n else "-"
                nr = f"{n['roofline']:.2f}" if n else "-"
                shp = ",".join(f"{k}={v}" for k, v in shape.items())
                print(f"| {name} | {shp} | {be.config.name} | {nc} | {t['cycles']} | {sp} | {nk} | {t['key']:.2f} "
                      f"| {t['dma']:.2f} | {nr} | {t['roofline']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
