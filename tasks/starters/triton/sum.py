"""sum: out[0] = sum(x), deterministic two-pass (no atomics, so the result does not depend on the
order programs finish). Pass 1: at most MAX_PROGRAMS programs, each strides over BLOCK-wide chunks
(chunk pid, pid + P, ...) accumulating a [BLOCK] fp32 vector, then tree-sums it into partials[pid].
Pass 2: one program sums the partials. Each lane adds only a few elements and tl.sum is a tree, so
the rounding error stays far below the fp32-accumulation tolerance even at n = 12.6M.

AMD (rocm-triton, wavefront 64): the same file; 4 warps = 4 wavefronts of 64 lanes (256 lanes,
BLOCK 4096 = 16 fp32 each). MI300X has 304 CUs: 1024 programs are about 3 per CU, enough to keep
HBM busy; no dot, so no matrix_instr_nonkdim."""
import torch
import triton
import triton.language as tl

MAX_PROGRAMS = 1024


@triton.jit
def partial_sum_kernel(x_ptr, partial_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    step = tl.num_programs(0).to(tl.int64) * BLOCK
    offs = tl.arange(0, BLOCK)
    acc = tl.zeros([BLOCK], tl.float32)
    for start in range(pid.to(tl.int64) * BLOCK, n, step):
        # streamed once: evict_first keeps it from pushing the partials out of L2
        acc += tl.load(x_ptr + start + offs, mask=start + offs < n, other=0.0, eviction_policy="evict_first")
    tl.store(partial_ptr + pid, tl.sum(acc, axis=0))


@triton.jit
def final_sum_kernel(partial_ptr, out_ptr, count, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    acc = tl.zeros([BLOCK], tl.float32)
    for start in range(0, count, BLOCK):
        acc += tl.load(partial_ptr + start + offs, mask=start + offs < count, other=0.0)
    tl.store(out_ptr, tl.sum(acc, axis=0))


def kernel(x, out, n):
    BLOCK = 4096
    programs = max(1, min(triton.cdiv(n, BLOCK), MAX_PROGRAMS))
    partials = torch.empty(programs, dtype=torch.float32, device=x.device)
    # 4 warps: 16 floats (four 16-byte loads in flight) per thread; 87% of copy bandwidth at n = 2^26
    # on the H100 against 86% with 8 warps (benchmarks/results/2026-11-25-h100)
    partial_sum_kernel[(programs,)](x, partials, n, BLOCK=BLOCK, num_warps=4)
    final_sum_kernel[(1,)](partials, out, programs, BLOCK=1024, num_warps=4)
