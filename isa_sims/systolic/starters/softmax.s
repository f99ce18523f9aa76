# softmax on the Loom systolic engine: out[i, :] = exp(x[i, :] - max(x[i, :])) / sum(exp(...)) (the vector unit).
# Arguments: g0 = &x, g1 = &out, g2 = M, g3 = N.
# Short rows (4N <= BUF/8, every visible shape): blocks of R rows are software-pipelined in two buffers
# (block b+1 is pulled before block b is computed, then block b is pushed from its buffer). Per block: the
# row maxima MM[r] (efoldmax), negated for all rows at once; each row gets x - max (eoffsetb), exp, and its
# sum SS[r] (efold); one erecip over the block's sums; each row is scaled by 1/SS[r] (escalb) in place.
# Long rows: three passes per row over chunks of CE elements alternating between two buffers (the scoreboard
# lets the next chunk's pull run while this one computes): the maximum, the sum of exps, then the output.
.equ X0, BUF/4
.equ RB, 3*BUF/16            # bytes per row block (short rows)
.equ MMB, X0 + 2*RB          # the block's negated row maxima
.equ SSB, MMB + BUF/32       # the block's row sums, then their reciprocals
.equ RMAX, BUF/128
.equ MX, BUF-2*STRIPE        # long rows: the row's negated maximum
.equ SX, MX+4                # its sum of exps, then the reciprocal
.equ PX, MX+8
.equ CE, BUF/32              # long rows: elements per chunk
.equ CB, CE*4
        kset   g20, 0
        kset   g21, 1
        kfset  g19, -1.0
        kshl   g27, g3, 2           # row bytes
        kset   g16, BUF/8
        hoplt  g16, g27, long
        kset   g16, RB
        kdiv   g8, g16, g27
        kset   g16, RMAX
        kmin   g8, g8, g16          # R: rows per block
        dgeom  g27, g27, g27        # blocks: rows of 4N bytes, contiguous on both sides
        kset   g12, 2*X0+RB         # X0 + X1 (toggle)
        kset   g11, X0
        kset   g7, 0
        kmin   g13, g8, g2          # rows in block 0
        dpull  g11, g0, g13
blk:    kadd   g22, g7, g8          # first row of the next block
        hopge  g22, g2, nopull
        ksub   g23, g2, g22
        kmin   g23, g23, g8
        ksub   g10, g12, g11
        kmul   g16, g22, g27
        kadd   g16, g16, g0
        dpull  g10, g16, g23        # pull the next block while this one computes
nopull: kcopy  g14, g11
        kset   g15, MMB
        kcopy  g18, g13
mx:     efoldmax g15, g14, g3
        kadd   g14, g14, g27
        kaddi  g15, g15, 4
        tally  g18, mx
        kset   g15, MMB
        escale g15, g15, g19, g13   # -max for every row of the block
        kcopy  g14, g11
        kset   g24, SSB
        kcopy  g18, g13
ex:     eoffsetb g14, g14, g15, g3  # x - max
        eexp   g14, g14, g3
        efold  g24, g14, g3
        kadd   g14, g14, g27
        kaddi  g15, g15, 4
        kaddi  g24, g24, 4
        tally  g18, ex
        kset   g24, SSB
        erecip g24, g24, g13
        kcopy  g14, g11
        kcopy  g18, g13
sc:     escalb g14, g14, g24, g3
        kadd   g14, g14, g27
        kaddi  g24, g24, 4
        tally  g18, sc
        kmul   g16, g7, g27
        kadd   g16, g16, g1
        dpush  g16, g11, g13
        kcopy  g7, g22
        ksub   g11, g12, g11
        kcopy  g13, g23
        hoplt  g7, g2, blk
        finish
# ---------------------------------------------------------------- long rows
long:   kset   g8, CE
        kset   g12, 2*X0+CB         # X0 + X1 (toggle)
        kset   g11, X0
        kset   g24, MX
        kset   g25, SX
        kset   g26, PX
        kcopy  g9, g0               # &x[i, 0]
        kcopy  g10, g1              # &out[i, 0]
        kset   g6, 0
lrow:   efoldmax g24, g24, g20      # MX = -inf (the max of nothing)
        kset   g7, 0
lp1:    ksub   g13, g3, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        efoldmax g26, g11, g13
        ebig   g24, g24, g26, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g3, lp1
        escale g24, g24, g19, g21   # MX = -max
        ediff  g25, g25, g25, g21   # SX = 0
        kset   g7, 0
lp2:    ksub   g13, g3, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        eoffsetb g11, g11, g24, g13
        eexp   g11, g11, g13
        efold  g26, g11, g13
        esum   g25, g25, g26, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g3, lp2
        erecip g25, g25, g21
        kset   g7, 0
lp3:    ksub   g13, g3, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g9
        dpull  g11, g16, g21
        eoffsetb g11, g11, g24, g13
        eexp   g11, g11, g13
        escalb g11, g11, g25, g13
        kadd   g16, g15, g10
        dpush  g16, g11, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g3, lp3
        kadd   g9, g9, g27
        kadd   g10, g10, g27
        kaddi  g6, g6, 1
        hoplt  g6, g2, lrow
        finish
