//! kernel: silu
//! global: round_up(n, 256)
//! local: 256

__kernel void silu(__global const float *x, __global float *out, const long n) {
    long i = get_global_id(0);
    if (i < n) {
        float v = x[i];
        // exp(-v) overflows to inf for v << 0, giving v / inf = -0: the right limit.
        out[i] = v / (1.0f + exp(-v));
    }
}
