"""softmax: one program per row; rows that fit one block are read once (max, exp, sum in registers),
longer rows take three passes over BLOCK-wide chunks (max, sum of exp, write).

AMD (rocm-triton, wavefront 64): the same file; num_warps counts 64-lane wavefronts there, so a lane
holds half as many elements of the row as on NVIDIA (gfx942, N = 1024: 20 VGPRs, 8 waves/SIMD). No
dot."""
import triton
import triton.language as tl


@triton.jit
def softmax_kernel(x_ptr, out_ptr, N, BLOCK: tl.constexpr, ONE_PASS: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * N
    o_row = out_ptr + row * N
    cols = tl.arange(0, BLOCK)
    if ONE_PASS:
        mask = cols < N
        x = tl.load(x_row + cols, mask=mask, other=-float("inf"))
        e = tl.exp(x - tl.max(x, axis=0))
        tl.store(o_row + cols, e / tl.sum(e, axis=0), mask=mask)
    else:
        m = tl.full([BLOCK], -float("inf"), tl.float32)
        for start in range(0, N, BLOCK):
            x = tl.load(x_row + start + cols, mask=start + cols < N, other=-float("inf"))
            m = tl.maximum(m, x)
        row_max = tl.max(m, axis=0)
        s = tl.zeros([BLOCK], tl.float32)
        for start in range(0, N, BLOCK):
            x = tl.load(x_row + start + cols, mask=start + cols < N, other=-float("inf"))
            s += tl.exp(x - row_max)
        inv = 1.0 / tl.sum(s, axis=0)
        for start in range(0, N, BLOCK):
            mask = start + cols < N
            x = tl.load(x_row + start + cols, mask=mask, other=-float("inf"))
            tl.store(o_row + start + cols, tl.exp(x - row_max) * inv, mask=mask)


def kernel(x, out, M, N):
    block = min(triton.next_power_of_2(N), 8192)
    one_pass = block >= N
    warps = 4 if block <= 2048 else 8
    softmax_kernel[(M,)](x, out, N, BLOCK=block, ONE_PASS=one_pass, num_warps=warps)
