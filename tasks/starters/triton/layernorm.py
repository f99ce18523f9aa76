"""layernorm: one program per row; mean and variance in fp32 over BLOCK-wide chunks (two passes),
then a third pass normalizes, scales and shifts.

AMD (rocm-triton, wavefront 64): the same file; num_warps counts 64-lane wavefronts (gfx942, N = 1024:
27 VGPRs, 8 waves/SIMD). No dot."""
import triton
import triton.language as tl


@triton.jit
def layernorm_kernel(x_ptr, w_ptr, b_ptr, out_ptr, N, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * N
    o_row = out_ptr + row * N
    cols = tl.arange(0, BLOCK)
    acc = tl.zeros([BLOCK], tl.float32)
    for start in range(0, N, BLOCK):
        acc += tl.load(x_row + start + cols, mask=start + cols < N, other=0.0)
    mean = tl.sum(acc, axis=0) / N
    acc2 = tl.zeros([BLOCK], tl.float32)
    for start in range(0, N, BLOCK):
        mask = start + cols < N
        d = tl.where(mask, tl.load(x_row + start + cols, mask=mask, other=0.0) - mean, 0.0)
        acc2 += d * d
    rstd = 1.0 / tl.sqrt(tl.sum(acc2, axis=0) / N + eps)
    for start in range(0, N, BLOCK):
        mask = start + cols < N
        x = tl.load(x_row + start + cols, mask=mask, other=0.0)
        w = tl.load(w_ptr + start + cols, mask=mask, other=0.0)
        b = tl.load(b_ptr + start + cols, mask=mask, other=0.0)
        tl.store(o_row + start + cols, (x - mean) * rstd * w + b, mask=mask)


def kernel(x, weight, bias, out, M, N, eps):
    block = min(triton.next_power_of_2(N), 4096)
    layernorm_kernel[(M,)](x, weight, bias, out, N, eps, BLOCK=block, num_warps=4 if block <= 1024 else 8)
