# naive prefix_sum on the Tessera tile mesh: out[i] = x[0] + ... + x[i], i < n.
# Arguments (every tile): h0 = &x, h1 = &out, h2 = n; h31 = tile id.
# Tile 0 scans the whole array alone, chunk by chunk: haul, lscan seeded with the carry, stow,
# carry = the chunk's last output. The other tiles rest at once.
.equ CB, LMEM/2
.equ CE, CB/4
        gonz  h31, done
        mk    h20, 0
        frame h20, h20
        mk    h21, 1
        mk    h9, CE
        mk    h16, 0
        mk    h7, 0
loop:   goge  h7, h2, done
        minus h10, h2, h7
        least h10, h10, h9
        shift h11, h10, 2
        shift h12, h7, 2
        plus  h13, h12, h0
        haul  h20, h13, h11, h21
        lscan h20, h20, h16, h10
        plus  h13, h12, h1
        stow  h13, h20, h11, h21
        plusk h14, h11, -4
        peek  h16, [h14]
        plus  h7, h7, h10
        go    loop
done:   rest
