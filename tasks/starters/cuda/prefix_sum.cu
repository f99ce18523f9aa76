// prefix_sum (inclusive scan), reduce-then-scan over tiles of 4096 elements (256 threads x 16):
//   1. tile_sums: tsum[t] = sum of tile t (4 float4 loads per thread, all in flight).
//   2. tile_scan: block t first adds tsum[0..t) itself (at most a few thousand floats from L2,
//      so no third launch is needed), then loads its tile again (16 consecutive elements per
//      thread), scans each thread's 16 in registers, scans the 256 thread totals with warp
//      shuffles, and writes tile offset + block prefix + thread prefix.
// Traffic: two reads and one write of x-sized data.
//! scratch: tsum float32 cdiv(n, 4096)
//! kernel: tile_sums
//! global: cdiv(n, 4096) * 256
//! local: 256
//! args: x, tsum, n
//! kernel: tile_scan
//! global: cdiv(n, 4096) * 256
//! local: 256
//! args: x, tsum, out, n
#define NT 256
#define PER 16
#define TILE (NT * PER)

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float block_sum(float v, float *sm) {
    v = warp_sum(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) sm[warp] = v;
    __syncthreads();
    return warp_sum(lane < NT / 32 ? sm[lane] : 0.0f);
}

// The 16 elements of thread tid in tile t: float4 loads where the whole float4 is in range.
__device__ __forceinline__ void load16(const float *__restrict__ x, long long n, long long first, float v[PER]) {
#pragma unroll
    for (int k = 0; k < PER / 4; ++k) {
        const long long e = first + 4 * k;
        if (e + 3 < n) {
            const float4 a = __ldg(reinterpret_cast<const float4 *>(x + e));
            v[4 * k] = a.x; v[4 * k + 1] = a.y; v[4 * k + 2] = a.z; v[4 * k + 3] = a.w;
        } else {
#pragma unroll
            for (int q = 0; q < 4; ++q) v[4 * k + q] = e + q < n ? x[e + q] : 0.0f;
        }
    }
}

extern "C" __global__ void __launch_bounds__(NT)
tile_sums(const float *__restrict__ x, float *__restrict__ tsum, long long n) {
    __shared__ float sm[32];
    const long long base = (long long)blockIdx.x * TILE;
    float4 v[PER / 4];
#pragma unroll
    for (int k = 0; k < PER / 4; ++k) {  // coalesced: float4 k * 256 + tid of the tile
        const long long e = base + 4LL * (k * NT + threadIdx.x);
        v[k] = e + 3 < n ? __ldg(reinterpret_cast<const float4 *>(x + e)) : make_float4(0.f, 0.f, 0.f, 0.f);
    }
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < PER / 4; ++k) {
        const long long e = base + 4LL * (k * NT + threadIdx.x);
        s += (v[k].x + v[k].y) + (v[k].z + v[k].w);
        if (e + 3 >= n)
            for (long long j = e; j < n; ++j) s += x[j];
    }
    s = block_sum(s, sm);
    if (threadIdx.x == 0) tsum[blockIdx.x] = s;
}

extern "C" __global__ void __launch_bounds__(NT)
tile_scan(const float *__restrict__ x, const float *__restrict__ tsum, float *__restrict__ out, long long n) {
    __shared__ float sm[32];
    __shared__ float wsum[NT / 32];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    // offset of this tile: sum of the preceding tiles' sums
    float off = 0.0f;
    for (long long t = tid; t < blockIdx.x; t += NT) off += tsum[t];
    off = block_sum(off, sm);

    const long long first = (long long)blockIdx.x * TILE + (long long)tid * PER;
    float v[PER];
    load16(x, n, first, v);
#pragma unroll
    for (int i = 1; i < PER; ++i) v[i] += v[i - 1];
    // inclusive scan of thread totals within the warp, then across the 8 warps
    float t = v[PER - 1];
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const float u = __shfl_up_sync(0xffffffffu, t, o);
        if (lane >= o) t += u;
    }
    if (lane == 31) wsum[warp] = t;
    __syncthreads();
    float before = off;
    for (int w = 0; w < warp; ++w) before += wsum[w];
    before += t - v[PER - 1];  // exclusive prefix of this thread within its warp
#pragma unroll
    for (int k = 0; k < PER / 4; ++k) {
        const long long e = first + 4 * k;
        const float4 r = make_float4(before + v[4 * k], before + v[4 * k + 1], before + v[4 * k + 2], before + v[4 * k + 3]);
        if (e + 3 < n) {
            __stcs(reinterpret_cast<float4 *>(out + e), r);
        } else {
            if (e < n) out[e] = r.x;
            if (e + 1 < n) out[e + 1] = r.y;
            if (e + 2 < n) out[e + 2] = r.z;
        }
    }
}
