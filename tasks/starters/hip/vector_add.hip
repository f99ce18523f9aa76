#include <hip/hip_runtime.h>
// vector_add: out = x + y, one thread per element, 256-thread blocks, guarded tail.
//! kernel: vector_add
//! global: round_up(n, 256)
//! local: 256
extern "C" __global__ void vector_add(const float *__restrict__ x, const float *__restrict__ y,
                                      float *__restrict__ out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = x[i] + y[i];
}
