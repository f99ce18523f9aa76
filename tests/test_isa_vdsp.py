"""The vector DSP simulator: instruction semantics against NumPy, every assembler
diagnostic with its exact line and column, hand-counted cycle totals, faults, and the
vector_add starter through the real evaluation pipeline."""

from __future__ import annotations

import functools
import textwrap

import numpy as np
import pytest

from kernelhub.backend import CandidateError, KernelArgs
from isa_sims.core.asm import AsmError, Assembler, f32_bits
from isa_sims.vdsp import sim
from isa_sims.vdsp.backend import Machine, VdspBackend
from isa_sims.vdsp.isa import CONFIGS, VDSP_ISA, replace
from conftest import SemanticsCoverage, isa_sims_evaluator, small_task

pytest.importorskip("hypothesis", reason="the property-based semantics tests need hypothesis (dev extra)")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

CFG = CONFIGS["default"]


@pytest.fixture(scope="module")
def machine():
    return Machine(CFG)


def asm(src: str):
    return Assembler(VDSP_ISA, CFG.symbols(), CFG.spad_bytes).assemble(textwrap.dedent(src), "k.s")


def run(machine, src, sreg=None, spad=None, dram=None, regions=None, max_cycles=None):
    p = asm(src)
    sreg = np.zeros(32, np.int64) if sreg is None else sreg
    dram = np.zeros(16, np.int32) if dram is None else dram
    regions = np.zeros((0, 2), np.int64) if regions is None else regions
    status, stats, fault, vreg, spad = machine.run(p.code, sreg, dram, regions, max_cycles=max_cycles, spad=spad)
    return status, stats, fault, vreg, spad, sreg


# ---------------------------------------------------------------- semantics vs numpy
#
# Every instruction of the table has a semantics test here; ``covers`` records which, and
# test_every_instruction_has_a_semantics_test fails when a row of the ISA table has none (so a new
# instruction cannot go untested). Property-based (hypothesis): random operands, vector lengths,
# addresses and transfer geometries, each run on the simulator and compared with NumPy / Python.

covers = SemanticsCoverage()
COVERED = covers.covered


@functools.lru_cache(maxsize=1)
def _machine() -> Machine:
    return Machine(CFG)


PROP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
F32 = st.floats(-1e3, 1e3, width=32)
VLS = st.integers(0, CFG.vlmax)


def vrun(src: str, vl: int, vregs: dict[int, np.ndarray], sreg: dict[int, int] | None = None):
    """Run ``src`` with VL = vl and the given vector/scalar registers preset; return (vreg, sreg)."""
    vreg = np.zeros((16, CFG.vlmax), np.float32)
    for r, x in vregs.items():
        vreg[r] = x
    s = np.zeros(32, np.int64)
    s[30] = vl
    for r, x in (sreg or {}).items():
        s[r] = x
    status, *_ = _machine().run(asm("vlen s31, s30\n" + textwrap.dedent(src) + "\nstop\n").code, s,
                                np.zeros(16, np.int32), np.zeros((0, 2), np.int64), vreg=vreg)
    assert status == 0
    return vreg, s


def vec():
    return hnp.arrays(np.float32, CFG.vlmax, elements=F32)


def _lanes(got: np.ndarray, want: np.ndarray, old: np.ndarray, vl: int) -> None:
    np.testing.assert_array_equal(got[:vl], want[:vl])
    np.testing.assert_array_equal(got[vl:], old[vl:])  # lanes >= VL keep their values


BINARY = {"vplus": np.add, "vminus": np.subtract, "vtimes": np.multiply, "vquot": np.divide,
          "vhigh": np.maximum, "vlow": np.minimum}


@covers(*BINARY)
@PROP
@given(mn=st.sampled_from(sorted(BINARY)), a=vec(), b=vec(), d=vec(), vl=VLS)
def test_binary_vector_ops(mn, a, b, d, vl):
    vreg, _ = vrun(f"{mn} v3, v1, v2", vl, {1: a, 2: b, 3: d})
    with np.errstate(divide="ignore", invalid="ignore"):
        _lanes(vreg[3], BINARY[mn](a, b), d, vl)


def test_float_division_by_zero_is_ieee_not_a_fault():
    a = np.array([1, -1, 0] + [1] * (CFG.vlmax - 3), np.float32)
    vreg, s = vrun("vquot v3, v1, v2\nfquot s5, s6, s7", 3, {1: a, 2: np.zeros(CFG.vlmax, np.float32)},
                   {6: f32_bits(-2.0), 7: f32_bits(0.0)})
    assert vreg[3, 0] == np.inf and vreg[3, 1] == -np.inf and np.isnan(vreg[3, 2])
    assert _fbits(s[5]) == -np.inf


@covers("vmacc", "vmacck", "vplusk", "vtimesk", "vbcast", "vmove", "vzero")
@PROP
@given(a=vec(), b=vec(), d=vec(), s=F32, vl=VLS)
def test_vector_scalar_and_accumulate_ops(a, b, d, s, vl):
    src = """
        vmacc v3, v1, v2
        vmacck v4, v1, s4
        vplusk v5, v1, s4
        vtimesk v6, v1, s4
        vbcast v7, s4
        vmove v8, v1
        vzero v9
    """
    vreg, _ = vrun(src, vl, {1: a, 2: b, 3: d, 4: d, 5: d, 6: d, 7: d, 8: d, 9: d}, {4: f32_bits(s)})
    s = np.float32(s)
    _lanes(vreg[3], d + a * b, d, vl)  # two fp32 roundings, as numpy float32 does
    _lanes(vreg[4], d + a * s, d, vl)
    _lanes(vreg[5], a + s, d, vl)
    _lanes(vreg[6], a * s, d, vl)
    _lanes(vreg[7], np.full(CFG.vlmax, s, np.float32), d, vl)
    _lanes(vreg[8], a, d, vl)
    _lanes(vreg[9], np.zeros(CFG.vlmax, np.float32), d, vl)


@covers("vexp")
@PROP
@given(a=hnp.arrays(np.float32, CFG.vlmax, elements=st.floats(-110, 100, width=32)), d=vec(), vl=VLS)
def test_vexp_is_float64_exp_rounded_once(a, d, vl):
    vreg, _ = vrun("vexp v3, v1", vl, {1: a, 3: d})
    with np.errstate(over="ignore"):
        want = np.exp(a.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_max_ulp(vreg[3, :vl], want[:vl], maxulp=1)  # libm exp vs numpy's, then rounded
    np.testing.assert_array_equal(vreg[3, vl:], d[vl:])
    assert np.isinf(vrun("vexp v3, v1", 1, {1: np.full(CFG.vlmax, 100, np.float32)})[0][3, 0])  # overflow


def _fbits(x: int) -> np.float32:
    return np.array([x & 0xFFFFFFFF], np.uint32).view(np.float32)[0]


@covers("vfold", "vfoldhigh")
@PROP
@given(a=vec(), vl=VLS)
def test_folds(a, vl):
    _, s = vrun("vfold s5, v1\nvfoldhigh s6, v1", vl, {1: a})
    acc = np.float32(0)
    for x in a[:vl]:
        acc = np.float32(acc + x)  # fp32, in lane order
    assert s[5] == f32_bits(acc)
    assert _fbits(s[6]) == (a[:vl].max() if vl else -np.inf)


@covers("vlen")
@PROP
@given(n=st.integers(-(1 << 40), 1 << 40))
def test_vlen_clamps(n):
    _, s = vrun("vlen s5, s4", 0, {}, {4: n})
    assert s[5] == min(max(n, 0), CFG.vlmax)


def srun(src: str, regs: dict[int, int]) -> np.ndarray:
    s = np.zeros(32, np.int64)
    for r, x in regs.items():
        s[r] = x
    status, *_ = _machine().run(asm(textwrap.dedent(src) + "\nstop\n").code, s, np.zeros(16, np.int32),
                                np.zeros((0, 2), np.int64))
    assert status == 0
    return s


INT = st.integers(-(1 << 31), (1 << 31) - 1)
INT_OPS = {"iplus": lambda a, b: a + b, "iminus": lambda a, b: a - b, "itimes": lambda a, b: a * b,
           "ilow": min, "ihigh": max, "iband": lambda a, b: a & b,
           "iquot": lambda a, b: a // b, "irem": lambda a, b: a - b * (a // b)}


@covers(*INT_OPS, "iplusk", "itimesk", "ishift", "iput", "icopy")
@PROP
@given(a=INT, b=INT, k=INT, sh=st.integers(-63, 31))
def test_integer_ops(a, b, k, sh):
    b = b or 1  # division by zero is a fault (test_division_by_zero_faults)
    names = sorted(INT_OPS)
    s = srun("\n".join(f"{mn} s{10 + n}, s1, s2" for n, mn in enumerate(names))
             + f"\niplusk s5, s1, {k}\nitimesk s6, s1, {k}\nishift s7, s1, {sh}\niput s8, {k}\nicopy s9, s1",
             {1: a, 2: b})
    for n, mn in enumerate(names):
        assert s[10 + n] == INT_OPS[mn](a, b), mn
    assert (s[5], s[6], s[8], s[9]) == (a + k, a * k, k, a)
    assert s[7] == (a << sh if sh >= 0 else a >> -sh)


def test_division_by_zero_faults():
    p = asm("iput s1, 5\niquot s2, s1, s3\nstop\n")
    status, *_ = _machine().run(p.code, np.zeros(32, np.int64), np.zeros(16, np.int32), np.zeros((0, 2), np.int64))
    assert status == sim.F_DIVZERO


F32_ANY = st.floats(width=32, allow_nan=False, allow_infinity=False)


@covers("fplus", "ftimes", "fquot", "frsqrt", "ffromi", "fput")
@PROP
@given(x=F32_ANY, y=F32_ANY, n=st.integers(-(1 << 40), 1 << 40))
def test_float_scalar_ops(x, y, n):
    s = srun(f"fplus s3, s1, s2\nftimes s4, s1, s2\nfquot s5, s1, s2\nfrsqrt s6, s1\nffromi s7, s8\n"
             f"fput s9, {x!r}", {1: f32_bits(x), 2: f32_bits(y), 8: n})
    x32, y32 = np.float32(x), np.float32(y)
    with np.errstate(all="ignore"):
        want = [x32 + y32, x32 * y32, x32 / y32,
                np.float32(1.0 / np.sqrt(np.float64(x32))) if x32 > 0 else (np.inf if x32 == 0 else np.nan),
                np.float32(n)]
    for r, w in zip((3, 4, 5, 6, 7), want):
        got = _fbits(s[r])
        assert (np.isnan(got) and np.isnan(w)) or got == w, (r, got, w)
    assert s[9] == f32_bits(x)


@covers("goto", "whenz", "whennz", "whenlt", "whenge", "again", "stop")
@PROP
@given(a=st.integers(-5, 5), b=st.integers(-5, 5), n=st.integers(1, 20))
def test_control_flow(a, b, n):
    s = srun(f"""
        whenz  s1, z
        iput   s10, 2
    z:  whennz s1, nz
        iput   s11, 2
    nz: whenlt s1, s2, lt
        iput   s12, 2
    lt: whenge s1, s2, ge
        iput   s13, 2
    ge: iput   s3, {n}
    lp: iplusk s14, s14, 1
        again  s3, lp
        goto   end
        iput   s15, 1
    end: stop
        iput   s16, 1
    """, {1: a, 2: b})
    assert [s[10] != 2, s[11] != 2, s[12] != 2, s[13] != 2] == [a == 0, a != 0, a < b, a >= b]
    assert s[14] == n and s[3] == 0  # again: a counted loop
    assert s[15] == 0 and s[16] == 0  # goto skips; nothing runs after stop


@covers("vget", "vput", "sget", "sput")
@PROP
@given(a=vec(), vl=VLS, w1=st.integers(0, 1000), w2=st.integers(0, 1000), val=st.integers(-(1 << 40), 1 << 40))
def test_scratchpad_loads_and_stores(a, vl, w1, w2, val):
    spad = np.zeros(CFG.spad_bytes // 4, np.int32)
    spad.view(np.float32)[w1:w1 + CFG.vlmax] = a
    s = np.zeros(32, np.int64)
    s[1], s[2], s[3], s[30] = 4 * w1, 4 * w2 + 8192, val, vl
    p = asm("vlen s31, s30\nvget v1, [s1]\nvput v1, [s2+8]\nsput s3, [s1+4]\nsget s4, [s1+4]\nstop\n")
    status, _, _, vreg, spad = _machine().run(p.code, s, np.zeros(16, np.int32), np.zeros((0, 2), np.int64),
                                              spad=spad)
    assert status == 0
    np.testing.assert_array_equal(vreg[1, :vl], a[:vl])
    f = spad.view(np.float32)
    np.testing.assert_array_equal(f[w2 + 2050:w2 + 2050 + vl], a[:vl])
    assert f[w2 + 2050 + vl] == 0  # vput writes VL lanes only
    low = val & 0xFFFFFFFF
    assert s[4] == (low - (1 << 32) if low >= 1 << 31 else low)  # sput keeps 32 bits; sget sign-extends


@covers("xin", "xout", "xwait", "xshape", "xin2", "xout2")
@PROP
@given(rows=st.integers(1, 6), roww=st.integers(1, 20), dgap=st.integers(0, 5), sgap=st.integers(0, 5),
       n=st.integers(1, 100), seed=st.integers(0, 99))
def test_dma_transfers(rows, roww, dgap, sgap, n, seed):
    rng = np.random.default_rng(seed)
    base = 4096
    dram = np.zeros(base // 4 + 2048, np.int32)
    src = rng.integers(-1000, 1000, 1024).astype(np.int32)
    dram[base // 4:base // 4 + 1024] = src
    regions = np.array([[base, base + 4096], [base + 4096, base + 8192]], np.int64)
    s = np.zeros(32, np.int64)
    s[0], s[1] = base, base + 4096  # input, output arrays
    s[20], s[21], s[22] = 4 * roww, 4 * (roww + dgap), 4 * (roww + sgap)
    s[5], s[6], s[7], s[8], s[9] = 4 * n, rows, 0, 8192, 16384
    p = asm("""
        xin    s7, s0, s5, 0
        xshape s20, s21, s22
        xin2   s8, s0, s6, 1
        xwait  0
        xwait  1
        xout   s1, s7, s5, 2
        xwait  2
        iplusk s10, s1, 1024
        xout2  s10, s8, s6, 3
        stop
    """)  # the last transfer is never waited for: stop drains it
    status, _, _, _, spad = _machine().run(p.code, s, dram, regions)
    assert status == 0
    np.testing.assert_array_equal(spad[:n], src[:n])
    rows_in = np.stack([src[r * (roww + dgap):r * (roww + dgap) + roww] for r in range(rows)])
    got = np.stack([spad[2048 + r * (roww + sgap):2048 + r * (roww + sgap) + roww] for r in range(rows)])
    np.testing.assert_array_equal(got, rows_in)
    out = dram[(base + 4096) // 4:]
    np.testing.assert_array_equal(out[:n], src[:n])
    back = np.stack([out[256 + r * (roww + dgap):256 + r * (roww + dgap) + roww] for r in range(rows)])
    np.testing.assert_array_equal(back, rows_in)


def test_every_instruction_has_a_semantics_test():
    missing = sorted(i.mnemonic for i in VDSP_ISA.instrs if i.mnemonic not in COVERED)
    assert not missing, f"instructions of the vdsp ISA table without a semantics test: {missing}"
    assert COVERED <= set(VDSP_ISA.by_mnemonic), sorted(COVERED - set(VDSP_ISA.by_mnemonic))


# ---------------------------------------------------------------- assembler diagnostics


def diag(src: str):
    with pytest.raises(AsmError) as e:
        Assembler(VDSP_ISA, CFG.symbols(), CFG.spad_bytes).assemble(src, "k.s")  # no dedent: columns matter
    d = e.value.diagnostics[0]
    return d.line, d.column, d.message


def test_unknown_mnemonic_suggests_nearest():
    line, col, msg = diag("stop\n   vplsu v1, v2, v3\n")
    assert (line, col) == (2, 4) and "vplsu" in msg and "vplus" in msg


def test_wrong_operand_count():
    line, col, msg = diag("  vplus v1, v2\n")
    assert (line, col) == (1, 3) and "takes 3 operand" in msg and "vplus vD, vA, vB" in msg


def test_wrong_operand_kind():
    line, col, msg = diag("  iplus s1, s2, 5\n")
    assert (line, col) == (1, 17) and "scalar register" in msg


def test_immediate_out_of_range():
    line, col, msg = diag("x: ishift s1, s1, 64\n")
    assert (line, col) == (1, 19) and "out of range" in msg and "-63..63" in msg


def test_undefined_label():
    line, col, msg = diag("top: iput s1, 1\n  goto tpo\n")
    assert (line, col) == (2, 8) and "undefined label 'tpo'" in msg and "top" in msg


def test_duplicate_label():
    line, col, msg = diag("a: stop\n  a: stop\n")
    assert (line, col) == (2, 3) and "duplicate label" in msg and "line 1" in msg


def test_wrong_register_class():
    line, col, msg = diag("  vplus v1, s2, v3\n")
    assert (line, col) == (1, 13) and "wrong register class" in msg and "vector register" in msg


def test_register_out_of_range():
    line, col, msg = diag("  vzero v16\n")
    assert (line, col) == (1, 9) and "v0..v15" in msg


def test_static_scratchpad_address_out_of_bounds():
    line, col, msg = diag("  vget v1, [SPAD]\n")
    assert (line, col) == (1, 13) and "out of bounds" in msg and str(CFG.spad_bytes) in msg


def test_misaligned_static_address():
    line, col, msg = diag("  sget s1, [6]\n")
    assert (line, col) == (1, 13) and "misaligned" in msg


def test_all_errors_reported_at_once():
    with pytest.raises(AsmError) as e:
        asm("bogus\n  vzero v99\n  goto nowhere\n")
    assert [d.line for d in e.value.diagnostics] == [1, 2, 3]


# ---------------------------------------------------------------- hand-counted cycles


def test_dependent_chain_cycles(machine):
    # iput@0 (ready 1); iplus@1 (ready 2); iplus@2 (ready 3); itimes@3 (smul lat 3: ready 6);
    # iplus waits for s4: issue 6 (2 data-stall cycles); stop@7 -> 8 cycles.
    status, stats, *_ = run(machine, """
        iput s1, 1
        iplus s2, s1, s1
        iplus s3, s2, s2
        itimes s4, s3, s3
        iplus s5, s4, s1
        stop
    """)
    assert status == 0
    assert stats[sim.S_CYCLES] == 8 and stats[sim.S_RETIRED] == 6 and stats[sim.S_ST_DATA] == 2


def _dma_program(overlap: bool, chain: int = 40) -> str:
    work = "\n".join("    iplusk s3, s3, 1" for _ in range(chain))
    head = "    iput s1, 0\n    iput s2, 1024\n    xin s1, s0, s2, 0\n"
    return head + (work + "\n    xwait 0\n" if overlap else "    xwait 0\n" + work + "\n") + "    stop\n"


def test_dma_overlapped_and_not(machine):
    # xin issues at 2 (s2 ready at 2); the engine starts at 3, moves 1024 B at 32 B/cycle (32 cycles)
    # and completes 80 cycles later: done at 3 + 32 + 80 = 115.
    dram = np.zeros(2048, np.int32)
    dram[1024:1280] = np.arange(256)
    regions = np.array([[4096, 4096 + 1024]], np.int64)
    sreg = np.zeros(32, np.int64)
    sreg[0] = 4096
    # not overlapped: xwait@3 stalls to 115, 40 dependent adds issue 116..155, stop@156 -> 157
    st, stats, *_, spad, _ = run(machine, _dma_program(False), sreg=sreg.copy(), dram=dram, regions=regions)
    assert st == 0 and stats[sim.S_CYCLES] == 157 and stats[sim.S_ST_DMAWAIT] == 112
    np.testing.assert_array_equal(spad[:256], np.arange(256))
    # overlapped: adds issue 3..42, xwait@43 stalls to 115, stop@116 -> 117
    st, stats, *_ = run(machine, _dma_program(True), sreg=sreg.copy(), dram=dram, regions=regions)
    assert st == 0 and stats[sim.S_CYCLES] == 117 and stats[sim.S_ST_DMAWAIT] == 72
    assert stats[sim.S_DRAM_RD] == 1024 and stats[sim.S_BUSY0 + 4] == 32


def test_data_is_visible_only_after_the_wait(machine):
    dram = np.zeros(2048, np.int32)
    dram[1024] = 99
    sreg = np.zeros(32, np.int64)
    sreg[0] = 4096
    st, *_, spad, sreg = run(machine, """
        iput s1, 0
        iput s2, 4
        xin s1, s0, s2, 0
        sget s5, [0]
        xwait 0
        sget s6, [0]
        stop
    """, sreg=sreg, dram=dram, regions=np.array([[4096, 4100]], np.int64))
    assert st == 0 and sreg[5] == 0 and sreg[6] == 99


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


def test_out_of_bounds_write_names_the_line():
    b = VdspBackend()
    prog = _compile(b, """
        iput s5, 0
        iput s6, 64
        iplusk s7, s2, 4096
        xout s7, s5, s6, 0
        stop
    """)
    with pytest.raises(CandidateError) as e:
        b.run(prog, _args())
    msg = str(e.value)
    assert "DRAM access outside" in msg and "bad.s:5" in msg and "xout s7, s5, s6, 0" in msg and "s7=" in msg


def test_scratchpad_fault_and_misaligned():
    b = VdspBackend()
    with pytest.raises(CandidateError, match="scratchpad access out of bounds.*bad.s:3"):
        b.run(_compile(b, "iput s5, SPAD\nvlen s6, s5\nvget v0, [s5]\nstop\n"), _args())
    with pytest.raises(CandidateError, match="misaligned.*bad.s:2"):
        b.run(_compile(b, "iput s5, 2\nsget s1, [s5]\nstop\n"), _args())


def test_infinite_loop_hits_the_cycle_limit():
    b = VdspBackend(replace(CFG, name="tiny", max_cycles=100_000))
    with pytest.raises(CandidateError, match="cycle limit exceeded.*bad.s:2"):
        b.run(_compile(b, "iput s1, 1\nspin: goto spin\n"), _args())


def test_falling_off_the_end():
    b = VdspBackend()
    with pytest.raises(CandidateError, match="left the program"):
        b.run(_compile(b, "iput s1, 1\n"), _args())


# ---------------------------------------------------------------- the backend through the pipeline


@pytest.fixture(scope="module")
def isa_evaluator():
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    limits = Limits(compile_timeout_s=60, run_timeout_s=30, memory_bytes=1 << 30)
    with isa_sims_evaluator(policy=TimingPolicy.quick(), limits=limits) as ev:
        yield ev


def test_vector_add_starter_is_correct(isa_evaluator):
    from kernelhub.models import Candidate, Status
    ev = isa_evaluator
    task = small_task("vector_add", [{"n": 1000}, {"n": 70_001}], [{"n": 1}, {"n": 1537}])
    src = ev.registry.starter(task, "vdsp")
    res = ev.evaluate(task, Candidate(backend="vdsp", source=src, filename="vector_add.s"))
    assert res.status == Status.correct, res.message
    assert res.timings and not res.timings[0].candidate.device_time
    assert "simulated" in res.timings[0].candidate.method
    assert res.device.startswith("vdsp simulator")


def test_pipeline_statuses(isa_evaluator):
    from kernelhub.models import Candidate, Status
    ev = isa_evaluator
    task = small_task("vector_add", [{"n": 1000}], [])
    res = ev.evaluate(task, Candidate(backend="vdsp", source="  vplsu v1, v2, v3\n", filename="c.s"))
    assert res.status == Status.compile_error and res.compile.diagnostics[0].line == 1
    res = ev.evaluate(task, Candidate(backend="vdsp", source="iput s9, 64\nxout s1, s0, s9, 0\nstop\n",
                                      filename="c.s"))  # writes into an input: caught by the harness
    assert res.status == Status.integrity_violation, res.message
    res = ev.evaluate(task, Candidate(backend="vdsp", source="iput s9, 64\niplusk s1, s2, 8192\n"
                                      "xout s1, s0, s9, 0\nstop\n", filename="c.s"))
    assert res.status == Status.runtime_error and "c.s:3" in res.message
    res = ev.evaluate(task, Candidate(backend="vdsp", source="stop\n", filename="c.s"))
    assert res.status == Status.incorrect  # outputs still poisoned


def test_manual_is_generated_from_the_table():
    text = VdspBackend().manual()
    for ins in VDSP_ISA.instrs:
        assert f"`{ins.syntax()}`" in text
    assert "simulated" in text and "Calling convention" in text
