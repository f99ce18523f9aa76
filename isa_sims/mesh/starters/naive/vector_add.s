# naive vector_add on the Tessera tile mesh: out[i] = x[i] + y[i], i < n.
# Arguments (every tile): h0 = &x, h1 = &y, h2 = &out, h3 = n; h31 = tile id.
# Tile 0 does all the work, one chunk at a time through its local memory (haul x, haul y, lsum,
# stow); the other tiles rest at once. No partitioning, no neighbour traffic.
.equ CB, LMEM/4             # bytes per chunk buffer (x at 0, y at CB)
.equ CE, CB/4
        gonz  h31, done
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h22, CB
        mk    h7, 0
        mk    h9, CE
loop:   goge  h7, h3, done
        minus h10, h3, h7
        least h10, h10, h9
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        plus  h13, h12, h1
        haul  h22, h13, h11, h21
        lsum  h20, h20, h22, h10
        plus  h13, h12, h2
        stow  h13, h20, h11, h21
        plus  h7, h7, h10
        go    loop
done:   rest
