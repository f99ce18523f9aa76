"""The MCP server, driven by the official SDK's own client over stdio and streamable HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

mcp = pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install 'kernelhub[agent]'")
anyio = pytest.importorskip("anyio")
from mcp import Client, StdioServerParameters  # noqa: E402
from kernelhub.agent.scripted import misspell  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STARTER = (ROOT / "isa_sims/vdsp/starters/vector_add.s").read_text()
BROKEN = misspell(STARTER)  # a typo on one line
TASK = "agent_tiny_add"  # tests/test_agent_plugin.py: vector_add with small shapes


def _env() -> dict[str, str]:
    return {"KERNELHUB_PLUGINS": "test_agent_plugin",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def _session_walk(client: Client) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    assert {"list_backends", "backend_manual", "list_tasks", "get_task", "compile", "evaluate"} <= names
    evaluate_tool = next(t for t in (await client.list_tools()).tools if t.name == "evaluate")
    assert evaluate_tool.output_schema and "candidate_hash" in evaluate_tool.output_schema["properties"]

    manual = await client.call_tool("backend_manual", {"backend": "vdsp"})
    assert not manual.is_error and "vdsp-asm" in _text(manual)

    task = await client.call_tool("get_task", {"task": TASK, "backend": "vdsp"})
    view = task.structured_content
    assert "heldout_shapes" not in view and view["heldout_shape_count"] == 2
    assert "def vector_add" in view["reference_source"]

    comp = await client.call_tool("compile", {"task": TASK, "backend": "vdsp", "source": BROKEN})
    diag = comp.structured_content["diagnostics"][0]
    assert comp.structured_content["ok"] is False and "vplsu" in diag["message"] and diag["line"]

    bad = await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp", "source": BROKEN,
                                              "filename": "add.s"})
    assert not bad.is_error and bad.structured_content["status"] == "compile_error"
    assert f"add.s:{diag['line']}" in _text(bad)

    good = await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp", "source": STARTER,
                                               "filename": "add.s",
                                               "previous": bad.structured_content["candidate_hash"]})
    ev = good.structured_content
    assert ev["status"] == "correct" and ev["reward"] > 0.5, _text(good)
    assert all(r["shape"]["values"] == {} for r in ev["runs"] if r["purpose"] == "heldout")  # never leaked
    assert "CORRECT" in _text(good) and "since your previous attempt: status compile_error -> correct" in _text(good)

    # malformed arguments: a tool error naming the argument, and the server keeps serving
    missing = await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp"})
    assert missing.is_error and "source" in _text(missing)
    wrong = await client.call_tool("get_task", {"task": TASK, "backend": "no_such_backend"})
    assert wrong.is_error and "argument 'backend'" in _text(wrong)
    unknown = await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp", "source": STARTER,
                                                  "previous": "0000"})
    assert unknown.is_error and "argument 'previous'" in _text(unknown)
    typed = await client.call_tool("list_tasks", {"category": 42})
    assert typed.is_error and "category" in _text(typed)
    again = await client.call_tool("list_tasks", {})
    assert not again.is_error and any(t["name"] == TASK for t in again.structured_content["result"])


def test_stdio_session() -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "kernelhub.agent.mcp_server"],
                                   env=_env(), cwd=str(ROOT))

    async def main() -> None:
        async with Client(params) as client:
            await _session_walk(client)
    anyio.run(main)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_session_and_concurrent_clients() -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kernelhub.agent.mcp_server", "--http", f"127.0.0.1:{port}"],
                            env=os.environ | _env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/mcp"

        async def one(source: str, expect: str) -> None:
            async with Client(url) as client:
                r = await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp", "source": source})
                assert r.structured_content["status"] == expect, _text(r)

        async def main() -> None:
            async with Client(url) as client:
                await _session_walk(client)
            # several clients at once, correct and broken interleaved: no result may cross over
            async with anyio.create_task_group() as tg:
                for i in range(4):
                    tg.start_soon(one, STARTER if i % 2 == 0 else BROKEN, "correct" if i % 2 == 0 else "compile_error")
        anyio.run(main)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
