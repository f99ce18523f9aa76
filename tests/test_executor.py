"""The local executor: measured jobs one at a time, simulated ones side by side, results in job order."""

from __future__ import annotations

import threading

from kernelhub.backend import TimingPolicy
from kernelhub.executor import Job, LocalExecutor, read_results
from kernelhub.models import Candidate
from kernelhub.pipeline import EvalOptions
from kernelhub.plugins import registry

from conftest import isa_sims_evaluator, null_candidate, small_task

ADD = "def kernel(x, y, out, n):\n    out[:] = x + y\n"


def test_simulated_jobs_run_side_by_side_measured_ones_alone(tmp_path) -> None:
    with isa_sims_evaluator():
        reg = registry()
        task = small_task("vector_add", visible=[{"n": 4099}], heldout=[{"n": 1}])
        reg.tasks[task.name] = task
        vdsp = reg.starter(task, "vdsp")
        jobs = [Job(task.name, null_candidate(ADD), label="null-a"),
                Job(task.name, Candidate(backend="vdsp", source=vdsp, filename="a.s"), label="vdsp-a"),
                Job(task.name, Candidate(backend="vdsp-small", source=vdsp, filename="b.s"), label="vdsp-b"),
                Job(task.name, null_candidate(ADD + "\n"), label="null-b"),
                Job(task.name, Candidate(backend="vdsp-wide", source=vdsp, filename="c.s"), label="vdsp-c")]
        where: dict[str, str] = {}
        ex = LocalExecutor(EvalOptions(policy=TimingPolicy.quick(), seeds_per_shape=1), registry=reg, lanes=2)
        serial, side = ex._split(jobs)
        assert serial == [0, 3] and side == [1, 2, 4]
        out = ex.run(jobs, tmp_path / "r.jsonl",
                     on_result=lambda job, ev, reused: where.__setitem__(job.label, threading.current_thread().name))
    assert [e.backend for e in out] == [j.candidate.backend for j in jobs]  # job order, whatever finished first
    assert all(e.status.value == "correct" for e in out), [(e.backend, e.message) for e in out]
    assert where["null-a"] == where["null-b"] == threading.main_thread().name
    assert all(where[k].startswith("kernelhub-lane-") for k in ("vdsp-a", "vdsp-b", "vdsp-c"))
    assert len(read_results(tmp_path / "r.jsonl")) == len(jobs)  # each recorded exactly once
