"""The fused numba comparison gives exactly the NumPy comparison's verdict and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kernelhub import checking
from kernelhub.checking import compare, make_poison, poisoned
from kernelhub.fastcheck import float_summary
from kernelhub.models import Tolerance

pytest.importorskip("numba", reason="the fused path needs numba")

N = 5000  # above the fused path's size threshold


def _numpy_only(monkeypatch, *args, **kw):
    with monkeypatch.context() as m:
        m.setattr(checking, "float_summary", lambda *a, **k: None)
        return compare(*args, **kw)


def _cases(rng: np.random.Generator):
    tol = Tolerance(atol=1e-4, rtol=1e-3)
    for dtype in (np.float32, np.float64):
        ref = rng.standard_normal(N) * 10.0 ** rng.integers(-3, 4, N)
        good = (ref * (1 + rng.uniform(-1e-4, 1e-4, N))).astype(dtype)
        yield "close", good, ref, tol
        tiny = ref.copy()
        tiny[:50] = 1e-61  # below float32's smallest normal: the floor must apply
        yield "denormal reference", tiny.astype(dtype), tiny, tol
        special = ref.copy()
        special[[3, 7, 11]] = [np.nan, np.inf, -np.inf]
        yield "non-finite reference matched", special.astype(dtype), special, tol
        off = good.copy()
        off[[1, 4000]] += 5.0
        yield "two wrong", off, ref, tol
        nan_got = good.copy()
        nan_got[10] = np.nan
        yield "unexpected NaN", nan_got, ref, tol
        yield "exact tolerance zero", ref.astype(dtype), ref.astype(dtype).astype(np.float64), Tolerance(atol=0, rtol=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fused_and_numpy_paths_agree(monkeypatch, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for name, got, ref, tol in _cases(rng):
        fast, slow = compare("y", got, ref, tol), _numpy_only(monkeypatch, "y", got, ref, tol)
        assert fast.model_dump() == slow.model_dump(), name
        s = float_summary(got, ref, tol.atol, tol.rtol, float(np.finfo(got.dtype).tiny), None)
        assert s is not None and s.mismatches == slow.mismatches, name
        assert s.max_abs_error == pytest.approx(slow.max_abs_error, rel=1e-12, abs=0), name
        assert s.max_rel_error == pytest.approx(slow.max_rel_error, rel=1e-12, abs=0), name
        assert (s.nan_count, s.inf_count, s.unexpected_nonfinite, s.scale) == (
            slow.nan_count, slow.inf_count, slow.unexpected_nonfinite, slow.scale), name


def test_poison_left_in_place_fails_on_both_paths(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    ref = rng.standard_normal(N)
    poison = make_poison("float32", rng)
    got = ref.astype(np.float32)
    out = poisoned((N,), poison)
    out[:-3] = got[:-3]  # the last three never written
    s = float_summary(out, ref, 1e-4, 1e-3, 0.0, poison)
    assert s is not None and s.mismatches == 3 and s.nan_count == 3
    check = compare("y", out, ref, Tolerance(atol=1e-4, rtol=1e-3), poison)
    assert not check.passed and check.never_written == 3 and check.mismatches == 3
    assert check.model_dump() == _numpy_only(monkeypatch, "y", out, ref, Tolerance(atol=1e-4, rtol=1e-3),
                                             poison).model_dump()


def test_paths_not_taken() -> None:
    small = np.ones(10, np.float32)
    assert float_summary(small, small.astype(np.float64), 0, 0, 0, None) is None        # too small to matter
    half = np.ones(N, np.float16)
    assert float_summary(half, half.astype(np.float64), 0, 0, 0, None) is None          # float16: NumPy path


def test_absolute_floor_accepts_meaningless_tiny_errors() -> None:
    """A one-element output has max|ref| = |ref|: without a floor, rounding in a float32 kernel's
    tail (gelu at x = -5 is -2.3e-7) fails a relative tolerance; the task's floor says what is too small to matter."""
    ref, got = np.array([-2.3e-7]), np.array([-1.6e-7], np.float32)
    assert not compare("y", got, ref, Tolerance(atol=1e-5, rtol=1e-4)).passed
    assert compare("y", got, ref, Tolerance(atol=1e-5, rtol=1e-4, floor=1e-6)).passed
    assert not compare("y", np.array([1e-5], np.float32), ref, Tolerance(atol=1e-5, rtol=1e-4, floor=1e-6)).passed
