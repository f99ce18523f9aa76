// matmul_fp16: C = A @ B, float16 in and out, fp32 accumulation on the tensor cores. Two kernels, one
// launch per call, picked by the `when:` conditions below:
// * matmul_fp16_tma (Hopper, rows 16-byte aligned: K and N multiples of 8): warp-specialized. A 384-thread
//   block computes a 128x256 tile of C. Warpgroup 0 is the producer: one thread issues TMA copies
//   (cp.async.bulk.tensor, from the host-built tensor maps of `tensormap(...)`) of the 128x64 A tile and
//   four 64x64 B boxes into a 4-stage ring of 48 KiB stages, each completing on its stage's "full"
//   mbarrier; it gives its registers away (setmaxnreg 40). Warpgroups 1 and 2 are consumers (setmaxnreg
//   232): each waits on "full", issues four m64n256k16 wgmma on its 64 rows straight from the 128-byte
//   swizzled tiles TMA wrote, keeps one batch in flight, and releases the previous stage on its "empty"
//   mbarrier. TMA zero-fills past the matrix edges, so any M works.
// * matmul_fp16 (everything else: unaligned rows, other GPUs): the cp.async design described next.
//
// matmul_fp16, the general kernel:
// A 256-thread block computes a 128x256 tile of C; K advances 64 at a time through a 3-stage cp.async
// pipeline in XOR-swizzled shared memory (3 x 48 KiB = 144 KiB of dynamic shared memory; the backend
// raises the kernel's limit past 48 KiB). Blocks go in groups of 8 tile rows so neighbours
// share A and B panels in L2. Two code paths, picked at compile time:
// * sm_90a (Hopper's arch-specific target, `-gencode=arch=compute_90a,code=sm_90a`): wgmma. The two
//   warpgroups each issue m64n128k16 warpgroup MMAs straight from shared memory (A K-major with the
//   64-byte swizzle, B N-major with the 128-byte swizzle, as the wgmma descriptors describe them),
//   one batch in flight while the next tiles load.
// * any other target (the cuda backend builds sm_90a for Hopper, plain sm_XX elsewhere): mma.sync.m16n8k16
//   fed by ldmatrix; 8 warps of 64x64.
// Edges: rows/columns/K chunks past the matrix are zero-filled by cp.async (src-size 0); when K or N
// is not a multiple of 8 (rows not 16-byte aligned) the same tiles are gathered element by element
// instead, so any M, N, K works. The epilogue rounds to half once and writes only in-range elements.
// The 48 KiB configuration (KH_BN 128, KH_BK 32, KH_MIN_BLOCKS 2, `global: cdiv(M, 128) * cdiv(N, 128) * 256`,
// `local(half, 3 * (128 * 32 + 32 * 128))`) ran about 23% slower with wgmma at 4096^3 on the H100
// (benchmarks/cuda_matmul_sweep.py).
//! kernel: matmul_fp16_tma
//! when: sm == 90 and K % 8 == 0 and N % 8 == 0
//! global: cdiv(M, 128) * cdiv(N, 256) * 384
//! local: 384
//! args: tensormap(A, 128, 64, swizzle=128), tensormap(B, 64, 64, swizzle=128), C, M, N, K, local(half, 4 * (128 * 64 + 64 * 256) + 64)
//! kernel: matmul_fp16
//! when: sm != 90 or K % 8 != 0 or N % 8 != 0
//! global: cdiv(M, 128) * cdiv(N, 256) * 256
//! local: 256
//! args: A, B, C, M, N, K, local(half, 3 * (128 * 64 + 64 * 256))
#include <cuda.h>  // CUtensorMap
#include <cuda_fp16.h>
#include <stdint.h>

#ifndef KH_BM
#define KH_BM 128     // block tile rows
#endif
#ifndef KH_BN
#define KH_BN 256     // block tile columns
#endif
#ifndef KH_BK
#define KH_BK 64      // K per pipeline stage (32 or 64)
#endif
#ifndef KH_STAGES
#define KH_STAGES 3
#endif
#ifndef KH_WARPS_M
#define KH_WARPS_M 2  // warps along M (KH_WARPS_M * KH_WARPS_N warps per block)
#endif
#ifndef KH_WARPS_N
#define KH_WARPS_N 4
#endif
#ifndef KH_MIN_BLOCKS
#define KH_MIN_BLOCKS 1
#endif
#define KH_GROUP_M 8
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define KH_WGMMA 1  // sm_90a: warpgroup MMA
#else
#define KH_WGMMA 0
#endif

namespace {
constexpr int BM = KH_BM, BN = KH_BN, BK = KH_BK, STAGES = KH_STAGES;
constexpr int THREADS = KH_WARPS_M * KH_WARPS_N * 32;
constexpr int WTM = BM / KH_WARPS_M, WTN = BN / KH_WARPS_N;  // warp tile
#if !KH_WGMMA
constexpr int MT = WTM / 16, NT = WTN / 8;                    // m16n8 fragments per warp (mma.sync)
#endif
constexpr int A_CHUNKS = BK / 8, B_CHUNKS = BN / 8;           // 16-byte chunks per smem row
constexpr int A_STAGE = BM * BK, B_STAGE = BK * BN;           // halves per stage
static_assert(BK == 32 || BK == 64, "BK must be 32 or 64");
static_assert(!KH_WGMMA || (BM == 128 && THREADS == 256 && (BN == 128 || BN == 256)),
              "the wgmma path is two warpgroups of 64 rows each, N = 128 or 256");
static_assert(WTM % 16 == 0 && WTN % 16 == 0, "warp tile must be a multiple of 16x16");
static_assert((BM * A_CHUNKS) % THREADS == 0 && (BK * B_CHUNKS) % THREADS == 0, "tile loads must divide");

// Swizzled half offset of 16-byte chunk c of row r. A rows are BK halves (64 or 128 bytes): XOR the
// chunk with bits of the row so 8 consecutive rows of one chunk column land in 8 distinct 16-byte
// bank groups. B rows are BN halves (>= 256 bytes): XOR the low 3 chunk bits with the row.
__device__ __forceinline__ int a_off(int r, int c) {
    return r * BK + ((BK == 32 ? (c ^ ((r >> 1) & 3)) : (c ^ (r & 7))) << 3);
}
#if KH_WGMMA
// wgmma's N-major operand with the 128-byte swizzle: 1 KiB atoms of 8 k-rows x 64 columns, atoms of one
// 8-row k group side by side along N (descriptor LBO = 1 KiB), k groups BN/64 KiB apart (SBO).
__device__ __forceinline__ int b_off(int r, int c) {
    return (((r >> 3) * (BN / 64) + (c >> 3)) << 9) + ((r & 7) << 6) + (((c & 7) ^ (r & 7)) << 3);
}
#else
__device__ __forceinline__ int b_off(int r, int c) { return r * BN + ((c ^ (r & 7)) << 3); }
#endif

__device__ __forceinline__ uint32_t smem_u32(const void *p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void cp_async16(uint32_t dst, const void *src, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

#if !KH_WGMMA
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

#endif
#if KH_WGMMA
// Shared-memory matrix descriptor: start address, leading / stride byte offsets (16-byte units) and
// the swizzle mode (1 = 128-byte, 2 = 64-byte); base offset 0, so atoms must sit on 1 KiB boundaries.
__device__ __forceinline__ uint64_t wg_desc(uint32_t addr, uint32_t lbo, uint32_t sbo, uint32_t swz) {
    return (uint64_t)((addr >> 4) & 0x3FFF) | ((uint64_t)(lbo >> 4) << 16) | ((uint64_t)(sbo >> 4) << 32) |
           ((uint64_t)swz << 62);
}
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory"); }
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }
// D(64 x N, f32) += A(64 x 16, K-major, from a descriptor) * B(16 x N, N-major: imm-trans-b = 1)
#if KH_BN == 128
__device__ __forceinline__ void wgmma_m64n128(float (&d)[64], uint64_t da, uint64_t db) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
        "}, %64, %65, p, 1, 1, 0, 1;\n}\n"
        :
          "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
          "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
          "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
          "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
          "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
          "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
          "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
          "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "l"(da), "l"(db), "r"(1));
}
#else
__device__ __forceinline__ void wgmma_m64n256(float (&d)[128], uint64_t da, uint64_t db) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k16.f32.f16.f16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
        "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
        "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
        "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
        "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
        "}, %128, %129, p, 1, 1, 0, 1;\n}\n"
        :
          "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
          "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
          "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
          "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
          "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
          "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
          "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
          "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]),
          "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]),
          "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),
          "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]),
          "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]),
          "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]),
          "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),
          "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]),
          "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
        : "l"(da), "l"(db), "r"(1));
}
#endif
#endif

// 8 consecutive halves of row `row`, columns col..col+7 of a ld-wide matrix, zero past (rows, cols):
// the unaligned path (ld not a multiple of 8).
__device__ __forceinline__ uint4 gather8(const __half *__restrict__ P, long long row, long long col,
                                         long long rows, long long cols, long long ld) {
    union { uint4 v; __half h[8]; } u;
#pragma unroll
    for (int i = 0; i < 8; ++i)
        u.h[i] = (row < rows && col + i < cols) ? P[row * ld + col + i] : __float2half(0.0f);
    return u.v;
}

// One thread's share of the tile loads. Chunk i of a thread sits NA/NB rows-of-threads below chunk 0,
// so only chunk 0's coordinates are kept (registers are the limit at 2 blocks per SM).
struct Loader {
    static constexpr int NA = BM * A_CHUNKS / THREADS, NB = BK * B_CHUNKS / THREADS;
    static constexpr int A_STEP = THREADS / A_CHUNKS, B_STEP = THREADS / B_CHUNKS;  // rows between chunks
    int ar, ac, br, bc;  // chunk 0: tile row, 16-byte chunk column

    __device__ __forceinline__ explicit Loader(int tid)
        : ar(tid / A_CHUNKS), ac(tid % A_CHUNKS), br(tid / B_CHUNKS), bc(tid % B_CHUNKS) {}

    // Issue the loads of the K tile at k0 into stage `s`: 16-byte cp.async (zero-filled past the
    // edges) when rows are 16-byte aligned (`vec`), else element gathers with ordinary stores.
    __device__ __forceinline__ void load(__half *As, __half *Bs, const __half *__restrict__ A,
                                         const __half *__restrict__ B, long long M, long long N, long long K,
                                         long long row0, long long col0, long long k0, int s, bool vec) const {
        __half *as = As + s * A_STAGE, *bs = Bs + s * B_STAGE;
        const long long ak = k0 + ac * 8, bcol = col0 + bc * 8;
        if (vec) {
#pragma unroll
            for (int i = 0; i < NA; ++i) {
                const int r = ar + i * A_STEP;
                const long long gr = row0 + r;
                const bool ok = gr < M && ak < K;
                cp_async16(smem_u32(as + a_off(r, ac)), ok ? A + gr * K + ak : A, ok);
            }
#pragma unroll
            for (int i = 0; i < NB; ++i) {
                const int r = br + i * B_STEP;
                const long long gk = k0 + r;
                const bool ok = gk < K && bcol < N;
                cp_async16(smem_u32(bs + b_off(r, bc)), ok ? B + gk * N + bcol : B, ok);
            }
        } else {  // not unrolled: the gathers must not compete with the accumulators for registers
#pragma unroll 1
            for (int i = 0; i < NA; ++i) {
                const int r = ar + i * A_STEP;
                *reinterpret_cast<uint4 *>(as + a_off(r, ac)) = gather8(A, row0 + r, ak, M, K, K);
            }
#pragma unroll 1
            for (int i = 0; i < NB; ++i) {
                const int r = br + i * B_STEP;
                *reinterpret_cast<uint4 *>(bs + b_off(r, bc)) = gather8(B, k0 + r, bcol, K, N, N);
            }
        }
    }
};

// Write one m16n8 accumulator fragment (rows r0 + g and r0 + g + 8, columns c0 + 2t, c0 + 2t + 1 of
// lane 4g + t; the same layout for mma.sync and for each 8 columns of a wgmma warp's 16 rows) as half.
__device__ __forceinline__ void store_frag(__half *__restrict__ C, long long M, long long N, long long r0,
                                           long long c0, float v0, float v1, float v2, float v3, int lane,
                                           bool pair) {
    const long long c = c0 + 2 * (lane & 3);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const long long r = r0 + (lane >> 2) + 8 * h;
        if (r >= M) continue;
        const float a = h ? v2 : v0, b = h ? v3 : v1;
        if (pair && c + 1 < N) {
            *reinterpret_cast<__half2 *>(C + r * N + c) = __floats2half2_rn(a, b);
        } else {
            if (c < N) C[r * N + c] = __float2half_rn(a);
            if (c + 1 < N) C[r * N + c + 1] = __float2half_rn(b);
        }
    }
}
}  // namespace

extern "C" __global__ void __launch_bounds__(THREADS, KH_MIN_BLOCKS)
matmul_fp16(const __half *__restrict__ A, const __half *__restrict__ B, __half *__restrict__ C,
            long long M, long long N, long long K) {
    extern __shared__ __align__(1024) unsigned char kh_smem[];
    __half *As = reinterpret_cast<__half *>(kh_smem);
    __half *Bs = As + STAGES * A_STAGE;
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;

    // grouped tile order: KH_GROUP_M tile rows sweep the tile columns together
    const int tiles_m = (int)((M + BM - 1) / BM), tiles_n = (int)((N + BN - 1) / BN);
    const int pid = blockIdx.x, group = KH_GROUP_M * tiles_n;
    const int first_m = (pid / group) * KH_GROUP_M;
    const int size_m = min(tiles_m - first_m, KH_GROUP_M);
    const int tm = first_m + (pid % group) % size_m, tn = (pid % group) / size_m;
    const long long row0 = (long long)tm * BM, col0 = (long long)tn * BN;

    const bool vec = ((K | N) & 7) == 0 && ((reinterpret_cast<uintptr_t>(A) | reinterpret_cast<uintptr_t>(B)) & 15) == 0;
    const bool pair = (N & 1) == 0 && (reinterpret_cast<uintptr_t>(C) & 3) == 0;
    const int ktiles = (int)((K + BK - 1) / BK);
    const uint32_t as_base = smem_u32(As), bs_base = smem_u32(Bs);

    const Loader ld(tid);
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < ktiles) ld.load(As, Bs, A, B, M, N, K, row0, col0, (long long)s * BK, s, vec);
        cp_async_commit();
    }

#if KH_WGMMA
    if (as_base & 1023) __trap();  // the descriptors' swizzle atoms assume 1 KiB alignment
    const int wg = warp / 4;       // warpgroup: rows wg*64 .. wg*64+63 of the tile
    float acc[BN / 2];
#pragma unroll
    for (int i = 0; i < BN / 2; ++i) acc[i] = 0.0f;
    for (int kt = 0; kt < ktiles; ++kt) {
        cp_async_wait<STAGES - 2>();
        fence_proxy_async();  // make this thread's cp.async data visible to the tensor cores' proxy
        __syncthreads();      // tile kt landed for everyone
        const int s = kt % STAGES;
        const uint32_t a_s = as_base + (s * A_STAGE + wg * 64 * BK) * 2, b_s = bs_base + s * B_STAGE * 2;
        wgmma_fence();
#pragma unroll
        for (int kk = 0; kk < BK / 16; ++kk) {
            const uint64_t da = wg_desc(a_s + kk * 32, 16, 8 * BK * 2, BK == 32 ? 2 : 1);
            const uint64_t db = wg_desc(b_s + kk * 2 * (BN / 64) * 1024, 1024, (BN / 64) * 1024, 1);
#if KH_BN == 256
            wgmma_m64n256(acc, da, db);
#else
            wgmma_m64n128(acc, da, db);
#endif
        }
        wgmma_commit();
        wgmma_wait<1>();  // this warpgroup's batch kt-1 is done ...
        __syncthreads();  // ... and everyone's, so its stage (refilled next) is free
        const int nk = kt + STAGES - 1;
        if (nk < ktiles) ld.load(As, Bs, A, B, M, N, K, row0, col0, (long long)nk * BK, nk % STAGES, vec);
        cp_async_commit();
    }
    wgmma_wait<0>();
#pragma unroll
    for (int i = 0; i < BN / 2; ++i) asm volatile("" : "+f"(acc[i])::"memory");  // results are read after the wait
    cp_async_wait<0>();
    const long long r0 = row0 + wg * 64 + (warp % 4) * 16;
#pragma unroll
    for (int j = 0; j < BN / 8; ++j)
        store_frag(C, M, N, r0, col0 + j * 8, acc[4 * j], acc[4 * j + 1], acc[4 * j + 2], acc[4 * j + 3], lane, pair);
#else
    const int wm = warp / KH_WARPS_N, wn = warp % KH_WARPS_N;
    float acc[MT][NT][4];
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
        for (int j = 0; j < NT; ++j)
#pragma unroll
            for (int q = 0; q < 4; ++q) acc[i][j][q] = 0.0f;

    // per-lane ldmatrix coordinates: A rows (lane & 15), chunk +(lane >> 4); B likewise in k / n
    const int lrow = lane & 15, lchunk = lane >> 4;
    for (int kt = 0; kt < ktiles; ++kt) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();  // tile kt landed for everyone; the stage refilled below is no longer read
        {
            const int nk = kt + STAGES - 1;
            if (nk < ktiles) ld.load(As, Bs, A, B, M, N, K, row0, col0, (long long)nk * BK, nk % STAGES, vec);
            cp_async_commit();
        }
        const int s = kt % STAGES;
        const uint32_t as_s = as_base + s * A_STAGE * 2, bs_s = bs_base + s * B_STAGE * 2;
#pragma unroll
        for (int kk = 0; kk < BK / 16; ++kk) {
            uint32_t af[MT][4], bf[NT / 2][4];
#pragma unroll
            for (int i = 0; i < MT; ++i)
                ldmatrix_x4(af[i], as_s + 2 * a_off(wm * WTM + i * 16 + lrow, kk * 2 + lchunk));
#pragma unroll
            for (int j = 0; j < NT / 2; ++j)
                ldmatrix_x4_trans(bf[j], bs_s + 2 * b_off(kk * 16 + lrow, (wn * WTN + j * 16) / 8 + lchunk));
#pragma unroll
            for (int i = 0; i < MT; ++i)
#pragma unroll
                for (int j = 0; j < NT; ++j)
                    mma16816(acc[i][j], af[i], bf[j / 2][(j & 1) * 2], bf[j / 2][(j & 1) * 2 + 1]);
        }
    }
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
        for (int j = 0; j < NT; ++j)
            store_frag(C, M, N, row0 + wm * WTM + i * 16, col0 + wn * WTN + j * 8, acc[i][j][0], acc[i][j][1],
                       acc[i][j][2], acc[i][j][3], lane, pair);
#endif
}

// ------------------------------------------------------------------ the TMA + warp-specialized kernel
#if KH_WGMMA
namespace tma {
constexpr int TBM = 128, TBN = 256, TBK = 64, TSTAGES = 4;
constexpr uint32_t A_BYTES = TBM * TBK * 2, B_BOX_BYTES = TBK * 64 * 2, STAGE_BYTES = A_BYTES + 4 * B_BOX_BYTES;

__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t bar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Spin until the phase with this parity has completed.
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
    uint32_t done;
    do {
        asm volatile("{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done) : "r"(bar), "r"(parity) : "memory");
    } while (!done);
}
// One 2-D TMA box (c0 = innermost coordinate) into shared memory, counted on `bar`.
__device__ __forceinline__ void tma_load(uint32_t dst, const CUtensorMap *map, uint32_t bar, int c0, int c1) {
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4}], [%2];\n"
                 ::"r"(dst), "l"(reinterpret_cast<uint64_t>(map)), "r"(bar), "r"(c0), "r"(c1) : "memory");
}
}  // namespace tma
#endif

extern "C" __global__ void __launch_bounds__(384, 1)
matmul_fp16_tma(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
                __half *__restrict__ C, long long M, long long N, long long K) {
#if KH_WGMMA
    extern __shared__ __align__(1024) unsigned char kh_smem[];
    const uint32_t base = smem_u32(kh_smem);
    const uint32_t bars = base + tma::TSTAGES * tma::STAGE_BYTES;  // full[s] at bars + 8 s, empty[s] at bars + 8 (tma::TSTAGES + s)
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, wg = warp / 4;

    const int tiles_m = (int)((M + tma::TBM - 1) / tma::TBM), tiles_n = (int)((N + tma::TBN - 1) / tma::TBN);
    const int pid = blockIdx.x, group = KH_GROUP_M * tiles_n;
    const int first_m = (pid / group) * KH_GROUP_M;
    const int size_m = min(tiles_m - first_m, KH_GROUP_M);
    const int tm = first_m + (pid % group) % size_m, tn = (pid % group) / size_m;
    const int row0 = tm * tma::TBM, col0 = tn * tma::TBN;
    const int ktiles = (int)((K + tma::TBK - 1) / tma::TBK);

    if (tid == 0) {
        if (base & 1023) __trap();  // 128-byte swizzle atoms must sit on 1 KiB boundaries
        for (int s = 0; s < tma::TSTAGES; ++s) {
            tma::mbar_init(bars + 8 * s, 1);                // the producer's arrive + the TMA bytes
            tma::mbar_init(bars + 8 * (tma::TSTAGES + s), 8);     // one arrive per consumer warp
        }
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();

    if (wg == 0) {  // producer warpgroup
        asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
        if (tid == 0) {
            for (int kt = 0; kt < ktiles; ++kt) {
                const int s = kt % tma::TSTAGES;
                if (kt >= tma::TSTAGES) tma::mbar_wait(bars + 8 * (tma::TSTAGES + s), ((kt / tma::TSTAGES) - 1) & 1);
                const uint32_t full = bars + 8 * s, a_s = base + s * tma::STAGE_BYTES, b_s = a_s + tma::A_BYTES;
                tma::mbar_expect_tx(full, tma::STAGE_BYTES);
                tma::tma_load(a_s, &tmA, full, kt * tma::TBK, row0);
#pragma unroll
                for (int j = 0; j < 4; ++j) tma::tma_load(b_s + j * tma::B_BOX_BYTES, &tmB, full, col0 + 64 * j, kt * tma::TBK);
            }
        }
    } else {  // consumer warpgroups 1 and 2: rows (wg - 1) * 64 .. + 63 of the tile
        asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
        const int cw = wg - 1;
        float acc[128];
#pragma unroll
        for (int i = 0; i < 128; ++i) acc[i] = 0.0f;
        for (int kt = 0; kt < ktiles; ++kt) {
            const int s = kt % tma::TSTAGES;
            tma::mbar_wait(bars + 8 * s, (kt / tma::TSTAGES) & 1);
            const uint32_t a_s = base + s * tma::STAGE_BYTES + cw * 64 * tma::TBK * 2, b_s = base + s * tma::STAGE_BYTES + tma::A_BYTES;
            wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < tma::TBK / 16; ++kk) {
                // A: K-major 128-byte rows, 8-row atoms 1 KiB apart; B: N-major 64-column boxes 8 KiB apart
                // (LBO), 8-row k groups 1 KiB apart (SBO); each k16 step is two k groups.
                const uint64_t da = wg_desc(a_s + kk * 32, 16, 1024, 1);
                const uint64_t db = wg_desc(b_s + kk * 2048, tma::B_BOX_BYTES, 1024, 1);
                wgmma_m64n256(acc, da, db);
            }
            wgmma_commit();
            wgmma_wait<1>();  // batch kt-1 has finished reading its stage
            if (kt > 0 && lane == 0) tma::mbar_arrive(bars + 8 * (tma::TSTAGES + (kt - 1) % tma::TSTAGES));
        }
        wgmma_wait<0>();
#pragma unroll
        for (int i = 0; i < 128; ++i) asm volatile("" : "+f"(acc[i])::"memory");
        const bool pair = (N & 1) == 0 && (reinterpret_cast<uintptr_t>(C) & 3) == 0;
        const long long r0 = (long long)row0 + cw * 64 + (warp % 4) * 16;
#pragma unroll
        for (int j = 0; j < tma::TBN / 8; ++j)
            store_frag(C, M, N, r0, (long long)col0 + j * 8, acc[4 * j], acc[4 * j + 1], acc[4 * j + 2],
                       acc[4 * j + 3], lane, pair);
    }
#else
    __trap();  // Hopper only: the when: condition (sm == 90) keeps other GPUs on matmul_fp16
#endif
}
