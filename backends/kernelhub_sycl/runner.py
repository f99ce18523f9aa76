"""Allocate (USM device memory), launch, time and read back one call through SYCL.

One in-order profiling queue per device. ``launch`` submits every directive launch
and returns the last event's end minus the first event's start (SYCL event
profiling, nanoseconds), like the opencl backend's profiling events.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernelhub.backend import CandidateError, KernelArgs
from kernelhub.launch import LaunchError, LaunchPlan, ResolvedLaunch, shape_env
from kernelhub.models import Signature

from kernelhub_opencl.runner import check_limits
from kernelhub_sycl.devices import SyclDeviceRef

_CTYPE = {"float32": ctypes.c_float, "float64": ctypes.c_double, "int8": ctypes.c_int8, "uint8": ctypes.c_uint8,
          "int16": ctypes.c_int16, "uint16": ctypes.c_uint16, "int32": ctypes.c_int32, "uint32": ctypes.c_uint32,
          "int64": ctypes.c_int64, "uint64": ctypes.c_uint64, "bool": ctypes.c_uint8}


@dataclass
class Runtime:
    ref: SyclDeviceRef
    queue: Any

    @classmethod
    def create(cls, ref: SyclDeviceRef) -> "Runtime":
        import dpctl
        return cls(ref, dpctl.SyclQueue(ref.device, property=["enable_profiling", "in_order"]))


@dataclass
class Artifact:
    runtime: Runtime
    program: Any
    kernels: dict[str, Any]
    plan: LaunchPlan
    signature: Signature
    work_group_size: dict[str, int] = field(default_factory=dict)


@dataclass
class Call:
    kernel: Any
    launch: ResolvedLaunch
    values: list[Any]


@dataclass
class Prepared:
    artifact: Artifact
    host: dict[str, np.ndarray]
    buffers: dict[str, Any]
    calls: list[Call]


def _scalar(value: int | float, dtype: str) -> Any:
    return _CTYPE.get(dtype, ctypes.c_int64 if isinstance(value, int) else ctypes.c_double)(value)


def prepare(art: Artifact, args: KernelArgs) -> Prepared:
    import dpctl
    import dpctl.memory as dm
    rt, sig = art.runtime, art.signature
    dev = rt.ref.device
    env = shape_env(sig, args.arrays, args.params)
    try:
        launches = art.plan.resolve(sig, env)
        scratch = art.plan.scratch_sizes(env)
    except LaunchError as e:
        raise CandidateError(str(e)) from None
    for launch in launches:
        check_limits(launch, dev.max_work_group_size, art.work_group_size.get(launch.kernel, dev.max_work_group_size),
                     list(dev.max_work_item_sizes3d), dev.local_mem_size)
    host: dict[str, np.ndarray] = {}
    buffers: dict[str, Any] = {}
    try:
        for t in sig.inputs + sig.outputs:
            a = np.ascontiguousarray(args.arrays[t.name])
            host[t.name] = a
            buf = dm.MemoryUSMDevice(max(a.nbytes, 1), queue=rt.queue)
            if a.nbytes:
                buf.copy_from_host(a.reshape(-1).view(np.uint8))
            buffers[t.name] = buf
        for name, (_, _, nbytes) in scratch.items():
            buf = dm.MemoryUSMDevice(max(nbytes, 1), queue=rt.queue)
            buf.memset(0xFF)  # NaN / -1: a kernel must not assume scratch starts zeroed
            buffers[name] = buf
        rt.queue.wait()
    except Exception as e:  # USMAllocationError and friends
        sizes = {n: s[2] for n, s in scratch.items()}
        raise CandidateError(f"allocating USM device memory failed ({type(e).__name__}: {e}); scratch sizes "
                             f"{sizes}, device max_mem_alloc_size {dev.max_mem_alloc_size} bytes") from None
    scalars = {p.name: p.dtype for p in sig.params}
    calls = []
    for launch in launches:
        values: list[Any] = []
        for a in launch.args:
            if a.kind == "local":
                values.append(dpctl.WorkGroupMemory(a.nbytes))
            elif a.kind == "param":
                values.append(_scalar(a.value, scalars.get(a.name, "")))
            else:
                values.append(buffers[a.name])
        calls.append(Call(art.kernels[launch.kernel], launch, values))
    return Prepared(art, host, buffers, calls)


def launch(prep: Prepared) -> float:
    """Submit every launch in order, wait, return device seconds (event profiling)."""
    queue = prep.artifact.runtime.queue
    events = []
    call = prep.calls[0]
    try:
        for call in prep.calls:
            # SYCL ranges list the slowest dimension first; OpenCL's dimension 0 (get_global_id(0))
            # is SYCL's last, so the directive's OpenCL-order sizes are reversed
            g = list(call.launch.global_size)[::-1]
            l = list(call.launch.local_size)[::-1] if call.launch.local_size else None
            events.append(queue.submit_async(call.kernel, call.values, g, l))
        events[-1].wait()
        queue.wait()
        return (events[-1].profiling_info_end - events[0].profiling_info_start) * 1e-9
    except Exception as e:  # SyclKernelSubmitError, SyclKernelInvalidRangeError
        lw = call.launch.where
        geo = f"global {list(call.launch.global_size)}, local {call.launch.local_size or 'auto'}"
        raise CandidateError(f"{lw.file}:{lw.line}: SYCL error running kernel {call.launch.kernel!r} with "
                             f"{geo}: {type(e).__name__}: {e}") from None


def fetch(prep: Prepared) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    try:
        for name, host in prep.host.items():
            dst = np.empty_like(host)
            if dst.nbytes:
                prep.buffers[name].copy_to_host(dst.reshape(-1).view(np.uint8))
            out[name] = dst
    except Exception as e:
        raise CandidateError(f"reading results back failed: {type(e).__name__}: {e}") from None
    return out


def release(prep: Prepared) -> None:
    prep.buffers.clear()  # USM memory is freed when its Python object goes
