# conv1d on the Loom systolic engine: y[i] = sum_{k<K} w[k] * x[i + k - K/2] (zero 'same' padding), as a GEMM.
# Arguments: g0 = &x, g1 = &w, g2 = &y, g3 = N, g4 = K.
# Outputs are DIM-wide accumulator rows: acc[r, c] = y[i0 + r*DIM + c]. With X[q] = x[i0 - K/2 + q], the
# sum splits into T = (K + DIM - 2)/DIM + 1 banded (Toeplitz) weight tiles W_t[k, c] = w[t*DIM + k - c]:
# acc[r, :] = sum_t X[(r+t)*DIM .. +DIM) @ W_t, i.e. the chunk's X rows streamed through W_0 (weft) and,
# shifted by t rows, through each W_t (weftadd). The tiles are built once on chip: w is pulled reversed
# (a 2-D transfer of K 4-byte rows with DRAM stride -4) into a zero-padded strip Z, and each tile row is a
# DIM-wide window of Z (ecopy). Chunks of R rows (R*DIM outputs) are software-pipelined: chunk c+1 is
# pulled (with K/2 halo each side; zero-filled past the ends) before chunk c streams and is spilled, tiles
# load alternately into w0/w1, and chunks alternate between two accumulator regions. DMA-bound for small K.
# Registers: g5 T, g6 K/2, g7 XS (bytes of one X buffer), g8 tiles, g10 R, g11 R*DIM, g12 i0 (compute),
# g13 acc region, g14 X (compute), g25 i0 (pull), g26 X (pull), g29 ROWB, g30 DIM, g20 0, g21 1.
.equ R, ACCROWS/4
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
        kmul   g7, g16, g29         # (R + T - 1) rows ...
        kaddi  g7, g7, STRIPE-1
        kset   g16, STRIPE
        kdiv   g7, g7, g16
        kmul   g7, g7, g16          # ... rounded up to whole stripes: XS (X0 and X1 share no stripe)
        kshl   g8, g7, 1            # tiles after X0, X1
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
        kset   g12, 0
        kset   g13, 0
        kset   g14, 0
        kset   g25, 0
        kset   g26, 0
        hop    pull
# ---------------------------------------------------------------- compute and spill chunk g12
loop:   kcopy  g16, g8
        kcopy  g17, g14
        kcopy  g18, g5
        warp   w0, g16, g30
        weft   w0, g17, g13, g10
        kaddi  g18, g18, -1
        hopz   g18, cdone
ct:     kaddi  g16, g16, TILEB
        kadd   g17, g17, g29
        warp   w1, g16, g30
        weftadd w1, g17, g13, g10
        kaddi  g18, g18, -1
        hopz   g18, cdone
        kaddi  g16, g16, TILEB
        kadd   g17, g17, g29
        warp   w0, g16, g30
        weftadd w0, g17, g13, g10
        kaddi  g18, g18, -1
        hopnz  g18, ct
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
        ksub   g14, g7, g14         # X toggles between 0 and XS
        ksub   g13, g10, g13        # accumulator region toggles between 0 and R
        hopge  g12, g3, done
# ---------------------------------------------------------------- pull chunk g25 into g26
pull:   hopge  g25, g3, loop        # everything already pulled
        ksub   g16, g25, g6         # lo = i0 - K/2
        kshl   g17, g7, -2
        kadd   g17, g17, g16        # hi = lo + XS/4
        kmax   g18, g16, g20        # plo
        kmin   g19, g17, g3         # phi
        ksub   g22, g18, g16
        ksub   g23, g17, g19
        kadd   g22, g22, g23
        hopz   g22, inside
        kshl   g22, g7, -2
        escale g26, g26, g28, g22   # a boundary chunk: zero its X first
inside: ksub   g22, g19, g18
        kshl   g22, g22, 2
        dgeom  g22, g20, g20
        ksub   g22, g18, g16
        kshl   g22, g22, 2
        kadd   g22, g22, g26        # X + 4*(plo - lo)
        kshl   g23, g18, 2
        kadd   g23, g23, g0         # &x[plo]
        dpull  g22, g23, g21
        kadd   g25, g25, g11
        ksub   g26, g7, g26
        ksub   g23, g25, g12
        hopge  g11, g23, pull       # keep one chunk pulled ahead of the compute
        hop    loop
done:   finish
