"""gelu (tanh approximation): out = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), written as
out = x / (1 + exp(-2u)): the same value, and exp overflowing to inf for very negative u gives -0
instead of inf/inf = NaN. Memory-bound: BLOCK 1024 with 4 warps = 8 fp32 per thread (two 16-byte
loads), masked tail, int64 offsets.

AMD (rocm-triton, wavefront 64): the same file; 4 warps are 4 wavefronts (256 lanes, 4 fp32 each,
one 16-byte load); no dot, so no matrix_instr_nonkdim; waves_per_eu is left to the compiler."""
import triton
import triton.language as tl


@triton.jit
def gelu_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    u = 0.7978845608028654 * (x + 0.044715 * (x * x * x))
    tl.store(out_ptr + offs, x / (1.0 + tl.exp(-2.0 * u)), mask=mask)


def kernel(x, out, n):
    BLOCK = 1024
    gelu_kernel[(triton.cdiv(n, BLOCK),)](x, out, n, BLOCK=BLOCK, num_warps=4)
