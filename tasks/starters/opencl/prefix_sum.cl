//! scratch: tile_sums float32 cdiv(n, 4096)
//! kernel: tile_reduce
//! global: cdiv(n, 4096) * 256
//! local: 256
//! args: x, tile_sums, n
//! kernel: scan_tile_sums
//! global: 256
//! local: 256
//! args: tile_sums, n
//! kernel: tile_scan
//! global: cdiv(n, 4096) * 256
//! local: 256
//! args: x, tile_sums, out, n

// Reduce-then-scan over tiles of 4096 elements (256 work-items x 16):
//   1. tile_reduce:    tile_sums[t] = sum of tile t
//   2. scan_tile_sums: one work-group turns tile_sums into exclusive prefix sums, 4096 at a time
//   3. tile_scan:      each tile scans itself in local memory, starting from tile_sums[t]
#define WG 256
#define PER_ITEM 16
#define TILE (WG * PER_ITEM)
// Local tile index with one pad word per 32: work-item lid reading its PER_ITEM consecutive
// elements and the coalesced k * WG + lid pattern both avoid local-memory bank conflicts.
#define PAD(i) ((i) + ((i) >> 5))

// Inclusive scan of one float per work-item (Hillis-Steele); *total gets the group's sum.
float group_inclusive_scan(float v, __local float *buf, float *total) {
    const int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = 1; off < WG; off <<= 1) {
        float t = lid >= off ? buf[lid - off] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        buf[lid] += t;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[lid];
    *total = buf[WG - 1];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void tile_reduce(__global const float *x, __global float *tile_sums, const long n) {
    __local float buf[WG];
    const int lid = get_local_id(0);
    const long base = (long)get_group_id(0) * TILE;
    float acc = 0.0f;
    for (int k = 0; k < PER_ITEM; k++) {
        long i = base + k * WG + lid;
        if (i < n) acc += x[i];
    }
    buf[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) tile_sums[get_group_id(0)] = buf[0];
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void scan_tile_sums(__global float *tile_sums, const long n) {
    __local float buf[WG];
    const int lid = get_local_id(0);
    const long tiles = (n + TILE - 1) / TILE;
    float carry = 0.0f;
    for (long base = 0; base < tiles; base += TILE) {
        float v[PER_ITEM];
        float run = 0.0f;
        for (int k = 0; k < PER_ITEM; k++) {
            long i = base + lid * PER_ITEM + k;
            v[k] = i < tiles ? tile_sums[i] : 0.0f;
            run += v[k];
        }
        float total;
        float excl = group_inclusive_scan(run, buf, &total) - run;
        float acc = carry + excl;
        for (int k = 0; k < PER_ITEM; k++) {
            long i = base + lid * PER_ITEM + k;
            if (i < tiles) tile_sums[i] = acc;  // exclusive: the sum of all earlier tiles
            acc += v[k];
        }
        carry += total;
    }
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void tile_scan(__global const float *x, __global const float *tile_sums, __global float *out,
               const long n) {
    __local float tile[PAD(TILE)];
    __local float buf[WG];
    const int lid = get_local_id(0);
    const long base = (long)get_group_id(0) * TILE;
    for (int k = 0; k < PER_ITEM; k++) {  // coalesced load
        long i = base + k * WG + lid;
        tile[PAD(k * WG + lid)] = i < n ? x[i] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float v[PER_ITEM];
    float run = 0.0f;
    for (int k = 0; k < PER_ITEM; k++) {
        run += tile[PAD(lid * PER_ITEM + k)];
        v[k] = run;
    }
    float total;
    float excl = group_inclusive_scan(run, buf, &total) - run;
    float offset = tile_sums[get_group_id(0)] + excl;
    for (int k = 0; k < PER_ITEM; k++) tile[PAD(lid * PER_ITEM + k)] = offset + v[k];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 0; k < PER_ITEM; k++) {  // coalesced store
        long i = base + k * WG + lid;
        if (i < n) out[i] = tile[PAD(k * WG + lid)];
    }
}
