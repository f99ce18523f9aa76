"""Trace a candidate's entry at one shape: the jitted callable (params static), its jaxpr, the
returned outputs checked against the signature, and what the jaxpr says about where the work
happens (Pallas kernels, host callbacks, their VMEM blocks)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from kernelhub.models import Signature

#: primitives that run Python on the host in the middle of a jitted computation
HOST_CALLBACKS = ("pure_callback", "io_callback", "callback")
#: the work of a matmul or convolution task: outside a Pallas kernel in a `pallas` candidate, a fail
HEAVY_OUTSIDE = ("dot_general", "conv_general_dilated")
DRY_RUN_EXTENT = 64


class OutputMismatch(Exception):
    """The entry returned the wrong number, shape or dtype of outputs."""


def make_jitted(entry: Any, sig: Signature) -> Any:
    import jax
    n_in = len(sig.inputs)
    return jax.jit(entry, static_argnums=tuple(range(n_in, n_in + len(sig.params))))


def dims(sig: Signature, shape: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
    return {t.name: tuple(d if isinstance(d, int) else int(shape[d]) for d in t.dims)
            for t in sig.inputs + sig.outputs}


def param_values(sig: Signature, shape: Mapping[str, int]) -> list[Any]:
    out = []
    for p in sig.params:
        v = p.value if p.value is not None else shape[p.name]
        out.append(float(v) if p.dtype.startswith("float") else int(v))
    return out


def as_tuple(result: Any, sig: Signature) -> tuple[Any, ...]:
    """The entry's return value as one item per output (a bare array for a single output)."""
    if len(sig.outputs) == 1 and not isinstance(result, (tuple, list)):
        return (result,)
    if isinstance(result, dict):
        return tuple(result.get(t.name) for t in sig.outputs)
    if not isinstance(result, (tuple, list)):
        raise OutputMismatch(f"the entry returned one {type(result).__name__}; return a tuple of "
                             f"{len(sig.outputs)} arrays ({', '.join(t.name for t in sig.outputs)})")
    return tuple(result)


def check_outputs(result: Any, sig: Signature, shape: Mapping[str, int]) -> None:
    """Raise OutputMismatch unless every output has the signature's shape and dtype."""
    want = dims(sig, shape)
    got = as_tuple(result, sig)
    if len(got) != len(sig.outputs):
        raise OutputMismatch(f"the entry returned {len(got)} value(s); the task has {len(sig.outputs)} output(s) "
                             f"({', '.join(t.name for t in sig.outputs)})")
    for spec, value in zip(sig.outputs, got):
        shp = tuple(getattr(value, "shape", ()) or ())
        dt = str(getattr(value, "dtype", type(value).__name__))
        if value is None or not hasattr(value, "shape"):
            raise OutputMismatch(f"output {spec.name!r}: the entry returned {type(value).__name__}, not an array")
        if shp != want[spec.name] or dt != spec.dtype:
            sym = ", ".join(f"{k}={v}" for k, v in shape.items())
            raise OutputMismatch(f"output {spec.name!r}: the entry returned {dt}{list(shp)}, the task expects "
                                 f"{spec.dtype}{list(want[spec.name])} (shape {sym})")


def abstract_args(sig: Signature, shape: Mapping[str, int], sharding: Any = None) -> list[Any]:
    import jax
    import numpy as np
    d = dims(sig, shape)
    arrays = [jax.ShapeDtypeStruct(d[t.name], np.dtype(t.dtype), sharding=sharding) for t in sig.inputs]
    return arrays + param_values(sig, shape)


@dataclass
class Scan:
    """What the jaxpr of one trace says."""

    pallas_calls: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)
    heavy_outside: list[str] = field(default_factory=list)
    primitives: int = 0

    @property
    def vmem_bytes(self) -> int:
        return max((k["vmem_bytes"] for k in self.pallas_calls), default=0)


def scan(closed_jaxpr: Any) -> Scan:
    out = Scan()
    _walk(closed_jaxpr.jaxpr, out, inside_pallas=False)
    return out


def _walk(jaxpr: Any, out: Scan, inside_pallas: bool) -> None:
    from kernelhub_jax.errors import sub_jaxprs
    for eqn in jaxpr.eqns:
        out.primitives += 1
        name = eqn.primitive.name
        if name in HOST_CALLBACKS:
            out.callbacks.append(name)
        if name in HEAVY_OUTSIDE and not inside_pallas:
            out.heavy_outside.append(name)
        if name == "pallas_call":
            out.pallas_calls.append(_pallas_info(eqn))
            continue  # its body is kernel code
        for sub in sub_jaxprs(eqn):
            _walk(sub, out, inside_pallas)


def _pallas_info(eqn: Any) -> dict[str, Any]:
    """Grid and per-block bytes of one pallas_call; VMEM estimated as two buffers per blocked operand
    (Pallas TPU pipelining double-buffers them) plus scratch."""
    gm = eqn.params.get("grid_mapping")
    dbg = getattr(eqn.params.get("jaxpr"), "debug_info", None)
    name = str(eqn.params.get("name") or getattr(dbg, "func_name", "") or "pallas_call")
    info: dict[str, Any] = {"name": name.split(" ")[0], "grid": list(getattr(gm, "grid", ()) or ())}
    blocks, vmem = [], 0
    for bm in getattr(gm, "block_mappings", ()) or ():
        try:
            shape = [int(getattr(b, "block_size", b)) if not isinstance(b, int) else b
                     for b in bm.block_shape]
            itemsize = bm.array_aval.dtype.itemsize
        except (AttributeError, TypeError):
            continue
        nbytes = math.prod(s for s in shape if s) * itemsize
        blocks.append({"block": shape, "array": list(bm.array_aval.shape), "bytes": nbytes})
        vmem += 2 * nbytes
    scratch = 0
    for aval in getattr(gm, "scratch_avals", ()) or ():
        try:
            scratch += math.prod(aval.shape) * aval.dtype.itemsize
        except (AttributeError, TypeError):
            pass
    info.update(blocks=blocks, scratch_bytes=scratch, vmem_bytes=vmem + scratch)
    return info
