# conv1d on the Loom systolic engine, the naive way: y[i] = sum_{k<K} w[k] * x[i + k - K/2] (zero 'same'
# padding) as a GEMM with small chunks (DIM rows = DIM*DIM outputs), one X buffer, one weight bank, one
# accumulator region and no overlap: each chunk is pulled, streamed through every banded tile in turn
# (warp w0 then weft/weftadd) and spilled before the next chunk is pulled.
# Arguments: g0 = &x, g1 = &w, g2 = &y, g3 = N, g4 = K.
# The tiles W_t[k, c] = w[t*DIM + k - c] (T = (K + DIM - 2)/DIM + 1 of them) are built once, as in the tuned
# version: w pulled reversed into a zero-padded strip Z, each tile row a DIM-wide window of Z.
.equ R, DIM
        kset   g20, 0
        kset   g21, 1
        kset   g29, ROWB
        kset   g30, DIM
        kset   g10, R
        kset   g11, R*DIM
        kfset  g28, 0.0
        kaddi  g5, g4, DIM-2
        kdiv   g5, g5, g30
        kaddi  g5, g5, 1            # T
        kshl   g6, g4, -1           # K/2
        kaddi  g16, g5, R-1
        kmul   g7, g16, g29         # XS = (R + T - 1) rows
        kcopy  g8, g7               # tiles after X
        kset   g16, TILEB
        kmul   g16, g16, g5
        kadd   g9, g8, g16          # Z after the tiles (zero: the buffer starts zeroed)
        kmul   g16, g5, g30
        kshl   g16, g16, 2
        kadd   g17, g9, g16         # Z + 4*T*DIM: where the reversed w starts
        kset   g18, 4
        kset   g19, -4
        dgeom  g18, g19, g18
        kshl   g16, g4, 2
        kadd   g16, g16, g1
        kaddi  g16, g16, -4         # &w[K-1]
        dpull  g17, g16, g4         # Z[T*DIM + p] = w[K-1-p]
        kshl   g16, g4, 2
        kadd   g23, g17, g16
        kaddi  g23, g23, -4         # window of tile row m = t*DIM + k starts at Z + 4*(T*DIM + K-1 - m)
        kcopy  g22, g8
        kmul   g24, g5, g30
tiles:  ecopy  g22, g23, g30
        kadd   g22, g22, g29
        kaddi  g23, g23, -4
        tally  g24, tiles
        kset   g12, 0               # i0
        kset   g13, 0               # accumulator rows 0..R-1
        kset   g26, 0               # X
chunk:  ksub   g16, g12, g6         # lo = i0 - K/2
        kshl   g17, g7, -2
        kadd   g17, g17, g16        # hi = lo + (R + T - 1)*DIM
        kmax   g18, g16, g20        # plo
        kmin   g19, g17, g3         # phi
        kshl   g22, g7, -2
        escale g26, g26, g28, g22   # zero X (simplest: every chunk)
        ksub   g22, g19, g18
        kshl   g22, g22, 2
        dgeom  g22, g20, g20
        ksub   g22, g18, g16
        kshl   g22, g22, 2
        kadd   g22, g22, g26        # X + 4*(plo - lo)
        kshl   g23, g18, 2
        kadd   g23, g23, g0         # &x[plo]
        dpull  g22, g23, g21
        kcopy  g16, g8
        kcopy  g17, g26
        kcopy  g18, g5
        warp   w0, g16, g30
        weft   w0, g17, g13, g10
        kaddi  g18, g18, -1
        hopz   g18, cdone
ct:     kaddi  g16, g16, TILEB
        kadd   g17, g17, g29
        warp   w0, g16, g30
        weftadd w0, g17, g13, g10
        tally  g18, ct
cdone:  ksub   g16, g3, g12
        kmin   g16, g16, g11        # outputs in this chunk
        kdiv   g17, g16, g30        # full rows
        kmul   g18, g17, g30
        ksub   g18, g16, g18        # the last row's outputs
        dgeom  g29, g29, g29
        kshl   g19, g12, 2
        kadd   g19, g19, g2         # &y[i0]
        dspill g19, g13, g17
        hopz   g18, spilled
        kshl   g16, g18, 2
        dgeom  g16, g20, g20
        kmul   g16, g17, g29
        kadd   g19, g19, g16
        kadd   g16, g13, g17
        dspill g19, g16, g21
spilled: kadd  g12, g12, g11
        hoplt  g12, g3, chunk
        finish
