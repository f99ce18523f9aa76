// sum of a vector into out[0]. Launch 1: each 256-thread block reduces a contiguous chunk of 8192
// elements (8 float4 loads per thread, all in flight before use; a scalar tail past the last whole
// float4) into partial[block]. Launch 2: one 1024-thread block adds the partials and writes out[0].
// No atomics and no zero-initialised state: out and the scratch arrive poisoned.
//! scratch: partial float32 cdiv(n, 8192)
//! kernel: partial_sums
//! global: cdiv(n, 8192) * 256
//! local: 256
//! args: x, partial, n
//! kernel: final_sum
//! global: 1024
//! local: 1024
//! args: partial, out, n
#define CHUNK 8192

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float block_sum(float v, float *sm) {
    v = warp_sum(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) sm[warp] = v;
    __syncthreads();
    return warp_sum(lane < (int)(blockDim.x >> 5) ? sm[lane] : 0.0f);
}

extern "C" __global__ void __launch_bounds__(256)
partial_sums(const float *__restrict__ x, float *__restrict__ partial, long long n) {
    __shared__ float sm[32];
    const long long base = (long long)blockIdx.x * CHUNK;  // a multiple of 4: float4-aligned
    const float4 *x4 = reinterpret_cast<const float4 *>(x + base);
    float4 v[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
        const long long e = base + 4LL * (threadIdx.x + k * 256);
        v[k] = e + 3 < n ? __ldcs(x4 + threadIdx.x + k * 256) : make_float4(0.f, 0.f, 0.f, 0.f);
    }
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
        const long long e = base + 4LL * (threadIdx.x + k * 256);
        s += (v[k].x + v[k].y) + (v[k].z + v[k].w);
        if (e + 3 >= n)
            for (long long j = e; j < n; ++j) s += x[j];
    }
    s = block_sum(s, sm);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

extern "C" __global__ void __launch_bounds__(1024)
final_sum(const float *__restrict__ partial, float *__restrict__ out, long long n) {
    __shared__ float sm[32];
    const long long blocks = (n + CHUNK - 1) / CHUNK;
    float s = 0.0f;
    for (long long j = threadIdx.x; j < blocks; j += 1024) s += partial[j];
    s = block_sum(s, sm);
    if (threadIdx.x == 0) out[0] = s;
}
