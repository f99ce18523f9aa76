"""Hardware counters behind --counters: ncu's CSV read back, the harness's kernels left out, and the
plain answer where there are none (no ncu, no GPU, a backend without a counter tool). The real
reading runs on the GPU machine (test_gpu_nvidia.py)."""

from __future__ import annotations

import textwrap

import pytest

from kernelhub import ncu
from kernelhub.models import Evaluation, Status

from conftest import null_candidate

#: the shape of `ncu --import R --csv --page raw --print-units base`: ncu's messages, a header,
#: a units row, one row per profiled kernel
RAW = '''==PROF== Connected to process 4242 (/usr/bin/python3.12)
"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size","Device","CC","dram__bytes_read.sum","dram__bytes_write.sum","dram__throughput.avg.pct_of_peak_sustained_elapsed","gpu__time_duration.sum","lts__t_sector_hit_rate.pct","sm__throughput.avg.pct_of_peak_sustained_elapsed","sm__warps_active.avg.pct_of_peak_sustained_active"
"","","","","","","","","","","","byte","byte","%","nsecond","%","%","%"
"0","4242","python3.12","127.0.0.1","at::cuda::(anonymous namespace)::spin_kernel(long)","1","7","(1, 1, 1)","(1, 1, 1)","0","9.0","0","0","0.01","100,112.00","0","0.05","1.56"
"1","4242","python3.12","127.0.0.1","add_kernel","1","7","(1024, 1, 1)","(4096, 1, 1)","0","9.0","33,554,432","16,777,216","91.5","17,000.00","12.5","20.25","88.1"
"2","4242","python3.12","127.0.0.1","void scale<float>(float*, int)","1","7","(256, 1, 1)","(16384, 1, 1)","0","9.0","16777216","16777216","80.0","13,000","n/a","10","70"
'''


def test_raw_csv_is_read_per_kernel_with_base_names() -> None:
    rows = ncu.parse_raw_csv(RAW)
    assert [r["kernel"] for r in rows] == ["spin_kernel", "add_kernel", "scale"]
    add = rows[1]
    assert add["dram_read_bytes"] == 33_554_432 and add["duration_ns"] == 17_000
    assert add["dram_pct_of_peak"] == 91.5 and add["achieved_occupancy_pct"] == 88.1
    assert rows[2]["l2_hit_pct"] is None  # ncu's n/a stays unknown, never zero
    assert add["grid"] == "(4096, 1, 1)"


def test_summary_is_over_the_candidates_kernels() -> None:
    own = [r for r in ncu.parse_raw_csv(RAW) if r["kernel"] not in ncu.HARNESS_KERNELS]
    head = ncu.summarize(own)
    assert head["kernels"] == 2 and head["duration_us"] == 30.0
    total = 33_554_432 + 16_777_216 + 2 * 16_777_216
    assert head["dram_bytes"] == total
    assert head["dram_GBps"] == pytest.approx(total / 30_000, rel=1e-3)
    # time-weighted: (91.5 * 17 + 80 * 13) / 30
    assert head["dram_pct_of_peak"] == pytest.approx((91.5 * 17 + 80 * 13) / 30, abs=0.05)


def test_output_without_a_table_is_an_error_that_says_so() -> None:
    with pytest.raises(ValueError, match="no CSV header"):
        ncu.parse_raw_csv("==ERROR== The application returned an error code (1).\n")


def test_no_ncu_is_said_plainly(monkeypatch) -> None:
    monkeypatch.setattr(ncu, "find_ncu", lambda: None)
    prof = ncu.collect(object(), None, None, "n=1")
    assert not prof.headline and "ncu (Nsight Compute) not found" in prof.detail["unavailable"]


def test_counters_option_on_a_backend_without_a_counter_tool(evaluator, tiny_add) -> None:
    from dataclasses import replace
    src = textwrap.dedent("""
        import numpy as np
        def kernel(x, y, out, n):
            np.add(x, y, out=out)
        """)
    old = evaluator.options
    evaluator.options = replace(old, counters=True, time=False)
    try:
        ev = evaluator.evaluate(tiny_add, null_candidate(src))
    finally:
        evaluator.options = old
    assert ev.status == Status.correct, ev.message
    assert ev.counters is not None and "reads no hardware counters" in ev.counters.detail["unavailable"]
    from kernelhub.feedback import render_feedback
    assert "counters: none (backend 'null' reads no hardware counters)" in render_feedback(ev)
    assert Evaluation.model_validate_json(ev.model_dump_json()) == ev
