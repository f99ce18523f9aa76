//! kernel: gelu
//! global: round_up(n, 256)
//! local: 256

// GELU, tanh approximation. OpenCL's tanh saturates cleanly for large |u|.
__kernel void gelu(__global const float *x, __global float *out, const long n) {
    long i = get_global_id(0);
    if (i < n) {
        float v = x[i];
        float u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
        out[i] = 0.5f * v * (1.0f + tanh(u));
    }
}
