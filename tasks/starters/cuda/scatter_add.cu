// scatter_add: out[b] = sum of values[i] with idx[i] == b. Launch 1 zeroes out (it arrives
// poisoned). Launch 2 walks the input with a grid-stride loop (at most 1024 blocks of 256 threads,
// 4 independent loads per thread per step). With B <= 2048 bins each block accumulates into a
// private copy of the bins in shared memory (cheap shared atomics even on hot bins) and adds its
// nonzero bins to out with one global atomic each (shared bins: B if B <= the limit, else 1 unused word);
// with more bins it adds straight to out.
//! kernel: zero_bins
//! global: round_up(B, 256)
//! local: 256
//! args: out, B
//! kernel: scatter_add
//! global: min(cdiv(N, 1024), 1024) * 256
//! local: 256
//! args: values, idx, out, N, B, local(float, max(1, min(B, 2048) * (1 - min(B // 2049, 1))))
#define PRIVATE_BINS 2048
#define UNROLL 4

extern "C" __global__ void zero_bins(float *__restrict__ out, long long B) {
    const long long b = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (b < B) out[b] = 0.0f;
}

extern "C" __global__ void __launch_bounds__(256)
scatter_add(const float *__restrict__ values, const int *__restrict__ idx, float *__restrict__ out, long long N,
            long long B) {
    extern __shared__ float bins[];
    const bool priv = B <= PRIVATE_BINS;
    if (priv) {
        for (int b = threadIdx.x; b < B; b += blockDim.x) bins[b] = 0.0f;
        __syncthreads();
    }
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < N; i += UNROLL * stride) {
        float v[UNROLL];
        int b[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const long long j = i + u * stride;
            v[u] = j < N ? __ldcs(values + j) : 0.0f;
            b[u] = j < N ? __ldcs(idx + j) : -1;
        }
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            if (b[u] < 0) continue;
            if (priv) atomicAdd(&bins[b[u]], v[u]);
            else atomicAdd(out + b[u], v[u]);
        }
    }
    if (priv) {
        __syncthreads();
        for (int b = threadIdx.x; b < B; b += blockDim.x)
            if (bins[b] != 0.0f) atomicAdd(out + b, bins[b]);
    }
}
