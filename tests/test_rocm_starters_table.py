"""benchmarks/rocm_starters_table.py: one Triton and one HIP starter compiled for gfx942, as Markdown
and as JSON. Skipped, with the probe's reason, where either ROCm backend cannot compile here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kernelhub.plugins import registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import rocm_starters_table as table  # noqa: E402


@pytest.fixture(autouse=True)
def _compilers(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNELHUB_CACHE", str(tmp_path))   # real compiles, not an earlier run's report
    monkeypatch.setenv("TRITON_INTERPRET", "1")            # the script sets it; put it back afterwards
    for name in ("rocm-triton", "rocm-hip"):
        try:
            avail = registry().backend(name).probe()
        except Exception as e:  # plugin missing
            pytest.skip(f"{name} not registered: {e}")
        if not avail.compile:
            pytest.skip(f"{name} cannot compile here: {avail.reasons.get('compile')}")


def test_markdown_and_json_rows(capsys):
    assert table.main(["vector_add", "matmul", "--lang", "hip"]) == 0
    md = capsys.readouterr().out.splitlines()
    assert md[2].startswith("| starter | lang | kernel | VGPRs | AGPRs | SGPRs | LDS B |")
    rows = {ln.split(" | ")[0].lstrip("| "): ln.split(" | ") for ln in md[4:]}
    assert set(rows) == {"vector_add", "matmul"} and int(rows["matmul"][12]) > 0   # MFMA in the HIP matmul
    assert table.main(["vector_add", "--lang", "triton", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (row,) = doc["rows"]
    assert doc["arch"] == "gfx942" and row["kernel"] == "add_kernel" and row["vgprs"] > 0
    assert row["limited_by"] and 0 < row["waves_per_simd"] <= 8 and row["config"] == "BLOCK=1024 warps=4"
