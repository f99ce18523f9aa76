# rmsnorm on the Loom systolic engine: out[i, :] = x[i, :] / sqrt(mean(x[i, :]^2) + eps) * weight (the vector unit).
# Arguments: g0 = &x, g1 = &weight, g2 = &out, g3 = M, g4 = N, g5 = eps (float32 bits).
# 1/N is made once on chip: kfloat turns N into fp32 bits, eoffset writes it into the (zeroed) buffer, erecip.
# Short rows (4N <= BUF/8, every visible shape): weight is pulled once; blocks of R rows are software-
# pipelined in two buffers (block b+1 is pulled before block b is computed, and pushed from its buffer).
# Per block: square and fold each row into SS[r] (efold), then one vector op each over the R row sums makes
# the scales rsqrt(SS * 1/N + eps), then each row is scaled by its SS[r] (escalb) and times weight.
# Long rows: two passes per row in chunks of CE elements alternating between two buffers (the scoreboard
# lets the next chunk's pull run while this one computes): the sum of squares, then scale, weight, push.
.equ WGT, 0                  # weight (short rows)
.equ TMP, BUF/8              # one row of squares / one chunk of squares
.equ X0, BUF/4
.equ RB, 3*BUF/16            # bytes per row block (short rows)
.equ SSB, X0 + 2*RB          # the block's row scales
.equ RMAX, BUF/64
.equ S, BUF-2*STRIPE         # long rows: the row's sum of squares, then its scale
.equ P, S+4
.equ INVN, BUF-STRIPE
.equ CE, BUF/32              # long rows: elements per chunk
.equ CB, CE*4
        kset   g20, 0
        kset   g21, 1
        kfloat g16, g4
        kset   g17, INVN
        eoffset g17, g17, g16, g21
        erecip g17, g17, g21        # buf[INVN] = 1/N
        kshl   g27, g4, 2           # row bytes
        kset   g26, TMP
        kset   g16, BUF/8
        hoplt  g16, g27, long
        kset   g16, RB
        kdiv   g8, g16, g27
        kset   g16, RMAX
        kmin   g8, g8, g16          # R: rows per block
        dgeom  g27, g20, g20
        dpull  g20, g1, g21         # weight -> WGT
        dgeom  g27, g27, g27        # blocks: rows of 4N bytes, contiguous on both sides
        kset   g12, 2*X0+RB         # X0 + X1 (toggle)
        kset   g11, X0
        kset   g7, 0
        kmin   g13, g8, g3          # rows in block 0
        dpull  g11, g0, g13
blk:    kadd   g22, g7, g8          # first row of the next block
        hopge  g22, g3, nopull
        ksub   g23, g3, g22
        kmin   g23, g23, g8         # its rows
        ksub   g10, g12, g11
        kmul   g16, g22, g27
        kadd   g16, g16, g0
        dpull  g10, g16, g23        # pull the next block while this one computes
nopull: kcopy  g14, g11
        kset   g15, SSB
        kcopy  g18, g13
sq:     eprod  g26, g14, g14, g4
        efold  g15, g26, g4         # SS[r] = sum of x[r]^2
        kadd   g14, g14, g27
        kaddi  g15, g15, 4
        tally  g18, sq
        kset   g15, SSB
        escalb g15, g15, g17, g13   # mean square
        eoffset g15, g15, g5, g13   # + eps
        ersqrt g15, g15, g13        # the row scales
        kcopy  g14, g11
        kcopy  g18, g13
sc:     escalb g14, g14, g15, g4    # x[r] * scale[r]
        eprod  g14, g14, g20, g4    # * weight
        kadd   g14, g14, g27
        kaddi  g15, g15, 4
        tally  g18, sc
        kmul   g16, g7, g27
        kadd   g16, g16, g2
        dpush  g16, g11, g13
        kcopy  g7, g22
        ksub   g11, g12, g11
        kcopy  g13, g23
        hoplt  g7, g3, blk
        finish
# ---------------------------------------------------------------- long rows
long:   kset   g8, CE
        kset   g12, 2*X0+CB         # X0 + X1 (toggle); the weight chunk sits at X + BUF/4
        kset   g11, X0
        kset   g24, S
        kset   g25, P
        kcopy  g9, g0               # &x[i, 0]
        kcopy  g10, g2              # &out[i, 0]
        kset   g6, 0
lrow:   ediff  g24, g24, g24, g21   # S = 0
        kset   g7, 0
lp1:    ksub   g13, g4, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        eprod  g26, g11, g11, g13
        efold  g25, g26, g13
        esum   g24, g24, g25, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g4, lp1
        escalb g24, g24, g17, g21
        eoffset g24, g24, g5, g21
        ersqrt g24, g24, g21        # S = the row's scale
        kset   g7, 0
lp2:    ksub   g13, g4, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g9
        dpull  g11, g16, g21
        kadd   g16, g15, g1
        kaddi  g18, g11, BUF/4
        dpull  g18, g16, g21        # the weight chunk
        escalb g11, g11, g24, g13
        eprod  g11, g11, g18, g13
        kadd   g16, g15, g10
        dpush  g16, g11, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g4, lp2
        kadd   g9, g9, g27
        kadd   g10, g10, g27
        kaddi  g6, g6, 1
        hoplt  g6, g3, lrow
        finish
