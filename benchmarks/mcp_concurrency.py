"""16 concurrent MCP `evaluate` calls against one server over streamable HTTP on 127.0.0.1.

    python benchmarks/mcp_concurrency.py [--calls 16] [--timeout 300]

Starts `kernelhub.agent.mcp_server --http 127.0.0.1:<free port>` as a subprocess, opens one SDK
client per call, fires every call at once (half the tuned vdsp vector_add starter, half a
broken copy with a one-line typo, each tagged by a distinct comment so its candidate_hash is its
own), prints per-call latency percentiles and wall time, and checks every result is the one its
own candidate should get (status and candidate_hash). Bounded: the whole run is cancelled after
--timeout seconds and the server is always stopped. Exit status 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import Client

from kernelhub.models import Candidate
from kernelhub.pipeline import candidate_hash

ROOT = Path(__file__).resolve().parents[1]
TASK = "agent_tiny_add"  # tests/test_agent_plugin.py: vector_add with small shapes
STARTER = (ROOT / "isa_sims/vdsp/starters/vector_add.s").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(proc: subprocess.Popen, port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    raise SystemExit("server did not start in time")


def _candidates(n: int) -> list[tuple[str, str]]:
    from kernelhub.agent.scripted import misspell
    out = []
    for i in range(n):
        src = f"# call {i}\n" + STARTER
        if i % 2:
            src = misspell(src)
        out.append((src, "compile_error" if i % 2 else "correct"))
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=16)
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    env = os.environ | {"KERNELHUB_PLUGINS": "test_agent_plugin", "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kernelhub.agent.mcp_server", "--http", f"127.0.0.1:{port}"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/mcp"
    cands = _candidates(a.calls)
    lat: list[float] = []
    bad: list[str] = []

    async def one(i: int) -> None:
        src, want = cands[i]
        t0 = time.perf_counter()
        async with Client(url) as client:
            r = await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp", "source": src,
                                                    "filename": f"call{i}.s"})
        lat.append(time.perf_counter() - t0)
        ev = r.structured_content or {}
        if ev.get("status") != want:
            bad.append(f"call {i}: status {ev.get('status')!r}, expected {want!r}")
        expect = candidate_hash(Candidate(backend="vdsp", language="vdsp-asm", source=src, filename=f"call{i}.s"))
        if ev.get("candidate_hash") != expect:
            bad.append(f"call {i}: candidate_hash {ev.get('candidate_hash')!r} is not its own ({expect})")
        hashes[i] = ev.get("candidate_hash")

    hashes: dict[int, str | None] = {}
    try:
        _wait_port(proc, port, time.monotonic() + 120)

        async def warm() -> None:  # one call first, so workers and numba caches are warm
            async with Client(url) as client:
                await client.call_tool("evaluate", {"task": TASK, "backend": "vdsp", "source": STARTER})

        async def run() -> float:
            with anyio.fail_after(a.timeout):
                await warm()
                t0 = time.perf_counter()
                async with anyio.create_task_group() as tg:
                    for i in range(a.calls):
                        tg.start_soon(one, i)
                return time.perf_counter() - t0
        wall = anyio.run(run)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if len(set(hashes.values())) != a.calls:  # each distinct candidate must come back with its own hash
        bad.append(f"{len(set(hashes.values()))} distinct candidate_hash values for {a.calls} distinct candidates")
    print(f"{a.calls} concurrent MCP evaluate calls over HTTP on {os.cpu_count()} cores: wall {wall:.2f} s")
    print("latency per call: " + ", ".join(f"p{p} {pct(lat, p):.2f} s" for p in (50, 90, 99)) + f", max {max(lat):.2f} s")
    print("results: " + ("all match their own candidates" if not bad else "MISMATCH\n  " + "\n  ".join(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
