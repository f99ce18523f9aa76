// matmul: C = A @ B in fp32 on the matrix cores (MFMA). A 256-thread workgroup (4 wave64s) computes
// a 64x64 tile of C; each wave a 32x32 quarter as 2x2 tiles of v_mfma_f32_16x16x4f32
// (__builtin_amdgcn_mfma_f32_16x16x4f32, CDNA2/CDNA3). K advances 16 at a time through LDS.
// Operand layout of the 16x16x4 fp32 MFMA (one block): lane l holds A[l % 16][l / 16] and
// B[l / 16][l % 16]; result register r of lane l is C[4 * (l / 16) + r][l % 16].
// Guarded edges for any M, N, K. Compiled only here: functional checks need an AMD GPU.
//! kernel: matmul
//! global: cdiv(N, 64) * 256, cdiv(M, 64)
//! local: 256, 1
#include <hip/hip_runtime.h>

#define TM 64
#define TN 64
#define TK 16
typedef float float4_t __attribute__((ext_vector_type(4)));

extern "C" __global__ void __launch_bounds__(256)
matmul(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
       long long M, long long N, long long K) {
    __shared__ float As[TM][TK + 1];
    __shared__ float Bs[TK][TN + 1];
    const int tid = threadIdx.x, lane = tid % 64, wave = tid / 64;
    const int wm = (wave / 2) * 32, wn = (wave % 2) * 32;      // this wave's 32x32 quarter
    const long long row0 = (long long)blockIdx.y * TM, col0 = (long long)blockIdx.x * TN;
    float4_t acc[2][2] = {};
    for (long long k0 = 0; k0 < K; k0 += TK) {
        for (int i = tid; i < TM * TK; i += 256) {
            int r = i / TK, c = i % TK;
            long long gr = row0 + r, gc = k0 + c;
            As[r][c] = (gr < M && gc < K) ? A[gr * K + gc] : 0.0f;
        }
        for (int i = tid; i < TK * TN; i += 256) {
            int r = i / TN, c = i % TN;
            long long gr = k0 + r, gc = col0 + c;
            Bs[r][c] = (gr < K && gc < N) ? B[gr * N + gc] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk += 4) {
            const int k = kk + lane / 16;
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                float a = As[wm + i * 16 + lane % 16][k];
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    float b = Bs[k][wn + j * 16 + lane % 16];
                    acc[i][j] = __builtin_amdgcn_mfma_f32_16x16x4f32(a, b, acc[i][j], 0, 0, 0);
                }
            }
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) {
                long long gr = row0 + wm + i * 16 + 4 * (lane / 16) + r, gc = col0 + wn + j * 16 + lane % 16;
                if (gr < M && gc < N) C[gr * N + gc] = acc[i][j][r];
            }
}
