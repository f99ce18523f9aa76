"""Generates the elementwise activation starters (``silu``, ``gelu``), tuned and naive, from one
template and each activation's short vector-op chain; the generated files are what is served.
Run: ``python -m isa_sims.vdsp.gen_elementwise``.

The tuned template streams x through two scratchpad tiles (double-buffered DMA, tags 0/1 in, 2/3 out),
computes in place and sends each tile back from where it arrived. Inside a tile it works on pairs of
4-vector groups, software-pipelined so the vector ALU never waits: while group A's chain runs, the
load/store unit fetches group B and stores the previous B's results (and the other way round)."""

from __future__ import annotations

from pathlib import Path

#: activation -> (description, constants {sreg: fimm}, chain of ops on temp {t} from input {x})
ACTS = {
    "silu": ("out[i] = x[i] / (1 + exp(-x[i]))",
             {"s24": "-1.0", "s25": "1.0"},
             ["vtimesk {t}, {x}, s24", "vexp {t}, {t}", "vplusk {t}, {t}, s25", "vquot {t}, {x}, {t}"]),
    # 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), u = c (x + 0.044715 x^3), c = sqrt(2/pi):
    # -2u = x * (-2c + (-2c * 0.044715) x^2)
    "gelu": ("out[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as x / (1 + exp(-2u))",
             {"s24": "-0.0713548162726", "s25": "-1.5957691216057", "s26": "1.0"},
             ["vtimes {t}, {x}, {x}", "vtimesk {t}, {t}, s24", "vplusk {t}, {t}, s25", "vtimes {t}, {t}, {x}",
              "vexp {t}, {t}", "vplusk {t}, {t}, s26", "vquot {t}, {x}, {t}"]),
    # two inputs: {t} arrives holding y (loaded by the pipeline next to x)
    "vector_add": ("out[i] = x[i] + y[i]", {}, ["vplus  {t}, {x}, {t}"]),
}
#: activations with a second input y (tiles of y sit YOFF bytes after the tiles of x)
TWO = {"vector_add"}

I = "        "  # noqa: E741


def _half(chain: list[str], xs: list[int], ts: list[int], lsu: list[str]) -> list[str]:
    """One group's chain, stage by stage over its 4 vectors, with one load/store op after each ALU op."""
    valu = [op.format(t=f"v{ts[k]}", x=f"v{xs[k]}") for op in chain for k in range(4)]
    out = []
    for n, v in enumerate(valu):
        out.append(I + v)
        if n < len(lsu):
            out.append(I + lsu[n])
    return out + [I + x for x in lsu[len(valu):]]


def _pairs(chain: list[str], tag: str, two: bool) -> list[str]:
    """s14 pairs of 4-vector groups from s16 (inputs of the first group already in v0..v3, and y in v4..v7)."""
    a_lsu = ([f"vget   v{8 + k}, [s16+{4 + k}*VBYTES]" for k in range(4)]
             + [f"vput   v{12 + k}, [s16-{4 - k}*VBYTES]" for k in range(4)]
             + ([f"vget   v{12 + k}, [s16+{4 + k}*VBYTES+YOFF]" for k in range(4)] if two else []))
    b_lsu = ([f"vget   v{k}, [s16+{8 + k}*VBYTES]" for k in range(4)]
             + [f"vput   v{4 + k}, [s16+{k}*VBYTES]" for k in range(4)]
             + ([f"vget   v{4 + k}, [s16+{8 + k}*VBYTES+YOFF]" for k in range(4)] if two else []))
    return ([f"pair{tag}:"] + _half(chain, [0, 1, 2, 3], [4, 5, 6, 7], a_lsu)
            + _half(chain, [8, 9, 10, 11], [12, 13, 14, 15], b_lsu)
            + [I + "iplusk s16, s16, 8*VBYTES", I + f"again  s14, pair{tag}"])


def _load(buf: str, cnt: str, nbytes: str, tag: int, two: bool) -> list[str]:
    """Request the next min(CE, left) elements into ``buf``; ``cnt``/``nbytes`` = that count (0: none)."""
    y = ([I + f"iplusk s13, {buf}, YOFF", I + f"xin    s13, s6, {nbytes}, {tag}", I + f"iplus  s6, s6, {nbytes}"]
         if two else [])
    return [I + f"ilow   {cnt}, s4, s9", I + f"ishift {nbytes}, {cnt}, 2", I + f"xin    {buf}, s5, {nbytes}, {tag}",
            I + f"iplus  s5, s5, {nbytes}"] + y + [I + f"iminus s4, s4, {cnt}"]


def _compute(chain: list[str], t: str, base: str, cnt: str, oflag: str, other: tuple[str, str, str, int, int],
             two: bool) -> list[str]:
    """Compute one tile in place (``cnt`` > 0 elements at ``base``); half way through, once the other tile
    has left (its out tag drained), refill it so the refill overlaps this tile's second half."""
    obuf, ocnt, obytes, otag, oout = other
    return ([I + f"icopy  s16, {base}", I + f"iplusk s14, {cnt}, 8*VLMAX-1",
             I + "iquot  s14, s14, s28       # pairs of 4-vector groups",
             I + "ishift s17, s14, -1        # second half", I + "iminus s14, s14, s17"]
            + [I + f"vget   v{k}, [s16+{k}*VBYTES]" for k in range(4)]
            + ([I + f"vget   v{4 + k}, [s16+{k}*VBYTES+YOFF]" for k in range(4)] if two else [])
            + _pairs(chain, f"{t}1", two)
            + [I + f"whenz  {oflag}, {t}_norefill", I + f"xwait  {oout}"] + _load(obuf, ocnt, obytes, otag, two)
            + [I + f"iput   {oflag}, 0", f"{t}_norefill:", I + "icopy  s14, s17", I + f"whenz  s14, {t}_end"]
            + _pairs(chain, f"{t}2", two)
            + [f"{t}_end:"] + [I + f"vput   v{12 + k}, [s16-{4 - k}*VBYTES]" for k in range(4)])


def tuned(name: str) -> str:
    desc, consts, chain = ACTS[name]
    two = name in TWO
    args = ("s0 = &x, s1 = &y, s2 = &out, s3 = n (moved to s6 = &y, s1 = &out, s2 = n)" if two
            else "s0 = &x, s1 = &out, s2 = n")
    head = f"""# {name} on the Vesper DSP (tuned): {desc}, i < n. Generated by isa_sims/vdsp/gen_elementwise.py.
# Arguments: {args}.
# x streams through two scratchpad tiles A and B (double-buffered DMA: tags 0/1 in, 2/3 out); each tile is
# computed in place and leaves from where it arrived; half way through a tile, the other tile (sent out
# before) is refilled, so the core never waits for an out transfer to drain. A tile is processed in pairs
# of 4-vector groups (8*VLMAX elements), software-pipelined: group A's op chain runs on the vector ALU while the load/store
# unit fetches group B and stores the previous results. The last pair of a tile may run past its valid
# elements into stale scratchpad words; only the valid bytes are sent back.
# Layout: a guard of 4 vectors, tile A, 4 slack vectors, tile B, 4 slack vectors (the pipeline's
# read-ahead and its first stores land in the guard/slack, never in a tile in flight).
""" + (""".equ CB, SPAD/4 - 32*VBYTES   # bytes per tile (a multiple of 8 vectors)
.equ YOFF, 2*CB + 8*VBYTES    # y's tiles follow x's, each with its slack
""" if two else """.equ CB, SPAD/2 - 32*VBYTES   # bytes per tile (a multiple of 8 vectors)
""") + """.equ CE, CB/4                 # elements per tile
.equ TA, 4*VBYTES
.equ TB, TA + CB + 4*VBYTES
"""
    move = [I + "icopy  s6, s1", I + "icopy  s1, s2", I + "icopy  s2, s3"] if two else []
    body = move + [I + f"fput   {r}, {v}" for r, v in consts.items()] + [
        I + "iput   s20, TA", I + "iput   s22, TB", I + "iput   s9, CE", I + "iput   s28, 8*VLMAX",
        I + "icopy  s4, s2            # s4: elements not yet requested",
        I + "icopy  s5, s0            # s5: next x address to load",
        I + "icopy  s7, s1            # s7: out address of the next tile to leave",
        I + "iput   s18, 0            # s18/s19: tile A/B has left and may be refilled", I + "iput   s19, 0",
    ] + _load("s20", "s8", "s10", 0, two) + _load("s22", "s11", "s12", 1, two) + [
        "tileA:  xwait  0                 # tile A has arrived",
    ] + _compute(chain, "A", "s20", "s8", "s19", ("s22", "s11", "s12", 1, 3), two) + [
        I + "xout   s7, s20, s10, 2   # tile A's result out", I + "iplus  s7, s7, s10", I + "iput   s18, 1",
        I + "whenz  s11, done", I + "xwait  1                 # tile B has arrived",
    ] + _compute(chain, "B", "s22", "s11", "s18", ("s20", "s8", "s10", 0, 2), two) + [
        I + "xout   s7, s22, s12, 3   # tile B's result out", I + "iplus  s7, s7, s12", I + "iput   s19, 1",
        I + "whennz s8, tileA",
        "done:   stop",
    ]
    return head + "\n".join(body) + "\n"


def naive(name: str) -> str:
    desc, consts, chain = ACTS[name]
    head = f"""# naive {name} on the Vesper DSP: {desc}, i < n. Generated by isa_sims/vdsp/gen_elementwise.py.
# Arguments: s0 = &x, s1 = &out, s2 = n. One vector at a time, every DMA waited for at once.
"""
    body = [I + f"fput   {r}, {v}" for r, v in consts.items()] + [
        I + "iput   s20, 0",
        "loop:   vlen   s15, s2", I + "ishift s10, s15, 2", I + "xin    s20, s0, s10, 0", I + "xwait  0",
        I + "vget   v0, [0]"] + [I + op.format(t="v1", x="v0") for op in chain] + [
        I + "vput   v1, [0]", I + "xout   s1, s20, s10, 0", I + "xwait  0",
        I + "iplus  s0, s0, s10", I + "iplus  s1, s1, s10", I + "iminus s2, s2, s15", I + "whennz s2, loop",
        I + "stop"]
    return head + "\n".join(body) + "\n"


def write() -> list[Path]:
    d = Path(__file__).with_name("starters")
    out = []
    for name in ACTS:
        files = [(d / f"{name}.s", tuned(name))]
        if name not in TWO:  # naive/vector_add.s is written by hand
            files.append((d / "naive" / f"{name}.s", naive(name)))
        for p, text in files:
            p.write_text(text)
            out.append(p)
    return out


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
