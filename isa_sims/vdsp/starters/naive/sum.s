# naive sum on the Vesper DSP: out[0] = x[0] + ... + x[n-1]. Arguments: s0 = &x, s1 = &out, s2 = n.
# One vector at a time into one accumulator, every DMA waited for at once: no tiling, no overlap.
        iput   s20, 0
        iput   s25, VLMAX
loop:   vlen   s15, s2
        ishift s10, s15, 2
        xin    s20, s0, s10, 0
        xwait  0
        vget   v1, [0]
        vplus  v0, v0, v1
        iplus  s0, s0, s10
        iminus s2, s2, s15
        whennz s2, loop
        vlen   s15, s25
        vfold  s14, v0
        sput   s14, [0]
        iput   s17, 4
        xout   s1, s20, s17, 0
        stop
