"""A gymnasium environment: one episode = one task on one backend, one candidate per step.

Observation: text. ``reset`` gives the task statement, signature, ABI, visible shapes, a manual
excerpt and the backend's starter; ``step(source)`` gives the turn's feedback (verdict,
diagnostics, mismatches, timing, simulator stalls and hint, what changed since the last step).

Reward: :func:`kernelhub.reward.reward_for` under a :class:`kernelhub.reward.RewardConfig`
(``reward=`` at construction or ``reset(options={"reward": {...}})``), or any ``reward_fn``. By
default: 0 for a compile error, a wrong answer or a crash, -1 for a caught cheat (integrity
violation); when correct, 0.5 + 0.5 * min(speedup, 3), or on simulated machines without a baseline
0.5 + 1.5 * roofline fraction. ``RewardConfig(profile_weight=w)`` adds KernelGYM's profiling term,
w * (own-kernel fraction - 1), where the platform times the candidate's kernels on the device. Every
step's verdict already includes the held-out shapes with freshly drawn seeds.

Episode score (Metal-Sci's gate): when the episode ends, the best-rewarded candidate is
evaluated once more with fresh seeds (held-out shapes included); ``info["episode_score"]`` is
that evaluation's reward, and it, not the visible-shape history, is the score to report.

``terminated``: the candidate is correct and the reward improved by less than
``min_improvement`` over the best so far (no longer improving). ``truncated``: ``max_turns``
steps were taken. Environments made in one process share one Evaluator pool (warm workers).
"""

from __future__ import annotations

from typing import Any, Callable

import gymnasium as gym
from gymnasium import spaces
from pydantic import ValidationError

from kernelhub.agent.tools import EvaluatorPool, KernelTools, redact_heldout, signature_line
from kernelhub.models import Evaluation, Status
from kernelhub.reward import RewardConfig, reward_for

ENV_ID = "kernelhub/KernelEnv-v0"
MAX_TEXT = 1 << 20
MANUAL_EXCERPT_CHARS = 6000
#: the observation alphabet: printable ASCII, whitespace, Latin-1 and the common symbol blocks;
#: anything else is shown as '?'
CHARSET = frozenset(
    [chr(c) for c in range(32, 127)] + ["\n", "\t"] + [chr(c) for c in range(0xA0, 0x180)]
    + [chr(c) for c in range(0x2000, 0x2400)] + [chr(c) for c in range(0x2500, 0x2600)])


def to_charset(text: str) -> str:
    return "".join(c if c in CHARSET else "?" for c in text)[:MAX_TEXT]


class KernelEnv(gym.Env):
    """Write a kernel for ``task`` on ``backend``, one candidate source per step."""

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(self, task: str = "vector_add", backend: str = "vdsp", max_turns: int = 8,
                 min_improvement: float = 0.01, reward_fn: Callable[[Evaluation], float] | None = None,
                 reward: RewardConfig | dict[str, Any] | None = None, final_rescore: bool = True,
                 pool: EvaluatorPool | None = None,
                 render_mode: str | None = None) -> None:
        self.tools = KernelTools(pool)
        self.defaults = {"task": task, "backend": backend, "config": {}, "reward": reward}
        self.max_turns, self.min_improvement = max_turns, min_improvement
        self.custom_reward_fn, self.final_rescore = reward_fn, final_rescore
        self.render_mode = render_mode
        self.observation_space = spaces.Text(max_length=MAX_TEXT, min_length=0, charset=CHARSET)
        self.action_space = spaces.Text(max_length=1 << 16, min_length=1, charset=CHARSET)
        self._setup(self.defaults)

    def _setup(self, opts: dict[str, Any]) -> None:
        self.task, self.backend = opts["task"], opts["backend"]
        config = dict(opts.get("config") or {})
        self.language = config.pop("language", None)
        self.options = config  # backend options passed with every candidate
        self.reward_config = _reward_config(opts.get("reward"))
        self.turn, self.best_reward, self.best_source = 0, float("-inf"), None
        self.previous: Evaluation | None = None
        self._last_obs = ""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._setup({**self.defaults, **(options or {})})
        view = self.tools.get_task(self.task, self.backend, self.language)
        self.language = view.language
        manual = self.tools.backend_manual(self.backend)
        excerpt = manual[:MANUAL_EXCERPT_CHARS] + ("\n[... manual truncated; full text via the backend_manual tool]"
                                                   if len(manual) > MANUAL_EXCERPT_CHARS else "")
        obs = "\n".join([
            f"# task {view.name} ({view.category}) on backend {self.backend}, language {view.language}",
            view.description, "",
            f"signature: {signature_line(view.signature)}", f"ABI: {view.abi}",
            f"visible shapes: {view.visible_shapes} (+{view.heldout_shape_count} held-out shapes, never shown)",
            f"tolerances: { {k: v.model_dump() for k, v in view.tolerances.items()} }",
            f"flops: {view.flops}; bytes: {view.bytes}", "",
            "## reference (NumPy)", view.reference_source, "## manual (excerpt)", excerpt, "",
            "## starter", view.starter or "(no starter for this backend)",
            f"\nYou have {self.max_turns} turns; each step takes the full candidate source."])
        self._last_obs = to_charset(obs)
        return self._last_obs, {"task": self.task, "backend": self.backend, "max_turns": self.max_turns}

    def step(self, action: str):
        if not isinstance(action, str):
            raise TypeError(f"action must be the candidate source as str, got {type(action).__name__}")
        self.turn += 1
        if action.strip():
            full = self.tools.evaluate_full(self.task, self.backend, action, self.language,
                                            f"turn{self.turn}", None, self.options)
        else:  # an empty candidate is a compile error of its own, not an exception
            full = Evaluation(task=self.task, backend=self.backend, language=self.language or "",
                              status=Status.compile_error, message="empty candidate source")
        shown = redact_heldout(full)
        from kernelhub.agent.progress import render_turn
        text = render_turn(shown, self.previous)
        reward = float(self.reward_fn(full))
        correct = full.status == Status.correct
        improved = reward > self.best_reward + self.min_improvement
        terminated = correct and not improved and self.best_reward > float("-inf")
        if reward > self.best_reward:
            self.best_reward, self.best_source = reward, action
        truncated = self.turn >= self.max_turns and not terminated
        info: dict[str, Any] = {"evaluation": _info_dump(shown), "turn": self.turn,
                                "best_reward": self.best_reward}
        if terminated or truncated:
            info.update(self._final())
            text += f"\nepisode over: score {info['episode_score']:.3f} (best candidate re-evaluated, fresh seeds)"
        self.previous = shown
        self._last_obs = to_charset(text)
        return self._last_obs, reward, terminated, truncated, info

    def _final(self) -> dict[str, Any]:
        if self.best_source is None or self.best_reward <= 0 or not self.final_rescore:
            return {"episode_score": max(self.best_reward, 0.0) if self.best_source else 0.0}
        again = self.tools.evaluate_full(self.task, self.backend, self.best_source, self.language, "final", None,
                                         self.options)
        return {"episode_score": float(self.reward_fn(again)),
                "final_evaluation": _info_dump(redact_heldout(again))}

    def reward_fn(self, ev: Evaluation) -> float:
        if self.custom_reward_fn is not None:
            return self.custom_reward_fn(ev)
        return reward_for(ev, self.reward_config)

    def render(self) -> str | None:
        return self._last_obs if self.render_mode == "ansi" else None


def _reward_config(value: RewardConfig | dict[str, Any] | None) -> RewardConfig:
    if isinstance(value, RewardConfig):
        return value
    try:
        return RewardConfig.model_validate(value or {})
    except ValidationError as e:
        wrong = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise ValueError(f"reward options: {wrong} (fields: {', '.join(RewardConfig.model_fields)})") from None


#: fields that describe the harness's own run (wall time, cache hits), not the candidate: left out of
#: ``info`` so that the same seed and action give the same info (gymnasium's determinism check)
_VOLATILE = {"seconds": True, "compile": {"seconds", "cached"}}


def _info_dump(ev: Evaluation) -> dict[str, Any]:
    return ev.model_dump(mode="json", exclude=_VOLATILE)


def register_envs() -> None:
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="kernelhub.agent.env:KernelEnv")


register_envs()
