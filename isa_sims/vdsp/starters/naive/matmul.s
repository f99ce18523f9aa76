# naive matmul on the Vesper DSP: C = A @ B. Arguments: s0 = &A, s1 = &B, s2 = &C, s3 = M, s4 = N, s5 = K.
# For each block of 4 rows i (the last block repeats row M-1: the same values are written twice) and
# each block of VLMAX columns j0: for each chunk of at most KC k's, DMA B[k, j0:j0+VL] and the 4 rows'
# A[i, k..] and wait; then per k one vget of B and 4 vmacck. No double buffering (DMA and compute
# never overlap), B re-read for every row block, one accumulator chain per row.
# (Blocking 4 rows is the least that keeps 1024^3 on the small config under the cycle limit.)
.equ KC, (SPAD - 8*VBYTES) / (VBYTES + 16)
.equ AR, KC*4                # bytes per A row in the scratchpad
.equ BBUF, 0
.equ ABUF, KC*VBYTES
.equ CBUF, ABUF + 4*AR
        iput   s20, BBUF
        iput   s23, KC
        iput   s24, VBYTES
        ishift s26, s4, 2        # s26: bytes per row of B and C
        iplusk s31, s3, -1       # s31: last row
        iput   s6, 0             # s6: i
rowi:   iput   s7, 0             # s7: j0
colj:   iminus s8, s4, s7
        vlen   s15, s8           # VL = min(VLMAX, N - j0)
        ishift s10, s15, 2       # s10: bytes of one C segment
        vzero  v0
        vzero  v2
        vzero  v3
        vzero  v4
        iput   s9, 0             # s9: k0
kch:    iminus s11, s5, s9
        ilow   s11, s11, s23     # s11: k's in this chunk
        xshape s10, s26, s24
        itimes s12, s9, s4
        iplus  s12, s12, s7
        ishift s12, s12, 2
        iplus  s12, s12, s1      # &B[k0, j0]
        xin2   s20, s12, s11, 0
        ishift s13, s11, 2       # bytes of one A chunk
        iput   s21, ABUF
        iput   s19, 4
        icopy  s18, s6
arow:   itimes s12, s18, s5
        iplus  s12, s12, s9
        ishift s12, s12, 2
        iplus  s12, s12, s0      # &A[row, k0]
        xin    s21, s12, s13, 0
        iplusk s21, s21, AR
        iplusk s18, s18, 1
        ilow   s18, s18, s31
        again  s19, arow
        xwait  0
        iput   s16, BBUF
        iput   s17, ABUF
        icopy  s18, s11
kloop:  sget   s14, [s17]
        sget   s28, [s17+AR]
        sget   s29, [s17+2*AR]
        sget   s30, [s17+3*AR]
        vget   v1, [s16]
        vmacck v0, v1, s14
        vmacck v2, v1, s28
        vmacck v3, v1, s29
        vmacck v4, v1, s30
        iplusk s16, s16, VBYTES
        iplusk s17, s17, 4
        again  s18, kloop
        iplus  s9, s9, s11
        whenlt s9, s5, kch
        vput   v0, [CBUF]
        vput   v2, [CBUF+VBYTES]
        vput   v3, [CBUF+2*VBYTES]
        vput   v4, [CBUF+3*VBYTES]
        iput   s22, CBUF
        iput   s19, 4
        icopy  s18, s6
crow:   itimes s12, s18, s4
        iplus  s12, s12, s7
        ishift s12, s12, 2
        iplus  s12, s12, s2      # &C[row, j0]
        xout   s12, s22, s10, 0
        iplusk s22, s22, VBYTES
        iplusk s18, s18, 1
        ilow   s18, s18, s31
        again  s19, crow
        xwait  0
        iplusk s7, s7, VLMAX
        whenlt s7, s4, colj
        iplusk s6, s6, 4
        whenlt s6, s3, rowi
        stop
