"""One definition of an instruction set: the table the assembler, the decoder and the
manual are all derived from, so they can never disagree.

An instruction is a row: mnemonic, operands (each with a kind and, for registers, whether
it is read, written or both), the functional unit, a latency class (cycles come from the
machine's config), an occupancy rule, a one-line semantics and an example. Opcodes are
assigned by position (1, 2, ...; 0 is never valid) and each operand takes one or two
integer fields of the encoded program row ``[opcode, f0, f1, ...]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

# operand kinds
SREG, VREG, IMM, FIMM, LABEL, ADDR, TAG = "sreg", "vreg", "imm", "fimm", "label", "addr", "tag"
WREG = "wreg"  # a second non-scalar register class (the systolic engine's weight banks); decoded like VREG

KIND_TEXT = {
    SREG: "a scalar register", VREG: "a vector register", IMM: "an integer immediate",
    FIMM: "a float immediate", LABEL: "a label", ADDR: "a scratchpad address [sN+imm]", TAG: "a DMA tag",
    WREG: "a weight bank",
}

#: occupancy rules: how many cycles an instruction holds its unit
OCC_ONE, OCC_VALU, OCC_LSU = 0, 1, 2


@dataclass(frozen=True)
class Operand:
    name: str
    kind: str
    role: str = "r"  # registers: "r" read, "w" written, "rw" both
    lo: int | None = None
    hi: int | None = None

    @property
    def nfields(self) -> int:
        return 2 if self.kind == ADDR else 1

    def syntax(self) -> str:
        if self.kind == ADDR:
            return f"[{self.name}]"
        return self.name


@dataclass(frozen=True)
class Instr:
    mnemonic: str
    operands: tuple[Operand, ...]
    unit: str
    latency: str  # key of the config's latency table
    semantics: str
    example: str
    group: str
    occupancy: int = OCC_ONE
    flops_per_lane: int = 0  # counted per active lane, for the profile
    branch: bool = False
    opcode: int = 0  # assigned by ISA

    def syntax(self) -> str:
        return self.mnemonic + (" " + ", ".join(o.syntax() for o in self.operands) if self.operands else "")

    def fields(self) -> list[tuple[Operand, str]]:
        out = []
        for o in self.operands:
            if o.kind == ADDR:
                out += [(o, "base register or -1"), (o, "byte offset")]
            else:
                out.append((o, o.kind))
        return out


@dataclass(frozen=True)
class RegClass:
    kind: str  # SREG or VREG
    prefix: str
    count: int
    description: str

    def names(self) -> str:
        return f"{self.prefix}0..{self.prefix}{self.count - 1}"


@dataclass
class ISA:
    name: str
    reg_classes: tuple[RegClass, ...]
    instrs: list[Instr]
    units: tuple[str, ...]
    tag_count: int = 8
    groups: dict[str, str] = field(default_factory=dict)  # group -> intro text for the manual

    def __post_init__(self) -> None:
        self.instrs = [Instr(**{**i.__dict__, "opcode": n + 1}) for n, i in enumerate(self.instrs)]
        self.by_mnemonic = {i.mnemonic: i for i in self.instrs}
        if len(self.by_mnemonic) != len(self.instrs):
            raise ValueError("duplicate mnemonic in the ISA table")
        self.nfields = max(sum(o.nfields for o in i.operands) for i in self.instrs)
        self.reg_by_kind = {r.kind: r for r in self.reg_classes}

    def op(self, mnemonic: str) -> int:
        return self.by_mnemonic[mnemonic].opcode

    @property
    def n_opcodes(self) -> int:
        return len(self.instrs) + 1

    # ---------------------------------------------------------------- decoder tables

    def decode_tables(self, latencies: dict[str, int]) -> dict[str, np.ndarray]:
        """Per-opcode arrays for the simulator's generic timing model: unit index, latency,
        occupancy rule, flops per lane, and which fields are scalar/vector sources and
        destinations (3 or more sources and 1 destination of each class; -1 = none)."""
        n = self.n_opcodes
        # source slots: 3, or more where an instruction reads more registers of one class
        ns = max([3] + [sum(1 for o in i.operands if o.kind in self.reg_by_kind and "r" in o.role
                            or o.kind == ADDR) for i in self.instrs])
        t = {
            "unit": np.zeros(n, np.int64), "lat": np.ones(n, np.int64), "occ": np.zeros(n, np.int64),
            "flops": np.zeros(n, np.int64), "valid": np.zeros(n, np.int64),
            "ssrc": -np.ones((n, ns), np.int64), "vsrc": -np.ones((n, ns), np.int64),
            "sdst": -np.ones(n, np.int64), "vdst": -np.ones(n, np.int64),
        }
        for ins in self.instrs:
            o = ins.opcode
            t["valid"][o] = 1
            t["unit"][o] = self.units.index(ins.unit)
            t["lat"][o] = latencies[ins.latency]
            t["occ"][o] = ins.occupancy
            t["flops"][o] = ins.flops_per_lane
            f, ns, nv = 0, 0, 0
            for opd in ins.operands:
                if opd.kind in self.reg_by_kind:  # SREG, or a second class (VREG, WREG) in vsrc/vdst
                    src, dst = ("ssrc", "sdst") if opd.kind == SREG else ("vsrc", "vdst")
                    if "r" in opd.role:
                        k = ns if opd.kind == SREG else nv
                        t[src][o, k] = f
                        if opd.kind == SREG:
                            ns += 1
                        else:
                            nv += 1
                    if "w" in opd.role:
                        t[dst][o] = f
                elif opd.kind == ADDR:  # the base register is read
                    t["ssrc"][o, ns] = f
                    ns += 1
                f += opd.nfields
        return t


def table(rows: Iterable[Instr]) -> list[Instr]:
    return list(rows)
