# naive matmul on the Tessera tile mesh: C[M,N] = A[M,K] @ B[K,N].
# Arguments (every tile): h0 = &A, h1 = &B, h2 = &C, h3 = M, h4 = N, h5 = K; h31 = tile id.
# Blocks of RB rows of C are dealt round-robin to the tiles; each tile works alone, straight from
# DRAM: for each chunk of CN columns and each k it hauls the row B[k, j0:j0+CN] again (B is re-read
# for every row block, the tiles queue on the one DRAM channel) and does one lmac per row.
# No neighbour traffic, no overlap of DRAM and compute (haul waits for the lane unit).
# (RB = 4 rows share each B row hauled: re-reading B for every single row would take 1024^3 on the
# small config past the cycle limit.)
.equ RB, 4
.equ CN, LMEM/32            # columns per chunk
.equ KC, LMEM/256           # k per A block
.equ BR, 0                  # local: B row, C block (RB x CN), A block (RB x KC)
.equ CB, CN*4
.equ AB, CB+RB*CN*4
        mk     h6, 0
        mk     h7, 1
        timesk h8, h31, RB            # i0
iloop:  goge   h8, h3, done
        minus  h9, h3, h8
        mk     h20, RB
        least  h9, h9, h20            # h9: rows in the block
        mk     h10, 0                 # j0
jloop:  goge   h10, h4, inext
        minus  h11, h4, h10
        mk     h20, CN
        least  h11, h11, h20          # h11: columns in the chunk
        mk     h20, CB
        mk     h21, RB*CN
        lfill  h20, h6, h21           # C block = 0.0
        mk     h12, 0                 # k0
kloop:  goge   h12, h5, store
        minus  h13, h5, h12
        mk     h20, KC
        least  h13, h13, h20          # h13: k in this block
        shift  h20, h5, 2
        mk     h21, KC*4
        frame  h20, h21
        times  h20, h8, h5
        plus   h20, h20, h12
        shift  h20, h20, 2
        plus   h20, h20, h0           # &A[i0, k0]
        shift  h21, h13, 2
        mk     h22, AB
        haul   h22, h20, h21, h9
        mk     h14, 0                 # kk
kk:     plus   h20, h12, h14
        times  h20, h20, h4
        plus   h20, h20, h10
        shift  h20, h20, 2
        plus   h20, h20, h1           # &B[k0+kk, j0]
        shift  h21, h11, 2
        mk     h22, BR
        haul   h22, h20, h21, h7
        shift  h23, h14, 2
        plusk  h23, h23, AB           # &A[0, kk] in the block
        mk     h24, CB
        cp     h25, h9
rr:     peek   h26, [h23]
        lmac   h24, h22, h26, h11
        plusk  h23, h23, KC*4
        plusk  h24, h24, CN*4
        redo   h25, rr
        plusk  h14, h14, 1
        golt   h14, h13, kk
        plus   h12, h12, h13
        go     kloop
store:  shift  h20, h4, 2
        mk     h21, CN*4
        frame  h20, h21
        times  h20, h8, h4
        plus   h20, h20, h10
        shift  h20, h20, 2
        plus   h20, h20, h2           # &C[i0, j0]
        shift  h21, h11, 2
        mk     h22, CB
        stow   h20, h22, h21, h9
        plus   h10, h10, h11
        go     jloop
inext:  plusk  h8, h8, NCORES*RB
        go     iloop
done:   rest
