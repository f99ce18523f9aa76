"""Runs the task x backend x candidate matrix on a Ray cluster.

Same contract and JSONL as :class:`kernelhub.executor.LocalExecutor` (same job keys,
same record layout, written by the driver only, one line per job): only where a job
runs differs. Records are appended in completion order rather than job order.

Placement is by Ray custom resources. Every node advertises what it can do as
``kh_<backend>`` (compile here) and ``kh_<backend>_run`` (run and time here), computed
from the backends' probes by :func:`node_resources` (``kernelhub ray-resources`` prints
them for ``ray start --resources``). A job asks for ``kh_<backend>_run`` when some live
node offers it, else for ``kh_<backend>`` (a compile-only row), else it is recorded as
unschedulable with the reason instead of waiting forever.

Faults: a task whose node dies is retried by Ray on another node that has the resource,
at most ``max_retries`` times; a job left pending on a resource no live node offers any
more is cancelled and recorded as unschedulable; the driver interrupted mid-run resumes
from the JSONL (``resume=True``) without redoing finished jobs. Ray is optional: it is
imported only here, only when this executor runs.
"""

from __future__ import annotations

import atexit
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kernelhub.errors import UserError
from kernelhub.executor import Job, _append, _compact, _skipped, read_results
from kernelhub.models import Candidate, Evaluation, Status, Task
from kernelhub.pipeline import EvalOptions
from kernelhub.plugins import Registry, registry

RESOURCE_PREFIX = "kh_"
#: units each node advertises per resource; a job takes one (concurrency is bounded by CPUs)
ADVERTISED_UNITS = 1000
#: environment variables the driver forwards to every Ray worker (plugins, imported suites)
FORWARDED_ENV = ("KERNELHUB_PLUGINS", "KERNELHUB_IMPORTS")


def resource_name(backend: str, mode: str = "compile") -> str:
    """``kh_numba`` (can compile) or ``kh_numba_run`` (can run and time)."""
    safe = backend.replace("-", "_")
    return f"{RESOURCE_PREFIX}{safe}" + ("_run" if mode == "run" else "")


def node_resources(reg: Registry | None = None, include_test: bool = True) -> dict[str, float]:
    """The custom resources this machine should advertise, from each backend's probe."""
    reg = reg or registry()
    out: dict[str, float] = {}
    for name, backend in sorted(reg.backends.items()):
        if backend.test_only and not include_test:
            continue
        try:
            avail = backend.probe()
        except Exception:
            continue
        if avail.compile:
            out[resource_name(name)] = ADVERTISED_UNITS
        if avail.run:
            out[resource_name(name, "run")] = ADVERTISED_UNITS
    return out


# ---------------------------------------------------------------- remote side

_EVALUATOR: Any = None


def _remote_evaluate(task_json: dict[str, Any], cand_json: dict[str, Any], options: EvalOptions) -> dict[str, Any]:
    """Body of the Ray task: one warm Evaluator per Ray worker process, reused by every job
    that lands there (Ray reuses worker processes), closed when the process exits."""
    global _EVALUATOR
    from kernelhub.pipeline import Evaluator

    if _EVALUATOR is None:
        _EVALUATOR = Evaluator(options)
        atexit.register(_EVALUATOR.close)
    task = Task.model_validate(task_json)
    cand = Candidate.model_validate(cand_json)
    try:
        ev = _EVALUATOR.evaluate(task, cand)
    except UserError as e:
        ev = _skipped_ev(task.name, cand, str(e))
    except Exception as e:  # recorded, like the local executor does
        ev = _skipped_ev(task.name, cand, f"harness error: {type(e).__name__}: {e}")
    return ev.model_dump(mode="json")


def _skipped_ev(task: str, cand: Candidate, msg: str) -> Evaluation:
    return _skipped(Job(task=task, candidate=cand), msg, Status.harness_error)


# ---------------------------------------------------------------- driver


@dataclass
class RayExecutor:
    """Jobs as Ray tasks on a cluster (``address``: ``host:port`` of its head; None: start or
    join a local one as ``ray.init`` does)."""

    options: EvalOptions = field(default_factory=EvalOptions)
    registry: Registry | None = None
    address: str | None = None
    max_retries: int = 2
    #: seconds between checks that every pending job still has a live node to run on
    watch_interval_s: float = 2.0
    #: a pending job whose resource no live node offers is dropped after this long
    unschedulable_grace_s: float = 10.0

    def run(self, jobs: list[Job], results: Path | None = None, resume: bool = False,
            on_result: Callable[[Job, Evaluation, bool], None] | None = None) -> list[Evaluation]:
        try:
            import ray
        except ImportError:
            raise UserError("the Ray executor needs Ray, which is not installed",
                            "pip install 'kernelhub[ray]' (or use the default executor)") from None
        reg = self.registry or registry()
        done = read_results(results) if (results is not None and resume) else {}
        if results is not None:
            results.parent.mkdir(parents=True, exist_ok=True)
            if not resume and results.exists():
                results.unlink()
            elif resume and results.exists():
                _compact(results)
        by_index: dict[int, Evaluation] = {}

        def record(i: int, ev: Evaluation, reused: bool) -> None:
            if i in by_index:  # never twice, whatever Ray does
                return
            by_index[i] = ev
            if results is not None and not reused:
                _append(results, jobs[i], ev)
            if on_result:
                on_result(jobs[i], ev, reused)

        started_here = not ray.is_initialized()
        if started_here:
            env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
            kw: dict[str, Any] = {"runtime_env": {"env_vars": env}} if env else {}
            if self.address is None:  # a fresh single-node cluster: this machine, its own resources
                kw.update(address="local", resources=node_resources(reg), include_dashboard=False)
            else:
                kw.update(address=self.address)
            ray.init(log_to_driver=False, logging_level="ERROR", **kw)
        try:
            remote = ray.remote(_remote_evaluate)
            pending: dict[Any, tuple[int, str]] = {}
            seen_keys: set[str] = set()
            offered = _offered(ray)
            for i, job in enumerate(jobs):
                if job.key in done or job.key in seen_keys:
                    # a key repeated within one run is one job: record it once, reuse the result
                    if job.key in done:
                        record(i, done[job.key], True)
                    continue
                seen_keys.add(job.key)
                if job.skip_reason:
                    record(i, _skipped(job, job.skip_reason), False)
                    continue
                res = _choose_resource(job.candidate.backend, offered)
                if res is None:
                    record(i, _unschedulable(job, offered), False)
                    continue
                try:
                    task_json = reg.task(job.task).model_dump(mode="json")
                except UserError as e:
                    record(i, _skipped(job, str(e), Status.harness_error), False)
                    continue
                ref = remote.options(num_cpus=1, resources={res: 1}, max_retries=self.max_retries,
                                     retry_exceptions=False).remote(
                    task_json, job.candidate.model_dump(mode="json"), self.options)
                pending[ref] = (i, res)
            self._drain(ray, jobs, pending, record)
            # jobs whose key repeated: same result as their first occurrence
            first = {}
            for i, job in enumerate(jobs):
                if i in by_index:
                    first.setdefault(job.key, by_index[i])
            for i, job in enumerate(jobs):
                if i not in by_index and job.key in first:
                    by_index[i] = first[job.key]
                    if on_result:
                        on_result(job, first[job.key], True)
        finally:
            if started_here:
                ray.shutdown()
        return [by_index[i] for i in sorted(by_index)]

    def _drain(self, ray: Any, jobs: list[Job], pending: dict[Any, tuple[int, str]],
               record: Callable[[int, Evaluation, bool], None]) -> None:
        starved_since: dict[Any, float] = {}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=self.watch_interval_s)
            for ref in ready:
                i, _res = pending.pop(ref)
                starved_since.pop(ref, None)
                try:
                    ev = Evaluation.model_validate(ray.get(ref))
                except Exception as e:  # retries exhausted (node lost each time) or cancelled
                    ev = _skipped(jobs[i], f"lost on the Ray cluster after at most {self.max_retries} "
                                  f"retries: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                                  Status.harness_error)
                record(i, ev, False)
            if ready:
                continue
            offered = _offered(ray)
            now = time.monotonic()
            for ref, (i, res) in list(pending.items()):
                if offered.get(res):
                    starved_since.pop(ref, None)
                    continue
                since = starved_since.setdefault(ref, now)
                if now - since >= self.unschedulable_grace_s:
                    ray.cancel(ref, force=True)
                    pending.pop(ref)
                    starved_since.pop(ref)
                    ev = _unschedulable(jobs[i], offered, f"{res} left the cluster while the job waited; ")
                    record(i, ev, False)


def _offered(ray: Any) -> dict[str, float]:
    """kernelhub resources of the live nodes (resource -> total units over them)."""
    out: dict[str, float] = {}
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        for k, v in node.get("Resources", {}).items():
            if k.startswith(RESOURCE_PREFIX):
                out[k] = out.get(k, 0) + v
    return out


def _choose_resource(backend: str, offered: dict[str, float]) -> str | None:
    for res in (resource_name(backend, "run"), resource_name(backend)):
        if offered.get(res):
            return res
    return None


def _unschedulable(job: Job, offered: dict[str, float], prefix: str = "") -> Evaluation:
    backend = job.candidate.backend
    have = sorted({k for k in offered}) or ["none"]
    msg = (f"unschedulable: {prefix}no live node of the Ray cluster advertises {resource_name(backend, 'run')} "
           f"or {resource_name(backend)} (advertised: {', '.join(have)}); start a node where "
           f"`kernelhub backends` shows {backend} available, with `ray start --resources` from "
           f"`kernelhub ray-resources`")
    return _skipped(job, msg, Status.unavailable)
