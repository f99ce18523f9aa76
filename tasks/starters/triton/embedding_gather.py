"""embedding_gather: out[r, :] = table[idx[r], :]. Each program copies BLOCK_R rows of BLOCK_D
columns (a 2-D grid over rows and column blocks): the row indices are loaded once per program, the
table rows and the output rows are read and written contiguously (16-byte vectors where D is a
multiple of 16, which Triton learns from its divisibility specialisation of integer arguments), int64 row
offsets. Short rows get more rows per program so every program moves about 2048 elements (16 per
thread).

AMD (rocm-triton, wavefront 64): the same file; 4 warps = 4 wavefronts (256 lanes), 8 fp32 per
lane per program; no dot, so no matrix_instr_nonkdim."""
import triton
import triton.language as tl


@triton.jit
def gather_kernel(table_ptr, idx_ptr, out_ptr, D, N, BLOCK_R: tl.constexpr, BLOCK_D: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_R + tl.arange(0, BLOCK_R)
    cols = tl.program_id(1) * BLOCK_D + tl.arange(0, BLOCK_D)
    row_ok = rows < N
    src = tl.load(idx_ptr + rows, mask=row_ok, other=0).to(tl.int64)
    mask = row_ok[:, None] & (cols < D)[None, :]
    vals = tl.load(table_ptr + src[:, None] * D + cols[None, :], mask=mask)
    tl.store(out_ptr + rows.to(tl.int64)[:, None] * D + cols[None, :], vals, mask=mask)


def kernel(table, idx, out, V, D, N):
    block_d = min(triton.next_power_of_2(D), 512)
    block_r = min(max(2048 // block_d, 1), 1024)
    grid = (triton.cdiv(N, block_r), triton.cdiv(D, block_d))
    gather_kernel[grid](table, idx, out, D, N, BLOCK_R=block_r, BLOCK_D=block_d, num_warps=4)
