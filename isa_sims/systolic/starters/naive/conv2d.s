# conv2d on the Loom systolic engine, the naive way: the same GEMM (input patches stationary, weights
# streamed, reduction over (kh, kw, channel block)) with small blocks of DIM output channels, one tile slot,
# one weight bank and one accumulator region, so every tile waits for the last one and every spill for the
# segment before the next one starts.
# Arguments: g0 = &x, g1 = &w, g2 = &y, g3 = N, g4 = C, g5 = H, g6 = W, g7 = O, g8 = OH, g9 = OW.
# Registers: g10, g11, g21, g24..g27, g31 temps; g12 OB; g13 o0; g14 ob; g15 n; g16 i; g17 j0; g18 jj;
# g19 weight slab; g20 = 0; g22 acc region; g23 tile slot; g28 = W*4; g29 = ROWB; g30 = DIM.
.equ SLOTS, BUF/2
        kset   g20, 0
        kset   g29, ROWB
        kset   g30, DIM
        kshl   g28, g6, 2
        kaddi  g11, g4, DIM-1
        kdiv   g11, g11, g30
        kmuli  g11, g11, 9          # slabs: 9 * ceil(C / DIM)
        kmul   g31, g11, g29
        kset   g12, BUF/2
        kdiv   g12, g12, g31
        kmin   g12, g12, g7
        kmin   g12, g12, g30        # OB: at most DIM output channels at a time
        kset   g22, 0
        kset   g23, SLOTS
        kset   g13, 0
# ---------------------------------------------------------------- gather the weight slabs of channels o0..
oblk:   ksub   g14, g7, g13
        kmin   g14, g14, g12        # ob
        kset   g21, 4
        kset   g10, 36
        dgeom  g21, g10, g21        # 4-byte rows: 36 bytes apart in w (the next channel), 4 in the slab
        kmul   g18, g12, g29        # slab stride OB*ROWB
        kmuli  g16, g4, 36
        kmul   g16, g16, g13
        kadd   g16, g16, g1         # &w[o, 0, 0, 0] for o = o0
        kset   g17, 0               # row o of slab 0
        kcopy  g15, g14
wo:     kcopy  g26, g16
        kcopy  g27, g17
        kset   g25, 9
wk:     kcopy  g11, g26             # &w[o, 0, kh, kw]
        kcopy  g24, g4              # channels left
wc:     kmin   g31, g24, g30
        dpull  g27, g11, g31        # slab (kh, kw, cb) row o: w[o, cb*DIM + m, kh, kw]
        kadd   g27, g27, g18
        kaddi  g11, g11, 36*DIM
        ksub   g24, g24, g30
        hoplt  g20, g24, wc
        kaddi  g26, g26, 4
        tally  g25, wk
        kmuli  g31, g4, 36
        kadd   g16, g16, g31
        kadd   g17, g17, g29
        tally  g15, wo
# ---------------------------------------------------------------- every output segment (n, i, j0)
        kset   g15, 0
nloop:  kset   g16, 0
iloop:  kset   g17, 0
jloop:  ksub   g18, g9, g17
        kmin   g18, g18, g30        # jj
        kmul   g26, g15, g4
        kmul   g26, g26, g5
        kadd   g26, g26, g16
        kmul   g26, g26, g6
        kadd   g26, g26, g17
        kshl   g26, g26, 2
        kadd   g26, g26, g0         # &x[n, 0, i, j0]: (kh, kw) = (0, 0)
        kmul   g10, g5, g6
        kshl   g10, g10, 2          # H*W*4: the next channel
        kshl   g31, g18, 2
        dgeom  g31, g10, g29        # tile rows: jj*4 bytes, one per channel, ROWB apart in the tile
        kmul   g10, g10, g30        # DIM*H*W*4: the next channel block
        kset   g19, 0               # slab 0
        kset   g25, 3               # kh left
tkh:    kset   g27, 3               # kw left
tk:     kcopy  g11, g26             # &x[n, 0, i+kh, j0+kw]
        kcopy  g24, g4              # channels left
tc:     kmin   g31, g24, g30        # channels in this tile
        dpull  g23, g11, g31
        warp   w0, g23, g31
        hopnz  g19, adda
        weft   w0, g19, g22, g14
        hop    wdone
adda:   weftadd w0, g19, g22, g14
wdone:  kmul   g21, g12, g29
        kadd   g19, g19, g21        # the next slab
        kadd   g11, g11, g10
        ksub   g24, g24, g30
        hoplt  g20, g24, tc
        kaddi  g26, g26, 4          # next kw
        tally  g27, tk
        kadd   g26, g26, g28
        kaddi  g26, g26, -12        # next kh: + W*4 - 3*4
        tally  g25, tkh
        kshl   g31, g18, 2
        kmul   g10, g8, g9
        kshl   g10, g10, 2
        dgeom  g31, g10, g29        # y rows: jj*4 bytes, OH*OW*4 apart (one per output channel)
        kmul   g10, g15, g7
        kadd   g10, g10, g13
        kmul   g10, g10, g8
        kadd   g10, g10, g16
        kmul   g10, g10, g9
        kadd   g10, g10, g17
        kshl   g10, g10, 2
        kadd   g10, g10, g2         # &y[n, o0, i, j0]
        dspill g10, g22, g14
        kadd   g17, g17, g30
        hoplt  g17, g9, jloop
        kaddi  g16, g16, 1
        hoplt  g16, g8, iloop
        kaddi  g15, g15, 1
        hoplt  g15, g3, nloop
        kadd   g13, g13, g12
        hoplt  g13, g7, oblk
        finish
