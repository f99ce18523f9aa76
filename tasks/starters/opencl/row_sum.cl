//! kernel: row_sum
//! global: M * 128
//! local: 128

// One work-group of 128 per row: strided partial sums, then a tree in local memory.
#define WG 128

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void row_sum(__global const float *x, __global float *out, const long M, const long N) {
    __local float buf[WG];
    const long row = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *xr = x + row * N;
    float acc = 0.0f;
    for (long j = lid; j < N; j += WG) acc += xr[j];
    buf[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[row] = buf[0];
}
