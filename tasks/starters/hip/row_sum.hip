// row_sum: out[i] = sum_j x[i, j]; one 256-thread workgroup (4 wave64s) per row, strided loads,
// a wave shuffle tree, then the 4 wave partials through LDS.
//! kernel: row_sum
//! global: M * 256
//! local: 256
#include <hip/hip_runtime.h>

extern "C" __global__ void row_sum(const float *__restrict__ x, float *__restrict__ out, long long M, long long N) {
    __shared__ float part[4];
    const float *row = x + (long long)blockIdx.x * N;
    float s = 0.0f;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) s += row[j];
    for (int o = 32; o > 0; o >>= 1) s += __shfl_xor(s, o);
    if (threadIdx.x % 64 == 0) part[threadIdx.x / 64] = s;
    __syncthreads();
    if (threadIdx.x == 0) out[blockIdx.x] = part[0] + part[1] + part[2] + part[3];
}
