// conv2d, NCHW x OIHW 3x3, stride 1, no padding. A 256-thread block (16 x 16) computes a 16-wide,
// 32-tall tile of output pixels for 8 output channels of one image (grid z = image x channel
// group); each thread two vertically adjacent pixels x 8 channels in registers, so the 4 input
// rows it reads serve both pixels and each weight float4 feeds 8 FMAs. Input channels advance 4 at
// a time: the 4 x 34 x 18 input patch (rows padded to 24 words against bank conflicts) and the
// 4 x 9 x 8 weights (laid out [c][tap][o]: 4 output channels are one broadcast float4) are staged
// in shared memory: 144 FMAs per 12 + 18 shared loads per channel. Edges are guarded.
//! kernel: conv2d
//! global: cdiv(OW, 16) * 16, cdiv(OH, 32) * 16, N * cdiv(O, 8)
//! local: 16, 16, 1
#define TX 16
#define TY 32
#define OG 8
#define CB 4
#define PR (TY + 2)
#define PC (TX + 2)
#define PCS 24

extern "C" __global__ void __launch_bounds__(256)
conv2d(const float *__restrict__ x, const float *__restrict__ w, float *__restrict__ y, long long N, long long C,
       long long H, long long W, long long O, long long OH, long long OW) {
    __shared__ float xs[CB][PR][PCS];
    __shared__ __align__(16) float ws[CB][9][OG];
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * TX + tx;
    const long long groups = (O + OG - 1) / OG;
    const long long n = blockIdx.z / groups, o0 = (blockIdx.z % groups) * OG;
    const long long oy0 = (long long)blockIdx.y * TY, ox0 = (long long)blockIdx.x * TX;
    const float *xn = x + n * C * H * W;
    float acc[2][OG];
#pragma unroll
    for (int p = 0; p < 2; ++p)
#pragma unroll
        for (int o = 0; o < OG; ++o) acc[p][o] = 0.0f;
    for (long long c0 = 0; c0 < C; c0 += CB) {
        for (int e = tid; e < CB * PR * PC; e += 256) {
            const int c = e / (PR * PC), r = (e / PC) % PR, q = e % PC;
            const long long gy = oy0 + r, gx = ox0 + q, gc = c0 + c;
            xs[c][r][q] = (gc < C && gy < H && gx < W) ? __ldg(xn + (gc * H + gy) * W + gx) : 0.0f;
        }
        for (int e = tid; e < CB * 9 * OG; e += 256) {
            const int o = e / (CB * 9), c = (e / 9) % CB, k = e % 9;
            const long long go = o0 + o, gc = c0 + c;
            ws[c][k][o] = (go < O && gc < C) ? __ldg(w + (go * C + gc) * 9 + k) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int c = 0; c < CB; ++c) {
#pragma unroll
            for (int dx = 0; dx < 3; ++dx) {
                float xv[4];
#pragma unroll
                for (int r = 0; r < 4; ++r) xv[r] = xs[c][2 * ty + r][tx + dx];
#pragma unroll
                for (int dy = 0; dy < 3; ++dy) {
#pragma unroll
                    for (int o = 0; o < OG; o += 4) {
                        const float4 wv = *reinterpret_cast<const float4 *>(&ws[c][dy * 3 + dx][o]);
#pragma unroll
                        for (int p = 0; p < 2; ++p) {
                            acc[p][o] = fmaf(xv[p + dy], wv.x, acc[p][o]);
                            acc[p][o + 1] = fmaf(xv[p + dy], wv.y, acc[p][o + 1]);
                            acc[p][o + 2] = fmaf(xv[p + dy], wv.z, acc[p][o + 2]);
                            acc[p][o + 3] = fmaf(xv[p + dy], wv.w, acc[p][o + 3]);
                        }
                    }
                }
            }
        }
        __syncthreads();
    }
    const long long ox = ox0 + tx;
#pragma unroll
    for (int p = 0; p < 2; ++p) {
        const long long oy = oy0 + 2 * ty + p;
        if (oy < OH && ox < OW) {
#pragma unroll
            for (int o = 0; o < OG; ++o)
                if (o0 + o < O) y[((n * O + o0 + o) * OH + oy) * OW + ox] = acc[p][o];
        }
    }
}
