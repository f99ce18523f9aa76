"""SPIR-V candidates (language 'spirv'): the text format, the module reader, and every OpenCL starter
compiled to SPIR-V (clang-15 + llvm-spirv-15) and run through a SYCL kernel bundle and through
Intel's OpenCL CPU runtime; invalid modules get a located error, never a driver crash."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from kernelhub.models import Candidate, Severity
from tasks.elementwise import TASKS

ROOT = Path(__file__).resolve().parents[1]
try:
    import kernelhub_sycl
except ImportError:
    sys.path.insert(0, str(ROOT / "backends"))
    import kernelhub_sycl
import kernelhub_opencl
from kernelhub_opencl import spirv

from test_opencl_backend import CPU_RUNTIMES, check_starter, starter_names

SIG = TASKS[0].signature
VADD = (ROOT / "tasks" / "starters" / "opencl" / "vector_add.cl").read_text()
needs_toolchain = pytest.mark.skipif(spirv.toolchain() is None,
                                     reason=f"no clang + llvm-spirv on PATH ({spirv.INSTALL_TOOLCHAIN})")


def errors(result) -> list:
    return [d for d in result.diagnostics if d.severity == Severity.error]


@pytest.fixture(scope="module")
def vadd_spv() -> bytes:
    if spirv.toolchain() is None:
        pytest.skip(f"no clang + llvm-spirv on PATH ({spirv.INSTALL_TOOLCHAIN})")
    return spirv.compile_opencl(VADD)


@pytest.fixture(scope="module")
def sycl():
    b = kernelhub_sycl.SyclBackend()
    avail = b.probe()
    if not avail.run:
        pytest.skip(avail.reasons.get("run", "sycl unavailable"))
    return b


@pytest.fixture(scope="module")
def backends(sycl):
    """'sycl' and every OpenCL CPU runtime that loads SPIR-V (Intel's; PoCL 3.1 does not)."""
    from kernelhub_opencl.backend import loads_spirv
    from kernelhub_opencl.devices import all_devices
    out = {"sycl": sycl}
    for r in all_devices():
        if r.platform.name.strip() == CPU_RUNTIMES["intel"] and loads_spirv(r.device):
            out["opencl-intel"] = kernelhub_opencl.OpenCLBackend(device=r.index, label=r.label)
    return out


# ---------------------------------------------------------------- text format and module reader


def test_module_reader_finds_kernels_and_parameter_types(vadd_spv):
    text = spirv.encode(vadd_spv, VADD)
    assert text.splitlines()[:3] == VADD.splitlines()[:3]  # the directives travel with the module
    m = spirv.decode(text, "va.spv.txt")
    assert m.binary == vadd_spv and m.payload_line == 5
    assert [a[:2] for a in m.kernels["vector_add"]] == [("float*", "global")] * 3 + [("long", "private")]


def test_base64_lines_starting_with_slashes_are_payload():
    blob = b"\xff" * 60 + b"\x00" * 3  # base64 '////...': looks like a comment, is data
    text = spirv.encode(blob, "//! kernel: k\n//! global: n\n")
    assert any(line.startswith("////") for line in text.splitlines()[3:])
    assert spirv.payload(text)[0] == blob


@pytest.mark.parametrize("mutate,line,match", [
    (lambda t: VADD, 5, "is not a base64 character"),  # OpenCL C given as SPIR-V
    (lambda t: "\n".join(l for l in t.splitlines() if l.startswith("//")), 1, "no SPIR-V payload"),
    (lambda t: t.replace(t.splitlines()[4], "AAAA" + t.splitlines()[4][4:]), 5, "magic number"),
    (lambda t: "\n".join(t.splitlines()[:6]) + "\n", 5, "truncated|does not decode|32-bit words"),
    (lambda t: t[:-3] + "\n", 5, "does not decode|32-bit words|truncated"),
])
def test_invalid_payloads_get_located_errors(vadd_spv, mutate, line, match):
    with pytest.raises(spirv.SpirvError, match=match) as e:
        spirv.decode(mutate(spirv.encode(vadd_spv, VADD)), "bad.spv.txt")
    (d,) = e.value.diagnostics
    assert d.file == "bad.spv.txt" and d.line == line


def _mutated(binary: bytes, opcode: int, operand: int, value: int) -> bytes:
    words = [int.from_bytes(binary[i:i + 4], "little") for i in range(0, len(binary), 4)]
    i = 5
    while i < len(words):
        if words[i] & 0xFFFF == opcode:
            words[i + operand] = value
        i += words[i] >> 16
    return b"".join(w.to_bytes(4, "little") for w in words)


@pytest.mark.skipif(shutil.which("spirv-val") is None, reason="no spirv-val (apt-get install spirv-tools)")
def test_spirv_val_stops_modules_that_crash_drivers(vadd_spv):
    bad = _mutated(vadd_spv, 22, 2, 13)  # OpTypeFloat 13: Intel's CPU runtime aborts on it
    with pytest.raises(spirv.SpirvError, match="spirv-val.*OpTypeFloat") as e:
        spirv.load(spirv.encode(bad, VADD), "bad.spv.txt")
    assert e.value.diagnostics[0].line == 5


def test_no_entry_point_is_explained(vadd_spv):
    no_kernel = _mutated(vadd_spv, 15, 1, 3)  # OpEntryPoint's execution model: Kernel -> Fragment
    with pytest.raises(spirv.SpirvError, match="no kernel entry point"):
        spirv.decode(spirv.encode(no_kernel, VADD))


# ---------------------------------------------------------------- through the runtimes


#: Every starter through SYCL; through Intel's OpenCL runtime directly, a few (the same driver
#: builds both: the rest would double the time and test nothing new).
SPIRV_CASES = [(t, "sycl") for t in starter_names()] + [(t, "opencl-intel") for t in
                                                         ("vector_add", "matmul", "scatter_add", "prefix_sum")]


@needs_toolchain
@pytest.mark.parametrize("task_name,runtime", SPIRV_CASES)
def test_every_starter_as_spirv(backends, runtime, task_name):
    if runtime not in backends:
        pytest.skip(f"no {CPU_RUNTIMES['intel']!r} OpenCL device that loads SPIR-V (pip install intel-opencl-rt)")
    check_starter(backends[runtime], task_name, language="spirv")


@pytest.mark.parametrize("runtime", ["sycl", "opencl-intel"])
def test_argument_checks_read_the_module(backends, vadd_spv, runtime):
    if runtime not in backends:
        pytest.skip("no OpenCL device that loads SPIR-V")
    b = backends[runtime]
    src = VADD.replace("const long n", "const int n")
    r = b.compile(Candidate(backend=b.name, language="spirv", filename="k.spv.txt",
                            source=spirv.encode(spirv.compile_opencl(src), src)), SIG).result
    (d,) = errors(r)
    assert d.line == 1 and "int64" in d.message and "long" in d.message, d.message
    text = spirv.encode(vadd_spv, VADD.replace("//! kernel: vector_add", "//! kernel: vadd"))
    r = b.compile(Candidate(backend=b.name, language="spirv", filename="k.spv.txt", source=text), SIG).result
    (d,) = errors(r)
    assert d.line == 1 and "'vadd'" in d.message and "vector_add" in d.message
    r = b.compile(Candidate(backend=b.name, language="spirv", filename="k.spv.txt",
                            source=spirv.encode(vadd_spv, VADD)), SIG).result
    assert r.ok and r.profile.detail["spirv"]["version"] == "1.0"


def test_driver_log_on_rejected_module(sycl, vadd_spv):
    bad = _mutated(vadd_spv, 14, 2, 77)  # OpMemoryModel: an unknown memory model
    r = sycl.compile(Candidate(backend="sycl", language="spirv", filename="bad.spv.txt",
                               source=spirv.encode(bad, VADD)), SIG).result
    (d,) = errors(r)
    assert not r.ok and d.line == 5 and ("spirv-val" in d.message or "Memory model" in d.message), d.message


def test_pocl_says_it_cannot_load_spirv(vadd_spv):
    from kernelhub_opencl.backend import loads_spirv
    from kernelhub_opencl.devices import all_devices
    pocl = next((r for r in all_devices() if not loads_spirv(r.device)), None)
    if pocl is None:
        pytest.skip("every OpenCL device here loads SPIR-V")
    b = kernelhub_opencl.OpenCLBackend(device=pocl.index)
    r = b.compile(Candidate(backend=b.name, language="spirv", source=spirv.encode(vadd_spv, VADD)), SIG).result
    (d,) = errors(r)
    assert "cannot load SPIR-V" in d.message and "no IL version" in d.message
