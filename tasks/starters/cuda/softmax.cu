// softmax over each row. One block per row, sized to the row (about 16 elements per thread, 32 to
// 1024 threads). Rows of up to 16 * blockDim elements are read ONCE into registers (float4 loads
// where N % 4 == 0, else coalesced scalars): each thread takes its local max m and local sum
// s = sum exp(x - m), one block reduction combines the (m, s) pairs online, and each thread rescales
// its cached exponentials by exp(m - M) / S. Longer rows (N > 16384) fall back to an online
// max/sum pass and a write pass (the row is then re-read, mostly from L2).
//! kernel: softmax
//! global: M * min(1024, max(32, round_up(cdiv(N, 16), 32)))
//! local: min(1024, max(32, round_up(cdiv(N, 16), 32)))
#define PER_THREAD 16

// Combine two online-softmax states (max m, sum of exp(x - m)); -inf maxima carry no mass.
__device__ __forceinline__ void combine(float &m, float &s, float m2, float s2) {
    const float mn = fmaxf(m, m2);
    if (mn == -INFINITY) return;  // both empty
    s = s * __expf(m - mn) + s2 * __expf(m2 - mn);
    m = mn;
}

__device__ __forceinline__ void warp_combine(float &m, float &s) {
    for (int o = 16; o > 0; o >>= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        combine(m, s, m2, s2);
    }
}

// Block-wide (max, sum) combination; every thread gets the result.
__device__ __forceinline__ void block_combine(float &m, float &s, float *sm) {
    warp_combine(m, s);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sm[warp] = m; sm[32 + warp] = s; }
    __syncthreads();
    const bool has = lane < (int)(blockDim.x >> 5);
    m = has ? sm[lane] : -INFINITY;
    s = has ? sm[32 + lane] : 0.0f;
    warp_combine(m, s);
}

// Element index of cached slot (k, e): float4 k of thread tid (vector rows) or a coalesced
// scalar stride (other rows).
template <bool VEC>
__device__ __forceinline__ int slot(int k, int e, int tid, int nt) {  // < 16 * 1024: 32-bit is enough
    return VEC ? 4 * (tid + k * nt) + e : tid + (4 * k + e) * nt;
}

template <bool VEC>
__device__ __forceinline__ void cached_row(const float *__restrict__ row, float *__restrict__ orow, int N,
                                           float *sm) {
    const int tid = threadIdx.x, nt = blockDim.x;
    float v[PER_THREAD];
#pragma unroll
    for (int k = 0; k < PER_THREAD / 4; ++k) {
        if (VEC) {
            const int j = slot<true>(k, 0, tid, nt);
            float4 a = j < N ? __ldcs(reinterpret_cast<const float4 *>(row + j))
                             : make_float4(-INFINITY, -INFINITY, -INFINITY, -INFINITY);
            v[4 * k] = a.x; v[4 * k + 1] = a.y; v[4 * k + 2] = a.z; v[4 * k + 3] = a.w;
        } else {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int j = slot<false>(k, e, tid, nt);
                v[4 * k + e] = j < N ? __ldcs(row + j) : -INFINITY;
            }
        }
    }
    float m = -INFINITY;
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) m = fmaxf(m, v[i]);
    float s = 0.0f;
    if (m != -INFINITY) {
#pragma unroll
        for (int i = 0; i < PER_THREAD; ++i) { v[i] = __expf(v[i] - m); s += v[i]; }
    }
    const float m_local = m;
    block_combine(m, s, sm);
    const float f = m_local == -INFINITY ? 0.0f : __expf(m_local - m) / s;
#pragma unroll
    for (int k = 0; k < PER_THREAD / 4; ++k) {
        if (VEC) {
            const int j = slot<true>(k, 0, tid, nt);
            if (j < N)
                __stcs(reinterpret_cast<float4 *>(orow + j),
                       make_float4(v[4 * k] * f, v[4 * k + 1] * f, v[4 * k + 2] * f, v[4 * k + 3] * f));
        } else {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int j = slot<false>(k, e, tid, nt);
                if (j < N) __stcs(orow + j, v[4 * k + e] * f);
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(1024)
softmax(const float *__restrict__ x, float *__restrict__ out, long long M, long long N) {
    __shared__ float sm[64];
    const float *row = x + (long long)blockIdx.x * N;
    float *orow = out + (long long)blockIdx.x * N;
    const int tid = threadIdx.x, nt = blockDim.x;
    if (N <= (long long)PER_THREAD * nt) {
        if ((N & 3) == 0) cached_row<true>(row, orow, (int)N, sm);
        else cached_row<false>(row, orow, (int)N, sm);
        return;
    }
    // long rows: online (max, sum) in one pass, then normalise in a second
    float m = -INFINITY, s = 0.0f;
    for (long long j = tid; j < N; j += nt) {
        const float xv = row[j];
        if (xv > m) { s = s * __expf(m - xv) + 1.0f; m = xv; }
        else s += __expf(xv - m);
    }
    block_combine(m, s, sm);
    const float inv = 1.0f / s;
    for (long long j = tid; j < N; j += nt) orow[j] = __expf(row[j] - m) * inv;
}
