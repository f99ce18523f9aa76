"""The CLI as a user runs it: JSON on every command, one-line errors, bench with resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

STARTERS = Path(__file__).resolve().parents[1] / "tasks" / "starters"


def kh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "kernelhub.cli", *args], capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}\nstdout:{p.stdout[-2000:]}\nstderr:{p.stderr[-2000:]}")
    return p


def test_import_is_light():
    code = ("import sys, kernelhub, kernelhub.cli\n"
            "heavy = [m for m in ('torch', 'jax', 'triton', 'pyopencl', 'numba', 'numpy') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_backends_json_lists_modes_and_plugins():
    data = json.loads(kh("backends", "--all", "--json").stdout)
    names = {b["name"]: b for b in data["backends"]}
    assert {"numba", "opencl", "null"} <= set(names)
    assert names["numba"]["availability"]["run"] is True
    assert names["null"]["test_only"] is True
    plugins = {p["name"]: p for p in data["plugins"]}
    assert plugins["tasks"]["distribution"] == "kernelhub"
    assert "kernelhub_register_backends" in plugins["numba"]["hooks"]


def test_tasks_json_hides_heldout_shapes():
    data = json.loads(kh("tasks", "--json").stdout)
    assert len(data) >= 16 and all("heldout_shapes" not in t for t in data)


def test_schema_prints_every_model():
    data = json.loads(kh("schema").stdout)
    assert {"Task", "Candidate", "Evaluation", "Diagnostic", "Check", "Timing", "Integrity", "Profile"} <= set(data)
    assert data["Evaluation"]["properties"]["status"]


def test_eval_json_and_text(tmp_path):
    ev = json.loads(kh("eval", "--task", "vector_add", "--backend", "numba", "--quick", "--json",
                       str(STARTERS / "numba" / "vector_add.py")).stdout)
    assert ev["status"] == "correct" and ev["speedup"] > 0
    bad = tmp_path / "bad.cl"
    bad.write_text("//! kernel: vector_add\n//! global: n\n__kernel void vector_add(__global float *x) {\n"
                   "  x[0] = undefined_name;\n}\n")
    p = kh("eval", "-t", "vector_add", "-b", "opencl", str(bad), check=False)
    assert p.returncode == 1
    assert "COMPILE_ERROR" in p.stdout and "bad.cl:4:" in p.stdout


@pytest.mark.parametrize("args,needle", [
    (["eval", "-t", "vector_add", "-b", "numba", "/no/such/file.py"], "does not exist"),
    (["eval", "-t", "no_such_task", "-b", "numba", __file__], "unknown task"),
    (["eval", "-t", "vector_add", "-b", "nope", __file__], "unknown backend"),
    (["manual", "nope"], "unknown backend"),
    (["schema", "Nope"], "unknown model"),
    (["report", "/no/such/results.jsonl"], "does not exist"),
    (["bench", "--resume"], "--resume needs --out"),
])
def test_user_errors_are_one_line(args, needle):
    p = kh(*args, check=False)
    assert p.returncode == 2
    assert needle in p.stderr and "Traceback" not in p.stderr
    assert "fix:" in p.stderr


def test_bench_default_covers_every_usable_backend(tmp_path):
    summary = json.loads(kh("bench", "-t", "vector_add", "--quick", "--out", str(tmp_path / "all"), "--json").stdout)
    rows = {r["backend"]: r["status"] for r in summary["rows"]}
    assert {"numba", "opencl", "vdsp"} <= set(rows) and "null" not in rows
    assert all(s in ("correct", "compile_only") for s in rows.values()), rows


def test_bench_streams_resumes_and_plots(tmp_path):
    out = tmp_path / "run"
    summary = json.loads(kh("bench", "-t", "vector_add", "-t", "softmax", "-b", "numba", "-b", "opencl",
                            "--quick", "--out", str(out), "--json").stdout)
    rows = summary["rows"]
    assert {(r["task"], r["backend"]) for r in rows} >= {("vector_add", "numba"), ("softmax", "opencl")}
    assert all(r["status"] == "correct" for r in rows)
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == len(rows)
    assert Path(summary["plots"]["speedup"]).stat().st_size > 1000
    assert Path(summary["plots"]["roofline"]).stat().st_size > 1000
    # simulate an interrupted run: drop the last record and tear the line before it
    (out / "results.jsonl").write_text("\n".join(lines[:-2]) + "\n" + lines[-2][:40])
    again = json.loads(kh("bench", "-t", "vector_add", "-t", "softmax", "-b", "numba", "-b", "opencl",
                          "--quick", "--out", str(out), "--resume", "--json").stdout)
    assert len(again["rows"]) == len(rows)
    good = [ln for ln in (out / "results.jsonl").read_text().splitlines() if ln.startswith("{") and ln.endswith("}")]
    keys = [json.loads(ln)["job"] for ln in good]
    assert len(keys) == len(set(keys)) == len(rows)
    rep = json.loads(kh("report", str(out / "results.jsonl"), "--json").stdout)
    assert len(rep["rows"]) == len(rows)
