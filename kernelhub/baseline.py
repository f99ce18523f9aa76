"""The reference baseline: the task's NumPy reference (or its ``framework_references["numpy"]``, where
the reference is no fair baseline) timed with the candidate's loop.

Runs in a reference worker (never the candidate's), on the task's own dtypes,
with the same clock, warm-up, repetitions and cache flush as the candidate, so
the speedup compares like with like on the same host in the same run.
"""

from __future__ import annotations

from typing import Any, Mapping

from kernelhub.backend import Backend, Clock, TimingPolicy, repeat_timed
from kernelhub.models import Task, Timing
from kernelhub.taskrt import load_callable, params_for


def time_reference(backend: Backend, task: Task, arrays: Mapping[str, Any], shape: Mapping[str, int],
                   policy: TimingPolicy, clock: Clock) -> Timing:
    own = task.framework_references.get("numpy")  # a host baseline of its own, where the reference is not one
    fn = load_callable(own or task.reference, "numpy baseline" if own else "reference")
    inputs = {t.name: arrays[t.name] for t in task.signature.inputs}
    params = params_for(task, shape)
    def call() -> None:  # host-timed: the reference's result is not a device time
        fn(**inputs, **params)

    samples, host = repeat_timed(call, policy, clock, backend.flush_cache)
    method = f"NumPy baseline {own}, host perf_counter" if own else "NumPy reference, host perf_counter"
    return Timing.from_samples(samples, method=method, device_time=False,
                               warmup=policy.warmup, cache_flush=policy.flush_cache, host_samples=host)
