"""Allocate, launch, time and read back one call of an OpenCL candidate.

One context and one in-order profiling queue per device and backend instance.
``launch`` enqueues every directive launch in order and reports device time as
the last event's END minus the first event's START (profiling counters), so
the gaps between launches of a multi-kernel candidate count, like they would
for any caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernelhub.backend import CandidateError, KernelArgs
from kernelhub.launch import LaunchError, LaunchPlan, ResolvedLaunch, shape_env
from kernelhub.models import Signature

from kernelhub_opencl.devices import DeviceRef


@dataclass
class Runtime:
    """Context and profiling queue of one device."""

    ref: DeviceRef
    ctx: Any
    queue: Any

    @classmethod
    def create(cls, ref: DeviceRef) -> "Runtime":
        import pyopencl as cl
        ctx = cl.Context([ref.device])
        queue = cl.CommandQueue(ctx, ref.device, properties=cl.command_queue_properties.PROFILING_ENABLE)
        return cls(ref, ctx, queue)


@dataclass
class Artifact:
    """A built program with its kernels, launch plan and runtime."""

    runtime: Runtime
    program: Any
    kernels: dict[str, Any]
    plan: LaunchPlan
    signature: Signature
    work_group_size: dict[str, int] = field(default_factory=dict)
    static_local_mem: dict[str, int] = field(default_factory=dict)


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


def _where(launch: ResolvedLaunch, local: bool = False) -> str:
    w = (launch.local_where if local and launch.local_where else launch.where)
    return f"{w.file}:{w.line}: "


def _check_limits(art: Artifact, launch: ResolvedLaunch) -> None:
    dev = art.runtime.ref.device
    check_limits(launch, dev.max_work_group_size, art.work_group_size.get(launch.kernel, dev.max_work_group_size),
                 list(dev.max_work_item_sizes), dev.local_mem_size, art.static_local_mem.get(launch.kernel, 0))


def check_limits(launch: ResolvedLaunch, device_max_wg: int, kernel_max_wg: int, max_item_sizes: list[int],
                 local_mem_size: int, static_local_mem: int = 0) -> None:
    """The device limits a runtime would report as a bare error code, explained up front
    (shared with every backend that launches OpenCL-style nd-ranges)."""
    if launch.local_size is not None:
        items = math.prod(launch.local_size)
        if items > kernel_max_wg:
            raise CandidateError(
                f"{_where(launch, True)}work-group of {items} work-items ({list(launch.local_size)}) exceeds "
                f"the {kernel_max_wg} this device allows for kernel {launch.kernel!r} (device max "
                f"{device_max_wg}; register/private memory use can lower it); use a smaller `local:`")
        for i, (l, lim) in enumerate(zip(launch.local_size, max_item_sizes)):
            if l > lim:
                raise CandidateError(f"{_where(launch, True)}local size {l} in dimension {i} exceeds this "
                                     f"device's max_work_item_sizes {list(max_item_sizes)}")
    local = sum(a.nbytes for a in launch.args if a.kind == "local") + static_local_mem
    if local > local_mem_size:
        raise CandidateError(f"{_where(launch)}kernel {launch.kernel!r} needs {local} bytes of __local memory "
                             f"(local(...) args plus static __local arrays); this device has {local_mem_size}")


def prepare(art: Artifact, args: KernelArgs) -> Prepared:
    import pyopencl as cl
    rt, sig = art.runtime, art.signature
    env = shape_env(sig, args.arrays, args.params)
    try:
        launches = art.plan.resolve(sig, env)
        scratch = art.plan.scratch_sizes(env)
    except LaunchError as e:
        raise CandidateError(str(e)) from None
    for launch in launches:
        _check_limits(art, launch)
    mf = cl.mem_flags
    host: dict[str, np.ndarray] = {}
    buffers: dict[str, Any] = {}
    try:
        for t in sig.inputs + sig.outputs:
            a = np.ascontiguousarray(args.arrays[t.name])
            host[t.name] = a
            buffers[t.name] = (cl.Buffer(rt.ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=a) if a.nbytes
                               else cl.Buffer(rt.ctx, mf.READ_WRITE, size=1))
        for name, (_, _, nbytes) in scratch.items():
            buf = cl.Buffer(rt.ctx, mf.READ_WRITE, size=max(nbytes, 1))
            # 0xFF bytes (NaN / -1): a kernel must not assume scratch starts zeroed
            cl.enqueue_fill_buffer(rt.queue, buf, np.uint8(0xFF), 0, max(nbytes, 1))
            buffers[name] = buf
        rt.queue.finish()
    except cl.Error as e:
        for b in buffers.values():
            b.release()
        sizes = {n: s[2] for n, s in scratch.items()}
        raise CandidateError(f"allocating device buffers failed ({e.code if hasattr(e, 'code') else ''} {e}); "
                             f"scratch sizes {sizes}, device max_mem_alloc_size "
                             f"{rt.ref.device.max_mem_alloc_size} bytes") from None
    calls = []
    for launch in launches:
        values: list[Any] = []
        for a in launch.args:
            if a.kind == "local":
                values.append(cl.LocalMemory(a.nbytes))
            elif a.kind == "param":
                values.append(a.value)
            else:
                values.append(buffers[a.name])
        calls.append(Call(art.kernels[launch.kernel], launch, values))
    return Prepared(art, host, buffers, calls)


def explain(err: Exception, call: Call, device: Any) -> str:
    """A pyopencl error at enqueue/run time, said as what the candidate should change."""
    try:
        code = getattr(err, "code", None)
    except Exception:
        code = None
    text = str(err)
    launch = call.launch
    g, l = list(launch.global_size), (list(launch.local_size) if launch.local_size else "auto")
    geo = f"kernel {launch.kernel!r} with global {g}, local {l}"
    hints = {
        "INVALID_WORK_GROUP_SIZE": "the work-group size is not accepted: the global size must be a multiple of "
                                   "`local:` in every dimension, and the product of `local:` must not exceed "
                                   f"the kernel's work-group limit (device max {device.max_work_group_size}); "
                                   "a reqd_work_group_size attribute must match `local:` exactly",
        "INVALID_WORK_ITEM_SIZE": f"a `local:` size exceeds max_work_item_sizes {list(device.max_work_item_sizes)}",
        "INVALID_GLOBAL_WORK_SIZE": "the global size is 0 or too large for this device",
        "INVALID_KERNEL_ARGS": "some kernel argument was not set: the `//! args:` list is shorter than the kernel's",
        "INVALID_ARG_SIZE": "an argument's size does not match its declaration (a scalar declared `int` but passed "
                            "int64? int64 params are OpenCL `long`)",
        "INVALID_ARG_VALUE": "an argument's value is not valid for its declaration (buffer vs __local vs scalar)",
        "OUT_OF_RESOURCES": "the device ran out of resources: too many registers/private memory per work-item for "
                            "this work-group size, or an out-of-bounds access crashed the kernel",
        "MEM_OBJECT_ALLOCATION_FAILURE": "device memory ran out (buffers too large)",
        "INVALID_COMMAND_QUEUE": "the device faulted, usually an out-of-bounds memory access in the kernel",
    }
    hint = next((h for k, h in hints.items() if k in text), "")
    return f"{_where(launch)}OpenCL error running {geo}: {text.strip()}" + (f". {hint}" if hint else "") \
        + (f" (code {code})" if code is not None else "")


def launch(prep: Prepared) -> float:
    """Enqueue every launch in order, wait, return device seconds (profiling events)."""
    import pyopencl as cl
    queue = prep.artifact.runtime.queue
    events = []
    call = prep.calls[0]
    try:
        for call in prep.calls:
            call.kernel.set_args(*call.values)
            events.append(cl.enqueue_nd_range_kernel(queue, call.kernel, call.launch.global_size,
                                                     call.launch.local_size))
        queue.finish()
        return (events[-1].profile.end - events[0].profile.start) * 1e-9
    except cl.Error as e:
        raise CandidateError(explain(e, call, prep.artifact.runtime.ref.device)) from None


def fetch(prep: Prepared) -> dict[str, np.ndarray]:
    """Read back every signature array, inputs included (mutation shows)."""
    import pyopencl as cl
    queue = prep.artifact.runtime.queue
    out: dict[str, np.ndarray] = {}
    try:
        for name, host in prep.host.items():
            dst = np.empty_like(host)
            if dst.nbytes:
                cl.enqueue_copy(queue, dst, prep.buffers[name])
            out[name] = dst
        queue.finish()
    except cl.Error as e:
        raise CandidateError(f"reading results back failed: {e} (usually an earlier out-of-bounds access "
                             "faulted the device)") from None
    return out


def release(prep: Prepared) -> None:
    for buf in prep.buffers.values():
        try:
            buf.release()
        except Exception:  # already released or context gone
            pass
    prep.buffers.clear()
