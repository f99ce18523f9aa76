//! kernel: layernorm
//! global: M * 128
//! local: 128

// One work-group of 128 per row; two-pass mean and variance (no E[x^2] - E[x]^2 cancellation).
#define WG 128

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
void layernorm(__global const float *x, __global const float *weight, __global const float *bias,
               __global float *out, const long M, const long N, const float eps) {
    __local float buf[WG];
    const long row = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *xr = x + row * N;
    __global float *outr = out + row * N;
    float s = 0.0f;
    for (long j = lid; j < N; j += WG) s += xr[j];
    const float mean = group_sum(s, buf) / (float)N;
    float q = 0.0f;
    for (long j = lid; j < N; j += WG) {
        float d = xr[j] - mean;
        q += d * d;
    }
    const float rstd = 1.0f / sqrt(group_sum(q, buf) / (float)N + eps);
    for (long j = lid; j < N; j += WG) outr[j] = (xr[j] - mean) * rstd * weight[j] + bias[j];
}
