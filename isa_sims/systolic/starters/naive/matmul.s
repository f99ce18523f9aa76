# matmul on the Loom systolic engine, the naive way: C = A @ B (fp32, row-major), one DIM x DIM output tile
# at a time, one weight bank, one buffer per operand, no overlap.
# Arguments: g0 = &A (M x K), g1 = &B (K x N), g2 = &C (M x N), g3 = M, g4 = N, g5 = K.
# For each output tile (i0, j0) and each k-step: pull the A tile (tm x kk) and the B tile (kk x jj), load
# the B tile into w0 (rows >= kk load as zero), stream the A tile (weft on the first step, weftadd after)
# into accumulator rows 0..tm-1, then spill the tile's valid columns to C. Every step waits for the last.
# Registers: g6 i0, g7 j0, g8 k0, g9 tm, g10 jj, g15 kk; g27 = K*4, g28 = N*4, g29 = ROWB, g30 = DIM.
.equ ABUF, 0
.equ BBUF, TILEB
        kshl   g27, g5, 2
        kshl   g28, g4, 2
        kset   g29, ROWB
        kset   g30, DIM
        kset   g12, ABUF
        kset   g13, BBUF
        kset   g11, 0
        kset   g6, 0
iloop:  ksub   g9, g3, g6
        kmin   g9, g9, g30          # tm
        kset   g7, 0
jloop:  ksub   g10, g4, g7
        kmin   g10, g10, g30        # jj
        kshl   g24, g10, 2
        kset   g8, 0
kloop:  ksub   g15, g5, g8
        kmin   g15, g15, g30        # kk
        kshl   g16, g15, 2
        dgeom  g16, g27, g29        # A tile rows: kk*4 bytes, K*4 apart in DRAM
        kmul   g17, g6, g5
        kadd   g17, g17, g8
        kshl   g17, g17, 2
        kadd   g17, g17, g0         # &A[i0, k0]
        dpull  g12, g17, g9
        dgeom  g24, g28, g29        # B tile rows: jj*4 bytes, N*4 apart in DRAM
        kmul   g18, g8, g4
        kadd   g18, g18, g7
        kshl   g18, g18, 2
        kadd   g18, g18, g1         # &B[k0, j0]
        dpull  g13, g18, g15
        warp   w0, g13, g15
        hopnz  g8, acc
        weft   w0, g12, g11, g9
        hop    kdone
acc:    weftadd w0, g12, g11, g9
kdone:  kadd   g8, g8, g30
        hoplt  g8, g5, kloop
        dgeom  g24, g28, g29
        kmul   g18, g6, g4
        kadd   g18, g18, g7
        kshl   g18, g18, 2
        kadd   g18, g18, g2         # &C[i0, j0]
        dspill g18, g11, g9
        kadd   g7, g7, g30
        hoplt  g7, g4, jloop
        kadd   g6, g6, g30
        hoplt  g6, g3, iloop
        finish
