"""matmul: C[M, N] = A[M, K] @ B[K, N] in fp32, tiled BLOCK_M x BLOCK_N with a K loop, grouped
program order for L2 reuse. input_precision="ieee": exact fp32 products (TF32 tensor cores would
miss the task's fp32 tolerance); for fp16/bf16 inputs tl.dot uses tensor cores.

AMD (rocm-triton, wavefront 64): the same file; fp32 tl.dot becomes v_mfma_f32_*_f32 on gfx90a and
gfx942 (exact fp32, as "ieee" asks). On gfx942 num_stages=3 takes 32 KiB of LDS and caps occupancy at
2 waves/SIMD (LDS-limited); num_stages=2, the AMD backend's usual setting, takes 16 KiB and allows 4
(VGPR-limited; checked with this backend's gfx942 report). On a ROCm host pass num_stages=2, and
tune with the launch options matrix_instr_nonkdim=16 and waves_per_eu."""
import triton
import triton.language as tl


@triton.jit
def matmul_kernel(a_ptr, b_ptr, c_ptr, M, N, K,
                  BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    num_m = tl.cdiv(M, BLOCK_M)
    num_n = tl.cdiv(N, BLOCK_N)
    group = GROUP_M * num_n
    first_m = (pid // group) * GROUP_M
    size_m = min(num_m - first_m, GROUP_M)
    pid_m = first_m + (pid % group) % size_m
    pid_n = (pid % group) // size_m
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    rk = tl.arange(0, BLOCK_K)
    a = a_ptr + rm[:, None].to(tl.int64) * K + rk[None, :]
    b = b_ptr + rk[:, None].to(tl.int64) * N + rn[None, :]
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, K, BLOCK_K):
        a_tile = tl.load(a, mask=(rm[:, None] < M) & (k + rk[None, :] < K), other=0.0)
        b_tile = tl.load(b, mask=(k + rk[:, None] < K) & (rn[None, :] < N), other=0.0)
        acc = tl.dot(a_tile, b_tile, acc, input_precision="ieee")
        a += BLOCK_K
        b += BLOCK_K * N
    c = c_ptr + rm[:, None].to(tl.int64) * N + rn[None, :]
    tl.store(c, acc, mask=(rm[:, None] < M) & (rn[None, :] < N))


def kernel(A, B, C, M, N, K):
    BM, BN, BK = 64, 64, 32
    grid = (triton.cdiv(M, BM) * triton.cdiv(N, BN),)
    matmul_kernel[grid](A, B, C, M, N, K, BLOCK_M=BM, BLOCK_N=BN, BLOCK_K=BK, GROUP_M=8,
                        num_warps=4, num_stages=3)
