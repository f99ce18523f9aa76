# sum on the Tessera tile mesh: out[0] = sum of x[i], i < n.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = n; h29 = y, h30 = x, h31 = tile id.
# 1. Each tile folds its slice of ceil(n / NCORES) elements chunk by chunk (lfold) into h15.
# 2. Spanning-tree reduction over the mesh, neighbours only: along each row, partial sums flow west
#    (tile x takes from x+1, adds, posts to x-1); then down column 0 they flow north; tile 0 stows.
.equ CB, LMEM/2
.equ CE, CB/4
.equ MB, LMEM-8             # message buffer (4 bytes)
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h15, 0            # partial sum (0.0)
        plusk h5, h2, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6
        times h7, h5, h31
        plus  h8, h7, h5
        least h8, h8, h2
        mk    h9, CE
loop:   goge  h7, h8, reduce
        minus h10, h8, h7
        least h10, h10, h9
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        lfold h16, h20, h10
        fplus h15, h15, h16
        plus  h7, h7, h10
        go    loop
reduce: mk    h17, MB
        mk    h18, 4
        mk    h19, GX-1
        goge  h30, h19, rowout  # last column: nothing comes from the east
        beside h12, EAST
        take  h12, h17, h18
        peek  h16, [h17]
        fplus h15, h15, h16
rowout: goz   h30, col          # column 0 goes on to the column phase
        poke  h15, [h17]
        beside h12, WEST
        post  h12, h17, h18
        rest
col:    mk    h19, GY-1
        goge  h29, h19, colout  # last row: nothing comes from the south
        beside h12, SOUTH
        take  h12, h17, h18
        peek  h16, [h17]
        fplus h15, h15, h16
colout: poke  h15, [h17]
        goz   h29, store
        beside h12, NORTH
        post  h12, h17, h18
        rest
store:  stow  h1, h17, h18, h21
        rest
