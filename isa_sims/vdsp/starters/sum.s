# sum on the Vesper DSP: out[0] = x[0] + ... + x[n-1].
# Arguments: s0 = &x, s1 = &out, s2 = n.
# Tiles stream through two scratchpad buffers (double-buffered DMA). Each tile's full groups of 4 vectors
# are summed into four fresh accumulators (v8..v11: four chains hide the vector ALU latency), loading one
# group ahead so the load/store unit and the vector ALU overlap; the tail (< 4 vectors) goes one vector
# at a time into v1. The tile's sum is added into the running total v0: short fp32 chains keep the
# rounding error small.
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
        iput   s27, 4*VLMAX
        vzero  v0                # running total (VL = VLMAX at start)
        vzero  v1                # the tail's accumulator
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
        vzero  v8
        vzero  v9
        vzero  v10
        vzero  v11
        iquot  s17, s13, s27        # s17: full groups of 4 vectors
        whenz  s17, tailA
        itimes s18, s17, s27
        iminus s13, s13, s18       # s13: tail elements
        vget   v12, [s16+0*VBYTES]
        vget   v13, [s16+1*VBYTES]
        vget   v14, [s16+2*VBYTES]
        vget   v15, [s16+3*VBYTES]
grpA:   iplusk s16, s16, 4*VBYTES
        vplus  v8, v8, v12
        vget   v12, [s16+0*VBYTES]   # one group ahead
        vplus  v9, v9, v13
        vget   v13, [s16+1*VBYTES]   # one group ahead
        vplus  v10, v10, v14
        vget   v14, [s16+2*VBYTES]   # one group ahead
        vplus  v11, v11, v15
        vget   v15, [s16+3*VBYTES]   # one group ahead
        again  s17, grpA
tailA:  whenz  s13, foldA
sumA:   vlen   s15, s13
        vget   v2, [s16]
        vplus  v1, v1, v2
        iminus s13, s13, s15
        iplusk s16, s16, VBYTES
        whennz s13, sumA
foldA:  vlen   s15, s25
        vplus  v8, v8, v9
        vplus  v10, v10, v11
        vplus  v8, v8, v10
        vplus  v1, v1, v8
        vplus  v0, v0, v1
        vzero  v1
        whenz  s11, done
        ilow   s8, s4, s9
        ishift s10, s8, 2
        xin    s20, s5, s10, 0
        iplus  s5, s5, s10
        iminus s4, s4, s8
        xwait  1
        icopy  s16, s22
        icopy  s13, s11
        vzero  v8
        vzero  v9
        vzero  v10
        vzero  v11
        iquot  s17, s13, s27        # s17: full groups of 4 vectors
        whenz  s17, tailB
        itimes s18, s17, s27
        iminus s13, s13, s18       # s13: tail elements
        vget   v12, [s16+0*VBYTES]
        vget   v13, [s16+1*VBYTES]
        vget   v14, [s16+2*VBYTES]
        vget   v15, [s16+3*VBYTES]
grpB:   iplusk s16, s16, 4*VBYTES
        vplus  v8, v8, v12
        vget   v12, [s16+0*VBYTES]   # one group ahead
        vplus  v9, v9, v13
        vget   v13, [s16+1*VBYTES]   # one group ahead
        vplus  v10, v10, v14
        vget   v14, [s16+2*VBYTES]   # one group ahead
        vplus  v11, v11, v15
        vget   v15, [s16+3*VBYTES]   # one group ahead
        again  s17, grpB
tailB:  whenz  s13, foldB
sumB:   vlen   s15, s13
        vget   v2, [s16]
        vplus  v1, v1, v2
        iminus s13, s13, s15
        iplusk s16, s16, VBYTES
        whennz s13, sumB
foldB:  vlen   s15, s25
        vplus  v8, v8, v9
        vplus  v10, v10, v11
        vplus  v8, v8, v10
        vplus  v1, v1, v8
        vplus  v0, v0, v1
        vzero  v1
        whennz s8, tileA
done:   vlen   s15, s25
        vfold  s14, v0
        sput   s14, [OUTB]
        iput   s16, OUTB
        iput   s17, 4
        xout   s1, s16, s17, 2
        stop
