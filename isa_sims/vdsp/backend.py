"""The vector DSP as a kernelhub backend: one instance per configuration."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from kernelhub.backend import CandidateError, KernelArgs
from kernelhub.models import Profile
from isa_sims.core.asm import Program
from isa_sims.core.trace import NO_TRACE
from isa_sims.core.simbackend import DramImage, SimBackend, SimResult, param_word
from isa_sims.vdsp.isa import CONFIGS, N_SREG, N_VREG, UNITS, VDSP_ISA, VdspConfig

LANGUAGE = "vdsp-asm"
STALLS = ("data", "structural", "memory", "dma_wait", "dma_queue", "branch")


class Machine:
    """The simulator bound to one config: decode tables built once, then ``run`` many times."""

    def __init__(self, config: VdspConfig) -> None:
        self.config = config
        self.tables = VDSP_ISA.decode_tables(config.latencies)
        c = config
        self.cfg = np.array([c.vlmax, c.valu_lanes, c.spad_bytes, c.spad_bytes_per_cycle, c.dram_bytes_per_cycle,
                             c.dram_latency, c.branch_penalty, c.max_cycles], np.int64)

    def run(self, code: np.ndarray, sreg: np.ndarray, dram_words: np.ndarray, regions: np.ndarray,
            max_cycles: int | None = None, vreg: np.ndarray | None = None, spad: np.ndarray | None = None,
            trace: np.ndarray | None = None):
        from isa_sims.vdsp import sim
        t = self.tables
        cfg = self.cfg.copy()
        if max_cycles is not None:
            cfg[sim.C_MAX_CYCLES] = max_cycles
        vreg = np.zeros((N_VREG, self.config.vlmax), np.float32) if vreg is None else vreg
        spad = np.zeros(self.config.spad_bytes // 4, np.int32) if spad is None else spad
        stats = np.zeros(sim.N_STATS, np.int64)
        fault = np.zeros(4, np.int64)
        if code.shape[1] < 5:
            code = np.pad(code, ((0, 0), (0, 5 - code.shape[1])))
        status = sim.simulate(np.ascontiguousarray(code, np.int64), t["unit"], t["lat"], t["occ"], t["flops"],
                              t["valid"], t["ssrc"], t["vsrc"], t["sdst"], t["vdst"], cfg, sreg, vreg, dram_words,
                              spad, regions, stats, fault, NO_TRACE if trace is None else trace)
        return status, stats, fault, vreg, spad


def stats_dict(stats: np.ndarray, config: VdspConfig) -> dict[str, Any]:
    from isa_sims.vdsp import sim
    cycles = int(stats[sim.S_CYCLES])
    busy = {u: int(stats[sim.S_BUSY0 + i]) for i, u in enumerate(UNITS)}
    stalls = dict(zip(STALLS, (int(stats[i]) for i in (sim.S_ST_DATA, sim.S_ST_STRUCT, sim.S_ST_MEM,
                                                       sim.S_ST_DMAWAIT, sim.S_ST_DMAQ, sim.S_ST_BRANCH))))
    return {
        "cycles": cycles, "instructions": int(stats[sim.S_RETIRED]),
        "ipc": stats[sim.S_RETIRED] / cycles if cycles else 0.0,
        "busy_cycles": busy, "utilisation": {u: (b / cycles if cycles else 0.0) for u, b in busy.items()},
        "stall_cycles": stalls,
        "bytes": {"dram_read": int(stats[sim.S_DRAM_RD]), "dram_write": int(stats[sim.S_DRAM_WR]),
                  "spad_read": int(stats[sim.S_SPAD_RD]), "spad_write": int(stats[sim.S_SPAD_WR])},
        "flops": int(stats[sim.S_FLOPS]), "dma_transfers": int(stats[sim.S_NDMA]),
        "seconds_simulated": cycles / (config.clock_ghz * 1e9),
    }


class VdspBackend(SimBackend):
    languages = (LANGUAGE,)
    isa = VDSP_ISA
    machine = "vdsp"

    def __init__(self, config: str | VdspConfig = "default") -> None:
        super().__init__()
        self.config = CONFIGS[config] if isinstance(config, str) else config
        self.name = "vdsp" if self.config.name == "default" else f"vdsp-{self.config.name}"
        c = self.config
        self.description = (f"simulated vector DSP 'Vesper' ({c.name} config: {c.vlmax} fp32 lanes, "
                            f"{c.spad_bytes // 1024} KiB scratchpad, async DMA at {c.dram_bytes_per_cycle} B/cycle, "
                            f"{c.clock_ghz} GHz)" + (" [held-out config]" if c.held_out else ""))

    @cached_property
    def sim(self) -> Machine:
        return Machine(self.config)

    def manual(self) -> str:
        from isa_sims.vdsp.manual import build_manual
        return build_manual(self.config)

    def execute(self, program: Program, image: DramImage, args: KernelArgs) -> SimResult:
        sig = args.signature
        sreg = np.zeros(N_SREG, np.int64)
        vals = [image.addr[t.name] for t in sig.inputs + sig.outputs]
        vals += [param_word(args.params[p.name], p.dtype) for p in sig.params]
        if len(vals) > N_SREG:
            raise CandidateError(f"the task passes {len(vals)} arguments; vdsp has {N_SREG} scalar registers")
        sreg[:len(vals)] = vals
        status, stats, fault, vreg, _ = self.sim.run(program.code, sreg, image.words, image.regions)
        if status != 0:
            raise CandidateError(self._fault(program, fault, sreg, vreg, stats))
        return SimResult(cycles=int(stats[0]), retired=int(stats[1]), status=0, stats=stats_dict(stats, self.config))

    def _fault(self, program: Program, fault: np.ndarray, sreg: np.ndarray, vreg: np.ndarray, stats) -> str:
        from isa_sims.vdsp import sim
        status, pc, detail, cycle = (int(x) for x in fault)
        what = sim.FAULT_NAMES.get(status, f"fault {status}")
        extra = f"cycle {cycle}, {int(stats[sim.S_RETIRED])} instructions retired"
        if status in (sim.F_DRAM_OOB, sim.F_SPAD_OOB, sim.F_MISALIGNED):
            extra = f"address {detail}; " + extra
        if status == sim.F_CYCLES:
            extra = (f"the run passed the limit of {self.config.max_cycles} cycles (an endless loop?); "
                     "pc shown is where it was stopped; " + extra)
        used = [i for i in range(N_SREG) if sreg[i] != 0]
        regs = ", ".join(f"s{i}={int(sreg[i])}" for i in used[:16]) or "all scalar registers 0"
        return self.fault_message(program, what, pc, regs, extra)

    def profile_of(self, res: SimResult) -> Profile:
        st = res.stats
        util = st["utilisation"]
        stalls = st["stall_cycles"]
        top = max(stalls, key=stalls.get) if any(stalls.values()) else "none"
        return Profile(platform=self.name, static=False, headline={
            "simulated_cycles": st["cycles"], "instructions": st["instructions"], "ipc": round(st["ipc"], 3),
            "valu_utilisation": round(util["valu"], 3), "dma_utilisation": round(util["dma"], 3),
            "top_stall": f"{top} ({stalls.get(top, 0)} cycles)" if top != "none" else "none"},
            detail={**st, "note": "simulated: cycle counts from the vdsp cycle-level model, not a measurement"})
