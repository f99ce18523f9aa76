"""The systolic matrix engine ('Loom'): every instruction's semantics against NumPy (property-based
with hypothesis; a test enumerating the ISA table fails when an instruction has none), machine-specific
assembler diagnostics, hand-counted cycle totals, faults, and a starter through the real evaluation
pipeline (all starters: tests/test_isa_systolic_starters.py)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from kernelhub.backend import CandidateError, KernelArgs
from isa_sims.core.asm import AsmError, Assembler, f32_bits
from isa_sims.systolic import sim
from isa_sims.systolic.backend import Machine, SystolicBackend
from isa_sims.systolic.isa import CONFIGS, LOOM_ISA, replace
from conftest import SemanticsCoverage, isa_sims_evaluator, small_task

pytest.importorskip("hypothesis", reason="the property-based semantics tests need hypothesis (dev extra)")
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

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


# ---------------------------------------------------------------- semantics vs numpy
#
# Every instruction of the table has a semantics test here; ``covers`` records which, and
# test_every_instruction_has_a_semantics_test fails when a row of the ISA table has none.

covers = SemanticsCoverage()
COVERED = covers.covered


MACHINE = Machine(CFG)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
I47 = st.integers(-(1 << 46), (1 << 46) - 1)
F32 = st.floats(-1e4, 1e4, width=32, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def f32s(n: int, elements=F32):
    return hnp.arrays(np.float32, n, elements=elements)


def wrap(x: int) -> int:
    return ((x + (1 << 63)) % (1 << 64)) - (1 << 63)


def test_every_instruction_has_a_semantics_test():
    missing = sorted(i.mnemonic for i in LOOM_ISA.instrs if i.mnemonic not in COVERED)
    assert not missing, f"instructions without a semantics test: {missing}"
    assert COVERED <= {i.mnemonic for i in LOOM_ISA.instrs}


SCALAR = {"kadd": lambda a, b: wrap(a + b), "ksub": lambda a, b: wrap(a - b), "kmul": lambda a, b: wrap(a * b),
          "kdiv": lambda a, b: a // b, "kmin": min, "kmax": max}


@covers("kset", "kcopy", *SCALAR)
@SETTINGS
@given(mn=st.sampled_from(sorted(SCALAR)), a=I47, b=I47)
def test_scalar_register_ops(mn, a, b):
    if mn == "kdiv" and b == 0:
        b = 7
    st_, *_, greg = run(MACHINE, f"kset g1, {a}\nkset g2, {b}\nkcopy g4, g1\n{mn} g3, g4, g2\nfinish\n")
    assert st_ == 0 and greg[3] == SCALAR[mn](a, b) and greg[4] == a


@covers("kaddi", "kmuli", "kshl")
@SETTINGS
@given(a=I47, imm=st.integers(-(1 << 31), (1 << 31) - 1), sh=st.integers(-63, 63))
def test_scalar_immediate_ops(a, imm, sh):
    st_, *_, greg = run(MACHINE, f"kset g1, {a}\nkaddi g2, g1, {imm}\nkmuli g3, g1, {imm}\nkshl g4, g1, {sh}\nfinish\n")
    assert st_ == 0
    assert greg[2] == wrap(a + imm) and greg[3] == wrap(a * imm)
    assert greg[4] == (wrap(a << sh) if sh >= 0 else a >> -sh)


@covers("kfset", "kfloat")
@SETTINGS
@given(a=I47, x=F32)
def test_float_bits(a, x):
    st_, *_, greg = run(MACHINE, f"kset g1, {a}\nkfloat g2, g1\nkfset g3, {float(x)!r}\nfinish\n")
    assert st_ == 0 and greg[2] == f32_bits(np.float32(a)) and greg[3] == f32_bits(x)


BRANCH = {"hopz": lambda a, b: a == 0, "hopnz": lambda a, b: a != 0, "hoplt": lambda a, b: a < b,
          "hopge": lambda a, b: a >= b, "hop": lambda a, b: True}


@covers(*BRANCH, "finish")
@SETTINGS
@given(mn=st.sampled_from(sorted(BRANCH)), a=st.sampled_from([0, 1, -1, 5]) | I47, b=st.sampled_from([0, 5]) | I47)
def test_branches(mn, a, b):
    ops = {"hop": "yes", "hopz": "g1, yes", "hopnz": "g1, yes"}.get(mn, "g1, g2, yes")
    src = f"kset g1, {a}\nkset g2, {b}\n{mn} {ops}\nkset g5, 10\nfinish\nyes: kset g5, 20\nfinish\nkset g5, 30\n"
    st_, stats, _, _, _, greg = run(MACHINE, src)
    assert st_ == 0 and greg[5] == (20 if BRANCH[mn](a, b) else 10) and stats[sim.S_RETIRED] == 5


@covers("tally")
@SETTINGS
@given(n=st.integers(1, 300))
def test_tally_counts_down(n):
    st_, stats, *_, greg = run(MACHINE, f"kset g1, {n}\ntop: kaddi g2, g2, 3\ntally g1, top\nfinish\n")
    assert st_ == 0 and greg[2] == 3 * n and greg[1] == 0 and stats[sim.S_RETIRED] == 2 + 2 * n


def _buf(*arrays):
    """A buffer with each array at byte offset 4096 * position."""
    buf = np.zeros(CFG.buf_bytes // 4, np.int32)
    f = buf.view(np.float32)
    for k, a in enumerate(arrays):
        f[1024 * k:1024 * k + a.size] = np.ravel(a)
    return buf


def _stream_ref(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The array's dot products: fp32 products added in k order, in fp32."""
    out = np.zeros((x.shape[0], w.shape[1]), np.float32)
    for k in range(w.shape[0]):
        out = out + x[:, k:k + 1] * w[k]
    return out


@covers("warp", "weft", "weftadd")
@settings(max_examples=12, deadline=None, derandomize=True)
@given(krows=st.integers(0, D), rows=st.integers(0, 40), at=st.integers(0, 200), seed=st.integers(0, 2**31))
def test_warp_weft_weftadd_match_numpy(krows, rows, at, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((D, D)).astype(np.float32)
    x = rng.standard_normal((max(rows, 1), D)).astype(np.float32)
    x2 = rng.standard_normal((max(rows, 1), D)).astype(np.float32)
    src = f"""
        kset g1, 0
        kset g2, {krows}
        warp w1, g1, g2        # rows >= krows load as zero
        kset g3, 4096
        kset g4, 8192
        kset g5, {at}
        kset g6, {rows}
        weft w1, g3, g5, g6
        weftadd w1, g4, g5, g6
        finish
    """
    st_, stats, _, _, acc, _ = run(MACHINE, src, buf=_buf(w, x, x2))
    assert st_ == 0
    wz = w.copy()
    wz[krows:] = 0
    want = _stream_ref(x[:rows], wz) + _stream_ref(x2[:rows], wz)
    np.testing.assert_array_equal(acc[at:at + rows], want)
    assert not acc[:at].any() and not acc[at + rows:].any()
    assert stats[sim.S_MACS] == 2 * rows * D * D


BINARY = {"esum": np.add, "ediff": np.subtract, "eprod": np.multiply, "ebig": np.maximum, "esmall": np.minimum}
UNARY = {"ecopy": lambda a: a, "erelu": lambda a: np.maximum(a, np.float32(0)), "eexp": np.exp, "etanh": np.tanh,
         "erecip": lambda a: np.float32(1) / a,
         "ersqrt": lambda a: (1 / np.sqrt(np.abs(a).astype(np.float64))).astype(np.float32)}
INEXACT = {"eexp", "etanh"}  # libm and NumPy's fp32 exp/tanh may differ in the last place


@covers(*BINARY)
@SETTINGS
@given(mn=st.sampled_from(sorted(BINARY)), data=st.data(), n=st.integers(0, 70))
def test_vector_binary_ops(mn, data, n):
    a, b = data.draw(f32s(n)), data.draw(f32s(n))
    st_, _, _, buf, _, _ = run(MACHINE, f"kset g1, 0\nkset g2, 4096\nkset g3, 8192\nkset g4, {n}\n"
                                        f"{mn} g3, g1, g2, g4\nfinish\n", buf=_buf(a, b))
    f = buf.view(np.float32)
    assert st_ == 0
    np.testing.assert_array_equal(f[2048:2048 + n], BINARY[mn](a, b))
    assert not f[2048 + n:2048 + n + 8].any()


@covers(*UNARY)
@SETTINGS
@given(mn=st.sampled_from(sorted(UNARY)), data=st.data(), n=st.integers(0, 70))
def test_vector_unary_ops(mn, data, n):
    elems = st.floats(-80, 80, width=32) if mn in INEXACT else F32
    a = data.draw(f32s(n, elems))
    if mn == "ersqrt":
        a = np.abs(a) + np.float32(1e-3)
    if mn == "erecip":
        a = np.where(a == 0, np.float32(1), a)
    st_, _, _, buf, _, _ = run(MACHINE, f"kset g1, 0\nkset g3, 8192\nkset g4, {n}\n{mn} g3, g1, g4\nfinish\n",
                               buf=_buf(a))
    got = buf.view(np.float32)[2048:2048 + n]
    assert st_ == 0
    want = UNARY[mn](a).astype(np.float32)
    if mn in INEXACT:
        np.testing.assert_allclose(got, want, rtol=3e-7, atol=1e-38)
    else:
        np.testing.assert_array_equal(got, want)


@covers("eoffset", "escale")
@SETTINGS
@given(data=st.data(), n=st.integers(0, 70), s=F32)
def test_vector_scalar_register_ops(data, n, s):
    a = data.draw(f32s(n))
    st_, _, _, buf, _, _ = run(MACHINE, f"kset g1, 0\nkset g3, 8192\nkset g5, 12288\nkset g4, {n}\n"
                                        f"kfset g6, {float(s)!r}\neoffset g3, g1, g6, g4\nescale g5, g1, g6, g4\n"
                                        "finish\n", buf=_buf(a))
    f = buf.view(np.float32)
    assert st_ == 0
    np.testing.assert_array_equal(f[2048:2048 + n], a + s)
    np.testing.assert_array_equal(f[3072:3072 + n], a * s)


@covers("escalb", "eoffsetb")
@SETTINGS
@given(data=st.data(), n=st.integers(0, 70), s=F32, at=st.integers(0, 69))
def test_vector_scalar_buffer_ops(data, n, s, at):
    a = data.draw(f32s(n))
    st_, _, _, buf, _, _ = run(MACHINE, f"kset g1, 0\nkset g2, 4096\nkset g3, 8192\nkset g5, 12288\nkset g4, {n}\n"
                                        "escalb g3, g1, g2, g4\neoffsetb g5, g1, g2, g4\n"
                                        f"kset g6, {4 * at}\nescalb g1, g1, g6, g4\n"  # in place, scalar inside
                                        "finish\n", buf=_buf(a, np.float32([s])))
    f = buf.view(np.float32)
    assert st_ == 0
    np.testing.assert_array_equal(f[2048:2048 + n], a * s)
    np.testing.assert_array_equal(f[3072:3072 + n], a + s)
    x = np.zeros(max(n, at + 1), np.float32)
    x[:n] = a
    np.testing.assert_array_equal(f[:n], a * x[at])  # the scalar is read before it is overwritten


@covers("efold", "efoldmax")
@SETTINGS
@given(data=st.data(), n=st.integers(0, 300))
def test_vector_folds(data, n):
    a = data.draw(f32s(n))
    st_, stats, _, buf, _, _ = run(MACHINE, f"kset g1, 0\nkset g3, 8192\nkset g5, 8196\nkset g4, {n}\n"
                                            "efold g3, g1, g4\nefoldmax g5, g1, g4\nfinish\n", buf=_buf(a))
    f = buf.view(np.float32)
    total = 0.0
    for v in a:  # fp64 in index order, rounded once
        total += float(v)
    assert st_ == 0 and f[2048] == np.float32(total)
    assert f[2049] == (a.max() if n else -np.inf) and not f[2050:2060].any()
    assert stats[sim.S_BUSY0 + sim.U_VECTOR] == 2 * max(1, -(-n // CFG.vector_lanes))


@covers("dgeom", "dpull", "dpush")
@SETTINGS
@given(rows=st.integers(0, 8), rw=st.integers(0, 12), dstr=st.integers(-16, 16), lstr=st.integers(0, 16),
       seed=st.integers(0, 2**31))
def test_dma_2d_pull_and_push(rows, rw, dstr, lstr, seed):
    # a DRAM array of 256 words at byte 0 and an output array at byte 4096; rows of rw words, strides in words
    lstr = max(lstr, rw)
    start = 100
    dram = np.random.default_rng(seed).integers(-1000, 1000, 2048, dtype=np.int32)
    out0 = dram.copy()
    regions = np.array([[0, 1024], [4096, 8192]], np.int64)
    st_, _, _, buf, _, _ = run(MACHINE, f"""
        kset g1, {4 * rw}
        kset g2, {4 * dstr}
        kset g3, {4 * lstr}
        dgeom g1, g2, g3
        kset g4, {4 * start}
        kset g5, {rows}
        kset g6, 64
        dpull g6, g4, g5
        kset g7, {4096 + 4 * start}
        dpush g7, g6, g5
        finish
    """, dram=dram, regions=regions)
    assert st_ == 0
    want_buf = np.zeros(CFG.buf_bytes // 4, np.int32)
    want = out0.copy()
    for r in range(rows):
        seg = out0[start + r * dstr:start + r * dstr + rw]
        want_buf[16 + r * lstr:16 + r * lstr + rw] = seg
        want[1024 + start + r * dstr:1024 + start + r * dstr + rw] = seg
    np.testing.assert_array_equal(buf, want_buf)
    np.testing.assert_array_equal(dram, want)


@covers("dfill", "dspill", "dmove")
def test_dma_accumulator_paths():
    # DRAM holds a 6x10 matrix at byte 0; pull a 4x3 sub-block (rows 1.., cols 2..) with buffer stride ROWB,
    # fill accumulator rows from it, spill them back elsewhere, and move them to the buffer.
    dram = np.zeros(256, np.int32)
    m = np.arange(60, dtype=np.float32).reshape(6, 10)
    dram.view(np.float32)[:60] = m.ravel()
    regions = np.array([[0, 1024]], np.int64)
    st_, _, _, buf, acc, _ = run(MACHINE, """
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
    assert st_ == 0
    f = buf.view(np.float32)
    blk = m[1:5, 2:5]
    np.testing.assert_array_equal(f[:4 * D].reshape(4, D)[:, :3], blk)
    np.testing.assert_array_equal(acc[3:7, :3], blk)
    assert not acc[3:7, 3:].any() and not acc[:3].any() and not acc[7:].any()
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


def test_fold_then_buffer_scalar_chain_cycles(machine):
    # ksets @0,1,2; efold dispatched @3 -> starts 4, occupies ceil(40/16) = 3 cycles, its word is complete
    # 4+3+4-1 = 10. escalb dispatched @4: the vector unit is free at 7, but its scalar operand (the folded
    # word, another stripe) is not ready until 10: a 3-cycle data stall; complete 10+3+4-1 = 16.
    # finish @5 waits for every unit: 16 cycles.
    st_, stats, *_ = run(machine, """
        kset g1, 0
        kset g2, 40
        kset g3, 4096
        efold g3, g1, g2
        escalb g1, g1, g3, g2
        finish
    """)
    assert st_ == 0 and stats[sim.S_CYCLES] == 16 and stats[sim.S_ST_DATA] == 3
    assert stats[sim.S_BUSY0 + sim.U_VECTOR] == 6


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
