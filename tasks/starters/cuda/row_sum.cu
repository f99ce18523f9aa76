// row_sum: one 256-thread block per row, strided partial sums, warp-shuffle + shared-memory reduction.
//! kernel: row_sum
//! global: M * 256
//! local: 256
extern "C" __global__ void row_sum(const float *__restrict__ x, float *__restrict__ out, long long M, long long N) {
    __shared__ float sm[8];
    const float *row = x + (long long)blockIdx.x * N;
    float s = 0.0f;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) s += row[j];
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if ((threadIdx.x & 31) == 0) sm[threadIdx.x >> 5] = s;
    __syncthreads();
    if (threadIdx.x < 32) {
        s = threadIdx.x < 8 ? sm[threadIdx.x] : 0.0f;
        for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
        if (threadIdx.x == 0) out[blockIdx.x] = s;
    }
}
