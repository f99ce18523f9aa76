// gemv: y = A x (A is M x N, row-major). One block per row, sized to the row (about 16 elements per
// thread, 32 to 1024 threads): many blocks keep the memory system busy even when M is small. Rows
// with N % 4 == 0 are read as float4 (A and x), four independent 16-byte loads of A in flight per
// thread; other rows as coalesced scalars, 8 in flight. x is re-read by every row from L1/L2.
//! kernel: gemv
//! global: M * min(1024, max(32, round_up(cdiv(N, 16), 32)))
//! local: min(1024, max(32, round_up(cdiv(N, 16), 32)))
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

extern "C" __global__ void __launch_bounds__(1024)
gemv(const float *__restrict__ A, const float *__restrict__ x, float *__restrict__ y, long long M, long long N) {
    __shared__ float sm[32];
    const float *row = A + (long long)blockIdx.x * N;
    const int tid = threadIdx.x, nt = blockDim.x;
    float s = 0.0f;
    if ((N & 3) == 0) {
        const float4 *r4 = reinterpret_cast<const float4 *>(row), *x4 = reinterpret_cast<const float4 *>(x);
        const long long n4 = N >> 2;
        for (long long j = tid; j < n4; j += 4LL * nt) {
            float4 a[4], b[4];
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                const long long jj = j + (long long)k * nt;
                a[k] = jj < n4 ? __ldcs(r4 + jj) : make_float4(0.f, 0.f, 0.f, 0.f);
                b[k] = jj < n4 ? __ldg(x4 + jj) : make_float4(0.f, 0.f, 0.f, 0.f);
            }
#pragma unroll
            for (int k = 0; k < 4; ++k)
                s += fmaf(a[k].x, b[k].x, a[k].y * b[k].y) + fmaf(a[k].z, b[k].z, a[k].w * b[k].w);
        }
    } else {
        for (long long j = tid; j < N; j += 8LL * nt) {
            float a[8], b[8];
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const long long jj = j + (long long)k * nt;
                a[k] = jj < N ? __ldcs(row + jj) : 0.0f;
                b[k] = jj < N ? __ldg(x + jj) : 0.0f;
            }
#pragma unroll
            for (int k = 0; k < 8; ++k) s = fmaf(a[k], b[k], s);
        }
    }
    s = block_sum(s, sm);
    if (tid == 0) y[blockIdx.x] = s;
}
