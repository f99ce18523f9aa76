// layernorm over each row: out = (x - mean) / sqrt(var + eps) * weight + bias (biased variance).
// One block per row, sized to the row (about 16 elements per thread, 32 to 1024 threads). Rows of
// up to 16 * blockDim elements are read ONCE into registers (float4 loads where N % 4 == 0, else
// coalesced scalars); the mean and then the variance of the cached deviations (two-pass, exact
// from registers) come from block reductions, and the normalised row is written. Longer rows
// (N > 16384) re-read the row (mostly from L2) for each of the three steps.
//! kernel: layernorm
//! global: M * min(1024, max(32, round_up(cdiv(N, 16), 32)))
//! local: min(1024, max(32, round_up(cdiv(N, 16), 32)))
#define PER_THREAD 16

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Sum over the block, result in every thread; sm is reused, hence the leading barrier.
__device__ __forceinline__ float block_sum(float v, float *sm) {
    v = warp_sum(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
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
                                           const float *__restrict__ b, float *__restrict__ orow, int N,
                                           float eps, float *sm) {
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
    float s = 0.0f;
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) s += v[i];
    const float mean = block_sum(s, sm) / (float)N;
    float q = 0.0f;
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) {
        v[i] -= mean;
        if (slot<VEC>(i / 4, i % 4, tid, nt) < N) q += v[i] * v[i];
    }
    const float rstd = 1.0f / sqrtf(block_sum(q, sm) / (float)N + eps);
#pragma unroll
    for (int k = 0; k < PER_THREAD / 4; ++k) {
        if (VEC) {
            const int j = slot<true>(k, 0, tid, nt);
            if (j < N) {
                const float4 wv = __ldg(reinterpret_cast<const float4 *>(w + j));
                const float4 bv = __ldg(reinterpret_cast<const float4 *>(b + j));
                __stcs(reinterpret_cast<float4 *>(orow + j),
                       make_float4(fmaf(v[4 * k] * rstd, wv.x, bv.x), fmaf(v[4 * k + 1] * rstd, wv.y, bv.y),
                                   fmaf(v[4 * k + 2] * rstd, wv.z, bv.z), fmaf(v[4 * k + 3] * rstd, wv.w, bv.w)));
            }
        } else {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int j = slot<false>(k, e, tid, nt);
                if (j < N) __stcs(orow + j, fmaf(v[4 * k + e] * rstd, __ldg(w + j), __ldg(b + j)));
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(1024)
layernorm(const float *__restrict__ x, const float *__restrict__ weight, const float *__restrict__ bias,
          float *__restrict__ out, long long M, long long N, float eps) {
    __shared__ float sm[32];
    const float *row = x + (long long)blockIdx.x * N;
    float *orow = out + (long long)blockIdx.x * N;
    const int tid = threadIdx.x, nt = blockDim.x;
    if (N <= (long long)PER_THREAD * nt) {
        if ((N & 3) == 0) cached_row<true>(row, weight, bias, orow, (int)N, eps, sm);
        else cached_row<false>(row, weight, bias, orow, (int)N, eps, sm);
        return;
    }
    float s = 0.0f;
    for (long long j = tid; j < N; j += nt) s += row[j];
    const float mean = block_sum(s, sm) / (float)N;
    float q = 0.0f;
    for (long long j = tid; j < N; j += nt) { const float d = row[j] - mean; q += d * d; }
    const float rstd = 1.0f / sqrtf(block_sum(q, sm) / (float)N + eps);
    for (long long j = tid; j < N; j += nt) orow[j] = fmaf((row[j] - mean) * rstd, weight[j], bias[j]);
}
