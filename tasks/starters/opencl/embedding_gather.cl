//! kernel: embedding_gather
//! global: round_up(D, 64), N
//! local: 64, 1

// Row gather: work-item (d, n) copies table[idx[n], d] to out[n, d]; the 64
// work-items of a group copy 64 consecutive floats of one row (coalesced).
__kernel void embedding_gather(__global const float *restrict table, __global const int *restrict idx,
                               __global float *restrict out, const long V, const long D, const long N) {
    const long d = get_global_id(0);
    const long n = get_global_id(1);
    if (d < D && n < N) out[n * D + d] = table[(long)idx[n] * D + d];
}
