"""The vector DSP ("Vesper"): its configurations and its one ISA table."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from isa_sims.core.isa import (
    ADDR, FIMM, IMM, ISA, LABEL, OCC_LSU, OCC_VALU, SREG, TAG, VREG, Instr, Operand as O, RegClass,
)

UNITS = ("salu", "branch", "valu", "lsu", "dma")
N_SREG, N_VREG, N_TAGS, DMA_QUEUE = 32, 16, 8, 16


@dataclass(frozen=True)
class VdspConfig:
    name: str = "default"
    vlmax: int = 64                 # lanes per vector register (fp32)
    valu_lanes: int = 16            # lanes the vector ALU processes per cycle
    spad_bytes: int = 256 * 1024
    spad_bytes_per_cycle: int = 64  # load/store unit <-> scratchpad
    dram_bytes_per_cycle: int = 32  # DMA engine <-> DRAM
    dram_latency: int = 80          # cycles from a transfer's last byte to its completion
    clock_ghz: float = 1.0
    branch_penalty: int = 2         # extra cycles after a taken branch
    max_cycles: int = 400_000_000
    latencies: dict = field(default_factory=lambda: {
        "salu": 1, "smul": 3, "sdiv": 12, "fpu": 4, "branch": 1,
        "valu": 4, "vdiv": 12, "vred": 8, "lsu": 4, "dma": 1})
    held_out: bool = False

    @property
    def peak_flops_per_s(self) -> float:
        return 2.0 * self.valu_lanes * self.clock_ghz * 1e9  # one multiply-add per lane per cycle

    @property
    def peak_bytes_per_s(self) -> float:
        return self.dram_bytes_per_cycle * self.clock_ghz * 1e9

    def symbols(self) -> dict[str, int]:
        """Assemble-time constants every program may use as immediates."""
        return {"VLMAX": self.vlmax, "VBYTES": self.vlmax * 4, "SPAD": self.spad_bytes,
                "LANES": self.valu_lanes, "NTAGS": N_TAGS}


CONFIGS = {
    "default": VdspConfig(),
    "small": VdspConfig(name="small", vlmax=32, valu_lanes=8, spad_bytes=64 * 1024, spad_bytes_per_cycle=32,
                        dram_bytes_per_cycle=16, dram_latency=60, clock_ghz=0.8),
    # held out from the starters: they were written and tuned without it
    "wide": VdspConfig(name="wide", vlmax=128, valu_lanes=32, spad_bytes=512 * 1024, spad_bytes_per_cycle=128,
                       dram_bytes_per_cycle=48, dram_latency=120, clock_ghz=1.4, branch_penalty=3,
                       latencies={"salu": 1, "smul": 4, "sdiv": 16, "fpu": 5, "branch": 1, "valu": 6,
                                  "vdiv": 16, "vred": 10, "lsu": 6, "dma": 1}, held_out=True),
}

S = lambda n, role="r": O(n, SREG, role)  # noqa: E731
V = lambda n, role="r": O(n, VREG, role)  # noqa: E731
I48 = lambda n: O(n, IMM, lo=-(1 << 47), hi=(1 << 47) - 1)  # noqa: E731
I32 = lambda n: O(n, IMM, lo=-(1 << 31), hi=(1 << 31) - 1)  # noqa: E731

_ = Instr
ROWS = [
    # ---------------------------------------------------------------- scalar
    _("iput", (S("sD", "w"), I48("imm")), "salu", "salu", "sD = imm", "iput s5, 4096", "scalar"),
    _("fput", (S("sD", "w"), O("fimm", FIMM)), "salu", "salu", "sD = float32 bits of fimm", "fput s6, 0.5", "scalar"),
    _("icopy", (S("sD", "w"), S("sA")), "salu", "salu", "sD = sA", "icopy s3, s0", "scalar"),
    _("iplus", (S("sD", "w"), S("sA"), S("sB")), "salu", "salu", "sD = sA + sB", "iplus s3, s3, s4", "scalar"),
    _("iplusk", (S("sD", "w"), S("sA"), I32("imm")), "salu", "salu", "sD = sA + imm", "iplusk s3, s3, VBYTES",
      "scalar"),
    _("iminus", (S("sD", "w"), S("sA"), S("sB")), "salu", "salu", "sD = sA - sB", "iminus s7, s1, s2", "scalar"),
    _("itimes", (S("sD", "w"), S("sA"), S("sB")), "salu", "smul", "sD = sA * sB", "itimes s8, s2, s3", "scalar"),
    _("itimesk", (S("sD", "w"), S("sA"), I32("imm")), "salu", "smul", "sD = sA * imm", "itimesk s8, s2, 4",
      "scalar"),
    _("iquot", (S("sD", "w"), S("sA"), S("sB")), "salu", "sdiv", "sD = floor(sA / sB); faults if sB = 0",
      "iquot s9, s2, s3", "scalar"),
    _("irem", (S("sD", "w"), S("sA"), S("sB")), "salu", "sdiv", "sD = sA - sB * floor(sA / sB); faults if sB = 0",
      "irem s9, s2, s3", "scalar"),
    _("ilow", (S("sD", "w"), S("sA"), S("sB")), "salu", "salu", "sD = min(sA, sB)", "ilow s4, s4, s5", "scalar"),
    _("ihigh", (S("sD", "w"), S("sA"), S("sB")), "salu", "salu", "sD = max(sA, sB)", "ihigh s4, s4, s5", "scalar"),
    _("ishift", (S("sD", "w"), S("sA"), O("amount", IMM, lo=-63, hi=63)), "salu", "salu",
      "sD = sA << amount if amount >= 0, else sA >> -amount (arithmetic)", "ishift s4, s4, 2", "scalar"),
    _("iband", (S("sD", "w"), S("sA"), S("sB")), "salu", "salu", "sD = sA & sB (bitwise and)",
      "iband s4, s4, s5", "scalar"),
    _("fplus", (S("sD", "w"), S("sA"), S("sB")), "salu", "fpu", "sD = f32(sA) + f32(sB) (float32 bit patterns)",
      "fplus s10, s10, s11", "scalar"),
    _("ftimes", (S("sD", "w"), S("sA"), S("sB")), "salu", "fpu", "sD = f32(sA) * f32(sB)", "ftimes s10, s10, s11",
      "scalar"),
    _("ffromi", (S("sD", "w"), S("sA")), "salu", "fpu", "sD = float32 bits of the integer sA",
      "ffromi s10, s2", "scalar"),
    _("fquot", (S("sD", "w"), S("sA"), S("sB")), "salu", "sdiv", "sD = f32(sA) / f32(sB) (IEEE: x/0 = inf, 0/0 = NaN)",
      "fquot s10, s10, s11", "scalar"),
    _("frsqrt", (S("sD", "w"), S("sA")), "salu", "sdiv",
      "sD = 1 / sqrt(f32(sA)), computed in float64 and rounded once to float32 (inf at 0, NaN below 0)",
      "frsqrt s10, s10", "scalar"),
    # ---------------------------------------------------------------- control
    _("goto", (O("target", LABEL),), "branch", "branch", "pc = target", "goto top", "control", branch=True),
    _("whenz", (S("sA"), O("target", LABEL)), "branch", "branch", "if sA == 0: pc = target", "whenz s4, done",
      "control", branch=True),
    _("whennz", (S("sA"), O("target", LABEL)), "branch", "branch", "if sA != 0: pc = target", "whennz s4, top",
      "control", branch=True),
    _("whenlt", (S("sA"), S("sB"), O("target", LABEL)), "branch", "branch", "if sA < sB (signed): pc = target",
      "whenlt s3, s4, top", "control", branch=True),
    _("whenge", (S("sA"), S("sB"), O("target", LABEL)), "branch", "branch", "if sA >= sB (signed): pc = target",
      "whenge s3, s4, done", "control", branch=True),
    _("again", (S("sC", "rw"), O("target", LABEL)), "branch", "branch",
      "sC = sC - 1; if sC != 0: pc = target (a counted loop in one instruction)", "again s9, inner", "control",
      branch=True),
    _("stop", (), "branch", "branch", "wait for every DMA transfer to finish, then end the kernel", "stop",
      "control"),
    # ---------------------------------------------------------------- vector
    _("vlen", (S("sD", "w"), S("sA")), "salu", "salu", "VL = clamp(sA, 0, VLMAX); sD = VL", "vlen s12, s7",
      "vector"),
    _("vbcast", (V("vD", "w"), S("sA")), "valu", "valu", "vD[i] = f32(sA) for i < VL", "vbcast v1, s6", "vector",
      OCC_VALU),
    _("vzero", (V("vD", "w"),), "valu", "valu", "vD[i] = 0.0 for i < VL", "vzero v0", "vector", OCC_VALU),
    _("vmove", (V("vD", "w"), V("vA")), "valu", "valu", "vD[i] = vA[i] for i < VL", "vmove v2, v1", "vector",
      OCC_VALU),
    _("vplus", (V("vD", "w"), V("vA"), V("vB")), "valu", "valu", "vD[i] = vA[i] + vB[i]", "vplus v3, v1, v2",
      "vector", OCC_VALU, 1),
    _("vminus", (V("vD", "w"), V("vA"), V("vB")), "valu", "valu", "vD[i] = vA[i] - vB[i]", "vminus v3, v1, v2",
      "vector", OCC_VALU, 1),
    _("vtimes", (V("vD", "w"), V("vA"), V("vB")), "valu", "valu", "vD[i] = vA[i] * vB[i]", "vtimes v3, v1, v2",
      "vector", OCC_VALU, 1),
    _("vquot", (V("vD", "w"), V("vA"), V("vB")), "valu", "vdiv", "vD[i] = vA[i] / vB[i]", "vquot v3, v1, v2",
      "vector", OCC_VALU, 1),
    _("vexp", (V("vD", "w"), V("vA")), "valu", "vdiv",
      "vD[i] = exp(vA[i]), computed in float64 and rounded once to float32 (inf on overflow, 0 on underflow)",
      "vexp v3, v1", "vector", OCC_VALU, 1),
    _("vhigh", (V("vD", "w"), V("vA"), V("vB")), "valu", "valu", "vD[i] = max(vA[i], vB[i])", "vhigh v3, v1, v2",
      "vector", OCC_VALU, 1),
    _("vlow", (V("vD", "w"), V("vA"), V("vB")), "valu", "valu", "vD[i] = min(vA[i], vB[i])", "vlow v3, v1, v2",
      "vector", OCC_VALU, 1),
    _("vmacc", (V("vD", "rw"), V("vA"), V("vB")), "valu", "valu",
      "vD[i] = vD[i] + vA[i] * vB[i] (two fp32 roundings)", "vmacc v0, v1, v2", "vector", OCC_VALU, 2),
    _("vplusk", (V("vD", "w"), V("vA"), S("sB")), "valu", "valu", "vD[i] = vA[i] + f32(sB)", "vplusk v3, v1, s6",
      "vector", OCC_VALU, 1),
    _("vtimesk", (V("vD", "w"), V("vA"), S("sB")), "valu", "valu", "vD[i] = vA[i] * f32(sB)", "vtimesk v3, v1, s6",
      "vector", OCC_VALU, 1),
    _("vmacck", (V("vD", "rw"), V("vA"), S("sB")), "valu", "valu",
      "vD[i] = vD[i] + vA[i] * f32(sB) (two fp32 roundings)", "vmacck v0, v4, s10", "vector", OCC_VALU, 2),
    _("vfold", (S("sD", "w"), V("vA")), "valu", "vred",
      "sD = float32 bits of vA[0] + vA[1] + ... + vA[VL-1] (fp32, in lane order); 0.0 if VL = 0",
      "vfold s10, v0", "vector", OCC_VALU, 1),
    _("vfoldhigh", (S("sD", "w"), V("vA")), "valu", "vred",
      "sD = float32 bits of max(vA[0], ..., vA[VL-1]); -inf if VL = 0; NaN if any lane is NaN",
      "vfoldhigh s10, v0", "vector", OCC_VALU),
    # ---------------------------------------------------------------- scratchpad
    _("vget", (V("vD", "w"), O("addr", ADDR)), "lsu", "lsu",
      "vD[i] = spad.f32[addr + 4*i] for i < VL (addr 4-byte aligned)", "vget v1, [s3+256]", "scratchpad", OCC_LSU),
    _("vput", (V("vS"), O("addr", ADDR)), "lsu", "lsu", "spad.f32[addr + 4*i] = vS[i] for i < VL",
      "vput v1, [s3]", "scratchpad", OCC_LSU),
    _("sget", (S("sD", "w"), O("addr", ADDR)), "lsu", "lsu",
      "sD = the 32-bit word at addr, sign-extended (an int32, or float32 bits)", "sget s10, [s4+8]", "scratchpad"),
    _("sput", (S("sS"), O("addr", ADDR)), "lsu", "lsu", "the 32-bit word at addr = low 32 bits of sS",
      "sput s10, [0]", "scratchpad"),
    # ---------------------------------------------------------------- DMA
    _("xshape", (S("sRowBytes"), S("sDramStride"), S("sSpadStride")), "dma", "dma",
      "set the geometry of later 2-D transfers: bytes per row, byte stride between rows in DRAM and in the "
      "scratchpad", "xshape s20, s21, s22", "dma"),
    _("xin", (S("sSpad"), S("sDram"), S("sBytes"), O("tag", TAG)), "dma", "dma",
      "start copying sBytes bytes DRAM[sDram..] -> spad[sSpad..] under tag", "xin s13, s0, s14, 0", "dma"),
    _("xout", (S("sDram"), S("sSpad"), S("sBytes"), O("tag", TAG)), "dma", "dma",
      "start copying sBytes bytes spad[sSpad..] -> DRAM[sDram..] under tag", "xout s2, s13, s14, 1", "dma"),
    _("xin2", (S("sSpad"), S("sDram"), S("sRows"), O("tag", TAG)), "dma", "dma",
      "start a 2-D copy DRAM -> spad of sRows rows in the xshape geometry, under tag", "xin2 s13, s0, s15, 2",
      "dma"),
    _("xout2", (S("sDram"), S("sSpad"), S("sRows"), O("tag", TAG)), "dma", "dma",
      "start a 2-D copy spad -> DRAM of sRows rows in the xshape geometry, under tag", "xout2 s2, s13, s15, 3",
      "dma"),
    _("xwait", (O("tag", TAG),), "dma", "dma",
      "stall until every transfer started under tag has completed; only then is its data visible",
      "xwait 0", "dma"),
]

GROUPS = {
    "scalar": "Integer and float arithmetic on the scalar registers. Floats in scalar registers are float32 bit "
              "patterns (sign-extended to 64 bits); `f32(sA)` reads one.",
    "control": "Branches issue on the branch unit; a taken branch costs `branch_penalty` extra cycles.",
    "vector": "Vector instructions act on lanes 0..VL-1; lanes at and above VL keep their old values. The vector "
              "ALU processes `valu_lanes` lanes per cycle, so one instruction occupies it for "
              "ceil(VL / valu_lanes) cycles.",
    "scratchpad": "Loads and stores between registers and the scratchpad. A vector access moves 4*VL bytes and "
                  "occupies the load/store unit for ceil(4*VL / spad_bytes_per_cycle) cycles. Addresses are byte "
                  "addresses and must be 4-byte aligned and inside the scratchpad.",
    "dma": "The DMA engine is the only path to DRAM. Transfers are asynchronous: `xin`/`xout` return at once, "
           "the transfer runs concurrently with compute, and its data is visible only after `xwait` on its tag. "
           "At most 16 transfers may be outstanding (a 17th stalls the issuing instruction). Every DRAM byte a "
           "transfer touches must lie inside one of the task's arrays; sizes and addresses must be multiples of 4.",
}

VDSP_ISA = ISA(name="vdsp", reg_classes=(
    RegClass(SREG, "s", N_SREG, "scalar registers (64-bit integers or float32 bit patterns)"),
    RegClass(VREG, "v", N_VREG, "vector registers (VLMAX float32 lanes)")),
    instrs=ROWS, units=UNITS, tag_count=N_TAGS, groups=GROUPS)


def config(name: str) -> VdspConfig:
    return CONFIGS[name]


__all__ = ["VDSP_ISA", "CONFIGS", "VdspConfig", "config", "replace"]
