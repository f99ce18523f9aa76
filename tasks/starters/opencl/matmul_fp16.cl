//! kernel: matmul_fp16
//! global: cdiv(N, 16) * 16, cdiv(M, 16) * 16
//! local: 16, 16

// C = A @ B with float16 storage and fp32 accumulation. The half buffers are read and written with
// vload_half / vstore_half, which OpenCL C allows without cl_khr_fp16 (only half arithmetic needs
// it), so this runs on devices without native half math (PoCL on x86). Each 16x16 work-group stages
// 16x16 tiles of A and B in __local memory as float.
#define TS 16

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void matmul_fp16(__global const half *restrict A, __global const half *restrict B,
                 __global half *restrict C, const long M, const long N, const long K) {
    const int tx = get_local_id(0), ty = get_local_id(1);
    const long col = get_global_id(0), row = get_global_id(1);
    __local float As[TS][TS + 1];
    __local float Bs[TS][TS + 1];
    float acc = 0.0f;
    for (long k0 = 0; k0 < K; k0 += TS) {
        As[ty][tx] = (row < M && k0 + tx < K) ? vload_half(row * K + k0 + tx, A) : 0.0f;
        Bs[ty][tx] = (k0 + ty < K && col < N) ? vload_half((k0 + ty) * N + col, B) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TS; k++) acc += As[ty][k] * Bs[k][tx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (row < M && col < N) vstore_half_rte(acc, row * N + col, C);
}
