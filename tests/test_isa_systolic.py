"""The systolic matrix engine ('Loom'): instruction semantics against NumPy, machine-specific
assembler diagnostics, a hand-counted cycle total, faults, and the starters through the real
evaluation pipeline."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from kernelhub.backend import CandidateError, KernelArgs
from isa_sims.core.asm import AsmError, Assembler, f32_bits
from isa_sims.systolic import sim
from isa_sims.systolic.backend import Machine, SystolicBackend
from isa_sims.systolic.isa import CONFIGS, LOOM_ISA, replace
from conftest import isa_sims_evaluator, small_task

CFG = CONFIGS["default"]
D = CFG.dim


@pytest.fixture(scope="module")
def machine():
    return Machine(CFG)


def asm(src: str):
    return Assembler(LOOM_ISA, CFG.symbols()).assemble(textwrap.dedent(src), "k.s")


def run(machine, src, greg=None, buf=None, dram=None, regions=None, max_cycles=None):
    p = asm(src)
    greg = np.zeros(32, np.int64) if greg is None else greg
    dram = np.zeros(16, np.int32) if dram is None else dram
    regions = np.zeros((0, 2), np.int64) if regions is None else regions
    status, stats, fault, buf, acc, wb = machine.run(p.code, greg, dram, regions, max_cycles=max_cycles, buf=buf)
    return status, stats, fault, buf, acc, greg


def _buf(*arrays):
    """A buffer with each array at byte offset 4096 * position."""
    buf = np.zeros(CFG.buf_bytes // 4, np.int32)
    f = buf.view(np.float32)
    for k, a in enumerate(arrays):
        f[1024 * k:1024 * k + a.size] = a.ravel()
    return buf


# ---------------------------------------------------------------- semantics vs numpy


def test_warp_weft_weftadd_match_numpy(machine):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((D, D)).astype(np.float32)
    x = rng.standard_normal((40, D)).astype(np.float32)
    x2 = rng.standard_normal((40, D)).astype(np.float32)
    src = """
        kset g1, 0
        kset g2, 11
        warp w1, g1, g2        # rows >= 11 load as zero
        kset g3, 4096
        kset g4, 8192
        kset g5, 5
        kset g6, 40
        weft w1, g3, g5, g6
        weftadd w1, g4, g5, g6
        finish
    """
    st, _, _, _, acc, _ = run(machine, src, buf=_buf(w, x, x2))
    assert st == 0
    wz = w.copy()
    wz[11:] = 0
    np.testing.assert_allclose(acc[5:45], x @ wz + x2 @ wz, rtol=1e-5, atol=1e-5)
    assert not acc[:5].any() and not acc[45:].any()


BINARY = {"esum": np.add, "ediff": np.subtract, "eprod": np.multiply, "ebig": np.maximum, "esmall": np.minimum}
UNARY = {"ecopy": lambda a: a, "erelu": lambda a: np.maximum(a, 0), "eexp": np.exp, "etanh": np.tanh,
         "erecip": lambda a: 1 / a}


@pytest.mark.parametrize("mn", sorted(BINARY) + sorted(UNARY) + ["eoffset", "escale"])
def test_vector_ops(machine, mn):
    rng = np.random.default_rng(1)
    n = 37
    a = rng.standard_normal(n).astype(np.float32)
    b = (rng.standard_normal(n) + 3).astype(np.float32)
    if mn in BINARY:
        body, want = f"{mn} g3, g1, g2, g4", BINARY[mn](a, b)
    elif mn in UNARY:
        body, want = f"{mn} g3, g1, g4", UNARY[mn](a).astype(np.float32)
    else:
        body = f"kfset g5, 1.5\n{mn} g3, g1, g5, g4"
        want = a + np.float32(1.5) if mn == "eoffset" else a * np.float32(1.5)
    src = f"kset g1, 0\nkset g2, 4096\nkset g3, 8192\nkset g4, {n}\n{body}\nfinish\n"
    st, _, _, buf, _, _ = run(machine, src, buf=_buf(a, b))
    assert st == 0
    got = buf.view(np.float32)[2048:2048 + n]
    np.testing.assert_allclose(got, want, rtol=2e-6)
    assert not buf.view(np.float32)[2048 + n:2048 + n + 8].any()


def test_scalar_ops(machine):
    st, *_, greg = run(machine, """
        kset g1, -7
        kset g2, 3
        kdiv g3, g1, g2
        kmul g4, g1, g2
        kshl g5, g2, 4
        kshl g6, g1, -1
        kmin g7, g1, g2
        kmax g8, g1, g2
        kfset g9, 0.75
        kset g10, 4
    top: kaddi g11, g11, 2
        tally g10, top
        finish
    """)
    assert st == 0
    assert list(greg[3:9]) == [-3, -21, 48, -4, -7, 3] and greg[9] == f32_bits(0.75) and greg[11] == 8


def test_dma_2d_and_accumulator_paths(machine):
    # DRAM holds a 6x10 matrix at byte 0; pull a 4x3 sub-block (rows 1.., cols 2..) with buffer stride ROWB,
    # fill accumulator rows from it, spill them back elsewhere, and move them to the buffer.
    dram = np.zeros(256, np.int32)
    m = np.arange(60, dtype=np.float32).reshape(6, 10)
    dram.view(np.float32)[:60] = m.ravel()
    regions = np.array([[0, 1024]], np.int64)
    st, _, _, buf, acc, _ = run(machine, """
        kset g1, 12
        kset g2, 40
        kset g3, ROWB
        dgeom g1, g2, g3
        kset g4, 48              # &m[1, 2]
        kset g5, 4
        kset g6, 0
        dpull g6, g4, g5         # buffer rows 0..3 (ROWB apart) = m[1:5, 2:5]
        kset g7, 3
        dfill g7, g4, g5         # accumulator rows 3..6, columns 0..2
        kset g8, 400
        dspill g8, g7, g5        # -> DRAM bytes 400.. with row stride 40
        kset g9, 4096
        dmove g9, g7, g5
        finish
    """, dram=dram, regions=regions)
    assert st == 0
    f = buf.view(np.float32)
    blk = m[1:5, 2:5]
    np.testing.assert_array_equal(f[:4 * D].reshape(4, D)[:, :3], blk)
    np.testing.assert_array_equal(acc[3:7, :3], blk)
    np.testing.assert_array_equal(dram.view(np.float32)[100:140].reshape(4, 10)[:, :3], blk)
    np.testing.assert_array_equal(f[1024:1024 + 4 * D].reshape(4, D)[:, :3], blk)


# ---------------------------------------------------------------- machine-specific diagnostics


def diag(src: str):
    with pytest.raises(AsmError) as e:
        Assembler(LOOM_ISA, CFG.symbols()).assemble(src, "k.s")
    d = e.value.diagnostics[0]
    return d.line, d.column, d.message


def test_weight_bank_where_a_general_register_belongs():
    line, col, msg = diag("  weft g1, g2, g3, g4\n")
    assert (line, col) == (1, 8) and "wrong register class" in msg and "weight bank" in msg and "w0..w1" in msg
    line, col, msg = diag("  dpull w0, g1, g2\n")
    assert (line, col) == (1, 9) and "wrong register class" in msg and "g0..g31" in msg


def test_no_third_weight_bank():
    line, col, msg = diag("  warp w2, g1, g2\n")
    assert (line, col) == (1, 8) and "no register 'w2'" in msg and "w0..w1" in msg


# ---------------------------------------------------------------- hand-counted cycles


def test_one_weight_load_and_one_tile_stream_cycles(machine):
    # kset@0, kset@1 (g2 ready 2); warp dispatched @2 -> wload starts 3, busy DIM=16 cycles, bank ready
    # 3+16+1-1 = 19. ksets @3,4,5 (g5 ready 6); weft dispatched @6, starts at 19 (waits for the bank: a
    # 12-cycle data stall), occupies the array 32 cycles, results complete 19+32+2*16-1 = 82.
    # finish @7 waits for every unit: 82 cycles.
    st, stats, *_ = run(machine, """
        kset g1, 0
        kset g2, 16
        warp w0, g1, g2
        kset g3, TILEB
        kset g4, 0
        kset g5, 32
        weft w0, g3, g4, g5
        finish
    """)
    assert st == 0 and stats[sim.S_CYCLES] == 82 and stats[sim.S_RETIRED] == 8
    assert stats[sim.S_ST_DATA] == 12 and stats[sim.S_BUSY0 + sim.U_ARRAY] == 32
    assert stats[sim.S_BUSY0 + sim.U_WLOAD] == 16 and stats[sim.S_MACS] == 32 * D * D


def test_dma_overlaps_compute_and_the_scoreboard_orders_it(machine):
    # a 1024-byte pull (32 cycles at 32 B/cycle, +100 latency) overlaps a weft on other data; a weft that
    # reads the pulled region waits for it (a dma_wait).
    dram = np.zeros(512, np.int32)
    regions = np.array([[0, 2048]], np.int64)
    src = """
        kset g1, 1024
        kset g2, 0
        kset g9, 1
        dgeom g1, g2, g2
        kset g3, 8192
        dpull g3, g2, g9          # dispatched @5: starts 6, done 6+32+100-1 = 137
        kset g5, 16
        weft w0, g2, g2, g5       # independent: dispatched @7, starts 8, complete 8+16+31 = 55
        {second}
        finish
    """
    st, stats, *_ = run(machine, src.format(second=""), dram=dram, regions=regions)
    assert st == 0 and stats[sim.S_CYCLES] == 137 and stats[sim.S_ST_DMAWAIT] == 0
    st, stats, *_ = run(machine, src.format(second="weft w0, g3, g5, g5"), dram=dram, regions=regions)
    # dispatched @8, array free at 24, waits for the pull to 137 (113 dma_wait), complete 137+16+31 = 184
    assert st == 0 and stats[sim.S_CYCLES] == 184 and stats[sim.S_ST_DMAWAIT] == 113


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


def test_out_of_bounds_faults_name_the_line():
    b = SystolicBackend()
    with pytest.raises(CandidateError) as e:
        b.run(_compile(b, """
            kset g5, 64
            kset g6, 1
            dgeom g5, g6, g6
            kaddi g7, g2, 4096
            dpush g7, g6, g6
            finish
        """), _args())
    # g6 = 1 as a buffer address: misaligned, caught before the DRAM check
    assert "misaligned" in str(e.value) and "bad.s:6" in str(e.value)
    with pytest.raises(CandidateError) as e:
        b.run(_compile(b, "kset g5, 64\nkset g6, 1\ndgeom g5, g5, g5\nkaddi g7, g2, 4096\n"
                          "kset g8, 0\ndpush g7, g8, g6\nfinish\n"), _args())
    msg = str(e.value)
    assert "DRAM access outside" in msg and "bad.s:6" in msg and "dpush g7, g8, g6" in msg and "g7=" in msg
    with pytest.raises(CandidateError, match="buffer access out of bounds.*bad.s:3"):
        b.run(_compile(b, "kset g5, BUF\nkset g6, 1\nesum g5, g5, g5, g6\nfinish\n"), _args())
    with pytest.raises(CandidateError, match="accumulator row out of range.*bad.s:3"):
        b.run(_compile(b, "kset g5, ACCROWS\nkset g6, 1\nweft w0, g0, g5, g6\nfinish\n"), _args())


def test_infinite_loop_hits_the_cycle_limit():
    b = SystolicBackend(replace(CFG, name="tiny", max_cycles=100_000))
    with pytest.raises(CandidateError, match="cycle limit exceeded.*bad.s:2"):
        b.run(_compile(b, "kset g1, 1\nspin: hop spin\n"), _args())


def test_falling_off_the_end():
    b = SystolicBackend()
    with pytest.raises(CandidateError, match="left the program"):
        b.run(_compile(b, "kset g1, 1\n"), _args())


# ---------------------------------------------------------------- the backend through the pipeline


@pytest.fixture(scope="module")
def isa_evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    with isa_sims_evaluator(policy=TimingPolicy.quick(), limits=Limits(compile_timeout_s=60, run_timeout_s=60, memory_bytes=1 << 30)) as ev:
        yield ev


def test_matmul_starter_is_correct(isa_evaluator):
    from kernelhub.models import Candidate, Status
    ev = isa_evaluator
    task = small_task("matmul", [{"M": 128, "N": 96, "K": 80}], [{"M": 33, "N": 17, "K": 45}])
    src = ev.registry.starter(task, "systolic")
    res = ev.evaluate(task, Candidate(backend="systolic", source=src, filename="matmul.s"))
    assert res.status == Status.correct, res.message
    assert res.timings and not res.timings[0].candidate.device_time
    assert res.device.startswith("systolic simulator")


def test_wrong_result_is_incorrect(isa_evaluator):
    from kernelhub.models import Candidate, Status
    ev = isa_evaluator
    task = small_task("matmul", [{"M": 128, "N": 96, "K": 80}], [])
    src = ev.registry.starter(task, "systolic").replace("weftadd w1,", "weft    w1,")  # drops some k-steps
    res = ev.evaluate(task, Candidate(backend="systolic", source=src, filename="matmul.s"))
    assert res.status == Status.incorrect, res.message
    res = ev.evaluate(task, Candidate(backend="systolic", source="  weft g1, g2, g3, g4\n", filename="c.s"))
    assert res.status == Status.compile_error and "wrong register class" in res.compile.diagnostics[0].message


def test_manual_is_generated_from_the_table():
    text = SystolicBackend().manual()
    for ins in LOOM_ISA.instrs:
        assert f"`{ins.syntax()}`" in text
    assert "simulated" in text and "Calling convention" in text and "weight bank" in text
