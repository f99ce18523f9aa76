# matmul on the Loom systolic engine: C = A @ B (fp32, row-major).
# Arguments: g0 = &A (M x K), g1 = &B (K x N), g2 = &C (M x N), g3 = M, g4 = N, g5 = K.
#
# Weight-stationary blocking: a C block of TM rows x NB weight-tile columns lives in one half of the
# accumulators (TM*NB rows). For each k-step (DIM wide) the A slice (TM x DIM) and NB weight tiles
# (DIM x DIM) are pulled into one of two buffer sets (double buffering: the scoreboard lets the next
# step's pulls run while the array works on this one); each tile is loaded into alternating weight banks
# (w0/w1: the next tile loads while the current one streams) and the A slice is streamed through it
# (weft on the first k-step, weftadd after). Finished blocks are spilled by DMA while the next block
# accumulates into the other half. Edges: pulls copy only the valid columns, warp zeroes rows >= kk,
# and spills write only the valid columns, so any M, N, K works.
#
# Registers: g6 i0, g7 j0, g8 k0, g9 tm, g10 nt (tiles in this block), g11 accumulator half,
# g12/g13 A/B buffer of this step, g14 parity, g15 kk; g27 = K*4, g28 = N*4, g29 = ROWB, g30 = DIM.
.equ TM, 128
.equ NB, ACCROWS/2/TM
.equ HALF, ACCROWS/2
.equ ABUF0, 0
.equ ABUF1, TM*ROWB
.equ BBUF0, 2*TM*ROWB
.equ BBUF1, BBUF0 + NB*TILEB
        kshl   g27, g5, 2
        kshl   g28, g4, 2
        kset   g29, ROWB
        kset   g30, DIM
        kset   g11, 0
        kset   g14, 0
        kset   g6, 0
iloop:  ksub   g9, g3, g6
        kset   g16, TM
        kmin   g9, g9, g16          # tm = min(TM, M - i0)
        kset   g7, 0
jloop:  ksub   g16, g4, g7
        kaddi  g16, g16, DIM-1
        kdiv   g16, g16, g30
        kset   g17, NB
        kmin   g10, g16, g17        # nt = min(NB, ceil((N - j0) / DIM))
        kset   g8, 0
kloop:  hopnz  g14, par1
        kset   g12, ABUF0
        kset   g13, BBUF0
        kset   g14, 1
        hop    parok
par1:   kset   g12, ABUF1
        kset   g13, BBUF1
        kset   g14, 0
parok:  ksub   g15, g5, g8
        kmin   g15, g15, g30        # kk = min(DIM, K - k0)
        kshl   g16, g15, 2
        dgeom  g16, g27, g29        # A slice rows: kk*4 bytes, K*4 apart in DRAM, ROWB in the buffer
        kmul   g17, g6, g5
        kadd   g17, g17, g8
        kshl   g17, g17, 2
        kadd   g17, g17, g0         # &A[i0, k0]
        dpull  g12, g17, g9
        kmul   g18, g8, g4
        kadd   g18, g18, g7
        kshl   g18, g18, 2
        kadd   g18, g18, g1         # &B[k0, j0]
        kcopy  g19, g13
        ksub   g20, g4, g7          # columns left in this block row
        kcopy  g21, g10
bload:  kmin   g22, g20, g30
        kshl   g22, g22, 2
        dgeom  g22, g28, g29        # weight tile rows: nn*4 bytes, N*4 apart in DRAM, ROWB in the buffer
        dpull  g19, g18, g15
        kaddi  g18, g18, ROWB
        kaddi  g19, g19, TILEB
        ksub   g20, g20, g30
        tally  g21, bload
        kcopy  g19, g13
        kcopy  g23, g11
        kcopy  g21, g10
        hopnz  g8, cacc
cset:   warp   w0, g19, g15
        weft   w0, g12, g23, g9
        kaddi  g19, g19, TILEB
        kaddi  g23, g23, TM
        kaddi  g21, g21, -1
        hopz   g21, kdone
        warp   w1, g19, g15
        weft   w1, g12, g23, g9
        kaddi  g19, g19, TILEB
        kaddi  g23, g23, TM
        tally  g21, cset
        hop    kdone
cacc:   warp   w0, g19, g15
        weftadd w0, g12, g23, g9
        kaddi  g19, g19, TILEB
        kaddi  g23, g23, TM
        kaddi  g21, g21, -1
        hopz   g21, kdone
        warp   w1, g19, g15
        weftadd w1, g12, g23, g9
        kaddi  g19, g19, TILEB
        kaddi  g23, g23, TM
        tally  g21, cacc
kdone:  kadd   g8, g8, g30
        hoplt  g8, g5, kloop
        kmul   g18, g6, g4
        kadd   g18, g18, g7
        kshl   g18, g18, 2
        kadd   g18, g18, g2         # &C[i0, j0]
        kcopy  g23, g11
        ksub   g20, g4, g7
        kcopy  g21, g10
spill:  kmin   g22, g20, g30
        kshl   g22, g22, 2
        dgeom  g22, g28, g29
        dspill g18, g23, g9         # tm rows of this tile's valid columns -> C
        kaddi  g18, g18, ROWB
        kaddi  g23, g23, TM
        ksub   g20, g20, g30
        tally  g21, spill
        kset   g16, HALF
        ksub   g11, g16, g11        # the next block accumulates into the other half
        kaddi  g7, g7, NB*DIM
        hoplt  g7, g4, jloop
        kaddi  g6, g6, TM
        hoplt  g6, g3, iloop
        finish
