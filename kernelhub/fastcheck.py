"""One fused pass over a float output for the common case of :func:`kernelhub.checking.compare`.

The NumPy comparison makes about fifteen full-array passes in float64; on a 2-core machine that is a
third of the harness's time per evaluation of a memory-bound task. This numba kernel computes the same
numbers in two passes. It is an accelerator only: the caller uses it when numba is importable and
keeps the NumPy path for everything else (and to list the mismatches when there are any), and
``tests/test_checking.py`` holds the two to the same results.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class FloatSummary(NamedTuple):
    mismatches: int
    max_abs_error: float
    max_rel_error: float
    nan_count: int
    inf_count: int
    unexpected_nonfinite: int
    scale: float


_kernel = None
_KINDS = (np.float32, np.float64)


def _compile():
    global _kernel
    if _kernel is not None:
        return _kernel
    try:
        import numba
    except ImportError:
        _kernel = False
        return _kernel

    @numba.njit(cache=True, nogil=True)
    def summary(g, e, gbits, poison_bits, has_poison, atol, rtol, floor):  # pragma: no cover - compiled
        n = e.size
        scale = 0.0
        for i in range(n):
            a = abs(e[i])
            if np.isfinite(a) and a > scale:
                scale = a
        base = atol * scale
        bad = 0
        nans = 0
        infs = 0
        unexpected = 0
        max_abs = 0.0
        max_rel = 0.0
        for i in range(n):
            gi = np.float64(g[i])
            ei = e[i]
            ae = abs(ei)
            fin_e = np.isfinite(ei)
            fin_g = np.isfinite(gi)
            err = abs(gi - ei)
            lim = base + rtol * ae
            if lim < floor:
                lim = floor
            ok = err <= lim
            if not fin_e:
                ok = ok or (np.isnan(ei) and np.isnan(gi)) or gi == ei
            if has_poison and gbits[i] == poison_bits:
                ok = False
            if not ok:
                bad += 1
            if np.isnan(gi):
                nans += 1
            elif not fin_g:
                infs += 1
            if fin_e and not fin_g:
                unexpected += 1
            if fin_e and fin_g:
                if err > max_abs:
                    max_abs = err
                if ae > 0 and err / ae > max_rel:
                    max_rel = err / ae
        return bad, max_abs, max_rel, nans, infs, unexpected, scale

    _kernel = summary
    return _kernel


def float_summary(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float, floor: float,
                  poison: np.ndarray | None) -> FloatSummary | None:
    """The comparison's numbers in one fused pass, or None where this path does not apply (numba
    missing, a dtype other than float32/float64, or a poison of another dtype)."""
    if got.dtype.type not in _KINDS or expected.dtype.type not in _KINDS or got.size < 4096:
        return None
    kernel = _compile()
    if not kernel:
        return None
    g = np.ascontiguousarray(got).ravel()
    e = np.ascontiguousarray(expected, dtype=np.float64).ravel()
    unsigned = np.uint32 if g.dtype.itemsize == 4 else np.uint64
    has_poison = poison is not None and poison.dtype == got.dtype
    bits = g.view(unsigned)
    poison_bits = poison.view(unsigned).item() if has_poison else 0
    return FloatSummary(*kernel(g, e, bits, unsigned(poison_bits), has_poison, float(atol), float(rtol), float(floor)))
