"""The tile mesh's manual: prose for the programming model and calling convention around the
generated instruction reference, and a worked kernel (the matmul starter)."""

from __future__ import annotations

from pathlib import Path

from isa_sims.core.manual import instruction_reference, registers_text
from isa_sims.mesh.isa import CONFIGS, MESH_ISA, OCC_TEXT, MeshConfig

STARTERS = Path(__file__).with_name("starters")


def build_manual(c: MeshConfig) -> str:
    lat = c.latencies
    worked = (STARTERS / "matmul.s").read_text()
    configs = "\n".join(
        f"| {k}{' (held out)' if v.held_out else ''} | {v.gx}x{v.gy} | {v.lmem_bytes // 1024} KiB | {v.lanes} | "
        f"{v.link_bytes_per_cycle} | {v.hop_latency} | {v.inbox_depth} | {v.msg_max_bytes} | "
        f"{v.dram_bytes_per_cycle} | {v.dram_latency} | {v.clock_ghz} |" for k, v in CONFIGS.items())
    name = "mesh" if c.name == "default" else "mesh-" + c.name
    syms = ", ".join(f"`{k}`={v}" for k, v in c.symbols().items())
    return f"""# Tessera many-core tile mesh (backend `{name}`, language `mesh-asm`)

A **simulated** accelerator: kernels are assembly programs run by a cycle-level simulator.
Times reported for this backend are **simulated cycles at the configured clock** ({c.clock_ghz} GHz),
not measurements; the simulation is deterministic.

## Programming model

A grid of **{c.gx} x {c.gy} = {c.ncores} tiles** (columns x = 0..{c.gx - 1}, rows y = 0..{c.gy - 1}; tile id =
y*{c.gx} + x). **SPMD**: every tile runs the same program from pc 0, with its own registers and its own
identity in `h29` (y), `h30` (x) and `h31` (id). Each tile has:
- an in-order **core** issuing one instruction per cycle (scalar, branches, local loads/stores);
- a **lane unit**: fp32 work on local memory, {c.lanes} elements per cycle (`lmac` = 2 flops per element);
- a **local memory** of {c.lmem_bytes} bytes (`LMEM`), byte-addressed from 0, private to the tile, no caches;
- a **network interface** onto a 2-D mesh: `post` sends a block of local memory as a message to any tile
  (XY-routed: along the row first, then the column), `take` receives the oldest message from a given tile
  into local memory, `muster` is a barrier of the whole grid;
- a **DRAM port**: `haul` (DRAM -> local) and `stow` (local -> DRAM), 2-D, blocking. All tiles share **one DRAM
  channel** of {c.dram_bytes_per_cycle} bytes/cycle, while each mesh link moves {c.link_bytes_per_cycle}
  bytes/cycle: a fast kernel reads each DRAM byte once and moves data between neighbours over the mesh.

Registers (per tile):
{registers_text(MESH_ISA)}

Predefined assemble-time symbols: {syms}. Define your own with `.equ NAME, expression`. Use the symbols and a
kernel runs on every configuration.

## Timing model (what the profile counts)

- **Core**: in order, one instruction per cycle; an instruction waits for its register sources (`data`
  stall); a result is ready `latency` cycles after issue; a taken branch costs {c.branch_penalty} extra cycle(s)
  (`branch`). `peek`/`poke` touching bytes an unfinished lane operation uses wait for it (`data`).
- **Lane unit**: a lane op issues at the earliest in the last cycle of the previous one (`lane_busy`), starts the
  cycle after it issues, occupies the unit ceil(n/{c.lanes}) cycles and is complete {c.lane_latency - 1} cycles
  later. The core keeps issuing while it runs. haul/stow/post/take first wait for the lane unit to drain (`data`).
- **DRAM**: a transfer of B bytes occupies the shared channel ceil(B/{c.dram_bytes_per_cycle}) cycles from
  max(issue + 1, channel free) and completes {c.dram_latency - 1} cycles after that; the tile issues its next
  instruction at completion (`memory` stall).
- **Network**: a message of B bytes over h hops with no contention arrives h*{c.hop_latency} +
  ceil(B/{c.link_bytes_per_cycle}) cycles after its `post` issues; each link it crosses is busy
  ceil(B/{c.link_bytes_per_cycle}) cycles and a busy link delays it. `post` copies the data out at issue and the
  tile goes on (unless the destination's inbox of {c.inbox_depth} messages is full: then it waits, `network`).
  `take` completes at max(issue, arrival); the tile issues again the next cycle (`network` stall while it waits).
  Messages from one sender are taken in the order sent; messages are at most {c.msg_max_bytes} bytes (`MSGMAX`).
- **Barrier**: `muster` releases every tile {c.barrier_latency} cycles after the last one arrives (`barrier`).
- A tile ends at `rest` (once its lane unit drains); the kernel ends when every tile has rested.
- Peak: {c.ncores} tiles x {c.lanes} lanes x 2 = {2 * c.ncores * c.lanes} flops/cycle =
  {c.peak_flops_per_s / 1e9:.1f} GFLOP/s; DRAM {c.peak_bytes_per_s / 1e9:.1f} GB/s.
- Latencies in this config: {", ".join(f"{k}={v}" for k, v in lat.items())}.

The profile reports cycles, per-tile lane utilisation (min/mean/max), issue utilisation, network bytes, mean and
busiest link utilisation, DRAM bytes and channel utilisation, and stall cycles by cause (data, lane_busy,
network, memory, barrier, branch), in total and per tile.

## Calling convention

At start, in **every** tile, h registers hold the kernel's arguments **in the task signature's order**: first the
DRAM byte address of each input array, then of each output array, then each scalar param (integers as 64-bit
integers, float params as float32 bit patterns), from `h0` up. `h29` = the tile's row y, `h30` = its column x,
`h31` = its id. For `matmul(A, B -> C; M, N, K)`: `h0` = &A, `h1` = &B, `h2` = &C, `h3` = M, `h4` = N, `h5` = K.
Other registers and local memory start at 0. Arrays are row-major and contiguous; each starts on a 4096-byte
boundary. Outputs arrive **poisoned** (not zeroed): write every element exactly once (tiles must partition the
output). Every tile ends with `rest`; running off the end faults.

## Faults

A local-memory access out of bounds, a DRAM access outside the task's arrays, a misaligned address/size/stride,
a message to or from a tile that does not exist, a `take` whose size differs from the message's, an invalid
instruction, integer division by zero, leaving the program, running past {c.max_cycles} cycles, or a
**DEADLOCK** (every unfinished tile waits on a `take` or `muster` that can never complete, e.g. two tiles that
both take first, or a tile that rested while the others muster) stops the run: the evaluation reports
`runtime_error` with the tile, the source line and registers, and for a deadlock each waiting tile's line.

## Assembly syntax

`label: mnemonic op1, op2, ...` one instruction per line; comments start with `#`, `//` or `;`.
Registers `h0`..`h31`; local addresses `[hN]`, `[hN+expr]`, `[expr]`. Immediates are integer expressions.

## Configurations

| config | grid | local memory | lanes | link B/cycle | hop latency | inbox depth | MSGMAX | DRAM B/cycle | DRAM latency | GHz |
|---|---|---|---|---|---|---|---|---|---|---|
{configs}

{instruction_reference(MESH_ISA, lat, OCC_TEXT)}

## A complete worked kernel: matmul (SUMMA over the mesh)

```
{worked}```
"""
