// rmsnorm over each row: out = x / sqrt(mean(x^2) + eps) * weight. One block per row, sized to the
// row (about 16 elements per thread, 32 to 1024 threads). Rows of up to 16 * blockDim elements are
// read ONCE into registers (float4 loads where N % 4 == 0, else coalesced scalars), one block
// reduction gives the mean square, the scaled row is written from the registers. Longer rows
// (N > 16384) re-read the row (mostly from L2) for the write.
//! kernel: rmsnorm
//! global: M * min(1024, max(32, round_up(cdiv(N, 16), 32)))
//! local: min(1024, max(32, round_up(cdiv(N, 16), 32)))
#define PER_THREAD 16

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

template <bool VEC>
__device__ __forceinline__ int slot(int k, int e, int tid, int nt) {  // < 16 * 1024: 32-bit is enough
    return VEC ? 4 * (tid + k * nt) + e : tid + (4 * k + e) * nt;
}

template <bool VEC>
__device__ __forceinline__ void cached_row(const float *__restrict__ row, const float *__restrict__ w,
                                           float *__restrict__ orow, int N, float eps, float *sm) {
    const int tid = threadIdx.x, nt = blockDim.x;
    float v[PER_THREAD];
#pragma unroll
    for (int k = 0; k < PER_THREAD / 4; ++k) {
        if (VEC) {
            const int j = slot<true>(k, 0, tid, nt);
            const float4 a = j < N ? __ldcs(reinterpret_cast<const float4 *>(row + j)) : make_float4(0.f, 0.f, 0.f, 0.f);
            v[4 * k] = a.x; v[4 * k + 1] = a.y; v[4 * k + 2] = a.z; v[4 * k + 3] = a.w;
        } else {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int j = slot<false>(k, e, tid, nt);
                v[4 * k + e] = j < N ? __ldcs(row + j) : 0.0f;
            }
        }
    }
    float q = 0.0f;
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) q += v[i] * v[i];
    const float r = 1.0f / sqrtf(block_sum(q, sm) / (float)N + eps);
#pragma unroll
    for (int k = 0; k < PER_THREAD / 4; ++k) {
        if (VEC) {
            const int j = slot<true>(k, 0, tid, nt);
            if (j < N) {
                const float4 wv = __ldg(reinterpret_cast<const float4 *>(w + j));
                __stcs(reinterpret_cast<float4 *>(orow + j),
                       make_float4(v[4 * k] * r * wv.x, v[4 * k + 1] * r * wv.y, v[4 * k + 2] * r * wv.z,
                                   v[4 * k + 3] * r * wv.w));
            }
        } else {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int j = slot<false>(k, e, tid, nt);
                if (j < N) __stcs(orow + j, v[4 * k + e] * r * __ldg(w + j));
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(1024)
rmsnorm(const float *__restrict__ x, const float *__restrict__ weight, float *__restrict__ out, long long M,
        long long N, float eps) {
    __shared__ float sm[32];
    const float *row = x + (long long)blockIdx.x * N;
    float *orow = out + (long long)blockIdx.x * N;
    const int tid = threadIdx.x, nt = blockDim.x;
    if (N <= (long long)PER_THREAD * nt) {
        if ((N & 3) == 0) cached_row<true>(row, weight, orow, (int)N, eps, sm);
        else cached_row<false>(row, weight, orow, (int)N, eps, sm);
        return;
    }
    float q = 0.0f;
    for (long long j = tid; j < N; j += nt) { const float a = row[j]; q += a * a; }
    const float r = 1.0f / sqrtf(block_sum(q, sm) / (float)N + eps);
    for (long long j = tid; j < N; j += nt) orow[j] = row[j] * r * weight[j];
}
