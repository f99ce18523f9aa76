"""The one timing loop's stopping rules, on a fake clock."""

from __future__ import annotations

from kernelhub.backend import TimingPolicy, repeat_timed


def _fake(seconds_per_call: float):
    now = [0.0]
    calls = [0]

    def clock() -> float:
        return now[0]

    def call() -> None:
        calls[0] += 1
        now[0] += seconds_per_call

    return clock, call, calls


def test_short_calls_take_min_reps_and_the_budget() -> None:
    clock, call, calls = _fake(0.001)
    samples, host = repeat_timed(call, TimingPolicy(), clock, lambda: None)
    assert len(samples) == TimingPolicy().max_reps == 200  # 0.2 s: max_reps ends it before the budget
    assert calls[0] == 3 + 200


def test_long_calls_stop_after_long_min_reps() -> None:
    clock, call, calls = _fake(2.0)  # a 2 s call: min_reps=10 would cost 26 s with warm-up
    samples, host = repeat_timed(call, TimingPolicy(), clock, lambda: None)
    assert calls[0] == 2 + 3          # two warm-up calls outlasting the budget are enough warm-up
    assert samples == host == [2.0, 2.0, 2.0]  # 6 s > 10 x 0.5 s budget after 3 samples


def test_medium_calls_still_reach_min_reps() -> None:
    clock, call, calls = _fake(0.1)
    samples, _ = repeat_timed(call, TimingPolicy(), clock, lambda: None)
    assert len(samples) == 10 and calls[0] == 13


def test_host_lead_follows_the_enqueue_time() -> None:
    from kernelhub.gpu_lead import ASSUMED_HZ, MARGIN, MAX_SECONDS, HostLead
    lead = HostLead(200_000)
    lead.observe(10e-6)                  # fast host code: the floor
    assert lead.cycles == 200_000
    lead.observe(300e-6)                 # several launches with Python between them: 3x longer
    assert lead.cycles == int(300e-6 * MARGIN * ASSUMED_HZ)
    lead = HostLead(200_000)
    lead.observe(5.0)                    # a pathological call: capped
    assert lead.cycles == int(MAX_SECONDS * ASSUMED_HZ)


def test_host_lead_gives_up_on_calls_that_wait_for_the_gpu() -> None:
    from kernelhub.gpu_lead import ASSUMED_HZ, STRIKES, HostLead
    lead = HostLead(200_000)
    lead.observe(150e-6)                 # longer than the floor's wait: lengthen once
    assert lead.cycles > 200_000
    for _ in range(STRIKES):             # the host outlasts every longer wait: it blocks inside
        assert not lead.blocking
        lead.observe(lead.cycles / ASSUMED_HZ + 20e-6)
    assert lead.cycles == 200_000 and lead.blocking
    lead.observe(1e-3)
    assert lead.cycles == 200_000


def test_host_lead_keeps_its_lead_after_one_slow_enqueue() -> None:
    """A pause in one call (GC, a page fault) must not leave multi-launch host code timing its glue."""
    from kernelhub.gpu_lead import ASSUMED_HZ, MARGIN, HostLead
    lead = HostLead(200_000)
    lead.observe(80e-6)                  # three launches with Python between them
    lead.observe(lead.cycles / ASSUMED_HZ + 5e-3)  # one slow enqueue outlasts the wait
    lead.observe(80e-6)
    assert not lead.blocking and lead.cycles == int(80e-6 * MARGIN * ASSUMED_HZ)


def test_host_lead_ahead_queues_the_wait_then_learns() -> None:
    from kernelhub.gpu_lead import HostLead
    lead, waits = HostLead(200_000), []
    with lead.ahead(waits.append):
        pass                             # an instant enqueue: the floor stays
    assert waits == [200_000] and lead.cycles == 200_000
