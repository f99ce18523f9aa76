"""The many-core tile mesh ('Tessera'): every instruction's semantics against NumPy (property-based
with hypothesis; a test enumerating the ISA table fails for an instruction no test claims), a
hand-counted send/receive across two hops, a barrier, deadlock detection, faults naming the line,
and the starters through the real evaluation pipeline."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kernelhub.backend import CandidateError, KernelArgs
from isa_sims.core.asm import AsmError, Assembler, f32_bits
from isa_sims.mesh import sim
from isa_sims.mesh.backend import Machine, MeshBackend
from isa_sims.mesh.isa import CONFIGS, MESH_ISA
from conftest import SemanticsCoverage, isa_sims_evaluator, small_task

CFG = CONFIGS["default"]


@pytest.fixture(scope="module")
def machine():
    return Machine(CFG)


def asm(src: str):
    return Assembler(MESH_ISA, CFG.symbols(), CFG.lmem_bytes).assemble(textwrap.dedent(src), "k.s")


def run(machine, src, lmem=None, dram=None, regions=None, max_cycles=None):
    p = asm(src)
    dram = np.zeros(16, np.int32) if dram is None else dram
    regions = np.zeros((0, 2), np.int64) if regions is None else regions
    return machine.run(p.code, machine.initial_regs(), dram, regions, max_cycles=max_cycles, lmem=lmem)


def tile_f32(r, tile, byte, n):
    w = CFG.lmem_bytes // 4
    return r["lmem"].view(np.float32)[tile * w + byte // 4: tile * w + byte // 4 + n]


def _lmem(*arrays):
    """Every tile's local memory with array k at byte 4096 * k."""
    lm = np.zeros(CFG.ncores * CFG.lmem_bytes // 4, np.int32)
    f = lm.view(np.float32).reshape(CFG.ncores, -1)
    for k, a in enumerate(arrays):
        f[:, 1024 * k:1024 * k + a.size] = a
    return lm


# ---------------------------------------------------------------- semantics vs numpy
# Every row of the ISA table must be claimed by at least one test below through @covers; the
# enumerating test at the end of this section fails for an instruction nobody tests.

covers = SemanticsCoverage()
COVERED = covers.covered


PROP = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
F32 = st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-1e4, max_value=1e4)
I40 = st.integers(-(1 << 40), (1 << 40) - 1)


def sx32(v: int) -> int:
    """The low 32 bits of v, sign-extended (what peek returns and what float results hold)."""
    return int(np.int64(v & 0xFFFFFFFF).astype(np.uint32).astype(np.int32))


def fbits(x) -> int:
    return sx32(int(np.float32(x).view(np.uint32)))


def lane_program(mn: str, n: int) -> str:
    """a at byte 0, b at 4096, c/destination at 8192, scalar 1.5 in h5 (also the lscan seed)."""
    pre = f"mk h1, 0\nmk h2, 4096\nmk h3, 8192\nmk h4, {n}\nmkf h5, 1.5\n"
    body = {"lmac": "lmac h3, h1, h5, h4", "lfill": "lfill h3, h5, h4", "lcopy": "lcopy h3, h1, h4",
            "lfold": "lfold h6, h1, h4", "lexp": "lexp h3, h1, h4", "lscan": "lscan h3, h1, h5, h4"}.get(
        mn, f"{mn} h3, h1, h2, h4")
    return pre + body + "\nrest\n"


def lane_reference(mn: str, a, b, c0):
    s = np.float32(1.5)
    with np.errstate(all="ignore"):
        return {"lsum": lambda: a + b, "ldiff": lambda: a - b, "lprod": lambda: a * b,
                "lquot": lambda: a / b, "lmac": lambda: c0 + s * a, "lfill": lambda: np.full(a.size, s),
                "lcopy": lambda: a.copy(),
                "lexp": lambda: np.exp(a.astype(np.float64)).astype(np.float32),
                "lscan": lambda: np.cumsum(np.concatenate([[np.float64(s)], a.astype(np.float64)]))[1:].astype(
                    np.float32)}[mn]()


LANE_OPS = ("lsum", "ldiff", "lprod", "lquot", "lmac", "lfill", "lcopy", "lexp", "lscan", "lfold")


@covers(*LANE_OPS)
@pytest.mark.parametrize("mn", LANE_OPS)
def test_lane_ops(machine, mn):
    @PROP
    @given(data=st.data())
    def check(data):
        n = data.draw(st.integers(0, 150))
        a = np.array(data.draw(st.lists(F32, min_size=n, max_size=n)), np.float32)
        b = np.array(data.draw(st.lists(F32, min_size=n, max_size=n)), np.float32)
        if mn == "lquot" and n:  # zeros too: x/0 = inf, 0/0 = nan
            b[data.draw(st.lists(st.integers(0, n - 1), max_size=3))] = 0.0
        if mn == "lexp":
            a = np.clip(a, -120, 120)  # both overflow (inf) and underflow (0)
        c0 = np.array(data.draw(st.lists(F32, min_size=n, max_size=n)), np.float32)
        r = run(machine, lane_program(mn, n), lmem=_lmem(a, b, c0))
        assert r["status"] == 0
        if mn == "lfold":
            want = np.float32(np.cumsum(a.astype(np.float64))[-1]) if n else np.float32(0)
            assert (r["regs"][:, 6] == fbits(want)).all()
            return
        for tile in (0, 7, 15):
            got = tile_f32(r, tile, 8192, n)
            want = lane_reference(mn, a, b, c0).astype(np.float32)
            if mn == "lexp":  # exp of libm vs NumPy: at most one fp32 ulp apart
                np.testing.assert_array_max_ulp(got, want, maxulp=1)
            else:
                np.testing.assert_array_equal(got, want)
            assert not tile_f32(r, tile, 8192 + 4 * n, 3).any()  # nothing past hN is written
    check()


SCALAR = {"plus": lambda a, b: a + b, "minus": lambda a, b: a - b, "times": lambda a, b: a * b,
          "least": min, "most": max, "quot": lambda a, b: a // b, "resid": lambda a, b: a % b}


@covers("mk", "cp", "plus", "plusk", "minus", "times", "timesk", "quot", "resid", "least", "most", "shift")
@PROP
@given(a=I40, b=I40.filter(lambda v: v != 0), k=st.integers(-(1 << 31), (1 << 31) - 1),
       sh=st.integers(-20, 20))
def test_integer_ops_property(machine, a, b, k, sh):
    src = f"mk h1, {a}\nmk h2, {b}\n" + "".join(
        f"{mn} h{10 + i}, h1, h2\n" for i, mn in enumerate(SCALAR)) + (
        f"plusk h20, h1, {k}\ntimesk h21, h1, {k}\nshift h22, h1, {sh}\ncp h23, h2\nrest\n")
    g = run(machine, src)["regs"]
    wrap = lambda v: int(np.int64(np.uint64(v % (1 << 64))))  # noqa: E731  (64-bit registers wrap)
    want = [wrap(f(a, b)) for f in SCALAR.values()]
    assert list(g[3, 10:10 + len(SCALAR)]) == want
    assert g[3, 20] == wrap(a + k) and g[3, 21] == wrap(a * k) and g[3, 23] == b
    assert g[3, 22] == wrap(a << sh if sh >= 0 else a >> -sh)
    assert g[3, 1] == a


@covers("mkf", "fplus", "ftimes")
@PROP
@given(x=F32, y=F32)
def test_float_scalar_ops_property(machine, x, y):
    bx, by = int(np.float32(x).view(np.uint32)), int(np.float32(y).view(np.uint32))
    g = run(machine, f"mk h1, {bx}\nmk h2, {by}\nfplus h3, h1, h2\nftimes h4, h1, h2\nmkf h5, {x!r}\nrest\n")["regs"]
    assert g[0, 3] == fbits(np.float32(x) + np.float32(y))
    assert g[0, 4] == fbits(np.float32(x) * np.float32(y))
    assert sx32(int(g[0, 5])) == fbits(np.float32(x))


@covers("peek", "poke")
@PROP
@given(v=st.integers(-(1 << 47), (1 << 47) - 1), slot=st.integers(0, 63))
def test_peek_poke_property(machine, v, slot):
    g = run(machine, f"mk h1, {v}\nshift h2, h31, 8\npoke h1, [h2+{4 * slot}]\npeek h3, [h2+{4 * slot}]\n"
                     f"peek h4, [h2+{4 * slot + 4}]\nrest\n")
    assert (g["regs"][:, 3] == sx32(v)).all() and (g["regs"][:, 4] == 0).all()
    w = g["lmem"].reshape(CFG.ncores, -1)
    assert all(w[t, 64 * t + slot] == np.int32(sx32(v)) for t in range(CFG.ncores))


@covers("go", "goz", "gonz", "golt", "goge", "redo", "rest")
@PROP
@given(a=st.integers(-5, 5), b=st.integers(-5, 5), n=st.integers(1, 9))
def test_branches_property(machine, a, b, n):
    src = f"""
        mk h1, {a}
        mk h2, {b}
        goz h1, z
        mk h10, 1
    z:  gonz h1, nz
        mk h11, 1
    nz: golt h1, h2, lt
        mk h12, 1
    lt: goge h1, h2, ge
        mk h13, 1
    ge: go over
        mk h14, 1
    over: mk h5, {n}
    top: plusk h15, h15, 1
        redo h5, top
        rest
        mk h16, 1
    """
    g = run(machine, src)["regs"][4]
    assert [g[10], g[11], g[12], g[13]] == [int(a != 0), int(a == 0), int(not a < b), int(not a >= b)]
    assert g[14] == 0 and g[15] == n and g[5] == 0 and g[16] == 0  # go skips; rest ends the program


@covers("beside")
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_beside_matches_numpy_roll(config):
    c = CONFIGS[config]
    m = Machine(c)
    p = Assembler(MESH_ISA, c.symbols(), c.lmem_bytes).assemble(
        "beside h1, EAST\nbeside h2, SOUTH\nbeside h3, WEST\nbeside h4, NORTH\nrest\n", "k.s")
    g = m.run(p.code, m.initial_regs(), np.zeros(4, np.int32), np.zeros((0, 2), np.int64))["regs"]
    ids = np.arange(c.ncores).reshape(c.gy, c.gx)
    # the neighbour EAST of (y, x) is ids[y, x+1 mod GX]: ids rolled west by one column
    for col, want in ((1, np.roll(ids, -1, 1)), (2, np.roll(ids, -1, 0)), (3, np.roll(ids, 1, 1)),
                      (4, np.roll(ids, 1, 0))):
        np.testing.assert_array_equal(g[:, col].reshape(c.gy, c.gx), want)


@covers("frame", "haul", "stow")
@PROP
@given(rows=st.integers(0, 6), cols=st.integers(0, 9), r0=st.integers(0, 3), c0=st.integers(0, 5),
       lpad=st.integers(0, 3))
def test_haul_stow_property(machine, rows, cols, r0, c0, lpad):
    m = np.arange(1, 10 * 16 + 1, dtype=np.float32).reshape(10, 16)
    dram = np.zeros(512, np.int32)
    dram.view(np.float32)[:160] = m.ravel()
    ls = 4 * (cols + lpad)
    src = f"""
        goz h31, go
        rest
    go: mk h1, 64
        mk h2, {ls}
        frame h1, h2
        mk h3, {4 * (16 * r0 + c0)}
        mk h4, {4 * cols}
        mk h5, {rows}
        mk h6, 128
        haul h6, h3, h4, h5
        mk h7, {4 * (16 * 10 + 16 * r0 + c0)}
        stow h7, h6, h4, h5
        rest
    """
    r = run(machine, src, dram=dram, regions=np.array([[0, 2048]], np.int64))
    assert r["status"] == 0
    loc = tile_f32(r, 0, 128, max(rows * (cols + lpad), 1))[:rows * (cols + lpad)].reshape(rows, cols + lpad)
    np.testing.assert_array_equal(loc[:, :cols], m[r0:r0 + rows, c0:c0 + cols])
    back = dram.view(np.float32)[160:320].reshape(10, 16)
    want = np.zeros((10, 16), np.float32)
    want[r0:r0 + rows, c0:c0 + cols] = m[r0:r0 + rows, c0:c0 + cols]
    np.testing.assert_array_equal(back, want)
    assert r["stats"][sim.S_DRAM_RD] == r["stats"][sim.S_DRAM_WR] == 4 * rows * cols


@covers("post", "take")
@PROP
@given(words=st.integers(0, 64), dst=st.integers(1, 15), second=st.integers(0, 8))
def test_post_take_property(machine, words, dst, second):
    """Tile 0 sends two messages (lengths words and second) to tile dst, which takes them in order."""
    payload = np.random.default_rng(words).integers(-(1 << 31), 1 << 31, 128, dtype=np.int64).astype(np.int32)
    lm = np.zeros(CFG.ncores * CFG.lmem_bytes // 4, np.int32)
    lm[:128] = payload
    src = f"""
        mk h1, {dst}
        mk h2, {4 * words}
        mk h3, {4 * second}
        mk h4, 0
        mk h5, {4 * words}
        goz h31, send
        minus h6, h31, h1
        goz h6, recv
        rest
    send: post h1, h4, h2
        post h1, h5, h3
        rest
    recv: mk h7, 1024
        take h4, h7, h2
        mk h8, 2048
        take h4, h8, h3
        rest
    """
    r = run(machine, src, lmem=lm)
    assert r["status"] == 0
    w = r["lmem"].reshape(CFG.ncores, -1)
    np.testing.assert_array_equal(w[dst, 256:256 + words], payload[:words])
    np.testing.assert_array_equal(w[dst, 512:512 + second], payload[words:words + second])
    assert not w[dst, 256 + words:260 + words].any()
    assert r["stats"][sim.S_MSGS] == 2 and r["stats"][sim.S_NET_BYTES] == 4 * (words + second)


@covers("muster")
def test_muster_orders_writes_before_reads(machine):
    """Tile k spins k loop iterations, pokes its id and musters; every tile leaves the muster in the
    same cycle (arrival + barrier stall is the same for all), then swaps values with its west
    neighbour: the values seen are the west neighbours' ids (NumPy: np.roll of the id grid)."""
    src = """
        plusk h1, h31, 1
    spin: redo h1, spin
        poke h31, [0]
        muster
        beside h2, EAST
        beside h3, WEST
        mk h4, 0
        mk h5, 4
        mk h6, 64
        post h2, h4, h5
        take h3, h6, h5
        peek h7, [64]
        rest
    """
    r = run(machine, src)
    g, ts = r["regs"], r["tstats"]
    left = ts[:, sim.T_ST_BAR] + 2 * np.arange(CFG.ncores)  # spinning k+1 redo's: 2 cycles each (taken + penalty)
    assert (left == left[0]).all() and ts[0, sim.T_ST_BAR] > ts[-1, sim.T_ST_BAR]
    ids = np.arange(CFG.ncores).reshape(CFG.gy, CFG.gx)
    np.testing.assert_array_equal(g[:, 7].reshape(CFG.gy, CFG.gx), np.roll(ids, 1, 1))


def test_every_instruction_has_a_semantics_test():
    """Fails when a row is added to the ISA table without a test claiming its semantics."""
    missing = sorted(i.mnemonic for i in MESH_ISA.instrs if i.mnemonic not in COVERED)
    assert not missing, f"instructions without a semantics test: {missing}"
    assert COVERED <= {i.mnemonic for i in MESH_ISA.instrs}, "a @covers names an instruction the table lacks"


def test_scalar_local_and_identity_ops(machine):
    r = run(machine, """
        mk h1, -7
        mk h2, 3
        quot h3, h1, h2
        resid h4, h1, h2
        times h5, h1, h2
        shift h6, h2, 4
        least h7, h1, h2
        most h8, h1, h2
        mkf h9, 0.75
        mkf h10, 2.0
        fplus h11, h9, h10
        ftimes h12, h9, h10
        beside h13, EAST
        beside h14, NORTH
        shift h18, h31, 2
        poke h1, [h18+64]
        peek h15, [64]
        mk h16, 4
    top: plusk h17, h17, 2
        redo h16, top
        rest
    """)
    assert r["status"] == 0
    g = r["regs"]
    assert list(g[0, 3:9]) == [-3, 2, -21, 48, -7, 3]
    assert g[0, 11] == f32_bits(2.75) and g[0, 12] == f32_bits(1.5) and g[0, 17] == 8
    assert g[0, 13] == 1 and g[0, 14] == 12 and g[5, 13] == 6 and g[5, 14] == 1 and g[3, 13] == 0
    assert g[0, 15] == -7 and g[9, 15] == 0  # tile 9 poked at 64 + 4*9


def test_haul_stow_2d(machine):
    dram = np.zeros(256, np.int32)
    m = np.arange(60, dtype=np.float32).reshape(6, 10)
    dram.view(np.float32)[:60] = m.ravel()
    regions = np.array([[0, 1024]], np.int64)
    r = run(machine, """
        goz h31, go
        rest
    go: mk h1, 40
        mk h2, 16
        frame h1, h2
        mk h3, 48          # &m[1, 2]
        mk h4, 12
        mk h5, 4
        mk h6, 0
        haul h6, h3, h4, h5
        mk h7, 400
        stow h7, h6, h4, h5
        rest
    """, dram=dram, regions=regions)
    assert r["status"] == 0
    np.testing.assert_array_equal(tile_f32(r, 0, 0, 16).reshape(4, 4)[:, :3], m[1:5, 2:5])
    np.testing.assert_array_equal(dram.view(np.float32)[100:140].reshape(4, 10)[:, :3], m[1:5, 2:5])
    assert r["stats"][sim.S_DRAM_RD] == 48 and r["stats"][sim.S_DRAM_WR] == 48


# ---------------------------------------------------------------- hand-counted network timing


def test_send_receive_two_hops_cycles(machine):
    # tile 0 -> tile 2 (x=0 -> x=2, same row): 2 hops; 16 bytes at 8 B/cycle = 2 cycles per link.
    # tile 0: mk@0 mk@1 mk@2, goz@3 taken (+1 penalty), post@5: arrival = 5 + 2 hops*2 + 2 = 11; rest@6 -> 7.
    # tile 2: mk@0..2, goz@3 not taken, minus@4, goz@5 taken -> take@7 waits to 11 (4 network stall cycles),
    # issues again at 12: rest@12 -> ends 13. The others rest@6. Total 13 cycles.
    r = run(machine, """
        mk h1, 2
        mk h2, 16
        mk h3, 0
        goz h31, send
        minus h5, h31, h1
        goz h5, recv
        rest
    send: post h1, h3, h2
        rest
    recv: take h3, h3, h2
        rest
    """)
    assert r["status"] == 0
    ts = r["tstats"]
    assert ts[0, sim.T_END] == 7 and ts[1, sim.T_END] == 7
    assert ts[2, sim.T_END] == 13 and ts[2, sim.T_ST_NET] == 4
    assert r["stats"][sim.S_CYCLES] == 13 and r["stats"][sim.S_MSGS] == 1
    assert r["stats"][sim.S_NET_BYTES] == 16 and r["stats"][sim.S_LINK_BYTES] == 32
    assert r["link_busy"][0 * 4 + 0] == 2 and r["link_busy"][1 * 4 + 0] == 2  # links 0->1 and 1->2, eastward


def test_barrier_releases_every_tile_after_the_last(machine):
    # tile 3 arrives at its muster last (cycle 3 + 3*2 = ... a 12-cycle div first), all leave together
    r = run(machine, """
        mk h1, 3
        minus h2, h31, h1
        gonz h2, m
        quot h3, h1, h1
        plusk h3, h3, 1      # waits for the divide: issues at 4 + 12 = 16
    m:  muster
        rest
    """)
    assert r["status"] == 0
    # tile 3: mk@0 minus@1 gonz@2 (h2 ready 2; not taken) quot@3 plusk@15 muster@16; release 16+8 = 24;
    # rest@24 -> 25 for every tile
    ts = r["tstats"]
    assert (ts[:, sim.T_END] == 25).all()
    assert ts[3, sim.T_ST_BAR] == 8 and ts[0, sim.T_ST_BAR] == 24 - 4


def test_deadlock_when_two_tiles_both_receive_first():
    b = MeshBackend()
    src = """
        mk h1, 1
        mk h2, 8
        golt h1, h31, out     # tiles 2.. leave
        minus h3, h1, h31     # partner: 1 - id
        take h3, h4, h2       # both take first: neither ever posts
        post h3, h4, h2
    out: rest
    """
    with pytest.raises(CandidateError) as e:
        b.run(_compile(b, src), _args())
    msg = str(e.value)
    assert "DEADLOCK" in msg and "tile 0" in msg and "tile 1" in msg and "bad.s:6" in msg
    assert "waiting to take a message from tile 1" in msg and "waiting to take a message from tile 0" in msg
    assert "tile 2 " not in msg


def test_muster_with_a_finished_tile_deadlocks():
    b = MeshBackend()
    with pytest.raises(CandidateError, match="DEADLOCK(.|\n)*muster"):
        b.run(_compile(b, "goz h31, out\nmuster\nout: rest\n"), _args())


# ---------------------------------------------------------------- faults


def _args(n=8):
    from kernelhub.plugins import registry
    sig = registry().task("vector_add").signature
    x = np.arange(n, dtype=np.float32)
    return KernelArgs(signature=sig, arrays={"x": x, "y": x.copy(), "out": np.full(n, np.nan, np.float32)},
                      params={"n": n})


def _compile(backend, src):
    from kernelhub.models import Candidate
    c = backend.compile(Candidate(backend=backend.name, source=textwrap.dedent(src), filename="bad.s"), None)
    assert c.result.ok, c.result.diagnostics
    return c.artifact


def test_out_of_bounds_and_misaligned_faults_name_the_line():
    b = MeshBackend()
    with pytest.raises(CandidateError) as e:
        b.run(_compile(b, "mk h5, LMEM\nmk h6, 4\nlsum h5, h5, h5, h6\nrest\n"), _args())
    msg = str(e.value)
    assert "local memory access out of bounds" in msg and "bad.s:3" in msg and "lsum h5, h5, h5, h6" in msg
    assert "tile 0" in msg and "h5=65536" in msg
    with pytest.raises(CandidateError, match="misaligned.*bad.s:2"):
        b.run(_compile(b, "mk h5, 2\npeek h6, [h5]\nrest\n"), _args())
    for op in ("lexp h5, h6, h7", "lscan h5, h6, h6, h7", "lquot h6, h6, h5, h7"):  # the new lane ops' bounds
        with pytest.raises(CandidateError, match=f"out of bounds.*bad.s:4: `{op}`"):
            b.run(_compile(b, f"mk h5, LMEM-8\nmk h6, 0\nmk h7, 3\n{op}\nrest\n"), _args())
    with pytest.raises(CandidateError, match="DRAM access outside.*bad.s:4"):
        b.run(_compile(b, "mk h5, 64\nmk h6, 1\nplusk h7, h2, 4096\nstow h7, h0, h5, h6\nrest\n"), _args())
    with pytest.raises(CandidateError, match="no such tile.*bad.s:3"):
        b.run(_compile(b, "mk h5, NCORES\nmk h6, 4\npost h5, h0, h6\nrest\n"), _args())


def test_static_address_and_unknown_mnemonic_diagnostics():
    with pytest.raises(AsmError) as e:
        Assembler(MESH_ISA, CFG.symbols(), CFG.lmem_bytes).assemble("  peek h1, [LMEM]\n  sendd h1, h2, h3\n", "k.s")
    d = {x.line: x for x in e.value.diagnostics}
    assert "out of bounds" in d[1].message and d[1].column == 13
    assert "unknown mnemonic 'sendd'" in d[2].message and d[2].column == 3


def test_infinite_loop_hits_the_cycle_limit():
    from isa_sims.mesh.isa import replace
    b = MeshBackend(replace(CFG, name="tiny", max_cycles=50_000))
    with pytest.raises(CandidateError, match="cycle limit exceeded.*bad.s:2"):
        b.run(_compile(b, "mk h1, 1\nspin: go spin\n"), _args())


# ---------------------------------------------------------------- the backend through the pipeline


@pytest.fixture(scope="module")
def isa_evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    limits = Limits(compile_timeout_s=60, run_timeout_s=60, memory_bytes=1 << 30)
    with isa_sims_evaluator(policy=TimingPolicy.quick(), limits=limits) as ev:
        yield ev


@pytest.mark.parametrize("name,visible,heldout", [
    ("matmul", [{"M": 128, "N": 96, "K": 80}], [{"M": 33, "N": 17, "K": 45}]),
    ("sum", [{"n": 100_003}], [{"n": 1}]),
    ("vector_add", [{"n": 100_003}], [{"n": 1}]),
])
def test_starters_are_correct(isa_evaluator, name, visible, heldout):
    from kernelhub.models import Candidate, Status
    ev = isa_evaluator
    task = small_task(name, visible, heldout)
    src = ev.registry.starter(task, "mesh")
    res = ev.evaluate(task, Candidate(backend="mesh", source=src, filename=f"{name}.s"))
    assert res.status == Status.correct, res.message
    assert res.timings and not res.timings[0].candidate.device_time
    assert res.device.startswith("mesh simulator")


def test_wrong_result_and_compile_error(isa_evaluator):
    from kernelhub.models import Candidate, Status
    ev = isa_evaluator
    task = small_task("matmul", [{"M": 128, "N": 96, "K": 80}], [])
    src = ev.registry.starter(task, "mesh").replace("plusk  h10, h10, KC", "plusk  h10, h10, KC+1")  # skips a k
    res = ev.evaluate(task, Candidate(backend="mesh", source=src, filename="matmul.s"))
    assert res.status == Status.incorrect, res.message
    res = ev.evaluate(task, Candidate(backend="mesh", source="  take h1, 5\n", filename="c.s"))
    assert res.status == Status.compile_error and "takes 3 operand" in res.compile.diagnostics[0].message


def test_manual_is_generated_from_the_table():
    text = MeshBackend().manual()
    for ins in MESH_ISA.instrs:
        assert f"`{ins.syntax()}`" in text
    assert "simulated" in text and "Calling convention" in text and "DEADLOCK" in text and "h31" in text
