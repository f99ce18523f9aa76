# sum on the Loom systolic engine, the naive way: one small chunk at a time, one buffer, no overlap.
# Arguments: g0 = &x, g1 = &out, g2 = n. Each chunk is pulled, folded into P (efold) and added to the
# running total S (the buffer starts zeroed, so S starts at 0); S is pushed to out at the end.
.equ CE, 256
.equ S, CE*4
.equ P, S+4
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g11, 0            # the chunk
        kset   g24, S
        kset   g25, P
        kset   g7, 0
loop:   ksub   g13, g2, g7
        kmin   g13, g13, g8      # elements in this chunk
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g0
        dpull  g11, g15, g21
        efold  g25, g11, g13
        esum   g24, g24, g25, g21
        kadd   g7, g7, g8
        hoplt  g7, g2, loop
        kset   g13, 4
        dgeom  g13, g20, g20
        dpush  g1, g24, g21
        finish
