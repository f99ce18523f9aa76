//! kernel: matmul_fp16
//! global: cdiv(N, 64) * 16, cdiv(M, 64) * 16
//! local: 16, 16

// C = A @ B with float16 storage and fp32 accumulation, row-major. The half buffers are read and
// written with vload_half / vstore_half_rte, which OpenCL C allows without cl_khr_fp16 (only half
// arithmetic needs it), so this runs on devices without native half math (PoCL on x86). Each 16x16
// work-group computes a 64x64 tile of C, each work-item a 4x4 register block (rows ty + 16*r, columns
// tx + 16*c, so global loads and stores stay coalesced); K is streamed in slices of 16 through
// __local tiles held as float, so each half is converted once per tile, not once per product.
#define TS 64
#define TK 16
#define WPT 4
#define RTS 16

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void matmul_fp16(__global const half *restrict A, __global const half *restrict B,
                 __global half *restrict C, const long M, const long N, const long K) {
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int tid = ty * RTS + tx;
    const long col0 = (long)get_group_id(0) * TS;
    const long row0 = (long)get_group_id(1) * TS;

    __local float As[TS][TK + 1];  // As[row][k]
    __local float Bs[TK][TS];      // Bs[k][col]

    float acc[WPT][WPT];
    for (int r = 0; r < WPT; r++)
        for (int c = 0; c < WPT; c++) acc[r][c] = 0.0f;

    for (long k0 = 0; k0 < K; k0 += TK) {
        for (int l = 0; l < (TS * TK) / (RTS * RTS); l++) {
            const int e = tid + l * RTS * RTS;
            const int ar = e / TK, ak = e % TK;          // A tile: 64 rows x 16 k
            const long gr = row0 + ar, gk = k0 + ak;
            As[ar][ak] = (gr < M && gk < K) ? vload_half(gr * K + gk, A) : 0.0f;
            const int bk = e / TS, bc = e % TS;          // B tile: 16 k x 64 columns
            const long gk2 = k0 + bk, gc = col0 + bc;
            Bs[bk][bc] = (gk2 < K && gc < N) ? vload_half(gk2 * N + gc, B) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; kk++) {
            float b[WPT];
            for (int c = 0; c < WPT; c++) b[c] = Bs[kk][tx + c * RTS];
            for (int r = 0; r < WPT; r++) {
                const float a = As[ty + r * RTS][kk];
                for (int c = 0; c < WPT; c++) acc[r][c] = fma(a, b[c], acc[r][c]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int r = 0; r < WPT; r++) {
        const long row = row0 + ty + r * RTS;
        if (row >= M) continue;
        for (int c = 0; c < WPT; c++) {
            const long col = col0 + tx + c * RTS;
            if (col < N) vstore_half_rte(acc[r][c], row * N + col, C);
        }
    }
}
