"""The tile mesh as a kernelhub backend: one instance per configuration."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from kernelhub.backend import CandidateError, KernelArgs
from kernelhub.models import Profile
from isa_sims.core.asm import Program
from isa_sims.core.trace import NO_TRACE
from isa_sims.core.simbackend import DramImage, SimBackend, SimResult, param_word
from isa_sims.mesh.isa import CONFIGS, MESH_ISA, N_HREG, R_ID, R_X, R_Y, MeshConfig

LANGUAGE = "mesh-asm"
STATE_TEXT = {1: "waiting to take a message from tile {}", 2: "waiting to post to tile {} (its inbox is full)",
              3: "waiting at a muster (barrier)", 0: "runnable", 4: "finished (rest)"}


def n_links(c: MeshConfig) -> int:
    return 2 * (c.gx - 1) * c.gy + 2 * (c.gy - 1) * c.gx


class Machine:
    """The simulator bound to one config: decode tables built once, then ``run`` many times."""

    def __init__(self, config: MeshConfig) -> None:
        self.config = config
        self.tables = MESH_ISA.decode_tables(config.latencies)
        c = config
        self.cfg = np.array([c.gx, c.gy, c.lmem_bytes, c.lanes, c.link_bytes_per_cycle, c.hop_latency, c.inbox_depth,
                             c.msg_max_bytes, c.dram_bytes_per_cycle, c.dram_latency, c.barrier_latency,
                             c.branch_penalty, c.max_cycles], np.int64)

    def initial_regs(self, args: list[int] | None = None) -> np.ndarray:
        """Every tile's registers: the arguments from h0, and its identity in h29..h31."""
        c = self.config
        regs = np.zeros((c.ncores, N_HREG), np.int64)
        if args:
            regs[:, :len(args)] = args
        ids = np.arange(c.ncores)
        regs[:, R_ID], regs[:, R_X], regs[:, R_Y] = ids, ids % c.gx, ids // c.gx
        return regs

    def run(self, code: np.ndarray, regs: np.ndarray, dram_words: np.ndarray, regions: np.ndarray,
            max_cycles: int | None = None, lmem: np.ndarray | None = None,
            trace: np.ndarray | None = None) -> dict[str, Any]:
        from isa_sims.mesh import sim
        t = self.tables
        c = self.config
        cfg = self.cfg.copy()
        if max_cycles is not None:
            cfg[sim.C_MAX_CYCLES] = max_cycles
        lmem = np.zeros(c.ncores * c.lmem_bytes // 4, np.int32) if lmem is None else lmem
        stats = np.zeros(sim.N_STATS, np.int64)
        tstats = np.zeros((c.ncores, sim.N_TSTATS), np.int64)
        link_busy = np.zeros(c.ncores * 4, np.int64)
        state = np.zeros(c.ncores, np.int64)
        pcs = np.zeros(c.ncores, np.int64)
        wait_arg = np.zeros(c.ncores, np.int64)
        fault = np.zeros(5, np.int64)
        if code.shape[1] < 5:
            code = np.pad(code, ((0, 0), (0, 5 - code.shape[1])))
        status = sim.simulate(np.ascontiguousarray(code, np.int64), t["lat"], t["valid"], t["ssrc"], t["sdst"], cfg,
                              regs, lmem, dram_words, regions, stats, tstats, link_busy, state, pcs, wait_arg, fault,
                              NO_TRACE if trace is None else trace)
        return {"status": status, "stats": stats, "tstats": tstats, "link_busy": link_busy, "state": state,
                "pc": pcs, "wait_arg": wait_arg, "fault": fault, "lmem": lmem, "regs": regs}


def stats_dict(r: dict[str, Any], config: MeshConfig) -> dict[str, Any]:
    from isa_sims.mesh import sim
    st, ts = r["stats"], r["tstats"]
    cycles = int(st[sim.S_CYCLES])
    lane = ts[:, sim.T_LANE_BUSY] / cycles if cycles else np.zeros(config.ncores)
    issue = ts[:, sim.T_RETIRED] / cycles if cycles else np.zeros(config.ncores)
    stalls = {k: int(ts[:, col].sum()) for k, col in sim.STALL_COLS.items()}
    nl = n_links(config)
    flops = int(st[sim.S_FLOPS])
    return {
        "cycles": cycles, "instructions": int(st[sim.S_RETIRED]),
        "ipc_per_tile": float(issue.mean()) if len(issue) else 0.0,
        "lane_utilisation": {"min": float(lane.min()), "mean": float(lane.mean()), "max": float(lane.max())},
        "issue_utilisation": {"min": float(issue.min()), "mean": float(issue.mean()), "max": float(issue.max())},
        "lane_utilisation_per_tile": [round(float(x), 4) for x in lane],
        "flop_utilisation": flops / (cycles * config.ncores * config.lanes * 2) if cycles else 0.0,
        "stall_cycles": stalls,
        "stall_cycles_per_tile": {k: [int(x) for x in ts[:, col]] for k, col in sim.STALL_COLS.items()},
        "network": {"messages": int(st[sim.S_MSGS]), "bytes": int(st[sim.S_NET_BYTES]),
                    "link_bytes": int(st[sim.S_LINK_BYTES]), "links": nl,
                    "link_utilisation_mean": int(st[sim.S_LINK_BUSY]) / (nl * cycles) if cycles and nl else 0.0,
                    "link_utilisation_max": int(st[sim.S_LINK_MAX]) / cycles if cycles else 0.0},
        "bytes": {"dram_read": int(st[sim.S_DRAM_RD]), "dram_write": int(st[sim.S_DRAM_WR]),
                  "network": int(st[sim.S_NET_BYTES])},
        "dram_utilisation": int(st[sim.S_DRAM_BUSY]) / cycles if cycles else 0.0,
        "flops": flops, "seconds_simulated": cycles / (config.clock_ghz * 1e9),
    }


class MeshBackend(SimBackend):
    languages = (LANGUAGE,)
    isa = MESH_ISA
    machine = "mesh"

    def __init__(self, config: str | MeshConfig = "default") -> None:
        super().__init__()
        self.config = CONFIGS[config] if isinstance(config, str) else config
        self.name = "mesh" if self.config.name == "default" else f"mesh-{self.config.name}"
        c = self.config
        self.description = (f"simulated many-core tile mesh 'Tessera' ({c.name} config: {c.gx}x{c.gy} tiles, "
                            f"{c.lmem_bytes // 1024} KiB local memory each, {c.lanes} lanes, links "
                            f"{c.link_bytes_per_cycle} B/cycle, DRAM {c.dram_bytes_per_cycle} B/cycle, "
                            f"{c.clock_ghz} GHz)" + (" [held-out config]" if c.held_out else ""))

    @cached_property
    def sim(self) -> Machine:
        return Machine(self.config)

    def manual(self) -> str:
        from isa_sims.mesh.manual import build_manual
        return build_manual(self.config)

    def execute(self, program: Program, image: DramImage, args: KernelArgs) -> SimResult:
        sig = args.signature
        vals = [image.addr[t.name] for t in sig.inputs + sig.outputs]
        vals += [param_word(args.params[p.name], p.dtype) for p in sig.params]
        if len(vals) > R_Y:
            raise CandidateError(f"the task passes {len(vals)} arguments; mesh has {R_Y} argument registers")
        regs = self.sim.initial_regs(vals)
        r = self.sim.run(program.code, regs, image.words, image.regions)
        if r["status"] != 0:
            raise CandidateError(self.fault_text(program, r))
        st = stats_dict(r, self.config)
        return SimResult(cycles=st["cycles"], retired=st["instructions"], status=0, stats=st)

    def fault_text(self, program: Program, r: dict[str, Any]) -> str:
        from isa_sims.mesh import sim
        status, tile, pc, detail, cycle = (int(x) for x in r["fault"])
        what = sim.FAULT_NAMES.get(status, f"fault {status}")
        c = self.config
        if status == sim.F_DEADLOCK:
            lines = []
            for k in range(c.ncores):
                stt = int(r["state"][k])
                if stt == 4:
                    continue
                ln, text = program.line_of(int(r["pc"][k]))
                lines.append(f"  tile {k} (x={k % c.gx}, y={k // c.gx}) at pc {int(r['pc'][k])}, "
                             f"{program.filename}:{ln}: `{text}`: {STATE_TEXT[stt].format(int(r['wait_arg'][k]))}")
            done = sum(1 for s in r["state"] if int(s) == 4)
            return (f"simulated mesh fault: DEADLOCK: every unfinished tile waits on a take or muster that can never "
                    f"complete ({done} of {c.ncores} tiles finished)\n" + "\n".join(lines))
        extra = f"tile {tile} (x={tile % c.gx}, y={tile // c.gx}), cycle {cycle}"
        if status in (sim.F_LMEM_OOB, sim.F_MISALIGNED, sim.F_DRAM_OOB):
            extra = f"address {detail}; " + extra
            if status == sim.F_LMEM_OOB:
                extra += f"; local memory is {c.lmem_bytes} bytes"
        elif status == sim.F_BADTILE:
            extra = f"tile {detail} (tiles are 0..{c.ncores - 1}); " + extra
        elif status in (sim.F_MSGSIZE, sim.F_SIZE):
            extra = f"value {detail}; " + extra
        elif status == sim.F_CYCLES:
            extra = (f"the run passed the limit of {c.max_cycles} cycles (an endless loop?); pc shown is where "
                     f"it was stopped; " + extra)
        regs = r["regs"][tile] if 0 <= tile < c.ncores else np.zeros(N_HREG, np.int64)
        used = [i for i in range(N_HREG) if regs[i] != 0]
        rt = ", ".join(f"h{i}={int(regs[i])}" for i in used[:16]) or "all h registers 0"
        return self.fault_message(program, what, pc, rt, extra)

    def profile_of(self, res: SimResult) -> Profile:
        st = res.stats
        stalls = st["stall_cycles"]
        top = max(stalls, key=stalls.get) if any(stalls.values()) else "none"
        lu = st["lane_utilisation"]
        return Profile(platform=self.name, static=False, headline={
            "simulated_cycles": st["cycles"], "instructions": st["instructions"],
            "lane_utilisation": f"min {lu['min']:.2f} / mean {lu['mean']:.2f} / max {lu['max']:.2f}",
            "network_bytes": st["network"]["bytes"],
            "link_utilisation": round(st["network"]["link_utilisation_mean"], 3),
            "dram_bytes": st["bytes"]["dram_read"] + st["bytes"]["dram_write"],
            "top_stall": f"{top} ({stalls.get(top, 0)} cycles)" if top != "none" else "none"},
            detail={**st, "note": "simulated: cycle counts from the mesh cycle-level model, not a measurement"})
