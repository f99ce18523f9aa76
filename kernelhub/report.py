"""Benchmark reports: the summary table, its JSON, and plots people would rather look at.

Plots need matplotlib (the ``plots`` extra); without it the table and JSON are
still written and the report says which plots were skipped and why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernelhub.models import Evaluation, Status


def summary_rows(evals: list[Evaluation]) -> list[dict[str, Any]]:
    rows = []
    for ev in evals:
        t = ev.timings[-1] if ev.timings else None
        rows.append({
            "task": ev.task, "backend": ev.backend, "language": ev.language, "status": ev.status.value,
            "time_ms": t.candidate.median * 1e3 if t else None,
            "reference_ms": t.reference.median * 1e3 if t and t.reference else None,
            "speedup": ev.speedup, "roofline_fraction": ev.roofline_fraction,
            "device_time": t.candidate.device_time if t else None,
            "device": ev.device, "message": "" if ev.status == Status.correct else ev.message[:200],
        })
    return rows


def totals(evals: list[Evaluation]) -> dict[str, Any]:
    by_backend: dict[str, dict[str, Any]] = {}
    for ev in evals:
        b = by_backend.setdefault(ev.backend, {"jobs": 0, "correct": 0, "speedups": []})
        b["jobs"] += 1
        b["correct"] += ev.status == Status.correct
        if ev.speedup:
            b["speedups"].append(ev.speedup)
    for b in by_backend.values():
        s = b.pop("speedups")
        b["geomean_speedup"] = math.exp(sum(map(math.log, s)) / len(s)) if s else None
        b["faster_than_reference"] = sum(x > 1 for x in s)
    return by_backend


def write_report(evals: list[Evaluation], out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {"rows": summary_rows(evals), "totals": totals(evals), "plots": {}, "plots_skipped": ""}
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        summary["plots_skipped"] = "matplotlib is not installed (pip install kernelhub[plots])"
    else:
        summary["plots"] = {"speedup": str(plot_speedup(evals, out_dir / "speedup.png")),
                            "roofline": str(plot_roofline(evals, out_dir / "roofline.png"))}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_speedup(evals: list[Evaluation], path: Path) -> Path:
    """Grouped bars: speedup over the reference per task, one colour per backend (log scale)."""
    plt = _plt()
    timed = [e for e in evals if e.speedup]
    tasks = sorted({e.task for e in timed})
    backends = sorted({e.backend for e in timed})  # simulators have no baseline: see the roofline
    fig, ax = plt.subplots(figsize=(min(18, max(8, 0.3 * len(tasks) * max(1, len(backends)) + 2)), 4.5))
    width = 0.8 / max(1, len(backends))
    for j, b in enumerate(backends):
        xs, ys = [], []
        for i, t in enumerate(tasks):
            ev = next((e for e in evals if e.task == t and e.backend == b), None)
            if ev is not None and ev.speedup:
                xs.append(i + (j - (len(backends) - 1) / 2) * width)
                ys.append(ev.speedup)
        ax.bar(xs, ys, width=width, label=b)
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xticks(range(len(tasks)), tasks, rotation=45, ha="right")
    ax.set_ylabel("speedup over reference (x, log)")
    ax.set_title("Speedup per task and backend (median times, same run)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_roofline(evals: list[Evaluation], path: Path) -> Path:
    """Achieved FLOP/s against arithmetic intensity, with each device's roof."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for b in sorted({e.backend for e in evals}):
        pts = [(t.roofline, e.task) for e in evals if e.backend == b for t in e.timings[-1:] if t.roofline]
        if not pts:
            continue
        xs = [r.flops / r.bytes for r, _ in pts if r.bytes and r.flops]
        ys = [r.achieved_flops_per_s / 1e9 for r, _ in pts if r.bytes and r.flops]
        colour = ax.scatter(xs, ys, label=b, s=28).get_facecolor()[0]
        for (r, name), x, y in zip([p for p in pts if p[0].bytes and p[0].flops], xs, ys):
            ax.annotate(name, (x, y), fontsize=6, alpha=0.7)
        pf, pb = pts[0][0].peak_flops_per_s, pts[0][0].peak_bytes_per_s
        if pf and pb:
            xr = [2 ** (k / 4) for k in range(-28, 48)]
            ax.plot(xr, [min(pf, pb * x) / 1e9 for x in xr], lw=1, color=colour, alpha=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP / byte)")
    ax.set_ylabel("achieved GFLOP/s")
    ax.set_title("Roofline (largest visible shape per task; lines: each backend's device roof)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- per backend and device (HTML/Markdown reports)

#: KernelBench's fast_p thresholds: share of tasks correct AND faster than p x the reference.
FAST_P = (1.0, 1.5, 2.0)


@dataclass
class GroupMetrics:
    """The headline numbers of one backend on one device."""

    backend: str
    device: str
    label: str
    evals: list[Evaluation]
    jobs: int = 0
    correct: int = 0
    timed: int = 0
    geomean_speedup: float | None = None
    fast_p: dict[float, float | None] = field(default_factory=dict)
    roofline_fraction: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def fast_p(evals: list[Evaluation], p: float) -> float | None:
    """Share of all jobs that are correct with speedup > p; None where no job has a baseline
    (a simulator's modelled time has nothing on the device to be compared with)."""
    if not evals or not any(e.speedup for e in evals):
        return None
    return sum(e.status == Status.correct and (e.speedup or 0) > p for e in evals) / len(evals)


def _devices(evals: list[Evaluation]) -> dict[str, str]:
    """An unavailable job records no device: attribute it to its backend's only device, if any."""
    seen: dict[str, set[str]] = {}
    for e in evals:
        if e.device:
            seen.setdefault(e.backend, set()).add(e.device)
    return {b: next(iter(d)) for b, d in seen.items() if len(d) == 1}


def group_metrics(evals: list[Evaluation]) -> list[GroupMetrics]:
    """One row per (backend, device), sorted by backend; labels name the device only where a
    backend ran on several."""
    only = _devices(evals)
    groups: dict[tuple[str, str], list[Evaluation]] = {}
    for e in evals:
        groups.setdefault((e.backend, e.device or only.get(e.backend, "")), []).append(e)
    per_backend: dict[str, int] = {}
    for b, _ in groups:
        per_backend[b] = per_backend.get(b, 0) + 1
    out = []
    for (b, d), evs in sorted(groups.items()):
        ok = [e for e in evs if e.status == Status.correct]
        fractions = sorted(e.roofline_fraction for e in ok if e.roofline_fraction)
        statuses: dict[str, int] = {}
        for e in evs:
            statuses[e.status.value] = statuses.get(e.status.value, 0) + 1
        out.append(GroupMetrics(
            backend=b, device=d or "(unknown)", label=b if per_backend[b] == 1 else f"{b} @ {d or '?'}", evals=evs,
            jobs=len(evs), correct=len(ok), timed=sum(bool(e.speedup) for e in ok),
            geomean_speedup=geomean([e.speedup for e in ok if e.speedup]),
            fast_p={p: fast_p(evs, p) for p in FAST_P},
            roofline_fraction=fractions[len(fractions) // 2] if fractions else None, statuses=statuses))
    return out
