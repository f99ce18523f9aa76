"""The interface every backend implements: probe, device_info, manual, and the
four verbs compile, run, time, check.

A backend runs inside a worker process (see ``isolation.py``); the harness only
ever calls ``probe``, ``device_info``, ``manual`` and ``check`` itself. ``run``
and ``time`` are written once here in terms of three small platform hooks,
``prepare`` (allocate and upload), ``launch`` (one synchronous call, returning
device seconds when the platform measures them) and ``fetch`` (download), so a
platform implements the hooks and gets one timing loop shared by all platforms.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kernelhub.models import (
    Availability, Candidate, Check, CompileResult, DeviceInfo, Profile, Signature, Task, Timing, Tolerance,
)


class CandidateError(Exception):
    """The candidate did something wrong at run time; the message is for the author."""


@dataclass
class Compiled:
    """What ``compile`` returns: the serialisable result plus an in-process artifact."""

    result: CompileResult
    artifact: Any = None
    #: the real file the candidate was loaded from, so run-time tracebacks map to its lines
    source_path: str | None = None


@dataclass
class KernelArgs:
    """Host arrays (inputs, and outputs already poisoned) and scalar params of one call."""

    signature: Signature
    arrays: dict[str, Any]
    params: dict[str, int | float]

    def ordered(self) -> list[Any]:
        """The kernel ABI: inputs, then outputs, then params, each in signature order."""
        sig = self.signature
        return ([self.arrays[t.name] for t in sig.inputs] + [self.arrays[t.name] for t in sig.outputs]
                + [self.params[p.name] for p in sig.params])

    def names(self) -> list[str]:
        sig = self.signature
        return [t.name for t in sig.inputs] + [t.name for t in sig.outputs] + [p.name for p in sig.params]


@dataclass
class TimingPolicy:
    """How to time: warm-up, repetitions bounded by count and a time budget, cache flush.

    Long calls (a 2048^3 matmul on a CPU takes seconds) would make ``min_reps`` cost minutes: once
    ``long_budget_factor`` x ``budget_s`` has passed, ``long_min_reps`` samples are enough, and a
    second warm-up call that alone outlasts the budget ends the warm-up (the first may be a JIT compile)."""

    warmup: int = 3
    min_reps: int = 10
    max_reps: int = 200
    budget_s: float = 0.5
    flush_cache: bool = True
    long_min_reps: int = 3
    long_budget_factor: float = 10.0

    @classmethod
    def quick(cls) -> "TimingPolicy":
        return cls(warmup=1, min_reps=5, max_reps=20, budget_s=0.05, flush_cache=False)


Clock = Callable[[], float]


@dataclass
class TimedRun:
    timing: Timing
    outputs: dict[str, Any] = field(default_factory=dict)


def repeat_timed(call: Callable[[], float | None], policy: TimingPolicy, clock: Clock,
                 flush: Callable[[], None]) -> tuple[list[float], list[float]]:
    """The one timing loop: warm-up, then repetitions (each after a cache flush) until both
    ``min_reps`` and the time budget are reached, or ``max_reps``. Returns (samples, host):
    the call's own device seconds where it returns them (else host seconds), and the host
    wall time of the same repetitions."""
    for i in range(policy.warmup):
        w0 = clock()
        call()
        if i >= 1 and clock() - w0 > policy.budget_s:  # the first call may be a JIT compile: warm after two
            break
    samples: list[float] = []
    host: list[float] = []
    start = clock()
    while len(samples) < policy.max_reps:
        if policy.flush_cache:
            flush()
        h0 = clock()
        dev = call()
        h1 = clock()
        host.append(h1 - h0)
        samples.append(dev if dev is not None else h1 - h0)
        elapsed = clock() - start
        if len(samples) >= policy.min_reps and elapsed >= policy.budget_s:
            break
        if len(samples) >= policy.long_min_reps and elapsed >= policy.budget_s * policy.long_budget_factor:
            break
    return samples, host


class Backend(ABC):
    """Base class of all backends. Subclasses set the class attributes and implement
    ``probe``, ``device_info``, ``compile``, ``launch`` (and usually ``prepare``/``fetch``)."""

    name: str = ""
    languages: tuple[str, ...] = ()
    description: str = ""
    #: True for backends that exist to test the core; `bench` skips them unless asked.
    test_only: bool = False
    #: How `launch` times are measured, recorded in every Timing.
    timing_method: str = "host perf_counter around a synchronous call"
    device_time: bool = False
    interpreted: bool = False
    #: True where timings cannot depend on what else the host runs (simulated cycles): the bench
    #: may then run this backend's jobs side by side instead of one at a time.
    load_independent_timing: bool = False
    #: Environment defaults for this backend's worker processes (the user's own settings win).
    worker_env: dict[str, str] = {}
    #: Cap the worker's virtual address space (RLIMIT_AS) on top of the resident-memory watchdog.
    #: GPU runtimes reserve address space for the whole device and spawn a thread per core, so
    #: their backends turn this off and rely on the watchdog alone.
    cap_address_space: bool = True

    # ------------------------------------------------------------ what is here

    @abstractmethod
    def probe(self) -> Availability:
        """Which of compile/run/time work on this machine, with the reason for each that does not."""

    @abstractmethod
    def device_info(self) -> DeviceInfo:
        """The device and its peak rates (measured or declared) for the roofline."""

    def manual(self) -> str:
        """What an agent must know to write a kernel: candidate format, ABI, limits.

        Default: ``manual.md`` in the backend's package."""
        path = Path(inspect.getfile(type(self))).with_name("manual.md")
        return path.read_text() if path.exists() else f"# {self.name}\n\n{self.description}\n"

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def version_key(self) -> str:
        """Everything outside the candidate that changes compiled output (toolchain versions)."""
        return ""

    def compile_key(self, candidate: Candidate, signature: Signature) -> str:
        """Hash of everything that changes the compiled artifact, for the compile cache."""
        blob = json.dumps([self.name, self.version_key(), candidate.model_dump(mode="json"),
                           signature.model_dump(mode="json")], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    # ------------------------------------------------------------ the four verbs

    @abstractmethod
    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        """Compile; errors are returned as diagnostics with file/line/column, never raised."""

    def prepare(self, artifact: Any, args: KernelArgs) -> Any:
        """Allocate and upload whatever one call needs. Default: the host args themselves."""
        return args

    @abstractmethod
    def launch(self, prepared: Any) -> float | None:
        """Run the kernel once, synchronously. Return device seconds if measured, else None."""

    def fetch(self, prepared: Any) -> dict[str, Any]:
        """Host copies of every array (inputs too, so the harness can see mutation)."""
        return dict(prepared.arrays)

    def release(self, prepared: Any) -> None:
        """Free what ``prepare`` allocated."""

    def run(self, artifact: Any, args: KernelArgs) -> dict[str, Any]:
        prepared = self.prepare(artifact, args)
        try:
            self.launch(prepared)
            return self.fetch(prepared)
        finally:
            self.release(prepared)

    def time(self, artifact: Any, args: KernelArgs, policy: TimingPolicy, clock: Clock) -> TimedRun:
        """Warm up, then repeat under the policy. ``clock`` is the worker's timer, bound
        before any candidate code loaded; host wall time is recorded beside device time."""
        prepared = self.prepare(artifact, args)
        try:
            samples, host = repeat_timed(lambda: self.launch(prepared), policy, clock, self.flush_cache)
            outputs = self.fetch(prepared)
        finally:
            self.release(prepared)
        timing = Timing.from_samples(
            samples, method=self.timing_method, device_time=self.device_time, interpreted=self.interpreted,
            warmup=policy.warmup, cache_flush=policy.flush_cache, host_samples=host)
        return TimedRun(timing=timing, outputs=outputs)

    def flush_cache(self) -> None:
        """Evict the candidate's data from caches between repetitions. Default: the host CPU's."""
        from kernelhub.cpu import flush_host_caches
        flush_host_caches()

    def check(self, output: str, got: Any, expected: Any, tolerance: Tolerance | None,
              poison: Any = None) -> Check:
        """Compare one output; shared default, overridden only for a platform's own numerics."""
        from kernelhub.checking import compare
        return compare(output, got, expected, tolerance, poison)

    def time_reference(self, task: Task, arrays: dict[str, Any], shape: dict[str, int],
                       policy: TimingPolicy, clock: Clock) -> Timing | None:
        """Time the baseline the speedup is measured against, on this backend's device.
        Default: the task's NumPy reference on the host, with the same loop and clock.
        A GPU backend overrides it to time the framework's own implementation there; a
        backend with no meaningful baseline on its device (a simulator) returns None, and
        its score is then the roofline fraction against its own peaks."""
        from kernelhub.baseline import time_reference
        return time_reference(self, task, arrays, shape, policy, clock)

    # ------------------------------------------------------------ optional extras

    def healthy(self) -> bool:
        """False after an error that leaves the device unusable in this process (a sticky CUDA
        error after an illegal address, say): the harness then replaces the worker before the
        next evaluation. Called after every request; keep it cheap. Default: True."""
        return True

    def run_profile(self) -> Profile | None:
        """The profile measured by the last launch (cycle counts, counters), for backends that
        measure one; the pipeline reports the one from the last timed run. Default: None."""
        return None

    def counters(self, candidate: Any, args: KernelArgs, shape_label: str) -> Profile:
        """Hardware counters of one call (``--counters``), for backends whose device has a counter tool
        (the NVIDIA ones: ``kernelhub.ncu``). Default: a Profile that says there are none, and why."""
        return Profile.unavailable(f"backend {self.name!r} reads no hardware counters")

    def static_integrity(self, artifact: Any) -> list[tuple[str, str, str]]:
        """Backend-specific checks on a compiled artifact: (name, verdict, detail) with verdict
        'pass', 'warn', 'fail' or 'skipped' (for instance: the kernel calls a BLAS library;
        'skipped' when the tool that would tell is missing)."""
        return []
