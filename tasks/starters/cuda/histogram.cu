// histogram of int32 values in [0, B). Launch 1 zeroes counts (it arrives poisoned). Launch 2 walks
// the values with a grid-stride loop (at most 1024 blocks of 256 threads, 4 independent loads per
// thread per step). Lanes of a warp holding the same value are merged first (__match_any_sync:
// one atomic of the group's size from its lowest lane), which defuses hot bins. With B <= 8192
// bins each block counts into a private copy of the bins in shared memory and adds its nonzero
// bins to counts with one global atomic each (shared bins: B if B <= the limit, else 1 unused word);
// with more bins it adds straight to counts.
//! kernel: zero_counts
//! global: round_up(B, 256)
//! local: 256
//! args: counts, B
//! kernel: histogram
//! global: min(cdiv(N, 1024), 1024) * 256
//! local: 256
//! args: values, counts, N, B, local(int, max(1, min(B, 8192) * (1 - min(B // 8193, 1))))
#define PRIVATE_BINS 8192
#define UNROLL 4

extern "C" __global__ void zero_counts(int *__restrict__ counts, long long B) {
    const long long b = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (b < B) counts[b] = 0;
}

extern "C" __global__ void __launch_bounds__(256)
histogram(const int *__restrict__ values, int *__restrict__ counts, long long N, long long B) {
    extern __shared__ int bins[];
    const bool priv = B <= PRIVATE_BINS;
    if (priv) {
        for (int b = threadIdx.x; b < B; b += blockDim.x) bins[b] = 0;
        __syncthreads();
    }
    const int lane = threadIdx.x & 31;
    const long long stride = (long long)gridDim.x * blockDim.x;
    // the loop bound is per warp (its first lane's index), so whole warps iterate together and
    // __match_any_sync sees every lane; out-of-range lanes carry the value -1
    const long long warp_first = (long long)blockIdx.x * blockDim.x + (threadIdx.x & ~31);
    for (long long w0 = warp_first; w0 < N; w0 += UNROLL * stride) {
        int v[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const long long j = w0 + lane + u * stride;
            v[u] = j < N ? __ldcs(values + j) : -1;
        }
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const unsigned group = __match_any_sync(0xffffffffu, v[u]);
            if (v[u] >= 0 && lane == __ffs(group) - 1) {
                const int c = __popc(group);
                if (priv) atomicAdd(&bins[v[u]], c);
                else atomicAdd(counts + v[u], c);
            }
        }
    }
    if (priv) {
        __syncthreads();
        for (int b = threadIdx.x; b < B; b += blockDim.x)
            if (bins[b]) atomicAdd(counts + b, bins[b]);
    }
}
