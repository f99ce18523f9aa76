# rmsnorm on the Loom systolic engine, the naive way: one row at a time, two passes in chunks of CE elements,
# one buffer, no overlap. Arguments: g0 = &x, g1 = &weight, g2 = &out, g3 = M, g4 = N, g5 = eps (fp32 bits).
# Pass 1 folds the squares of each chunk into S; S becomes rsqrt(S/N + eps); pass 2 pulls x and weight
# chunks again, scales, multiplies and pushes. 1/N: kfloat, eoffset into the zeroed buffer, erecip.
.equ CE, 256
.equ XB, 0
.equ WB, CE*4
.equ TB, 2*CE*4
.equ S, 3*CE*4
.equ P, S+4
.equ INVN, S+8
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g11, XB
        kset   g12, WB
        kset   g26, TB
        kset   g24, S
        kset   g25, P
        kset   g17, INVN
        kfloat g16, g4
        eoffset g17, g17, g16, g21
        erecip g17, g17, g21        # buf[INVN] = 1/N
        kshl   g27, g4, 2
        kcopy  g9, g0               # &x[i, 0]
        kcopy  g10, g2              # &out[i, 0]
        kset   g6, 0
rows:   ediff  g24, g24, g24, g21   # S = 0
        kset   g7, 0
p1:     ksub   g13, g4, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        eprod  g26, g11, g11, g13
        efold  g25, g26, g13
        esum   g24, g24, g25, g21
        kadd   g7, g7, g8
        hoplt  g7, g4, p1
        escalb g24, g24, g17, g21
        eoffset g24, g24, g5, g21
        ersqrt g24, g24, g21
        kset   g7, 0
p2:     ksub   g13, g4, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g9
        dpull  g11, g16, g21
        kadd   g16, g15, g1
        dpull  g12, g16, g21
        escalb g11, g11, g24, g13
        eprod  g11, g11, g12, g13
        kadd   g16, g15, g10
        dpush  g16, g11, g21
        kadd   g7, g7, g8
        hoplt  g7, g4, p2
        kadd   g9, g9, g27
        kadd   g10, g10, g27
        kaddi  g6, g6, 1
        hoplt  g6, g3, rows
        finish
