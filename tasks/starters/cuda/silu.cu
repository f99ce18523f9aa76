// silu (swish): out = x / (1 + exp(-x)); exp -> inf for very negative x gives -0, exp -> 0 gives x.
// Each thread handles two float4s (8 elements, both 16-byte loads in flight before use); the tail
// past the last whole float4 is done element by element.
//! kernel: silu
//! global: round_up(cdiv(n, 8), 256)
//! local: 256
__device__ __forceinline__ float silu1(float x) {
    return __fdividef(x, 1.0f + __expf(-x));  // fast forms: the error stays ~1e-6 relative
}

extern "C" __global__ void silu(const float *__restrict__ x, float *__restrict__ out, long long n) {
    const long long i0 = (long long)blockIdx.x * blockDim.x * 2 + threadIdx.x;  // float4 index
    float4 v[2];
#pragma unroll
    for (int k = 0; k < 2; ++k) {
        const long long e = 4 * (i0 + (long long)k * blockDim.x);
        v[k] = e + 3 < n ? __ldcs(reinterpret_cast<const float4 *>(x) + e / 4) : make_float4(0.f, 0.f, 0.f, 0.f);
    }
#pragma unroll
    for (int k = 0; k < 2; ++k) {
        const long long e = 4 * (i0 + (long long)k * blockDim.x);
        if (e + 3 < n) {
            __stcs(reinterpret_cast<float4 *>(out) + e / 4,
                   make_float4(silu1(v[k].x), silu1(v[k].y), silu1(v[k].z), silu1(v[k].w)));
        } else {
            for (long long j = e; j < n; ++j) out[j] = silu1(x[j]);
        }
    }
}
