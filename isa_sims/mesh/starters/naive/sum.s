# naive sum on the Tessera tile mesh: out[0] = sum of x[i], i < n.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = n; h31 = tile id.
# Tile 0 hauls the whole array chunk by chunk, folds each chunk (lfold) into one fp32 accumulator
# and stows it; the other tiles rest at once. No partitioning, no network.
.equ CB, LMEM/2
.equ CE, CB/4
.equ MB, LMEM-8
        gonz  h31, done
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h15, 0
        mk    h7, 0
        mk    h9, CE
loop:   goge  h7, h2, store
        minus h10, h2, h7
        least h10, h10, h9
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        lfold h16, h20, h10
        fplus h15, h15, h16
        plus  h7, h7, h10
        go    loop
store:  mk    h17, MB
        mk    h18, 4
        poke  h15, [h17]
        stow  h1, h17, h18, h21
done:   rest
