"""Short constructors for writing task definitions by hand (task suites, tests)."""

from __future__ import annotations

from kernelhub.models import DType, Param, TensorSpec, Tolerance

#: fp32 outputs: atol relative to max|ref| (see Tolerance), rtol elementwise.
F32 = {"float32": Tolerance(atol=1e-5, rtol=1e-4)}
#: fp32 outputs of long accumulations (matmul, conv, scans) whose rounding grows with length.
F32_ACCUM = {"float32": Tolerance(atol=1e-4, rtol=1e-3)}


def tensor(name: str, dtype: DType, *dims: str | int, description: str = "") -> TensorSpec:
    return TensorSpec(name=name, dtype=dtype, dims=list(dims), description=description)


def dim(name: str, description: str = "") -> Param:
    """A shape symbol passed to the kernel as an int64 scalar."""
    return Param(name=name, dtype="int64", description=description)


def const(name: str, value: float, dtype: str = "float32", description: str = "") -> Param:
    """A fixed scalar of the task (eps, alpha), passed to the kernel."""
    return Param(name=name, dtype=dtype, value=value, description=description)  # type: ignore[arg-type]
