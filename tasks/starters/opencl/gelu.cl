//! kernel: gelu
//! global: round_up(n, 256)
//! local: 256

// GELU, tanh approximation, written as 0.5*(1 + tanh(u)) = 1 / (1 + exp(-2u)): the
// direct form cancels catastrophically for negative inputs (1 + tanh(u) -> 0), and the
// check's tolerance is relative, so a single very negative element would fail.
__kernel void gelu(__global const float *x, __global float *out, const long n) {
    long i = get_global_id(0);
    if (i < n) {
        float v = x[i];
        float u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
        out[i] = v / (1.0f + exp(-2.0f * u));
    }
}
