# gelu on the Loom systolic engine, the naive way: one small chunk at a time, one buffer, no overlap
# (each chunk is pulled, computed and pushed before the next is pulled).
# Arguments: g0 = &x, g1 = &out, g2 = n. GELU (tanh form): out = 0.5 * x * (1 + tanh(u)), u = sqrt(2/pi) * (x + 0.044715 x^3), computed as
# x * sigmoid(2u) = x / (1 + exp(-2u)): the same value without the cancellation in 1 + tanh(u) for
# negative x (which loses all relative accuracy in fp32 once x < -3). Eight vector ops per element.
.equ CE, 256
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g11, 0            # x chunk
        kset   g26, CE*4         # temp
        kfset  g24, -0.0713548162726002   # -2 * sqrt(2/pi) * 0.044715
        kfset  g25, -1.5957691216057308   # -2 * sqrt(2/pi)
        kfset  g27, 1.0
        kset   g7, 0
loop:   ksub   g13, g2, g7
        kmin   g13, g13, g8      # elements in this chunk
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g0
        dpull  g11, g16, g21
        eprod  g26, g11, g11, g13 # t = x^2
        escale g26, g26, g24, g13 # t = -2c*0.044715*x^2
        eoffset g26, g26, g25, g13 # t = -2c*(1 + 0.044715*x^2)
        eprod  g26, g26, g11, g13 # t = -2u, u = c*(x + 0.044715*x^3)
        eexp   g26, g26, g13      # exp(-2u) (inf for very negative x: the result is then -0)
        eoffset g26, g26, g27, g13 # 1 + exp(-2u)
        erecip g26, g26, g13      # sigmoid(2u) = (1 + tanh(u)) / 2
        eprod  g11, g11, g26, g13 # x * sigmoid(2u)
        kadd   g16, g15, g1
        dpush  g16, g11, g21
        kadd   g7, g7, g8
        hoplt  g7, g2, loop
        finish
