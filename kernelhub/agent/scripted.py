"""A deterministic scripted "agent": walks vector_add on the simulated Vesper DSP (`vdsp`) from a
broken candidate through a wrong one and a naive one to the tuned starter, through
:class:`KernelEnv`, so the README can show the reward rising and tests can check it does.

Run it: ``python -m kernelhub.agent.scripted [--task TASK] [--backend vdsp]``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

STARTER = Path(__file__).resolve().parents[2] / "isa_sims" / "vdsp" / "starters" / "vector_add.s"

#: one tile at a time, no overlap: load x and y, wait, add, store, wait, next tile
NAIVE = """\
# vector_add, naive: one scratchpad tile at a time; every DMA is waited for before compute.
.equ CB, SPAD/4
.equ CE, CB/4
        iput   s20, 0            # x tile (the sum overwrites it)
        iput   s21, CB           # y tile
        iput   s9, CE
        icopy  s4, s3            # elements left
        icopy  s5, s0
        icopy  s6, s1
        icopy  s7, s2
tile:   ilow   s8, s4, s9        # elements in this tile
        ishift s10, s8, 2
        xin    s20, s5, s10, 0
        xin    s21, s6, s10, 0
        xwait  0
        icopy  s16, s20
        icopy  s17, s21
        icopy  s13, s8
add:    vlen   s15, s13
        vget   v0, [s16]
        vget   v1, [s17]
        vplus  v0, v0, v1
        vput   v0, [s16]
        iplusk s16, s16, VBYTES
        iplusk s17, s17, VBYTES
        iminus s13, s13, s15
        whennz s13, add
        xout   s7, s20, s10, 1
        xwait  1
        iplus  s5, s5, s10
        iplus  s6, s6, s10
        iplus  s7, s7, s10
        iminus s4, s4, s8
        whennz s4, tile
        stop
"""


def misspell(source: str, mnemonic: str = "vplus", wrong: str = "vplsu") -> str:
    """``source`` with its first ``mnemonic`` misspelt: a compile error on a known line."""
    out, n = re.subn(rf"\b{re.escape(mnemonic)}\b", wrong, source, count=1)
    if not n:
        raise ValueError(f"the source has no {mnemonic!r} to misspell")
    return out


def policy(task: str = "vector_add") -> list[tuple[str, str]]:
    """(what this turn tries, candidate source): broken -> wrong -> naive -> tuned."""
    if task not in ("vector_add", "agent_tiny_add"):
        raise ValueError(f"the scripted agent knows vector_add only, not {task!r}")
    tuned = STARTER.read_text()
    broken = misspell(NAIVE)                                                   # a typo: compile error
    wrong = NAIVE.replace("        iplus  s7, s7, s10\n", "")                  # forgets to advance `out`
    return [("typo in a mnemonic", broken), ("forgets to advance the output pointer", wrong),
            ("naive: one tile at a time, no overlap", NAIVE), ("tuned: double-buffered DMA", tuned)]


def run(task: str = "vector_add", backend: str = "vdsp", verbose: bool = True, env=None) -> list[float]:
    """Play one episode; returns the reward of each turn."""
    from kernelhub.agent.env import KernelEnv
    steps = policy(task)
    env = env or KernelEnv(task=task, backend=backend, max_turns=len(steps))
    obs, _ = env.reset(options={"task": task, "backend": backend})
    rewards = []
    for i, (what, source) in enumerate(steps, 1):
        obs, reward, terminated, truncated, info = env.step(source)
        rewards.append(reward)
        if verbose:
            print(f"=== turn {i}: {what} -> reward {reward:.3f}\n{obs}\n")
        if terminated or truncated:
            break
    return rewards


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="vector_add")
    ap.add_argument("--backend", default="vdsp")
    a = ap.parse_args()
    rewards = run(a.task, a.backend)
    print("rewards:", " -> ".join(f"{r:.3f}" for r in rewards))


if __name__ == "__main__":
    main()
