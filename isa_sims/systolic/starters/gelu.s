# gelu on the Loom systolic engine (the vector unit).
# Arguments: g0 = &x, g1 = &out (DRAM byte addresses), g2 = n.
# GELU (tanh form): out = 0.5 * x * (1 + tanh(u)), u = sqrt(2/pi) * (x + 0.044715 x^3), computed as
# x * sigmoid(2u) = x / (1 + exp(-2u)): the same value without the cancellation in 1 + tanh(u) for
# negative x (which loses all relative accuracy in fp32 once x < -3). Eight vector ops per element.
# Software-pipelined chunks of CE elements in two x buffers (X0 at 0, X1 at CB) and one temp (TMP): chunk c+1
# is pulled before chunk c is computed and pushed, so the DMA engine never waits on the vector unit; the
# result overwrites the x chunk and is pushed from there. No explicit waits: the scoreboard orders it all.
.equ CE, BUF/16              # elements per chunk (BUF/4 bytes: two x chunks and one temp use 3/4 of the buffer)
.equ CB, CE*4
.equ TMP, 2*CB
        kset   g20, 0
        kset   g21, 1
        kset   g8, CE
        kset   g12, CB           # X0 + X1 (toggle: X = g12 - X)
        kset   g26, TMP
        kfset  g24, -0.0713548162726002   # -2 * sqrt(2/pi) * 0.044715
        kfset  g25, -1.5957691216057308   # -2 * sqrt(2/pi)
        kfset  g27, 1.0
        kset   g4, 0             # g4: first element of the next chunk to pull
        kset   g10, 0            # g10: x buffer of the next pull
        kset   g7, 0             # g7: first element of the next chunk to compute
        kset   g11, 0            # g11: x buffer of the next compute
        hop    pull
loop:   ksub   g13, g2, g7       # compute and push chunk g7
        kmin   g13, g13, g8      # elements in it
        eprod  g26, g11, g11, g13 # t = x^2
        escale g26, g26, g24, g13 # t = -2c*0.044715*x^2
        eoffset g26, g26, g25, g13 # t = -2c*(1 + 0.044715*x^2)
        eprod  g26, g26, g11, g13 # t = -2u, u = c*(x + 0.044715*x^3)
        eexp   g26, g26, g13      # exp(-2u) (inf for very negative x: the result is then -0)
        eoffset g26, g26, g27, g13 # 1 + exp(-2u)
        erecip g26, g26, g13      # sigmoid(2u) = (1 + tanh(u)) / 2
        eprod  g11, g11, g26, g13 # x * sigmoid(2u)
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g1
        dpush  g15, g11, g21
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
        hopge  g8, g23, pull     # keep one chunk pulled ahead of the compute
        hop    loop
done:   finish
