"""The kernel ABI in numba's terms: the exact argument types a candidate is compiled for,
and the host values it is called with, so that a call never triggers a fresh JIT compile."""

from __future__ import annotations

from typing import Any

import numpy as np

from kernelhub.models import Signature


def numba_arg_types(signature: Signature) -> tuple[Any, ...]:
    """Inputs and outputs as C-contiguous arrays of their dtype and ndim, then the params as
    scalars of their declared dtype: exactly what ``call_args`` produces."""
    import numba
    from numba import types

    arrays = [types.Array(numba.from_dtype(np.dtype(t.dtype)), len(t.dims), "C")
              for t in signature.inputs + signature.outputs]
    scalars = [numba.from_dtype(np.dtype(p.dtype)) for p in signature.params]
    return tuple(arrays + scalars)


def call_args(signature: Signature, ordered: list[Any]) -> list[Any]:
    """The ABI-ordered values with params cast to NumPy scalars of their declared dtype
    (a Python int would type as int64 and a float as float64, missing the compiled overload)."""
    n_arrays = len(signature.inputs) + len(signature.outputs)
    params = [np.dtype(p.dtype).type(v) for p, v in zip(signature.params, ordered[n_arrays:])]
    return list(ordered[:n_arrays]) + params


def describe(arg_types: tuple[Any, ...], names: list[str]) -> str:
    """``x: float32[::1], n: int64``: the compiled argument types in numba's signature notation."""
    def one(t: Any) -> str:
        if getattr(t, "ndim", None) and hasattr(t, "dtype"):
            dims = [":"] * (t.ndim - 1) + ["::1" if t.layout == "C" else ":"]
            return f"{t.dtype}[{', '.join(dims)}]" + (" (read-only)" if not t.mutable else "")
        return str(t)
    return ", ".join(f"{n}: {one(t)}" for n, t in zip(names, arg_types))
