# naive gemv on the Vesper DSP: y[i] = sum_j A[i, j] * x[j]. Arguments: s0 = &A, s1 = &x, s2 = &y, s3 = M, s4 = N.
# Row by row, one vector of A and of x at a time into one accumulator, every DMA waited for at once.
.equ AB, 0
.equ XB, VBYTES
        iput   s20, AB
        iput   s21, XB
        iput   s17, 4
        iput   s25, VLMAX
row:    vlen   s15, s25
        vzero  v0
        icopy  s5, s4            # s5: elements left in this row
        icopy  s6, s1            # s6: &x[j]
chunk:  vlen   s15, s5
        ishift s10, s15, 2
        xin    s20, s0, s10, 0
        xin    s21, s6, s10, 0
        xwait  0
        vget   v1, [AB]
        vget   v2, [XB]
        vmacc  v0, v1, v2
        iplus  s0, s0, s10
        iplus  s6, s6, s10
        iminus s5, s5, s15
        whennz s5, chunk
        vlen   s15, s25
        vfold  s14, v0
        sput   s14, [0]
        xout   s2, s20, s17, 0
        xwait  0
        iplusk s2, s2, 4
        again  s3, row
        stop
