"""The many-core tile mesh ('Tessera'): instruction semantics against NumPy, a hand-counted
send/receive across two hops, a barrier, deadlock detection, faults naming the line, and the
starters through the real evaluation pipeline."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from kernelhub.backend import CandidateError, KernelArgs
from isa_sims.core.asm import AsmError, Assembler, f32_bits
from isa_sims.mesh import sim
from isa_sims.mesh.backend import Machine, MeshBackend
from isa_sims.mesh.isa import CONFIGS, MESH_ISA
from conftest import isa_sims_evaluator, small_task

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

LANE = {"lsum": np.add, "ldiff": np.subtract, "lprod": np.multiply}


@pytest.mark.parametrize("mn", sorted(LANE) + ["lmac", "lfill", "lcopy", "lfold"])
def test_lane_ops(machine, mn):
    rng = np.random.default_rng(1)
    n = 37
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c0 = rng.standard_normal(n).astype(np.float32)
    pre = f"mk h1, 0\nmk h2, 4096\nmk h3, 8192\nmk h4, {n}\nmkf h5, 1.5\n"
    body = {"lmac": "lmac h3, h1, h5, h4", "lfill": "lfill h3, h5, h4", "lcopy": "lcopy h3, h1, h4",
            "lfold": "lfold h6, h1, h4"}.get(mn, f"{mn} h3, h1, h2, h4")
    r = run(machine, pre + body + "\nrest\n", lmem=_lmem(a, b, c0))
    assert r["status"] == 0
    got = tile_f32(r, 5, 8192, n)
    if mn == "lfold":
        assert r["regs"][5, 6] == f32_bits(np.float32(a.astype(np.float64).sum()))
        return
    want = {"lmac": c0 + np.float32(1.5) * a, "lfill": np.full(n, 1.5, np.float32), "lcopy": a}.get(mn)
    want = LANE[mn](a, b) if want is None else want
    np.testing.assert_array_equal(got, want)
    assert not tile_f32(r, 5, 8192 + 4 * n, 4).any() or mn == "lmac"


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
    with isa_sims_evaluator(policy=TimingPolicy.quick(), limits=Limits(compile_timeout_s=60, run_timeout_s=60, memory_bytes=1 << 30)) as ev:
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
