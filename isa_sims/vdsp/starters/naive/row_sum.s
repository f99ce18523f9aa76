# naive row_sum on the Vesper DSP: out[i] = sum_j x[i, j]. Arguments: s0 = &x, s1 = &out, s2 = M, s3 = N.
# Row by row, one vector at a time into one accumulator, every DMA waited for at once.
        iput   s20, 0
        iput   s17, 4
        iput   s25, VLMAX
row:    vlen   s15, s25
        vzero  v0
        icopy  s4, s3            # s4: elements left in this row
chunk:  vlen   s15, s4
        ishift s10, s15, 2
        xin    s20, s0, s10, 0
        xwait  0
        vget   v1, [0]
        vplus  v0, v0, v1
        iplus  s0, s0, s10
        iminus s4, s4, s15
        whennz s4, chunk
        vlen   s15, s25
        vfold  s14, v0
        sput   s14, [0]
        xout   s1, s20, s17, 0
        xwait  0
        iplusk s1, s1, 4
        again  s2, row
        stop
