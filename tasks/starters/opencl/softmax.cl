//! kernel: softmax
//! global: M * 128
//! local: 128

// One work-group of 128 per row: row max, then sum of exp(x - max), then the scaled write.
#define WG 128

float group_max(float v, __local float *buf) {
    const int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] = fmax(buf[lid], buf[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float group_sum(float v, __local float *buf) {
    const int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax(__global const float *x, __global float *out, const long M, const long N) {
    __local float buf[WG];
    const long row = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *xr = x + row * N;
    __global float *outr = out + row * N;
    float m = -INFINITY;
    for (long j = lid; j < N; j += WG) m = fmax(m, xr[j]);
    m = group_max(m, buf);
    float s = 0.0f;
    for (long j = lid; j < N; j += WG) s += exp(xr[j] - m);
    s = group_sum(s, buf);
    const float inv = 1.0f / s;
    for (long j = lid; j < N; j += WG) outr[j] = exp(xr[j] - m) * inv;
}
