"""The gymnasium environment, the progress feedback and the scripted agent on the simulated vdsp."""

from __future__ import annotations

import pytest

gym = pytest.importorskip("gymnasium", reason="gymnasium is not installed: pip install 'kernelhub[agent]'")

from kernelhub.agent import scripted  # noqa: E402
from kernelhub.agent.tools import EvaluatorPool, KernelTools  # noqa: E402
from kernelhub.plugins import registry  # noqa: E402

import test_agent_plugin  # noqa: E402  (small tasks)


@pytest.fixture(scope="module")
def pool():
    reg = registry()
    for t in test_agent_plugin.tiny_tasks():
        reg.tasks.setdefault(t.name, t)
    p = EvaluatorPool(size=1, reg=reg)
    yield p
    p.close()


def test_check_env_and_registration(pool) -> None:
    from gymnasium.utils.env_checker import check_env
    from kernelhub.agent.env import ENV_ID, KernelEnv
    assert gym.make(ENV_ID, task="agent_tiny_add", backend="vdsp").unwrapped.task == "agent_tiny_add"
    env = KernelEnv(task="agent_tiny_add", backend="vdsp", pool=pool)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(options={"task": "agent_tiny_add", "backend": "vdsp"})
    assert "signature: (x: float32[n], y: float32[n]) -> (out: float32[n])" in obs
    assert "## starter" in obs and "xin" in obs and "16411" not in obs  # held-out extents never shown


def test_scripted_agent_reward_rises(pool) -> None:
    from kernelhub.agent.env import KernelEnv
    env = KernelEnv(task="agent_tiny_add", backend="vdsp", max_turns=4, pool=pool)
    rewards = scripted.run("agent_tiny_add", "vdsp", verbose=False, env=env)
    assert rewards[0] == 0.0 and rewards[1] == 0.0  # compile error, then a wrong answer
    assert 0.5 < rewards[2] < rewards[3], rewards     # naive correct, tuned better


def test_progress_feedback_and_hint(pool) -> None:
    kt = KernelTools(pool)
    steps = dict((what.split(":")[0], src) for what, src in scripted.policy("agent_tiny_add"))
    wrong = kt.evaluate("agent_tiny_add", "vdsp", steps["forgets to advance the output pointer"])
    naive = kt.evaluate("agent_tiny_add", "vdsp", steps["naive"], previous=wrong.evaluation)
    assert wrong.evaluation.status.value == "incorrect"
    assert "since your previous attempt: status incorrect -> correct" in naive.feedback
    assert "now passing:" in naive.feedback and "reward 0.000 ->" in naive.feedback
    assert "hint: " in naive.feedback and "`dma_wait` stalls" in naive.feedback  # the naive kernel waits on DMA


def test_tool_argument_errors(pool) -> None:
    from kernelhub.agent.tools import ArgumentError
    kt = KernelTools(pool)
    for call, arg in ((lambda: kt.get_task("nope"), "task"), (lambda: kt.backend_manual("nope"), "backend"),
                      (lambda: kt.get_task("agent_tiny_add", "vdsp", "c"), "language"),
                      (lambda: kt.compile("agent_tiny_add", "vdsp", "  "), "source"),
                      (lambda: kt.list_tasks("nope"), "category")):
        with pytest.raises(ArgumentError) as e:
            call()
        assert e.value.argument == arg and f"argument {arg!r}" in str(e.value)


def test_vectorised_envs_share_one_pool(pool) -> None:
    """Several environments stepped together (gymnasium's SyncVectorEnv) lease evaluators from the
    one pool they were handed: no worker per environment, and identical verdicts for one action."""
    from kernelhub.agent.env import KernelEnv
    naive = dict((what.split(":")[0], src) for what, src in scripted.policy("agent_tiny_add"))["naive"]
    envs = gym.vector.SyncVectorEnv([lambda: KernelEnv(task="agent_tiny_add", backend="vdsp", pool=pool)] * 3)
    try:
        envs.reset(seed=0)
        assert len({id(e.tools.pool) for e in envs.envs}) == 1
        _, rewards, terminated, truncated, infos = envs.step((naive,) * 3)
        assert all(r > 0.5 for r in rewards) and len(set(rewards.round(6))) == 1, rewards
        assert pool._made <= pool.size  # the three environments did not each start workers
        assert not terminated.any() and not truncated.any()
    finally:
        envs.close()
    assert KernelEnv(task="agent_tiny_add").tools.pool is KernelEnv(task="agent_tiny_add").tools.pool


def test_reward_config_and_profiling_term() -> None:
    """The reward's terms, including KernelGYM's optional own-kernel-time term, on hand-made verdicts."""
    from kernelhub.agent.env import _reward_config
    from kernelhub.models import Evaluation, Shape, ShapeTiming, Status, Timing
    from kernelhub.reward import RewardConfig, own_kernel_fraction, reward_for

    def timed(device: float, host: float, on_device: bool = True) -> ShapeTiming:
        t = Timing.from_samples([device] * 3, method="test", device_time=on_device, host_samples=[host] * 3)
        return ShapeTiming(shape=Shape(label="n=4", values={"n": 4}), candidate=t)

    ev = Evaluation(task="t", backend="b", language="l", status=Status.correct, speedup=2.0,
                    timings=[timed(1e-3, 4e-3), timed(2e-3, 4e-3), timed(3e-3, 4e-3)])
    assert own_kernel_fraction(ev) == pytest.approx(0.5)
    assert reward_for(ev) == pytest.approx(1.5)                                 # 0.5 + 0.5 * 2, term off
    assert reward_for(ev, RewardConfig(profile_weight=0.4)) == pytest.approx(1.5 - 0.4 * 0.5)
    host_timed = ev.model_copy(update={"timings": [timed(1e-3, 4e-3, on_device=False)]})
    assert own_kernel_fraction(host_timed) is None
    assert reward_for(host_timed, RewardConfig(profile_weight=0.4)) == pytest.approx(1.5)  # nothing to separate
    assert reward_for(ev.model_copy(update={"speedup": 9.0})) == pytest.approx(2.0)      # capped at 3x
    assert reward_for(ev.model_copy(update={"status": Status.integrity_violation})) == -1.0
    assert reward_for(ev.model_copy(update={"status": Status.incorrect})) == 0.0
    sim = Evaluation(task="t", backend="b", language="l", status=Status.correct, roofline_fraction=0.6)
    assert reward_for(sim) == pytest.approx(0.5 + 1.5 * 0.6)
    with pytest.raises(ValueError, match="profile_weight"):
        _reward_config({"profile_weight": -1})
