"""Compact text rendering of an Evaluation, for an LLM (or a person) to act on.

Order of importance: the verdict, then what to fix first (compile errors with
source context, the worst mismatches with indices, integrity findings), then
speed (time, speedup, roofline) and the profile's headline numbers.
"""

from __future__ import annotations

from kernelhub.models import Evaluation, Severity, Status, Verdict

MAX_DIAGNOSTICS = 5
MAX_MISMATCHES = 5


def _ms(s: float) -> str:
    return f"{s * 1e3:.4g} ms" if s < 1 else f"{s:.3g} s"


def render_feedback(ev: Evaluation, stderr_lines: int = 12) -> str:
    lines = [f"[{ev.task} | backend {ev.backend} | {ev.language}] {ev.status.value.upper()}"
             + (f": {ev.message}" if ev.message and ev.status != Status.correct else "")]
    if ev.device:
        lines.append(f"device: {ev.device}")
    c = ev.compile
    if c is not None:
        head = f"compile: {'ok' if c.ok else 'FAILED'} in {c.seconds:.2f} s" + (" (cached)" if c.cached else "")
        if c.compile_only:
            head += " (compile-only: not run here)"
        lines.append(head)
        shown = [d for d in c.diagnostics if d.severity == Severity.error][:MAX_DIAGNOSTICS]
        shown += [d for d in c.diagnostics if d.severity != Severity.error][:max(0, MAX_DIAGNOSTICS - len(shown))]
        for d in shown:
            loc = ":".join(str(x) for x in (d.file, d.line, d.column) if x is not None)
            lines.append(f"  {loc}: {d.severity.value}: {d.message}")
            if d.source_line is not None and d.line is not None:
                lines.append(f"    {d.line:>4} | {d.source_line.rstrip()}")
                if d.column:
                    lines.append(f"         | {' ' * (d.column - 1)}^")
        hidden = len(c.diagnostics) - len(shown)
        if hidden > 0:
            lines.append(f"  ... {hidden} more diagnostics")
    if ev.runs:
        ok = sum(r.ok for r in ev.runs)
        lines.append(f"runs: {ok}/{len(ev.runs)} correct "
                     f"({sum(r.purpose == 'check' for r in ev.runs)} checks on visible shapes with fresh seeds, "
                     f"{sum(r.purpose == 'repeat' for r in ev.runs)} repeat, "
                     f"{sum(r.purpose == 'heldout' for r in ev.runs)} held-out shapes)")
        failing, seen = [], set()
        for r in ev.runs:  # first failure per shape: a repeat of the same failure adds nothing
            if not r.ok and r.shape.label not in seen:
                seen.add(r.shape.label)
                failing.append(r)
        for r in failing[:3]:
            where = r.shape.label if r.purpose == "heldout" else r.shape.described
            if r.error:
                lines.append(f"  {where}: {r.error}")
            for chk in r.checks:
                if chk.passed:
                    continue
                lines.append(f"  {where} output {chk.output}: {chk.message or 'mismatch'}; max abs err "
                             f"{chk.max_abs_error:.3g}, max|ref| {chk.scale:.3g}" if chk.max_abs_error is not None
                             else f"  {where} output {chk.output}: {chk.message}")
                for m in chk.worst_mismatches[:MAX_MISMATCHES]:
                    lines.append(f"    at {tuple(m['index'])}: got {m['got']}, expected {m['expected']}")
    bad = [x for x in ev.integrity.checks if x.verdict in (Verdict.failed, Verdict.warn)]
    if ev.integrity.checks:
        passed = sum(x.verdict == Verdict.passed for x in ev.integrity.checks)
        lines.append(f"integrity: {passed}/{len(ev.integrity.checks)} checks pass"
                     + ("" if bad else " (" + ", ".join(x.name for x in ev.integrity.checks
                                                        if x.verdict == Verdict.passed) + ")"))
        for x in bad:
            lines.append(f"  {x.verdict.value.upper()} {x.name}: {x.detail}")
    if ev.timings:
        t0 = ev.timings[0].candidate
        kind = ("simulated time, not a measurement" if t0.simulated else "device time" if t0.device_time
                else "interpreted, not device time" if t0.interpreted else "host wall time")
        lines.append(f"timing ({t0.method}; {kind}; median +- IQR of {len(t0.samples)}+ reps, "
                     f"cache flush {'on' if t0.cache_flush else 'off'}):")
        for st in ev.timings:
            row = f"  {st.shape.described}: {_ms(st.candidate.median)} +- {_ms(st.candidate.iqr)}"
            if st.reference:
                row += f" | reference {_ms(st.reference.median)} | speedup {st.speedup:.2f}x"
            if st.roofline and st.roofline.fraction is not None:
                r = st.roofline
                row += (f" | {r.achieved_flops_per_s / 1e9:.3g} GFLOP/s, {r.achieved_bytes_per_s / 1e9:.3g} GB/s, "
                        f"{100 * r.fraction:.1f}% of roofline ({r.bound}-bound{', declared peaks' if r.estimate else ''})")
            lines.append(row)
        if ev.speedup:
            lines.append(f"speedup (geomean): {ev.speedup:.2f}x; reward {ev.reward:.3f}")
        else:
            lines.append(f"no baseline on this device: scored by roofline fraction; reward {ev.reward:.3f}")
    elif ev.status == Status.correct:
        lines.append(f"not timed; reward {ev.reward:.3f}")
    if ev.profile and ev.profile.headline:
        lines.append(f"profile ({ev.profile.platform}{', static' if ev.profile.static else ''}): "
                     + ", ".join(f"{k}={v}" for k, v in ev.profile.headline.items()))
    if ev.counters is not None:
        c = ev.counters
        if c.headline:
            per = ", ".join(f"{k['kernel']} {k.get('dram_pct_of_peak')}% DRAM / {k.get('sm_pct_of_peak')}% SM"
                            for k in c.detail.get("kernels", [])[:4])
            lines.append(f"counters ({c.platform}, {c.detail.get('shape', '')}): "
                         + ", ".join(f"{k}={v}" for k, v in c.headline.items()) + (f"; {per}" if per else ""))
        else:
            lines.append(f"counters: none ({c.detail.get('unavailable', 'no reason given')})")
    if ev.stderr_tail and ev.status in (Status.crash, Status.timeout, Status.out_of_memory, Status.runtime_error):
        tail = ev.stderr_tail.strip().splitlines()[-stderr_lines:]
        if tail:
            lines.append("stderr (tail):")
            lines += [f"  {t}" for t in tail]
    return "\n".join(lines)
