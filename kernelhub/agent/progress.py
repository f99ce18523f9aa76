"""Multi-turn feedback: what changed since the previous attempt, and, for simulated machines,
the stall breakdown and the one hint the profile supports most.

A hint is only given when one stall cause clearly dominates (``HINT_MIN_SHARE`` of all
cycles); it names the measured share, so an agent can see what the advice rests on.
"""

from __future__ import annotations

from kernelhub.feedback import render_feedback
from kernelhub.models import Evaluation, Status

#: a stall cause must take at least this share of all cycles before a hint is given
HINT_MIN_SHARE = 0.15

#: stall cause (as the simulators name them in ``profile.detail['stall_cycles']``) -> what to do
HINTS: dict[str, str] = {
    "dma_wait": "overlap the next tile's load with this tile's compute (double-buffer: issue its `xin` before "
                "computing the current tile, and `xwait` only right before you use the data)",
    "dma_queue": "too many transfers outstanding: use fewer, larger DMA transfers (bigger tiles)",
    "dma_busy": "the DMA engine is the bottleneck: move fewer bytes (reuse tiles already on chip)",
    "data": "instructions wait on results of the previous ones: interleave independent work "
            "(several accumulators, unrolled iterations) so a result's latency is hidden",
    "scalar": "instructions wait on scalar results: hoist address arithmetic out of the inner loop",
    "structural": "a unit is busy when the next instruction needs it: spread the work over other units "
                  "or issue fewer, wider operations",
    "memory": "the load/store path is saturated: keep values in registers instead of reloading them",
    "branch": "taken branches cost cycles: unroll the inner loop (or use the hardware loop) so fewer branches run",
    "array_busy": "the array is saturated: the kernel is compute-bound, which is the roof; reduce other overheads",
    "wload_busy": "weight loads queue up: reuse each loaded weight tile for more rows before loading the next",
    "vector_busy": "the vector unit is the bottleneck: fuse or drop post-processing steps",
}


def stall_shares(ev: Evaluation) -> tuple[int, dict[str, float]] | None:
    """(cycles, cause -> share of cycles) from a measured simulator profile, else None."""
    p = ev.profile
    if p is None or p.static or not isinstance(p.detail.get("stall_cycles"), dict):
        return None
    cycles = int(p.detail.get("cycles") or 0)
    if cycles <= 0:
        return None
    return cycles, {k: v / cycles for k, v in p.detail["stall_cycles"].items() if v}


def sim_hint(ev: Evaluation) -> str | None:
    """The one hint the profile supports most, e.g. '62% of cycles wait on DMA: overlap ...'."""
    got = stall_shares(ev)
    if not got or not got[1]:
        return None
    cause, share = max(got[1].items(), key=lambda kv: kv[1])
    if share < HINT_MIN_SHARE or cause not in HINTS:
        return None
    return f"{100 * share:.0f}% of cycles are `{cause}` stalls: {HINTS[cause]}"


def stall_line(ev: Evaluation) -> str | None:
    got = stall_shares(ev)
    if not got:
        return None
    cycles, shares = got
    parts = ", ".join(f"{k} {100 * v:.0f}%" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]))
    return f"stalls (share of {cycles} cycles): {parts or 'none'}"


def _median(ev: Evaluation, label: str) -> float | None:
    return next((t.candidate.median for t in ev.timings if t.shape.label == label), None)


def changes(prev: Evaluation, cur: Evaluation) -> list[str]:
    """What changed between two attempts at the same task and backend."""
    out = []
    if prev.status != cur.status:
        out.append(f"status {prev.status.value} -> {cur.status.value}")
    else:
        out.append(f"status unchanged ({cur.status.value})")
    before = {(r.shape.label, r.seed_index, r.purpose): r.ok for r in prev.runs}
    now = {(r.shape.label, r.seed_index, r.purpose): r.ok for r in cur.runs}
    fixed = sorted({k[0] for k, ok in now.items() if ok and before.get(k) is False})
    broke = sorted({k[0] for k, ok in now.items() if not ok and before.get(k) is True})
    if fixed:
        out.append("now passing: " + ", ".join(fixed))
    if broke:
        out.append("now failing: " + ", ".join(broke))
    verdicts = {c.name: c.verdict for c in prev.integrity.checks}
    flips = [f"{c.name} {verdicts[c.name].value}->{c.verdict.value}" for c in cur.integrity.checks
             if c.name in verdicts and verdicts[c.name] != c.verdict]
    if flips:
        out.append("integrity: " + ", ".join(flips))
    for t in cur.timings:
        old = _median(prev, t.shape.label)
        if old and t.candidate.median > 0:
            ratio = old / t.candidate.median
            if abs(ratio - 1) < 0.005:
                out.append(f"{t.shape.label}: time unchanged ({t.candidate.median * 1e3:.4g} ms)")
                continue
            word = "faster" if ratio >= 1 else "slower"
            out.append(f"{t.shape.label}: {old * 1e3:.4g} -> {t.candidate.median * 1e3:.4g} ms "
                       f"({ratio if ratio >= 1 else 1 / ratio:.2f}x {word})")
    if abs(cur.reward - prev.reward) > 1e-9:
        out.append(f"reward {prev.reward:.3f} -> {cur.reward:.3f}")
    return out


def render_turn(ev: Evaluation, previous: Evaluation | None = None) -> str:
    """The compact feedback of one turn: the verdict, then the simulator stalls and hint,
    then what changed since ``previous`` (same task and backend)."""
    lines = [render_feedback(ev)]
    if ev.status in (Status.correct, Status.incorrect):
        stalls, hint = stall_line(ev), sim_hint(ev)
        if stalls:
            lines.append(stalls)
        if hint:
            lines.append("hint: " + hint)
    if previous is not None and previous.task == ev.task and previous.backend == ev.backend:
        lines.append("since your previous attempt: " + "; ".join(changes(previous, ev)))
    return "\n".join(lines)
