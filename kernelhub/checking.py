"""Numerical checks: poisoning, comparison against the reference, input checksums.

All verdict logic lives here and runs in the harness process, never in a
candidate's process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kernelhub.fastcheck import float_summary
from kernelhub.models import Check, Tolerance

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
MAX_LISTED = 8


def make_poison(dtype: str, rng: np.random.Generator) -> np.ndarray:
    """A 0-d array whose bit pattern marks 'never written': a NaN with a random payload for
    floats (a kernel computing NaN gets the canonical NaN, not this payload), a random
    value for ints. Drawn per run, so a candidate cannot predict it."""
    dt = np.dtype(dtype)
    if dt.kind == "f":
        bits = {2: (0x7C00, 10), 4: (0x7F800000, 23), 8: (0x7FF0000000000000, 52)}[dt.itemsize]
        payload = int(rng.integers(1, 1 << min(bits[1], 62))) | 1 << (bits[1] - 2)
        return np.array(bits[0] | payload, dtype=_UINT[dt.itemsize]).view(dt)
    if dt.kind == "b":
        return np.array(True)
    info = np.iinfo(dt)
    return np.array(rng.integers(info.min, info.max, dtype=dt.type, endpoint=True), dtype=dt)


def poisoned(shape: tuple[int, ...], poison: np.ndarray) -> np.ndarray:
    return np.full(shape, poison, dtype=poison.dtype)


def unwritten_mask(got: np.ndarray, poison: np.ndarray | None) -> np.ndarray | None:
    if poison is None or poison.dtype.kind == "b" or got.dtype != poison.dtype:
        return None
    u = _UINT[got.dtype.itemsize]
    return np.ascontiguousarray(got).view(u) == poison.view(u)


def same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-exact equality (NaN payloads included): how inputs are checked for mutation."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(np.array_equal(np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8)))


def compare(output: str, got: Any, expected: np.ndarray, tol: Tolerance | None,
            poison: np.ndarray | None = None) -> Check:
    """Compare one output with the reference. Floats: |got-ref| <= atol*max|ref| + rtol*|ref|,
    elementwise, NaN allowed only where the reference has NaN. Ints and bools: exact."""
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        return Check(output=output, passed=False, total=int(expected.size),
                     message=f"expected an array, got {type(got).__name__}")
    if got.shape != expected.shape:
        return Check(output=output, passed=False, total=int(expected.size),
                     message=f"shape {got.shape} differs from the expected {expected.shape}")
    total = int(expected.size)
    is_float = got.dtype.kind == "f" or expected.dtype.kind == "f"
    if is_float:
        tol = tol or Tolerance(atol=1e-5, rtol=1e-5)
        floor = max(float(np.finfo(got.dtype).tiny) if got.dtype.kind == "f" else 0.0, tol.floor)
        fast = float_summary(got, expected, tol.atol, tol.rtol, floor, poison)
        if fast is not None and fast.mismatches == 0:  # the common case: two fused passes, nothing to list
            return Check(output=output, passed=True, total=total, mismatches=0, max_abs_error=fast.max_abs_error,
                         max_rel_error=fast.max_rel_error, nan_count=fast.nan_count, inf_count=fast.inf_count,
                         unexpected_nonfinite=fast.unexpected_nonfinite, never_written=0, tolerance=tol,
                         scale=fast.scale)
    written = unwritten_mask(got, poison)
    never = int(written.sum()) if written is not None else 0
    if is_float:
        with np.errstate(invalid="ignore"):  # poison NaN payloads are signalling in some widths
            g = got.astype(np.float64, copy=False)
            e = expected.astype(np.float64, copy=False)
        abs_e = np.abs(e)
        finite_ref = np.isfinite(e)
        all_finite_ref = bool(finite_ref.all())
        scale = float(abs_e.max(initial=0.0) if all_finite_ref else abs_e[finite_ref].max(initial=0.0))
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(g - e)
            # never demand what the output dtype cannot hold (``floor``: its smallest normal number): a
            # float32 kernel rightly flushes a float64 reference's 1e-61 to zero
            ok = err <= np.maximum(tol.atol * scale + tol.rtol * abs_e, floor)
        if not all_finite_ref:  # NaN/Inf allowed exactly where the reference has them
            ok |= ~finite_ref & ((np.isnan(e) & np.isnan(g)) | (g == e))
        finite_got = np.isfinite(g)
        all_finite_got = bool(finite_got.all())
        unexpected = 0 if all_finite_got else int(np.count_nonzero(finite_ref & ~finite_got))
        if written is not None:
            ok &= ~written
        bad = ~ok
        n_bad = int(np.count_nonzero(bad))
        fin_err = err if (all_finite_ref and all_finite_got) else np.where(finite_ref & finite_got, err, 0.0)
        rel = np.zeros_like(fin_err)
        np.divide(fin_err, abs_e, out=rel, where=abs_e > 0)
        check = Check(
            output=output, passed=n_bad == 0, total=total, mismatches=n_bad,
            max_abs_error=float(fin_err.max(initial=0.0)), max_rel_error=float(rel.max(initial=0.0)),
            nan_count=0 if all_finite_got else int(np.count_nonzero(np.isnan(g))),
            inf_count=0 if all_finite_got else int(np.count_nonzero(np.isinf(g))),
            unexpected_nonfinite=unexpected, never_written=never, tolerance=tol, scale=scale,
        )
        severity = np.where(np.isfinite(err), err, np.inf) if n_bad else None
    else:
        ok = got == expected
        if written is not None:
            ok &= ~written
        bad = ~ok
        n_bad = int(np.count_nonzero(bad))
        diff = np.abs(got.astype(np.int64) - expected.astype(np.int64)) if got.dtype.kind != "b" else bad
        check = Check(output=output, passed=n_bad == 0, total=total, mismatches=n_bad,
                      max_abs_error=float(diff.max(initial=0)), never_written=never)
        severity = diff.astype(np.float64) if n_bad else None
    if check.mismatches:
        first = np.argwhere(bad)[:MAX_LISTED]
        check.first_mismatches = [_entry(got, expected, tuple(int(i) for i in ix)) for ix in first]
        sev = np.where(bad, severity, -1.0).ravel()
        top = np.argpartition(sev, -min(MAX_LISTED, sev.size))[-MAX_LISTED:]
        top = top[np.argsort(sev[top])[::-1]]
        worst = [np.unravel_index(int(i), bad.shape) for i in top if sev[int(i)] >= 0]
        check.worst_mismatches = [_entry(got, expected, tuple(int(i) for i in ix)) for ix in worst]
        parts = [f"{check.mismatches} of {total} elements outside tolerance"]
        if never:
            parts.append(f"{never} never written")
        if check.unexpected_nonfinite:
            parts.append(f"{check.unexpected_nonfinite} NaN/Inf where the reference is finite")
        check.message = "; ".join(parts)
    return check


def _entry(got: np.ndarray, expected: np.ndarray, ix: tuple[int, ...]) -> dict[str, Any]:
    def py(v: Any) -> Any:
        v = v.item()
        return repr(v) if isinstance(v, float) and not np.isfinite(v) else v
    return {"index": list(ix), "got": py(got[ix]), "expected": py(expected[ix])}
