"""The systolic matrix engine ("Loom"): its configurations and its one ISA table.

A weight-stationary DIM x DIM array (the *warp* is the stationary weight tile, the *weft* the
activation rows streamed through it), an accumulator memory of DIM-wide rows, a vector unit
working on the unified buffer, and a DMA engine between DRAM, the buffer and the accumulators.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from isa_sims.core.isa import FIMM, IMM, ISA, LABEL, SREG, WREG, Instr, Operand as O, RegClass

UNITS = ("ctrl", "array", "wload", "vector", "dma")
N_GREG, N_BANKS = 32, 2

# occupancy rules of this machine (the manual names them; the simulator computes them per opcode)
OCC_ROWS, OCC_DIM, OCC_LANES, OCC_DRAM, OCC_LOCAL = 10, 11, 12, 13, 14
OCC_TEXT = {OCC_ROWS: "gRows (one activation row per cycle)", OCC_DIM: "DIM (one weight row per cycle)",
            OCC_LANES: "ceil(gN / vector_lanes)", OCC_DRAM: "ceil(bytes / dram_bytes_per_cycle)",
            OCC_LOCAL: "ceil(bytes / local_bytes_per_cycle)"}


@dataclass(frozen=True)
class LoomConfig:
    name: str = "default"
    dim: int = 16                     # the array is dim x dim multiply-accumulate cells
    buf_bytes: int = 256 * 1024       # unified on-chip buffer
    acc_rows: int = 2048              # accumulator memory: acc_rows rows of dim fp32
    vector_lanes: int = 16            # vector-unit elements per cycle
    dram_bytes_per_cycle: int = 32    # DMA engine <-> DRAM
    local_bytes_per_cycle: int = 128  # DMA engine accumulators -> buffer
    dram_latency: int = 100           # cycles from a DRAM transfer's last byte to its completion
    local_latency: int = 8
    vector_latency: int = 4
    vtrans_latency: int = 12          # exp / tanh / reciprocal
    mul_latency: int = 3
    div_latency: int = 12
    queue_depth: int = 8              # instructions each unit's queue holds before the controller stalls
    stripe_bytes: int = 256           # buffer hazard-tracking granule
    clock_ghz: float = 1.0
    branch_penalty: int = 2
    max_cycles: int = 400_000_000
    held_out: bool = False

    @property
    def latencies(self) -> dict[str, int]:
        return {"ctrl": 1, "mul": self.mul_latency, "div": self.div_latency, "branch": 1, "warp": 1,
                "weft": 2 * self.dim, "vector": self.vector_latency, "vtrans": self.vtrans_latency,
                "dram": self.dram_latency, "local": self.local_latency}

    @property
    def peak_flops_per_s(self) -> float:
        return 2.0 * self.dim * self.dim * self.clock_ghz * 1e9  # one MAC per cell per cycle

    @property
    def peak_bytes_per_s(self) -> float:
        return self.dram_bytes_per_cycle * self.clock_ghz * 1e9

    def symbols(self) -> dict[str, int]:
        return {"DIM": self.dim, "ROWB": 4 * self.dim, "TILEB": 4 * self.dim * self.dim, "BUF": self.buf_bytes,
                "ACCROWS": self.acc_rows, "LANES": self.vector_lanes, "STRIPE": self.stripe_bytes}


CONFIGS = {
    "default": LoomConfig(),
    "small": LoomConfig(name="small", dim=8, buf_bytes=128 * 1024, acc_rows=1024, vector_lanes=8,
                        dram_bytes_per_cycle=16, local_bytes_per_cycle=64, dram_latency=80, clock_ghz=0.8),
    # held out from the starters: they were written and tuned without it
    "large": LoomConfig(name="large", dim=32, buf_bytes=512 * 1024, acc_rows=4096, vector_lanes=32,
                        dram_bytes_per_cycle=64, local_bytes_per_cycle=256, dram_latency=140, local_latency=10,
                        vector_latency=6, vtrans_latency=16, clock_ghz=1.2, branch_penalty=3, held_out=True),
}

G = lambda n, role="r": O(n, SREG, role)  # noqa: E731
W = lambda n, role="r": O(n, WREG, role)  # noqa: E731
I48 = lambda n: O(n, IMM, lo=-(1 << 47), hi=(1 << 47) - 1)  # noqa: E731
I32 = lambda n: O(n, IMM, lo=-(1 << 31), hi=(1 << 31) - 1)  # noqa: E731

_ = Instr
_BIN = "gD, gA, gB, gN: buffer fp32 arrays of gN elements at byte addresses gD, gA, gB"


def _ebin(mn, expr, ex):
    return _(mn, (G("gD"), G("gA"), G("gB"), G("gN")), "vector", "vector",
             f"buf.f32[gD+4i] = {expr} for i < gN", ex, "vector", OCC_LANES, 1)


def _eun(mn, expr, ex, lat="vector"):
    return _(mn, (G("gD"), G("gA"), G("gN")), "vector", lat, f"buf.f32[gD+4i] = {expr} for i < gN", ex,
             "vector", OCC_LANES, 1)


ROWS = [
    # ---------------------------------------------------------------- controller (scalar)
    _("kset", (G("gD", "w"), I48("imm")), "ctrl", "ctrl", "gD = imm", "kset g5, 4096", "scalar"),
    _("kfset", (G("gD", "w"), O("fimm", FIMM)), "ctrl", "ctrl", "gD = float32 bits of fimm", "kfset g6, 0.5",
      "scalar"),
    _("kcopy", (G("gD", "w"), G("gA")), "ctrl", "ctrl", "gD = gA", "kcopy g3, g0", "scalar"),
    _("kadd", (G("gD", "w"), G("gA"), G("gB")), "ctrl", "ctrl", "gD = gA + gB", "kadd g3, g3, g4", "scalar"),
    _("kaddi", (G("gD", "w"), G("gA"), I32("imm")), "ctrl", "ctrl", "gD = gA + imm", "kaddi g3, g3, TILEB",
      "scalar"),
    _("ksub", (G("gD", "w"), G("gA"), G("gB")), "ctrl", "ctrl", "gD = gA - gB", "ksub g7, g1, g2", "scalar"),
    _("kmul", (G("gD", "w"), G("gA"), G("gB")), "ctrl", "mul", "gD = gA * gB", "kmul g8, g2, g3", "scalar"),
    _("kmuli", (G("gD", "w"), G("gA"), I32("imm")), "ctrl", "mul", "gD = gA * imm", "kmuli g8, g2, 4", "scalar"),
    _("kdiv", (G("gD", "w"), G("gA"), G("gB")), "ctrl", "div", "gD = floor(gA / gB); faults if gB = 0",
      "kdiv g9, g2, g3", "scalar"),
    _("kmin", (G("gD", "w"), G("gA"), G("gB")), "ctrl", "ctrl", "gD = min(gA, gB)", "kmin g4, g4, g5", "scalar"),
    _("kmax", (G("gD", "w"), G("gA"), G("gB")), "ctrl", "ctrl", "gD = max(gA, gB)", "kmax g4, g4, g5", "scalar"),
    _("kfloat", (G("gD", "w"), G("gA")), "ctrl", "ctrl",
      "gD = float32 bits of the integer gA converted to fp32 (round to nearest even)", "kfloat g6, g3", "scalar"),
    _("kshl", (G("gD", "w"), G("gA"), O("amount", IMM, lo=-63, hi=63)), "ctrl", "ctrl",
      "gD = gA << amount if amount >= 0, else gA >> -amount (arithmetic)", "kshl g4, g4, 2", "scalar"),
    # ---------------------------------------------------------------- control
    _("hop", (O("target", LABEL),), "ctrl", "branch", "pc = target", "hop top", "control", branch=True),
    _("hopz", (G("gA"), O("target", LABEL)), "ctrl", "branch", "if gA == 0: pc = target", "hopz g4, done",
      "control", branch=True),
    _("hopnz", (G("gA"), O("target", LABEL)), "ctrl", "branch", "if gA != 0: pc = target", "hopnz g4, top",
      "control", branch=True),
    _("hoplt", (G("gA"), G("gB"), O("target", LABEL)), "ctrl", "branch", "if gA < gB (signed): pc = target",
      "hoplt g3, g4, top", "control", branch=True),
    _("hopge", (G("gA"), G("gB"), O("target", LABEL)), "ctrl", "branch", "if gA >= gB (signed): pc = target",
      "hopge g3, g4, done", "control", branch=True),
    _("tally", (G("gC", "rw"), O("target", LABEL)), "ctrl", "branch",
      "gC = gC - 1; if gC != 0: pc = target (a counted loop in one instruction)", "tally g9, inner", "control",
      branch=True),
    _("finish", (), "ctrl", "ctrl", "wait until every unit has drained (all results written), then end the kernel",
      "finish", "control"),
    # ---------------------------------------------------------------- systolic array
    _("warp", (W("wB", "w"), G("gBuf"), G("gRows")), "wload", "warp",
      "bank wB = the DIM x DIM fp32 weight tile at buf[gBuf..] (row-major, rows ROWB bytes apart); "
      "rows >= gRows are loaded as 0 (0 <= gRows <= DIM)", "warp w0, g12, g13", "array", OCC_DIM),
    _("weft", (W("wB"), G("gAct"), G("gAcc"), G("gRows")), "array", "weft",
      "for r < gRows: acc[gAcc+r, :] = act_r @ bank wB, where act_r = the DIM fp32 at buf[gAct + r*ROWB] "
      "(fp32 dot products, k in order)", "weft w0, g14, g15, g16", "array", OCC_ROWS),
    _("weftadd", (W("wB"), G("gAct"), G("gAcc"), G("gRows")), "array", "weft",
      "for r < gRows: acc[gAcc+r, :] = acc[gAcc+r, :] + act_r @ bank wB (the dot product rounded to fp32, "
      "then added)", "weftadd w1, g14, g15, g16", "array", OCC_ROWS),
    # ---------------------------------------------------------------- vector unit
    _ebin("esum", "buf.f32[gA+4i] + buf.f32[gB+4i]", "esum g4, g5, g6, g7"),
    _ebin("ediff", "buf.f32[gA+4i] - buf.f32[gB+4i]", "ediff g4, g5, g6, g7"),
    _ebin("eprod", "buf.f32[gA+4i] * buf.f32[gB+4i]", "eprod g4, g5, g6, g7"),
    _ebin("ebig", "max(buf.f32[gA+4i], buf.f32[gB+4i])", "ebig g4, g5, g6, g7"),
    _ebin("esmall", "min(buf.f32[gA+4i], buf.f32[gB+4i])", "esmall g4, g5, g6, g7"),
    _("eoffset", (G("gD"), G("gA"), G("gS"), G("gN")), "vector", "vector",
      "buf.f32[gD+4i] = buf.f32[gA+4i] + f32(gS) for i < gN (gS holds float32 bits)", "eoffset g4, g5, g6, g7",
      "vector", OCC_LANES, 1),
    _("escale", (G("gD"), G("gA"), G("gS"), G("gN")), "vector", "vector",
      "buf.f32[gD+4i] = buf.f32[gA+4i] * f32(gS) for i < gN", "escale g4, g5, g6, g7", "vector", OCC_LANES, 1),
    _eun("ecopy", "buf.f32[gA+4i]", "ecopy g4, g5, g7"),
    _eun("erelu", "max(buf.f32[gA+4i], 0)", "erelu g4, g5, g7"),
    _eun("eexp", "exp(buf.f32[gA+4i]) (fp32)", "eexp g4, g5, g7", "vtrans"),
    _eun("etanh", "tanh(buf.f32[gA+4i]) (fp32)", "etanh g4, g5, g7", "vtrans"),
    _eun("erecip", "1 / buf.f32[gA+4i] (fp32)", "erecip g4, g5, g7", "vtrans"),
    _eun("ersqrt", "1 / sqrt(buf.f32[gA+4i]) (fp32)", "ersqrt g4, g5, g7", "vtrans"),
    _("escalb", (G("gD"), G("gA"), G("gP"), G("gN")), "vector", "vector",
      "buf.f32[gD+4i] = buf.f32[gA+4i] * buf.f32[gP] for i < gN (a scalar operand read from the buffer)",
      "escalb g4, g5, g6, g7", "vector", OCC_LANES, 1),
    _("eoffsetb", (G("gD"), G("gA"), G("gP"), G("gN")), "vector", "vector",
      "buf.f32[gD+4i] = buf.f32[gA+4i] + buf.f32[gP] for i < gN (a scalar operand read from the buffer)",
      "eoffsetb g4, g5, g6, g7", "vector", OCC_LANES, 1),
    _("efold", (G("gD"), G("gA"), G("gN")), "vector", "vector",
      "buf.f32[gD] = sum of buf.f32[gA+4i] for i < gN (accumulated in fp64 in index order, rounded once "
      "to fp32; 0 when gN = 0)", "efold g4, g5, g7", "vector", OCC_LANES, 1),
    _("efoldmax", (G("gD"), G("gA"), G("gN")), "vector", "vector",
      "buf.f32[gD] = max of buf.f32[gA+4i] for i < gN (-inf when gN = 0)", "efoldmax g4, g5, g7", "vector",
      OCC_LANES, 1),
    # ---------------------------------------------------------------- DMA
    _("dgeom", (G("gRowBytes"), G("gDramStride"), G("gLocalStride")), "ctrl", "ctrl",
      "set the geometry of later transfers: bytes per row, byte stride between rows in DRAM, and in the buffer "
      "(accumulator rows are always one row apart)", "dgeom g20, g21, g22", "dma"),
    _("dpull", (G("gBuf"), G("gDram"), G("gRows")), "dma", "dram",
      "copy gRows rows DRAM[gDram + r*dstride ..] -> buf[gBuf + r*lstride ..] (geometry from dgeom)",
      "dpull g13, g0, g14", "dma", OCC_DRAM),
    _("dpush", (G("gDram"), G("gBuf"), G("gRows")), "dma", "dram",
      "copy gRows rows buf[gBuf + r*lstride ..] -> DRAM[gDram + r*dstride ..]", "dpush g2, g13, g14", "dma",
      OCC_DRAM),
    _("dspill", (G("gDram"), G("gAcc"), G("gRows")), "dma", "dram",
      "copy the first rowbytes bytes of accumulator rows gAcc..gAcc+gRows-1 -> DRAM[gDram + r*dstride ..] "
      "(rowbytes <= ROWB)", "dspill g2, g15, g14", "dma", OCC_DRAM),
    _("dfill", (G("gAcc"), G("gDram"), G("gRows")), "dma", "dram",
      "copy DRAM[gDram + r*dstride ..] (rowbytes each) -> the first rowbytes bytes of accumulator row gAcc+r",
      "dfill g15, g1, g14", "dma", OCC_DRAM),
    _("dmove", (G("gBuf"), G("gAcc"), G("gRows")), "dma", "local",
      "copy the first rowbytes bytes of accumulator rows gAcc+r -> buf[gBuf + r*lstride ..] (on chip)",
      "dmove g13, g15, g14", "dma", OCC_LOCAL),
]

GROUPS = {
    "scalar": "The controller's integer arithmetic on g0..g31 (64-bit). One instruction issues per cycle; a "
              "result is ready `latency` cycles after issue. Floats in g registers are float32 bit patterns.",
    "control": "Branches run on the controller; a taken branch costs `branch_penalty` extra cycles.",
    "array": "The systolic array. `warp` loads a weight bank through the weight loader (DIM cycles); `weft` and "
             "`weftadd` stream gRows activation rows through the array, one row per cycle, using a bank's "
             "weights, and write DIM-wide results into accumulator rows. Results land `2*DIM` cycles (fill + "
             "drain: rows + cols) after the last row enters. Back-to-back streams pipeline.",
    "vector": "The vector unit: elementwise fp32 work on the buffer, `vector_lanes` elements per cycle. Addresses "
              "are buffer byte addresses (4-byte aligned); gN may be 0 (does nothing, occupies 1 cycle). "
              "`efold`/`efoldmax` reduce gN elements to one buffer word; `escalb`/`eoffsetb` take their scalar "
              "from a buffer word (a per-row scale or shift computed on chip), `escale`/`eoffset` from a g "
              "register. Source and destination ranges may coincide (in place) but must not partly overlap.",
    "dma": "The DMA engine is the only path to DRAM and to/from the accumulators outside the array. Transfers "
           "are 2-D: gRows rows of `rowbytes` bytes in the geometry set by `dgeom` (captured when the transfer "
           "is issued). A single-row copy is `dgeom gBytes, g0, g0` then rows = 1. All DRAM bytes must lie "
           "inside one task array; addresses, sizes and strides must be multiples of 4.",
}

LOOM_ISA = ISA(name="systolic", reg_classes=(
    RegClass(SREG, "g", N_GREG, "general registers (64-bit integers or float32 bit patterns)"),
    RegClass(WREG, "w", N_BANKS, "weight banks of the array (each a DIM x DIM fp32 tile)")),
    instrs=ROWS, units=UNITS, groups=GROUPS)


def config(name: str) -> LoomConfig:
    return CONFIGS[name]


__all__ = ["LOOM_ISA", "CONFIGS", "LoomConfig", "config", "replace", "OCC_TEXT"]
