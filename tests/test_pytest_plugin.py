"""The pytest plugin as a kernel library would use it, run through ``pytester``.

The inner runs load the plugin with ``-p`` and entry-point autoloading off, so the
test does not depend on how kernelhub was installed. They run in this process and
share its registry: an extra backend that takes numba's language but is never
available here stands in for hardware this machine lacks.
"""

from __future__ import annotations

import pytest

from kernelhub.backend import Backend
from kernelhub.models import Availability, DeviceInfo
from kernelhub.plugins import registry

pytest_plugins = ["pytester"]

GOOD = """
from numba import njit

@njit
def kernel(x, y, out, n):
    for i in range(n):
        out[i] = x[i] + y[i]
"""

WRONG = GOOD.replace("x[i] + y[i]", "x[i] - y[i]")

ABSENT_REASON = "no absent-9000 accelerator here (driver libabsent.so not found)"


class AbsentBackend(Backend):
    """Takes the numba language, but its hardware is never present."""

    name = "absent9000"
    languages = ("numba",)
    description = "an accelerator this machine does not have"

    def probe(self) -> Availability:
        return Availability(compile=False, run=False, time=False,
                            reasons={"compile": ABSENT_REASON, "run": ABSENT_REASON, "time": ABSENT_REASON})

    def device_info(self) -> DeviceInfo:
        return DeviceInfo(name="absent-9000")

    def compile(self, candidate, signature):  # pragma: no cover - never reached: probe says no
        raise AssertionError("compile called on an unavailable backend")

    def launch(self, prepared):  # pragma: no cover
        raise AssertionError("launch called on an unavailable backend")


@pytest.fixture
def kh(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    reg = registry()
    if not reg.backend("numba").probe().run:
        pytest.skip("numba backend cannot run here: " + "; ".join(reg.backend("numba").probe().reasons.values()))
    monkeypatch.setitem(reg.backends, AbsentBackend.name, AbsentBackend())
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    (pytester.path / "kernels").mkdir()
    (pytester.path / "kernels" / "add.py").write_text(GOOD)
    (pytester.path / "kernels" / "add_wrong.py").write_text(WRONG)
    return pytester


def run(p: pytest.Pytester, *args: str) -> pytest.RunResult:
    return p.runpytest("-p", "kernelhub.pytest_plugin", "-p", "no:cacheprovider", "-rs", *args)


def test_one_line_passes_and_skips_missing_backends(kh: pytest.Pytester) -> None:
    kh.makepyfile(test_kernels="""
        import pytest

        @pytest.mark.kernelhub("vector_add", "kernels/add.py", language="numba")
        def test_add():
            pass

        @pytest.mark.kernelhub("vector_add", "kernels/add.py", language="numba")
        def test_add_result(kernelhub_result, kernelhub_backend):
            assert kernelhub_result.backend == kernelhub_backend == "numba"
            assert kernelhub_result.status.value == "correct"
            assert not kernelhub_result.timings  # check only unless --kernelhub-time
    """)
    r = run(kh, "-v")
    r.assert_outcomes(passed=2, skipped=2)
    r.stdout.fnmatch_lines(["*test_add?absent9000? SKIPPED*", "*test_add?numba? PASSED*"])
    r.stdout.fnmatch_lines([f"SKIPPED*backend absent9000 unavailable here: {ABSENT_REASON}"])


def test_wrong_kernel_fails_with_compact_feedback(kh: pytest.Pytester) -> None:
    kh.makepyfile(test_kernels="""
        import pytest

        @pytest.mark.kernelhub("vector_add", "kernels/add_wrong.py", backends=["numba"])
        def test_add():
            raise AssertionError("the body must not run after a failed evaluation")
    """)
    r = run(kh)
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert "[vector_add | backend numba | numba] INCORRECT" in out
    assert "expected" in out and "runs:" in out
    assert "the body must not run" not in out
    assert "Traceback" not in out and "pytest_plugin.py" not in out  # feedback, not a traceback


def test_backends_option_and_timing(kh: pytest.Pytester) -> None:
    kh.makepyfile(test_kernels="""
        import pytest

        @pytest.mark.kernelhub("vector_add", "kernels/add.py", language="numba")
        def test_add(kernelhub_result):
            assert kernelhub_result.timings and kernelhub_result.timings[0].candidate.median > 0
    """)
    r = run(kh, "--kernelhub-backends=numba", "--kernelhub-time", "-v")
    r.assert_outcomes(passed=1)
    assert "absent9000" not in r.stdout.str()


@pytest.mark.parametrize("marker, message", [
    ('"vector_add", "kernels/missing.py", language="numba"', "candidate file 'kernels/missing.py' not found"),
    ('"vector_ad", "kernels/add.py", language="numba"', "unknown task 'vector_ad'"),
    ('"vector_add", "kernels/add.py"', "cannot tell the language of add.py; add language="),
    ('"vector_add", "kernels/add.py", backends=["nope"]', "unknown backend 'nope'"),
    ('"vector_add"', "expected @pytest.mark.kernelhub(task, candidate"),
])
def test_bad_marker_is_a_specific_collection_error(kh: pytest.Pytester, marker: str, message: str) -> None:
    kh.makepyfile(test_kernels=f"""
        import pytest

        @pytest.mark.kernelhub({marker})
        def test_add():
            pass
    """)
    r = run(kh)
    assert r.ret != 0
    r.stdout.fnmatch_lines([f"*test_kernels.py::test_add: {message}*"])
    assert "Traceback" not in r.stdout.str()


def test_unmarked_tests_are_untouched(kh: pytest.Pytester) -> None:
    kh.makepyfile(test_plain="def test_plain():\n    assert True\n")
    r = run(kh)
    r.assert_outcomes(passed=1)
