# vector_add on the Vesper DSP: out[i] = x[i] + y[i], i < n.
# Arguments: s0 = &x, s1 = &y, s2 = &out (DRAM byte addresses), s3 = n.
# Double-buffered: while tile A is added, tile B streams in (and vice versa).
# Each buffer holds an x tile and a y tile; the sum overwrites the x tile and is sent back from there.
.equ CB, SPAD/4              # bytes per array tile (4 tiles fill the scratchpad)
.equ CE, CB/4                # elements per tile
.equ XA, 0
.equ YA, CB
.equ XB, 2*CB
.equ YB, 3*CB
        iput   s20, XA
        iput   s21, YA
        iput   s22, XB
        iput   s23, YB
        iput   s9, CE
        icopy  s4, s3            # s4: elements not yet requested
        icopy  s5, s0            # s5: next x address to load
        icopy  s6, s1            # s6: next y address to load
        icopy  s7, s2            # s7: out address of the tile being computed
        ilow   s8, s4, s9        # s8: elements in tile A
        ishift s10, s8, 2        # s10: bytes in tile A
        xin    s20, s5, s10, 0   # tag 0: tile A in
        xin    s21, s6, s10, 0
        iplus  s5, s5, s10
        iplus  s6, s6, s10
        iminus s4, s4, s8
tileA:  ilow   s11, s4, s9       # s11: elements in tile B (0 at the end)
        ishift s12, s11, 2
        xwait  3                 # tile B's previous result has left the scratchpad
        xin    s22, s5, s12, 1   # tag 1: tile B in
        xin    s23, s6, s12, 1
        iplus  s5, s5, s12
        iplus  s6, s6, s12
        iminus s4, s4, s11
        xwait  0                 # tile A has arrived
        icopy  s16, s20
        icopy  s17, s21
        icopy  s13, s8
addA:   vlen   s15, s13          # VL = min(remaining, VLMAX)
        vget   v0, [s16]
        vget   v1, [s17]
        vplus  v0, v0, v1
        vput   v0, [s16]
        iplusk s16, s16, VBYTES
        iplusk s17, s17, VBYTES
        iminus s13, s13, s15
        whennz s13, addA
        xout   s7, s20, s10, 2   # tag 2: tile A's result out
        iplus  s7, s7, s10
        whenz  s11, done
        ilow   s8, s4, s9        # next tile A
        ishift s10, s8, 2
        xwait  2
        xin    s20, s5, s10, 0
        xin    s21, s6, s10, 0
        iplus  s5, s5, s10
        iplus  s6, s6, s10
        iminus s4, s4, s8
        xwait  1                 # tile B has arrived
        icopy  s16, s22
        icopy  s17, s23
        icopy  s13, s11
addB:   vlen   s15, s13
        vget   v0, [s16]
        vget   v1, [s17]
        vplus  v0, v0, v1
        vput   v0, [s16]
        iplusk s16, s16, VBYTES
        iplusk s17, s17, VBYTES
        iminus s13, s13, s15
        whennz s13, addB
        xout   s7, s22, s12, 3   # tag 3: tile B's result out
        iplus  s7, s7, s12
        whennz s8, tileA
done:   stop
