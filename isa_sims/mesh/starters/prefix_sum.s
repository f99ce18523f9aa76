# prefix_sum on the Tessera tile mesh: out[i] = x[0] + ... + x[i], i < n (a chained mesh scan).
# Arguments (every tile): h0 = &x, h1 = &out, h2 = n; h29 = y, h30 = x, h31 = tile id.
# The tiles are ordered along a snake (row 0 west to east, row 1 east to west, ...), so each
# tile's successor is a neighbour. The array is cut into chunks of CE; in round r the tile with
# snake index s owns chunk r*NCORES + s. Per round each tile:
#   1. hauls its chunk and folds it (lfold): its total;
#   2. takes the running offset from its predecessor (the last tile of the snake hands it back
#      to the first for the next round), posts offset + total on to its successor at once;
#   3. scans the chunk with lscan seeded with the offset and stows it.
# x is read once and out written once (8n bytes, the minimum); the carry chain costs a few
# cycles per hop, far less than a chunk's DRAM time, so every tile keeps the channel busy.
.equ CB, LMEM/2
.equ CE, CB/4
.equ MB, LMEM-16            # 4-byte message buffer
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h9, CE
        mk    h17, MB
        mk    h18, 4
        mk    h23, 2                # snake index s of this tile: y*GX + (x if y even else GX-1-x)
        resid h23, h29, h23
        cp    h24, h30
        goz   h23, even
        mk    h24, GX-1
        minus h24, h24, h30
even:   timesk h25, h29, GX
        plus  h25, h25, h24         # h25: snake index
        plusk h27, h25, -1          # predecessor (snake s-1; s = 0: the last tile of the snake)
        gonz  h25, pidx
        mk    h27, NCORES-1
pidx:   mk    h19, GX
        quot  h22, h27, h19
        resid h24, h27, h19
        mk    h23, 2
        resid h23, h22, h23
        goz   h23, peven
        mk    h28, GX-1
        minus h24, h28, h24
peven:  timesk h22, h22, GX
        plus  h26, h22, h24         # h26: predecessor's tile id
        plusk h27, h25, 1           # successor (snake s+1; the last: the first tile, snake 0)
        mk    h19, NCORES
        resid h27, h27, h19
        mk    h19, GX
        quot  h22, h27, h19
        resid h24, h27, h19
        mk    h23, 2
        resid h23, h22, h23
        goz   h23, neven
        mk    h28, GX-1
        minus h24, h28, h24
neven:  timesk h22, h22, GX
        plus  h27, h22, h24         # h27: successor's tile id
        mk    h23, 2
        mk    h6, CE*NCORES
        plusk h3, h2, CE*NCORES-1
        quot  h3, h3, h6            # h3: rounds
        timesk h7, h25, CE          # h7: this round's chunk start
        mk    h16, 0                # offset (0.0) for the first chunk of round 0
        mk    h5, 0                 # round
round:  goge  h5, h3, done
        minus h10, h2, h7
        least h10, h10, h9
        mk    h19, 0
        most  h10, h10, h19         # h10: elements in the chunk (0 past the end)
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        lfold h15, h20, h10         # the chunk's total
        goz   h5, nofirst
        goz   h25, get              # snake 0: later rounds get the offset from the last tile
nofirst: goz  h25, pass
get:    take  h26, h17, h18
        peek  h16, [h17]
pass:   plusk h19, h3, -1
        golt  h5, h19, send         # in the last round, the last tile of the snake posts nothing
        mk    h19, NCORES-1
        goge  h25, h19, scan
send:   fplus h28, h16, h15
        poke  h28, [h17]
        post  h27, h17, h18
scan:   lscan h20, h20, h16, h10
        plus  h13, h12, h1
        stow  h13, h20, h11, h21
        plusk h7, h7, CE*NCORES
        plusk h5, h5, 1
        go    round
done:   rest
