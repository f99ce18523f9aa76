"""The agent tools, free of any transport: plain functions returning pydantic models.

The MCP server (``mcp_server.py``) and the gymnasium environment (``env.py``) are thin
layers over these. Every evaluation goes through :class:`kernelhub.pipeline.Evaluator`;
concurrent callers each lease their own Evaluator from an :class:`EvaluatorPool`, so
results from several clients can never mix (an Evaluator does one evaluation at a time
and owns its warm workers).
"""

from __future__ import annotations

import inspect
import os
import queue
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from pydantic import BaseModel, Field

from kernelhub.errors import UserError
from kernelhub.isolation import WorkerFailure
from kernelhub.models import (
    BackendInfo, Candidate, CompileResult, Diagnostic, Evaluation, Severity, Signature, Tolerance,
)
from kernelhub.pipeline import EvalOptions, Evaluator
from kernelhub.plugins import Registry, registry


class ArgumentError(UserError):
    """A tool argument that names nothing valid; ``argument`` says which one."""

    def __init__(self, argument: str, cause: str, fix: str = "") -> None:
        super().__init__(f"argument {argument!r}: {cause}", fix)
        self.argument = argument


# ---------------------------------------------------------------- views


class TaskSummary(BaseModel):
    name: str
    category: str
    description: str
    signature: str = Field(description="inputs -> outputs with symbolic dims")


class TaskView(BaseModel):
    """A task as an agent sees it: held-out shapes are never included."""

    name: str
    category: str
    description: str
    signature: Signature
    abi: str = Field(description="kernel argument order: inputs, then outputs, then params")
    visible_shapes: list[dict[str, int]]
    heldout_shape_count: int = Field(description="how many hidden shapes every evaluation also checks")
    tolerances: dict[str, Tolerance]
    flops: str
    bytes: str
    reference_source: str = Field(description="the NumPy reference the outputs are checked against")
    backend: str | None = None
    language: str | None = None
    starter: str | None = Field(default=None, description="a known-good starter for `backend`, when asked for")


class EvaluationView(BaseModel):
    """What `evaluate` returns: the Evaluation (held-out shape values blanked) and its text feedback."""

    evaluation: Evaluation
    feedback: str


def signature_line(sig: Signature) -> str:
    fmt = lambda ts: ", ".join(f"{t.name}: {t.dtype}[{','.join(map(str, t.dims))}]" for t in ts)  # noqa: E731
    params = ", ".join(p.name for p in sig.params)
    return f"({fmt(sig.inputs)}) -> ({fmt(sig.outputs)})" + (f" params ({params})" if params else "")


def redact_heldout(ev: Evaluation) -> Evaluation:
    """Blank the extents of held-out shapes so an agent never learns them from a verdict."""
    if not any(r.purpose == "heldout" and r.shape.values for r in ev.runs):
        return ev
    runs = [r.model_copy(update={"shape": r.shape.model_copy(update={"values": {}})}) if r.purpose == "heldout"
            else r for r in ev.runs]
    return ev.model_copy(update={"runs": runs})


class TracedInstruction(BaseModel):
    seq: int = Field(description="fetch order in the run (0 = first instruction fetched)")
    pc: int
    cycle: int = Field(description="cycle the instruction was fetched (earliest issue; stalls come after)")
    tile: int | None = Field(default=None, description="the tile that fetched it (tile meshes only)")
    line: int | None = None
    source: str = ""
    mnemonic: str = ""


class SimulateView(BaseModel):
    """One traced run of a candidate on a simulated machine (what `simulate` returns)."""

    ok: bool = Field(description="false when the candidate did not assemble or the run could not start")
    stopped: str = Field(default="", description="fault | cycle (the chosen cycle was reached) | finished | error")
    message: str | None = Field(default=None, description="the fault, compile error, or why the run did not start")
    shape: dict[str, int] = Field(default_factory=dict)
    cycle: int = Field(default=0, description="the cycle the run had reached when it stopped")
    retired: int = 0
    tile: int | None = Field(default=None, description="whose registers are shown (tile meshes only)")
    registers: dict[str, int] = Field(default_factory=dict, description="scalar registers at the stop")
    vector_registers: dict[str, list[float]] = Field(default_factory=dict, description="first lanes only")
    instructions: list[TracedInstruction] = Field(default_factory=list, description="the last ones, oldest first")
    diagnostics: list[Diagnostic] = Field(default_factory=list)


# ---------------------------------------------------------------- evaluator pool


class EvaluatorPool:
    """``size`` Evaluators, leased one caller at a time; created lazily, shared by every tool
    call, MCP client and environment that is handed this pool."""

    def __init__(self, size: int | None = None, options: EvalOptions | None = None,
                 reg: Registry | None = None) -> None:
        self.size = size or max(1, min(4, os.cpu_count() or 1))
        self.options = options or EvalOptions()
        self.registry = reg or registry()
        self._free: queue.LifoQueue[Evaluator] = queue.LifoQueue()  # LIFO: the warmest evaluator first
        self._made = 0
        self._all: list[Evaluator] = []
        self._lock = threading.Lock()

    @contextmanager
    def lease(self) -> Iterator[Evaluator]:
        ev = self._take()
        try:
            yield ev
        finally:
            self._free.put(ev)

    def _take(self) -> Evaluator:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made < self.size:
                self._made += 1
                ev = Evaluator(self.options, self.registry)
                self._all.append(ev)
                return ev
        return self._free.get()

    def close(self) -> None:
        for ev in self._all:
            ev.close()
        self._all.clear()
        self._made = 0
        self._free = queue.LifoQueue()


_SHARED: EvaluatorPool | None = None
_SHARED_LOCK = threading.Lock()


def shared_pool() -> EvaluatorPool:
    """The process-wide pool: vectorised environments and tool servers share its workers."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            from kernelhub.backend import TimingPolicy
            _SHARED = EvaluatorPool(options=EvalOptions(policy=TimingPolicy.quick()))
        return _SHARED


# ---------------------------------------------------------------- the tools


class KernelTools:
    """The tool set. Every method validates its arguments and raises :class:`ArgumentError`
    naming the bad one; everything a candidate can get wrong comes back inside the result."""

    def __init__(self, pool: EvaluatorPool | None = None) -> None:
        self.pool = pool or shared_pool()
        self.registry = self.pool.registry

    # ------------------------------------------------ lookups

    def _backend(self, name: str):
        if name not in self.registry.backends:
            raise ArgumentError("backend", f"unknown backend {name!r}",
                                f"choose one of: {', '.join(sorted(self.registry.backends))}")
        return self.registry.backends[name]

    def _task(self, name: str):
        try:
            return self.registry.task(name)
        except UserError as e:
            raise ArgumentError("task", e.cause, e.fix) from None

    def _language(self, backend: Any, language: str | None) -> str:
        lang = language or backend.default_language
        if lang not in backend.languages:
            raise ArgumentError("language", f"backend {backend.name!r} does not take language {lang!r}",
                                f"use one of {list(backend.languages)}")
        return lang

    def _candidate(self, backend: str, source: str, language: str | None, filename: str | None,
                   entry: str | None, options: dict[str, Any] | None) -> Candidate:
        b = self._backend(backend)
        if not source.strip():
            raise ArgumentError("source", "the candidate source is empty", "pass the kernel's full source text")
        return Candidate(backend=b.name, language=self._language(b, language), source=source,
                         filename=filename or "candidate", entry=entry, options=options or {})

    # ------------------------------------------------ tools

    def list_backends(self) -> list[BackendInfo]:
        """Every backend, what it can do here (compile/run/time) and why not where it cannot."""
        from kernelhub.inventory import backend_infos
        return backend_infos(self.registry)

    def backend_manual(self, backend: str) -> str:
        """What an agent must know to write a kernel for `backend`."""
        return self._backend(backend).manual()

    def list_tasks(self, category: str | None = None) -> list[TaskSummary]:
        tasks = sorted(self.registry.tasks.values(), key=lambda t: (t.category, t.name))
        if category is not None and not any(t.category == category for t in tasks):
            raise ArgumentError("category", f"no task has category {category!r}",
                                f"choose one of: {', '.join(sorted({t.category for t in tasks}))}")
        return [TaskSummary(name=t.name, category=t.category, description=t.description,
                            signature=signature_line(t.signature))
                for t in tasks if category is None or t.category == category]

    def get_task(self, task: str, backend: str | None = None, language: str | None = None) -> TaskView:
        t = self._task(task)
        from kernelhub import taskrt
        try:
            ref = inspect.getsource(taskrt.load_callable(t.reference, "reference"))
        except (OSError, TypeError, UserError) as e:
            ref = f"# source unavailable ({e}); import path {t.reference}"
        view = TaskView(name=t.name, category=t.category, description=t.description, signature=t.signature,
                        abi="kernel(" + ", ".join([x.name for x in t.signature.inputs + t.signature.outputs]
                                                  + [p.name for p in t.signature.params]) + ")",
                        visible_shapes=t.visible_shapes, heldout_shape_count=len(t.heldout_shapes),
                        tolerances=t.tolerances, flops=t.flops, bytes=t.bytes, reference_source=ref)
        if backend is not None:
            b = self._backend(backend)
            view.backend, view.language = b.name, self._language(b, language)
            view.starter = self.registry.starter(t, b.name, view.language)
        return view

    def compile(self, task: str, backend: str, source: str, language: str | None = None,
                filename: str | None = None, entry: str | None = None,
                options: dict[str, Any] | None = None) -> CompileResult:
        """Compile only: diagnostics and the static profile, no runs (uses the warm worker's compile op)."""
        t = self._task(task)
        cand = self._candidate(backend, source, language, filename, entry, options)
        b = self._backend(backend)
        avail = b.probe()
        if not avail.compile:
            return CompileResult(ok=False, diagnostics=[Diagnostic(
                severity=Severity.error, message="backend cannot compile here: "
                + "; ".join(f"{m}: {r}" for m, r in avail.reasons.items()))])
        with self.pool.lease() as ev:
            worker = ev.pool.get(b.name)
            try:
                reply = worker.request({"op": "compile", "candidate": cand.model_dump(mode="json"),
                                        "signature": t.signature.model_dump(mode="json")},
                                       ev.options.limits.compile_timeout_s)
            except WorkerFailure as f:
                return CompileResult(ok=False, log=f.stderr_tail, diagnostics=[Diagnostic(
                    severity=Severity.error, message=f"compiler {f.kind}: {f.detail}", file=cand.filename)])
            if reply.get("tampered"):
                worker.dirty = True
        if not reply["ok"]:
            err = reply["error"]
            return CompileResult(ok=False, log=err.get("traceback", ""), diagnostics=[Diagnostic(
                severity=Severity.error, message=f"{err['type']}: {err['message']}", file=cand.filename,
                line=err.get("line"), source_line=err.get("source_line"))])
        result = CompileResult.model_validate(reply["result"])
        for name, verdict, detail in reply.get("static_integrity", []):
            if verdict == "fail":
                result.ok = False
                result.diagnostics.append(Diagnostic(severity=Severity.error, message=f"integrity {name}: {detail}",
                                                     file=cand.filename))
        return result

    def evaluate_full(self, task: str, backend: str, source: str, language: str | None = None,
                      filename: str | None = None, entry: str | None = None,
                      options: dict[str, Any] | None = None) -> Evaluation:
        """The unredacted Evaluation (held-out extents included): for scoring, not for agents."""
        t = self._task(task)
        cand = self._candidate(backend, source, language, filename, entry, options)
        with self.pool.lease() as ev:
            return ev.evaluate(t, cand)

    def evaluate(self, task: str, backend: str, source: str, language: str | None = None,
                 filename: str | None = None, entry: str | None = None,
                 options: dict[str, Any] | None = None, previous: Evaluation | None = None) -> EvaluationView:
        """Compile, check (visible and held-out shapes, fresh seeds), integrity, time: the full verdict."""
        from kernelhub.agent.progress import render_turn
        full = self.evaluate_full(task, backend, source, language, filename, entry, options)
        shown = redact_heldout(full)
        return EvaluationView(evaluation=shown, feedback=render_turn(shown, previous))

    def simulate(self, task: str, backend: str, source: str, shape: int | dict[str, int] = 0, cycle: int | None = None,
                 window: int = 16, tile: int | None = None, seed: int = 0, language: str | None = None,
                 filename: str | None = None) -> SimulateView:
        """Run a candidate once on a simulated machine, in a worker, with the trace on."""
        import numpy as np

        from kernelhub import taskrt
        from kernelhub.checking import make_poison, poisoned
        t = self._task(task)
        b = self._backend(backend)
        if not hasattr(b, "trace_run"):
            sims = sorted(n for n, x in self.registry.backends.items() if hasattr(x, "trace_run"))
            raise ArgumentError("backend", f"{backend!r} is not a simulated machine", f"choose one of: {', '.join(sims)}")
        if isinstance(shape, int):
            if not 0 <= shape < len(t.visible_shapes):
                raise ArgumentError("shape", f"index {shape} is not one of the task's {len(t.visible_shapes)} "
                                    "visible shapes", "pass an index from get_task's visible_shapes, or a dict")
            values = dict(t.visible_shapes[shape])
        else:
            want = set(t.visible_shapes[0]) if t.visible_shapes else set()
            if set(shape) != want or not all(isinstance(v, int) and v >= 1 for v in shape.values()):
                raise ArgumentError("shape", f"{shape!r} must give every dimension {sorted(want)} a positive integer")
            values = dict(shape)
        if window < 1 or (cycle is not None and cycle < 0) or (tile is not None and tile < 0):
            bad = "window" if window < 1 else "cycle" if cycle is not None and cycle < 0 else "tile"
            raise ArgumentError(bad, "must not be negative (window at least 1)")
        comp = self.compile(task, backend, source, language, filename)
        if not comp.ok:
            return SimulateView(ok=False, stopped="error", message="the candidate did not assemble", shape=values,
                                diagnostics=comp.diagnostics)
        cand = self._candidate(backend, source, language, filename, None, None)
        inputs = taskrt.generate_inputs(t, values, seed)
        prng = np.random.default_rng(seed ^ 0x5EED)
        arrays = dict(inputs)
        for name, (dims, dt) in taskrt.output_specs(t, values).items():
            arrays[name] = poisoned(dims, make_poison(dt, prng))
        with self.pool.lease() as ev:
            worker = ev.pool.get(b.name)
            try:
                built = worker.request({"op": "compile", "candidate": cand.model_dump(mode="json"),  # this worker's
                                        "signature": t.signature.model_dump(mode="json")},  # copy (cached)
                                       ev.options.limits.compile_timeout_s)
                reply = built if not built["ok"] else worker.request({
                                        "op": "simulate", "key": built["key"], "arrays": arrays,
                                        "params": taskrt.params_for(t, values), "window": window, "cycle": cycle,
                                        "tile": tile, "signature": t.signature.model_dump(mode="json")},
                                       ev.options.limits.run_timeout_s)
            except WorkerFailure as f:
                return SimulateView(ok=False, stopped="error", message=f"worker {f.kind}: {f.detail}", shape=values)
            if reply.get("tampered"):
                worker.dirty = True
        if not reply["ok"]:
            err = reply["error"]
            return SimulateView(ok=False, stopped="error", message=f"{err['type']}: {err['message']}", shape=values)
        return SimulateView(ok=True, shape=values, **reply["window"])
