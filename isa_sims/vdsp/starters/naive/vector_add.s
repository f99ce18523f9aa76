# naive vector_add on the Vesper DSP: out[i] = x[i] + y[i], i < n. Arguments: s0 = &x, s1 = &y, s2 = &out, s3 = n.
# One vector (VLMAX elements) at a time, every DMA waited for at once: no tiling, no overlap.
.equ XA, 0
.equ YA, VBYTES
        iput   s20, XA
        iput   s21, YA
loop:   vlen   s15, s3
        ishift s10, s15, 2
        xin    s20, s0, s10, 0
        xin    s21, s1, s10, 0
        xwait  0
        vget   v0, [XA]
        vget   v1, [YA]
        vplus  v0, v0, v1
        vput   v0, [XA]
        xout   s2, s20, s10, 0
        xwait  0
        iplus  s0, s0, s10
        iplus  s1, s1, s10
        iplus  s2, s2, s10
        iminus s3, s3, s15
        whennz s3, loop
        stop
