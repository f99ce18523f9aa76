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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

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
    """The default executor: jobs run one after another in warm local workers
    (one machine's timings stay comparable when jobs do not compete for cores)."""

    options: EvalOptions = field(default_factory=EvalOptions)
    registry: Registry | None = None

    def run(self, jobs: list[Job], results: Path | None = None, resume: bool = False,
            on_result: Callable[[Job, Evaluation, bool], None] | None = None) -> list[Evaluation]:
        done = read_results(results) if (results is not None and resume) else {}
        if results is not None:
            results.parent.mkdir(parents=True, exist_ok=True)
            if not resume and results.exists():
                results.unlink()
            elif resume and results.exists():
                _compact(results)
        out: list[Evaluation] = []
        with Evaluator(self.options, reg=self.registry) as evaluator:
            for job, ev, reused in self._iterate(jobs, done, evaluator):
                if results is not None and not reused:
                    _append(results, job, ev)
                out.append(ev)
                if on_result:
                    on_result(job, ev, reused)
        return out

    def _iterate(self, jobs: list[Job], done: dict[str, Evaluation],
                 evaluator: Evaluator) -> Iterator[tuple[Job, Evaluation, bool]]:
        for job in jobs:
            if job.key in done:
                yield job, done[job.key], True
                continue
            if job.skip_reason:
                yield job, _skipped(job, job.skip_reason), False
                continue
            try:
                ev = evaluator.evaluate(job.task, job.candidate)
            except UserError as e:
                ev = _skipped(job, str(e), Status.harness_error)
            except Exception as e:  # nothing escapes: the run goes on and the job is recorded
                ev = _skipped(job, f"harness error: {type(e).__name__}: {e}", Status.harness_error)
            yield job, ev, False


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
