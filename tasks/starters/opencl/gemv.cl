//! kernel: gemv
//! global: M * 128
//! local: 128

// y = A @ x, fp32. One 128-wide work-group per row: the work-items stride
// along the row (coalesced), then a tree reduction in __local memory.
#define WG 128

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void gemv(__global const float *restrict A, __global const float *restrict x,
          __global float *restrict y, const long M, const long N) {
    __local float red[WG];
    const long row = get_group_id(0);
    const int lid = get_local_id(0);
    float acc = 0.0f;
    if (row < M) {
        __global const float *a = A + row * N;
        for (long j = lid; j < N; j += WG) acc = fma(a[j], x[j], acc);
    }
    red[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0 && row < M) y[row] = red[0];
}
