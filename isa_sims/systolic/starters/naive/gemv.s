# gemv on the Loom systolic engine, the naive way: y = A @ x (fp32, A row-major M x N), DIM rows of y at a
# time, one weight bank, one buffer per operand, no overlap.
# Arguments: g0 = &A, g1 = &x, g2 = &y, g3 = M, g4 = N.
# For each block of tm <= DIM rows and each DIM-wide column step: pull x[j0 .. j0+jj) as column 0 of a
# weight tile (weight row k = x[j0+k]), pull the A slice (tm x jj), load the tile into w0, stream the slice
# (weft first, weftadd after): acc[r, 0] accumulates y[i0 + r]; then spill column 0 to y.
# Registers: g6 i0, g7 j0, g9 tm, g15 jj; g27 = N*4, g29 = ROWB, g30 = DIM, g26 = 4.
.equ ABUF, 0
.equ WBUF, TILEB
        kshl   g27, g4, 2
        kset   g29, ROWB
        kset   g30, DIM
        kset   g26, 4
        kset   g12, ABUF
        kset   g13, WBUF
        kset   g11, 0
        kset   g6, 0
iloop:  ksub   g9, g3, g6
        kmin   g9, g9, g30          # tm
        kset   g7, 0
jloop:  ksub   g15, g4, g7
        kmin   g15, g15, g30        # jj
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
        warp   w0, g13, g15
        hopnz  g7, acc
        weft   w0, g12, g11, g9
        hop    stepped
acc:    weftadd w0, g12, g11, g9
stepped: kadd  g7, g7, g30
        hoplt  g7, g4, jloop
        dgeom  g26, g26, g29        # column 0 of each accumulator row -> y
        kshl   g17, g6, 2
        kadd   g17, g17, g2
        dspill g17, g11, g9
        kadd   g6, g6, g30
        hoplt  g6, g3, iloop
        finish
