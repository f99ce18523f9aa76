# silu on the Loom systolic engine, the naive way: one small chunk at a time, one buffer, no overlap
# (each chunk is pulled, computed and pushed before the next is pulled).
# Arguments: g0 = &x, g1 = &out, g2 = n. out = x / (1 + exp(-x)) = x * sigmoid(x): five vector ops per element.
.equ CE, 256
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g11, 0            # x chunk
        kset   g26, CE*4         # temp
        kfset  g24, -1.0
        kfset  g25, 1.0
        kset   g7, 0
loop:   ksub   g13, g2, g7
        kmin   g13, g13, g8      # elements in this chunk
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g0
        dpull  g11, g16, g21
        escale g26, g11, g24, g13 # t = -x
        eexp   g26, g26, g13      # t = exp(-x)
        eoffset g26, g26, g25, g13 # t = 1 + exp(-x)
        erecip g26, g26, g13      # t = 1 / (1 + exp(-x))
        eprod  g11, g11, g26, g13 # x * sigmoid(x)
        kadd   g16, g15, g1
        dpush  g16, g11, g21
        kadd   g7, g7, g8
        hoplt  g7, g2, loop
        finish
