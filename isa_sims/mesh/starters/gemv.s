# gemv on the Tessera tile mesh: y[i] = sum over j < N of A[i, j] * x[j], i < M.
# Arguments (every tile): h0 = &A, h1 = &x, h2 = &y, h3 = M, h4 = N; h29 = y, h30 = x, h31 = tile id.
# Each tile owns ceil(M / NCORES) consecutive rows and their partial sums (YB, in local memory).
# x goes over the mesh, not through DRAM: for each panel of XC columns, tile 0 hauls x[panel]
# once, row 0 passes it east and every column passes it south (one message per hop; the inboxes
# let the senders run ahead). Each tile then hauls its rows' A[rows, panel] in blocks (one 2-D
# haul), and per row does lprod (A row * x panel, in place) and lfold, adding into YB.
# One stow writes the tile's y slice. (An x panel is LMEM/8 bytes: one message, at most MSGMAX on
# every config.)
.equ AB, 0                  # A block: LMEM/2 bytes
.equ AE, LMEM/8             # its elements
.equ XB, LMEM/2             # x panel: LMEM/8 bytes
.equ XC, LMEM/32            # its elements
.equ YB, LMEM/2+LMEM/8      # partial sums: up to LMEM/16 rows per tile
        mk    h21, 1
        beside h24, WEST
        beside h25, EAST
        beside h26, NORTH
        beside h27, SOUTH
        plusk h5, h3, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6            # rows per tile
        times h6, h5, h31           # h6: first row
        plus  h7, h6, h5
        least h7, h7, h3
        minus h8, h7, h6
        mk    h20, 0
        most  h8, h8, h20           # h8: rows of this tile (0 for a tile past the end)
        mk    h12, YB
        lfill h12, h20, h8          # partial sums = 0.0
        mk    h11, XB
        mk    h13, AB
        mk    h9, 0                 # p0
ploop:  goge  h9, h4, fin
        minus h10, h4, h9
        mk    h20, XC
        least h10, h10, h20         # h10: columns in this panel
        shift h23, h10, 2           # h23: panel bytes
        gonz  h31, xtake            # ---- the x panel
        shift h20, h9, 2
        plus  h20, h20, h1
        haul  h11, h20, h23, h21
        go    xfwd
xtake:  gonz  h29, xnorth
        take  h24, h11, h23         # row 0: from the west
        go    xfwd
xnorth: take  h26, h11, h23         # other rows: from the north
xfwd:   gonz  h29, xsouth
        mk    h20, GX-1
        goge  h30, h20, xsouth
        post  h25, h11, h23         # row 0 passes it east
xsouth: mk    h20, GY-1
        goge  h29, h20, rows
        post  h27, h11, h23         # and every column south
rows:   shift h20, h4, 2
        frame h20, h23              # A blocks: DRAM stride N*4, local stride = panel bytes
        mk    h20, AE
        quot  h14, h20, h10         # rows per haul
        mk    h15, 0
rloop:  goge  h15, h8, pnext
        minus h16, h8, h15
        least h16, h16, h14         # rows in this block
        plus  h20, h6, h15
        times h20, h20, h4
        plus  h20, h20, h9
        shift h20, h20, 2
        plus  h20, h20, h0          # &A[row, p0]
        haul  h13, h20, h23, h16
        mk    h17, AB
        shift h18, h15, 2
        plus  h18, h18, h12         # &YB[r]
        cp    h19, h16
rr:     lprod h17, h17, h11, h10
        lfold h20, h17, h10
        peek  h22, [h18]
        fplus h22, h22, h20
        poke  h22, [h18]
        plus  h17, h17, h23
        plusk h18, h18, 4
        redo  h19, rr
        plus  h15, h15, h16
        go    rloop
pnext:  plus  h9, h9, h10
        go    ploop
fin:    goz   h8, done
        shift h20, h8, 2
        shift h16, h6, 2
        plus  h16, h16, h2
        stow  h16, h12, h20, h21    # y[first row ..]
done:   rest
