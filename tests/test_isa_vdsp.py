"""The vector DSP simulator: instruction semantics against NumPy, every assembler
diagnostic with its exact line and column, hand-counted cycle totals, faults, and the
vector_add starter through the real evaluation pipeline."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from kernelhub.backend import CandidateError, KernelArgs
from isa_sims.core.asm import AsmError, Assembler, f32_bits
from isa_sims.vdsp import sim
from isa_sims.vdsp.backend import Machine, VdspBackend
from isa_sims.vdsp.isa import CONFIGS, VDSP_ISA, replace
from conftest import isa_sims_evaluator, small_task

CFG = CONFIGS["default"]
VL = 37  # fewer than VLMAX lanes: lanes >= VL must keep their values


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

BINARY = {"vplus": np.add, "vminus": np.subtract, "vtimes": np.multiply, "vquot": np.divide,
          "vhigh": np.maximum, "vlow": np.minimum}


def _vectors(machine, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(CFG.vlmax).astype(np.float32)
    b = (rng.standard_normal(CFG.vlmax) + 3).astype(np.float32)
    d = rng.standard_normal(CFG.vlmax).astype(np.float32)
    spad = np.zeros(CFG.spad_bytes // 4, np.int32)
    f = spad.view(np.float32)
    f[0:CFG.vlmax], f[CFG.vlmax:2 * CFG.vlmax], f[2 * CFG.vlmax:3 * CFG.vlmax] = a, b, d
    return a, b, d, spad


PRE = f"""
    vget v1, [0]
    vget v2, [VBYTES]
    vget v3, [2*VBYTES]
    iput s9, {VL}
    vlen s9, s9
"""


@pytest.mark.parametrize("mn", sorted(BINARY))
def test_binary_vector_ops(machine, mn):
    a, b, d, spad = _vectors(machine)
    status, *_, vreg, spad2, _ = run(machine, PRE + f"    {mn} v3, v1, v2\n    stop\n", spad=spad)
    assert status == 0
    np.testing.assert_array_equal(vreg[3, :VL], BINARY[mn](a[:VL], b[:VL]))
    np.testing.assert_array_equal(vreg[3, VL:], d[VL:])  # untouched beyond VL


def test_multiply_accumulate_and_scalar_forms(machine):
    a, b, d, spad = _vectors(machine, 1)
    src = PRE + """
        fput s4, 1.5
        vmove v4, v3
        vmacc v3, v1, v2
        vmacck v4, v1, s4
        vplusk v5, v1, s4
        vtimesk v6, v1, s4
        vbcast v7, s4
        vfold s5, v1
        stop
    """
    status, *_, vreg, _, sreg = run(machine, src, spad=spad)
    assert status == 0
    s = np.float32(1.5)
    np.testing.assert_array_equal(vreg[3, :VL], d[:VL] + a[:VL] * b[:VL])
    np.testing.assert_array_equal(vreg[4, :VL], d[:VL] + a[:VL] * s)
    np.testing.assert_array_equal(vreg[5, :VL], a[:VL] + s)
    np.testing.assert_array_equal(vreg[6, :VL], a[:VL] * s)
    np.testing.assert_array_equal(vreg[7, :VL], np.full(VL, s, np.float32))
    acc = np.float32(0)
    for x in a[:VL]:
        acc = np.float32(acc + x)
    assert sreg[5] == f32_bits(acc)


def test_scalar_ops_and_stores(machine):
    src = """
        iput s1, -7
        iput s2, 3
        iquot s3, s1, s2
        irem s4, s1, s2
        ishift s5, s2, 4
        ishift s6, s1, -1
        ilow s7, s1, s2
        ihigh s8, s1, s2
        ffromi s10, s2
        fput s11, 0.25
        ftimes s12, s10, s11
        sput s12, [16]
        sget s13, [16]
        vput v0, [64]
        stop
    """
    status, *_, spad, sreg = run(machine, src)
    assert status == 0
    assert list(sreg[3:9]) == [-3, 2, 48, -4, -7, 3]
    assert sreg[12] == sreg[13] == f32_bits(0.75)


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
    with isa_sims_evaluator(policy=TimingPolicy.quick(), limits=Limits(compile_timeout_s=60, run_timeout_s=30, memory_bytes=1 << 30)) as ev:
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
