# vector_add on the Tessera tile mesh: out[i] = x[i] + y[i], i < n.
# Arguments (every tile): h0 = &x, h1 = &y, h2 = &out (DRAM byte addresses), h3 = n; h31 = tile id.
# Each tile takes one contiguous slice of ceil(n / NCORES) elements and streams it through its local
# memory in chunks: haul x, haul y, add on the lane unit, stow. All tiles share the DRAM channel, so
# while one tile adds, the others keep the channel busy.
.equ CB, LMEM/4             # bytes per chunk buffer (x at 0, y at CB)
.equ CE, CB/4               # elements per chunk
        mk    h20, 0
        frame h20, h20          # one-row transfers: strides unused
        mk    h21, 1
        mk    h22, CB           # y buffer
        plusk h5, h3, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6        # elements per tile
        times h7, h5, h31       # h7: first element of this tile
        plus  h8, h7, h5
        least h8, h8, h3        # h8: end of this tile's slice
        mk    h9, CE
loop:   goge  h7, h8, done
        minus h10, h8, h7
        least h10, h10, h9      # elements in this chunk
        shift h11, h10, 2       # bytes
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
