"""rmsnorm: out = x / sqrt(mean(x^2) + eps) * weight, one program per row. Rows up to BLOCK_MAX
elements are read from memory once (kept in registers between the reduction and the write); longer
rows take two passes over BLOCK-wide chunks (sum of squares, then scale). fp32 accumulation.

AMD (rocm-triton, wavefront 64): the same file; num_warps counts 64-lane wavefronts there, so a
4096-wide row with 8 warps is 8 fp32 per lane (vs 16 on NVIDIA); no dot, so no
matrix_instr_nonkdim."""
import triton
import triton.language as tl


@triton.jit
def rmsnorm_kernel(x_ptr, w_ptr, out_ptr, N, eps, BLOCK: tl.constexpr, ONE_PASS: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * N
    o_row = out_ptr + row * N
    cols = tl.arange(0, BLOCK)
    if ONE_PASS:
        mask = cols < N
        x = tl.load(x_row + cols, mask=mask, other=0.0)
        rstd = 1.0 / tl.sqrt(tl.sum(x * x, axis=0) / N + eps)
        w = tl.load(w_ptr + cols, mask=mask, other=0.0)
        tl.store(o_row + cols, x * rstd * w, mask=mask)
    else:
        acc = tl.zeros([BLOCK], tl.float32)
        for start in range(0, N, BLOCK):
            x = tl.load(x_row + start + cols, mask=start + cols < N, other=0.0)
            acc += x * x
        rstd = 1.0 / tl.sqrt(tl.sum(acc, axis=0) / N + eps)
        for start in range(0, N, BLOCK):
            mask = start + cols < N
            x = tl.load(x_row + start + cols, mask=mask, other=0.0)
            w = tl.load(w_ptr + start + cols, mask=mask, other=0.0)
            tl.store(o_row + start + cols, x * rstd * w, mask=mask)


def kernel(x, weight, out, M, N, eps):
    block = min(triton.next_power_of_2(N), 8192)
    warps = 4 if block <= 2048 else 8
    rmsnorm_kernel[(M,)](x, weight, out, N, eps, BLOCK=block, ONE_PASS=block >= N, num_warps=warps)
