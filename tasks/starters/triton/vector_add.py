"""vector_add: out = x + y, one program per BLOCK elements, masked tail.

AMD (rocm-triton, wavefront 64): the same file; 4 warps = 4 wavefronts of 64 lanes, 4 fp32 per lane
(one 16-byte load); gfx942: 12 VGPRs, 8 waves/SIMD. No dot, so no matrix_instr_nonkdim."""
import triton
import triton.language as tl


@triton.jit
def add_kernel(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    y = tl.load(y_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, x + y, mask=mask)


def kernel(x, y, out, n):
    BLOCK = 1024
    add_kernel[(triton.cdiv(n, BLOCK),)](x, y, out, n, BLOCK=BLOCK, num_warps=4)
