//! kernel: conv1d
//! global: round_up(N, 256)
//! local: 256
//! args: x, w, y, N, K, local(float32, 256 + K - 1)

// 1-D 'same' convolution with zero padding, odd K. Each 256-wide work-group
// stages its input window (256 + K - 1 values, zeros outside [0, N)) in
// __local memory once; every work-item then reads its K taps from there.
#define WG 256

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void conv1d(__global const float *restrict x, __global const float *restrict w,
            __global float *restrict y, const long N, const long K, __local float *tile) {
    const long gid = get_global_id(0);
    const int lid = get_local_id(0);
    const long base = (long)get_group_id(0) * WG - K / 2;
    for (long t = lid; t < WG + K - 1; t += WG) {
        const long g = base + t;
        tile[t] = (g >= 0 && g < N) ? x[g] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (gid < N) {
        float acc = 0.0f;
        for (long k = 0; k < K; k++) acc = fma(w[k], tile[lid + k], acc);
        y[gid] = acc;
    }
}
