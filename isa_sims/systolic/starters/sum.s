# sum on the Loom systolic engine: out[0] = x[0] + ... + x[n-1] (the vector unit's efold).
# Arguments: g0 = &x, g1 = &out, g2 = n.
# Software-pipelined chunks of CE elements in two buffers (X0 at 0, X1 at CB): chunk c+1 is pulled before
# chunk c is folded, so the DMA engine streams x at full bandwidth while the vector unit (twice as fast
# per byte) folds each chunk into P and adds P to the running total S. S and P sit in their own stripe at
# the end of the buffer (which starts zeroed, so S starts at 0). The scoreboard orders every access.
.equ CE, BUF/16
.equ CB, CE*4
.equ S, BUF-STRIPE
.equ P, S+4
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g12, CB           # X0 + X1 (toggle: X = g12 - X)
        kset   g24, S
        kset   g25, P
        kset   g4, 0             # g4: first element of the next chunk to pull
        kset   g10, 0            # g10: buffer of the next pull
        kset   g7, 0             # g7: first element of the next chunk to fold
        kset   g11, 0            # g11: buffer of the next fold
        hop    pull
loop:   ksub   g13, g2, g7
        kmin   g13, g13, g8      # elements in chunk g7
        efold  g25, g11, g13     # P = sum of the chunk
        esum   g24, g24, g25, g21 # S += P
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hopge  g7, g2, done
pull:   hopge  g4, g2, loop      # everything already pulled
        ksub   g13, g2, g4
        kmin   g13, g13, g8
        kshl   g13, g13, 2       # bytes in the next chunk
        dgeom  g13, g20, g20
        kshl   g14, g4, 2
        kadd   g15, g14, g0
        dpull  g10, g15, g21
        ksub   g10, g12, g10
        kadd   g4, g4, g8
        ksub   g23, g4, g7
        hopge  g8, g23, pull     # keep one chunk pulled ahead of the fold
        hop    loop
done:   kset   g13, 4
        dgeom  g13, g20, g20
        dpush  g1, g24, g21      # out[0] = S
        finish
