"""Simulator speed of the custom-ISA machines, and the starters' simulated performance.

    python benchmarks/isa_sim_speed.py [--quick]

Prints simulated instructions per second (full timing model on; host wall time after a
warm-up run, so numba compilation is excluded), the host time to simulate a 256^3 matmul, and
per starter and configuration: simulated cycles, IPC or array utilisation, unit utilisation and
the fraction of the machine's roofline (from its declared peak FLOP/s and DRAM bandwidth).
``--machine systolic`` (or ``vdsp``, ``mesh``) runs one machine only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("KERNELHUB_PLUGINS", "isa_sims.plugin")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from kernelhub import taskrt  # noqa: E402
from kernelhub.backend import KernelArgs  # noqa: E402
from kernelhub.models import Candidate  # noqa: E402
from kernelhub.plugins import registry  # noqa: E402


def args_for(task, shape, seed=0):
    inputs = taskrt.generate_inputs(task, shape, seed)
    arrays = dict(inputs)
    for name, (dims, dt) in taskrt.output_specs(task, shape).items():
        arrays[name] = np.full(dims, np.nan, dt)
    return KernelArgs(signature=task.signature, arrays=arrays, params=taskrt.params_for(task, shape))


def simulate(backend, program, args, reps=3):
    best = None
    for _ in range(reps):
        prepared = backend.prepare(program, args)
        t0 = time.perf_counter()
        backend.launch(prepared)
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best, backend.last_profile.detail


def compile_starter(reg, backend, task):
    src = reg.starter(task, backend.name)
    c = backend.compile(Candidate(backend=backend.name, source=src, filename=f"{task.name}.s"), task.signature)
    assert c.result.ok, c.result.diagnostics
    return c.artifact


def scalar_loop_rate(backend, n=20_000_000):
    from isa_sims.core.asm import Assembler
    prog = Assembler(backend.isa, backend.config.symbols()).assemble(
        f"iput s1, {n}\ntop: iplusk s2, s2, 3\nitimes s3, s2, s2\nagain s1, top\nstop\n")
    m = backend.sim
    m.run(prog.code[:1] if False else prog.code, np.zeros(32, np.int64), np.zeros(4, np.int32),
          np.zeros((0, 2), np.int64), max_cycles=10)  # warm-up / compile
    t0 = time.perf_counter()
    status, stats, *_ = m.run(prog.code, np.zeros(32, np.int64), np.zeros(4, np.int32), np.zeros((0, 2), np.int64))
    dt = time.perf_counter() - t0
    return stats[1] / dt, dt


def systolic_rates(reg, quick: bool) -> None:
    """The systolic engine: controller-loop rate, matmul host time, and the starters' table."""
    from isa_sims.core.asm import Assembler
    b = reg.backend("systolic")
    prog = Assembler(b.isa, b.config.symbols()).assemble(
        "kset g1, 20000000\ntop: kaddi g2, g2, 3\nkmul g3, g2, g2\ntally g1, top\nfinish\n")
    run = lambda mc=None: b.sim.run(prog.code, np.zeros(32, np.int64), np.zeros(4, np.int32),  # noqa: E731
                                    np.zeros((0, 2), np.int64), max_cycles=mc)
    run(10)
    t0 = time.perf_counter()
    _, stats, *_ = run()
    dt = time.perf_counter() - t0
    print(f"systolic controller loop (kaddi/kmul/tally): {stats[1] / dt / 1e6:.1f} M simulated instr/s ({dt:.2f} s)")
    mm = reg.task("matmul")
    prog = compile_starter(reg, b, mm)
    for n in (256, 512):
        args = args_for(mm, {"M": n, "N": n, "K": n})
        simulate(b, prog, args, reps=1)
        host, d = simulate(b, prog, args)
        print(f"systolic matmul {n}^3: host {host:.3f} s to simulate ({d['macs'] / host / 1e9:.2f} G simulated "
              f"MAC/s, {d['instructions'] / host / 1e6:.2f} M instr/s), {d['cycles']} simulated cycles")
    if quick:
        return
    print()
    print("| starter | shape | config | cycles | array util | vector util | dma util | top stall | roofline fraction |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, shape in (("vector_add", {"n": 1 << 22}), ("gemv", {"M": 2048, "N": 2048}),
                        ("matmul", {"M": 512, "N": 512, "K": 512}), ("matmul", {"M": 768, "N": 768, "K": 768})):
        task = reg.task(name)
        for bname in ("systolic", "systolic-small", "systolic-large"):
            be = reg.backend(bname)
            _, d = simulate(be, compile_starter(reg, be, task), args_for(task, shape), reps=1)
            flops, nbytes = taskrt.counts(task, shape)
            info = be.device_info()
            attainable = min(info.peak_flops_per_s, info.peak_bytes_per_s * flops / nbytes)
            frac = (flops / d["seconds_simulated"]) / attainable
            top = max(d["stall_cycles"], key=d["stall_cycles"].get)
            print(f"| {name} | {shape} | {be.config.name} | {d['cycles']} | {d['array_mac_utilisation']:.2f} | "
                  f"{d['utilisation']['vector']:.2f} | {d['utilisation']['dma']:.2f} | {top} | {frac:.2f} |")


def mesh_rates(reg, quick: bool) -> None:
    """The tile mesh: a scalar loop on every tile, matmul host time, and the starters' table."""
    from isa_sims.core.asm import Assembler
    b = reg.backend("mesh")
    prog = Assembler(b.isa, b.config.symbols()).assemble(
        "mk h1, 2000000\ntop: plusk h2, h2, 3\ntimes h3, h2, h2\nredo h1, top\nrest\n")
    run = lambda mc=None: b.sim.run(prog.code, b.sim.initial_regs(), np.zeros(4, np.int32),  # noqa: E731
                                    np.zeros((0, 2), np.int64), max_cycles=mc)
    run(10)
    t0 = time.perf_counter()
    r = run()
    dt = time.perf_counter() - t0
    print(f"mesh scalar loop on {b.config.ncores} tiles (plusk/times/redo): "
          f"{r['stats'][1] / dt / 1e6:.1f} M simulated instr/s ({dt:.2f} s)")
    mm = reg.task("matmul")
    prog = compile_starter(reg, b, mm)
    for n in (256, 512):
        args = args_for(mm, {"M": n, "N": n, "K": n})
        simulate(b, prog, args, reps=1)
        host, d = simulate(b, prog, args)
        print(f"mesh matmul {n}^3: host {host:.3f} s to simulate ({d['instructions'] / host / 1e6:.2f} M instr/s), "
              f"{d['cycles']} simulated cycles")
    if quick:
        return
    print()
    print("| starter | shape | config | cycles | lane util min/mean/max | link util | dram util | top stall "
          "| roofline fraction |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, shape in (("vector_add", {"n": 1 << 22}), ("sum", {"n": 1 << 23}),
                        ("matmul", {"M": 512, "N": 512, "K": 512}), ("matmul", {"M": 768, "N": 768, "K": 768})):
        task = reg.task(name)
        for bname in ("mesh", "mesh-small", "mesh-wide"):
            be = reg.backend(bname)
            _, d = simulate(be, compile_starter(reg, be, task), args_for(task, shape), reps=1)
            flops, nbytes = taskrt.counts(task, shape)
            info = be.device_info()
            attainable = min(info.peak_flops_per_s, info.peak_bytes_per_s * flops / nbytes)
            frac = (flops / d["seconds_simulated"]) / attainable
            lu = d["lane_utilisation"]
            top = max(d["stall_cycles"], key=d["stall_cycles"].get)
            print(f"| {name} | {shape} | {be.config.name} | {d['cycles']} | {lu['min']:.2f}/{lu['mean']:.2f}/"
                  f"{lu['max']:.2f} | {d['network']['link_utilisation_mean']:.2f} | {d['dram_utilisation']:.2f} | "
                  f"{top} | {frac:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only the speed numbers, default config")
    ap.add_argument("--machine", choices=("all", "vdsp", "systolic", "mesh"), default="all")
    a = ap.parse_args()
    reg = registry()
    if a.machine in ("all", "mesh"):
        mesh_rates(reg, a.quick)
        print()
    if a.machine == "mesh":
        return
    if a.machine in ("all", "systolic"):
        systolic_rates(reg, a.quick)
        print()
    if a.machine == "systolic":
        return
    b = reg.backend("vdsp")
    rate, dt = scalar_loop_rate(b)
    print(f"vdsp scalar loop (iplusk/itimes/again): {rate / 1e6:.1f} M simulated instr/s ({dt:.2f} s)")
    mm = reg.task("matmul")
    prog = compile_starter(reg, b, mm)
    for n in (256, 512):
        shape = {"M": n, "N": n, "K": n}
        args = args_for(mm, shape)
        simulate(b, prog, args, reps=1)
        host, d = simulate(b, prog, args)
        print(f"vdsp matmul {n}^3: host {host:.3f} s to simulate, {d['instructions'] / host / 1e6:.1f} M instr/s, "
              f"{d['cycles']} simulated cycles")
    if a.quick:
        return
    print()
    print("| starter | shape | config | cycles | IPC | valu util | dma util | roofline fraction |")
    print("|---|---|---|---|---|---|---|---|")
    for name, shape in (("vector_add", {"n": 1 << 22}), ("sum", {"n": 1 << 23}),
                        ("matmul", {"M": 512, "N": 512, "K": 512}), ("matmul", {"M": 768, "N": 768, "K": 768})):
        task = reg.task(name)
        for bname in ("vdsp", "vdsp-small", "vdsp-wide"):
            be = reg.backend(bname)
            _, d = simulate(be, compile_starter(reg, be, task), args_for(task, shape), reps=1)
            flops, nbytes = taskrt.counts(task, shape)
            info = be.device_info()
            secs = d["seconds_simulated"]
            attainable = min(info.peak_flops_per_s, info.peak_bytes_per_s * flops / nbytes)
            frac = (flops / secs) / attainable
            print(f"| {name} | {shape} | {be.config.name} | {d['cycles']} | {d['ipc']:.2f} | "
                  f"{d['utilisation']['valu']:.2f} | {d['utilisation']['dma']:.2f} | {frac:.2f} |")


if __name__ == "__main__":
    main()
