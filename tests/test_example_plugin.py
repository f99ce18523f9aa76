"""The example out-of-tree backend plugin (examples/kernelhub-example-c), installed as a
third party would install it and found only through its entry point.

The package is installed into a temporary ``--target`` directory (never into this
environment) and every check runs in a subprocess with that directory on PYTHONPATH,
where ``importlib.metadata`` finds its ``.dist-info`` and so its entry point.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "kernelhub-example-c"
STARTERS = EXAMPLE / "kernelhub_example_c" / "starters"

pytestmark = pytest.mark.skipif(
    not any(shutil.which(c) for c in ("cc", "gcc", "clang")),
    reason="no C compiler (cc, gcc or clang) on PATH: the example `c` backend cannot build kernels")


def _can_build_offline() -> bool:
    """setuptools builds a wheel without build isolation only with `wheel` (or setuptools >= 70.1)."""
    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        import setuptools
        return tuple(int(p) for p in setuptools.__version__.split(".")[:2]) >= (70, 1)
    except (ImportError, ValueError):
        return False


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory) -> dict[str, str]:
    """Install the example into a temp dir; return the environment that sees it."""
    base = tmp_path_factory.mktemp("example-c")
    src = base / "src"
    target = base / "site"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
           "--target", str(target), str(src)]
    if _can_build_offline():
        cmd.insert(cmd.index("--target"), "--no-build-isolation")
    # (The copy keeps the in-tree build's build/ and .egg-info out of the repository.)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        if "--no-build-isolation" not in cmd:
            pytest.skip("cannot build the example package: `wheel` is not installed and an isolated build "
                        f"failed (no package index?): {proc.stderr.strip().splitlines()[-1:]}")
        pytest.fail(f"pip install of the example failed:\n{proc.stdout}\n{proc.stderr}")
    assert list(target.glob("kernelhub_example_c-*.dist-info")), "no .dist-info in the target dir"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.pop("KERNELHUB_PLUGINS", None)
    return env


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kernelhub.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def evaluate(env: dict[str, str], tmp_path: Path, task: str, source: str, name: str = "cand.c") -> dict:
    path = tmp_path / name
    path.write_text(source)
    proc = cli(env, tmp_path, "eval", "--task", task, "--backend", "c", "--quick", "--json", str(path))
    assert proc.stdout.strip(), f"no JSON from eval (exit {proc.returncode}):\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_backend_is_discovered_through_its_entry_point(plugin_env, tmp_path):
    proc = cli(plugin_env, tmp_path, "backends", "--all", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    (c,) = [b for b in out["backends"] if b["name"] == "c"]
    assert c["distribution"] == "kernelhub-example-c" and c["plugin"] == "c"
    assert c["languages"] == ["c"]
    a = c["availability"]
    assert (a["compile"], a["run"], a["time"]) == (True, True, True), a
    (plugin,) = [p for p in out["plugins"] if p["name"] == "c"]
    assert plugin["error"] is None
    assert plugin["module"] == "kernelhub_example_c" and plugin["distribution"] == "kernelhub-example-c"
    assert set(plugin["hooks"]) == {"kernelhub_register_backends", "kernelhub_starter"}


def test_starter_is_served_by_the_plugin(plugin_env, tmp_path):
    proc = cli(plugin_env, tmp_path, "show", "vector_add", "--backend", "c", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["starter"] == (STARTERS / "vector_add.c").read_text()


def test_vector_add_starter_is_correct(plugin_env, tmp_path):
    ev = evaluate(plugin_env, tmp_path, "vector_add", (STARTERS / "vector_add.c").read_text(), "vector_add.c")
    assert ev["status"] == "correct", ev["message"]
    assert ev["backend"] == "c" and ev["language"] == "c"
    assert len([r for r in ev["runs"] if r["purpose"] == "heldout"]) >= 3
    assert ev["speedup"] and ev["speedup"] > 0
    assert {c["name"]: c["verdict"] for c in ev["integrity"]["checks"]}["own_kernel"] == "pass"


def test_syntax_error_points_at_its_line(plugin_env, tmp_path):
    src = textwrap.dedent("""\
        #include <stdint.h>

        void kernel(const float *x, const float *y, float *out, int64_t n) {
            for (int64_t i = 0; i < n; i++)
                out[i] = x[i] +* y[i];
        }
        """)
    ev = evaluate(plugin_env, tmp_path, "vector_add", src, "broken.c")
    assert ev["status"] == "compile_error", ev["message"]
    errors = [d for d in ev["compile"]["diagnostics"] if d["severity"] == "error"]
    assert errors, ev["compile"]
    d = errors[0]
    assert (d["file"], d["line"]) == ("broken.c", 5), d
    assert d["column"] is not None and d["source_line"] == "        out[i] = x[i] +* y[i];"
    assert "/tmp/" not in d["message"] and "kh-c-" not in ev["compile"]["log"]


def test_calling_blas_is_an_integrity_violation(plugin_env, tmp_path):
    # A weak reference links without any BLAS present; the call is what the check must catch.
    src = textwrap.dedent("""\
        #include <stdint.h>
        extern void cblas_saxpy(int n, float a, const float *x, int incx, float *y, int incy)
            __attribute__((weak));

        void kernel(const float *x, const float *y, float *out, int64_t n) {
            for (int64_t i = 0; i < n; i++) out[i] = y[i];
            if (cblas_saxpy) cblas_saxpy((int)n, 1.0f, x, 1, out, 1);
            else for (int64_t i = 0; i < n; i++) out[i] += x[i];
        }
        """)
    ev = evaluate(plugin_env, tmp_path, "vector_add", src, "blas.c")
    if not shutil.which("nm"):
        pytest.skip("nm not found: the BLAS check is skipped by design")
    assert ev["status"] == "integrity_violation", ev["message"]
    checks = {c["name"]: c for c in ev["integrity"]["checks"]}
    assert checks["own_kernel"]["verdict"] == "fail" and "cblas_saxpy" in checks["own_kernel"]["detail"]
