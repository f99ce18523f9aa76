// layernorm: out[i, j] = (x[i, j] - mean_i) / sqrt(var_i + eps) * weight[j] + bias[j]. One 256-thread
// workgroup (4 wave64s) per row; two-pass mean and variance (no E[x^2] - E[x]^2 cancellation), each a
// wave shuffle tree plus the 4 wave partials through LDS.
//! kernel: layernorm
//! global: M * 256
//! local: 256
#include <hip/hip_runtime.h>

#define WG 256

// Sum of v over the workgroup, returned to every thread (LDS slot per wave, then a broadcast).
__device__ float block_sum(float v, float *part) {
    for (int o = 32; o > 0; o >>= 1) v += __shfl_xor(v, o);
    if (threadIdx.x % 64 == 0) part[threadIdx.x / 64] = v;
    __syncthreads();
    float s = part[0] + part[1] + part[2] + part[3];
    __syncthreads();
    return s;
}

extern "C" __global__ __launch_bounds__(WG) void layernorm(const float *__restrict__ x,
                                                           const float *__restrict__ weight,
                                                           const float *__restrict__ bias, float *__restrict__ out,
                                                           long long M, long long N, float eps) {
    __shared__ float part[WG / 64];
    const float *row = x + (long long)blockIdx.x * N;
    float *orow = out + (long long)blockIdx.x * N;
    float s = 0.0f;
    for (long long j = threadIdx.x; j < N; j += WG) s += row[j];
    const float mean = block_sum(s, part) / (float)N;
    float q = 0.0f;
    for (long long j = threadIdx.x; j < N; j += WG) {
        float d = row[j] - mean;
        q += d * d;
    }
    const float rstd = 1.0f / sqrtf(block_sum(q, part) / (float)N + eps);
    for (long long j = threadIdx.x; j < N; j += WG) orow[j] = (row[j] - mean) * rstd * weight[j] + bias[j];
}
