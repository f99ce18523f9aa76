"""The reward of one Evaluation: documented, configurable, and decided only by the harness's verdict.

Default (``RewardConfig()``), KernelGYM's shape:

- integrity violation (a caught cheat): ``integrity_penalty`` (-1);
- compile error, wrong answer, crash, timeout: 0;
- correct: ``base`` (0.5) + ``speedup_weight`` (0.5) x min(speedup, ``speedup_cap`` = 3);
  on devices without a baseline (simulated machines) ``roofline_weight`` (1.5) x the roofline
  fraction stands in for the speedup term, giving the same 0.5..2 range;
- optional profiling term (KernelGYM's profiling reward, off by default): ``profile_weight`` x
  (own-kernel fraction - 1), i.e. 0 when all of a timed call's time is spent in the candidate's
  own kernels and down to ``-profile_weight`` when none is. The fraction is device time of the
  candidate's kernels over the host wall time of the same calls (:func:`own_kernel_fraction`);
  where the platform cannot separate the two (host-timed CPU backends, simulators) the term is 0.

Every term reads fields the harness measured itself; the candidate cannot set any of them.
"""

from __future__ import annotations

import statistics

from pydantic import BaseModel, Field

from kernelhub.models import Evaluation, Status


class RewardConfig(BaseModel):
    """Weights of the reward terms (see the module docstring)."""

    integrity_penalty: float = -1.0
    base: float = Field(default=0.5, description="reward of any correct candidate")
    speedup_weight: float = 0.5
    speedup_cap: float = Field(default=3.0, gt=0)
    roofline_weight: float = Field(default=1.5, description="used where no speedup exists (simulators)")
    profile_weight: float = Field(default=0.0, ge=0, description="weight of the own-kernel-time term; 0 = off")


DEFAULT = RewardConfig()


def own_kernel_fraction(ev: Evaluation) -> float | None:
    """Median over timed shapes of (device time in the candidate's kernels) / (host wall time of the
    same calls), in [0, 1]; None where the timing is not device-side (nothing to separate)."""
    fractions = []
    for st in ev.timings:
        t = st.candidate
        if not t.device_time or t.simulated or not t.host_samples:
            continue
        host = statistics.median(t.host_samples)
        if host > 0:
            fractions.append(min(1.0, max(0.0, t.median / host)))
    return statistics.median(fractions) if fractions else None


def reward_for(ev: Evaluation, config: RewardConfig = DEFAULT) -> float:
    """The scalar reward of ``ev`` under ``config``."""
    if ev.status == Status.integrity_violation:
        return config.integrity_penalty
    if ev.status != Status.correct:
        return 0.0
    reward = config.base
    if ev.speedup:
        reward += config.speedup_weight * min(ev.speedup, config.speedup_cap)
    elif ev.roofline_fraction:
        reward += config.roofline_weight * min(ev.roofline_fraction, 1.0)
    if config.profile_weight:
        fraction = own_kernel_fraction(ev)
        if fraction is not None:
            reward += config.profile_weight * (fraction - 1.0)
    return reward
