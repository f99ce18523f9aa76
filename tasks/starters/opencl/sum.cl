//! scratch: partial float32 512
//! kernel: sum_partial
//! global: min(cdiv(n, 8192), 512) * 256
//! local: 256
//! args: x, partial, n
//! kernel: sum_final
//! global: 256
//! local: 256
//! args: partial, out, n

// Two launches: up to 512 work-groups each reduce one contiguous chunk of x into
// partial[group]; then one work-group adds the partials.
#define WG 256
#define PER_GROUP 8192
#define MAX_GROUPS 512

float group_sum(float v, __local float *buf) {
    const int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void sum_partial(__global const float *x, __global float *partial, const long n) {
    __local float buf[WG];
    // Each work-group owns one contiguous chunk (a multiple of WG long); its work-items
    // read it with stride WG, so every pass over the chunk is one coalesced row of loads.
    const long groups = get_num_groups(0);
    const long chunk = ((n + groups - 1) / groups + WG - 1) / WG * WG;
    const long start = (long)get_group_id(0) * chunk;
    const long end = min(start + chunk, n);
    float acc = 0.0f;
    for (long i = start + get_local_id(0); i < end; i += WG) acc += x[i];
    float s = group_sum(acc, buf);
    if (get_local_id(0) == 0) partial[get_group_id(0)] = s;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void sum_final(__global const float *partial, __global float *out, const long n) {
    __local float buf[WG];
    const long groups = min((n + PER_GROUP - 1) / PER_GROUP, (long)MAX_GROUPS);  // as in sum_partial's global
    float acc = 0.0f;
    for (long g = get_local_id(0); g < groups; g += WG) acc += partial[g];
    float s = group_sum(acc, buf);
    if (get_local_id(0) == 0) out[0] = s;
}
