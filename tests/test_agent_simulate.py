"""The `simulate` tool: one traced run on a simulated machine, in a worker, through the SDK client."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
pytest.importorskip("numba", reason="the simulators need numba: pip install numba")

from kernelhub.agent.tools import ArgumentError, EvaluatorPool, KernelTools  # noqa: E402
from kernelhub.agent.scripted import misspell  # noqa: E402

TASK = "agent_tiny_add"
STARTER = (ROOT / "isa_sims/vdsp/starters/vector_add.s").read_text()
# reads 8 MiB past the first input: a DRAM fault on the first transfer
FAULTY = "iput s20, 8388608\niplus s0, s0, s20\n" + STARTER


@pytest.fixture(scope="module", autouse=True)
def agent_plugin():
    """Register the small test task for this module only (workers inherit the variable), and put
    the process-wide registry back afterwards so other modules never see it."""
    from kernelhub.plugins import reset_registry
    old = os.environ.get("KERNELHUB_PLUGINS")
    os.environ["KERNELHUB_PLUGINS"] = ",".join(filter(None, [old, "test_agent_plugin"]))
    reset_registry()
    yield
    if old is None:
        os.environ.pop("KERNELHUB_PLUGINS", None)
    else:
        os.environ["KERNELHUB_PLUGINS"] = old
    reset_registry()


@pytest.fixture(scope="module")
def kt(agent_plugin):
    pool = EvaluatorPool(size=1)
    yield KernelTools(pool)
    pool.close()


def test_fault_window_names_the_faulting_line(kt) -> None:
    v = kt.simulate(TASK, "vdsp", FAULTY, window=4, filename="bad.s")
    assert v.ok and v.stopped == "fault", v
    assert "DRAM access outside" in v.message and "bad.s:" in v.message
    last = v.instructions[-1]
    assert last.mnemonic.startswith("x") and last.line and last.source  # the faulting DMA instruction
    assert len(v.instructions) == 4 and [i.seq for i in v.instructions] == sorted(i.seq for i in v.instructions)
    assert v.registers["s0"] == 4096 + 8388608  # the bad base address the candidate made


def test_chosen_cycle_and_finished_run(kt) -> None:
    done = kt.simulate(TASK, "vdsp", STARTER, window=3)
    assert done.stopped == "finished" and done.instructions[-1].mnemonic == "stop" and done.cycle > 200
    at = kt.simulate(TASK, "vdsp", STARTER, cycle=100, window=3)
    assert at.stopped == "cycle" and at.message is None and at.retired < done.retired
    assert all(i.cycle <= 100 for i in at.instructions) and len(at.vector_registers["v0"]) == 8


def test_mesh_tile_window(kt) -> None:
    src = (ROOT / "isa_sims/mesh/starters/vector_add.s").read_text()
    v = kt.simulate(TASK, "mesh", src, shape={"n": 3000}, window=5, tile=3)
    assert v.stopped == "finished" and v.tile == 3 and v.shape == {"n": 3000}
    assert v.instructions and all(i.tile == 3 for i in v.instructions) and v.registers["h0"]


def test_compile_error_and_bad_arguments(kt) -> None:
    bad = kt.simulate(TASK, "vdsp", misspell(STARTER))
    assert not bad.ok and bad.diagnostics and "vplsu" in bad.diagnostics[0].message
    for kw, arg in (({"backend": "numpy"}, "backend"), ({"shape": 9}, "shape"), ({"shape": {"m": 3}}, "shape"),
                    ({"window": 0}, "window"), ({"cycle": -1}, "cycle")):
        with pytest.raises(ArgumentError, match=f"argument '{arg}'"):
            kt.simulate(**({"task": TASK, "backend": "vdsp", "source": STARTER} | kw))
    assert not kt.simulate(TASK, "mesh", STARTER).ok  # vdsp code on the mesh: assembler errors


def test_simulate_over_mcp() -> None:
    mcp = pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install 'kernelhub[agent]'")
    import anyio
    from mcp import StdioServerParameters
    params = StdioServerParameters(command=sys.executable, args=["-m", "kernelhub.agent.mcp_server"], cwd=str(ROOT),
                                   env={"KERNELHUB_PLUGINS": "test_agent_plugin", "PYTHONPATH": os.pathsep.join(
                                       [str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")])})

    async def main() -> None:
        async with mcp.Client(params) as client:
            r = await client.call_tool("simulate", {"task": TASK, "backend": "vdsp", "source": FAULTY, "window": 2})
            assert not r.is_error and r.structured_content["stopped"] == "fault"
            assert len(r.structured_content["instructions"]) == 2
            e = await client.call_tool("simulate", {"task": TASK, "backend": "numpy", "source": FAULTY})
            assert e.is_error and "argument 'backend'" in e.content[0].text
    anyio.run(main)
