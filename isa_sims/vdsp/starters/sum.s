# sum on the Vesper DSP: out[0] = x[0] + ... + x[n-1].
# Arguments: s0 = &x, s1 = &out, s2 = n.
# Tiles stream through two scratchpad buffers (double-buffered DMA). Each tile is summed into two
# fresh vector accumulators (v1, v3: two chains hide the vector ALU latency), whose sum is added
# into the running total v0: short fp32 chains keep the rounding error small.
.equ CB, SPAD/4
.equ CE, CB/4
.equ BA, 0
.equ BB, CB
.equ OUTB, 2*CB
        iput   s20, BA
        iput   s22, BB
        iput   s9, CE
        iput   s25, VLMAX
        iput   s26, 0
        vzero  v0                # running total (VL = VLMAX at start)
        icopy  s4, s2            # elements not yet requested
        icopy  s5, s0            # next address to load
        ilow   s8, s4, s9
        ishift s10, s8, 2
        xin    s20, s5, s10, 0
        iplus  s5, s5, s10
        iminus s4, s4, s8
tileA:  ilow   s11, s4, s9
        ishift s12, s11, 2
        xin    s22, s5, s12, 1
        iplus  s5, s5, s12
        iminus s4, s4, s11
        xwait  0
        icopy  s16, s20
        icopy  s13, s8
        vlen   s15, s25
        vzero  v1
        vzero  v3
sumA:   vlen   s15, s13
        vget   v2, [s16]
        vplus  v1, v1, v2
        iminus s13, s13, s15
        iplusk s16, s16, VBYTES
        vlen   s15, s13
        vget   v4, [s16]
        vplus  v3, v3, v4
        iminus s13, s13, s15
        iplusk s16, s16, VBYTES
        whenlt s26, s13, sumA
        vlen   s15, s25
        vplus  v1, v1, v3
        vplus  v0, v0, v1
        whenz  s11, done
        ilow   s8, s4, s9
        ishift s10, s8, 2
        xin    s20, s5, s10, 0
        iplus  s5, s5, s10
        iminus s4, s4, s8
        xwait  1
        icopy  s16, s22
        icopy  s13, s11
        vzero  v1
        vzero  v3
sumB:   vlen   s15, s13
        vget   v2, [s16]
        vplus  v1, v1, v2
        iminus s13, s13, s15
        iplusk s16, s16, VBYTES
        vlen   s15, s13
        vget   v4, [s16]
        vplus  v3, v3, v4
        iminus s13, s13, s15
        iplusk s16, s16, VBYTES
        whenlt s26, s13, sumB
        vlen   s15, s25
        vplus  v1, v1, v3
        vplus  v0, v0, v1
        whennz s8, tileA
done:   vlen   s15, s25
        vfold  s14, v0
        sput   s14, [OUTB]
        iput   s16, OUTB
        iput   s17, 4
        xout   s1, s16, s17, 2
        stop
