"""The baseline of every backend whose device is an NVIDIA GPU (triton, cuda, opencl on NVIDIA's
driver): the task's torch reference (``framework_references['torch']``) timed on the GPU with CUDA
events and the candidate's loop; the NumPy reference on the host (the shared default) where the
task has none or torch cannot reach a GPU, saying so in Timing.method."""

from __future__ import annotations

from typing import Any

from kernelhub.models import Timing


def time_reference(backend: Any, task: Any, arrays: Any, shape: Any, policy: Any, clock: Any,
                   on_gpu: bool) -> Timing:
    from kernelhub.baseline import time_reference as numpy_reference
    ref = task.framework_references.get("torch")
    why = None
    if not on_gpu:
        why = "no GPU here"
    elif not ref:
        why = f"task {task.name!r} has no torch reference"
    else:
        try:
            import torch
            if not torch.cuda.is_available():
                why = "torch sees no CUDA device"
        except ImportError:
            why = "torch is not installed"
    if why:
        t = numpy_reference(backend, task, arrays, shape, policy, clock)
        return t.model_copy(update={"method": f"{t.method} ({why})"})
    import torch
    from kernelhub.taskrt import load_callable, params_for
    fn = load_callable(ref, "torch reference")
    inputs = {t.name: torch.from_numpy(arrays[t.name].copy()).to("cuda") for t in task.signature.inputs}
    params = params_for(task, shape)
    from kernelhub.backend import repeat_timed
    from kernelhub.gpu_lead import TORCH_SLEEP_FLOOR, HostLead
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    lead = HostLead(TORCH_SLEEP_FLOOR)

    def call() -> float:
        with lead.ahead(torch.cuda._sleep):  # as for the candidate: host launch overhead overlaps GPU work
            start.record()
            fn(**inputs, **params)
            end.record()
        end.synchronize()
        return start.elapsed_time(end) * 1e-3

    torch.cuda.synchronize()
    samples, host = repeat_timed(call, policy, clock, backend.flush_cache)
    return Timing.from_samples(samples, method=f"torch reference {ref} on the GPU, CUDA events",
                               device_time=True, warmup=policy.warmup, cache_flush=policy.flush_cache,
                               host_samples=host)
