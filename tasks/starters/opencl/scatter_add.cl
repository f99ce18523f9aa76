//! kernel: zero_out
//! global: round_up(B, 256)
//! local: 256
//! args: out, B
//! kernel: scatter_add
//! global: round_up(min(N, 65536), 256)
//! local: 256

// Scatter-add. Launch 1 zeroes out (it arrives poisoned). Launch 2 walks the
// input with a grid-stride loop. OpenCL 1.2 has no float atomic add, so adds
// are compare-exchange loops on the float's bits. With few bins (B <= LB) each
// work-group first accumulates into __local bins and then merges its nonzero
// bins into out, which cuts contention on hot bins; otherwise it adds to out
// directly. The helpers are `static inline`: a plain C99 `inline` function has no
// external definition, so an unoptimised build (SPIR-V for a driver) cannot link it.
#define LB 2048
#define WG 256

static inline void atomic_add_global_f(volatile __global float *p, float v) {
    union { unsigned int u; float f; } old, upd;
    old.f = *p;
    for (;;) {
        upd.f = old.f + v;
        const unsigned int prev = atomic_cmpxchg((volatile __global unsigned int *)p, old.u, upd.u);
        if (prev == old.u) break;
        old.u = prev;
    }
}

static inline void atomic_add_local_f(volatile __local float *p, float v) {
    union { unsigned int u; float f; } old, upd;
    old.f = *p;
    for (;;) {
        upd.f = old.f + v;
        const unsigned int prev = atomic_cmpxchg((volatile __local unsigned int *)p, old.u, upd.u);
        if (prev == old.u) break;
        old.u = prev;
    }
}

__kernel void zero_out(__global float *restrict out, const long B) {
    const long b = get_global_id(0);
    if (b < B) out[b] = 0.0f;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void scatter_add(__global const float *restrict values, __global const int *restrict idx,
                 __global float *out, const long N, const long B) {
    __local float bins[LB];  // kernel scope, as OpenCL C requires
    const long stride = get_global_size(0);
    const int lid = get_local_id(0);
    if (B <= LB) {  // uniform across the work-group, so the barriers are safe
        for (long b = lid; b < B; b += WG) bins[b] = 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (long i = get_global_id(0); i < N; i += stride) atomic_add_local_f(&bins[idx[i]], values[i]);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (long b = lid; b < B; b += WG) {
            const float s = bins[b];
            if (s != 0.0f) atomic_add_global_f(&out[b], s);
        }
    } else {
        for (long i = get_global_id(0); i < N; i += stride) atomic_add_global_f(&out[idx[i]], values[i]);
    }
}
