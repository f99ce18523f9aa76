"""row_sum: out[i] = sum_j x[i, j]; one program per row, BLOCK-wide chunks accumulated in fp32.

AMD (rocm-triton, wavefront 64): the same file; num_warps counts 64-lane wavefronts (gfx942, N = 1024:
23 VGPRs, 8 waves/SIMD). No dot."""
import triton
import triton.language as tl


@triton.jit
def row_sum_kernel(x_ptr, out_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    acc = tl.zeros([BLOCK], tl.float32)
    for start in range(0, N, BLOCK):
        acc += tl.load(x_ptr + row * N + start + cols, mask=start + cols < N, other=0.0)
    tl.store(out_ptr + row, tl.sum(acc, axis=0))


def kernel(x, out, M, N):
    block = min(triton.next_power_of_2(N), 4096)
    row_sum_kernel[(M,)](x, out, N, BLOCK=block, num_warps=4 if block <= 1024 else 8)
