// conv1d, 'same' zero padding: y[i] = sum_k w[k] x[i + k - K/2]. Each 256-thread block computes
// 1024 outputs: it stages w and the input window x[base - K/2, base + 1024 + K/2) (zeros outside
// [0, N)) in dynamic shared memory, then each thread accumulates 4 outputs spaced 256 apart, so a
// warp reads consecutive shared words (no bank conflicts) and w[k] is a broadcast.
// Shared memory: K + 1024 + K - 1 floats (up to K of about 5600 within the 48 KB default).
//! kernel: conv1d
//! global: cdiv(N, 1024) * 256
//! local: 256
//! args: x, w, y, N, K, local(float, 2 * K + 1024)
#define TILE 1024
#define NT 256

extern "C" __global__ void __launch_bounds__(NT)
conv1d(const float *__restrict__ x, const float *__restrict__ w, float *__restrict__ y, long long N, long long K) {
    extern __shared__ float smem[];
    float *ws = smem, *xs = smem + K;  // ws[K], xs[TILE + K - 1]
    const int tid = threadIdx.x;
    const long long h = K / 2, base = (long long)blockIdx.x * TILE;
    for (long long k = tid; k < K; k += NT) ws[k] = w[k];
    const long long span = TILE + K - 1;
    for (long long j = tid; j < span; j += NT) {
        const long long g = base - h + j;
        xs[j] = (g >= 0 && g < N) ? x[g] : 0.0f;
    }
    __syncthreads();
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    for (long long k = 0; k < K; ++k) {
        const float wk = ws[k];
#pragma unroll
        for (int r = 0; r < 4; ++r) acc[r] = fmaf(wk, xs[tid + r * NT + k], acc[r]);
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const long long i = base + tid + r * NT;
        if (i < N) y[i] = acc[r];
    }
}
