"""Manual generation: the instruction reference is derived from the ISA table and the
config's latencies, so the manual can never disagree with the assembler or simulator."""

from __future__ import annotations

from isa_sims.core.isa import ADDR, ISA, KIND_TEXT, LABEL, TAG, Instr

OCC_TEXT = {0: "1", 1: "ceil(VL / valu_lanes)", 2: "ceil(4*VL / spad_bytes_per_cycle)"}


def operand_text(ins: Instr, isa: ISA) -> str:
    parts = []
    for o in ins.operands:
        desc = KIND_TEXT[o.kind]
        if o.kind in isa.reg_by_kind:
            rc = isa.reg_by_kind[o.kind]
            desc += f" {rc.names()}" + {"r": ", read", "w": ", written", "rw": ", read and written"}[o.role]
        elif o.kind == TAG:
            desc += f" 0..{isa.tag_count - 1}"
        elif o.lo is not None:
            desc += f" {o.lo}..{o.hi}"
        elif o.kind == LABEL:
            desc += " (name defined as `name:`)"
        parts.append(f"`{o.name}`: {desc}")
    return "; ".join(parts) or "none"


def encoding_text(ins: Instr) -> str:
    fields = [f"f{i}={o.name}" + (" base" if o.kind == ADDR and k == "base register or -1" else
                                  " offset" if o.kind == ADDR else "")
              for i, (o, k) in enumerate(ins.fields())]
    return f"opcode {ins.opcode}" + (" | " + " ".join(fields) if fields else "")


def instruction_reference(isa: ISA, latencies: dict[str, int], occ_text: dict[int, str] | None = None) -> str:
    """``occ_text`` names a machine's own occupancy rules (default: the vdsp's)."""
    occ_text = {**OCC_TEXT, **(occ_text or {})}
    out = ["## Instruction reference", "",
           "Generated from the ISA table. Latency: cycles from issue until the result can be used "
           "(plus occupancy - 1 for multi-cycle ops). Occupancy: cycles the unit stays busy.", ""]
    groups: dict[str, list[Instr]] = {}
    for ins in isa.instrs:
        groups.setdefault(ins.group, []).append(ins)
    for g, rows in groups.items():
        out += [f"### {g.capitalize()} instructions", ""]
        if g in isa.groups:
            out += [isa.groups[g], ""]
        out += ["| syntax | semantics | unit | latency | occupancy |", "|---|---|---|---|---|"]
        for ins in rows:
            out.append(f"| `{ins.syntax()}` | {ins.semantics} | {ins.unit} | {latencies[ins.latency]} "
                       f"| {occ_text[ins.occupancy]} |")
        out.append("")
        for ins in rows:
            out += [f"**`{ins.mnemonic}`**: {ins.semantics}. Operands: {operand_text(ins, isa)}. "
                    f"Encoding: {encoding_text(ins)}. Example: `{ins.example}`", ""]
    return "\n".join(out)


def registers_text(isa: ISA) -> str:
    return "\n".join(f"- {rc.names()}: {rc.count} {rc.description}" for rc in isa.reg_classes)
