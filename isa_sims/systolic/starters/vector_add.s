# vector_add on the Loom systolic engine: out[i] = x[i] + y[i], i < n (the vector unit).
# Arguments: g0 = &x, g1 = &y, g2 = &out (DRAM byte addresses), g3 = n.
# Software-pipelined chunks of CE elements in two buffer sets (X0/Y0 and X1/Y1, Y = X + 2*CB): chunk c+1
# is pulled before chunk c is added and pushed, so the DMA engine never waits on the vector unit. The sum
# overwrites the x chunk and is pushed from there. No explicit waits: the scoreboard orders every access.
.equ CE, BUF/32              # elements per chunk (BUF/8 bytes; the four chunks use half the buffer)
.equ CB, CE*4
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g12, CB           # X0 + X1 (toggle: X = g12 - X)
        kset   g4, 0             # g4: first element of the next chunk to pull
        kset   g10, 0            # g10: X buffer of the next pull
        kset   g7, 0             # g7: first element of the next chunk to add
        kset   g11, 0            # g11: X buffer of the next add
        hop    pull
loop:   ksub   g13, g3, g7       # add and push chunk g7
        kmin   g13, g13, g8      # elements in it
        kaddi  g16, g11, 2*CB    # its y buffer
        esum   g11, g11, g16, g13
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g2
        dpush  g15, g11, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hopge  g7, g3, done
pull:   hopge  g4, g3, loop      # everything already pulled
        ksub   g13, g3, g4
        kmin   g13, g13, g8
        kshl   g13, g13, 2       # bytes in the next chunk
        dgeom  g13, g20, g20
        kshl   g14, g4, 2
        kadd   g15, g14, g0
        dpull  g10, g15, g21     # x chunk
        kadd   g15, g14, g1
        kaddi  g16, g10, 2*CB
        dpull  g16, g15, g21     # y chunk
        ksub   g10, g12, g10
        kadd   g4, g4, g8
        ksub   g23, g4, g7
        hopge  g8, g23, pull     # keep two chunks pulled ahead of the add
        hop    loop
done:   finish
