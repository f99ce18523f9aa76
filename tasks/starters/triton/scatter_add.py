"""scatter_add: out[b] = sum of values[i] with idx[i] == b. out arrives poisoned, so a first kernel
zeroes it; then one program per BLOCK values issues a masked, relaxed fp32 tl.atomic_add per value
(duplicates in a block and across blocks are combined by the memory system). Summation order is free
per the task, so atomics are the right tool; values and indices are read once, coalesced.

AMD (rocm-triton, wavefront 64): the same file; 4 warps = 4 wavefronts. Checked in the AMDGCN:
gfx942 gets the native global_atomic_add_f32; gfx90a gets a global_atomic_cmpswap loop (Triton's
default there), so on MI250X heavily contended bins (small B) cost more, and a per-program
pre-reduction before the atomics would pay off there. No dot."""
import triton
import triton.language as tl


@triton.jit
def zero_kernel(out_ptr, B, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out_ptr + offs, tl.zeros([BLOCK], tl.float32), mask=offs < B)


@triton.jit
def scatter_add_kernel(values_ptr, idx_ptr, out_ptr, N, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    v = tl.load(values_ptr + offs, mask=mask, other=0.0)
    b = tl.load(idx_ptr + offs, mask=mask, other=0)
    tl.atomic_add(out_ptr + b, v, mask=mask, sem="relaxed")


def kernel(values, idx, out, N, B):
    zero_kernel[(triton.cdiv(B, 1024),)](out, B, BLOCK=1024, num_warps=4)
    scatter_add_kernel[(triton.cdiv(N, 1024),)](values, idx, out, N, BLOCK=1024, num_warps=4)
