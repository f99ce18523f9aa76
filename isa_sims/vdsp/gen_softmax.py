"""Generates ``starters/softmax.s`` (tuned) and ``starters/naive/softmax.s``; the generated files are
what is served. Run: ``python -m isa_sims.vdsp.gen_softmax``.

Tuned: x streams in tiles of whole rows (2-D DMA; scratchpad rows padded to a multiple of 4*VLMAX and the
padding set to -inf before each row, so the loops never change VL and the padding adds nothing),
double-buffered (tags 0/1 in, 2/3 out; each tile refilled half way through the other's compute), and
normalised in place in three passes per row: the maximum (four vhigh chains, one vfoldhigh), exp(x - max)
written back with its sum, then the scale by 1/sum. Every pass loads one group of 4 vectors ahead. Rows too
long for two tiles take the naive path."""

from __future__ import annotations

from pathlib import Path

from isa_sims.vdsp.gen_rmsnorm import I, _interleave

NAIVE_BODY = """        iput   s29, VLMAX
        fput   s27, -1.0
        fput   s28, 1.0
        iput   s13, -8388608          # float32 bits of -inf
        iput   s20, 0
        icopy  s6, s0                 # x row
        icopy  s7, s1                 # out row
{p}row:   vlen   s19, s29
        vbcast v0, s13
        vzero  v2
        icopy  s8, s3
        icopy  s9, s6
{p}p1:    vlen   s15, s8            # pass 1: the row's maximum
        ishift s10, s15, 2
        xin    s20, s9, s10, 0
        xwait  0
        vget   v1, [0]
        vhigh  v0, v0, v1
        iplus  s9, s9, s10
        iminus s8, s8, s15
        whennz s8, {p}p1
        vlen   s19, s29
        vfoldhigh s16, v0
        ftimes s16, s16, s27          # -max
        icopy  s8, s3
        icopy  s9, s6
{p}p2:    vlen   s15, s8            # pass 2: sum of exp(x - max)
        ishift s10, s15, 2
        xin    s20, s9, s10, 0
        xwait  0
        vget   v1, [0]
        vplusk v1, v1, s16
        vexp   v1, v1
        vplus  v2, v2, v1
        iplus  s9, s9, s10
        iminus s8, s8, s15
        whennz s8, {p}p2
        vlen   s19, s29
        vfold  s17, v2
        fquot  s17, s28, s17          # 1 / sum
        icopy  s8, s3
        icopy  s9, s6
        icopy  s12, s7
{p}p3:    vlen   s15, s8            # pass 3: exp(x - max) / sum
        ishift s10, s15, 2
        xin    s20, s9, s10, 0
        xwait  0
        vget   v1, [0]
        vplusk v1, v1, s16
        vexp   v1, v1
        vtimesk v1, v1, s17
        vput   v1, [0]
        xout   s12, s20, s10, 0
        xwait  0
        iplus  s9, s9, s10
        iplus  s12, s12, s10
        iminus s8, s8, s15
        whennz s8, {p}p3
        icopy  s6, s9
        icopy  s7, s12
        again  s2, {p}row
        stop
"""


def _pass1(r: str) -> list[str]:
    """Row at s16: -inf padding, the maximum (s9 = -max); leaves v4..v7 = the row's first group, v0..v3 = 0."""
    return [
        f"{r}:   whenz  s6, {r}_np            # padding [N, NP) = -inf", I + "icopy  s19, s6",
        I + "iplus  s18, s16, s23", I + "sget   s9, [SPAD-4]", I + "vbcast v14, s9",
        f"{r}_pf: vlen   s9, s19", I + "vput   v14, [s18]", I + "ishift s13, s9, 2", I + "iplus  s18, s18, s13",
        I + "iminus s19, s19, s9", I + f"whennz s19, {r}_pf", I + "vlen   s9, s29",
        f"{r}_np:",
    ] + [I + f"vget   v{k}, [s16+{k}*VBYTES]" for k in range(4)] + [I + "iplusk s18, s16, 4*VBYTES"] + [
        I + f"vget   v{4 + k}, [s18+{k}*VBYTES]" for k in range(4)] + [
        I + "iplusk s19, s30, -1", I + f"whenz  s19, {r}_m",
        f"{r}_p1: iplusk s18, s18, 4*VBYTES",
    ] + _interleave([f"vhigh  v{k}, v{k}, v{4 + k}" for k in range(4)],
                    [f"vget   v{4 + k}, [s18+{k}*VBYTES]" for k in range(4)]) + [
        I + f"again  s19, {r}_p1",
        # the reduction's latency hides the next pass's first loads (v4..v7 hold only read-ahead now)
        f"{r}_m: vhigh  v0, v0, v1", I + "vget   v4, [s16]", I + "vhigh  v2, v2, v3", I + "vget   v5, [s16+VBYTES]",
        I + "vhigh  v0, v0, v2", I + "vget   v6, [s16+2*VBYTES]", I + "vfoldhigh s9, v0", I + "vget   v7, [s16+3*VBYTES]",
        I + "vzero  v1", I + "vzero  v2", I + "vzero  v3", I + "ftimes s9, s9, s27          # -max", I + "vzero  v0",
        I + "icopy  s18, s16", I + "icopy  s19, s30",
    ]


def _sum_of(r: str) -> list[str]:
    """The row's sum into s31 (its reciprocal is taken later, off the critical path)."""
    return [I + "vplus  v0, v0, v1", I + "vplus  v2, v2, v3", I + "vplus  v0, v0, v2", I + "vfold  s31, v0"]


def _p2_only(r: str) -> list[str]:
    """exp(x - max) in place at s18 with its sum in v0..v3 (s19 groups; the first group in v4..v7)."""
    return [
        f"{r}_p2: vplusk v8, v4, s9", I + "vget   v4, [s18+4*VBYTES]",
    ] + _interleave([f"vplusk v{8 + k}, v{4 + k}, s9" for k in range(1, 4)],
                    [f"vget   v{4 + k}, [s18+{4 + k}*VBYTES]" for k in range(1, 4)]) + [
        I + f"vexp   v{8 + k}, v{8 + k}" for k in range(4)] + _interleave(
        [f"vplus  v{k}, v{k}, v{8 + k}" for k in range(4)],
        [f"vput   v{8 + k}, [s18+{k}*VBYTES]" for k in range(4)]) + [
        I + "iplusk s18, s18, 4*VBYTES", I + f"again  s19, {r}_p2"] + _sum_of(r)


def _p3_only(r: str) -> list[str]:
    """Scale the row at s5 (exp values) by s14 = 1/sum."""
    return [I + f"vget   v{4 + k}, [s5+{k}*VBYTES]" for k in range(4)] + [
        I + "icopy  s18, s5", I + "icopy  s19, s30",
        f"{r}_p3: vtimesk v8, v4, s14", I + "vget   v4, [s18+4*VBYTES]",
    ] + _interleave([f"vtimesk v{8 + k}, v{4 + k}, s14" for k in range(1, 4)],
                    [f"vget   v{4 + k}, [s18+{4 + k}*VBYTES]" for k in range(1, 4)]) + [
        I + f"vput   v{8 + k}, [s18+{k}*VBYTES]" for k in range(4)] + [
        I + "iplusk s18, s18, 4*VBYTES", I + f"again  s19, {r}_p3"]


def _fused(r: str) -> list[str]:
    """Pass 2 of the row at s18 fused with pass 3 of the previous row at s1 (scale s14): the first is bound
    by the vector ALU, the second by the load/store unit, so together they keep both busy."""
    return [
        f"{r}_f: vplusk v8, v4, s9", I + "vget   v4, [s18+4*VBYTES]",
    ] + _interleave([f"vplusk v{8 + k}, v{4 + k}, s9" for k in range(1, 4)],
                    [f"vget   v{4 + k}, [s18+{4 + k}*VBYTES]" for k in range(1, 4)]) + _interleave(
        [f"vexp   v{8 + k}, v{8 + k}" for k in range(4)],
        [f"vget   v{12 + k}, [s1+{k}*VBYTES]" for k in range(4)]) + _interleave(
        [f"vplus  v{k}, v{k}, v{8 + k}" for k in range(4)],
        [f"vput   v{8 + k}, [s18+{k}*VBYTES]" for k in range(4)]) + [
        I + "vtimesk v12, v12, s14", I + "vtimesk v13, v13, s14", I + "vput   v12, [s1]",
        I + "vtimesk v14, v14, s14", I + "vput   v13, [s1+VBYTES]", I + "vtimesk v15, v15, s14",
        I + "vput   v14, [s1+2*VBYTES]", I + "vput   v15, [s1+3*VBYTES]",
        I + "iplusk s18, s18, 4*VBYTES", I + "iplusk s1, s1, 4*VBYTES", I + f"again  s19, {r}_f",
    ]


def rows(buf: str) -> list[str]:
    """Softmax of s17 rows in place starting at s16 (row stride s7, N in s4, padding s6 elements), pipelined
    over rows: pass 1 of row r+1, then its pass 2 fused with pass 3 of row r."""
    r = f"row{buf}"
    return _pass1(r) + _p2_only(r) + [
        I + "icopy  s5, s16", I + "iplus  s16, s16, s7", I + "iplusk s17, s17, -1", I + f"whenz  s17, {r}_z",
    ] + _pass1(f"{r}n") + [I + "fquot  s14, s28, s31        # 1 / sum of the previous row", I + "icopy  s1, s5",
                           ] + _fused(r) + _sum_of(r) + [
        I + "icopy  s5, s16", I + "iplus  s16, s16, s7", I + f"again  s17, {r}n",
        f"{r}_z:  fquot  s14, s28, s31",
    ] + _p3_only(r)


def load(buf: str, cnt: str, tag: int) -> list[str]:
    """Request the next min(R, rows left) rows into ``buf`` under ``tag``; ``cnt`` = that count (0: none)."""
    return [I + f"ilow   {cnt}, s25, s21", I + f"xin2   {buf}, s24, {cnt}, {tag}", I + f"itimes s13, {cnt}, s23",
            I + "iplus  s24, s24, s13", I + f"iminus s25, s25, {cnt}"]


def step(buf: str, base: str, cnt: str, oflag: str, obase: str, ocnt: str, otag: int, oout: int) -> list[str]:
    """This tile's rows; half way, once the other tile has left (its out tag drained), refill it."""
    return [
        I + f"icopy  s16, {base}", I + f"ishift s15, {cnt}, -1", I + f"iminus s17, {cnt}, s15",
    ] + rows(f"{buf}1") + [
        I + f"whenz  {oflag}, {buf}_norefill", I + f"xwait  {oout}",
    ] + load(obase, ocnt, otag) + [
        I + f"iput   {oflag}, 0",
        f"{buf}_norefill:", I + "icopy  s17, s15", I + f"whenz  s17, {buf}_end",
    ] + rows(f"{buf}2") + [f"{buf}_end:"]


def tuned() -> str:
    head = """# softmax on the Vesper DSP (tuned): out[i, j] = exp(x[i, j] - max_k x[i, k]) / sum_k exp(x[i, k] - max).
# Generated by isa_sims/vdsp/gen_softmax.py. Arguments: s0 = &x, s1 = &out, s2 = M, s3 = N.
# x streams in tiles of R whole rows (2-D DMA: DRAM rows 4N bytes apart, scratchpad rows RB = 4*NP apart,
# NP = N rounded up to 4*VLMAX; the padding is set to -inf before each row so the loops never change VL),
# double-buffered (tags 0/1 in, 2/3 out; a tile is refilled half way through the other's compute) and
# normalised in place: max (vhigh x4, vfoldhigh), exp(x - max) stored back with its sum, scale by 1/sum.
# Every pass loads one group of 4 vectors ahead. Rows longer than a tile take the naive path.
# Rows are pipelined: pass 1 of row r+1, then its pass 2 (vector-ALU bound) fused with pass 3 of row r
# (load/store bound). -inf is kept at SPAD-4 (slack no tile reaches) for the padding.
# Registers (after the prologue moves the arguments): s0 = &x, s2 = &out, s3 = M, s4 = N; s7 = RB,
# s6 = NP - N, s21 = R, s20/s22 = tiles A/B, s23 = 4N, s30 = groups per row, s27 = -1.0, s28 = 1.0,
# s5/s16 = rows r/r+1, s9 = -max, s31 = sum, s14 = 1/sum.
"""
    body = [
        I + "iput   s29, VLMAX", I + "vlen   s19, s29", I + "iput   s31, 4*VLMAX",
        I + "iplusk s13, s3, 4*VLMAX-1", I + "iquot  s30, s13, s31       # groups of 4 vectors per row",
        I + "itimes s6, s30, s31", I + "ishift s7, s6, 2             # RB", I + "iminus s6, s6, s3",
        I + "iput   s21, SPAD-8*VBYTES", I + "ishift s21, s21, -1",
        I + "iquot  s21, s21, s7          # R rows per tile", I + "whenz  s21, slow",
        I + "icopy  s4, s3", I + "icopy  s3, s2", I + "icopy  s2, s1",
        I + "fput   s27, -1.0", I + "fput   s28, 1.0", I + "iput   s13, -8388608", I + "sput   s13, [SPAD-4]  # -inf",
        I + "iput   s20, 0", I + "itimes s22, s21, s7",
        I + "ishift s23, s4, 2", I + "xshape s23, s23, s7",
        I + "icopy  s25, s3               # rows not yet requested", I + "icopy  s24, s0", I + "icopy  s26, s2",
        I + "iput   s10, 0                # 1: tile A has left and may be refilled", I + "iput   s12, 0",
    ] + load("s20", "s8", 0) + load("s22", "s11", 1) + [
        "tileA:  xwait  0",
    ] + step("A", "s20", "s8", "s12", "s22", "s11", 1, 3) + [
        I + "xout2  s26, s20, s8, 2", I + "itimes s13, s8, s23", I + "iplus  s26, s26, s13", I + "iput   s10, 1",
        I + "whenz  s11, done",
        I + "xwait  1",
    ] + step("B", "s22", "s11", "s10", "s20", "s8", 0, 2) + [
        I + "xout2  s26, s22, s11, 3", I + "itimes s13, s11, s23", I + "iplus  s26, s26, s13", I + "iput   s12, 1",
        I + "whennz s8, tileA",
        "done:   stop",
        "# ---- rows longer than a tile: the naive algorithm",
        "slow:",
    ]
    return head + "\n".join(body) + "\n" + NAIVE_BODY.format(p="s_")


def naive() -> str:
    return ("""# naive softmax on the Vesper DSP: out[i, j] = exp(x[i, j] - max_k x[i, k]) / sum_k exp(x[i, k] - max).
# Generated by isa_sims/vdsp/gen_softmax.py. Arguments: s0 = &x, s1 = &out, s2 = M, s3 = N.
# Row by row, one vector at a time, three passes over DRAM, every DMA waited for at once.
""" + NAIVE_BODY.format(p="n_"))


def write() -> list[Path]:
    d = Path(__file__).with_name("starters")
    (d / "softmax.s").write_text(tuned())
    (d / "naive" / "softmax.s").write_text(naive())
    return [d / "softmax.s", d / "naive" / "softmax.s"]


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
