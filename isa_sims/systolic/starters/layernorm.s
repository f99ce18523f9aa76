# layernorm on the Loom systolic engine: out[i, :] = (x[i, :] - mean) / sqrt(var + eps) * weight + bias, with
# mean and (biased) var over row i (the vector unit).
# Arguments: g0 = &x, g1 = &weight, g2 = &bias, g3 = &out, g4 = M, g5 = N, g6 = eps (float32 bits).
# 1/N is made once on chip: kfloat turns N into fp32 bits, eoffset writes it into the (zeroed) buffer, erecip.
# Short rows (4N <= BUF/16, every visible shape): weight and bias are pulled once; blocks of R rows are
# software-pipelined in two buffers (block b+1 is pulled before block b is computed and pushed). Per block:
# each row's sum (efold) into MU[r], one op over the block makes them -mean; each row is centred in place
# (eoffsetb) and its squares folded into SS[r]; three ops over the block make the scales rsqrt(var + eps);
# each row is scaled (escalb), times weight, plus bias.
# Long rows: three passes per row over chunks of CE elements alternating between two buffers (the scoreboard
# lets the next chunk's pull run while this one computes): the sum, the centred sum of squares, the output.
.equ WGT, 0                  # weight (short rows)
.equ BIA, BUF/16             # bias (short rows)
.equ TMP, BUF/8              # one row of squares / one chunk of squares
.equ X0, BUF/4
.equ RB, 3*BUF/16            # bytes per row block (short rows)
.equ MUB, X0 + 2*RB          # the block's negated means
.equ SSB, MUB + BUF/32       # the block's variances, then scales
.equ RMAX, BUF/128
.equ MU, BUF-2*STRIPE        # long rows: the row's negated mean
.equ S, MU+4                 # its variance, then its scale
.equ P, MU+8
.equ INVN, BUF-STRIPE
.equ CE, BUF/64              # long rows: elements per chunk (x, weight and bias chunks: 3 x 2 buffers)
.equ CB, CE*4
        kset   g20, 0
        kset   g21, 1
        kfset  g19, -1.0
        kfloat g16, g5
        kset   g17, INVN
        eoffset g17, g17, g16, g21
        erecip g17, g17, g21        # buf[INVN] = 1/N
        kshl   g27, g5, 2           # row bytes
        kset   g26, TMP
        kset   g16, BUF/16
        hoplt  g16, g27, long
        kset   g16, RB
        kdiv   g8, g16, g27
        kset   g16, RMAX
        kmin   g8, g8, g16          # R: rows per block
        dgeom  g27, g20, g20
        dpull  g20, g1, g21         # weight -> WGT
        kset   g28, BIA
        dpull  g28, g2, g21         # bias -> BIA
        dgeom  g27, g27, g27        # blocks: rows of 4N bytes, contiguous on both sides
        kset   g12, 2*X0+RB         # X0 + X1 (toggle)
        kset   g11, X0
        kset   g7, 0
        kmin   g13, g8, g4          # rows in block 0
        dpull  g11, g0, g13
blk:    kadd   g22, g7, g8          # first row of the next block
        hopge  g22, g4, nopull
        ksub   g23, g4, g22
        kmin   g23, g23, g8
        ksub   g10, g12, g11
        kmul   g16, g22, g27
        kadd   g16, g16, g0
        dpull  g10, g16, g23        # pull the next block while this one computes
nopull: kcopy  g14, g11
        kset   g15, MUB
        kcopy  g18, g13
mean:   efold  g15, g14, g5
        kadd   g14, g14, g27
        kaddi  g15, g15, 4
        tally  g18, mean
        kset   g15, MUB
        escalb g15, g15, g17, g13
        escale g15, g15, g19, g13   # -mean for every row of the block
        kcopy  g14, g11
        kset   g24, SSB
        kcopy  g18, g13
var:    eoffsetb g14, g14, g15, g5  # x - mean, in place
        eprod  g26, g14, g14, g5
        efold  g24, g26, g5
        kadd   g14, g14, g27
        kaddi  g15, g15, 4
        kaddi  g24, g24, 4
        tally  g18, var
        kset   g24, SSB
        escalb g24, g24, g17, g13   # variance
        eoffset g24, g24, g6, g13   # + eps
        ersqrt g24, g24, g13        # the row scales
        kcopy  g14, g11
        kcopy  g18, g13
sc:     escalb g14, g14, g24, g5
        eprod  g14, g14, g20, g5    # * weight
        esum   g14, g14, g28, g5    # + bias
        kadd   g14, g14, g27
        kaddi  g24, g24, 4
        tally  g18, sc
        kmul   g16, g7, g27
        kadd   g16, g16, g3
        dpush  g16, g11, g13
        kcopy  g7, g22
        ksub   g11, g12, g11
        kcopy  g13, g23
        hoplt  g7, g4, blk
        finish
# ---------------------------------------------------------------- long rows
long:   kset   g8, CE
        kset   g12, 2*X0+CB         # X0 + X1 (toggle); weight and bias chunks at X + 2*CB and X + 4*CB
        kset   g11, X0
        kset   g24, MU
        kset   g25, S
        kset   g28, P
        kcopy  g9, g0               # &x[i, 0]
        kcopy  g10, g3              # &out[i, 0]
        kset   g23, 0
lrow:   ediff  g24, g24, g24, g21   # MU = 0
        kset   g7, 0
lp1:    ksub   g13, g5, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        efold  g28, g11, g13
        esum   g24, g24, g28, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g5, lp1
        escalb g24, g24, g17, g21
        escale g24, g24, g19, g21   # MU = -mean
        ediff  g25, g25, g25, g21   # S = 0
        kset   g7, 0
lp2:    ksub   g13, g5, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g15, g15, g9
        dpull  g11, g15, g21
        eoffsetb g11, g11, g24, g13
        eprod  g26, g11, g11, g13
        efold  g28, g26, g13
        esum   g25, g25, g28, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g5, lp2
        escalb g25, g25, g17, g21
        eoffset g25, g25, g6, g21
        ersqrt g25, g25, g21        # S = the row's scale
        kset   g7, 0
lp3:    ksub   g13, g5, g7
        kmin   g13, g13, g8
        kshl   g14, g13, 2
        dgeom  g14, g20, g20
        kshl   g15, g7, 2
        kadd   g16, g15, g9
        dpull  g11, g16, g21
        kadd   g16, g15, g1
        kaddi  g18, g11, 2*CB
        dpull  g18, g16, g21        # the weight chunk
        kadd   g16, g15, g2
        kaddi  g22, g11, 4*CB
        dpull  g22, g16, g21        # the bias chunk
        eoffsetb g11, g11, g24, g13
        escalb g11, g11, g25, g13
        eprod  g11, g11, g18, g13
        esum   g11, g11, g22, g13
        kadd   g16, g15, g10
        dpush  g16, g11, g21
        ksub   g11, g12, g11
        kadd   g7, g7, g8
        hoplt  g7, g5, lp3
        kadd   g9, g9, g27
        kadd   g10, g10, g27
        kaddi  g23, g23, 1
        hoplt  g23, g4, lrow
        finish
