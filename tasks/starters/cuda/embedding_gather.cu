// embedding_gather: out[n, :] = table[idx[n], :]. Each thread copies 4 consecutive elements of
// out (flat index over N * D): one float4 load and store when D % 4 == 0 (a group of 4 then never
// straddles two rows), else 4 scalar copies. Stores are coalesced; each gathered row is a
// contiguous run of the table.
//! kernel: embedding_gather
//! global: round_up(cdiv(N * D, 4), 256)
//! local: 256
extern "C" __global__ void embedding_gather(const float *__restrict__ table, const int *__restrict__ idx,
                                            float *__restrict__ out, long long V, long long D, long long N) {
    const long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long e = 4 * g, total = N * D;
    if (e >= total) return;
    if ((D & 3) == 0) {
        const long long n = e / D, d = e - n * D;
        const float4 v = __ldg(reinterpret_cast<const float4 *>(table + (long long)__ldg(idx + n) * D + d));
        __stcs(reinterpret_cast<float4 *>(out + e), v);
    } else {
        long long n = e / D, d = e - n * D;
        for (long long j = e; j < e + 4 && j < total; ++j) {
            out[j] = __ldg(table + (long long)__ldg(idx + n) * D + d);
            if (++d == D) { d = 0; ++n; }
        }
    }
}
