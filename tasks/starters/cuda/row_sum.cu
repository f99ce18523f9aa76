// row_sum: out[r] = sum of row r. One block per row, sized to the row: about 16 elements per thread
// (32 to 1024 threads), so short rows do not idle 256 threads and long rows keep many loads in
// flight. Rows whose length is a multiple of 4 are read as float4 (16-byte loads), four independent
// loads issued per thread before any is used; other rows as scalars, 8 in flight.
//! kernel: row_sum
//! global: M * min(1024, max(32, round_up(cdiv(N, 16), 32)))
//! local: min(1024, max(32, round_up(cdiv(N, 16), 32)))
__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Sum over the block; every thread gets the result (each warp reduces the per-warp partials itself).
__device__ __forceinline__ float block_sum(float v, float *sm) {
    v = warp_sum(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) sm[warp] = v;
    __syncthreads();
    return warp_sum(lane < (int)(blockDim.x >> 5) ? sm[lane] : 0.0f);
}

extern "C" __global__ void __launch_bounds__(1024)
row_sum(const float *__restrict__ x, float *__restrict__ out, long long M, long long N) {
    __shared__ float sm[32];
    const float *row = x + (long long)blockIdx.x * N;
    const int tid = threadIdx.x, nt = blockDim.x;
    float s = 0.0f;
    if ((N & 3) == 0) {
        const float4 *r4 = reinterpret_cast<const float4 *>(row);
        const long long n4 = N >> 2;
        for (long long j = tid; j < n4; j += 4LL * nt) {
            float4 v[4];
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                const long long jj = j + (long long)k * nt;
                v[k] = jj < n4 ? __ldcs(r4 + jj) : make_float4(0.f, 0.f, 0.f, 0.f);
            }
#pragma unroll
            for (int k = 0; k < 4; ++k) s += (v[k].x + v[k].y) + (v[k].z + v[k].w);
        }
    } else {
        for (long long j = tid; j < N; j += 8LL * nt) {
            float v[8];
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const long long jj = j + (long long)k * nt;
                v[k] = jj < N ? __ldcs(row + jj) : 0.0f;
            }
#pragma unroll
            for (int k = 0; k < 8; ++k) s += v[k];
        }
    }
    s = block_sum(s, sm);
    if (tid == 0) out[blockIdx.x] = s;
}
