# softmax on the Loom systolic engine, the naive way: one row at a time, three passes in chunks of CE
# elements, one buffer, no overlap. Arguments: g0 = &x, g1 = &out, g2 = M, g3 = N.
# Pass 1: the row maximum (efoldmax per chunk, ebig into MX); pass 2: the sum of exp(x - max) into SX;
# pass 3: exp(x - max) / SX, pushed chunk by chunk.
.equ CE, 256
.equ XB, 0
.equ MX, CE*4
.equ SX, MX+4
.equ PX, MX+8
        kset   g20, 0
        kset   g21, 1
        kfset  g19, -1.0
        kset   g8, CE
        kset   g11, XB
        kset   g24, MX
        kset   g25, SX
        kset   g26, PX
        kshl   g27, g3, 2
        kcopy  g9, g0               # &x[i, 0]
        kcopy  g10, g1              # &out[i, 0]
        kset   g6, 0
rows:   efoldmax g24, g24, g20      # MX = -inf
        kset   g7, 0
p1:     ksub   g13, g3, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        efoldmax g26, g11, g13
        ebig   g24, g24, g26, g21
        kadd   g7, g7, g8
        hoplt  g7, g3, p1
        escale g24, g24, g19, g21   # -max
        ediff  g25, g25, g25, g21   # SX = 0
        kset   g7, 0
p2:     ksub   g13, g3, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        eoffsetb g11, g11, g24, g13
        eexp   g11, g11, g13
        efold  g26, g11, g13
        esum   g25, g25, g26, g21
        kadd   g7, g7, g8
        hoplt  g7, g3, p2
        erecip g25, g25, g21
        kset   g7, 0
p3:     ksub   g13, g3, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g9
        dpull  g11, g16, g21
        eoffsetb g11, g11, g24, g13
        eexp   g11, g11, g13
        escalb g11, g11, g25, g13
        kadd   g16, g15, g10
        dpush  g16, g11, g21
        kadd   g7, g7, g8
        hoplt  g7, g3, p3
        kadd   g9, g9, g27
        kadd   g10, g10, g27
        kaddi  g6, g6, 1
        hoplt  g6, g2, rows
        finish
