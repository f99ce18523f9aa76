"""The one evaluation pipeline every backend and every caller goes through.

compile -> run (fresh inputs, several seeds, visible and held-out shapes) ->
check -> integrity -> time -> Evaluation.

The harness (this process) draws seeds and held-out shapes after compilation,
generates inputs, computes references and decides every verdict; the
candidate's worker only ever sees inputs and poisoned outputs.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
import random
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernelhub import taskrt
from kernelhub.backend import Backend, TimingPolicy
from kernelhub.checking import make_poison, poisoned, same_bytes
from kernelhub.errors import UserError
from kernelhub.isolation import Limits, Worker, WorkerFailure, WorkerPool
from kernelhub.models import (
    Candidate, CompileResult, Diagnostic, Evaluation, Integrity, Profile, Roofline, RunResult, Severity, Shape,
    ShapeTiming, Status, Task, Timing, Verdict,
)
from kernelhub.plugins import Registry, registry
from kernelhub.reward import reward_for  # noqa: F401  (re-exported: the pipeline's default reward)

#: A device sample may exceed the host wall time of the same call only by clock jitter.
DEVICE_OVER_HOST = 1.02
DEVICE_OVER_HOST_ABS_S = 20e-6


@dataclass
class EvalOptions:
    policy: TimingPolicy = field(default_factory=TimingPolicy)
    time: bool = True
    heldout: bool = True
    seeds_per_shape: int | None = None
    limits: Limits = field(default_factory=Limits)
    #: hardware counters of one call at the largest visible shape (ncu on NVIDIA GPUs): slow, opt-in
    counters: bool = False
    counters_timeout_s: float = 300.0


class _Stop(Exception):
    """Ends an evaluation early with a final status (a crash, a timeout)."""

    def __init__(self, status: Status, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.stderr = status, message, stderr


_FAILURE_STATUS = {"timeout": Status.timeout, "crash": Status.crash, "out_of_memory": Status.out_of_memory,
                   "protocol": Status.integrity_violation}


def candidate_hash(c: Candidate) -> str:
    blob = f"{c.backend}\0{c.language}\0{c.entry}\0{sorted(c.options.items())}\0{c.source}"
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Evaluator:
    """Evaluates candidates; holds warm workers and the run's reference timings."""

    def __init__(self, options: EvalOptions | None = None, reg: Registry | None = None,
                 pool: WorkerPool | None = None) -> None:
        self.options = options or EvalOptions()
        self.registry = reg or registry()
        self.pool = pool or WorkerPool(self.options.limits)
        self._reference_timings: dict[tuple[str, str, str], Timing] = {}
        self._netns = _netns()

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ entry point

    def evaluate(self, task: Task | str, candidate: Candidate) -> Evaluation:
        task = self.registry.task(task) if isinstance(task, str) else task
        backend = self.registry.backend(candidate.backend)
        language = candidate.language or backend.default_language
        if language not in backend.languages:
            raise UserError(f"backend {backend.name!r} does not take language {language!r}",
                            f"use one of {list(backend.languages)}")
        candidate = candidate.model_copy(update={"language": language})
        started = time.perf_counter()
        ev = Evaluation(task=task.name, backend=backend.name, language=language, status=Status.harness_error,
                        candidate_hash=candidate_hash(candidate), environment=self._environment())
        try:
            self._evaluate(task, candidate, ev)
        except _Stop as stop:
            ev.status, ev.message = stop.status, stop.message
            ev.stderr_tail = stop.stderr[-3000:]
        except UserError as e:  # a broken task definition: the task's fault, said plainly
            ev.status, ev.message = Status.harness_error, str(e)
        ev.reward = reward_for(ev)
        ev.seconds = time.perf_counter() - started
        return ev

    # ------------------------------------------------------------ phases

    def _evaluate(self, task: Task, cand: Candidate, ev: Evaluation) -> None:
        backend = self.registry.backend(cand.backend)
        avail = backend.probe()
        try:
            ev.device = backend.device_info().name
        except Exception as e:  # a device query failing is reported, not fatal
            ev.device = f"unknown ({type(e).__name__}: {e})"
        if not avail.compile:
            raise _Stop(Status.unavailable, "; ".join(f"{m}: {r}" for m, r in avail.reasons.items())
                        or "backend cannot compile here")
        worker = self.pool.get(backend.name)
        ev.environment["network_isolated"] = str(self._worker_isolated(worker))

        reply = self._request(worker, ev, {"op": "compile", "candidate": cand.model_dump(mode="json"),
                                           "signature": task.signature.model_dump(mode="json")},
                              self.options.limits.compile_timeout_s)
        if not reply["ok"]:
            err = reply["error"]
            ev.compile = CompileResult(ok=False, diagnostics=[Diagnostic(
                severity=Severity.error, message=f"{err['type']}: {err['message']}", file=cand.filename,
                line=err.get("line"), source_line=err.get("source_line"))], log=err.get("traceback", ""))
            raise _Stop(Status.compile_error, ev.compile.diagnostics[0].message)
        ev.compile = CompileResult.model_validate(reply["result"])
        chosen = ev.compile.profile.detail.get("device_label") if ev.compile.profile else None
        if chosen:  # the device the candidate's `device` option picked, not the backend's default
            ev.device = str(chosen)
        ev.profile = ev.compile.profile
        for name, verdict, detail in reply.get("static_integrity", []):
            ev.integrity.add(name, Verdict(verdict), detail)
        if not ev.compile.ok:
            first = next((d for d in ev.compile.diagnostics if d.severity == Severity.error), None)
            raise _Stop(Status.compile_error, first.message if first else "compilation failed")
        if ev.compile.compile_only or not avail.run:
            ev.status = Status.compile_only
            ev.message = ("compiled only: " + avail.reasons.get("run", "the target cannot run here"))
            if self.options.counters:
                ev.counters = Profile.unavailable("compiled only: no call ran here to read counters of")
            return
        if ev.integrity.violated:
            raise _Stop(Status.integrity_violation, _violations(ev.integrity))

        self._check_runs(task, cand, ev, worker, ev.compile.artifact_key or "")
        if ev.integrity.violated:
            raise _Stop(Status.integrity_violation, _violations(ev.integrity))
        if not all(r.ok for r in ev.runs):
            bad = next(r for r in ev.runs if not r.ok)
            raise _Stop(Status.incorrect, f"{bad.shape.label} seed #{bad.seed_index}: "
                        + (bad.error or "; ".join(c.message for c in bad.checks if not c.passed)))
        if self.options.time and avail.time:
            self._time(task, ev, worker, ev.compile.artifact_key or "")
            if ev.integrity.violated:
                raise _Stop(Status.integrity_violation, _violations(ev.integrity))
        if self.options.counters:
            ev.counters = self._counters(task, cand, ev, worker, ev.compile.artifact_key or "")
        ev.status = Status.correct
        ev.message = "correct" + (f", speedup {ev.speedup:.2f}x" if ev.speedup else "")

    def _check_runs(self, task: Task, cand: Candidate, ev: Evaluation, worker: Worker, key: str) -> None:
        """Visible shapes x several fresh seeds, a repeat, then held-out shapes; seeds drawn now."""
        rng = random.SystemRandom()
        n_seeds = self.options.seeds_per_shape or task.seeds_per_shape
        plan: list[tuple[Shape, int, str]] = []
        for shape in task.shapes(include_heldout=False):
            plan += [(shape, i, "check") for i in range(n_seeds)]
        if self.options.heldout:
            plan += [(s, 0, "heldout") for s in task.shapes(include_heldout=True)[len(task.visible_shapes):]]
        seeds = {(s.label, i): rng.getrandbits(62) for s, i, _ in plan}
        previous: dict[str, list[dict[str, np.ndarray]]] = {}
        first_visible = plan[0][0]
        for shape, i, purpose in plan:
            rr, outs = self._run_once(task, ev, worker, key, shape, seeds[(shape.label, i)], i, purpose)
            ev.runs.append(rr)
            if not rr.ok and outs is not None:
                for prev in previous.get(shape.label, []):
                    if all(np.array_equal(outs[k], prev[k], equal_nan=True) for k in prev):
                        ev.integrity.add("call_order", Verdict.failed,
                                         f"{shape.label}: returned the result of an earlier call for new inputs "
                                         "(cached or stale output)")
                        return
            if rr.ok and outs is not None:  # only a result that was right for its own call can be replayed
                previous.setdefault(shape.label, []).append(outs)
            if purpose == "check" and shape is first_visible and i == n_seeds - 1:
                rr2, _ = self._run_once(task, ev, worker, key, shape, seeds[(shape.label, 0)], 0, "repeat")
                ev.runs.append(rr2)
        if not any(c.name == "call_order" for c in ev.integrity.checks):
            ev.integrity.add("call_order", Verdict.passed, "each call's output matched its own inputs")
        mutated = [r for r in ev.runs if not r.inputs_unchanged]
        ev.integrity.add("inputs_unchanged", Verdict.failed if mutated else Verdict.passed,
                         f"inputs modified in {len(mutated)} run(s): {mutated[0].error}" if mutated
                         else "input checksums identical before and after every run")
        never = sum(c.never_written for r in ev.runs for c in r.checks)
        ev.integrity.add("outputs_written", Verdict.warn if never else Verdict.passed,
                         f"{never} output elements never written (still poisoned)" if never
                         else "every output element written in every run")
        visible_ok = all(r.ok for r in ev.runs if r.purpose != "heldout")
        heldout = [r for r in ev.runs if r.purpose == "heldout"]
        if heldout:
            failed = [r for r in heldout if not r.ok]
            ev.integrity.add("heldout_shapes", Verdict.warn if (failed and visible_ok) else Verdict.passed,
                             f"correct on the visible shapes but wrong on {len(failed)} of {len(heldout)} "
                             "held-out shapes: special-cased to the visible shapes?" if failed and visible_ok
                             else f"{len(heldout) - len(failed)} of {len(heldout)} held-out shapes correct")

    def _call_arrays(self, task: Task, shape: Shape, seed: int) -> tuple[dict, dict, dict]:
        inputs = taskrt.generate_inputs(task, shape.values, seed)
        expected = taskrt.reference_outputs(task, inputs, shape.values)
        prng = np.random.default_rng(seed ^ 0x5EED)
        poisons = {name: make_poison(dt, prng) for name, (_, dt) in taskrt.output_specs(task, shape.values).items()}
        return inputs, expected, poisons

    def _run_once(self, task: Task, ev: Evaluation, worker: Worker, key: str, shape: Shape, seed: int,
                  seed_index: int, purpose: str) -> tuple[RunResult, dict[str, np.ndarray] | None]:
        inputs, expected, poisons = self._call_arrays(task, shape, seed)
        arrays = self._with_outputs(task, shape, inputs, poisons)
        reply = self._request(worker, ev, {"op": "run", "key": key, "arrays": arrays,
                                           "params": taskrt.params_for(task, shape.values),
                                           "signature": task.signature.model_dump(mode="json")},
                              self.options.limits.run_timeout_s)
        if not reply["ok"]:
            err = reply["error"]
            where = f" (line {err['line']}: {err['source_line']})" if err.get("line") else ""
            status = Status.out_of_memory if err.get("out_of_memory") else Status.runtime_error
            raise _Stop(status, f"{shape.label}: {err['type']}: {err['message']}{where}",
                        reply.get("stderr", "") + err.get("traceback", ""))
        got = reply["arrays"]
        rr = RunResult(shape=shape, seed_index=seed_index, purpose=purpose, ok=True,  # type: ignore[arg-type]
                       host_seconds=reply.get("host_seconds"))
        mutated = [k for k in inputs if k not in task.signature.mutable_inputs
                   and (k not in got or not same_bytes(got[k], inputs[k]))]
        if mutated:
            rr.inputs_unchanged = False
            rr.error = f"input(s) {mutated} modified"
        outs = {}
        for spec in task.signature.outputs:
            tol = task.tolerances.get(spec.dtype)
            value = got.get(spec.name)
            backend = self.registry.backend(ev.backend)
            check = backend.check(spec.name, value, expected[spec.name], tol, poisons[spec.name])
            rr.checks.append(check)
            if isinstance(value, np.ndarray):
                outs[spec.name] = value
        rr.ok = all(c.passed for c in rr.checks) and rr.inputs_unchanged
        return rr, outs

    def _with_outputs(self, task: Task, shape: Shape, inputs: dict, poisons: dict) -> dict[str, np.ndarray]:
        arrays = dict(inputs)
        for name, (dims, _) in taskrt.output_specs(task, shape.values).items():
            arrays[name] = poisoned(dims, poisons[name])
        return arrays

    def _time(self, task: Task, ev: Evaluation, worker: Worker, key: str) -> None:
        policy = self.options.policy
        backend = self.registry.backend(ev.backend)
        info = backend.device_info()
        timeout = self.options.limits.run_timeout_s * 2 + policy.budget_s * 4
        rng = random.SystemRandom()
        for shape in task.shapes(include_heldout=False):
            seed = rng.getrandbits(62)
            inputs, expected, poisons = self._call_arrays(task, shape, seed)
            reply = self._request(worker, ev, {"op": "time", "key": key, "policy": vars(policy),
                                               "arrays": self._with_outputs(task, shape, inputs, poisons),
                                               "params": taskrt.params_for(task, shape.values),
                                               "signature": task.signature.model_dump(mode="json")}, timeout)
            if not reply["ok"]:
                err = reply["error"]
                raise _Stop(Status.runtime_error, f"while timing {shape.label}: {err['type']}: {err['message']}",
                            err.get("traceback", ""))
            timing = Timing.model_validate(reply["timing"]).model_copy(update={"shape": shape})
            if reply.get("profile"):  # measured at run time: replaces the static one from the compiler
                ev.profile = Profile.model_validate(reply["profile"])
            for spec in task.signature.outputs:
                c = backend.check(spec.name, reply["arrays"].get(spec.name), expected[spec.name],
                                  task.tolerances.get(spec.dtype), poisons[spec.name])
                if not c.passed:
                    ev.integrity.add("last_timed_output", Verdict.failed,
                                     f"{shape.label}: correct in the check runs but the output of the last timed "
                                     f"run is wrong ({c.message}): work skipped while being timed?")
                    return
            self._cross_check(ev, timing, shape)
            ref = self._reference_timing(task, ev, shape, inputs, timeout)
            flops, nbytes = taskrt.counts(task, shape.values)
            ev.timings.append(ShapeTiming(shape=shape, candidate=timing, reference=ref,
                                          speedup=(ref.median / timing.median) if ref and timing.median > 0 else None,
                                          roofline=roofline(flops, nbytes, timing.median, info)))
        ev.integrity.add("last_timed_output", Verdict.passed, "the last timed run's outputs are correct")
        speedups = [t.speedup for t in ev.timings if t.speedup]
        if speedups:
            ev.speedup = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
        fracs = [t.roofline.fraction for t in ev.timings if t.roofline and t.roofline.fraction]
        if fracs:
            ev.roofline_fraction = max(fracs)

    def _counters(self, task: Task, cand: Candidate, ev: Evaluation, worker: Worker, key: str) -> Profile:
        """Hardware counters of one call at the visible shape that moves the most bytes; the worker
        replays it under the backend's counter tool. A missing tool or a failed read is said, not fatal."""
        shape = max(task.shapes(include_heldout=False), key=lambda s: taskrt.counts(task, s.values)[1])
        inputs, _, poisons = self._call_arrays(task, shape, random.SystemRandom().getrandbits(62))
        reply = self._request(worker, ev, {"op": "counters", "key": key, "candidate": cand.model_dump(mode="json"),
                                           "arrays": self._with_outputs(task, shape, inputs, poisons),
                                           "params": taskrt.params_for(task, shape.values),
                                           "shape": shape.described,
                                           "signature": task.signature.model_dump(mode="json")},
                              self.options.counters_timeout_s + self.options.limits.compile_timeout_s)
        if not reply["ok"]:
            err = reply["error"]
            return Profile.unavailable(f"reading counters failed: {err['type']}: {err['message']}")
        return Profile.model_validate(reply["profile"])

    def _cross_check(self, ev: Evaluation, timing: Timing, shape: Shape) -> None:
        if not timing.device_time or not timing.host_samples:
            if not any(c.name == "device_vs_host" for c in ev.integrity.checks):
                ev.integrity.add("device_vs_host", Verdict.skipped, "host-timed: nothing to cross-check")
            return
        over = [(d, h) for d, h in zip(timing.samples, timing.host_samples)
                if d > h * DEVICE_OVER_HOST + DEVICE_OVER_HOST_ABS_S]
        if over:
            d, h = over[0]
            ev.integrity.add("device_vs_host", Verdict.failed,
                             f"{shape.label}: device time {d * 1e3:.3f} ms exceeds the host wall time "
                             f"{h * 1e3:.3f} ms of the same call in {len(over)} samples: clock not trustworthy")
            return
        dev, host = timing.median, float(np.median(timing.host_samples))
        if host > 20 * dev + 1e-3:
            ev.integrity.add("device_vs_host", Verdict.warn,
                             f"{shape.label}: host wall time {host * 1e3:.3f} ms is far above device time "
                             f"{dev * 1e3:.3f} ms: work outside the timed kernels?")
        elif not any(c.name == "device_vs_host" for c in ev.integrity.checks):
            ev.integrity.add("device_vs_host", Verdict.passed, "device times within host wall times")

    def _reference_timing(self, task: Task, ev: Evaluation, shape: Shape, inputs: dict,
                          timeout: float) -> Timing | None:
        """The baseline's timing (cached for the run); a failure is recorded, never hidden."""
        backend = ev.backend
        # every backend that keeps the default baseline (NumPy on the host) shares one measurement per
        # task and shape in this run, rather than timing the same NumPy call once per backend
        host = type(self.registry.backend(backend)).time_reference is Backend.time_reference
        key = ("numpy-on-host" if host else backend, task.name, repr(sorted(shape.values.items())))
        if key not in self._reference_timings:
            worker = self.pool.get(backend, role="reference")
            try:
                reply = worker.request({"op": "time_reference", "task": task.model_dump(mode="json"),
                                        "arrays": inputs, "shape": shape.values,
                                        "policy": vars(self.options.policy)}, timeout)
            except WorkerFailure as f:
                ev.environment["reference_timing"] = f"failed: {f.detail}"
                return None
            if not reply["ok"]:
                ev.environment["reference_timing"] = f"failed: {reply['error']['type']}: {reply['error']['message']}"
                return None
            if reply["timing"] is None:
                ev.environment["reference_timing"] = "none: no baseline on this device"
                return None
            self._reference_timings[key] = Timing.model_validate(reply["timing"]).model_copy(update={"shape": shape})
        return self._reference_timings[key]

    # ------------------------------------------------------------ plumbing

    def _request(self, worker: Worker, ev: Evaluation, msg: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            reply = worker.request(msg, timeout)
        except WorkerFailure as f:
            raise _Stop(_FAILURE_STATUS[f.kind], f"{msg['op']}: {f.detail}", f.stderr_tail) from None
        if reply.get("tampered"):
            worker.dirty = True
            ev.integrity.add("timer_integrity", Verdict.failed,
                             f"candidate code replaced objects the measurement relies on: {reply['tampered'][:5]}")
            raise _Stop(Status.integrity_violation, _violations(ev.integrity), reply.get("stderr", ""))
        if reply.get("stderr"):
            ev.stderr_tail = (ev.stderr_tail + reply["stderr"])[-3000:]
        return reply

    def _worker_isolated(self, worker: Worker) -> bool:
        if worker.network_isolated is False and worker.uses == 0:
            try:
                reply = worker.request({"op": "ping"}, 30)
                worker.network_isolated = reply.get("netns") != self._netns
            except WorkerFailure:
                return False
        return worker.network_isolated

    def _environment(self) -> dict[str, str]:
        from kernelhub import __version__
        return {"kernelhub": __version__, "python": platform.python_version(), "host": platform.node(),
                "machine": platform.machine()}


def _violations(integrity: Integrity) -> str:
    return "; ".join(f"{c.name}: {c.detail}" for c in integrity.checks if c.verdict == Verdict.failed)


def _netns() -> str:
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return ""


def roofline(flops: float, nbytes: float, seconds: float, info: Any) -> Roofline:
    r = Roofline(flops=flops, bytes=nbytes, seconds=seconds,
                 achieved_flops_per_s=flops / seconds if seconds > 0 else 0.0,
                 achieved_bytes_per_s=nbytes / seconds if seconds > 0 else 0.0,
                 peak_flops_per_s=info.peak_flops_per_s, peak_bytes_per_s=info.peak_bytes_per_s,
                 estimate=not info.peaks_measured)
    fractions = []
    if info.peak_flops_per_s and flops:
        fractions.append(("compute", r.achieved_flops_per_s / info.peak_flops_per_s))
    if info.peak_bytes_per_s and nbytes:
        fractions.append(("memory", r.achieved_bytes_per_s / info.peak_bytes_per_s))
    if fractions:
        r.bound, r.fraction = max(fractions, key=lambda x: x[1])  # type: ignore[assignment]
    return r


def evaluate(task: Task | str, candidate: Candidate, options: EvalOptions | None = None) -> Evaluation:
    """Evaluate one candidate with a fresh evaluator (use ``Evaluator`` to keep workers warm)."""
    with Evaluator(options) as ev:
        return ev.evaluate(task, candidate)
