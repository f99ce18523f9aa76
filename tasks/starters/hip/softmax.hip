// softmax: one 256-thread workgroup (4 wave64s) per row; workgroup-wide max and sum through
// wave shuffles and LDS, then a normalizing pass. Three passes over the row (max, sum of exp, write).
//! kernel: softmax
//! global: M * 256
//! local: 256
#include <hip/hip_runtime.h>

__device__ float block_reduce(float v, float *sm, bool is_max) {
    for (int o = warpSize / 2; o > 0; o >>= 1) {
        float w = __shfl_xor(v, o);
        v = is_max ? fmaxf(v, w) : v + w;
    }
    int lane = threadIdx.x % warpSize, wave = threadIdx.x / warpSize, waves = blockDim.x / warpSize;
    if (lane == 0) sm[wave] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float r = sm[0];
        for (int i = 1; i < waves; ++i) r = is_max ? fmaxf(r, sm[i]) : r + sm[i];
        sm[16] = r;
    }
    __syncthreads();
    v = sm[16];
    __syncthreads();
    return v;
}

extern "C" __global__ void softmax(const float *__restrict__ x, float *__restrict__ out, long long M, long long N) {
    __shared__ float sm[17];
    const float *row = x + (long long)blockIdx.x * N;
    float *orow = out + (long long)blockIdx.x * N;
    float m = -INFINITY;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) m = fmaxf(m, row[j]);
    m = block_reduce(m, sm, true);
    float s = 0.0f;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) s += __expf(row[j] - m);
    s = block_reduce(s, sm, false);
    float inv = 1.0f / s;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) orow[j] = __expf(row[j] - m) * inv;
}
