// attention: O = softmax(Q K^T / sqrt(D)) V, fp32, flash-attention style with a split over keys.
// Launch 1 (grid: query tiles of 64 x KS key splits, KS = min(cdiv(S, 64), 8)): a 256-thread
// block takes 64 queries and its share of the 64-key tiles. Per tile it forms the 64x64 scores
// (each thread a 4x4 micro-tile; Q and K staged through shared memory 16 columns of D at a time),
// updates the running row max and sum (online softmax, base 2 with log2(e)/sqrt(D) folded into the
// scale), writes P to shared memory, and accumulates P V (V staged 32 keys at a time; each thread
// owns 4 rows x D/16 columns, D <= 128). It writes its unnormalised O, max and sum to scratch.
// Launch 2: one thread per output element merges the KS partial results.
//! scratch: part_o float32 min(cdiv(S, 64), 8) * S * D
//! scratch: part_ml float32 2 * min(cdiv(S, 64), 8) * S
//! kernel: attn_partial
//! global: cdiv(S, 64) * 256, min(cdiv(S, 64), 8)
//! local: 256, 1
//! args: Q, K, V, part_o, part_ml, S, D
//! kernel: attn_combine
//! global: round_up(S * D, 256)
//! local: 256
//! args: part_o, part_ml, O, S, D
#define BQ 64
#define BK 64
#define DC 16
#define DMAX 128
#define DV (DMAX / 16)
#define VK 32
#define NT 256

__device__ __forceinline__ int ksplit(long long S) {
    const long long t = (S + BK - 1) / BK;
    return (int)(t < 8 ? t : 8);
}

extern "C" __global__ void __launch_bounds__(NT)
attn_partial(const float *__restrict__ Q, const float *__restrict__ K, const float *__restrict__ V,
             float *__restrict__ part_o, float *__restrict__ part_ml, long long S, long long D) {
    __shared__ __align__(16) float Qs[DC][BQ + 4];
    __shared__ float Ks[DC][BK + 4];
    __shared__ __align__(16) float Ps[BK][BQ];   // P transposed: [key][query]
    __shared__ float Vs[VK][DMAX];
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const long long q0 = (long long)blockIdx.x * BQ;
    const int split = blockIdx.y, splits = gridDim.y;
    const long long tiles = (S + BK - 1) / BK, per = (tiles + splits - 1) / splits;
    const long long t_begin = split * per, t_end = t_begin + per < tiles ? t_begin + per : tiles;
    const float scale = 1.4426950408889634f / sqrtf((float)D);  // log2(e) / sqrt(D)
    if (D > DMAX) return;  // unsupported: the partials stay poisoned, so O comes out NaN, not silently wrong

    float m[4], l[4], o[4][DV];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        m[i] = -INFINITY; l[i] = 0.0f;
#pragma unroll
        for (int c = 0; c < DV; ++c) o[i][c] = 0.0f;
    }

    for (long long t = t_begin; t < t_end; ++t) {
        const long long k0 = t * BK;
        float s[4][4] = {};
        for (long long d0 = 0; d0 < D; d0 += DC) {
            for (int e = tid; e < BQ * DC; e += NT) {  // 16 consecutive d per row: coalesced
                const int r = e / DC, dd = e % DC;
                const long long gq = q0 + r, gk = k0 + r, gd = d0 + dd;
                Qs[dd][r] = (gq < S && gd < D) ? __ldg(Q + gq * D + gd) : 0.0f;
                Ks[dd][r] = (gk < S && gd < D) ? __ldg(K + gk * D + gd) : 0.0f;
            }
            __syncthreads();
#pragma unroll
            for (int d = 0; d < DC; ++d) {
                const float4 qa = *reinterpret_cast<const float4 *>(&Qs[d][ty * 4]);
                const float qv[4] = {qa.x, qa.y, qa.z, qa.w};
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    const float kv = Ks[d][tx + 16 * j];
#pragma unroll
                    for (int i = 0; i < 4; ++i) s[i][j] = fmaf(qv[i], kv, s[i][j]);
                }
            }
            __syncthreads();
        }
        // online softmax over this tile; the 16 lanes sharing ty hold one row's 64 scores
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            float mx = -INFINITY;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                s[i][j] = (k0 + tx + 16 * j < S) ? s[i][j] * scale : -INFINITY;
                mx = fmaxf(mx, s[i][j]);
            }
#pragma unroll
            for (int off = 8; off > 0; off >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, off));
            const float mn = fmaxf(m[i], mx);  // finite: every tile has at least one valid key
            const float alpha = exp2f(m[i] - mn);
            float rs = 0.0f;
#pragma unroll
            for (int j = 0; j < 4; ++j) { s[i][j] = exp2f(s[i][j] - mn); rs += s[i][j]; }
#pragma unroll
            for (int off = 8; off > 0; off >>= 1) rs += __shfl_xor_sync(0xffffffffu, rs, off);
            l[i] = l[i] * alpha + rs;
            m[i] = mn;
#pragma unroll
            for (int c = 0; c < DV; ++c) o[i][c] *= alpha;
        }
#pragma unroll
        for (int j = 0; j < 4; ++j)
            *reinterpret_cast<float4 *>(&Ps[tx + 16 * j][ty * 4]) = make_float4(s[0][j], s[1][j], s[2][j], s[3][j]);
        // O += P V, V through shared memory 32 keys at a time
        for (int h = 0; h < BK; h += VK) {
            for (long long e = tid; e < VK * D; e += NT) {
                const long long r = e / D, c = e % D, gk = k0 + h + r;
                Vs[r][c] = gk < S ? __ldg(V + gk * D + c) : 0.0f;
            }
            __syncthreads();
#pragma unroll 4
            for (int r = 0; r < VK; ++r) {
                const float4 pa = *reinterpret_cast<const float4 *>(&Ps[h + r][ty * 4]);
#pragma unroll
                for (int c = 0; c < DV; ++c) {
                    if (16 * c < D) {
                        const float vv = Vs[r][tx + 16 * c];
                        o[0][c] = fmaf(pa.x, vv, o[0][c]);
                        o[1][c] = fmaf(pa.y, vv, o[1][c]);
                        o[2][c] = fmaf(pa.z, vv, o[2][c]);
                        o[3][c] = fmaf(pa.w, vv, o[3][c]);
                    }
                }
            }
            __syncthreads();
        }
    }
    // unnormalised partial result (a split without tiles writes max -inf, sum 0, O 0)
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const long long q = q0 + ty * 4 + i;
        if (q >= S) continue;
        float *po = part_o + ((long long)split * S + q) * D;
#pragma unroll
        for (int c = 0; c < DV; ++c)
            if (tx + 16 * c < D) po[tx + 16 * c] = o[i][c];
        if (tx == 0) {
            part_ml[(long long)split * S + q] = m[i];
            part_ml[((long long)splits + split) * S + q] = l[i];
        }
    }
}

extern "C" __global__ void attn_combine(const float *__restrict__ part_o, const float *__restrict__ part_ml,
                                        float *__restrict__ O, long long S, long long D) {
    const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= S * D) return;
    const long long q = e / D;
    const int splits = ksplit(S);
    float mx = -INFINITY;
    for (int k = 0; k < splits; ++k) mx = fmaxf(mx, part_ml[(long long)k * S + q]);
    float acc = 0.0f, sum = 0.0f;
    for (int k = 0; k < splits; ++k) {
        const float mk = part_ml[(long long)k * S + q];
        if (mk == -INFINITY) continue;
        const float f = exp2f(mk - mx);
        sum = fmaf(part_ml[((long long)splits + k) * S + q], f, sum);
        acc = fmaf(part_o[((long long)k * S + q) * D + (e - q * D)], f, acc);
    }
    O[e] = acc / sum;
}
