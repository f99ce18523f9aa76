// sum: out[0] = sum_i x[i], in two launches: up to 512 workgroups each reduce one contiguous chunk of x
// into partial[group]; then one workgroup adds the partials. Each workgroup's chunk is a multiple of
// 256 long and read with stride 256 (coalesced); reductions are a wave shuffle tree plus LDS.
//! scratch: partial float32 512
//! kernel: sum_partial
//! global: min(cdiv(n, 8192), 512) * 256
//! local: 256
//! args: x, partial, n
//! kernel: sum_final
//! global: 256
//! local: 256
//! args: partial, out, n
#include <hip/hip_runtime.h>

#define WG 256
#define PER_GROUP 8192
#define MAX_GROUPS 512

// Sum of v over the workgroup, returned to every thread (LDS slot per wave, then a broadcast).
__device__ float block_sum(float v, float *part) {
    for (int o = 32; o > 0; o >>= 1) v += __shfl_xor(v, o);
    if (threadIdx.x % 64 == 0) part[threadIdx.x / 64] = v;
    __syncthreads();
    float s = part[0] + part[1] + part[2] + part[3];
    __syncthreads();
    return s;
}

extern "C" __global__ __launch_bounds__(WG) void sum_partial(const float *__restrict__ x, float *__restrict__ partial,
                                                             long long n) {
    __shared__ float part[WG / 64];
    const long long groups = gridDim.x;
    const long long chunk = ((n + groups - 1) / groups + WG - 1) / WG * WG;
    const long long start = (long long)blockIdx.x * chunk;
    const long long end = start + chunk < n ? start + chunk : n;
    float acc = 0.0f;
    for (long long i = start + threadIdx.x; i < end; i += WG) acc += x[i];
    float s = block_sum(acc, part);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

extern "C" __global__ __launch_bounds__(WG) void sum_final(const float *__restrict__ partial, float *__restrict__ out,
                                                           long long n) {
    __shared__ float part[WG / 64];
    long long groups = (n + PER_GROUP - 1) / PER_GROUP;  // as in sum_partial's global
    if (groups > MAX_GROUPS) groups = MAX_GROUPS;
    float acc = 0.0f;
    for (long long g = threadIdx.x; g < groups; g += WG) acc += partial[g];
    float s = block_sum(acc, part);
    if (threadIdx.x == 0) out[0] = s;
}
