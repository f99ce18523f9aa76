"""Runs many evaluations: the task x backend x candidate matrix of a benchmark.

Results stream to a JSONL file as each job finishes (flushed and fsynced), so
an interrupted run loses nothing and ``resume`` skips every job already
recorded. One bad job never stops the run: anything that escapes the pipeline
becomes a recorded ``harness_error``.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kernelhub.errors import UserError
from kernelhub.models import Candidate, Evaluation, Status, Task
from kernelhub.pipeline import EvalOptions, Evaluator, candidate_hash
from kernelhub.plugins import Registry


@dataclass
class Job:
    task: str
    candidate: Candidate
    label: str = "starter"
    #: set when the job cannot run at all (no starter for the language, backend unavailable)
    skip_reason: str | None = None

    @property
    def key(self) -> str:
        blob = f"{self.task}\0{self.label}\0{candidate_hash(self.candidate)}"
        return hashlib.sha256(blob.encode()).hexdigest()[:20]


def starter_jobs(reg: Registry, tasks: Iterable[Task], backends: Iterable[str]) -> list[Job]:
    """One job per task and backend with the task's starter; a missing starter is a job
    that records why, so the table says so instead of silently missing it."""
    jobs = []
    for backend_name in backends:
        backend = reg.backend(backend_name)
        for task in tasks:
            lang = backend.default_language
            source = reg.starter(task, backend_name, lang)
            cand = Candidate(backend=backend_name, language=lang, source=source or "",
                             filename=f"{task.name}.starter")
            jobs.append(Job(task=task.name, candidate=cand,
                            skip_reason=None if source else f"no {lang} starter for task {task.name}"))
    return jobs


def read_results(path: Path) -> dict[str, Evaluation]:
    """Finished jobs in a results file; a torn last line (interrupted write) is ignored."""
    done: dict[str, Evaluation] = {}
    if not path.exists():
        return done
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            done[rec["job"]] = Evaluation.model_validate(rec["evaluation"])
        except (ValueError, KeyError):
            continue
    return done


def _skipped(job: Job, reason: str, status: Status = Status.unavailable) -> Evaluation:
    return Evaluation(task=job.task, backend=job.candidate.backend, language=job.candidate.language or "",
                      status=status, message=reason, candidate_hash=candidate_hash(job.candidate))


@dataclass
class LocalExecutor:
    """The default executor: jobs whose timings are measured on this machine run one after another
    in warm local workers (timings stay comparable when jobs do not compete for cores); jobs that
    measure nothing here (compile-only) or whose time is simulated then run ``lanes`` at a time."""

    options: EvalOptions = field(default_factory=EvalOptions)
    registry: Registry | None = None
    lanes: int | None = None

    def run(self, jobs: list[Job], results: Path | None = None, resume: bool = False,
            on_result: Callable[[Job, Evaluation, bool], None] | None = None) -> list[Evaluation]:
        done = read_results(results) if (results is not None and resume) else {}
        if results is not None:
            results.parent.mkdir(parents=True, exist_ok=True)
            if not resume and results.exists():
                results.unlink()
            elif resume and results.exists():
                _compact(results)
        out: list[Evaluation | None] = [None] * len(jobs)
        lock = threading.Lock()

        def record(i: int, job: Job, ev: Evaluation, reused: bool) -> None:
            with lock:
                if results is not None and not reused:
                    _append(results, job, ev)
                out[i] = ev
                if on_result:
                    on_result(job, ev, reused)

        serial, side_by_side = self._split(jobs)
        with Evaluator(self.options, reg=self.registry) as evaluator:
            for i in serial:
                record(i, jobs[i], *_evaluate(jobs[i], done, evaluator))
        lanes = max(1, min(self.lanes or os.cpu_count() or 1, len(side_by_side)))
        if side_by_side:
            pending = queue.SimpleQueue()
            for i in side_by_side:
                pending.put(i)

            def lane() -> None:
                with Evaluator(self.options, reg=self.registry) as evaluator:
                    while True:
                        try:
                            i = pending.get_nowait()
                        except queue.Empty:
                            return
                        record(i, jobs[i], *_evaluate(jobs[i], done, evaluator))

            threads = [threading.Thread(target=lane, name=f"kernelhub-lane-{k}") for k in range(lanes)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return [ev for ev in out if ev is not None]

    def _split(self, jobs: list[Job]) -> tuple[list[int], list[int]]:
        """(indices to run one at a time, indices that may run side by side)."""
        from kernelhub.plugins import registry as default_registry
        reg = self.registry or default_registry()
        safe: dict[str, bool] = {}
        serial, side = [], []
        for i, job in enumerate(jobs):
            name = job.candidate.backend
            if name not in safe:
                try:
                    b = reg.backend(name)
                    safe[name] = b.load_independent_timing or not self.options.time or not b.probe().time
                except UserError:
                    safe[name] = False
            (side if safe[name] and not job.skip_reason else serial).append(i)
        return serial, side


def _evaluate(job: Job, done: dict[str, Evaluation], evaluator: Evaluator) -> tuple[Evaluation, bool]:
    """(evaluation, reused): a finished job's recorded result, a skip, or a fresh evaluation;
    nothing escapes, so one bad job never stops the run."""
    if job.key in done:
        return done[job.key], True
    if job.skip_reason:
        return _skipped(job, job.skip_reason), False
    try:
        return evaluator.evaluate(job.task, job.candidate), False
    except UserError as e:
        return _skipped(job, str(e), Status.harness_error), False
    except Exception as e:  # noqa: BLE001 - recorded as the job's result
        return _skipped(job, f"harness error: {type(e).__name__}: {e}", Status.harness_error), False


def _compact(path: Path) -> None:
    """Keep only whole records, so appending after a torn last line stays parseable."""
    keep = []
    for line in path.read_text().splitlines():
        try:
            json.loads(line)
            keep.append(line)
        except ValueError:
            continue
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(k + "\n" for k in keep))
    os.replace(tmp, path)


def _append(path: Path, job: Job, ev: Evaluation) -> None:
    line = json.dumps({"job": job.key, "label": job.label, "evaluation": ev.model_dump(mode="json")})
    with open(path, "a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def bench_backends(reg: Registry, names: list[str] | None, include_test: bool = False) -> list[str]:
    """The backends a bench run covers: those named, else every one that can at least
    compile here (compile-only ones give compile-only rows, said as such). Interpreted
    backends (Triton's interpreter on a CPU) are left out unless named: their timings
    mean nothing and full-size shapes take minutes."""
    if names:
        for n in names:
            reg.backend(n)
        return names
    chosen = []
    for name, backend in sorted(reg.backends.items()):
        if backend.test_only and not include_test:
            continue
        if backend.probe().compile and not backend.interpreted:
            chosen.append(name)
    if not chosen:
        raise UserError("no backend can run on this machine", "`kernelhub backends` says why for each")
    return chosen
