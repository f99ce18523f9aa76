// matmul: C = A @ B in fp32 on the CUDA cores (exact fp32 products: TF32 tensor cores would miss the
// task's tolerance). Register-blocked SIMT: a 256-thread block computes a 64x64 tile of C, each thread
// a 4x4 micro-tile fed by 16-byte shared-memory reads (A kept transposed, k-major, so a thread's 4
// rows are one float4). K advances 16 at a time through two shared-memory buffers: the next tile is
// read from global memory into registers while the current one is multiplied, then stored into the
// other buffer, one barrier per step. 64x64 tiles (not 128x128) so the suite's 512-1024 sizes still
// spread over the GPU's 132 SMs; where the tiles are still too few to fill about 2 blocks per SM
// (264), K is split over the grid's z dimension (at least 128 of K per split) and the splits add their
// partial sums into C with atomics, after `matmul_zero` cleared it (it returns at once when there is
// no split). Loads are 16-byte when K and N are multiples of 4, element-wise (guarded) otherwise;
// edges are zero-filled and only in-range elements are written, so any M, N, K.
//! kernel: matmul_zero
//! global: round_up(M * N * min(max(1, min(264 // (cdiv(M, 64) * cdiv(N, 64)), cdiv(K, 128))) - 1, 1) + 1, 256)
//! local: 256
//! kernel: matmul
//! global: cdiv(N, 64) * 16, cdiv(M, 64) * 16, max(1, min(264 // (cdiv(M, 64) * cdiv(N, 64)), cdiv(K, 128)))
//! local: 16, 16, 1
#include <stdint.h>

#ifndef KH_BM
#define KH_BM 64   // block tile rows
#endif
#ifndef KH_BN
#define KH_BN 64   // block tile columns
#endif
#ifndef KH_BK
#define KH_BK 16
#endif
#ifndef KH_TM
#define KH_TM 4    // rows per thread (multiple of 4)
#endif
#ifndef KH_TN
#define KH_TN 4    // columns per thread (multiple of 4)
#endif

namespace {
constexpr int BM = KH_BM, BN = KH_BN, BK = KH_BK, TM = KH_TM, TN = KH_TN;
constexpr int TX = BN / TN, TY = BM / TM, THREADS = TX * TY;
constexpr int A_LOADS = BM * BK / 4 / THREADS, B_LOADS = BK * BN / 4 / THREADS;  // float4s per thread
static_assert(BM * BK % (4 * THREADS) == 0 && BK * BN % (4 * THREADS) == 0, "tile loads must divide");
static_assert(TM % 4 == 0 && TN % 4 == 0, "micro-tile must be float4 groups");
constexpr long long SPLIT_BLOCKS = 264, SPLIT_MIN_K = 128;  // ~2 blocks per SM on the H100's 132

// K splits of the launch (the directive's z size, recomputed for matmul_zero)
__device__ __forceinline__ long long k_splits(long long M, long long N, long long K) {
    const long long tiles = ((M + BM - 1) / BM) * ((N + BN - 1) / BN);
    return max(1LL, min(SPLIT_BLOCKS / tiles, (K + SPLIT_MIN_K - 1) / SPLIT_MIN_K));
}
}  // namespace

extern "C" __global__ void matmul_zero(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
                                       long long M, long long N, long long K) {
    if (k_splits(M, N, K) == 1) return;  // matmul stores C directly
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < M * N; i += (long long)gridDim.x * blockDim.x)
        C[i] = 0.0f;
}

extern "C" __global__ void __launch_bounds__(THREADS)
matmul(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
       long long M, long long N, long long K) {
    __shared__ __align__(16) float As[2][BK][BM];  // transposed: As[k][m]
    __shared__ __align__(16) float Bs[2][BK][BN];
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * TX + tx;
    const long long row0 = (long long)blockIdx.y * BM, col0 = (long long)blockIdx.x * BN;
    const bool vec = ((K | N) & 3) == 0 &&
                     ((reinterpret_cast<uintptr_t>(A) | reinterpret_cast<uintptr_t>(B)) & 15) == 0;
    // this block's K range: split blockIdx.z of gridDim.z, whole BK tiles each
    const long long splits = gridDim.z, kchunk = ((K + splits - 1) / splits + BK - 1) / BK * BK;
    const long long kbeg = blockIdx.z * kchunk, kend = min(K, kbeg + kchunk);
    const int ktiles = kend > kbeg ? (int)((kend - kbeg + BK - 1) / BK) : 0;

    float4 ra[A_LOADS], rb[B_LOADS];  // next tile, staged in registers
    auto load = [&](long long k0) {
#pragma unroll
        for (int i = 0; i < A_LOADS; ++i) {
            const int e = tid + i * THREADS, r = e / (BK / 4), c = (e % (BK / 4)) * 4;
            const long long gr = row0 + r, gk = k0 + c;
            if (vec) {
                ra[i] = (gr < M && gk < kend) ? *reinterpret_cast<const float4 *>(A + gr * K + gk)
                                           : make_float4(0.f, 0.f, 0.f, 0.f);
            } else {
                const bool ok = gr < M;
                ra[i].x = ok && gk < kend ? A[gr * K + gk] : 0.f;
                ra[i].y = ok && gk + 1 < kend ? A[gr * K + gk + 1] : 0.f;
                ra[i].z = ok && gk + 2 < kend ? A[gr * K + gk + 2] : 0.f;
                ra[i].w = ok && gk + 3 < kend ? A[gr * K + gk + 3] : 0.f;
            }
        }
#pragma unroll
        for (int i = 0; i < B_LOADS; ++i) {
            const int e = tid + i * THREADS, r = e / (BN / 4), c = (e % (BN / 4)) * 4;
            const long long gk = k0 + r, gc = col0 + c;
            if (vec) {
                rb[i] = (gk < kend && gc < N) ? *reinterpret_cast<const float4 *>(B + gk * N + gc)
                                           : make_float4(0.f, 0.f, 0.f, 0.f);
            } else {
                const bool ok = gk < kend;
                rb[i].x = ok && gc < N ? B[gk * N + gc] : 0.f;
                rb[i].y = ok && gc + 1 < N ? B[gk * N + gc + 1] : 0.f;
                rb[i].z = ok && gc + 2 < N ? B[gk * N + gc + 2] : 0.f;
                rb[i].w = ok && gc + 3 < N ? B[gk * N + gc + 3] : 0.f;
            }
        }
    };
    auto store = [&](int buf) {
#pragma unroll
        for (int i = 0; i < A_LOADS; ++i) {
            const int e = tid + i * THREADS, r = e / (BK / 4), c = (e % (BK / 4)) * 4;
            As[buf][c][r] = ra[i].x;
            As[buf][c + 1][r] = ra[i].y;
            As[buf][c + 2][r] = ra[i].z;
            As[buf][c + 3][r] = ra[i].w;
        }
#pragma unroll
        for (int i = 0; i < B_LOADS; ++i) {
            const int e = tid + i * THREADS, r = e / (BN / 4), c = (e % (BN / 4)) * 4;
            *reinterpret_cast<float4 *>(&Bs[buf][r][c]) = rb[i];
        }
    };

    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;

    // a thread's rows: float4 groups at ty*4 + g*(BM/(TM/4)); columns likewise (conflict-free reads)
    load(kbeg);
    store(0);
    __syncthreads();
    for (int kt = 0; kt < ktiles; ++kt) {
        const int cur = kt & 1;
        if (kt + 1 < ktiles) load(kbeg + (long long)(kt + 1) * BK);
#pragma unroll
        for (int k = 0; k < BK; ++k) {
            float a[TM], b[TN];
#pragma unroll
            for (int g = 0; g < TM / 4; ++g)
                *reinterpret_cast<float4 *>(&a[4 * g]) =
                    *reinterpret_cast<const float4 *>(&As[cur][k][ty * 4 + g * (BM / (TM / 4))]);
#pragma unroll
            for (int g = 0; g < TN / 4; ++g)
                *reinterpret_cast<float4 *>(&b[4 * g]) =
                    *reinterpret_cast<const float4 *>(&Bs[cur][k][tx * 4 + g * (BN / (TN / 4))]);
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        if (kt + 1 < ktiles) store(cur ^ 1);
        __syncthreads();
    }

    if (splits > 1) {  // partial sums: add into the zeroed C
#pragma unroll
        for (int i = 0; i < TM; ++i) {
            const long long r = row0 + ty * 4 + (i / 4) * (BM / (TM / 4)) + (i % 4);
#pragma unroll
            for (int j = 0; j < TN; ++j) {
                const long long c = col0 + tx * 4 + (j / 4) * (BN / (TN / 4)) + (j % 4);
                if (r < M && c < N) atomicAdd(C + r * N + c, acc[i][j]);
            }
        }
        return;
    }
    const bool vstore = (N & 3) == 0 && (reinterpret_cast<uintptr_t>(C) & 15) == 0;
#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const long long r = row0 + ty * 4 + (i / 4) * (BM / (TM / 4)) + (i % 4);
        if (r >= M) continue;
#pragma unroll
        for (int g = 0; g < TN / 4; ++g) {
            const long long c = col0 + tx * 4 + g * (BN / (TN / 4));
            if (vstore && c + 3 < N) {
                *reinterpret_cast<float4 *>(C + r * N + c) =
                    make_float4(acc[i][4 * g], acc[i][4 * g + 1], acc[i][4 * g + 2], acc[i][4 * g + 3]);
            } else {
#pragma unroll
                for (int q = 0; q < 4; ++q)
                    if (c + q < N) C[r * N + c + q] = acc[i][4 * g + q];
            }
        }
    }
}
