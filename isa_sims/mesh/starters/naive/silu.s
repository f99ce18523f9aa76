# naive silu on the Tessera tile mesh: out[i] = x[i] / (1 + exp(-x[i])), i < n.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = n; h31 = tile id.
# Tile 0 does everything, one chunk at a time (haul, ldiff, lexp, lsum, lquot, stow); the other
# tiles rest at once. No partitioning.
.equ CB, LMEM/4
.equ CE, CB/4
.equ XB, 0
.equ TB, CB
.equ ZB, 2*CB
.equ OB, 3*CB
        gonz  h31, done
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h22, TB
        mk    h23, ZB
        mk    h24, OB
        mk    h9, CE
        mk    h14, 0
        lfill h23, h14, h9
        mkf   h14, 1.0
        lfill h24, h14, h9
        mk    h7, 0
loop:   goge  h7, h2, done
        minus h10, h2, h7
        least h10, h10, h9
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        ldiff h22, h23, h20, h10
        lexp  h22, h22, h10
        lsum  h22, h22, h24, h10
        lquot h22, h20, h22, h10
        plus  h13, h12, h1
        stow  h13, h22, h11, h21
        plus  h7, h7, h10
        go    loop
done:   rest
