# row_sum on the Loom systolic engine: out[i] = sum over j < N of x[i, j] (x row-major M x N), on the array.
# Arguments: g0 = &x, g1 = &out, g2 = M, g3 = N.
# The array reduces: bank w0 holds a DIM x DIM tile of ones, so streaming an activation row through it puts
# the row's sum in every column of its accumulator row. A block of TM rows of x is handled one DIM-wide
# column step at a time: the TM x jj slice is pulled (rows ROWB apart) into one of two buffers (the
# scoreboard lets the next slice's pull run while the array streams this one) and streamed with weft on
# the first step, weftadd after. A last partial step (jj = N mod DIM < DIM columns) streams through bank
# w1, whose rows >= jj are zero, so stale buffer columns never count. Column 0 of the block's accumulator
# rows is spilled to out; blocks alternate between two accumulator regions so the spill overlaps the next
# block. Bandwidth-bound: the DMA engine is the bottleneck.
# Registers: g6 i0, g7 j0, g9 tm, g11 acc base, g12 slice buffer, g14 parity, g15 jj,
# g27 = N*4, g29 = ROWB, g30 = DIM, g26 = 4.
.equ TM, 512
.equ ABUF0, 0
.equ ABUF1, TM*ROWB
.equ ONES, 2*TM*ROWB
        kshl   g27, g3, 2
        kset   g29, ROWB
        kset   g30, DIM
        kset   g26, 4
        kset   g11, 0
        kset   g14, 0
        kset   g16, ONES
        kfset  g17, 1.0
        kset   g18, DIM*DIM
        eoffset g16, g16, g17, g18  # the ones tile (the buffer starts zeroed)
        warp   w0, g16, g30
        kdiv   g19, g3, g30
        kmul   g19, g19, g30
        ksub   g19, g3, g19         # N mod DIM
        warp   w1, g16, g19         # ones in rows < N mod DIM, zero below
        kset   g6, 0
iloop:  ksub   g9, g2, g6
        kset   g16, TM
        kmin   g9, g9, g16          # tm = min(TM, M - i0)
        kset   g7, 0
        kmul   g17, g6, g3
        kshl   g17, g17, 2
        kadd   g17, g17, g0         # &x[i0, 0]
jloop:  hopnz  g14, par1
        kset   g12, ABUF0
        kset   g14, 1
        hop    parok
par1:   kset   g12, ABUF1
        kset   g14, 0
parok:  ksub   g15, g3, g7
        kmin   g15, g15, g30        # jj = min(DIM, N - j0)
        kshl   g16, g15, 2
        dgeom  g16, g27, g29        # slice rows: jj*4 bytes, N*4 apart in DRAM, ROWB in the buffer
        dpull  g12, g17, g9
        kaddi  g17, g17, ROWB       # &x[i0, j0 + DIM] for the next step
        ksub   g16, g15, g30
        hopnz  g16, part
        hopnz  g7, accf
        weft   w0, g12, g11, g9
        hop    stepped
accf:   weftadd w0, g12, g11, g9
        hop    stepped
part:   hopnz  g7, accp
        weft   w1, g12, g11, g9
        hop    stepped
accp:   weftadd w1, g12, g11, g9
stepped: kadd  g7, g7, g30
        hoplt  g7, g3, jloop
        dgeom  g26, g26, g29        # column 0 of each accumulator row -> out (4 bytes apart)
        kshl   g16, g6, 2
        kadd   g16, g16, g1
        dspill g16, g11, g9
        kset   g16, TM
        ksub   g11, g16, g11        # the next block uses the other accumulator region
        kaddi  g6, g6, TM
        hoplt  g6, g2, iloop
        finish
