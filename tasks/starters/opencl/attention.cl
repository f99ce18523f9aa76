//! scratch: P float32 S * S
//! kernel: scores
//! global: round_up(S, 16), round_up(S, 16)
//! local: 16, 16
//! args: Q, K, P, S, D
//! kernel: softmax_rows
//! global: S * 128
//! local: 128
//! args: P, S
//! kernel: weighted_sum
//! global: round_up(D, 16), round_up(S, 16)
//! local: 16, 16
//! args: P, V, O, S, D

// Single-head attention in three launches over an S x S scratch matrix P:
//   scores:       P = (Q @ K^T) / sqrt(D)       (16x16 __local tiles)
//   softmax_rows: P[i, :] = softmax(P[i, :])    (one 128-wide work-group per row,
//                                                max subtracted for stability)
//   weighted_sum: O = P @ V                     (16x16 __local tiles)
#define T 16
#define WG 128

__kernel __attribute__((reqd_work_group_size(T, T, 1)))
void scores(__global const float *restrict Q, __global const float *restrict K,
            __global float *restrict P, const long S, const long D) {
    const int tx = get_local_id(0), ty = get_local_id(1);
    const long i0 = (long)get_group_id(1) * T, j0 = (long)get_group_id(0) * T;
    __local float Qs[T][T + 1];  // Qs[query][d]
    __local float Ks[T][T + 1];  // Ks[key][d]
    float acc = 0.0f;
    for (long d0 = 0; d0 < D; d0 += T) {
        const long d = d0 + tx;
        Qs[ty][tx] = (i0 + ty < S && d < D) ? Q[(i0 + ty) * D + d] : 0.0f;
        Ks[ty][tx] = (j0 + ty < S && d < D) ? K[(j0 + ty) * D + d] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < T; k++) acc = fma(Qs[ty][k], Ks[tx][k], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const long i = i0 + ty, j = j0 + tx;
    if (i < S && j < S) P[i * S + j] = acc * rsqrt((float)D);
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_rows(__global float *restrict P, const long S) {
    __local float red[WG];
    const long row = get_group_id(0);
    const int lid = get_local_id(0);
    __global float *p = P + row * S;

    float m = -INFINITY;
    for (long j = lid; j < S; j += WG) m = fmax(m, p[j]);
    red[lid] = m;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] = fmax(red[lid], red[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    m = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);

    float sum = 0.0f;
    for (long j = lid; j < S; j += WG) {
        const float e = exp(p[j] - m);
        p[j] = e;
        sum += e;
    }
    red[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float inv = 1.0f / red[0];
    for (long j = lid; j < S; j += WG) p[j] *= inv;
}

__kernel __attribute__((reqd_work_group_size(T, T, 1)))
void weighted_sum(__global const float *restrict P, __global const float *restrict V,
                  __global float *restrict O, const long S, const long D) {
    const int tx = get_local_id(0), ty = get_local_id(1);
    const long i0 = (long)get_group_id(1) * T, d0 = (long)get_group_id(0) * T;
    __local float Ps[T][T + 1];  // Ps[query][key]
    __local float Vs[T][T + 1];  // Vs[key][d]
    float acc = 0.0f;
    for (long j0 = 0; j0 < S; j0 += T) {
        Ps[ty][tx] = (i0 + ty < S && j0 + tx < S) ? P[(i0 + ty) * S + j0 + tx] : 0.0f;
        Vs[ty][tx] = (j0 + ty < S && d0 + tx < D) ? V[(j0 + ty) * D + d0 + tx] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < T; k++) acc = fma(Ps[ty][k], Vs[k][tx], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const long i = i0 + ty, d = d0 + tx;
    if (i < S && d < D) O[i * D + d] = acc;
}
