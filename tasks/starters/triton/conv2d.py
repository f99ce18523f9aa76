"""conv2d (NCHW, OIHW 3x3, stride 1, valid) as an implicit GEMM with tl.dot:
  rows    m = (n, i, j)      output pixels, M_total = N * OH * OW
  columns o                  output channels
  inner   k = (c, kh, kw)    C * 9, the weight's own row-major order, so w is a [O, C*9] matrix
A[m, k] = x[n, c, i + kh, j + kw] is never materialised: each [BLOCK_M, BLOCK_K] tile is gathered
from x (pixel offset + tap offset), the [BLOCK_K, BLOCK_N] weight tile is w read transposed, and the
fp32 accumulator stays in registers over the K loop. input_precision="ieee": exact fp32 products
(TF32 would miss the fp32-accumulation tolerance). The store goes to y[n, o, i, j], contiguous along
the pixel dimension. Loads are also masked against H and W so shapes with OH != H - 2 (the dry run's)
stay in bounds.

AMD (rocm-triton, wavefront 64): the same file; the fp32 tl.dot becomes v_mfma_f32_32x32x2_f32 on
gfx942 (v_mfma_f32_32x32x2f32 on gfx90a): exact fp32, as "ieee" asks. gfx942 report at the visible
shapes' configuration: 104 VGPRs, 16 KiB LDS, 4 waves/SIMD (VGPR-limited). For tuning on a ROCm host:
launch options matrix_instr_nonkdim=16 (16x16x4 MFMA tiles) and waves_per_eu=2
(conv2d_kernel[grid](..., matrix_instr_nonkdim=16, waves_per_eu=2))."""
import triton
import triton.language as tl


@triton.jit
def conv2d_kernel(x_ptr, w_ptr, y_ptr, N, C, H, W, O, OH, OW,
                  BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    rk = tl.arange(0, BLOCK_K)
    pixels = OH * OW
    m_ok = rm < N * pixels
    n_img = rm // pixels
    rem = rm - n_img * pixels
    oi = rem // OW
    oj = rem - oi * OW
    # offset of x[n, 0, i, j] per output pixel; int64 for large batches
    pix = n_img.to(tl.int64) * C * H * W + oi * W + oj
    K = C * 9
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        k = k0 + rk
        c = k // 9
        tap = k - c * 9
        kh = tap // 3
        kw = tap - kh * 3
        k_ok = k < K
        a_mask = (m_ok[:, None] & k_ok[None, :] & ((oi[:, None] + kh[None, :]) < H)
                  & ((oj[:, None] + kw[None, :]) < W))
        a = tl.load(x_ptr + pix[:, None] + (c * H * W + kh * W + kw)[None, :], mask=a_mask, other=0.0)
        b = tl.load(w_ptr + rn[None, :].to(tl.int64) * K + k[:, None],
                    mask=k_ok[:, None] & (rn[None, :] < O), other=0.0)
        acc = tl.dot(a, b, acc, input_precision="ieee")
    y = y_ptr + (n_img.to(tl.int64) * O * pixels + rem)[:, None] + rn[None, :].to(tl.int64) * pixels
    tl.store(y, acc, mask=m_ok[:, None] & (rn[None, :] < O))


def kernel(x, w, y, N, C, H, W, O, OH, OW):
    BM, BK = 64, 32
    BN = min(max(triton.next_power_of_2(O), 16), 64)
    grid = (triton.cdiv(N * OH * OW, BM), triton.cdiv(O, BN))
    conv2d_kernel[grid](x, w, y, N, C, H, W, O, OH, OW, BLOCK_M=BM, BLOCK_N=BN, BLOCK_K=BK,
                        num_warps=8, num_stages=2)
