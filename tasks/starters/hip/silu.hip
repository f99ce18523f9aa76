// silu: out = x * sigmoid(x), one thread per element, 256-thread blocks, guarded tail.
// expf(-v) overflows to inf for v << 0, giving v / inf = -0: the right limit.
//! kernel: silu
//! global: round_up(n, 256)
//! local: 256
#include <hip/hip_runtime.h>

extern "C" __global__ __launch_bounds__(256) void silu(const float *__restrict__ x, float *__restrict__ out,
                                                       long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        out[i] = v / (1.0f + expf(-v));
    }
}
