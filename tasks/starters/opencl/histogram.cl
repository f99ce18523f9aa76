//! kernel: zero_counts
//! global: round_up(B, 256)
//! local: 256
//! args: counts, B
//! kernel: histogram
//! global: round_up(min(N, 65536), 256)
//! local: 256

// Histogram. Launch 1 zeroes counts (it arrives poisoned). Launch 2 walks the
// values with a grid-stride loop; with B <= LB bins each work-group counts into
// __local bins with atomic_inc and merges its nonzero bins into counts with one
// atomic_add each, otherwise it increments counts directly.
#define LB 4096
#define WG 256

__kernel void zero_counts(__global int *restrict counts, const long B) {
    const long b = get_global_id(0);
    if (b < B) counts[b] = 0;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void histogram(__global const int *restrict values, __global int *counts, const long N, const long B) {
    __local int bins[LB];  // kernel scope, as OpenCL C requires
    const long stride = get_global_size(0);
    const int lid = get_local_id(0);
    if (B <= LB) {  // uniform across the work-group, so the barriers are safe
        for (long b = lid; b < B; b += WG) bins[b] = 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (long i = get_global_id(0); i < N; i += stride) atomic_inc(&bins[values[i]]);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (long b = lid; b < B; b += WG) {
            const int c = bins[b];
            if (c) atomic_add(&counts[b], c);
        }
    } else {
        for (long i = get_global_id(0); i < N; i += stride) atomic_inc(&counts[values[i]]);
    }
}
