"""The pipeline, isolation and integrity checks, proven on the do-nothing backend.

Each deliberately bad candidate must end in the right status, and the
evaluator must keep working afterwards (the last test runs a good candidate on
the same evaluator after all the bad ones)."""

from __future__ import annotations

import textwrap

import pytest

from kernelhub.errors import UserError
from kernelhub.models import Evaluation, Status, Verdict

from conftest import null_candidate

GOOD = """
import numpy as np
def kernel(x, y, out, n):
    np.add(x, y, out=out)
"""


def run(evaluator, task, src: str, **kw) -> Evaluation:
    return evaluator.evaluate(task, null_candidate(textwrap.dedent(src), **kw))


def verdict(ev: Evaluation, name: str) -> Verdict | None:
    return next((c.verdict for c in ev.integrity.checks if c.name == name), None)


def test_correct_candidate(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, GOOD)
    assert ev.status == Status.correct, ev.message
    assert ev.speedup and ev.speedup > 0 and ev.reward > 0.5
    assert {r.purpose for r in ev.runs} == {"check", "repeat", "heldout"}
    assert len([r for r in ev.runs if r.purpose == "heldout"]) == 2
    assert all(c.verdict in (Verdict.passed, Verdict.skipped) for c in ev.integrity.checks)
    assert len(ev.timings) == 2 and all(t.reference for t in ev.timings)
    # lossless JSON round trip
    assert Evaluation.model_validate_json(ev.model_dump_json()) == ev


def test_syntax_error_has_line_and_column(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, "import numpy as np\ndef kernel(x, y, out, n):\n    out[:] = x +* y\n")
    assert ev.status == Status.compile_error
    d = ev.compile.diagnostics[0]
    assert (d.file, d.line) == ("cand.py", 3) and d.column is not None


def test_missing_entry_names_what_exists(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, GOOD, entry="kernal")
    assert ev.status == Status.compile_error
    assert "kernal" in ev.message and "kernel" in ev.message


def test_wrong_result_reports_mismatches(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        def kernel(x, y, out, n):
            out[:] = x - y
        """)
    assert ev.status == Status.incorrect
    chk = ev.runs[0].checks[0]
    assert chk.mismatches > 0 and chk.worst_mismatches and "index" in chk.worst_mismatches[0]


def test_all_zeros_never_passes(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, "def kernel(x, y, out, n):\n    out[:] = 0\n")
    assert ev.status == Status.incorrect


def test_half_written_output(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        def kernel(x, y, out, n):
            h = n // 2
            out[:h] = x[:h] + y[:h]
        """)
    assert ev.status == Status.incorrect
    assert ev.runs[0].checks[0].never_written == 500
    assert verdict(ev, "outputs_written") == Verdict.warn


def test_mutating_an_input_is_a_violation(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import numpy as np
        def kernel(x, y, out, n):
            np.add(x, y, out=out)
            x[0] = 0.0
        """)
    assert ev.status == Status.integrity_violation
    assert verdict(ev, "inputs_unchanged") == Verdict.failed
    assert ev.reward < 0


def test_cached_result_is_caught(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import numpy as np
        _memo = {}
        def kernel(x, y, out, n):
            if n not in _memo:
                _memo[n] = x + y
            out[:] = _memo[n]
        """)
    assert ev.status == Status.integrity_violation
    assert verdict(ev, "call_order") == Verdict.failed


def test_visible_shape_special_casing(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import numpy as np
        def kernel(x, y, out, n):
            if n in (1000, 4096):
                np.add(x, y, out=out)
            else:
                out[:] = 0
        """)
    assert ev.status == Status.incorrect
    assert verdict(ev, "heldout_shapes") == Verdict.warn


def test_skipping_work_while_timed(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import numpy as np
        calls = [0]
        def kernel(x, y, out, n):
            calls[0] += 1
            if calls[0] <= 12:   # enough for every check run, then the timing loop gets nothing
                np.add(x, y, out=out)
        """)
    assert ev.status == Status.integrity_violation, ev.message
    assert verdict(ev, "last_timed_output") == Verdict.failed


def test_patching_the_timer_is_a_violation(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import time, numpy as np
        time.perf_counter = lambda: 0.0
        def kernel(x, y, out, n):
            np.add(x, y, out=out)
        """)
    assert ev.status == Status.integrity_violation
    assert verdict(ev, "timer_integrity") == Verdict.failed


def test_patching_the_backend_is_a_violation(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import numpy as np, kernelhub.backend as b
        b.Backend.time = lambda *a, **k: None
        def kernel(x, y, out, n):
            np.add(x, y, out=out)
        """)
    assert ev.status == Status.integrity_violation


def test_exception_reports_candidate_line(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, "def kernel(x, y, out, n):\n    raise ValueError('boom')\n")
    assert ev.status == Status.runtime_error
    assert "boom" in ev.message and "line 2" in ev.message


def test_segfault_is_a_crash(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import ctypes
        def kernel(x, y, out, n):
            ctypes.string_at(0)
        """)
    assert ev.status == Status.crash
    assert "SIGSEGV" in ev.message


def test_abort_is_a_crash_with_stderr(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import os, sys
        def kernel(x, y, out, n):
            sys.stderr.write("about to abort\\n"); sys.stderr.flush()
            os.abort()
        """)
    assert ev.status == Status.crash
    assert "about to abort" in ev.stderr_tail


def test_hang_is_a_timeout(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        def kernel(x, y, out, n):
            while True:
                pass
        """)
    assert ev.status == Status.timeout
    assert ev.seconds < 30


def test_unbounded_allocation_is_out_of_memory(tiny_add):
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    from kernelhub.pipeline import EvalOptions, Evaluator
    # a generous run timeout: on a loaded machine filling 1 GiB can take seconds, and the
    # memory watchdog, not the clock, must be what stops it
    limits = Limits(compile_timeout_s=60, run_timeout_s=120, memory_bytes=1 << 30)
    with Evaluator(EvalOptions(policy=TimingPolicy.quick(), limits=limits)) as evaluator:
        ev = run(evaluator, tiny_add, """
        import numpy as np
        hoard = []
        def kernel(x, y, out, n):
            while True:
                hoard.append(np.ones(1 << 24))
        """)
    assert ev.status == Status.out_of_memory, ev.message


def test_import_time_hang_is_a_compile_timeout(tiny_add):
    from kernelhub.backend import TimingPolicy
    from kernelhub.isolation import Limits
    from kernelhub.pipeline import EvalOptions, Evaluator
    with Evaluator(EvalOptions(policy=TimingPolicy.quick(), limits=Limits(compile_timeout_s=2))) as ev:
        res = ev.evaluate(tiny_add, null_candidate("while True:\n    pass\n"))
    assert res.status == Status.timeout and "compile" in res.message


def test_writing_to_stdout_does_not_corrupt_results(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, """
        import os, numpy as np
        def kernel(x, y, out, n):
            print("noise"); os.write(1, b"garbage")
            for fd in range(3, 12):
                try: os.write(fd, b"\\x00" * 64)
                except OSError: pass
            np.add(x, y, out=out)
        """)
    assert ev.status in (Status.correct, Status.integrity_violation, Status.crash), ev.message
    assert ev.status != Status.correct or ev.runs  # a forged frame can never turn into a pass


def test_harness_survives_everything(evaluator, tiny_add):
    ev = run(evaluator, tiny_add, GOOD)
    assert ev.status == Status.correct


def test_unknown_names_are_user_errors(evaluator, tiny_add):
    from kernelhub.models import Candidate
    with pytest.raises(UserError, match="unknown backend"):
        evaluator.evaluate(tiny_add, Candidate(backend="nope", source=""))
    with pytest.raises(UserError, match="unknown task"):
        evaluator.evaluate("no_such_task", null_candidate(GOOD))
    with pytest.raises(UserError, match="language"):
        evaluator.evaluate(tiny_add, null_candidate(GOOD, language="cobol"))
