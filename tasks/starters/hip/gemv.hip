// gemv: y = A @ x in fp32. One 256-thread workgroup (4 wave64s) per row of A: the threads stride along
// the row (coalesced loads, fused multiply-add), then a wave shuffle tree and the 4 wave partials
// through LDS.
//! kernel: gemv
//! global: M * 256
//! local: 256
#include <hip/hip_runtime.h>

#define WG 256

extern "C" __global__ __launch_bounds__(WG) void gemv(const float *__restrict__ A, const float *__restrict__ x,
                                                      float *__restrict__ y, long long M, long long N) {
    __shared__ float part[WG / 64];
    const float *a = A + (long long)blockIdx.x * N;
    float acc = 0.0f;
    for (long long j = threadIdx.x; j < N; j += WG) acc = fmaf(a[j], x[j], acc);
    for (int o = 32; o > 0; o >>= 1) acc += __shfl_xor(acc, o);
    if (threadIdx.x % 64 == 0) part[threadIdx.x / 64] = acc;
    __syncthreads();
    if (threadIdx.x == 0) y[blockIdx.x] = part[0] + part[1] + part[2] + part[3];
}
