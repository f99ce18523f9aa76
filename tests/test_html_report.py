"""The HTML/Markdown report: its metrics, that the page is self-contained, and that a
real headless browser (Debian's chromium) renders it.

Input is a real results.jsonl: a sample of the README's bench run when this checkout
has it, else a short bench run made here (numba and a simulator, two tasks).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kernelhub.executor import read_results
from kernelhub.html_report import render_html, render_markdown, write_pages
from kernelhub.models import Evaluation, Status
from kernelhub.report import FAST_P, fast_p, group_metrics

README_BENCH = Path(__file__).resolve().parents[1] / "results" / "readme-bench" / "results.jsonl"
SAMPLE_TASKS = ("matmul", "vector_add", "softmax", "sum")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    path = out / "results.jsonl"
    if README_BENCH.is_file():
        keep = [line for line in README_BENCH.read_text().splitlines()
                if line.strip() and json.loads(line)["evaluation"]["task"] in SAMPLE_TASKS]
        path.write_text("\n".join(keep) + "\n")
    else:
        r = subprocess.run([sys.executable, "-m", "kernelhub.cli", "bench", "-t", "vector_add", "-t", "softmax",
                            "-b", "numba", "-b", "vdsp", "--quick", "--out", str(out), "--json"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
    return path


@pytest.fixture(scope="module")
def evals(results: Path) -> list[Evaluation]:
    evs = list(read_results(results).values())
    assert evs and any(e.speedup for e in evs)
    return evs


def _ev(task: str, backend: str, status: Status, speedup: float | None = None, device: str = "cpu",
        roof: float | None = None) -> Evaluation:
    return Evaluation(task=task, backend=backend, language="x", status=status, speedup=speedup, device=device,
                      roofline_fraction=roof)


def test_metrics_follow_kernelbench_definitions() -> None:
    evs = [_ev("a", "b1", Status.correct, 2.5, roof=0.5), _ev("b", "b1", Status.correct, 1.2, roof=0.1),
           _ev("c", "b1", Status.correct, 0.5, roof=0.3), _ev("d", "b1", Status.incorrect, device=""),
           _ev("a", "sim", Status.correct, None, device="simulator", roof=0.7),
           _ev("b", "sim", Status.unavailable, device="")]
    b1, sim = group_metrics(evs)
    assert (b1.backend, b1.device, b1.jobs, b1.correct) == ("b1", "cpu", 4, 3)  # the failure joins b1's device
    assert b1.geomean_speedup == pytest.approx((2.5 * 1.2 * 0.5) ** (1 / 3))
    assert b1.fast_p == {1.0: 0.5, 1.5: 0.25, 2.0: 0.25}  # correct AND faster than p x, over all jobs
    assert b1.roofline_fraction == 0.3
    assert (sim.device, sim.jobs, sim.correct, sim.statuses) == ("simulator", 2, 1, {"correct": 1, "unavailable": 1})
    assert sim.geomean_speedup is None and all(v is None for v in sim.fast_p.values())  # no baseline: n/a, not 0
    assert fast_p([_ev("a", "b", Status.incorrect, 3.0), _ev("b", "b", Status.correct, 1.0)], 1.0) == 0.0


def test_same_backend_on_two_devices_is_two_rows() -> None:
    groups = group_metrics([_ev("a", "cuda", Status.correct, 2.0, device="H100"),
                            _ev("a", "cuda", Status.correct, 3.0, device="H200")])
    assert [g.label for g in groups] == ["cuda @ H100", "cuda @ H200"]


def test_page_is_self_contained_and_complete(evals: list[Evaluation], tmp_path: Path) -> None:
    paths = write_pages(evals, tmp_path, source="results.jsonl")
    page = Path(paths["html"]).read_text()
    assert not re.search(r"<(script|link|iframe|img)\b", page)
    assert not re.search(r"""(src|href)\s*=|url\((?!#)|@import|https?://(?!www\.w3\.org/2000/svg)""", page)
    groups = group_metrics(evals)
    devices = {g.device for g in groups if any(t.roofline for e in g.evals for t in e.timings)}
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 2 + len(devices)  # heat map, one roofline per timed device, status bars
    for svg in svgs:
        ET.fromstring(svg)  # well-formed: a broken plot would raise here
    for g in groups:
        assert f"<td class=l>{g.backend}</td>" in page
        assert f"{g.correct}/{g.jobs}</td>" in page
        if g.geomean_speedup:
            assert f"{g.geomean_speedup:.2f}x" in page
    for e in evals:
        if e.status == Status.correct and e.speedup:
            assert f">{e.speedup:.2f}x</text>" in page  # its heat-map cell
    n_points = sum(1 for e in evals for t in e.timings if t.roofline and t.roofline.flops and t.roofline.bytes)
    assert len(re.findall(r'<circle class="pt" ', page)) == n_points
    for p in FAST_P:
        assert f"fast<sub>{p:g}</sub>" in page


def test_markdown_tables(evals: list[Evaluation]) -> None:
    md = render_markdown(evals)
    groups = group_metrics(evals)
    head = next(line for line in md.splitlines() if line.startswith("| backend | device"))
    assert head.count("fast_") == 3
    for g in groups:
        row = next(line for line in md.splitlines() if line.startswith(f"| {g.backend} | {g.device} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == f"{g.correct}/{g.jobs}"
        assert cells[4:7] == [("n/a" if g.fast_p[p] is None else f"{100 * g.fast_p[p]:.0f}%") for p in FAST_P]
    tasks = {e.task for e in evals}
    assert sum(line.startswith("|") and line.split("|")[1].strip() in tasks for line in md.splitlines()) == len(tasks)


def test_escapes_what_it_prints() -> None:
    page = render_html([_ev("a", "b", Status.compile_error, device="<img src=x onerror=alert(1)>")])
    assert "<img" not in page and "&lt;img src=x" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_renders_in_headless_chromium(evals: list[Evaluation], tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    Image = pytest.importorskip("PIL.Image", reason="Pillow (a matplotlib dependency) reads the screenshot")
    # strong speedups both ways, so the heat map's colours do not depend on this machine's timings
    evals = [e.model_copy(update={"speedup": 4.0 if i % 2 else 0.25}) if e.speedup else e
             for i, e in enumerate(evals)]
    page = Path(write_pages(evals, tmp_path / "report")["html"])
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the browser's own parse: every plot became an SVG element with its marks
    assert dom.stdout.count("<svg") == render_html(evals).count("<svg")
    assert dom.stdout.count('<circle class="pt"') == render_html(evals).count('<circle class="pt"') > 0
    shot = tmp_path / "report.png"
    r = subprocess.run([browser, *flags, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()],
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 0 and shot.is_file(), r.stderr[-2000:]
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 2400)
    raw = img.resize((320, 600)).tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    ink = sum(1 for p in pixels if sum(p) < 600) / len(pixels)
    assert ink > 0.02, "the screenshot is (nearly) blank"
    # the heat map painted: some cells strongly blue (faster) or red (slower) than the reference
    heat = sum(1 for r_, g, b in pixels if (b - r_ > 60 and b > 120) or (r_ - b > 60 and r_ > 150 and g < 150))
    assert heat > 20
