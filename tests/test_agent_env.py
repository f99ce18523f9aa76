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
