# naive row_sum on the Tessera tile mesh: out[i] = sum over j < N of x[i, j], i < M.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = M, h3 = N; h31 = tile id.
# Tile 0 does every row alone: each row hauled in chunks, lfold per chunk, fplus, and each sum
# stowed on its own (4 bytes per DRAM write). The other tiles rest at once.
.equ CB, LMEM/2
.equ CE, CB/4
.equ OUTB, CB
        gonz  h31, done
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h9, CE
        mk    h17, OUTB
        mk    h7, 0
long:   goge  h7, h2, done
        mk    h15, 0
        mk    h10, 0
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
done:   rest
