# row_sum on the Loom systolic engine, the naive way: one row at a time, in chunks of CE elements, one
# buffer, no overlap. Arguments: g0 = &x, g1 = &out, g2 = M, g3 = N.
# Each chunk is pulled, folded into P (efold) and added to S; S is zeroed per row and pushed to out[i].
.equ CE, 256
.equ S, CE*4
.equ P, S+4
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g11, 0            # the chunk
        kset   g24, S
        kset   g25, P
        kset   g26, 4
        kset   g6, 0             # row
        kcopy  g17, g0           # &x[i, 0]
rows:   ediff  g24, g24, g24, g21 # S = 0
        kset   g7, 0
cols:   ksub   g13, g3, g7
        kmin   g13, g13, g8      # elements in this chunk
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g17
        dpull  g11, g15, g21
        efold  g25, g11, g13
        esum   g24, g24, g25, g21
        kadd   g7, g7, g8
        hoplt  g7, g3, cols
        dgeom  g26, g20, g20
        kshl   g15, g6, 2
        kadd   g15, g15, g1
        dpush  g15, g24, g21     # out[i] = S
        kshl   g15, g3, 2
        kadd   g17, g17, g15
        kaddi  g6, g6, 1
        hoplt  g6, g2, rows
        finish
