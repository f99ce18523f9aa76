"""histogram: counts[b] = #{i : values[i] == b}, int32, exact. counts arrives poisoned: a first
kernel zeroes it. Then two regimes:
* few bins (B <= 1024): at most MAX_PROGRAMS programs stride over BLOCK-wide chunks and build a
  private histogram on chip with tl.histogram (a block-local count, no global traffic), then
  add it to counts with one atomic per bin: the hot bins of skewed data cost one atomic per
  program, not one per value;
* many bins: one relaxed tl.atomic_add of 1 per value (contention is spread over the bins).
Counting is exact in both; integer atomics make the result independent of order.

NUM_BINS >= 64 so the final per-bin atomics fill at least one 64-lane wavefront (two NVIDIA warps);
fewer bins would compile too.

AMD (rocm-triton, wavefront 64): the same file; 8 warps = 8 wavefronts. Checked in the AMDGCN:
tl.histogram counts with LDS atomics (ds_add_u32) and the per-bin adds are native global integer
atomics on gfx90a and gfx942, so both regimes port unchanged. No dot."""
import triton
import triton.language as tl

MAX_PROGRAMS = 1024
PRIVATE_MAX_BINS = 1024


@triton.jit
def zero_kernel(counts_ptr, B, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    tl.store(counts_ptr + offs, tl.zeros([BLOCK], tl.int32), mask=offs < B)


@triton.jit
def private_histogram_kernel(values_ptr, counts_ptr, N, B, BLOCK: tl.constexpr, NUM_BINS: tl.constexpr):
    pid = tl.program_id(0)
    step = tl.num_programs(0).to(tl.int64) * BLOCK
    offs = tl.arange(0, BLOCK)
    hist = tl.zeros([NUM_BINS], tl.int32)
    for start in range(pid.to(tl.int64) * BLOCK, N, step):
        mask = start + offs < N
        v = tl.load(values_ptr + start + offs, mask=mask, other=0)
        hist += tl.histogram(v, NUM_BINS, mask=mask)
    bins = tl.arange(0, NUM_BINS)
    tl.atomic_add(counts_ptr + bins, hist, mask=(bins < B) & (hist > 0), sem="relaxed")


@triton.jit
def atomic_histogram_kernel(values_ptr, counts_ptr, N, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    v = tl.load(values_ptr + offs, mask=mask, other=0)
    tl.atomic_add(counts_ptr + v, tl.full([BLOCK], 1, tl.int32), mask=mask, sem="relaxed")


def kernel(values, counts, N, B):
    zero_kernel[(triton.cdiv(B, 1024),)](counts, B, BLOCK=1024, num_warps=4)
    if B <= PRIVATE_MAX_BINS:
        BLOCK = 4096
        programs = max(1, min(triton.cdiv(N, BLOCK), MAX_PROGRAMS))
        private_histogram_kernel[(programs,)](values, counts, N, B, BLOCK=BLOCK,
                                              NUM_BINS=max(triton.next_power_of_2(B), 64), num_warps=8)
    else:
        atomic_histogram_kernel[(triton.cdiv(N, 1024),)](values, counts, N, BLOCK=1024, num_warps=4)
