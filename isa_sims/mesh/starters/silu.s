# silu on the Tessera tile mesh: out[i] = x[i] / (1 + exp(-x[i])), i < n.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = n; h31 = tile id.
# Each tile takes one contiguous slice of ceil(n / NCORES) elements and streams it through local
# memory in chunks: haul x; t = 0 - x (ldiff); t = exp(t) (lexp); t = t + 1 (lsum); t = x / t
# (lquot); stow t. The constant 0 and 1 buffers are filled once. The tiles share the DRAM channel,
# so while one tile computes, the others keep it busy.
.equ CB, LMEM/4             # bytes per buffer: x, t, zeros, ones
.equ CE, CB/4
.equ XB, 0
.equ TB, CB
.equ ZB, 2*CB
.equ OB, 3*CB
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h22, TB
        mk    h23, ZB
        mk    h24, OB
        mk    h9, CE
        mk    h14, 0
        lfill h23, h14, h9          # zeros
        mkf   h14, 1.0
        lfill h24, h14, h9          # ones
        plusk h5, h2, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6            # elements per tile
        times h7, h5, h31           # first element of this tile
        plus  h8, h7, h5
        least h8, h8, h2            # end of this tile's slice
loop:   goge  h7, h8, done
        minus h10, h8, h7
        least h10, h10, h9          # elements in this chunk
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        ldiff h22, h23, h20, h10    # -x
        lexp  h22, h22, h10         # exp(-x)
        lsum  h22, h22, h24, h10    # 1 + exp(-x)
        lquot h22, h20, h22, h10    # x / (1 + exp(-x))
        plus  h13, h12, h1
        stow  h13, h22, h11, h21
        plus  h7, h7, h10
        go    loop
done:   rest
