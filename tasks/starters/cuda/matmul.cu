// matmul: C = A @ B in fp32, 64x64 tiles per 256-thread block, each thread a 4x4 micro-tile,
// K in steps of 16 through shared memory; guarded edges for any M, N, K.
//! kernel: matmul
//! global: cdiv(N, 64) * 16, cdiv(M, 64) * 16
//! local: 16, 16
#define TM 64
#define TN 64
#define TK 16
extern "C" __global__ void matmul(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
                                  long long M, long long N, long long K) {
    __shared__ float As[TK][TM];
    __shared__ float Bs[TK][TN];
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    long long row0 = (long long)blockIdx.y * TM, col0 = (long long)blockIdx.x * TN;
    float acc[4][4] = {};
    for (long long k0 = 0; k0 < K; k0 += TK) {
        for (int i = tid; i < TM * TK; i += 256) {       // A tile: TM rows x TK cols, stored transposed
            int r = i / TK, c = i % TK;
            long long gr = row0 + r, gc = k0 + c;
            As[c][r] = (gr < M && gc < K) ? A[gr * K + gc] : 0.0f;
        }
        for (int i = tid; i < TK * TN; i += 256) {       // B tile: TK rows x TN cols
            int r = i / TN, c = i % TN;
            long long gr = k0 + r, gc = col0 + c;
            Bs[r][c] = (gr < K && gc < N) ? B[gr * N + gc] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TK; ++k) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) a[i] = As[k][ty * 4 + i];
#pragma unroll
            for (int j = 0; j < 4; ++j) b[j] = Bs[k][tx * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
            long long r = row0 + ty * 4 + i, c = col0 + tx * 4 + j;
            if (r < M && c < N) C[r * N + c] = acc[i][j];
        }
}
