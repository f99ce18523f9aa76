"""What a candidate's host function does while it runs: the Triton kernels it launches (with the
argument types and constexprs needed to compile them ahead of time) and the torch operators it
dispatches outside those launches (host-side compute is an integrity failure), and on a GPU the
CUDA stream of every launch: the harness's events time the stream the call starts on, so a kernel
sent to another stream would run outside the timed region (an integrity failure too).

Launches are seen by wrapping ``JITFunction.run`` and ``InterpretedFunction.run`` once per process;
operators by a ``TorchDispatchMode``, paused while a kernel runs (the interpreter's own tensor
copies are not the candidate's).
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from typing import Any

#: aten operators a host function may dispatch: allocation, views, fills and copies needed to
#: launch kernels. Anything else computes (add, mm, softmax, sum, ...) or moves data to the host.
ALLOWED_OPS = frozenset("""
empty empty_like empty_strided new_empty new_empty_strided zeros zeros_like new_zeros zero_ fill_ full
full_like new_full ones ones_like new_ones view _unsafe_view reshape _reshape_alias as_strided t transpose
permute expand select slice unsqueeze squeeze flatten unflatten detach alias lift_fresh copy_ clone
contiguous split split_with_sizes chunk unbind narrow view_as expand_as set_ resize_ record_stream
is_same_size sym_size sym_stride sym_numel sym_storage_offset _has_compatible_shallow_copy_type
""".split())

#: launch options that are not kernel arguments
LAUNCH_OPTIONS = {"num_warps", "num_stages", "num_ctas", "maxnreg", "enable_fp_fusion", "warmup", "grid",
                  "stream", "launch_cooperative_grid", "launch_pdl"}

_TORCH_TYPES = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "float64": "fp64", "int32": "i32",
                "int64": "i64", "int16": "i16", "int8": "i8", "uint8": "u8", "uint16": "u16", "uint32": "u32",
                "uint64": "u64", "bool": "i1"}


@dataclass
class LaunchRecord:
    kernel: str
    signature: dict[str, str]
    constexprs: dict[str, Any]
    options: dict[str, Any]
    grid: str


@dataclass
class Recording:
    launches: list[LaunchRecord] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    in_kernel: int = 0
    #: False: only kernel names (cheap, for timed launches); True: argument types and constexprs too
    detail: bool = True
    #: the CUDA stream the call started on (None in the interpreter or before CUDA is initialised)
    stream: int | None = None
    #: kernels launched on any other stream
    foreign_stream_kernels: list[str] = field(default_factory=list)

    @property
    def compute_ops(self) -> list[str]:
        return sorted({op for op in self.ops if op.split(".")[0] not in ALLOWED_OPS})

    def verdicts(self) -> list[tuple[str, str, str]]:
        """(name, verdict, detail) entries for the integrity report."""
        out = []
        bad = self.compute_ops
        if bad:
            out.append(("host_compute", "fail",
                        f"the host function computed with torch operators {', '.join(bad[:8])} outside Triton "
                        "kernels; the work must be done by @triton.jit kernels (host code may only allocate, "
                        "view, fill or copy tensors and launch kernels)"))
        else:
            out.append(("host_compute", "pass", "the host function dispatched no torch compute operators"
                        + (f" (only {', '.join(sorted(set(self.ops))[:6])})" if self.ops else "")))
        if not self.launches:
            out.append(("own_kernel", "fail", "the host function launched no @triton.jit kernel"))
        else:
            names = list(dict.fromkeys(r.kernel for r in self.launches))
            out.append(("own_kernel", "pass", f"{len(self.launches)} Triton launch(es): {', '.join(names)}"))
        if self.foreign_stream_kernels:
            out.append(("timed_stream", "fail",
                        f"kernel(s) {', '.join(sorted(set(self.foreign_stream_kernels)))} launched on a CUDA stream "
                        "other than the one the call started on: that work runs outside the timed region; launch "
                        "on the current stream"))
        elif self.stream is not None:
            out.append(("timed_stream", "pass", "every launch on the stream the call started on"))
        return out


_state = threading.local()
_installed = False


def current() -> Recording | None:
    return getattr(_state, "rec", None)


def _type_of(v: Any) -> str:
    import torch
    if isinstance(v, torch.Tensor):
        return "*" + _TORCH_TYPES.get(str(v.dtype).replace("torch.", ""), "fp32")
    if isinstance(v, bool):
        return "i1"
    if isinstance(v, int):
        return "i32" if -(2 ** 31) <= v < 2 ** 31 else "i64"
    if isinstance(v, float):
        return "fp32"
    if v is None:
        return "constexpr"
    return "constexpr"


def _stream_id() -> int | None:
    """The current CUDA stream's handle, or None without an initialised CUDA context (interpreter)."""
    import sys
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        return None
    return int(torch.cuda.current_stream().cuda_stream)


def _check_stream(rec: Recording, fn: Any, kwargs: dict) -> None:
    if rec.stream is None:
        return
    given = kwargs.get("stream")
    stream = int(given) if isinstance(given, int) else _stream_id()
    if stream is not None and stream != rec.stream:
        rec.foreign_stream_kernels.append(getattr(getattr(fn, "fn", fn), "__name__", "?"))


def _record(fn: Any, args: tuple, kwargs: dict, grid: Any) -> None:
    rec = current()
    if rec is None:
        return
    _check_stream(rec, fn, kwargs)
    if not rec.detail:
        rec.launches.append(LaunchRecord(kernel=getattr(fn, "__name__", "?"), signature={}, constexprs={},
                                         options={}, grid=""))
        return
    try:
        pyfn = getattr(fn, "fn", fn)
        sig = inspect.signature(pyfn)
        bound: dict[str, Any] = {}
        names = list(getattr(fn, "arg_names", list(sig.parameters)))
        for n, v in zip(names, args):
            bound[n] = v
        for k, v in kwargs.items():
            if k in names:
                bound[k] = v
        for n, p in sig.parameters.items():
            if n not in bound and p.default is not inspect.Parameter.empty:
                bound[n] = p.default
        params = getattr(fn, "params", None)
        constexpr_names = ({p.name for p in params if getattr(p, "is_constexpr", False)} if params is not None
                           else {n for n, p in sig.parameters.items()
                                 if "constexpr" in str(p.annotation)})
        signature, constexprs = {}, {}
        for n in names:
            v = bound.get(n)
            if n in constexpr_names or not _is_runtime_value(v):
                signature[n] = "constexpr"
                constexprs[n] = v if isinstance(v, (int, float, bool, str)) or v is None else str(v)
            else:
                signature[n] = _type_of(v)
        options = {k: kwargs[k] for k in ("num_warps", "num_stages", "num_ctas", "maxnreg") if k in kwargs}
        rec.launches.append(LaunchRecord(kernel=getattr(pyfn, "__name__", "?"), signature=signature,
                                         constexprs=constexprs, options=options, grid=repr(grid)[:80]))
    except Exception as e:  # recording must never break a launch
        rec.launches.append(LaunchRecord(kernel=getattr(fn, "__name__", "?"), signature={}, constexprs={},
                                         options={"record_error": f"{type(e).__name__}: {e}"}, grid=""))


def _is_runtime_value(v: Any) -> bool:
    import torch
    return isinstance(v, (torch.Tensor, int, float)) and not isinstance(v, bool) or isinstance(v, bool)


def install() -> None:
    """Wrap the launch entry points of Triton's JIT and interpreter (idempotent)."""
    global _installed
    if _installed:
        return
    classes = []
    from triton.runtime.jit import JITFunction
    classes.append(JITFunction)
    try:
        from triton.runtime.interpreter import InterpretedFunction
        classes.append(InterpretedFunction)
    except ImportError:
        pass
    for cls in classes:
        original = cls.run

        def run(self, *args, _original=original, grid=None, warmup=False, **kwargs):
            rec = current()
            if rec is not None and not warmup:
                _record(self, args, kwargs, grid)
                rec.in_kernel += 1
                try:
                    return _original(self, *args, grid=grid, warmup=warmup, **kwargs)
                finally:
                    rec.in_kernel -= 1
            return _original(self, *args, grid=grid, warmup=warmup, **kwargs)

        run.__wrapped__ = original  # type: ignore[attr-defined]
        cls.run = run
    _installed = True


_mode_class: Any = None


def _ops_mode() -> Any:
    """One TorchDispatchMode class per process, recording into the thread's current Recording."""
    global _mode_class
    if _mode_class is None:
        from torch.utils._python_dispatch import TorchDispatchMode

        class _Ops(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                rec = current()
                if rec is not None and not rec.in_kernel:
                    rec.ops.append(func._overloadpacket.__name__ if hasattr(func, "_overloadpacket") else str(func))
                return func(*args, **(kwargs or {}))

        _mode_class = _Ops
    return _mode_class()


class recording:
    """Context manager: record launches and torch operators of the host function's call."""

    def __init__(self, detail: bool = True) -> None:
        self.rec = Recording(detail=detail)
        self._mode = None

    def __enter__(self) -> Recording:
        install()
        self.rec.stream = _stream_id()
        _state.rec = self.rec
        self._mode = _ops_mode()
        self._mode.__enter__()
        return self.rec

    def __exit__(self, *exc: Any) -> None:
        try:
            self._mode.__exit__(*exc)
        finally:
            _state.rec = None
