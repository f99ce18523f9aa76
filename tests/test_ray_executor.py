"""The Ray executor on a real local cluster: a head and two worker nodes started here
(127.0.0.1 only, own temp dir and ports), one worker node killed mid-run.

Jobs run the test-only ``null`` backend on a small vector_add, so the test measures
the executor, not kernels. Every job must be recorded exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'kernelhub[ray]')")
psutil = pytest.importorskip("psutil")

from kernelhub.backend import TimingPolicy  # noqa: E402
from kernelhub.executor import Job, LocalExecutor, read_results  # noqa: E402
from kernelhub.isolation import Limits  # noqa: E402
from kernelhub.models import Candidate, Status  # noqa: E402
from kernelhub.pipeline import EvalOptions  # noqa: E402
from kernelhub.plugins import build_registry  # noqa: E402
from kernelhub.ray_executor import RayExecutor, node_resources, resource_name  # noqa: E402

from conftest import small_task  # noqa: E402

RAY = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
NULL = {resource_name("null"): 1000, resource_name("null", "run"): 1000}
FAST_DEATH = {"RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "3",
              "RAY_health_check_initial_delay_ms": "500", "RAY_health_check_timeout_ms": "500"}

KERNEL = """
import time
import numpy as np
def kernel(x, y, out, n):
    time.sleep({sleep})  # variant {i}
    np.add(x, y, out=out)
"""


def _free_ports(n: int) -> list[int]:
    """n distinct free ports (held together while chosen, so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a node we started and everything under it (raylet, its workers)."""
    try:
        parent = psutil.Process(proc.pid)
        procs = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


class Cluster:
    """Three Ray nodes on this machine, each `ray start --block` in its own session with
    explicit ports (nodes on one host, or other users' clusters, must not collide)."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="khray-", dir="/tmp"))
        self.port = _free_ports(1)[0]
        self.address = f"127.0.0.1:{self.port}"
        # a throwaway cluster on 127.0.0.1: no auth token, which would otherwise be shared
        # through ~/.ray with any other cluster on this machine
        self.env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled", **FAST_DEATH)
        self.env.pop("RAY_ADDRESS", None)
        self.nodes: dict[str, subprocess.Popen] = {}

    def _node(self, name: str, args: list[str]) -> None:
        p = _free_ports(8 + 12)
        workers = ",".join(map(str, p[8:]))
        cmd = [RAY, "start", *args, "--block", "--num-cpus=1", "--object-store-memory=80000000",
               "--disable-usage-stats", "--node-ip-address=127.0.0.1", f"--node-manager-port={p[0]}",
               f"--object-manager-port={p[1]}", f"--metrics-export-port={p[2]}",
               f"--dashboard-agent-listen-port={p[3]}", f"--dashboard-agent-grpc-port={p[4]}",
               f"--runtime-env-agent-port={p[5]}", f"--worker-port-list={workers}"]
        # nodes on one host would share a session dir and so their unix sockets: one dir each
        cmd.append(f"--temp-dir={self.tmp / name}")
        log = open(self.tmp / f"{name}.log", "w")
        self.nodes[name] = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start(self) -> None:
        p = _free_ports(2)
        self._node("head", ["--head", f"--port={self.port}", "--include-dashboard=false",
                            f"--ray-client-server-port={p[0]}", f"--dashboard-port={p[1]}",
                            f"--resources={json.dumps(NULL)}"])
        self._wait(1)
        for name in ("a", "b"):
            self._node(name, [f"--address={self.address}", f"--resources={json.dumps(NULL)}"])
        self._wait(3)

    def _wait(self, n: int, limit_s: float = 60) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.alive_nodes() >= n:
                return
            dead = [k for k, p in self.nodes.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"Ray node(s) {dead} exited: {(self.tmp / (dead[0] + '.log')).read_text()[-2000:]}")
            time.sleep(1)
        raise RuntimeError(f"the local Ray cluster did not reach {n} nodes in {limit_s:.0f} s")

    def alive_nodes(self) -> int:
        code = ("import ray; ray.init(address=%r, logging_level='ERROR', log_to_driver=False); "
                "print(sum(n['Alive'] for n in ray.nodes()))" % self.address)
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return 0  # the head's GCS does not listen yet
        try:
            out = subprocess.run([sys.executable, "-c", code], env=self.env, capture_output=True, text=True,
                                 timeout=30)
            return int(out.stdout.split()[-1])
        except (ValueError, IndexError, subprocess.TimeoutExpired):
            return 0

    def kill(self, name: str) -> None:
        _kill_tree(self.nodes[name])
        try:
            os.killpg(self.nodes[name].pid, 9)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        for name in self.nodes:
            self.kill(name)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    old = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # the drivers in this process join it the same way
    try:
        c.start()
        yield c
    finally:
        if ray.is_initialized():
            ray.shutdown()
        c.stop()
        if old is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = old


@pytest.fixture(scope="module")
def reg():
    r = build_registry()
    r.tasks["vector_add"] = small_task("vector_add", visible=[{"n": 1000}], heldout=[{"n": 17}])
    return r


OPTS = EvalOptions(policy=TimingPolicy.quick(), time=False, seeds_per_shape=1,
                   limits=Limits(compile_timeout_s=60, run_timeout_s=20, memory_bytes=1 << 30))


def _jobs(n: int, sleep: float) -> list[Job]:
    return [Job(task="vector_add", label=f"v{i}",
                candidate=Candidate(backend="null", source=KERNEL.format(sleep=sleep, i=i), filename=f"k{i}.py"))
            for i in range(n)]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_node_resources_follow_probes(reg):
    res = node_resources(reg)
    assert res[resource_name("null")] and res[resource_name("null", "run")]
    for name, backend in reg.backends.items():
        assert (resource_name(name, "run") in res) == bool(backend.probe().run)


def test_same_jsonl_as_local_and_unschedulable(cluster, reg, tmp_path):
    jobs = _jobs(3, 0.0) + [Job(task="vector_add", candidate=Candidate(backend="opencl", source="x"))]
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    LocalExecutor(replace(OPTS), registry=reg).run(jobs[:3], local)
    evs = RayExecutor(OPTS, registry=reg, address=cluster.address).run(jobs, remote)
    assert len(evs) == 4
    a, b = _lines(local), _lines(remote)
    assert {r["job"] for r in a} | {jobs[3].key} == {r["job"] for r in b}
    by_job = {r["job"]: r for r in b}
    for rec in a:  # same record layout, same verdicts
        other = by_job[rec["job"]]
        assert rec.keys() == other.keys() and rec["label"] == other["label"]
        assert rec["evaluation"].keys() == other["evaluation"].keys()
        assert rec["evaluation"]["status"] == other["evaluation"]["status"] == "correct"
    unsched = by_job[jobs[3].key]["evaluation"]
    assert unsched["status"] == "unavailable"
    assert "unschedulable" in unsched["message"] and "kh_opencl" in unsched["message"]


def test_node_killed_and_driver_interrupted(cluster, reg, tmp_path):
    """Worker a is SIGKILLed after the first result while jobs are in flight on every node;
    then the driver is interrupted and resumed. Every job ends recorded exactly once."""
    jobs = _jobs(9, 0.15)
    results = tmp_path / "results.jsonl"
    seen: list[str] = []

    class Interrupt(Exception):
        pass

    def on_result(job, ev, reused):
        seen.append(job.key)
        if len(seen) == 1:
            cluster.kill("a")
        if len(seen) == 6:
            raise Interrupt

    ex = RayExecutor(OPTS, registry=reg, address=cluster.address, max_retries=3, unschedulable_grace_s=5)
    with pytest.raises(Interrupt):
        ex.run(jobs, results, on_result=on_result)
    first = _lines(results)
    assert len(first) == 6 and len({r["job"] for r in first}) == 6

    reused = []
    evs = ex.run(jobs, results, resume=True, on_result=lambda j, e, r: reused.append(r))
    recs = _lines(results)
    keys = [r["job"] for r in recs]
    assert sorted(keys) == sorted(j.key for j in jobs), "every job recorded exactly once"
    assert sum(reused) == 6 and len(evs) == 9
    assert all(e.status == Status.correct for e in evs), [e.message for e in evs if e.status != Status.correct]
    assert read_results(results).keys() == {j.key for j in jobs}
