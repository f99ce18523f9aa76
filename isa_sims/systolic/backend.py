"""The systolic matrix engine as a kernelhub backend: one instance per configuration."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from kernelhub.backend import CandidateError, KernelArgs
from kernelhub.models import Profile
from isa_sims.core.asm import Program
from isa_sims.core.trace import NO_TRACE
from isa_sims.core.simbackend import DramImage, SimBackend, SimResult, param_word
from isa_sims.systolic.isa import CONFIGS, LOOM_ISA, N_BANKS, N_GREG, UNITS, LoomConfig

LANGUAGE = "systolic-asm"
STALLS = ("scalar", "data", "dma_wait", "array_busy", "wload_busy", "vector_busy", "dma_busy", "branch")


class Machine:
    """The simulator bound to one config: decode tables built once, then ``run`` many times."""

    def __init__(self, config: LoomConfig) -> None:
        self.config = config
        self.tables = LOOM_ISA.decode_tables(config.latencies)
        c = config
        self.cfg = np.array([c.dim, c.buf_bytes, c.acc_rows, c.vector_lanes, c.dram_bytes_per_cycle,
                             c.local_bytes_per_cycle, c.queue_depth, c.stripe_bytes, c.branch_penalty,
                             c.max_cycles], np.int64)

    def run(self, code: np.ndarray, greg: np.ndarray, dram_words: np.ndarray, regions: np.ndarray,
            max_cycles: int | None = None, buf: np.ndarray | None = None, acc: np.ndarray | None = None,
            trace: np.ndarray | None = None):
        from isa_sims.systolic import sim
        t = self.tables
        c = self.config
        cfg = self.cfg.copy()
        if max_cycles is not None:
            cfg[sim.C_MAX_CYCLES] = max_cycles
        buf = np.zeros(c.buf_bytes // 4, np.int32) if buf is None else buf
        acc = np.zeros((c.acc_rows, c.dim), np.float32) if acc is None else acc
        wb = np.zeros((N_BANKS, c.dim, c.dim), np.float32)
        stats = np.zeros(sim.N_STATS, np.int64)
        fault = np.zeros(4, np.int64)
        if code.shape[1] < 5:
            code = np.pad(code, ((0, 0), (0, 5 - code.shape[1])))
        status = sim.simulate(np.ascontiguousarray(code, np.int64), t["unit"], t["lat"], t["valid"], t["ssrc"],
                              t["sdst"], cfg, greg, dram_words, buf, acc, wb, regions, stats, fault,
                              NO_TRACE if trace is None else trace)
        return status, stats, fault, buf, acc, wb


def stats_dict(stats: np.ndarray, config: LoomConfig) -> dict[str, Any]:
    from isa_sims.systolic import sim
    cycles = int(stats[sim.S_CYCLES])
    busy = {u: int(stats[sim.S_BUSY0 + i]) for i, u in enumerate(UNITS)}
    stalls = dict(zip(STALLS, (int(stats[i]) for i in (
        sim.S_ST_SCALAR, sim.S_ST_DATA, sim.S_ST_DMAWAIT, sim.S_ST_Q0 + sim.U_ARRAY, sim.S_ST_Q0 + sim.U_WLOAD,
        sim.S_ST_Q0 + sim.U_VECTOR, sim.S_ST_Q0 + sim.U_DMA, sim.S_ST_BRANCH))))
    macs = int(stats[sim.S_MACS])
    util = {u: (b / cycles if cycles else 0.0) for u, b in busy.items()}
    return {
        "cycles": cycles, "instructions": int(stats[sim.S_RETIRED]),
        "ipc": stats[sim.S_RETIRED] / cycles if cycles else 0.0,
        "busy_cycles": busy, "utilisation": util,
        "array_mac_utilisation": macs / (cycles * config.dim * config.dim) if cycles else 0.0,
        "stall_cycles": stalls,
        "unit_hazard_wait_cycles": {u: int(stats[sim.S_WAIT0 + i]) for i, u in enumerate(UNITS) if i},
        "bytes": {"dram_read": int(stats[sim.S_DRAM_RD]), "dram_write": int(stats[sim.S_DRAM_WR]),
                  "buffer_read": int(stats[sim.S_BUF_RD]), "buffer_write": int(stats[sim.S_BUF_WR]),
                  "acc_read": int(stats[sim.S_ACC_RD]), "acc_write": int(stats[sim.S_ACC_WR])},
        "macs": macs, "flops": 2 * macs + int(stats[sim.S_VFLOPS]), "dma_transfers": int(stats[sim.S_NDMA]),
        "seconds_simulated": cycles / (config.clock_ghz * 1e9),
    }


class SystolicBackend(SimBackend):
    languages = (LANGUAGE,)
    isa = LOOM_ISA
    machine = "systolic"

    def __init__(self, config: str | LoomConfig = "default") -> None:
        super().__init__()
        self.config = CONFIGS[config] if isinstance(config, str) else config
        self.name = "systolic" if self.config.name == "default" else f"systolic-{self.config.name}"
        c = self.config
        self.description = (f"simulated weight-stationary systolic matrix engine 'Loom' ({c.name} config: "
                            f"{c.dim}x{c.dim} array, {c.acc_rows} accumulator rows, {c.buf_bytes // 1024} KiB "
                            f"buffer, DMA at {c.dram_bytes_per_cycle} B/cycle, {c.clock_ghz} GHz)"
                            + (" [held-out config]" if c.held_out else ""))

    def assembler(self):
        from isa_sims.core.asm import Assembler
        return Assembler(self.isa, self.config.symbols(), None)

    @cached_property
    def sim(self) -> Machine:
        return Machine(self.config)

    def manual(self) -> str:
        from isa_sims.systolic.manual import build_manual
        return build_manual(self.config)

    def execute(self, program: Program, image: DramImage, args: KernelArgs) -> SimResult:
        sig = args.signature
        greg = np.zeros(N_GREG, np.int64)
        vals = [image.addr[t.name] for t in sig.inputs + sig.outputs]
        vals += [param_word(args.params[p.name], p.dtype) for p in sig.params]
        if len(vals) > N_GREG:
            raise CandidateError(f"the task passes {len(vals)} arguments; systolic has {N_GREG} g registers")
        greg[:len(vals)] = vals
        status, stats, fault, *_ = self.sim.run(program.code, greg, image.words, image.regions)
        if status != 0:
            raise CandidateError(self._fault(program, fault, greg, stats))
        return SimResult(cycles=int(stats[0]), retired=int(stats[1]), status=0, stats=stats_dict(stats, self.config))

    def _fault(self, program: Program, fault: np.ndarray, greg: np.ndarray, stats) -> str:
        from isa_sims.systolic import sim
        status, pc, detail, cycle = (int(x) for x in fault)
        what = sim.FAULT_NAMES.get(status, f"fault {status}")
        extra = f"cycle {cycle}, {int(stats[sim.S_RETIRED])} instructions retired"
        if status in (sim.F_DRAM_OOB, sim.F_BUF_OOB, sim.F_MISALIGNED):
            extra = f"address {detail}; " + extra
        elif status == sim.F_ACC_OOB:
            extra = f"accumulator row {detail} (rows 0..{self.config.acc_rows - 1}); " + extra
        elif status == sim.F_SIZE:
            extra = f"value {detail}; " + extra
        if status == sim.F_CYCLES:
            extra = (f"the run passed the limit of {self.config.max_cycles} cycles (an endless loop?); "
                     "pc shown is where it was stopped; " + extra)
        used = [i for i in range(N_GREG) if greg[i] != 0]
        regs = ", ".join(f"g{i}={int(greg[i])}" for i in used[:16]) or "all g registers 0"
        return self.fault_message(program, what, pc, regs, extra)

    def profile_of(self, res: SimResult) -> Profile:
        st = res.stats
        util = st["utilisation"]
        stalls = st["stall_cycles"]
        top = max(stalls, key=stalls.get) if any(stalls.values()) else "none"
        return Profile(platform=self.name, static=False, headline={
            "simulated_cycles": st["cycles"], "instructions": st["instructions"],
            "array_utilisation": round(st["array_mac_utilisation"], 3),
            "vector_utilisation": round(util["vector"], 3), "dma_utilisation": round(util["dma"], 3),
            "top_stall": f"{top} ({stalls.get(top, 0)} cycles)" if top != "none" else "none"},
            detail={**st, "note": "simulated: cycle counts from the systolic cycle-level model, not a measurement"})
