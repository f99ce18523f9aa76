# vector_add on the Loom systolic engine, the naive way: one small chunk at a time, no overlap
# (each chunk's x and y are pulled, added and pushed before the next chunk is pulled).
# Arguments: g0 = &x, g1 = &y, g2 = &out, g3 = n.
.equ CE, 256
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g10, 0            # x chunk (the sum overwrites it)
        kset   g11, CE*4         # y chunk
        kset   g7, 0
loop:   ksub   g13, g3, g7
        kmin   g13, g13, g8      # elements in this chunk
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g0
        dpull  g10, g16, g21
        kadd   g16, g15, g1
        dpull  g11, g16, g21
        esum   g10, g10, g11, g13
        kadd   g16, g15, g2
        dpush  g16, g10, g21
        kadd   g7, g7, g8
        hoplt  g7, g3, loop
        finish
