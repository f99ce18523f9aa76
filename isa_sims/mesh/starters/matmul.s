# matmul on the Tessera tile mesh: C[M,N] = A[M,K] @ B[K,N] (SUMMA: panels flow between neighbours).
# Arguments (every tile): h0 = &A, h1 = &B, h2 = &C, h3 = M, h4 = N, h5 = K; h29 = y, h30 = x.
# C is covered by super-tiles of (GY*MT) x (GX*nt), nt <= NT chosen so the column passes are
# balanced; tile (x, y) owns the MT x nt block at rows i0 + y*MT, columns j0 + x*nt, held in
# local memory. For each k-chunk of KC:
#   - the A panel (MT x KC) is hauled from DRAM by column-0 tiles and passed east along each row;
#   - the B panel (KC x nt) is hauled by row-0 tiles and passed south along each column;
#   - each panel travels as two messages (half the rows each), so the second half is hauled or
#     taken while the first is already on its way: the store-and-forward delay along a row halves;
#   - a muster keeps every tile within one chunk (so an inbox never holds more than 4 messages);
#   - C[r, :] += A[r, kk] * B[kk, :] with one lmac per (r, kk): the lane unit stays busy while the
#     tile's 5-instruction loop runs under it.
# So DRAM sees A and B once per super-tile row/column, and everything else moves over the mesh.
.equ MT, LMEM/1024          # rows of C per tile
.equ NT, 64                 # most columns of C per tile (nt <= NT is chosen from N)
.equ KC, MSGMAX/256         # k per chunk (a B panel is at most MSGMAX bytes)
.equ AB, MT*KC*4            # A panel bytes
.equ AP, 0                  # local layout: A panel, C tile, B panel
.equ CT, AB
.equ BP, CT+MT*NT*4
        mk     h6, 0
        beside h16, WEST
        beside h17, EAST
        beside h18, NORTH
        beside h19, SOUTH
        mk     h23, AB/2              # A piece bytes
        plusk  h20, h4, GX*NT-1       # column passes p = ceil(N / (GX*NT)); per-tile width
        mk     h21, GX*NT             # nt = ceil(N / (GX*p)) <= NT balances the last pass
        quot   h20, h20, h21
        timesk h20, h20, GX
        plus   h21, h4, h20
        plusk  h21, h21, -1
        quot   h21, h21, h20
        shift  h7, h21, 2             # h7: nt*4, the C block's and B panel's row bytes
        timesk h24, h7, KC/2          # B piece bytes
        mk     h8, 0                  # i0
iloop:  goge   h8, h3, finish
        mk     h9, 0                  # j0
jloop:  goge   h9, h4, inext
        timesk h14, h29, MT
        plus   h14, h14, h8           # h14: first row of this tile's block
        minus  h11, h3, h14
        mk     h20, MT
        least  h11, h11, h20
        most   h11, h11, h6           # h11: rows in the block (0..MT)
        shift  h21, h7, -2
        times  h15, h30, h21
        plus   h15, h15, h9           # h15: first column
        minus  h12, h4, h15
        least  h12, h12, h21
        most   h12, h12, h6           # h12: columns in the block (0..nt)
        mk     h20, CT
        mk     h22, MT*NT
        lfill  h20, h6, h22           # C block = 0.0
        mk     h10, 0                 # k0
kloop:  goge   h10, h5, store
        minus  h13, h5, h10
        mk     h20, KC
        least  h13, h13, h20          # h13: k in this chunk
        mk     h25, AP                # ---- A panel, in two pieces of MT/2 rows
        gonz   h30, a_take
        shift  h20, h5, 2
        mk     h21, KC*4
        frame  h20, h21
        times  h20, h14, h5
        plus   h20, h20, h10
        shift  h20, h20, 2
        plus   h20, h20, h0           # &A[row, k0]
        shift  h21, h13, 2
        mk     h22, MT/2
        least  h22, h22, h11          # rows in piece 0
        haul   h25, h20, h21, h22
        mk     h26, GX-1
        goge   h30, h26, a_h1
        post   h17, h25, h23          # piece 0 travels east while piece 1 is hauled
a_h1:   timesk h26, h5, MT*2
        plus   h20, h20, h26          # MT/2 rows further down A
        minus  h22, h11, h22          # rows in piece 1
        mk     h25, AP+AB/2
        haul   h25, h20, h21, h22
        go     a_fwd1
a_take: take   h16, h25, h23
        mk     h26, GX-1
        goge   h30, h26, a_t1
        post   h17, h25, h23
a_t1:   mk     h25, AP+AB/2
        take   h16, h25, h23
a_fwd1: mk     h26, GX-1
        goge   h30, h26, b_get
        post   h17, h25, h23
b_get:  mk     h25, BP                # ---- B panel, in two pieces of KC/2 rows
        gonz   h29, b_take
        shift  h20, h4, 2
        frame  h20, h7
        times  h20, h10, h4
        plus   h20, h20, h15
        shift  h20, h20, 2
        plus   h20, h20, h1           # &B[k0, col]
        shift  h21, h12, 2
        mk     h22, KC/2
        least  h22, h22, h13          # k rows in piece 0
        haul   h25, h20, h21, h22
        mk     h26, GY-1
        goge   h29, h26, b_h1
        post   h19, h25, h24
b_h1:   timesk h26, h4, KC*2
        plus   h20, h20, h26          # KC/2 rows further down B
        minus  h22, h13, h22
        plus   h25, h25, h24          # piece 1: KC/2 rows of nt further in the panel
        haul   h25, h20, h21, h22
        go     b_fwd1
b_take: take   h18, h25, h24
        mk     h26, GY-1
        goge   h29, h26, b_t1
        post   h19, h25, h24
b_t1:   plus   h25, h25, h24
        take   h18, h25, h24
b_fwd1: mk     h26, GY-1
        goge   h29, h26, sync
        post   h19, h25, h24
sync:   muster
        goz    h11, knext             # ---- compute
        goz    h12, knext
        cp     h25, h11               # row counter
        mk     h26, CT                # C row
        mk     h22, AP                # A row
rloop:  cp     h27, h22
        mk     h28, BP
        cp     h20, h13
kk:     peek   h21, [h27]
        plusk  h27, h27, 4
        lmac   h26, h28, h21, h12
        plus   h28, h28, h7
        redo   h20, kk
        plus   h26, h26, h7
        plusk  h22, h22, KC*4
        redo   h25, rloop
knext:  plusk  h10, h10, KC
        go     kloop
store:  shift  h20, h4, 2             # ---- C block -> DRAM
        frame  h20, h7
        times  h20, h14, h4
        plus   h20, h20, h15
        shift  h20, h20, 2
        plus   h20, h20, h2
        shift  h21, h12, 2
        mk     h22, CT
        stow   h20, h22, h21, h11
        shift  h20, h7, -2
        timesk h20, h20, GX
        plus   h9, h9, h20
        go     jloop
inext:  plusk  h8, h8, GY*MT
        go     iloop
finish: rest
