"""conv1d: y[i] = sum_k w[k] x[i + k - K//2], zero 'same' padding. One program per BLOCK outputs,
a loop over the K taps: each tap is one coalesced (shifted) load of the block's x window, served
from L1/L2 after the first tap, and one fp32 FMA per output; the scalar w[k] comes from the cache.
DRAM traffic is x once plus y once; the padding is the load mask.

AMD (rocm-triton, wavefront 64): the same file; 4 warps = 4 wavefronts (256 lanes, 4 outputs
each). The shifted window loads are unaligned for most taps, so they stay 4-byte loads on both
vendors; the taps hit the 64 KiB L1/LDS-side cache on CDNA. No dot, so no matrix_instr_nonkdim."""
import triton
import triton.language as tl


@triton.jit
def conv1d_kernel(x_ptr, w_ptr, y_ptr, N, K, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    half = K // 2
    acc = tl.zeros([BLOCK], tl.float32)
    for k in range(0, K):
        src = offs + (k - half)
        x = tl.load(x_ptr + src, mask=(src >= 0) & (src < N), other=0.0)
        acc += tl.load(w_ptr + k) * x
    tl.store(y_ptr + offs, acc, mask=offs < N)


def kernel(x, w, y, N, K):
    BLOCK = 1024
    conv1d_kernel[(triton.cdiv(N, BLOCK),)](x, w, y, N, K, BLOCK=BLOCK, num_warps=4)
