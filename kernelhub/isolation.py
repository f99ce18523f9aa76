"""Worker subprocesses: timeouts, memory limits, crash capture, warm reuse.

Each worker is its own process session with its own temp dir, no core dumps,
an address-space cap plus a resident-memory watchdog, and (where the OS
allows an unprivileged or root ``unshare``) no network. A worker that crashes,
hangs, runs out of memory or was tampered with is killed with its whole
process group and replaced on the next request; the harness never dies with it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing import BufferTooShort
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from kernelhub import wire

CLONE_NEWNET = 0x40000000
FailureKind = Literal["timeout", "crash", "out_of_memory", "protocol"]


@dataclass
class Limits:
    compile_timeout_s: float = 180.0
    run_timeout_s: float = 60.0
    memory_bytes: int = 6 << 30
    #: extra virtual address space allowed above memory_bytes (JITs and drivers reserve a lot)
    address_space_headroom: int = 16 << 30
    max_uses: int = 500
    isolate_network: bool = True


class WorkerFailure(Exception):
    """The worker died, hung or broke protocol; ``kind`` says which."""

    def __init__(self, kind: FailureKind, detail: str, stderr_tail: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.stderr_tail = stderr_tail


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def apply_own_limits(address_space: int, isolate_network: bool) -> None:
    """The worker's limits, set by the worker process itself before it serves anything: no core
    dumps, an address-space cap (0: none), and a network namespace of its own (best effort; the
    worker's ping reports whether it took)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    if isolate_network:
        ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET)


class Worker:
    """One warm worker process hosting one backend."""

    def __init__(self, backend: str, limits: Limits | None = None, role: str = "candidate",
                 env_defaults: dict[str, str] | None = None, cap_address_space: bool = True) -> None:
        self.backend = backend
        self.env_defaults = env_defaults or {}
        self.cap_address_space = cap_address_space
        self.limits = limits or Limits()
        self.role = role
        self.proc: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None
        self.uses = 0
        self.network_isolated = False
        self.dirty = False
        self._key = secrets.token_bytes(32)
        self._tmp = Path(tempfile.mkdtemp(prefix=f"kh-{backend}-{role}-"))
        self._log = self._tmp / "stderr.log"

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        parent, child = socket.socketpair()
        env = dict(self.env_defaults) | dict(os.environ)
        env.update({"PYTHONUNBUFFERED": "1", "TMPDIR": str(self._tmp), "PYTHONDONTWRITEBYTECODE": "1"})
        log = open(self._log, "ab")
        try:
            cap = self.limits.memory_bytes + self.limits.address_space_headroom if self.cap_address_space else 0
            # no preexec_fn: Python code between fork and exec can deadlock on a lock another thread of
            # this (multi-threaded) harness held at the fork; the worker applies its own limits first thing
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kernelhub.worker", "--fd", str(child.fileno()), "--backend", self.backend,
                 "--address-space", str(cap)] + (["--isolate-network"] if self.limits.isolate_network else []),
                stdin=subprocess.PIPE, stdout=log, stderr=log, pass_fds=(child.fileno(),),
                cwd=self._tmp, env=env, start_new_session=True)
        finally:
            log.close()
            child.close()
        assert self.proc.stdin is not None
        self.proc.stdin.write(self._key.hex().encode() + b"\n")
        self.proc.stdin.close()
        self.conn = Connection(os.dup(parent.fileno()))
        parent.close()
        self.uses = 0
        self.dirty = False

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.conn is not None:
            self.conn.close()
        self.proc, self.conn = None, None

    def close(self) -> None:
        if self.alive and self.conn is not None:
            try:
                wire.send(self.conn, {"op": "exit"}, self._key)
                self.proc.wait(timeout=2)  # type: ignore[union-attr]
            except Exception:
                pass
        self.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def stderr_tail(self, n: int = 3000) -> str:
        try:
            with open(self._log, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def mark_log(self) -> int:
        try:
            return self._log.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int, n: int = 3000) -> str:
        try:
            with open(self._log, "rb") as f:
                f.seek(offset)
                data = f.read()
            return data[-n:].decode(errors="replace")
        except OSError:
            return ""

    # ------------------------------------------------------------ requests

    def _rss(self) -> int:
        try:
            pages = int(Path(f"/proc/{self.proc.pid}/statm").read_text().split()[1])  # type: ignore[union-attr]
            return pages * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError, AttributeError):
            return 0

    def request(self, msg: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its reply, enforcing the timeout and memory limit."""
        if not self.alive:
            self.kill()
            self.start()
        assert self.conn is not None and self.proc is not None
        self.uses += 1
        offset = self.mark_log()
        try:
            wire.send(self.conn, msg, self._key)
        except (BrokenPipeError, OSError):
            raise self._died(offset) from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                ready = self.conn.poll(0.02)
            except (OSError, EOFError):
                raise self._died(offset) from None
            if ready:
                try:
                    reply = wire.recv(self.conn, self._key)
                except (EOFError, OSError):
                    raise self._died(offset) from None
                except (wire.WireError, BufferTooShort, ValueError, KeyError) as e:
                    self.kill()
                    raise WorkerFailure("protocol", f"worker reply rejected: {e}", self.log_since(offset)) from None
                reply["stderr"] = self.log_since(offset)
                if reply.get("retire"):  # the backend says this process's device is unusable now
                    self.dirty = True
                return reply
            if self.proc.poll() is not None:
                raise self._died(offset)
            if self._rss() > self.limits.memory_bytes:
                self.kill()
                raise WorkerFailure("out_of_memory", f"resident memory exceeded the limit of "
                                    f"{self.limits.memory_bytes >> 20} MiB", self.log_since(offset))
            if time.monotonic() > deadline:
                self.kill()
                raise WorkerFailure("timeout", f"no answer within {timeout:g} s", self.log_since(offset))

    def _died(self, offset: int) -> WorkerFailure:
        code = self.proc.wait(timeout=5) if self.proc is not None else None
        tail = self.log_since(offset)
        self.kill()
        if code is not None and code < 0:
            kind: FailureKind = "out_of_memory" if code == -signal.SIGKILL and "MemoryError" in tail else "crash"
            return WorkerFailure(kind, f"worker killed by {_signal_name(code)}", tail)
        if "MemoryError" in tail or "std::bad_alloc" in tail:
            return WorkerFailure("out_of_memory", f"worker exited with status {code} out of memory", tail)
        return WorkerFailure("crash", f"worker exited with status {code}", tail)


@dataclass
class WorkerPool:
    """Warm workers by (backend, role). A worker is replaced after a failure, after
    candidate code tampered with it, or after ``max_uses`` requests."""

    limits: Limits = field(default_factory=Limits)
    workers: dict[tuple[str, str], Worker] = field(default_factory=dict)

    def get(self, backend: str, role: str = "candidate") -> Worker:
        w = self.workers.get((backend, role))
        if w is not None and (w.dirty or w.uses >= self.limits.max_uses or (w.proc is not None and not w.alive)):
            w.close()
            w = None
        if w is None:
            from kernelhub.plugins import registry
            b = registry().backends.get(backend)
            w = Worker(backend, self.limits, role, env_defaults=b.worker_env if b else {},
                       cap_address_space=b.cap_address_space if b else True)
            w.start()
            self.workers[(backend, role)] = w
        return w

    def close(self) -> None:
        for w in self.workers.values():
            w.close()
        self.workers.clear()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
