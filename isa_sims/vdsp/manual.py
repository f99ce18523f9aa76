"""The vdsp manual: prose for the programming model and calling convention around the
generated instruction reference, and a worked kernel that the tests assemble and run."""

from __future__ import annotations

from pathlib import Path

from isa_sims.core.manual import instruction_reference, registers_text
from isa_sims.vdsp.isa import CONFIGS, DMA_QUEUE, N_TAGS, VDSP_ISA, VdspConfig

STARTERS = Path(__file__).with_name("starters")


def build_manual(c: VdspConfig) -> str:
    lat = c.latencies
    worked = (STARTERS / "vector_add.s").read_text()
    configs = "\n".join(
        f"| {k}{' (held out)' if v.held_out else ''} | {v.vlmax} | {v.valu_lanes} | {v.spad_bytes // 1024} KiB | "
        f"{v.spad_bytes_per_cycle} | {v.dram_bytes_per_cycle} | {v.dram_latency} | {v.clock_ghz} |"
        for k, v in CONFIGS.items())
    return f"""# Vesper vector DSP (backend `{'vdsp' if c.name == 'default' else 'vdsp-' + c.name}`, language `vdsp-asm`)

A **simulated** accelerator: kernels are assembly programs run by a cycle-level simulator.
Times reported for this backend are **simulated cycles at the configured clock** ({c.clock_ghz} GHz),
not measurements; the simulation is deterministic.

## Programming model

One in-order core issuing at most one instruction per cycle to five units:
`salu` (scalar integer/float), `branch`, `valu` (vector ALU, {c.valu_lanes} lanes per cycle),
`lsu` (load/store between registers and the scratchpad, {c.spad_bytes_per_cycle} bytes per cycle)
and `dma` (the DMA engine, the only path to DRAM, {c.dram_bytes_per_cycle} bytes per cycle).

Memory spaces:
- **DRAM**: holds the task's arrays. Reachable **only through DMA**. Byte-addressed; every transfer must stay
  inside one of the task's arrays (anything else faults).
- **Scratchpad**: {c.spad_bytes} bytes (symbol `SPAD`), byte-addressed from 0, software-managed. Vector and scalar
  loads/stores (`vget`, `vput`, `sget`, `sput`) work only here. Accesses must be 4-byte aligned.
- **Registers**:
{chr(10).join('  ' + line for line in registers_text(VDSP_ISA).splitlines())}
  - `VL`, the vector length (0..VLMAX, VLMAX = {c.vlmax}); set by `vlen`, starts at VLMAX.

Floats: all data is float32 (or int32). A scalar register holds a float as its float32 bit pattern.

Predefined assemble-time symbols (usable in any immediate expression): `VLMAX`={c.vlmax},
`VBYTES`={c.vlmax * 4} (bytes in one full vector), `SPAD`={c.spad_bytes}, `LANES`={c.valu_lanes},
`NTAGS`={N_TAGS}. Define your own with `.equ NAME, expression`.
Use the symbols instead of numbers and a kernel runs on every configuration.

## Timing model (what the profile counts)

- **Issue**: in order, one instruction per cycle. An instruction issues when its source registers (and `VL`,
  for vector and scratchpad ops) are ready and its unit is free. Waiting for a register is a `data` stall;
  for a busy unit a `structural` stall (`memory` when it is the load/store unit).
- **Results** are ready at issue + latency + occupancy - 1. The vector ALU is busy for ceil(VL/{c.valu_lanes})
  cycles per instruction and the load/store unit for ceil(4*VL/{c.spad_bytes_per_cycle}): while a long vector
  op runs, the single issue slot is free for scalar, load and DMA instructions. Keeping `valu` busy is
  how a kernel reaches peak ({c.peak_flops_per_s / 1e9:.1f} GFLOP/s simulated: one multiply-add per lane per cycle).
- **Branches**: a taken branch costs {c.branch_penalty} extra cycles (`branch` stall). `again` is a one-instruction
  counted loop.
- **DMA**: transfers are served one after another by one engine. A transfer of B bytes occupies the engine
  for ceil(B/{c.dram_bytes_per_cycle}) cycles and completes {c.dram_latency} cycles after its last byte.
  `xin`/`xout` return immediately; compute continues while the transfer runs. `xwait tag` stalls until
  every transfer under `tag` has completed (`dma_wait` stall); **its data is only visible after the wait**
  (the simulator copies at the wait), so read a tile after waiting for it and do not overwrite the source of an
  `xout` until you have waited on it. At most {DMA_QUEUE} transfers may be outstanding (`dma_queue` stall).
  `stop` waits for all transfers. Double buffering: start the transfer of tile i+1 under another tag before
  computing on tile i.
- Latencies in this config: {", ".join(f"{k}={v}" for k, v in lat.items())}.

## Calling convention

At start, scalar registers hold the kernel's arguments **in the task signature's order**: first the DRAM byte
address of each input array, then of each output array, then each scalar param: shape symbols and other
integers as 64-bit integers, float params as float32 bit patterns. For `vector_add(x, y -> out; n)`:
`s0` = address of x, `s1` = address of y, `s2` = address of out, `s3` = n. All other scalar registers are 0,
vector registers are 0, `VL` = VLMAX, the scratchpad is zeroed.
Arrays are row-major and contiguous; each starts on a 4096-byte boundary. Outputs arrive **poisoned**
(not zeroed): write every element. The kernel ends with `stop`; running off the end of the program faults.

## Faults

An access outside the scratchpad or outside the task's arrays, a misaligned address, an invalid instruction,
integer division by zero, leaving the program, or running past {c.max_cycles} cycles stops the run; the
evaluation reports `runtime_error` with the source line, the instruction and the scalar registers.

## Assembly syntax

`label: mnemonic op1, op2, ...` one instruction per line; comments start with `#`, `//` or `;`.
Registers `s0`..`s31`, `v0`..`v15`. Immediates are integer expressions (`VBYTES*2`, `0x40`, `(N+1)/2`).
Addresses: `[s3]`, `[s3+64]`, `[s3-4]`, `[128]`.

## Configurations

| config | VLMAX | valu lanes/cycle | scratchpad | spad B/cycle | DRAM B/cycle | DRAM latency | GHz |
|---|---|---|---|---|---|---|---|
{configs}

{instruction_reference(VDSP_ISA, lat)}

## A complete worked kernel: vector_add (double-buffered)

```
{worked}```
"""
