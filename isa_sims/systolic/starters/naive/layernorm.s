# layernorm on the Loom systolic engine, the naive way: one row at a time, three passes in chunks of CE
# elements, one buffer per operand, no overlap.
# Arguments: g0 = &x, g1 = &weight, g2 = &bias, g3 = &out, g4 = M, g5 = N, g6 = eps (float32 bits).
# Pass 1 folds x into MU (then -mean); pass 2 folds (x - mean)^2 into S (then rsqrt(S/N + eps)); pass 3
# pulls x, weight and bias chunks again and pushes (x - mean) * S * weight + bias.
.equ CE, 256
.equ XB, 0
.equ WB, CE*4
.equ BB, 2*CE*4
.equ TB, 3*CE*4
.equ MU, 4*CE*4
.equ S, MU+4
.equ P, MU+8
.equ INVN, MU+12
        kset   g20, 0
        kset   g21, 1
        kfset  g19, -1.0
        kset   g8, CE
        kset   g11, XB
        kset   g12, WB
        kset   g18, BB
        kset   g26, TB
        kset   g24, MU
        kset   g25, S
        kset   g28, P
        kset   g17, INVN
        kfloat g16, g5
        eoffset g17, g17, g16, g21
        erecip g17, g17, g21        # buf[INVN] = 1/N
        kshl   g27, g5, 2
        kcopy  g9, g0               # &x[i, 0]
        kcopy  g10, g3              # &out[i, 0]
        kset   g23, 0
rows:   ediff  g24, g24, g24, g21   # MU = 0
        kset   g7, 0
p1:     ksub   g13, g5, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        efold  g28, g11, g13
        esum   g24, g24, g28, g21
        kadd   g7, g7, g8
        hoplt  g7, g5, p1
        escalb g24, g24, g17, g21
        escale g24, g24, g19, g21   # -mean
        ediff  g25, g25, g25, g21   # S = 0
        kset   g7, 0
p2:     ksub   g13, g5, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        eoffsetb g11, g11, g24, g13
        eprod  g26, g11, g11, g13
        efold  g28, g26, g13
        esum   g25, g25, g28, g21
        kadd   g7, g7, g8
        hoplt  g7, g5, p2
        escalb g25, g25, g17, g21
        eoffset g25, g25, g6, g21
        ersqrt g25, g25, g21
        kset   g7, 0
p3:     ksub   g13, g5, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g9
        dpull  g11, g16, g21
        kadd   g16, g15, g1
        dpull  g12, g16, g21
        kadd   g16, g15, g2
        dpull  g18, g16, g21
        eoffsetb g11, g11, g24, g13
        escalb g11, g11, g25, g13
        eprod  g11, g11, g12, g13
        esum   g11, g11, g18, g13
        kadd   g16, g15, g10
        dpush  g16, g11, g21
        kadd   g7, g7, g8
        hoplt  g7, g5, p3
        kadd   g9, g9, g27
        kadd   g10, g10, g27
        kaddi  g23, g23, 1
        hoplt  g23, g4, rows
        finish
