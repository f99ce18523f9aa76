"""What every simulated machine's backend shares: the DRAM image with the calling
convention's layout, compile = assemble, the deterministic timing loop, faults raised as
:class:`kernelhub.backend.CandidateError` with the source line, and the profile."""

from __future__ import annotations

import hashlib

import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernelhub.backend import Backend, CandidateError, Compiled, KernelArgs, TimedRun, TimingPolicy
from kernelhub.models import (
    Availability, Candidate, CompileResult, DeviceInfo, Profile, Signature, Timing,
)
from isa_sims.core.asm import AsmError, Assembler, Program

DRAM_BASE = 4096  # address 0 .. DRAM_BASE-1 is never mapped: a null pointer faults
DRAM_ALIGN = 4096  # every array starts on a 4 KiB boundary
DRAM_GAP = 256  # unmapped bytes between arrays


@dataclass
class DramImage:
    """The task's arrays laid out in one DRAM buffer (int32 words; any 4-byte-multiple dtype)."""

    words: np.ndarray
    addr: dict[str, int]  # array name -> byte address
    arrays: dict[str, np.ndarray]  # the host arrays (for shapes and dtypes)
    regions: np.ndarray  # int64 (k, 2): [start, end) byte ranges of the arrays

    @classmethod
    def build(cls, args: KernelArgs) -> "DramImage":
        sig = args.signature
        names = [t.name for t in sig.inputs + sig.outputs]
        addr, pos = {}, DRAM_BASE
        for n in names:
            a = np.ascontiguousarray(args.arrays[n])
            if a.dtype.itemsize % 4 and a.size:
                raise CandidateError(f"array {n!r} has dtype {a.dtype} ({a.dtype.itemsize}-byte elements); this "
                                     "machine's DRAM holds 4-byte words, so only 4- and 8-byte dtypes are supported")
            addr[n] = pos
            pos += -(-(a.nbytes + DRAM_GAP) // DRAM_ALIGN) * DRAM_ALIGN
        words = np.zeros(pos // 4, np.int32)
        regions = []
        for n in names:
            a = np.ascontiguousarray(args.arrays[n])
            b = a.view(np.uint8).reshape(-1)
            words.view(np.uint8)[addr[n]:addr[n] + b.size] = b
            regions.append((addr[n], addr[n] + a.nbytes))
        return cls(words=words, addr=addr, arrays=dict(args.arrays),
                   regions=np.array(regions, np.int64).reshape(-1, 2))

    def read(self, name: str) -> np.ndarray:
        a = self.arrays[name]
        start = self.addr[name]
        raw = self.words.view(np.uint8)[start:start + a.nbytes].copy()
        return raw.view(a.dtype).reshape(a.shape)


def param_word(value: int | float, dtype: str) -> int:
    """A scalar param as a register value: integers as themselves, floats as float32 bits."""
    from isa_sims.core.asm import f32_bits
    return f32_bits(value) if dtype.startswith("float") else int(value)


@dataclass
class SimResult:
    cycles: int
    retired: int
    status: int
    stats: dict[str, Any] = field(default_factory=dict)


class SimBackend(Backend):
    """Base of the simulated machines. A machine sets ``isa``, ``config``, ``machine`` and
    implements :meth:`execute` (and :meth:`manual`). See isa_sims/README.md."""

    languages: tuple[str, ...] = ()
    timing_method = "simulated cycles at the configured clock (deterministic; one simulated run per timing)"
    device_time = False  # simulated, not measured on any device clock
    load_independent_timing = True  # cycles, not host time: jobs may run side by side
    isa: Any = None
    config: Any = None
    machine: str = ""

    def __init__(self) -> None:
        self.last_profile: Profile | None = None

    # ---------------------------------------------------------------- what is here

    def probe(self) -> Availability:
        try:
            import numba  # noqa: F401
        except ImportError as e:
            why = f"numba does not import ({e}); the simulator's loop needs it: pip install numba"
            return Availability(compile=True, run=False, time=False, reasons={"run": why, "time": why})
        return Availability(compile=True, run=True, time=True,
                            notes=["simulated machine: times are simulated cycles at the configured clock"])

    def device_info(self) -> DeviceInfo:
        c = self.config
        return DeviceInfo(name=f"{self.machine} simulator ({c.name} config, {c.clock_ghz} GHz simulated)",
                          kind="simulator", peak_flops_per_s=c.peak_flops_per_s,
                          peak_bytes_per_s=c.peak_bytes_per_s, peaks_measured=False,
                          detail={"config": {k: v for k, v in vars(c).items()}})

    def version_key(self) -> str:
        """The ISA table is part of the key: adding an instruction renumbers opcodes, so an artifact
        assembled under an older table must never come back from the compile cache."""
        import isa_sims
        table = repr([(i.mnemonic, i.opcode, i.operands, i.unit, i.latency) for i in self.isa.instrs])
        isa = hashlib.sha256(table.encode()).hexdigest()[:12]
        return f"{self.machine}:{self.config!r}:{getattr(isa_sims, '__version__', '0')}:isa-{isa}"

    # ---------------------------------------------------------------- compile

    def assembler(self) -> Assembler:
        return Assembler(self.isa, self.config.symbols(), getattr(self.config, "spad_bytes", None))

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        from kernelhub.models import Diagnostic, Severity
        t0 = _time.perf_counter()
        if candidate.language not in (None, *self.languages):
            return Compiled(CompileResult(ok=False, diagnostics=[Diagnostic(
                severity=Severity.error, file=candidate.filename,
                message=f"language {candidate.language!r} is not supported by {self.name}; use "
                        f"{self.languages[0]!r}")]))
        try:
            program = self.assembler().assemble(candidate.source, candidate.filename)
        except AsmError as e:
            return Compiled(CompileResult(ok=False, diagnostics=e.diagnostics, seconds=_time.perf_counter() - t0))
        return Compiled(CompileResult(ok=True, seconds=_time.perf_counter() - t0,
                                      profile=self.static_profile(program),
                                      log=f"assembled {len(program)} instructions for {self.name}\n"), program)

    def static_profile(self, program: Program) -> Profile:
        mix: dict[str, int] = {}
        for row in program.code:
            ins = self.isa.instrs[int(row[0]) - 1]
            mix[ins.unit] = mix.get(ins.unit, 0) + 1
        return Profile(platform=self.name, static=True,
                       headline={"instructions": len(program), **{f"static_{u}": n for u, n in mix.items()}},
                       detail={"static_mix_by_unit": mix})

    # ---------------------------------------------------------------- run

    def execute(self, program: Program, image: DramImage, args: KernelArgs) -> SimResult:
        raise NotImplementedError

    def prepare(self, artifact: Program, args: KernelArgs) -> tuple[Program, DramImage, KernelArgs]:
        return artifact, DramImage.build(args), args

    def launch(self, prepared: tuple[Program, DramImage, KernelArgs]) -> float:  # type: ignore[override]
        program, image, args = prepared
        res = self.execute(program, image, args)
        self.last_profile = self.profile_of(res)
        return res.cycles / (self.config.clock_ghz * 1e9)

    def fetch(self, prepared: tuple[Program, DramImage, KernelArgs]) -> dict[str, Any]:
        _, image, args = prepared
        return {name: image.read(name) for name in image.addr}

    def run_profile(self) -> Profile | None:
        return self.last_profile

    def time_reference(self, task: Any, arrays: Any, shape: Any, policy: TimingPolicy, clock: Any) -> None:
        """No baseline runs on a simulated machine; NumPy on the host is another device, so a
        speedup against it would mean nothing. The score is the roofline fraction instead."""
        return None

    def flush_cache(self) -> None:
        """Nothing to flush: the simulated machine has no caches and every run starts cold."""

    def time(self, artifact: Any, args: KernelArgs, policy: TimingPolicy, clock: Any) -> TimedRun:
        """The simulation is deterministic, so one run is the measurement: repeating it would
        return the same cycle count."""
        prepared = self.prepare(artifact, args)
        h0 = clock()
        seconds = self.launch(prepared)
        host = clock() - h0
        timing = Timing.from_samples([seconds], method=self.timing_method, device_time=False, interpreted=False,
                                     simulated=True, warmup=0, cache_flush=False, host_samples=[host])
        return TimedRun(timing=timing, outputs=self.fetch(prepared))

    def trace_run(self, artifact: Program, args: KernelArgs, window: int = 16, cycle: int | None = None,
                  tile: int | None = None) -> dict[str, Any]:
        """One run with the simulator's trace ring buffer on: the registers and the last ``window``
        instructions before a fault, the end, or ``cycle`` (isa_sims/core/trace.py). Serves the
        worker's ``simulate`` op, i.e. the agent tool of that name."""
        from isa_sims.core.trace import trace_run
        return trace_run(self, artifact, args, window, cycle, tile)

    # ---------------------------------------------------------------- feedback

    def profile_of(self, res: SimResult) -> Profile:
        raise NotImplementedError

    def fault_message(self, program: Program, what: str, pc: int, regs: str, extra: str = "") -> str:
        line, text = program.line_of(pc)
        where = f"{program.filename}:{line}: `{text}`" if line else f"pc {pc} (outside the program)"
        return (f"simulated {self.machine} fault: {what} at pc {pc}, {where}"
                + (f"; {extra}" if extra else "") + f"\n  registers: {regs}")
