"""The MCP server: kernelhub's agent tools over the Model Context Protocol (official ``mcp`` SDK).

``kernelhub serve`` runs it over stdio; ``kernelhub serve --http HOST:PORT`` over streamable
HTTP (endpoint ``/mcp``). Tool functions are synchronous: the SDK runs each call on a worker
thread, and each evaluation leases its own Evaluator from the shared pool, so calls from
several clients run in parallel without sharing an Evaluator.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from kernelhub.agent.tools import (
    ArgumentError, EvaluatorPool, KernelTools, SimulateView, TaskSummary, TaskView,
)
from kernelhub.errors import UserError
from kernelhub.models import BackendInfo, CompileResult, Evaluation

INSTRUCTIONS = """kernelhub compiles, runs, times and checks compute kernels on many backends.
Workflow: list_backends -> backend_manual(backend) -> list_tasks -> get_task(task, backend) for the
signature, reference and a starter -> compile (fast diagnostics) -> evaluate (the full verdict:
correctness on visible and hidden shapes with fresh seeds, integrity, timing, reward). On a simulated
machine, simulate shows the registers and the last instructions before a fault or a chosen cycle.
Kernel ABI everywhere: inputs, then outputs, then params, in signature order."""

_HISTORY_MAX = 512


def _call(fn, *args: Any, **kw: Any) -> Any:
    """Run a tool function; bad arguments become a tool error naming the argument."""
    try:
        return fn(*args, **kw)
    except ArgumentError as e:
        raise ToolError(str(e)) from None
    except UserError as e:
        raise ToolError(str(e)) from None


def build_server(tools: KernelTools | None = None, pool: EvaluatorPool | None = None) -> MCPServer:
    """An MCPServer exposing the tools; ``tools``/``pool`` let tests and embedders share workers."""
    kt = tools or KernelTools(pool)
    from kernelhub import __version__
    server = MCPServer("kernelhub", version=__version__, instructions=INSTRUCTIONS)
    history: OrderedDict[tuple[str, str, str], Evaluation] = OrderedDict()  # recent, by candidate_hash
    history_lock = threading.Lock()

    @server.tool(structured_output=True)
    def list_backends() -> list[BackendInfo]:
        """Every backend: its languages, what it can do on this machine (compile/run/time), and why not."""
        return _call(kt.list_backends)

    @server.tool()
    def backend_manual(backend: str) -> str:
        """The manual for one backend: language, ABI, launch rules, timing, what the checks reject."""
        return _call(kt.backend_manual, backend)

    @server.tool(structured_output=True)
    def list_tasks(category: str | None = None) -> list[TaskSummary]:
        """The task suite (optionally one category): name, category, description, signature."""
        return _call(kt.list_tasks, category)

    @server.tool()
    def get_task(task: str, backend: str | None = None, language: str | None = None) -> TaskView:
        """One task as an agent sees it: signature, visible shapes, tolerances, FLOP/byte counts, the NumPy
        reference's source, and (when `backend` is given) a known-good starter for that backend.
        Held-out shapes are never shown, but every evaluation checks them."""
        return _call(kt.get_task, task, backend, language)

    @server.tool()
    def compile(task: str, backend: str, source: str, language: str | None = None, filename: str | None = None,
                entry: str | None = None, options: dict[str, Any] | None = None) -> CompileResult:
        """Compile a candidate only: diagnostics (file/line/column) and the static profile; nothing runs."""
        return _call(kt.compile, task, backend, source, language, filename, entry, options)

    @server.tool()
    def evaluate(task: str, backend: str, source: str, language: str | None = None, filename: str | None = None,
                 entry: str | None = None, options: dict[str, Any] | None = None,
                 previous: str | None = None) -> Annotated[CallToolResult, Evaluation]:
        """Evaluate a candidate: compile, check on visible and held-out shapes with fresh seeds, integrity
        checks, timing against the reference, roofline, reward. Structured content is the Evaluation
        (held-out shape extents blanked); the text is compact feedback. Pass `previous` = the
        `candidate_hash` of an earlier evaluation of the same task and backend to be told what changed."""
        before = None
        if previous is not None:
            with history_lock:
                before = history.get((previous, task, backend))
            if before is None:
                raise ToolError(f"argument 'previous': no recent evaluation with candidate_hash {previous!r} "
                                f"for task {task!r} on backend {backend!r}; pass the candidate_hash of an "
                                "evaluation this server returned")
        view = _call(kt.evaluate, task, backend, source, language, filename, entry, options, before)
        with history_lock:
            history[(view.evaluation.candidate_hash, task, backend)] = view.evaluation
            while len(history) > _HISTORY_MAX:
                history.popitem(last=False)
        return CallToolResult(content=[TextContent(type="text", text=view.feedback)],
                              structured_content=view.evaluation.model_dump(mode="json"))

    @server.tool()
    def simulate(task: str, backend: str, source: str, shape: int | dict[str, int] = 0, cycle: int | None = None,
                 window: int = 16, tile: int | None = None, seed: int = 0, language: str | None = None,
                 filename: str | None = None) -> SimulateView:
        """Simulated machines only (vdsp*, systolic*, mesh*): run a candidate once on one shape (an index into
        the task's visible shapes, or a dict of dimensions) and return a trace window: the registers and the
        last `window` instructions (pc, source line, mnemonic, fetch cycle) before the fault, the end of the
        run, or the chosen `cycle`. On a tile mesh, `tile` picks whose registers and instructions to show."""
        return _call(kt.simulate, task, backend, source, shape, cycle, window, tile, seed, language, filename)

    return server


def parse_hostport(http: str) -> tuple[str, int]:
    host, sep, port = http.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise UserError(f"--http {http!r} is not HOST:PORT", "write it like --http 127.0.0.1:8765")
    return host, int(port)


def serve(http: str | None = None) -> None:
    """Run the server: stdio by default, streamable HTTP at http://HOST:PORT/mcp with ``http``."""
    server = build_server()
    try:
        if http is None:
            server.run("stdio")
        else:
            host, port = parse_hostport(http)
            server.run("streamable-http", host=host, port=port)
    finally:
        from kernelhub.agent.tools import shared_pool
        shared_pool().close()


if __name__ == "__main__":
    import sys
    serve(sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--http" else None)
