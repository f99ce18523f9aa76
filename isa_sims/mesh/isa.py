"""The many-core tile mesh ("Tessera"): its configurations and its one ISA table.

A GX x GY grid of small in-order cores ("tiles"), each with a private local memory, a lane unit
(fp32 work on local memory, ``lanes`` elements per cycle), a network interface onto a 2-D mesh
(explicit ``post``/``take`` messages, XY-routed, with per-hop latency and per-link bandwidth) and a
port to one shared DRAM channel. SPMD: every tile runs the same program; its id is in a register.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from isa_sims.core.isa import ADDR, FIMM, IMM, ISA, LABEL, SREG, Instr, Operand as O, RegClass

UNITS = ("core", "lane", "net", "mem")
N_HREG = 32
#: calling-convention registers (the tile's identity), after the task's arguments
R_ID, R_X, R_Y = 31, 30, 29

OCC_LANE, OCC_DRAM, OCC_NET, OCC_BLOCK = 20, 21, 22, 23
OCC_TEXT = {OCC_LANE: "ceil(hN / lanes) (the lane unit)", OCC_DRAM: "blocks the tile until the transfer completes",
            OCC_NET: "1 (the message streams onto the links)", OCC_BLOCK: "blocks until it can complete"}


@dataclass(frozen=True)
class MeshConfig:
    name: str = "default"
    gx: int = 4                      # grid columns
    gy: int = 4                      # grid rows
    lmem_bytes: int = 64 * 1024      # local memory per tile
    lanes: int = 4                   # lane-unit fp32 elements per cycle (lmac = 2 flops per lane)
    link_bytes_per_cycle: int = 8    # each directed mesh link
    hop_latency: int = 2             # cycles per router hop
    inbox_depth: int = 4             # messages a tile's inbox holds (credit-based flow control)
    msg_max_bytes: int = 8192        # largest message
    dram_bytes_per_cycle: int = 16   # the one DRAM channel all tiles share
    dram_latency: int = 100
    lane_latency: int = 3
    lmem_latency: int = 2            # peek
    mul_latency: int = 3
    div_latency: int = 12
    fpu_latency: int = 3
    barrier_latency: int = 8
    branch_penalty: int = 1
    clock_ghz: float = 1.0
    max_cycles: int = 400_000_000
    held_out: bool = False

    @property
    def ncores(self) -> int:
        return self.gx * self.gy

    @property
    def latencies(self) -> dict[str, int]:
        return {"alu": 1, "mul": self.mul_latency, "div": self.div_latency, "fpu": self.fpu_latency,
                "lmem": self.lmem_latency, "branch": 1, "lane": self.lane_latency, "net": 1, "mem": 1}

    @property
    def peak_flops_per_s(self) -> float:
        return 2.0 * self.lanes * self.ncores * self.clock_ghz * 1e9

    @property
    def peak_bytes_per_s(self) -> float:
        return self.dram_bytes_per_cycle * self.clock_ghz * 1e9

    @property
    def spad_bytes(self) -> int:  # static address checks in the assembler
        return self.lmem_bytes

    def symbols(self) -> dict[str, int]:
        return {"GX": self.gx, "GY": self.gy, "NCORES": self.ncores, "LMEM": self.lmem_bytes,
                "LANES": self.lanes, "MSGMAX": self.msg_max_bytes, "DEPTH": self.inbox_depth,
                "EAST": 0, "SOUTH": 1, "WEST": 2, "NORTH": 3}


CONFIGS = {
    "default": MeshConfig(),
    "small": MeshConfig(name="small", gx=2, gy=2, lmem_bytes=32 * 1024, link_bytes_per_cycle=4, hop_latency=1,
                        msg_max_bytes=4096, dram_bytes_per_cycle=8, dram_latency=80, clock_ghz=0.8),
    # held out from the starters: they were written and tuned without it
    "wide": MeshConfig(name="wide", gx=8, gy=4, lmem_bytes=48 * 1024, lanes=8, link_bytes_per_cycle=16,
                       hop_latency=3, inbox_depth=6, msg_max_bytes=16384, dram_bytes_per_cycle=32,
                       dram_latency=140, lane_latency=4, clock_ghz=1.2, barrier_latency=12, held_out=True),
}

H = lambda n, role="r": O(n, SREG, role)  # noqa: E731
I48 = lambda n: O(n, IMM, lo=-(1 << 47), hi=(1 << 47) - 1)  # noqa: E731
I32 = lambda n: O(n, IMM, lo=-(1 << 31), hi=(1 << 31) - 1)  # noqa: E731
_ = Instr


def _lane(mn, sem, ex, ops=None, flops=1):
    ops = ops or (H("hD"), H("hA"), H("hB"), H("hN"))
    return _(mn, ops, "lane", "lane", sem, ex, "lane", OCC_LANE, flops)


ROWS = [
    # ---------------------------------------------------------------- scalar
    _("mk", (H("hD", "w"), I48("imm")), "core", "alu", "hD = imm", "mk h5, 4096", "scalar"),
    _("mkf", (H("hD", "w"), O("fimm", FIMM)), "core", "alu", "hD = float32 bits of fimm", "mkf h6, 0.5", "scalar"),
    _("cp", (H("hD", "w"), H("hA")), "core", "alu", "hD = hA", "cp h3, h0", "scalar"),
    _("plus", (H("hD", "w"), H("hA"), H("hB")), "core", "alu", "hD = hA + hB", "plus h3, h3, h4", "scalar"),
    _("plusk", (H("hD", "w"), H("hA"), I32("imm")), "core", "alu", "hD = hA + imm", "plusk h3, h3, 64", "scalar"),
    _("minus", (H("hD", "w"), H("hA"), H("hB")), "core", "alu", "hD = hA - hB", "minus h7, h1, h2", "scalar"),
    _("times", (H("hD", "w"), H("hA"), H("hB")), "core", "mul", "hD = hA * hB", "times h8, h2, h3", "scalar"),
    _("timesk", (H("hD", "w"), H("hA"), I32("imm")), "core", "mul", "hD = hA * imm", "timesk h8, h2, 4",
      "scalar"),
    _("quot", (H("hD", "w"), H("hA"), H("hB")), "core", "div", "hD = floor(hA / hB); faults if hB = 0",
      "quot h9, h2, h3", "scalar"),
    _("resid", (H("hD", "w"), H("hA"), H("hB")), "core", "div", "hD = hA mod hB (floor); faults if hB = 0",
      "resid h9, h2, h3", "scalar"),
    _("least", (H("hD", "w"), H("hA"), H("hB")), "core", "alu", "hD = min(hA, hB)", "least h4, h4, h5", "scalar"),
    _("most", (H("hD", "w"), H("hA"), H("hB")), "core", "alu", "hD = max(hA, hB)", "most h4, h4, h5", "scalar"),
    _("shift", (H("hD", "w"), H("hA"), O("amount", IMM, lo=-63, hi=63)), "core", "alu",
      "hD = hA << amount if amount >= 0, else hA >> -amount (arithmetic)", "shift h4, h4, 2", "scalar"),
    _("fplus", (H("hD", "w"), H("hA"), H("hB")), "core", "fpu", "hD = bits(f32(hA) + f32(hB))",
      "fplus h10, h10, h11", "scalar", flops_per_lane=1),
    _("ftimes", (H("hD", "w"), H("hA"), H("hB")), "core", "fpu", "hD = bits(f32(hA) * f32(hB))",
      "ftimes h10, h10, h11", "scalar", flops_per_lane=1),
    _("beside", (H("hD", "w"), O("dir", IMM, lo=0, hi=3)), "core", "alu",
      "hD = id of this tile's neighbour in direction dir (EAST=0, SOUTH=1, WEST=2, NORTH=3), wrapping around "
      "the grid's edge", "beside h12, EAST", "scalar"),
    # ---------------------------------------------------------------- local memory
    _("peek", (H("hD", "w"), O("addr", ADDR)), "core", "lmem", "hD = lmem.i32[addr] (sign-extended)",
      "peek h5, [h3+8]", "local"),
    _("poke", (H("hS"), O("addr", ADDR)), "core", "alu", "lmem.i32[addr] = low 32 bits of hS", "poke h5, [h3]",
      "local"),
    # ---------------------------------------------------------------- control
    _("go", (O("target", LABEL),), "core", "branch", "pc = target", "go top", "control", branch=True),
    _("goz", (H("hA"), O("target", LABEL)), "core", "branch", "if hA == 0: pc = target", "goz h4, done", "control",
      branch=True),
    _("gonz", (H("hA"), O("target", LABEL)), "core", "branch", "if hA != 0: pc = target", "gonz h4, top",
      "control", branch=True),
    _("golt", (H("hA"), H("hB"), O("target", LABEL)), "core", "branch", "if hA < hB (signed): pc = target",
      "golt h3, h4, top", "control", branch=True),
    _("goge", (H("hA"), H("hB"), O("target", LABEL)), "core", "branch", "if hA >= hB (signed): pc = target",
      "goge h3, h4, done", "control", branch=True),
    _("redo", (H("hC", "rw"), O("target", LABEL)), "core", "branch",
      "hC = hC - 1; if hC != 0: pc = target (a counted loop in one instruction)", "redo h9, inner", "control",
      branch=True),
    _("rest", (), "core", "alu", "this tile's program ends (once its lane unit has drained)", "rest", "control"),
    # ---------------------------------------------------------------- lane unit
    _lane("lsum", "lmem.f32[hD+4i] = lmem.f32[hA+4i] + lmem.f32[hB+4i] for i < hN", "lsum h4, h5, h6, h7"),
    _lane("ldiff", "lmem.f32[hD+4i] = lmem.f32[hA+4i] - lmem.f32[hB+4i] for i < hN", "ldiff h4, h5, h6, h7"),
    _lane("lprod", "lmem.f32[hD+4i] = lmem.f32[hA+4i] * lmem.f32[hB+4i] for i < hN", "lprod h4, h5, h6, h7"),
    _lane("lmac", "lmem.f32[hD+4i] = lmem.f32[hD+4i] + f32(hS) * lmem.f32[hA+4i] for i < hN (product rounded "
          "to fp32, then added)", "lmac h4, h5, h6, h7", (H("hD"), H("hA"), H("hS"), H("hN")), 2),
    _lane("lfill", "lmem.f32[hD+4i] = f32(hS) for i < hN", "lfill h4, h6, h7", (H("hD"), H("hS"), H("hN")), 0),
    _lane("lcopy", "lmem.i32[hD+4i] = lmem.i32[hA+4i] for i < hN", "lcopy h4, h5, h7", (H("hD"), H("hA"), H("hN")),
          0),
    _lane("lquot", "lmem.f32[hD+4i] = lmem.f32[hA+4i] / lmem.f32[hB+4i] for i < hN (IEEE: x/0 = +-inf, 0/0 = nan)",
          "lquot h4, h5, h6, h7"),
    _lane("lexp", "lmem.f32[hD+4i] = exp(lmem.f32[hA+4i]) for i < hN (computed in float64, rounded once to fp32: "
          "overflows to inf, underflows to 0)",
          "lexp h4, h5, h7", (H("hD"), H("hA"), H("hN"))),
    _lane("lscan", "running = f32(hS); for i < hN in order: running += lmem.f32[hA+4i] (the running sum kept "
          "in float64), "
          "lmem.f32[hD+4i] = running rounded to fp32 (an inclusive scan seeded with hS; hD may equal hA)",
          "lscan h4, h5, h6, h7", (H("hD"), H("hA"), H("hS"), H("hN"))),
    _lane("lfold", "hR = bits(sum of lmem.f32[hA+4i] for i < hN), accumulated in float64 in order and rounded "
          "once to fp32", "lfold h9, h5, h7", (H("hR", "w"), H("hA"), H("hN"))),
    # ---------------------------------------------------------------- DRAM port
    _("frame", (H("hDramStride"), H("hLocalStride")), "core", "alu",
      "set the row strides (bytes) of later haul/stow transfers in DRAM and in local memory",
      "frame h20, h21", "dram"),
    _("haul", (H("hL"), H("hDram"), H("hRowBytes"), H("hRows")), "mem", "mem",
      "copy hRows rows of hRowBytes bytes DRAM[hDram + r*dstride ..] -> lmem[hL + r*lstride ..]; the tile "
      "waits until the data has arrived", "haul h13, h0, h14, h15", "dram", OCC_DRAM),
    _("stow", (H("hDram"), H("hL"), H("hRowBytes"), H("hRows")), "mem", "mem",
      "copy hRows rows lmem[hL + r*lstride ..] -> DRAM[hDram + r*dstride ..]; the tile waits until the write "
      "has completed", "stow h2, h13, h14, h15", "dram", OCC_DRAM),
    # ---------------------------------------------------------------- network
    _("post", (H("hDst"), H("hAddr"), H("hBytes")), "net", "net",
      "send the hBytes bytes at lmem[hAddr..] as one message to tile hDst (copied out at issue; blocks while "
      "hDst's inbox is full)", "post h12, h5, h6", "network", OCC_NET),
    _("take", (H("hSrc"), H("hAddr"), H("hBytes")), "net", "net",
      "wait for the oldest message from tile hSrc and copy it to lmem[hAddr..]; it must be exactly hBytes long",
      "take h12, h5, h6", "network", OCC_BLOCK),
    _("muster", (), "net", "net", "barrier: wait until every tile of the grid has reached a muster",
      "muster", "network", OCC_BLOCK),
]

GROUPS = {
    "scalar": "Integer and fp32 scalar arithmetic on h0..h31 (64-bit; floats are float32 bit patterns). One "
              "instruction issues per cycle per tile; a result is ready `latency` cycles after issue.",
    "local": "Word loads and stores on the tile's own local memory (4-byte aligned byte addresses). A peek or "
             "poke that touches bytes an unfinished lane operation uses waits for it (`data` stall).",
    "control": "A taken branch costs `branch_penalty` extra cycles.",
    "lane": "The lane unit: fp32 work on local memory, `lanes` elements per cycle, in order. The tile keeps "
            "issuing while it runs; the next lane operation issues at the earliest in the last cycle of the "
            "current one (`lane_busy` stall). Results are complete at start + occupancy + latency - 1 "
            "(start = issue + 1). Addresses are 4-byte aligned; hN may be 0.",
    "dram": "The DRAM port. All tiles share one DRAM channel of `dram_bytes_per_cycle`; a transfer occupies it "
            "for ceil(bytes / dram_bytes_per_cycle) cycles from max(issue + 1, channel free) and completes "
            "`dram_latency` - 1 cycles after that; the tile resumes then (`memory` stall). DRAM bytes must lie "
            "inside one task array; addresses, row bytes and strides must be multiples of 4; 0 rows or 0 bytes "
            "is a no-op. haul/stow first wait for the lane unit to drain.",
    "network": "Messages between tiles. A message from tile s to tile d is XY-routed (along the row, then the "
               "column); with no contention it arrives hops*hop_latency + ceil(bytes / link_bytes_per_cycle) "
               "cycles after `post` issues; each link it crosses is busy for ceil(bytes / link_bytes_per_cycle) "
               "cycles, and a busy link delays it. A `take` completes at max(issue, arrival) and the tile issues "
               "again the cycle after (`network` stall). Each tile's inbox holds `inbox_depth` messages; a slot is "
               "reserved when a message is posted and freed when it is taken; a post to a full inbox blocks "
               "(`network` stall). Messages from one sender arrive in order. post and take first wait for the "
               "lane unit to drain. A grid where every unfinished tile waits on a take or muster that can never "
               "complete faults with DEADLOCK.",
}

MESH_ISA = ISA(name="mesh", reg_classes=(
    RegClass(SREG, "h", N_HREG, "tile registers (64-bit integers or float32 bit patterns), one set per tile"),),
    instrs=ROWS, units=UNITS, groups=GROUPS)

__all__ = ["MESH_ISA", "CONFIGS", "MeshConfig", "replace", "OCC_TEXT", "R_ID", "R_X", "R_Y", "N_HREG"]
