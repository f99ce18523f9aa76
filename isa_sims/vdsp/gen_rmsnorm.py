"""Generates ``starters/rmsnorm.s`` (tuned) and ``starters/naive/rmsnorm.s``; the generated files are
what is served. Run: ``python -m isa_sims.vdsp.gen_rmsnorm``.

Tuned: w stays resident in the scratchpad; x streams in tiles of whole rows (2-D DMA, rows padded in the
scratchpad to a multiple of 4*VLMAX with zeros so the inner loops never change VL), double-buffered
(tags 0/1 in, 2/3 out), normalised in place and sent back from where it arrived. Per row: the sum of
squares in four accumulators, one fold, then 1/N, + eps and frsqrt on the scalar unit, then the scale
pass; both passes load one group ahead so the load/store unit and the vector ALU overlap. Rows too long
for a resident w (4*padded N > SPAD/4) take the naive path."""

from __future__ import annotations

from pathlib import Path

I = "        "  # noqa: E741

NAIVE_BODY = """        iput   s29, VLMAX
        ffromi s13, s4
        fput   s14, 1.0
        fquot  s27, s14, s13          # 1/N
        iput   s20, 0                 # x chunk at spad 0
        iput   s21, VBYTES            # w chunk after it
        icopy  s6, s0                 # x row
        icopy  s7, s2                 # out row
{p}row:   vlen   s19, s29
        vzero  v0
        icopy  s8, s4
        icopy  s9, s6
{p}p1:    vlen   s15, s8
        ishift s10, s15, 2
        xin    s20, s9, s10, 0
        xwait  0
        vget   v1, [0]
        vmacc  v0, v1, v1
        iplus  s9, s9, s10
        iminus s8, s8, s15
        whennz s8, {p}p1
        vlen   s19, s29
        vfold  s16, v0
        ftimes s16, s16, s27
        fplus  s16, s16, s5
        frsqrt s16, s16               # 1 / sqrt(mean square + eps)
        icopy  s8, s4
        icopy  s9, s6
        icopy  s11, s1
        icopy  s12, s7
{p}p2:    vlen   s15, s8
        ishift s10, s15, 2
        xin    s20, s9, s10, 0
        xin    s21, s11, s10, 0
        xwait  0
        vget   v1, [0]
        vtimesk v1, v1, s16
        vget   v2, [VBYTES]
        vtimes v1, v1, v2
        vput   v1, [0]
        xout   s12, s20, s10, 0
        xwait  0
        iplus  s9, s9, s10
        iplus  s11, s11, s10
        iplus  s12, s12, s10
        iminus s8, s8, s15
        whennz s8, {p}p2
        icopy  s6, s9
        icopy  s7, s12
        again  s3, {p}row
        stop
"""


def _interleave(a: list[str], b: list[str]) -> list[str]:
    return [I + x for pair in zip(a, b) for x in pair]


def rows(buf: str) -> list[str]:
    """Normalise s17 rows in place starting at s16 (row stride s7)."""
    r = f"row{buf}"
    return [
        f"{r}:   vget   v4, [s16]",
    ] + [I + f"vget   v{4 + k}, [s16+{k}*VBYTES]" for k in range(1, 4)] + [
        I + "iplusk s18, s16, 4*VBYTES",
    ] + _interleave([f"vtimes v{k}, v{4 + k}, v{4 + k}" for k in range(4)],
                    [f"vget   v{4 + k}, [s18+{k}*VBYTES]" for k in range(4)]) + [
        I + "iplusk s19, s30, -1", I + f"whenz  s19, {r}_s",
        f"{r}_p1: iplusk s18, s18, 4*VBYTES",
    ] + _interleave([f"vmacc  v{k}, v{4 + k}, v{4 + k}" for k in range(4)],
                    [f"vget   v{4 + k}, [s18+{k}*VBYTES]" for k in range(4)]) + [
        I + f"again  s19, {r}_p1",
        f"{r}_s: vplus  v0, v0, v1", I + "vplus  v2, v2, v3", I + "vplus  v0, v0, v2", I + "vfold  s9, v0",
        I + "ftimes s9, s9, s27", I + "fplus  s9, s9, s5", I + "frsqrt s9, s9            # 1 / rms",
    ] + [I + f"vget   v{4 + k}, [s16+{k}*VBYTES]" for k in range(4)] + [
        I + f"vget   v{8 + k}, [{k}*VBYTES]" for k in range(4)] + [
        I + "icopy  s18, s16", I + "iput   s14, 0", I + "icopy  s19, s30",
        f"{r}_p2: vtimesk v12, v4, s9",
        I + "vget   v4, [s18+4*VBYTES]",
    ] + _interleave([f"vtimesk v{12 + k}, v{4 + k}, s9" for k in range(1, 4)],
                    [f"vget   v{4 + k}, [s18+{4 + k}*VBYTES]" for k in range(1, 4)]) + _interleave(
        [f"vtimes v{12 + k}, v{12 + k}, v{8 + k}" for k in range(4)],
        [f"vget   v{8 + k}, [s14+{4 + k}*VBYTES]" for k in range(4)]) + [
        I + f"vput   v{12 + k}, [s18+{k}*VBYTES]" for k in range(4)] + [
        I + "iplusk s18, s18, 4*VBYTES", I + "iplusk s14, s14, 4*VBYTES", I + f"again  s19, {r}_p2",
        I + "iplus  s16, s16, s7", I + f"again  s17, {r}",
    ]


def load(buf: str, cnt: str, tag: int) -> list[str]:
    """Request the next min(R, rows left) rows into ``buf`` under ``tag``; ``cnt`` = that count (0: none)."""
    return [I + f"ilow   {cnt}, s25, s21", I + f"xin2   {buf}, s24, {cnt}, {tag}", I + f"itimes s13, {cnt}, s23",
            I + "iplus  s24, s24, s13", I + f"iminus s25, s25, {cnt}"]


def step(buf: str, base: str, cnt: str, oflag: str, obase: str, ocnt: str, otag: int, oout: int) -> list[str]:
    """Normalise this tile's rows; half way, once the other tile has left (its out tag drained), refill it."""
    return [
        I + f"icopy  s16, {base}", I + f"ishift s15, {cnt}, -1", I + f"iminus s17, {cnt}, s15",
    ] + rows(f"{buf}1") + [
        I + f"whenz  {oflag}, {buf}_norefill", I + f"xwait  {oout}",
    ] + load(obase, ocnt, otag) + [
        I + f"iput   {oflag}, 0",
        f"{buf}_norefill:", I + "icopy  s17, s15", I + f"whenz  s17, {buf}_end",
    ] + rows(f"{buf}2") + [f"{buf}_end:"]


def tuned() -> str:
    head = """# rmsnorm on the Vesper DSP (tuned): out[i, j] = x[i, j] / sqrt(sum_k x[i, k]^2 / N + eps) * w[j].
# Generated by isa_sims/vdsp/gen_rmsnorm.py. Arguments: s0 = &x, s1 = &w, s2 = &out, s3 = M, s4 = N,
# s5 = eps (float32 bits).
# w stays in the scratchpad at 0; x streams in tiles of R whole rows (2-D DMA: DRAM rows 4N bytes apart,
# scratchpad rows RB = 4*NP apart, NP = N rounded up to 4*VLMAX, the padding zero-filled once so the loops
# never change VL), double-buffered (tags 0/1 in, 2/3 out), normalised in place and sent back from there.
# Per row: sum of squares in v0..v3, one fold, * 1/N, + eps, frsqrt; then x * (1/rms) * w. Both passes
# load one group of 4 vectors ahead. Rows with RB > SPAD/4 (w could not stay resident) take the naive path.
# Registers: s7 = RB, s21 = R, s20/s22 = tiles A/B, s23 = 4N, s27 = 1/N, s30 = groups per row.
"""
    body = [
        I + "iput   s29, VLMAX", I + "vlen   s19, s29", I + "vzero  v15", I + "iput   s31, 4*VLMAX",
        I + "iplusk s13, s4, 4*VLMAX-1", I + "iquot  s30, s13, s31       # groups of 4 vectors per row",
        I + "itimes s6, s30, s31", I + "ishift s7, s6, 2             # RB",
        I + "iput   s13, SPAD/4", I + "whenlt s13, s7, slow",
        I + "ffromi s13, s4", I + "fput   s14, 1.0", I + "fquot  s27, s14, s13       # 1/N",
        I + "iput   s21, SPAD-8*VBYTES", I + "iminus s21, s21, s7", I + "ishift s21, s21, -1",
        I + "iquot  s21, s21, s7          # R rows per tile",
        I + "icopy  s20, s7", I + "itimes s13, s21, s7", I + "iplus  s22, s20, s13", I + "iplus  s13, s22, s13",
        I + "iput   s14, 0",
        "zf:     vput   v15, [s14]            # zero w's and the tiles' padding once",
        I + "iplusk s14, s14, VBYTES", I + "whenlt s14, s13, zf",
        I + "ishift s23, s4, 2", I + "iput   s14, 0", I + "xin    s14, s1, s23, 7", I + "xwait  7",
        I + "xshape s23, s23, s7",
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
        "# ---- rows too long for a resident w: the naive algorithm",
        "slow:",
    ]
    return head + "\n".join(body) + "\n" + NAIVE_BODY.format(p="s_")


def naive() -> str:
    return ("""# naive rmsnorm on the Vesper DSP: out[i, j] = x[i, j] / sqrt(sum_k x[i, k]^2 / N + eps) * w[j].
# Generated by isa_sims/vdsp/gen_rmsnorm.py. Arguments: s0 = &x, s1 = &w, s2 = &out, s3 = M, s4 = N,
# s5 = eps (float32 bits). Row by row, one vector at a time, two passes, every DMA waited for at once.
""" + NAIVE_BODY.format(p="n_"))


def write() -> list[Path]:
    d = Path(__file__).with_name("starters")
    (d / "rmsnorm.s").write_text(tuned())
    (d / "naive" / "rmsnorm.s").write_text(naive())
    return [d / "rmsnorm.s", d / "naive" / "rmsnorm.s"]


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
