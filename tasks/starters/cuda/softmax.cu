// softmax: one 256-thread block per row; block-wide max and sum via warp shuffles and shared memory,
// then a normalizing pass. Three passes over the row (max, sum of exp, write).
//! kernel: softmax
//! global: M * 256
//! local: 256
__device__ float block_reduce(float v, float *sm, bool is_max) {
    for (int o = 16; o > 0; o >>= 1) {
        float w = __shfl_xor_sync(0xffffffffu, v, o);
        v = is_max ? fmaxf(v, w) : v + w;
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) sm[warp] = v;
    __syncthreads();
    v = lane < (blockDim.x >> 5) ? sm[lane] : (is_max ? -INFINITY : 0.0f);
    if (warp == 0)
        for (int o = 16; o > 0; o >>= 1) {
            float w = __shfl_xor_sync(0xffffffffu, v, o);
            v = is_max ? fmaxf(v, w) : v + w;
        }
    if (threadIdx.x == 0) sm[32] = v;
    __syncthreads();
    v = sm[32];
    __syncthreads();
    return v;
}

extern "C" __global__ void softmax(const float *__restrict__ x, float *__restrict__ out, long long M, long long N) {
    __shared__ float sm[33];
    const float *row = x + (long long)blockIdx.x * N;
    float *orow = out + (long long)blockIdx.x * N;
    float m = -INFINITY;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) m = fmaxf(m, row[j]);
    m = block_reduce(m, sm, true);
    float s = 0.0f;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) s += __expf(row[j] - m);
    s = block_reduce(s, sm, false);
    float inv = 1.0f / s;
    for (long long j = threadIdx.x; j < N; j += blockDim.x) orow[j] = __expf(row[j] - m) * inv;
}
