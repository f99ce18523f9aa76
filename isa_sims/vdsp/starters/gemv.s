# gemv on the Vesper DSP: y[i] = sum_j A[i, j] * x[j], i < M, j < N (A row-major).
# Arguments: s0 = &A, s1 = &x, s2 = &y, s3 = M, s4 = N.
# x is loaded into the scratchpad once (it must fit: N <= SPAD/8 elements, 8192 on the small config).
# A is streamed as one flat array in tiles through two scratchpad buffers (double-buffered DMA,
# tags 0/1), whatever N is: a tile may hold many short rows or part of a long one. Each tile is cut
# into row segments; a segment is multiplied with the matching part of x (column offset N - s6) into
# two vector accumulators (v0, v1: two chains hide the vector ALU latency) that live across tiles
# until the row ends, then vfold gives y[i]. Results collect in a scratchpad buffer that leaves by
# DMA (tag 2) when full and at the end. The tile compute is shared by both buffers: s27 says where
# to return (0: buffer A, 1: buffer B).
.equ CB, SPAD/8              # bytes per A tile
.equ CE, CB/4                # elements per A tile
.equ BA, 0
.equ BB, CB
.equ OUTB, 2*CB              # results waiting to leave
.equ OBB, CB                 # bytes of that buffer
.equ XR, SPAD/2              # x, whole
        icopy  s28, s1           # s28: &x; then the row_sum register layout: s1 = &y, s2 = M, s3 = N
        icopy  s1, s2
        icopy  s2, s3
        icopy  s3, s4
        iput   s23, XR
        ishift s29, s3, 2
        xin    s23, s28, s29, 3  # tag 3: x in, once
        iput   s20, BA
        iput   s22, BB
        iput   s21, OUTB
        iput   s24, OBB
        iput   s9, CE
        iput   s25, VLMAX
        iput   s26, 0
        vzero  v0
        vzero  v1
        vzero  v6
        vzero  v7
        iput   s29, 4*VLMAX
        itimes s4, s2, s3        # s4: elements not yet requested
        icopy  s5, s0            # s5: next x address to load
        icopy  s6, s3            # s6: elements left in the current row
        iput   s7, 0             # s7: bytes of row sums in the out buffer
        icopy  s18, s1           # s18: where the out buffer goes next
        ilow   s8, s4, s9
        ishift s10, s8, 2
        xin    s20, s5, s10, 0
        iplus  s5, s5, s10
        iminus s4, s4, s8
        xwait  3
tileA:  ilow   s11, s4, s9
        ishift s12, s11, 2
        xin    s22, s5, s12, 1
        iplus  s5, s5, s12
        iminus s4, s4, s11
        xwait  0
        icopy  s16, s20
        icopy  s13, s8
        iput   s27, 0
        goto   proc
retA:   whenz  s11, done
        ilow   s8, s4, s9
        ishift s10, s8, 2
        xin    s20, s5, s10, 0
        iplus  s5, s5, s10
        iminus s4, s4, s8
        xwait  1
        icopy  s16, s22
        icopy  s13, s11
        iput   s27, 1
        goto   proc
retB:   whennz s8, tileA
done:   whenz  s7, fin
        xout   s18, s21, s7, 2
fin:    stop
# compute on one tile: s16 = its scratchpad address, s13 = its elements
proc:   whenz  s13, pdone
        ilow   s14, s13, s6      # s14: elements of this row in this tile
        iminus s13, s13, s14
        iminus s30, s3, s6
        ishift s30, s30, 2
        iplusk s30, s30, XR      # s30: &x[column of this segment]
        iminus s6, s6, s14
        iquot  s31, s14, s29       # full groups of 4 vectors in this segment
        whenz  s31, grpt
        vlen   s15, s25
        itimes s17, s31, s29
        iminus s14, s14, s17       # s14: the segment's tail
        vget   v8, [s16+0*VBYTES]
        vget   v9, [s16+1*VBYTES]
        vget   v10, [s16+2*VBYTES]
        vget   v11, [s16+3*VBYTES]
        vget   v12, [s30+0*VBYTES]
        vget   v13, [s30+1*VBYTES]
        vget   v14, [s30+2*VBYTES]
        vget   v15, [s30+3*VBYTES]
        iplusk s31, s31, -1
        whenz  s31, grpl
grpg:    iplusk s16, s16, 4*VBYTES
        iplusk s30, s30, 4*VBYTES
        vmacc  v0, v8, v12
        vget   v8, [s16+0*VBYTES]   # one group ahead
        vget   v12, [s30+0*VBYTES]
        vmacc  v1, v9, v13
        vget   v9, [s16+1*VBYTES]   # one group ahead
        vget   v13, [s30+1*VBYTES]
        vmacc  v6, v10, v14
        vget   v10, [s16+2*VBYTES]   # one group ahead
        vget   v14, [s30+2*VBYTES]
        vmacc  v7, v11, v15
        vget   v11, [s16+3*VBYTES]   # one group ahead
        vget   v15, [s30+3*VBYTES]
        again  s31, grpg
grpl:    vmacc  v0, v8, v12
        vmacc  v1, v9, v13
        vmacc  v6, v10, v14
        vmacc  v7, v11, v15
        iplusk s16, s16, 4*VBYTES
        iplusk s30, s30, 4*VBYTES
grpt:    whenz  s14, grpd
seg:    vlen   s15, s14
        vget   v2, [s16]
        vget   v4, [s30]
        vmacc  v0, v2, v4
        iminus s14, s14, s15
        ishift s17, s15, 2
        iplus  s16, s16, s17
        iplus  s30, s30, s17
        vlen   s15, s14
        vget   v3, [s16]
        vget   v5, [s30]
        vmacc  v1, v3, v5
        iminus s14, s14, s15
        ishift s17, s15, 2
        iplus  s16, s16, s17
        iplus  s30, s30, s17
        whenlt s26, s14, seg
grpd:   whennz s6, proc          # the row goes on in the next tile
        vlen   s15, s25
        vplus  v0, v0, v1
        vplus  v6, v6, v7
        vplus  v0, v0, v6
        vfold  s19, v0
        vzero  v0
        vzero  v1
        vzero  v6
        vzero  v7
        sput   s19, [s7+OUTB]
        iplusk s7, s7, 4
        icopy  s6, s3
        whenlt s7, s24, proc
        xout   s18, s21, s7, 2   # out buffer full: send it, wait before refilling
        iplus  s18, s18, s7
        iput   s7, 0
        xwait  2
        goto   proc
pdone:  whenz  s27, retA
        goto   retB
