//! kernel: vector_add
//! global: round_up(n, 256)
//! local: 256

__kernel void vector_add(__global const float *x, __global const float *y,
                         __global float *out, const long n) {
    long i = get_global_id(0);
    if (i < n) out[i] = x[i] + y[i];
}
