# row_sum on the Tessera tile mesh: out[i] = sum over j < N of x[i, j], i < M.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = M, h3 = N; h29 = y, h30 = x, h31 = tile id.
# Fewer rows than tiles (M < NCORES): every row is split across all tiles instead; each folds its
# column slice and the partial sums meet over the mesh as in sum.s (west along the rows, north
# down column 0, tile 0 stows out[i]).
# Otherwise each tile takes ceil(M / NCORES) consecutive rows. Short rows (N <= CE): one haul
# brings as many whole rows as fit (they are contiguous in DRAM), an lfold per row pokes its sum
# into an output block, and one stow writes the block. Long rows: each row is hauled in chunks, lfold per chunk,
# partial sums added with fplus. The tiles share the DRAM channel, which the big hauls keep busy.
.equ CB, LMEM/2             # x buffer bytes
.equ CE, CB/4
.equ OUTB, CB               # output block (up to OE sums)
.equ OE, LMEM/16
.equ MB, LMEM-16            # 4-byte message buffer (split mode)
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h9, CE
        mk    h19, NCORES
        golt  h2, h19, split
        plusk h5, h2, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6            # rows per tile
        times h7, h5, h31           # h7: first row of this tile
        plus  h8, h7, h5
        least h8, h8, h2            # h8: end row
        quot  h4, h9, h3            # h4: whole rows per haul (0: rows are long)
        mk    h19, OE
        least h4, h4, h19
        shift h18, h3, 2            # bytes per row
        mk    h17, OUTB
        goz   h4, long
short:  goge  h7, h8, done
        minus h10, h8, h7
        least h10, h10, h4          # rows in this batch
        times h11, h18, h10
        times h12, h7, h18
        plus  h12, h12, h0
        haul  h20, h12, h11, h21    # the batch's rows, one contiguous transfer
        mk    h13, 0
        mk    h14, OUTB
        cp    h15, h10
srow:   lfold h16, h13, h3
        poke  h16, [h14]
        plus  h13, h13, h18
        plusk h14, h14, 4
        redo  h15, srow
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h12, h12, h1
        stow  h12, h17, h11, h21
        plus  h7, h7, h10
        go    short
long:   goge  h7, h8, done
        mk    h15, 0                # the row's sum (0.0)
        mk    h10, 0                # column
lcol:   goge  h10, h3, lout
        minus h11, h3, h10
        least h11, h11, h9
        shift h12, h11, 2
        times h13, h7, h3
        plus  h13, h13, h10
        shift h13, h13, 2
        plus  h13, h13, h0
        haul  h20, h13, h12, h21
        lfold h16, h20, h11
        fplus h15, h15, h16
        plus  h10, h10, h11
        go    lcol
lout:   poke  h15, [h17]
        shift h12, h7, 2
        plus  h12, h12, h1
        mk    h11, 4
        stow  h12, h17, h11, h21
        plusk h7, h7, 1
        go    long
split:  mk    h17, MB               # ---- M < NCORES: each row over every tile
        mk    h18, 4
        plusk h5, h3, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6            # columns per tile
        mk    h7, 0                 # row
xrow:   goge  h7, h2, done
        times h10, h5, h31
        plus  h11, h10, h5
        least h11, h11, h3          # this tile's columns [h10, h11)
        mk    h15, 0
xcol:   goge  h10, h11, xred
        minus h12, h11, h10
        least h12, h12, h9
        shift h13, h12, 2
        times h14, h7, h3
        plus  h14, h14, h10
        shift h14, h14, 2
        plus  h14, h14, h0
        haul  h20, h14, h13, h21
        lfold h16, h20, h12
        fplus h15, h15, h16
        plus  h10, h10, h12
        go    xcol
xred:   mk    h19, GX-1
        goge  h30, h19, xrowout     # last column: nothing comes from the east
        beside h22, EAST
        take  h22, h17, h18
        peek  h16, [h17]
        fplus h15, h15, h16
xrowout: goz  h30, xcolumn
        poke  h15, [h17]
        beside h22, WEST
        post  h22, h17, h18
        go    xnext
xcolumn: mk   h19, GY-1
        goge  h29, h19, xcolout     # last row: nothing comes from the south
        beside h22, SOUTH
        take  h22, h17, h18
        peek  h16, [h17]
        fplus h15, h15, h16
xcolout: poke h15, [h17]
        goz   h29, xstore
        beside h22, NORTH
        post  h22, h17, h18
        go    xnext
xstore: shift h14, h7, 2
        plus  h14, h14, h1
        stow  h14, h17, h18, h21
xnext:  plusk h7, h7, 1
        go    xrow
done:   rest
