// vector_add: out = x + y. Each thread handles two float4s of each input (8 elements; all four
// 16-byte loads in flight before use); the tail past the last whole float4 is done element by
// element.
//! kernel: vector_add
//! global: round_up(cdiv(n, 8), 256)
//! local: 256
extern "C" __global__ void vector_add(const float *__restrict__ x, const float *__restrict__ y,
                                      float *__restrict__ out, long long n) {
    const long long i0 = (long long)blockIdx.x * blockDim.x * 2 + threadIdx.x;  // float4 index
    float4 a[2], b[2];
#pragma unroll
    for (int k = 0; k < 2; ++k) {
        const long long e = 4 * (i0 + (long long)k * blockDim.x);
        const bool whole = e + 3 < n;
        a[k] = whole ? __ldcs(reinterpret_cast<const float4 *>(x) + e / 4) : make_float4(0.f, 0.f, 0.f, 0.f);
        b[k] = whole ? __ldcs(reinterpret_cast<const float4 *>(y) + e / 4) : make_float4(0.f, 0.f, 0.f, 0.f);
    }
#pragma unroll
    for (int k = 0; k < 2; ++k) {
        const long long e = 4 * (i0 + (long long)k * blockDim.x);
        if (e + 3 < n) {
            __stcs(reinterpret_cast<float4 *>(out) + e / 4,
                   make_float4(a[k].x + b[k].x, a[k].y + b[k].y, a[k].z + b[k].z, a[k].w + b[k].w));
        } else {
            for (long long j = e; j < n; ++j) out[j] = x[j] + y[j];
        }
    }
}
