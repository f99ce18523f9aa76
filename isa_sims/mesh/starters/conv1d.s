# conv1d on the Tessera tile mesh: y[i] = sum over k < K of w[k] * x[i + k - K/2], x = 0 outside [0, N).
# Arguments (every tile): h0 = &x, h1 = &w, h2 = &y, h3 = N, h4 = K; h31 = tile id.
# Each tile owns one contiguous slice of ceil(N / NCORES) outputs and streams it in chunks of CE:
# one haul brings x[c0 - K/2 .. c0 + CE + K/2) (clipped to the array; the clipped ends are
# zero-filled first), then y = 0 and one lmac per tap: y += w[k] * x[c0 + k - K/2 ..] with w[k]
# peeked from a copy of w hauled once. The halo (K - 1 elements per chunk) is re-read from DRAM:
# slices can be shorter than the halo (N = 257, K = 63 on 16 tiles), so it does not come from a
# neighbour. The lane unit's K lmacs per chunk run while the other tiles use the DRAM channel.
.equ CE, LMEM/16            # outputs per chunk
.equ XB, 0                  # x window: CE + 64 elements
.equ YB, (CE+64)*4          # y chunk
.equ WB, LMEM-256           # w (K <= 64)
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h20, WB
        shift h11, h4, 2
        haul  h20, h1, h11, h21     # w, once
        shift h8, h4, -1            # h8: halo = K / 2
        plusk h5, h3, NCORES-1
        mk    h6, NCORES
        quot  h5, h5, h6
        times h6, h5, h31           # h6: c0
        plus  h7, h6, h5
        least h7, h7, h3            # h7: end of the slice
        mk    h9, CE
        mk    h25, 0
        mk    h26, XB
        mk    h27, YB
loop:   goge  h6, h7, done
        minus h10, h7, h6
        least h10, h10, h9          # h10: outputs in this chunk
        minus h11, h6, h8           # a = c0 - halo
        plus  h12, h6, h10
        plus  h12, h12, h8          # b = c0 + ce + halo
        most  h13, h11, h25         # lo
        least h14, h12, h3          # hi
        minus h16, h13, h11
        minus h17, h12, h14
        plus  h16, h16, h17
        goz   h16, nofill           # the window is clipped: zero it first
        plus  h15, h10, h8
        plus  h15, h15, h8
        lfill h26, h25, h15
nofill: minus h16, h13, h11
        shift h16, h16, 2
        plusk h16, h16, XB
        shift h17, h13, 2
        plus  h17, h17, h0
        minus h18, h14, h13
        shift h18, h18, 2
        haul  h16, h17, h18, h21    # x[lo, hi)
        lfill h27, h25, h10         # y chunk = 0.0
        mk    h22, WB
        mk    h23, XB
        cp    h24, h4
tap:    peek  h19, [h22]
        lmac  h27, h23, h19, h10
        plusk h22, h22, 4
        plusk h23, h23, 4
        redo  h24, tap
        shift h17, h6, 2
        plus  h17, h17, h2
        shift h18, h10, 2
        stow  h17, h27, h18, h21
        plus  h6, h6, h10
        go    loop
done:   rest
