"""gemv: y = A @ x, fp32. Each program owns BLOCK_M rows and streams them in [BLOCK_M, BLOCK_N]
tiles (contiguous along N, so the loads are coalesced and vectorised), multiplying by the matching
chunk of x (an L2 hit after the first program) and accumulating elementwise in fp32; one tree
reduction per row at the end. Small BLOCK_M keeps the grid large (M / 4 programs for wide rows) so
enough loads are in flight to saturate HBM; short rows get more rows per program instead.

AMD (rocm-triton, wavefront 64): the same file; 4 warps = 4 wavefronts (256 lanes), a [4, 1024]
tile is 16 fp32 per lane (four 16-byte loads). No dot (a matrix-vector product has no reuse for
MFMA), so no matrix_instr_nonkdim."""
import triton
import triton.language as tl


@triton.jit
def gemv_kernel(a_ptr, x_ptr, y_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.arange(0, BLOCK_N)
    row_ok = rows < M
    a_rows = a_ptr + rows.to(tl.int64)[:, None] * N
    acc = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
    for start in range(0, N, BLOCK_N):
        col_ok = start + cols < N
        a = tl.load(a_rows + start + cols[None, :], mask=row_ok[:, None] & col_ok[None, :], other=0.0)
        x = tl.load(x_ptr + start + cols, mask=col_ok, other=0.0)
        acc += a * x[None, :]
    tl.store(y_ptr + rows, tl.sum(acc, axis=1), mask=row_ok)


def kernel(A, x, y, M, N):
    block_n = min(triton.next_power_of_2(N), 1024)
    block_m = min(max(4096 // block_n, 4), 64)
    gemv_kernel[(triton.cdiv(M, block_m),)](A, x, y, M, N, BLOCK_M=block_m, BLOCK_N=block_n, num_warps=4)
