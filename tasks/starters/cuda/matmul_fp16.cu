// matmul_fp16: C = A @ B, float16 in and out, fp32 accumulation on the tensor cores through WMMA
// (16x16x16 half fragments, float accumulators). A 256-thread block (8 warps, 2 x 4) computes a
// 128x128 tile of C, each warp 64x32 as 4x2 fragments; K advances 32 at a time through shared
// memory (rows padded by 8 halves against bank conflicts). Loads are bounds-checked (zero fill), so
// any M, N, K works; each warp rounds its fragments to half through a 16x16 float staging tile and
// writes only the in-range elements. A correct, portable starter, not cuBLAS: no cp.async pipeline
// or wgmma (the Triton starter is the tuned one).
//! kernel: matmul_fp16
//! global: cdiv(N, 128) * 256, cdiv(M, 128)
//! local: 256, 1
#include <cuda_fp16.h>
#include <mma.h>
using namespace nvcuda;

#define BM 128
#define BN 128
#define BK 32
#define PAD 8

extern "C" __global__ void __launch_bounds__(256)
matmul_fp16(const __half *__restrict__ A, const __half *__restrict__ B, __half *__restrict__ C,
            long long M, long long N, long long K) {
    __shared__ __align__(32) __half As[BM][BK + PAD];
    __shared__ __align__(32) __half Bs[BK][BN + PAD];
    __shared__ __align__(32) float stage[8][16 * 16];
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int wm = warp / 4, wn = warp % 4;  // warp's 64x32 sub-tile
    const long long row0 = (long long)blockIdx.y * BM, col0 = (long long)blockIdx.x * BN;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][2];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.0f);

    for (long long k0 = 0; k0 < K; k0 += BK) {
        for (int e = tid; e < BM * BK; e += 256) {  // A tile: 128 rows x 32 k
            const int r = e / BK, c = e % BK;
            const long long gr = row0 + r, gk = k0 + c;
            As[r][c] = (gr < M && gk < K) ? A[gr * K + gk] : __float2half(0.0f);
        }
        for (int e = tid; e < BK * BN; e += 256) {  // B tile: 32 k x 128 columns
            const int r = e / BN, c = e % BN;
            const long long gk = k0 + r, gc = col0 + c;
            Bs[r][c] = (gk < K && gc < N) ? B[gk * N + gc] : __float2half(0.0f);
        }
        __syncthreads();
        for (int kk = 0; kk < BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[2];
            for (int i = 0; i < 4; i++) wmma::load_matrix_sync(a[i], &As[wm * 64 + i * 16][kk], BK + PAD);
            for (int j = 0; j < 2; j++) wmma::load_matrix_sync(b[j], &Bs[kk][wn * 32 + j * 16], BN + PAD);
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(stage[warp], acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 256; e += 32) {
                const long long r = row0 + wm * 64 + i * 16 + e / 16, c = col0 + wn * 32 + j * 16 + e % 16;
                if (r < M && c < N) C[r * N + c] = __float2half_rn(stage[warp][e]);
            }
            __syncwarp();
        }
}
