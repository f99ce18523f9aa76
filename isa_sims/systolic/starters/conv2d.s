# conv2d on the Loom systolic engine: y[n, o, i, j] = sum_{c, kh, kw} x[n, c, i+kh, j+kw] * w[o, c, kh, kw]
# (3x3, stride 1, valid), as a GEMM on the array with the *input patches* stationary.
# Arguments: g0 = &x, g1 = &w, g2 = &y, g3 = N, g4 = C, g5 = H, g6 = W, g7 = O, g8 = OH, g9 = OW.
# The reduction index runs as (kh, kw, channel block of DIM). For an output segment (n, i, j0 .. j0+DIM) and
# one (kh, kw, cb), the stationary tile is x[n, cb*DIM + m, i+kh, j0+kw ..] for m < DIM: DIM contiguous
# pixels per row, rows H*W*4 bytes apart, so one 2-D DMA fills a tile. The weights stream through the array
# as activation rows: row o of slab b = (kh, kw, cb) holds w[o, cb*DIM + m, kh, kw] (m < DIM), so
# acc[o, j] += slab[o, :] . tile[:, j], and after all 9*ceil(C/DIM) tiles acc[o, j] = y[n, o, i, j0 + j].
# The slabs of a block of OB output channels are gathered once (4-byte rows 36 bytes apart) and stay
# resident in the buffer. Tiles rotate through four buffer slots and alternate between the two banks, so
# the next tiles' DMAs and warp run while the array streams the current one. Each segment's OB accumulator
# rows are spilled to y (rows OH*OW*4 apart) while the next segment accumulates into the other region; the
# spill is deferred until the next segment's first tiles are queued, so the DMA engine never idles on it.
# Registers: g10, g11, g21, g24..g27, g31 temps; g12 OB; g13 o0; g14 ob; g15 n; g16 i; g17 j0; g18 jj;
# g19 weight slab; g20 deferred spill (0: none); g22 acc region; g23 tile slot; g28 bank parity;
# g29 = ROWB; g30 = DIM.
.equ SLOTS, BUF/2
        kset   g20, 0
        kset   g29, ROWB
        kset   g30, DIM
        kset   g28, 0
        kaddi  g11, g4, DIM-1
        kdiv   g11, g11, g30
        kmuli  g11, g11, 9          # slabs: 9 * ceil(C / DIM)
        kmul   g31, g11, g29
        kset   g12, BUF/2
        kdiv   g12, g12, g31
        kmin   g12, g12, g7
        kset   g31, ACCROWS/2
        kmin   g12, g12, g31        # OB: output channels whose slabs fit in half the buffer
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
        kset   g24, 0               # channels done
wc:     ksub   g31, g4, g24
        kmin   g31, g31, g30
        dpull  g27, g11, g31        # slab (kh, kw, cb) row o: w[o, cb*DIM + m, kh, kw]
        kadd   g27, g27, g18
        kaddi  g11, g11, 36*DIM
        kadd   g24, g24, g30
        hoplt  g24, g4, wc
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
        kset   g24, 0               # channels done
tc:     kaddi  g23, g23, TILEB      # the next of four tile slots
        kset   g21, SLOTS+4*TILEB
        hoplt  g23, g21, slotok
        kset   g23, SLOTS
slotok: ksub   g31, g4, g24
        kmin   g31, g31, g30        # channels in this tile
        dpull  g23, g11, g31
        kset   g21, 1
        ksub   g28, g21, g28        # banks alternate
        hopnz  g28, bankb
        warp   w0, g23, g31
        hopnz  g19, adda
        weft   w0, g19, g22, g14
        hop    wdone
adda:   weftadd w0, g19, g22, g14
        hop    wdone
bankb:  warp   w1, g23, g31
        hopnz  g19, addb
        weft   w1, g19, g22, g14
        hop    wdone
addb:   weftadd w1, g19, g22, g14
wdone:  kmul   g21, g12, g29
        kadd   g19, g19, g21        # the next slab
        kadd   g11, g11, g10
        kadd   g24, g24, g30
        hoplt  g24, g4, tc
        kaddi  g26, g26, 4          # next kw
        tally  g27, tk
        hopz   g20, nopend          # after the kh = 0 tiles: the previous segment's deferred spill
        kaddi  g21, g25, -3
        hopnz  g21, nopend
        kshl   g21, g20, -8         # its y address
        kshl   g31, g21, 8
        ksub   g31, g20, g31        # its row bytes
        kmul   g24, g8, g9
        kshl   g24, g24, 2
        dgeom  g31, g24, g29
        ksub   g24, g12, g22        # its accumulator region
        dspill g21, g24, g14
        kset   g20, 0
        kshl   g31, g18, 2
        kmul   g24, g5, g6
        kshl   g24, g24, 2
        dgeom  g31, g24, g29        # the tile geometry again
nopend:
        kshl   g21, g6, 2
        kadd   g26, g26, g21
        kaddi  g26, g26, -12        # next kh: + W*4 - 3*4
        tally  g25, tkh
        kmul   g10, g15, g7
        kadd   g10, g10, g13
        kmul   g10, g10, g8
        kadd   g10, g10, g16
        kmul   g10, g10, g9
        kadd   g10, g10, g17
        kshl   g10, g10, 2
        kadd   g10, g10, g2         # &y[n, o0, i, j0]
        kshl   g20, g10, 8
        kshl   g31, g18, 2
        kadd   g20, g20, g31        # the spill is deferred: (y address << 8) + row bytes
        ksub   g22, g12, g22        # the next segment accumulates into the other region
        kadd   g17, g17, g30
        hoplt  g17, g9, jloop
        kaddi  g16, g16, 1
        hoplt  g16, g8, iloop
        kaddi  g15, g15, 1
        hoplt  g15, g3, nloop
        kshl   g21, g20, -8         # the last segment's spill
        kshl   g31, g21, 8
        ksub   g31, g20, g31
        kmul   g24, g8, g9
        kshl   g24, g24, 2
        dgeom  g31, g24, g29        # y rows: jj*4 bytes, OH*OW*4 apart (one per output channel)
        ksub   g24, g12, g22
        dspill g21, g24, g14
        kset   g20, 0
        kadd   g13, g13, g12
        hoplt  g13, g7, oblk
        finish
