"""The worker process: hosts one backend, loads candidates, runs and times them.

Started by ``isolation.Worker`` as ``python -m kernelhub.worker``. It decides no
verdict: it returns raw arrays and timings, and the harness checks them. The
clock is bound, and the objects a candidate could patch to change its timings
are fingerprinted, before any candidate code loads; every reply says whether
they are still intact.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

# Bound before any candidate code can run.
_clock = time.perf_counter


def _guarded_objects(backend: Any) -> dict[str, Any]:
    """Name -> object for everything whose replacement would falsify a measurement."""
    import hashlib
    import json

    from kernelhub import backend as backend_mod
    from kernelhub import wire

    objs: dict[str, Any] = {
        "time.perf_counter": time.perf_counter, "time.perf_counter_ns": time.perf_counter_ns,
        "time.monotonic": time.monotonic, "time.time": time.time,
        "hashlib.sha256": hashlib.sha256, "json.dumps": json.dumps,
        "wire.send": wire.send, "Connection.send_bytes": Connection.send_bytes,
    }
    for cls in type(backend).__mro__:
        if cls.__module__.startswith("builtins") or cls is object:
            continue
        for attr, val in vars(cls).items():
            if callable(val) or isinstance(val, (staticmethod, classmethod, property)):
                objs[f"{cls.__module__}.{cls.__qualname__}.{attr}"] = val
    for attr, val in vars(backend_mod.Backend).items():
        objs[f"Backend.{attr}"] = val
    for attr, val in vars(backend_mod.KernelArgs).items():
        objs[f"KernelArgs.{attr}"] = val
    return objs


class Guard:
    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.snapshot = {k: id(v) for k, v in _guarded_objects(backend).items()}
        self.keep = _guarded_objects(backend)  # keep originals alive so ids stay unique

    def tampered(self) -> list[str]:
        now = {k: id(v) for k, v in _guarded_objects(self.backend).items()}
        changed = [k for k, v in self.snapshot.items() if now.get(k) != v]
        return changed + [k for k in now if k not in self.snapshot]


def _error_reply(exc: BaseException, candidate_file: str | None) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if candidate_file and f.filename == candidate_file]
    where = mine[-1] if mine else None
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])
    return {"ok": False, "error": {
        "type": type(exc).__name__, "message": str(exc)[:2000], "traceback": tb[-4000:],
        "line": where.lineno if where else None, "source_line": where.line if where else None,
        "out_of_memory": isinstance(exc, MemoryError)}}


class WorkerState:
    def __init__(self, backend_name: str) -> None:
        from kernelhub.plugins import registry

        self.backend = registry().backend(backend_name)
        self.artifacts: dict[str, tuple[Any, str | None]] = {}
        self.results: dict[str, Any] = {}
        self.guard = Guard(self.backend)
        self.served = 0

    # ---------------------------------------------------------------- ops

    def op_compile(self, msg: dict[str, Any]) -> dict[str, Any]:
        from kernelhub.backend import Compiled
        from kernelhub.models import Candidate, Signature

        cand = Candidate.model_validate(msg["candidate"])
        sig = Signature.model_validate(msg["signature"])
        key = self.backend.compile_key(cand, sig)
        if key in self.artifacts:
            artifact, _ = self.artifacts[key]
            result = self.results[key].model_copy(update={"cached": True})
        else:
            t0 = _clock()
            compiled: Compiled = self.backend.compile(cand, sig)
            result = compiled.result
            if not result.seconds:
                result.seconds = _clock() - t0
            result.artifact_key = key
            artifact = compiled.artifact
            if result.ok:
                self.artifacts[key] = (artifact, compiled.source_path or getattr(artifact, "source_path", None))
                self.results[key] = result
        static = self.backend.static_integrity(artifact) if result.ok else []
        return {"ok": True, "result": result.model_dump(mode="json"), "key": key,
                "static_integrity": [list(s) for s in static]}

    def _args(self, msg: dict[str, Any]):
        from kernelhub.backend import KernelArgs
        from kernelhub.models import Signature

        return KernelArgs(signature=Signature.model_validate(msg["signature"]), arrays=msg["arrays"],
                          params=msg["params"])

    def op_run(self, msg: dict[str, Any]) -> dict[str, Any]:
        artifact, _ = self.artifacts[msg["key"]]
        args = self._args(msg)
        t0 = _clock()
        arrays = self.backend.run(artifact, args)
        return {"ok": True, "arrays": _host_arrays(arrays), "host_seconds": _clock() - t0}

    def op_time(self, msg: dict[str, Any]) -> dict[str, Any]:
        from kernelhub.backend import TimingPolicy

        artifact, _ = self.artifacts[msg["key"]]
        timed = self.backend.time(artifact, self._args(msg), TimingPolicy(**msg["policy"]), _clock)
        profile = self.backend.run_profile()
        return {"ok": True, "timing": timed.timing.model_dump(mode="json"), "arrays": _host_arrays(timed.outputs),
                "profile": profile.model_dump(mode="json") if profile is not None else None}

    def op_counters(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Hardware counters of one call (``Backend.counters``), read in a child of this worker, so the
        candidate's code runs under the same isolation as everywhere else."""
        from kernelhub.models import Candidate

        profile = self.backend.counters(Candidate.model_validate(msg["candidate"]), self._args(msg), msg["shape"])
        return {"ok": True, "profile": profile.model_dump(mode="json")}

    def op_time_reference(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Time the task's NumPy reference with the same loop and clock (reference workers only)."""
        from kernelhub.backend import TimingPolicy
        from kernelhub.models import Task

        task = Task.model_validate(msg["task"])
        timing = self.backend.time_reference(task, msg["arrays"], msg["shape"], TimingPolicy(**msg["policy"]), _clock)
        return {"ok": True, "timing": timing.model_dump(mode="json") if timing is not None else None}

    def op_simulate(self, msg: dict[str, Any]) -> dict[str, Any]:
        """One traced run on a simulated machine: registers and the last instructions before a
        fault, the end, or ``msg["cycle"]`` (backends with ``trace_run``: isa_sims/core/trace.py)."""
        trace_run = getattr(self.backend, "trace_run", None)
        if trace_run is None:
            raise TypeError(f"backend {self.backend.name!r} is not a simulated machine: it has no trace")
        artifact, _ = self.artifacts[msg["key"]]
        return {"ok": True, "window": trace_run(artifact, self._args(msg), msg.get("window", 16), msg.get("cycle"),
                                                msg.get("tile"))}

    def op_ping(self, msg: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "pid": os.getpid(), "netns": os.readlink("/proc/self/ns/net")}


def _healthy(backend: Any) -> bool:
    try:
        return bool(backend.healthy())
    except Exception:  # a health check that fails is an unhealthy worker
        return False


def _host_arrays(arrays: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    out = {}
    for k, v in arrays.items():
        out[k] = v if isinstance(v, np.ndarray) else np.asarray(v)
    return out


def serve(conn: Connection, key: bytes, backend_name: str) -> None:
    from kernelhub import wire

    state: WorkerState | None = None
    while True:
        try:
            msg = wire.recv(conn, key)
        except (EOFError, OSError):
            return
        op = msg.get("op")
        if op == "exit":
            return
        candidate_file = None
        try:
            if state is None:
                state = WorkerState(backend_name)
            if "key" in msg and msg["key"] in state.artifacts:
                candidate_file = state.artifacts[msg["key"]][1]
            reply = getattr(state, f"op_{op}")(msg)
        except BaseException as e:  # report everything; the harness decides what it means
            if isinstance(e, KeyboardInterrupt):
                raise
            reply = _error_reply(e, candidate_file)
        reply["tampered"] = state.guard.tampered() if state is not None else []
        reply["retire"] = state is not None and not _healthy(state.backend)
        if state is not None:
            state.served += 1
        try:
            wire.send(conn, reply, key)
        except wire.WireError as e:  # an unsendable output (object dtype, say) is the candidate's error
            wire.send(conn, _error_reply(e, candidate_file) | {"tampered": reply["tampered"]}, key)
        del reply, msg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--address-space", type=int, default=0, help="RLIMIT_AS in bytes (0: none)")
    parser.add_argument("--isolate-network", action="store_true")
    a = parser.parse_args()
    from kernelhub.isolation import apply_own_limits
    apply_own_limits(a.address_space, a.isolate_network)
    key = bytes.fromhex(sys.stdin.readline().strip())
    sys.stdin.close()
    sock = socket.socket(fileno=a.fd)
    conn = Connection(os.dup(sock.fileno()))
    sock.close()
    serve(conn, key, a.backend)


if __name__ == "__main__":
    main()
