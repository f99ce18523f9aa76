"""Reports people read: one self-contained HTML page and its Markdown twin.

The page carries everything inline (CSS, SVG plots), so it can be mailed, attached
to a CI run or opened from disk with no network and no matplotlib. The Markdown
holds the same tables for terminals and READMEs. Both are built from the
per-(backend, device) metrics of ``kernelhub.report.group_metrics``.
"""

from __future__ import annotations

import datetime as _dt
import math
from html import escape
from pathlib import Path

from kernelhub.models import Evaluation, Status
from kernelhub.report import FAST_P, GroupMetrics, group_metrics

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
FAILURE_COLOURS = {"incorrect": "#d62728", "compile_error": "#ff7f0e", "runtime_error": "#e377c2",
                   "timeout": "#9467bd", "crash": "#8c564b", "out_of_memory": "#bcbd22",
                   "integrity_violation": "#000000", "harness_error": "#7f7f7f", "unavailable": "#c7c7c7",
                   "compile_only": "#17becf"}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1200px;
 color:#1d1d1f;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
.meta{color:#666;font-size:12px}
table{border-collapse:collapse;margin:6px 0}th,td{padding:3px 9px;border-bottom:1px solid #e6e6e6;text-align:right}
th{background:#f5f5f7;font-weight:600}td.l,th.l{text-align:left}
.na{color:#999}.bad{color:#b00020}.good{color:#1b7f3b}
.plots{display:flex;flex-wrap:wrap;gap:18px}.plot{border:1px solid #e6e6e6;border-radius:6px;padding:6px}
.note{color:#555;font-size:12px;max-width:900px}
details{margin:4px 0}summary{cursor:pointer}
td.msg{text-align:left;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;max-width:700px;
 white-space:pre-wrap;word-break:break-word}
"""


# ---------------------------------------------------------------- formatting


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _x(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


def _na(s: str) -> str:
    return f'<span class="na">{s}</span>' if s == "n/a" else s


def _colour(label: str, labels: list[str]) -> str:
    return PALETTE[labels.index(label) % len(PALETTE)]


def _heat(speedup: float) -> tuple[str, str]:
    """Diverging scale on log2(speedup), saturating at 4x either way: blue faster, red slower."""
    t = max(-1.0, min(1.0, math.log2(speedup) / 2))
    end = (31, 111, 180) if t > 0 else (209, 73, 91)
    rgb = tuple(round(255 + (c - 255) * abs(t)) for c in end)
    return "#%02x%02x%02x" % rgb, "#fff" if abs(t) > 0.6 else "#111"


def _tick(v: float) -> str:
    return f"{v:g}" if 1e-3 <= v < 1e5 else f"1e{round(math.log10(v))}"


# ---------------------------------------------------------------- tables


def _correct_text(g: GroupMetrics) -> tuple[str, str]:
    """(text, css class) of a group's 'tasks correct' cell: a compile-only backend ran nothing by
    design, which is neither a failure nor a success."""
    compiled = g.statuses.get(Status.compile_only.value, 0)
    if g.correct == 0 and compiled:
        return f"{compiled} compiled (compile-only)", "x"
    return f"{g.correct}/{g.jobs}", ("good" if g.correct == g.jobs else ("bad" if g.correct == 0 else "x"))


def _summary_table(groups: list[GroupMetrics]) -> str:
    head = ("<tr><th class=l>backend</th><th class=l>device</th><th>tasks correct</th><th>geomean speedup</th>"
            + "".join(f"<th>fast<sub>{p:g}</sub></th>" for p in FAST_P)
            + "<th>median roofline fraction</th></tr>")
    rows = []
    for g in groups:
        text, cls = _correct_text(g)
        rows.append(
            f"<tr><td class=l>{escape(g.backend)}</td><td class=l>{escape(g.device)}</td>"
            f"<td class={cls}>{text}</td><td>{_na(_x(g.geomean_speedup))}</td>"
            + "".join(f"<td>{_na(_pct(g.fast_p[p]))}</td>" for p in FAST_P)
            + f"<td>{_na(_pct(g.roofline_fraction))}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _failure_table(groups: list[GroupMetrics]) -> str:
    statuses = [s.value for s in Status if any(s.value in g.statuses for g in groups)]
    head = "<tr><th class=l>backend</th>" + "".join(f"<th>{escape(s)}</th>" for s in statuses) + "</tr>"
    rows = "".join(f"<tr><td class=l>{escape(g.label)}</td>"
                   + "".join(f"<td>{g.statuses.get(s, '') or ''}</td>" for s in statuses) + "</tr>" for g in groups)
    bars = _failure_bars(groups, statuses)
    failed = [e for g in groups for e in g.evals if e.status != Status.correct]
    details = ""
    for s in statuses:
        evs = [e for e in failed if e.status.value == s]
        if not evs:
            continue
        items = "".join(f"<tr><td class=l>{escape(e.task)}</td><td class=l>{escape(e.backend)}</td>"
                        f"<td class=msg>{escape(e.message[:400])}</td></tr>" for e in evs)
        details += (f"<details><summary>{escape(s)}: {len(evs)} job(s)</summary>"
                    f"<table><tr><th class=l>task</th><th class=l>backend</th><th class=l>message</th></tr>"
                    f"{items}</table></details>")
    return f"<table>{head}{rows}</table>{bars}{details}"


def _failure_bars(groups: list[GroupMetrics], statuses: list[str]) -> str:
    """One stacked bar per backend: the share of its jobs in each status."""
    w, row, left = 640, 22, 150
    h = row * len(groups) + 40
    parts = []
    for i, g in enumerate(groups):
        y, x = 10 + i * row, float(left)
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="11">{escape(g.label)}</text>')
        for s in statuses:
            n = g.statuses.get(s, 0)
            if not n:
                continue
            bw = (w - left - 10) * n / g.jobs
            colour = "#2ca02c" if s == "correct" else FAILURE_COLOURS.get(s, "#7f7f7f")
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{row - 5}" fill="{colour}">'
                         f"<title>{escape(g.label)}: {n} {escape(s)}</title></rect>")
            if bw > 18:
                parts.append(f'<text x="{x + bw / 2:.1f}" y="{y + 13}" text-anchor="middle" font-size="10" '
                             f'fill="{"#fff" if s not in ("unavailable", "compile_only") else "#111"}">{n}</text>')
            x += bw
    lx = left
    for s in statuses:
        colour = "#2ca02c" if s == "correct" else FAILURE_COLOURS.get(s, "#7f7f7f")
        parts.append(f'<rect x="{lx}" y="{h - 22}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{h - 13}" font-size="10">{escape(s)}</text>')
        lx += 24 + 6 * len(s)
    return (f'<div class=plot><svg xmlns="http://www.w3.org/2000/svg" width="{max(w, lx)}" height="{h}" '
            f'role="img" aria-label="jobs by status per backend">{"".join(parts)}</svg></div>')


# ---------------------------------------------------------------- heat map


def heatmap_svg(groups: list[GroupMetrics]) -> str:
    """Speedup per task x backend. Correct jobs without a baseline (simulators) show their
    roofline fraction in grey; failed jobs show their status."""
    tasks = sorted({e.task for g in groups for e in g.evals})
    cw, ch = 96, 22
    left = 12 + 7 * max((len(t) for t in tasks), default=4)
    top = 14 + 6 * max((len(g.label) for g in groups), default=4)
    w, h = left + cw * len(groups) + 10, top + ch * len(tasks) + 10
    parts = []
    for j, g in enumerate(groups):
        x = left + j * cw + cw / 2
        parts.append(f'<text transform="translate({x:.0f},{top - 6}) rotate(-30)" font-size="11" '
                     f'font-weight="600">{escape(g.label)}</text>')
    for i, t in enumerate(tasks):
        y = top + i * ch
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="11">{escape(t)}</text>')
        for j, g in enumerate(groups):
            x = left + j * cw
            ev = next((e for e in g.evals if e.task == t), None)
            if ev is None:
                fill, fg, txt, tip = "#fff", "#999", "", "not run"
            elif ev.status == Status.correct and ev.speedup:
                (fill, fg), txt = _heat(ev.speedup), f"{ev.speedup:.2f}x"
                tip = f"{ev.speedup:.3f}x over the reference"
            elif ev.status == Status.correct:
                fill, fg = "#f0f0f0", "#555"
                txt = f"roof {_pct(ev.roofline_fraction)}" if ev.roofline_fraction else "correct"
                tip = "correct; no baseline on this device"
            else:
                fill = "#fafafa" if ev.status in (Status.unavailable, Status.compile_only) else "#fde8ea"
                fg = "#999" if ev.status in (Status.unavailable, Status.compile_only) else "#b00020"
                txt, tip = ev.status.value.replace("_", " "), ev.message[:200]
            parts.append(f'<g><title>{escape(t)} on {escape(g.label)}: {escape(tip)}</title>'
                         f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" fill="{fill}" '
                         f'stroke="#e0e0e0"/><text x="{x + cw / 2}" y="{y + 15}" text-anchor="middle" '
                         f'font-size="10.5" fill="{fg}">{escape(txt[:16])}</text></g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
            f'aria-label="speedup heat map">{"".join(parts)}</svg>')


# ---------------------------------------------------------------- roofline


def roofline_svg(device: str, groups: list[GroupMetrics], labels: list[str], clip_id: str = "roof") -> str | None:
    """Achieved GFLOP/s against FLOP/byte for every timed shape on one device, with each
    backend's roof (declared or measured peaks). None where nothing on it was timed."""
    pts = []  # (intensity, gflops, backend label, tip)
    roofs: dict[str, tuple[float, float, bool]] = {}
    for g in groups:
        for e in g.evals:
            for st in e.timings:
                r = st.roofline
                if not r or not r.flops or not r.bytes or r.achieved_flops_per_s <= 0:
                    continue
                pts.append((r.flops / r.bytes, r.achieved_flops_per_s / 1e9, g.label,
                            f"{e.task} {st.shape.label} on {g.label}: {r.achieved_flops_per_s / 1e9:.3g} GFLOP/s, "
                            f"{r.achieved_bytes_per_s / 1e9:.3g} GB/s, "
                            + (f"{100 * r.fraction:.1f}% of roof" if r.fraction is not None else "no roof")))
                if r.peak_flops_per_s and r.peak_bytes_per_s:
                    roofs.setdefault(g.label, (r.peak_flops_per_s / 1e9, r.peak_bytes_per_s / 1e9, r.estimate))
    if not pts:
        return None
    xs = [p[0] for p in pts] + [pf / pb for pf, pb, _ in roofs.values()]
    ys = [p[1] for p in pts] + [pf for pf, _, _ in roofs.values()]
    x0, x1 = math.floor(math.log10(min(xs)) - 0.3), math.ceil(math.log10(max(xs)) + 0.3)
    y0, y1 = math.floor(math.log10(min(ys)) - 0.3), math.ceil(math.log10(max(ys)) + 0.3)
    w, h, ml, mr, mt, mb = 560, 380, 64, 16, 34, 48
    pw, ph = w - ml - mr, h - mt - mb

    def sx(v: float) -> float:
        return ml + (math.log10(v) - x0) / (x1 - x0) * pw

    def sy(v: float) -> float:
        return mt + ph - (math.log10(v) - y0) / (y1 - y0) * ph

    parts = [f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="#999"/>',
             f'<clipPath id="{clip_id}"><rect x="{ml}" y="{mt}" width="{pw}" height="{ph}"/></clipPath>']
    for k in range(x0, x1 + 1):
        x = sx(10.0 ** k)
        parts.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{mt + ph}" stroke="#eee"/>'
                     f'<text x="{x:.1f}" y="{mt + ph + 15}" text-anchor="middle" font-size="10">{_tick(10.0 ** k)}</text>')
    for k in range(y0, y1 + 1):
        y = sy(10.0 ** k)
        parts.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{ml + pw}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{ml - 5}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{_tick(10.0 ** k)}</text>')
    clip, dash = f'clip-path="url(#{clip_id})"', 'stroke-dasharray="5,3" '
    for lab, (pf, pb, est) in roofs.items():
        lo, hi, ridge = 10.0 ** x0, 10.0 ** x1, pf / pb
        line = [(lo, pb * lo), (ridge, pf), (hi, pf)] if lo < ridge < hi else [(lo, min(pf, pb * lo)),
                                                                                (hi, min(pf, pb * hi))]
        d = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in line)
        parts.append(f'<polyline points="{d}" fill="none" stroke="{_colour(lab, labels)}" stroke-width="1.5" '
                     f'{dash if est else ""}{clip}><title>{escape(lab)} roof: '
                     f'{pf:.3g} GFLOP/s, {pb:.3g} GB/s ({"declared" if est else "measured"} peaks)</title></polyline>')
    for x, y, lab, tip in pts:
        c = _colour(lab, labels)
        parts.append(f'<circle class="pt" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{c}" fill-opacity="0.75" '
                     f'stroke="#fff" stroke-width="0.5"><title>{escape(tip)}</title></circle>')
    legend_x = ml + 6
    for lab in dict.fromkeys([p[2] for p in pts] + list(roofs)):
        parts.append(f'<circle cx="{legend_x + 4}" cy="{mt + 10}" r="4" fill="{_colour(lab, labels)}"/>'
                     f'<text x="{legend_x + 11}" y="{mt + 14}" font-size="10">{escape(lab)}</text>')
        legend_x += 26 + 6 * len(lab)
    parts.append(f'<text x="{ml + pw / 2}" y="{h - 10}" text-anchor="middle" font-size="11">'
                 "arithmetic intensity (FLOP/byte)</text>"
                 f'<text transform="translate(14,{mt + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11">'
                 "achieved GFLOP/s</text>"
                 f'<text x="{ml}" y="18" font-size="12" font-weight="600">{escape(device[:80])}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
            f'aria-label="roofline {escape(device)}">{"".join(parts)}</svg>')


# ---------------------------------------------------------------- pages


def _meta(evals: list[Evaluation], source: str | None) -> str:
    env = next((e.environment for e in evals if e.environment), {})
    bits = [f"{len(evals)} jobs", f"{len({e.task for e in evals})} tasks",
            f"{len({e.backend for e in evals})} backends"]
    if env:
        bits.append(f"kernelhub {env.get('kernelhub', '?')}, python {env.get('python', '?')}, "
                    f"host {env.get('host', '?')} ({env.get('machine', '?')})")
    if source:
        bits.append(f"from {source}")
    bits.append("generated " + _dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    return " · ".join(escape(b) for b in bits)


def render_html(evals: list[Evaluation], title: str = "kernelhub benchmark report",
                source: str | None = None) -> str:
    """The whole page as one string: no external stylesheet, script, font or image."""
    groups = group_metrics(evals)
    labels = [g.label for g in groups]
    devices: dict[str, list[GroupMetrics]] = {}
    for g in groups:
        devices.setdefault(g.device, []).append(g)
    rooflines = [svg for i, (d, gs) in enumerate(devices.items())
                 if (svg := roofline_svg(d, gs, labels, f"roof{i}"))]
    timing_kinds = sorted({("simulated" if t.candidate.simulated else "device clock" if t.candidate.device_time
                            else "host wall clock") for e in evals for t in e.timings})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head><body>
<h1>{escape(title)}</h1><div class=meta>{_meta(evals, source)}</div>
<h2>Per backend and device</h2>
{_summary_table(groups)}
<p class=note>Geomean speedup: over correct jobs with a baseline on the device. fast<sub>p</sub> (KernelBench):
share of all jobs that are correct <em>and</em> faster than p &times; the reference; n/a where the device has no
baseline (simulators, scored by roofline). Roofline fraction: achieved / attainable at the kernel's arithmetic
intensity, median over correct jobs. Times: {escape(", ".join(timing_kinds) or "none")}.</p>
<h2>Speedup per task and backend</h2>
<div class=plot>{heatmap_svg(groups)}</div>
<p class=note>Blue: faster than the reference, red: slower (colour saturates at 4&times;). Grey cells: correct with no
baseline (roofline fraction shown), or not run here. Hover a cell for details.</p>
<h2>Roofline per device</h2>
<div class=plots>{"".join(f"<div class=plot>{s}</div>" for s in rooflines) or "<p class=na>nothing timed</p>"}</div>
<p class=note>One point per timed shape. Solid roof: measured peaks; dashed: declared peaks.</p>
<h2>Jobs by status (failure breakdown)</h2>
{_failure_table(groups)}
</body></html>
"""


def render_markdown(evals: list[Evaluation], title: str = "kernelhub benchmark report") -> str:
    """The same tables for terminals and READMEs (the plots stay in the HTML)."""
    groups = group_metrics(evals)
    lines = [f"# {title}", "", "| backend | device | tasks correct | geomean speedup | "
             + " | ".join(f"fast_{p:g}" for p in FAST_P) + " | median roofline fraction |",
             "|---|---|---:|---:|" + "---:|" * len(FAST_P) + "---:|"]
    for g in groups:
        lines.append(f"| {g.backend} | {g.device} | {_correct_text(g)[0]} | {_x(g.geomean_speedup)} | "
                     + " | ".join(_pct(g.fast_p[p]) for p in FAST_P) + f" | {_pct(g.roofline_fraction)} |")
    tasks = sorted({e.task for e in evals})
    lines += ["", "## Speedup per task", "", "| task | " + " | ".join(g.label for g in groups) + " |",
              "|---|" + "---:|" * len(groups)]
    for t in tasks:
        cells = []
        for g in groups:
            e = next((e for e in g.evals if e.task == t), None)
            cells.append("" if e is None else f"{e.speedup:.2f}x" if e.status == Status.correct and e.speedup
                         else f"roof {_pct(e.roofline_fraction)}" if e.status == Status.correct and
                         e.roofline_fraction else e.status.value)
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    statuses = [s.value for s in Status if any(s.value in g.statuses for g in groups)]
    lines += ["", "## Jobs by status", "", "| backend | " + " | ".join(statuses) + " |",
              "|---|" + "---:|" * len(statuses)]
    for g in groups:
        lines.append(f"| {g.label} | " + " | ".join(str(g.statuses.get(s, "")) for s in statuses) + " |")
    return "\n".join(lines) + "\n"


def write_pages(evals: list[Evaluation], out_dir: Path, source: str | None = None) -> dict[str, str]:
    """Write report.html and report.md into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html, md = out_dir / "report.html", out_dir / "report.md"
    html.write_text(render_html(evals, source=source), encoding="utf-8")
    md.write_text(render_markdown(evals), encoding="utf-8")
    return {"html": str(html), "markdown": str(md)}
