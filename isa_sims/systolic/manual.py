"""The systolic engine's manual: prose for the programming model and calling convention around
the generated instruction reference, and a worked kernel that the tests assemble and run."""

from __future__ import annotations

from pathlib import Path

from isa_sims.core.manual import instruction_reference, registers_text
from isa_sims.systolic.isa import CONFIGS, LOOM_ISA, OCC_TEXT, LoomConfig

STARTERS = Path(__file__).with_name("starters")


def build_manual(c: LoomConfig) -> str:
    lat = c.latencies
    worked = (STARTERS / "matmul.s").read_text()
    configs = "\n".join(
        f"| {k}{' (held out)' if v.held_out else ''} | {v.dim}x{v.dim} | {v.acc_rows} | {v.buf_bytes // 1024} KiB | "
        f"{v.vector_lanes} | {v.dram_bytes_per_cycle} | {v.dram_latency} | {v.queue_depth} | {v.clock_ghz} |"
        for k, v in CONFIGS.items())
    name = "systolic" if c.name == "default" else "systolic-" + c.name
    return f"""# Loom systolic matrix engine (backend `{name}`, language `systolic-asm`)

A **simulated** accelerator: kernels are assembly programs run by a cycle-level simulator.
Times reported for this backend are **simulated cycles at the configured clock** ({c.clock_ghz} GHz),
not measurements; the simulation is deterministic.

## Programming model

An in-order **controller** issues one instruction per cycle. Scalar, branch and `dgeom` instructions run on
the controller itself; every other instruction is a coarse operation dispatched to one of four units, each
with an in-order queue of {c.queue_depth} entries:
- `array`: a weight-stationary **{c.dim}x{c.dim} systolic array** ({c.dim * c.dim} multiply-accumulate cells).
  Weights sit in one of two **weight banks** `w0`, `w1`; `weft`/`weftadd` stream activation rows through a
  bank (one DIM-wide row per cycle) and write DIM-wide result rows into the **accumulators**.
- `wload`: the weight loader, filling a bank from the buffer (`warp`, DIM cycles) while the array streams
  with the other bank.
- `vector`: elementwise fp32 work on the buffer, {c.vector_lanes} elements per cycle, plus reductions of a
  vector to one word (`efold` sum, `efoldmax`) and ops whose scalar is a buffer word (`escalb`, `eoffsetb`),
  so row statistics (softmax, norms) stay on chip.
- `dma`: the only path to DRAM ({c.dram_bytes_per_cycle} bytes/cycle) and between accumulators and buffer
  ({c.local_bytes_per_cycle} bytes/cycle).

Memory spaces:
- **DRAM**: the task's arrays, byte-addressed; reachable only by DMA; every transfer must stay inside one array.
- **Buffer**: {c.buf_bytes} bytes (symbol `BUF`), byte-addressed from 0, unified: activations, weight tiles,
  vector operands. A weight tile or activation row is DIM fp32 = `ROWB` = {4 * c.dim} bytes; a weight tile is
  DIM rows one after another (`TILEB` = {4 * c.dim * c.dim} bytes). Addresses must be 4-byte aligned.
- **Accumulators**: {c.acc_rows} rows (symbol `ACCROWS`) of DIM fp32, addressed by row number.
- **Registers**:
{chr(10).join('  ' + line for line in registers_text(LOOM_ISA).splitlines())}

Predefined assemble-time symbols: `DIM`={c.dim}, `ROWB`={4 * c.dim}, `TILEB`={4 * c.dim * c.dim},
`BUF`={c.buf_bytes}, `ACCROWS`={c.acc_rows}, `LANES`={c.vector_lanes}, `STRIPE`={c.stripe_bytes}.
Define your own with `.equ NAME, expression`. Use the symbols and a kernel runs on every configuration.

## Timing model (what the profile counts)

- **Controller**: in order, one instruction per cycle; an instruction waits for its g-register sources
  (`scalar` stall); a result is ready `latency` cycles after issue; a taken branch costs {c.branch_penalty}
  extra cycles (`branch`).
- **Dispatch**: a coarse instruction enters its unit's queue; if the queue is full (the instruction
  dispatched {c.queue_depth} earlier to that unit has not started), the controller stalls (`array_busy`,
  `wload_busy`, `vector_busy`, `dma_busy`). A compute-bound kernel shows `array_busy` as its top stall.
- **Start and completion**: a unit runs its queue in order; an operation starts at
  max(dispatch + 1, unit free, hazards), occupies the unit for its occupancy, and its results are complete at
  start + occupancy + latency - 1.
- **Hazards are automatic** (a scoreboard; there are no wait instructions): a read waits until the last
  write of the same region is complete; a write waits until the last write is complete and the last read
  has finished (a read finishes at start + occupancy). Regions are tracked per {c.stripe_bytes}-byte buffer
  stripe (`STRIPE`), per accumulator row and per weight bank; an access covers the span from its first to its
  last byte, so keep independent data in different stripes. Accumulator writes by the array do not wait for
  earlier array writes (accumulation is in stream order), so back-to-back `weftadd`s into the same rows
  pipeline. When the array or vector unit idles on a hazard, it is a `dma_wait` stall if the blocking
  operation is a DMA transfer, else `data`.
- **Array**: `weft`/`weftadd` occupy the array for gRows cycles; results are complete {lat['weft']} cycles
  (fill + drain: rows + cols) after the last row enters. `warp` occupies the weight loader for DIM cycles.
  Double buffering: `warp` the next tile into the other bank while the current one streams, and pull the
  next tiles into another buffer region while the array works.
- **DMA**: a transfer of B bytes occupies the engine for ceil(B/{c.dram_bytes_per_cycle}) cycles
  (ceil(B/{c.local_bytes_per_cycle}) for `dmove`) and completes {c.dram_latency} cycles after its last byte
  ({c.local_latency} for `dmove`). Transfers run concurrently with compute.
- `finish` ends the kernel when every unit has drained.
- Peak: {c.dim * c.dim} MACs/cycle = {c.peak_flops_per_s / 1e9:.1f} GFLOP/s; DRAM {c.peak_bytes_per_s / 1e9:.1f} GB/s.
  The profile reports array utilisation = MACs / (cycles x {c.dim * c.dim}).
- Latencies in this config: {", ".join(f"{k}={v}" for k, v in lat.items())}.

## Calling convention

At start, g registers hold the kernel's arguments **in the task signature's order**: first the DRAM byte
address of each input array, then of each output array, then each scalar param (integers as 64-bit integers,
float params as float32 bit patterns). For `matmul(A, B -> C; M, N, K)`: `g0` = &A, `g1` = &B, `g2` = &C,
`g3` = M, `g4` = N, `g5` = K. Other g registers, the buffer, accumulators and weight banks start at 0.
Arrays are row-major and contiguous; each starts on a 4096-byte boundary. Outputs arrive **poisoned**
(not zeroed): write every element. The kernel ends with `finish`; running off the end faults.

## Faults

A buffer access out of bounds, an accumulator row out of range, a DRAM access outside the task's arrays, a
misaligned address/size/stride, an invalid size, an invalid instruction, integer division by zero, leaving
the program, or running past {c.max_cycles} cycles stops the run; the evaluation reports `runtime_error` with
the source line, the instruction and the g registers.

## Assembly syntax

`label: mnemonic op1, op2, ...` one instruction per line; comments start with `#`, `//` or `;`.
Registers `g0`..`g31`, weight banks `w0`, `w1`. Immediates are integer expressions (`TILEB*2`, `DIM-1`).

## Configurations

| config | array | acc rows | buffer | vector lanes | DRAM B/cycle | DRAM latency | queue depth | GHz |
|---|---|---|---|---|---|---|---|---|
{configs}

{instruction_reference(LOOM_ISA, lat, OCC_TEXT)}

## A complete worked kernel: matmul (weights stationary, double-buffered)

```
{worked}```
"""
