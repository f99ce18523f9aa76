# naive gemv on the Tessera tile mesh: y[i] = sum over j < N of A[i, j] * x[j], i < M.
# Arguments (every tile): h0 = &A, h1 = &x, h2 = &y, h3 = M, h4 = N; h31 = tile id.
# Tile 0 does every row alone: for each chunk of a row it hauls A[i, chunk] and x[chunk] again
# (x is re-read from DRAM for every row), lprod, lfold, fplus; each y[i] is stowed on its own.
# The other tiles rest at once.
.equ CB, LMEM/4
.equ CE, CB/4
.equ XB, CB
.equ OUTB, 2*CB
        gonz  h31, done
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h22, XB
        mk    h9, CE
        mk    h17, OUTB
        mk    h7, 0
row:    goge  h7, h3, done
        mk    h15, 0
        mk    h10, 0
col:    goge  h10, h4, out
        minus h11, h4, h10
        least h11, h11, h9
        shift h12, h11, 2
        times h13, h7, h4
        plus  h13, h13, h10
        shift h13, h13, 2
        plus  h13, h13, h0
        haul  h20, h13, h12, h21
        shift h13, h10, 2
        plus  h13, h13, h1
        haul  h22, h13, h12, h21
        lprod h20, h20, h22, h11
        lfold h16, h20, h11
        fplus h15, h15, h16
        plus  h10, h10, h11
        go    col
out:    poke  h15, [h17]
        shift h12, h7, 2
        plus  h12, h12, h2
        mk    h11, 4
        stow  h12, h17, h11, h21
        plusk h7, h7, 1
        go    row
done:   rest
