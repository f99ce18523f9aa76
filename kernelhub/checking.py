"""Numerical checks: poisoning, comparison against the reference, input checksums.

All verdict logic lives here and runs in the harness process, never in a
candidate's process.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

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


def checksum(a: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(a).view(np.uint8).data, digest_size=16).hexdigest()


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
    written = unwritten_mask(got, poison)
    never = int(written.sum()) if written is not None else 0
    if got.dtype.kind == "f" or expected.dtype.kind == "f":
        g = got.astype(np.float64)
        e = expected.astype(np.float64)
        tol = tol or Tolerance(atol=1e-5, rtol=1e-5)
        finite_ref = np.isfinite(e)
        scale = float(np.max(np.abs(e[finite_ref]))) if finite_ref.any() else 0.0
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(g - e)
            bound = tol.atol * scale + tol.rtol * np.abs(e)
            ok = err <= bound
        same_nonfinite = (~finite_ref) & ((np.isnan(e) & np.isnan(g)) | (g == e))
        ok = ok | same_nonfinite
        unexpected = int(np.sum(finite_ref & ~np.isfinite(g)))
        if written is not None:
            ok &= ~written
        rel = np.where(finite_ref & (np.abs(e) > 0), err / np.where(np.abs(e) > 0, np.abs(e), 1), 0.0)
        fin_err = np.where(finite_ref & np.isfinite(g), err, 0.0)
        bad = ~ok
        worst_order = np.argsort(np.where(bad, np.where(np.isfinite(err), err, np.inf), -1).ravel())[::-1]
        check = Check(
            output=output, passed=bool(ok.all()), total=total, mismatches=int(bad.sum()),
            max_abs_error=float(fin_err.max()) if total else 0.0,
            max_rel_error=float(np.nanmax(np.where(np.isfinite(rel), rel, 0))) if total else 0.0,
            nan_count=int(np.isnan(g).sum()), inf_count=int(np.isinf(g).sum()),
            unexpected_nonfinite=unexpected, never_written=never, tolerance=tol, scale=scale,
        )
    else:
        ok = got == expected
        if written is not None:
            ok &= ~written
        bad = ~ok
        diff = np.abs(got.astype(np.int64) - expected.astype(np.int64)) if got.dtype.kind != "b" else bad
        worst_order = np.argsort(np.where(bad, diff, -1).ravel(), kind="stable")[::-1]
        check = Check(output=output, passed=bool(ok.all()), total=total, mismatches=int(bad.sum()),
                      max_abs_error=float(diff.max()) if total else 0.0, never_written=never)
    if check.mismatches:
        first = np.argwhere(bad)[:MAX_LISTED]
        check.first_mismatches = [_entry(got, expected, tuple(int(i) for i in ix)) for ix in first]
        worst = [np.unravel_index(int(i), bad.shape) for i in worst_order[:MAX_LISTED] if bad.ravel()[int(i)]]
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
