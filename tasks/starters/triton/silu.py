"""silu: out = x / (1 + exp(-x)); for very negative x exp overflows to inf and the quotient is -0,
which is within tolerance of the true -x e^x. Memory-bound: BLOCK 1024 with 4 warps = 8 fp32 per
thread (two 16-byte loads), masked tail, int64 offsets.

AMD (rocm-triton, wavefront 64): the same file; 4 warps are 4 wavefronts (256 lanes, one 16-byte
load each); no dot, so no matrix_instr_nonkdim; waves_per_eu is left to the compiler."""
import triton
import triton.language as tl


@triton.jit
def silu_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(out_ptr + offs, x / (1.0 + tl.exp(-x)), mask=mask)


def kernel(x, out, n):
    BLOCK = 1024
    silu_kernel[(triton.cdiv(n, BLOCK),)](x, out, n, BLOCK=BLOCK, num_warps=4)
