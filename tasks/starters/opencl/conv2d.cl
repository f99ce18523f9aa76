//! kernel: conv2d
//! global: round_up(OW, 16), round_up(OH, 16), N * cdiv(O, 4)
//! local: 16, 16, 1

// Direct 3x3 valid convolution, NCHW input, OIHW weight. Each work-item owns one
// output pixel (i, j) of one image for 4 output channels at once, so every input
// value it loads is used 4 times from registers. Channels past O are computed on
// a clamped channel and not stored.
#define OB 4

__kernel void conv2d(__global const float *restrict x, __global const float *restrict w,
                     __global float *restrict y, const long N, const long C, const long H,
                     const long W, const long O, const long OH, const long OW) {
    const long j = get_global_id(0);
    const long i = get_global_id(1);
    const long z = get_global_id(2);
    if (i >= OH || j >= OW) return;  // no barriers below: an early return is safe
    const long groups = (O + OB - 1) / OB;
    const long n = z / groups;
    const long o0 = (z % groups) * OB;
    long oc[OB];
    for (int q = 0; q < OB; q++) oc[q] = min(o0 + q, O - 1);

    float acc[OB];
    for (int q = 0; q < OB; q++) acc[q] = 0.0f;
    for (long c = 0; c < C; c++) {
        __global const float *xp = x + ((n * C + c) * H + i) * W + j;
        float v[9];
        for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++) v[kh * 3 + kw] = xp[kh * W + kw];
        for (int q = 0; q < OB; q++) {
            __global const float *wp = w + (oc[q] * C + c) * 9;
            float s = acc[q];
            for (int t = 0; t < 9; t++) s = fma(v[t], wp[t], s);
            acc[q] = s;
        }
    }
    for (int q = 0; q < OB; q++)
        if (o0 + q < O) y[((n * O + o0 + q) * OH + i) * OW + j] = acc[q];
}
