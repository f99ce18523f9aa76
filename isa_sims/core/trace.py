"""Trace windows: the registers and the last instructions before a fault or a chosen cycle.

The hook in every machine's numba loop is one optional ring buffer, ``trace`` (int64, shape
``(n, 4)``: fetch sequence number, pc, cycle, tile). The loop writes a row for each
instruction it *fetches* (the faulting one included), before issue, so ``cycle`` is the
earliest cycle the instruction could issue (stalls come after). ``n = 0`` (:data:`NO_TRACE`,
the default every ``Machine.run`` passes) turns the hook into one never-taken branch per
instruction, so ordinary runs keep their speed.

A chosen cycle reuses the loop's existing cycle limit: the run stops when the next fetch
would be past it, and the registers are those at that point.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kernelhub.backend import KernelArgs
    from isa_sims.core.asm import Program
    from isa_sims.core.simbackend import SimBackend

NO_TRACE = np.zeros((0, 4), np.int64)
MAX_WINDOW = 256
VECTOR_LANES_SHOWN = 8


class _TracingMachine:
    """Stands in for a backend's ``Machine`` for one run: adds the ring buffer and the cycle
    limit to the backend's own ``execute`` call, and keeps the register file it passed."""

    def __init__(self, machine: Any, trace: np.ndarray, max_cycles: int | None) -> None:
        self._machine = machine
        self.trace = trace
        self.max_cycles = max_cycles
        self.regs: np.ndarray | None = None
        self.result: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._machine, name)

    def run(self, code: np.ndarray, regs: np.ndarray, *args: Any, **kw: Any) -> Any:
        kw["trace"] = self.trace
        if self.max_cycles is not None:
            kw["max_cycles"] = self.max_cycles
        self.regs = regs
        self.result = self._machine.run(code, regs, *args, **kw)
        return self.result


def _fault_and_stats(machine: str, result: Any) -> tuple[np.ndarray, np.ndarray, int | None]:
    """(fault [status, pc, detail, cycle], stats, faulting tile) for any of the machines."""
    if isinstance(result, dict):  # the mesh: fault is [status, tile, pc, detail, cycle]
        f = result["fault"]
        return np.array([f[0], f[2], f[3], f[4]]), result["stats"], int(f[1])
    return result[2], result[1], None


def trace_run(backend: "SimBackend", program: "Program", args: "KernelArgs", window: int = 16,
              cycle: int | None = None, tile: int | None = None) -> dict[str, Any]:
    """Run ``program`` once with the trace on; return a JSON-ready window (see module doc)."""
    from kernelhub.backend import CandidateError
    sim = importlib.import_module(f"isa_sims.{backend.machine}.sim")
    window = max(1, min(int(window), MAX_WINDOW))
    ntiles = int(getattr(backend.config, "ncores", 1))
    if tile is not None and not 0 <= tile < ntiles:
        raise CandidateError(f"tile {tile} does not exist: {backend.name} has tiles 0..{ntiles - 1}")
    ring = -np.ones((window * (ntiles if tile is not None else 1), 4), np.int64)
    machine = backend.sim
    tracing = _TracingMachine(machine, ring, None if cycle is None else max(0, int(cycle)))
    image = backend.prepare(program, args)[1]
    backend.__dict__["sim"] = tracing
    message = None
    try:
        backend.execute(program, image, args)
    except CandidateError as e:
        message = str(e)
    finally:
        backend.__dict__["sim"] = machine
    if tracing.result is None:  # refused before the simulator ran (too many arguments, say)
        return {"stopped": "error", "message": message, "cycle": 0, "retired": 0, "tile": tile,
                "registers": {}, "vector_registers": {}, "instructions": []}
    fault, stats, fault_tile = _fault_and_stats(backend.machine, tracing.result)
    status = int(fault[0])
    if status == 0:
        stopped = "finished"
    elif cycle is not None and status == sim.F_CYCLES:
        stopped, message = "cycle", None
    else:
        stopped = "fault"
    rows = ring[ring[:, 0] >= 0]
    rows = rows[np.argsort(rows[:, 0])]
    if tile is not None:
        rows = rows[rows[:, 3] == tile]
    rows = rows[-window:]
    shown_tile = tile if tile is not None else fault_tile if ntiles > 1 and stopped == "fault" else None
    return {
        "stopped": stopped, "message": message,
        "cycle": int(fault[3]) if status else int(stats[sim.S_CYCLES]),
        "retired": int(stats[sim.S_RETIRED]), "tile": shown_tile,
        "registers": _registers(backend, tracing.regs, shown_tile),
        "vector_registers": _vector_registers(tracing.result),
        "instructions": [_row(backend, program, r, ntiles) for r in rows],
    }


def _registers(backend: "SimBackend", regs: np.ndarray | None, tile: int | None) -> dict[str, int]:
    if regs is None:
        return {}
    from isa_sims.core.isa import SREG
    prefix = backend.isa.reg_by_kind[SREG].prefix
    r = regs[tile if tile is not None else 0] if regs.ndim == 2 else regs
    return {f"{prefix}{i}": int(v) for i, v in enumerate(r)}


def _vector_registers(result: Any) -> dict[str, list[float]]:
    """The vector DSP's vector registers (first lanes only): returned by its Machine.run as a 2-D float array."""
    if isinstance(result, tuple) and len(result) == 5 and getattr(result[3], "ndim", 0) == 2:
        return {f"v{i}": [float(x) for x in row[:VECTOR_LANES_SHOWN]] for i, row in enumerate(result[3])}
    return {}


def _row(backend: "SimBackend", program: "Program", r: np.ndarray, ntiles: int) -> dict[str, Any]:
    seq, pc, cyc, tile = (int(x) for x in r)
    line, text = program.line_of(pc)
    op = int(program.code[pc, 0]) if 0 <= pc < len(program) else 0
    mnem = backend.isa.instrs[op - 1].mnemonic if 1 <= op <= len(backend.isa.instrs) else "?"
    return {"seq": seq, "pc": pc, "cycle": cyc, "tile": tile if ntiles > 1 else None, "line": line,
            "source": text, "mnemonic": mnem}
