//! kernel: rmsnorm
//! global: M * 128
//! local: 128

// One work-group of 128 per row: sum of squares, then the scaled write.
#define WG 128

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void rmsnorm(__global const float *x, __global const float *weight, __global float *out,
             const long M, const long N, const float eps) {
    __local float buf[WG];
    const long row = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *xr = x + row * N;
    __global float *outr = out + row * N;
    float q = 0.0f;
    for (long j = lid; j < N; j += WG) q += xr[j] * xr[j];
    buf[lid] = q;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float r = 1.0f / sqrt(buf[0] / (float)N + eps);
    for (long j = lid; j < N; j += WG) outr[j] = xr[j] * r * weight[j];
}
