# gemv on the Loom systolic engine: y = A @ x (fp32, A row-major M x N).
# Arguments: g0 = &A, g1 = &x, g2 = &y, g3 = M, g4 = N.
# The array computes a block of TM rows of y at a time: for each DIM-wide column step, x[j0 .. j0+jj) is
# pulled as the first column of a weight tile (weight row k = x[j0+k]; the other columns are unused), the
# A slice (TM rows x jj columns) is pulled row by row into one of two buffers, and the slice is streamed
# through the tile (weft on the first step, weftadd after): acc[r, 0] accumulates y[i0 + r]. Column 0 of
# the block's accumulator rows is spilled to y; blocks alternate between two accumulator regions.
# gemv is bandwidth-bound: the DMA engine is the bottleneck and is kept busy by double buffering.
# Registers: g6 i0, g7 j0, g9 tm, g11 acc base, g12 A buffer, g13 W buffer, g14 parity, g15 jj,
# g27 = N*4, g29 = ROWB, g30 = DIM, g26 = 4, g25 = 1.
.equ TM, 512
.equ ABUF0, 0
.equ ABUF1, TM*ROWB
.equ WBUF0, 2*TM*ROWB
.equ WBUF1, WBUF0 + TILEB
        kshl   g27, g4, 2
        kset   g29, ROWB
        kset   g30, DIM
        kset   g26, 4
        kset   g25, 1
        kset   g11, 0
        kset   g14, 0
        kset   g6, 0
iloop:  ksub   g9, g3, g6
        kset   g16, TM
        kmin   g9, g9, g16          # tm = min(TM, M - i0)
        kset   g7, 0
jloop:  hopnz  g14, par1
        kset   g12, ABUF0
        kset   g13, WBUF0
        kset   g14, 1
        hop    parok
par1:   kset   g12, ABUF1
        kset   g13, WBUF1
        kset   g14, 0
parok:  ksub   g15, g4, g7
        kmin   g15, g15, g30        # jj = min(DIM, N - j0)
        dgeom  g26, g26, g29        # x[j0 + k] -> weight row k, column 0
        kshl   g17, g7, 2
        kadd   g17, g17, g1
        dpull  g13, g17, g15
        kshl   g16, g15, 2
        dgeom  g16, g27, g29        # A rows: jj*4 bytes, N*4 apart in DRAM, ROWB in the buffer
        kmul   g17, g6, g4
        kadd   g17, g17, g7
        kshl   g17, g17, 2
        kadd   g17, g17, g0         # &A[i0, j0]
        dpull  g12, g17, g9
        hopnz  g14, bank1
        warp   w1, g13, g15
        hopnz  g7, acc1
        weft   w1, g12, g11, g9
        hop    stepped
acc1:   weftadd w1, g12, g11, g9
        hop    stepped
bank1:  warp   w0, g13, g15
        hopnz  g7, acc0
        weft   w0, g12, g11, g9
        hop    stepped
acc0:   weftadd w0, g12, g11, g9
stepped: kadd  g7, g7, g30
        hoplt  g7, g4, jloop
        dgeom  g26, g26, g29        # column 0 of each accumulator row -> y (4 bytes apart)
        kshl   g17, g6, 2
        kadd   g17, g17, g2
        dspill g17, g11, g9
        kset   g16, TM
        ksub   g11, g16, g11        # the next block uses the other accumulator region
        kaddi  g6, g6, TM
        hoplt  g6, g3, iloop
        finish
