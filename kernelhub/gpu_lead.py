"""How long to keep a GPU busy before the start event, so the host enqueues a whole call first.

GPU backends time a call as [busy-wait kernel][start event][the call's launches][end event]: while
the busy-wait runs, the host enqueues everything behind it, and the launches then run back to back,
so host overhead between them (Python glue, the integrity recorder) is not counted as kernel time.
A fixed busy-wait is too short for host code that launches several kernels; this one follows the
host's own enqueue time of the previous calls (warm-up included), with a floor and a ceiling.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

#: the clock the busy-wait counts (cycles per second), an upper bound for current NVIDIA GPUs: a slower
#: clock only makes the wait longer, never too short
ASSUMED_HZ = 2.0e9
#: how many times the last enqueue time the wait covers
MARGIN = 3.0
MAX_SECONDS = 0.02
#: the floor for ``torch.cuda._sleep`` (~100 us at 2 GHz): the Triton backend and the torch baseline
TORCH_SLEEP_FLOOR = 200_000
#: lengthened waits outlasted in a row before a call counts as one that synchronises inside
STRIKES = 3


class HostLead:
    """Busy-wait cycles for the next call, from the host enqueue time of the previous one.

    A call that synchronises inside (``.item()``, a data-dependent size) makes the host wait for the
    busy-wait itself, so its enqueue time grows with the wait: when lengthened waits are outlasted
    :data:`STRIKES` times in a row, the lead goes back to the floor for good (a longer one cannot help
    such a call). One slow enqueue (a garbage-collector pause, a page fault) is no such call: giving
    up on it left multi-launch host code (prefix_sum's three launches) timing its Python glue."""

    def __init__(self, floor_cycles: int) -> None:
        self.floor = floor_cycles
        self.cycles = floor_cycles
        self.blocking = False
        self.strikes = 0

    def observe(self, enqueue_seconds: float) -> None:
        if self.blocking:
            return
        waited = self.cycles / ASSUMED_HZ  # at most the real wait (the real clock is not faster)
        outlasted = self.cycles > self.floor and enqueue_seconds >= 0.9 * waited
        self.strikes = self.strikes + 1 if outlasted else 0
        if self.strikes >= STRIKES:
            self.cycles, self.blocking = self.floor, True
            return
        self.cycles = max(self.floor, int(min(enqueue_seconds * MARGIN, MAX_SECONDS) * ASSUMED_HZ))

    @contextmanager
    def ahead(self, busy_wait: Callable[[int], Any]) -> Iterator[None]:
        """Queue ``busy_wait(cycles)``, let the caller enqueue its call (events included) in the
        block, then learn from how long that enqueueing took."""
        t0 = time.perf_counter()
        busy_wait(self.cycles)
        yield
        self.observe(time.perf_counter() - t0)
