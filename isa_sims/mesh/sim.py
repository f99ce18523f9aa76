"""The tile mesh's cycle-level simulator: one numba loop over every tile's copy of the program.

Tiles are interleaved by event: the loop always steps the runnable tile with the smallest next-issue
cycle, so shared resources (mesh links, the DRAM channel) are reserved in time order. A tile is
RUN, blocked on a take (WAIT_RECV), on a post to a full inbox (WAIT_SEND), at a muster (BARRIER) or
DONE; a blocked tile is woken by the event that unblocks it and re-executes its instruction. When
no tile is runnable and some are not DONE, the grid is deadlocked. The timing rules are those of
the manual (isa_sims/mesh/isa.py GROUPS); the tests hand-count them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from isa_sims.core import jitcache
from isa_sims.mesh.isa import MESH_ISA as _I

jitcache.guard(__file__, __file__.replace("sim.py", "isa.py"))  # before any cached @njit loads

(MK, MKF, CP, PLUS, PLUSK, MINUS, TIMES, TIMESK, QUOT, RESID, LEAST, MOST, SHIFT, FPLUS, FTIMES,
 BESIDE) = (_I.op(m) for m in ("mk", "mkf", "cp", "plus", "plusk", "minus", "times", "timesk", "quot",
                               "resid", "least", "most", "shift", "fplus", "ftimes", "beside"))
PEEK, POKE = _I.op("peek"), _I.op("poke")
GO, GOZ, GONZ, GOLT, GOGE, REDO, REST = (_I.op(m) for m in ("go", "goz", "gonz", "golt", "goge", "redo", "rest"))
LSUM, LDIFF, LPROD, LMAC, LFILL, LCOPY, LQUOT, LEXP, LSCAN, LFOLD = (_I.op(m) for m in (
    "lsum", "ldiff", "lprod", "lmac", "lfill", "lcopy", "lquot", "lexp", "lscan", "lfold"))
FRAME, HAUL, STOW, POST, TAKE, MUSTER = (_I.op(m) for m in ("frame", "haul", "stow", "post", "take", "muster"))

# cfg vector
(C_GX, C_GY, C_LMEM, C_LANES, C_LINK_BPC, C_HOP, C_DEPTH, C_MSGMAX, C_DRAM_BPC, C_DRAM_LAT, C_BAR_LAT,
 C_BR_PEN, C_MAX_CYCLES) = range(13)
# tile states
RUN, WAIT_RECV, WAIT_SEND, BARRIER, DONE = range(5)
# global stats
(S_CYCLES, S_RETIRED, S_NET_BYTES, S_LINK_BYTES, S_MSGS, S_DRAM_RD, S_DRAM_WR, S_FLOPS, S_LINK_BUSY,
 S_LINK_MAX, S_DRAM_BUSY) = range(11)
N_STATS = 11
# per-tile stats
(T_RETIRED, T_LANE_BUSY, T_ST_DATA, T_ST_LANE, T_ST_NET, T_ST_MEM, T_ST_BAR, T_ST_BRANCH, T_END,
 T_FLOPS) = range(10)
N_TSTATS = 10
STALL_COLS = {"data": T_ST_DATA, "lane_busy": T_ST_LANE, "network": T_ST_NET, "memory": T_ST_MEM,
              "barrier": T_ST_BAR, "branch": T_ST_BRANCH}
# fault codes
(OK, F_LMEM_OOB, F_DRAM_OOB, F_MISALIGNED, F_INVALID, F_CYCLES, F_DIVZERO, F_PC, F_DEADLOCK, F_BADTILE,
 F_MSGSIZE, F_SIZE) = range(12)
FAULT_NAMES = {F_LMEM_OOB: "local memory access out of bounds", F_DRAM_OOB: "DRAM access outside the task's arrays",
               F_MISALIGNED: "misaligned access", F_INVALID: "invalid instruction", F_CYCLES: "cycle limit exceeded",
               F_DIVZERO: "integer division by zero", F_PC: "program counter left the program (missing rest?)",
               F_DEADLOCK: "DEADLOCK", F_BADTILE: "no such tile",
               F_MSGSIZE: "message size mismatch (take's hBytes differs from the message's length)",
               F_SIZE: "invalid size (negative count, or a message longer than MSGMAX)"}
NRING = 4  # recent lane operations whose byte spans a peek/poke checks


@njit(cache=True, inline="always")
def _f32(x, fb_i, fb_f):
    v = x & 0xFFFFFFFF
    if v >= 0x80000000:
        v -= 0x100000000
    fb_i[0] = v
    return fb_f[0]


@njit(cache=True, inline="always")
def _bits(x, fb_i, fb_f):
    fb_f[0] = x
    return np.int64(fb_i[0])


@njit(cache=True)
def _in_region(regions, lo, hi):
    for k in range(regions.shape[0]):
        if lo >= regions[k, 0] and hi <= regions[k, 1]:
            return True
    return False


@njit(cache=True)
def simulate(code, lat_of, valid, ssrc, sdst, cfg, regs, lmem_i, dram_i, regions, stats, tstats, link_busy,
             state, pc, wait_arg, fault, trace):
    """Run every tile from pc 0 until all rest or a fault. Returns the status (0 = ok); ``fault`` gets
    [status, tile, pc, detail, cycle]; ``state``/``pc``/``wait_arg`` describe each tile at the end.
    ``trace``: an (n, 4) ring buffer, or (0, 4) for none (core/trace.py)."""
    gx, gy, lmem_b, lanes = cfg[C_GX], cfg[C_GY], cfg[C_LMEM], cfg[C_LANES]
    link_bpc, hop_lat, depth, msgmax = cfg[C_LINK_BPC], cfg[C_HOP], cfg[C_DEPTH], cfg[C_MSGMAX]
    dram_bpc, dram_lat, bar_lat, br_pen, max_cycles = (cfg[C_DRAM_BPC], cfg[C_DRAM_LAT], cfg[C_BAR_LAT],
                                                       cfg[C_BR_PEN], cfg[C_MAX_CYCLES])
    P = gx * gy
    W = lmem_b // 4
    lmem_f = lmem_i.view(np.float32)
    dram_f = dram_i.view(np.float32)
    fb_i = np.zeros(1, np.int32)
    fb_f = fb_i.view(np.float32)
    n = code.shape[0]
    nops = lat_of.shape[0]
    now = np.zeros(P, np.int64)
    rready = np.zeros((P, regs.shape[1]), np.int64)
    lane_free = np.zeros(P, np.int64)
    lane_done = np.zeros(P, np.int64)
    ring = np.zeros((P, NRING, 3), np.int64)  # lo, hi, done of recent lane ops
    ring_k = np.zeros(P, np.int64)
    dstride = np.zeros(P, np.int64)
    lstride = np.zeros(P, np.int64)
    msgw = msgmax // 4
    q_src = np.zeros((P, depth), np.int64)
    q_arr = np.zeros((P, depth), np.int64)
    q_len = np.zeros((P, depth), np.int64)
    q_slot = np.zeros((P, depth), np.int64)
    slot_used = np.zeros((P, depth), np.int64)
    q_n = np.zeros(P, np.int64)
    qdata = np.zeros(P * depth * msgw, np.int32)
    link_free = np.zeros(P * 4, np.int64)
    dram_free = 0
    bar_n = 0
    bar_t = 0
    status = OK
    detail = 0
    c = 0
    tr_n = trace.shape[0]
    tr_seq = 0
    for k in range(P):
        state[k] = RUN
        pc[k] = 0
    while True:
        c = -1
        best = 1 << 62
        for k in range(P):
            if state[k] == RUN and now[k] < best:
                best = now[k]
                c = k
        if c < 0:
            for k in range(P):
                if state[k] != DONE:
                    status = F_DEADLOCK
                    c = k
            break
        t = now[c]
        p = pc[c]
        if t > max_cycles:
            status = F_CYCLES
            break
        if tr_n > 0:  # optional trace ring buffer (isa_sims/core/trace.py): seq, pc, cycle, tile
            tk = tr_seq % tr_n
            trace[tk, 0] = tr_seq
            trace[tk, 1] = p
            trace[tk, 2] = t
            trace[tk, 3] = c
            tr_seq += 1
        if p < 0 or p >= n:
            status = F_PC
            break
        op = code[p, 0]
        if op <= 0 or op >= nops or valid[op] == 0:
            status = F_INVALID
            detail = op
            break
        a = code[p, 1]
        b = code[p, 2]
        cc = code[p, 3]
        d = code[p, 4]
        dep = t
        for k in range(ssrc.shape[1]):
            f = ssrc[op, k]
            if f >= 0:
                r = code[p, 1 + f]
                if r >= 0 and rready[c, r] > dep:
                    dep = rready[c, r]
        tstats[c, T_ST_DATA] += dep - t
        issue = dep
        nxt = p + 1
        nt = issue + 1  # the tile's next issue cycle
        base = c * W
        # ============================================================ lane unit
        if op >= LSUM and op <= LFOLD:
            if op == LFILL or op == LCOPY or op == LFOLD or op == LEXP:
                nel = regs[c, cc]
            else:
                nel = regs[c, d]
            if nel < 0:
                status = F_SIZE
                detail = nel
                break
            x0 = regs[c, a]
            x1 = regs[c, b]
            x2 = regs[c, cc]
            hib = 4 * nel
            dst = x0
            s1 = x1
            s2 = x2
            lo = 1 << 62
            hi = -1
            bad = False
            for q in range(3):
                addr = dst if q == 0 else (s1 if q == 1 else s2)
                if (q == 0 and op == LFOLD) or (q == 1 and op == LFILL) or (q == 2 and (
                        op == LFOLD or op == LFILL or op == LCOPY or op == LMAC or op == LEXP or op == LSCAN)):
                    continue
                if addr & 3:
                    status = F_MISALIGNED
                    detail = addr
                    bad = True
                    break
                if addr < 0 or addr + hib > lmem_b:
                    status = F_LMEM_OOB
                    detail = addr
                    bad = True
                    break
                lo = min(lo, addr)
                hi = max(hi, addr + hib)
            if bad:
                break
            if lane_free[c] - 1 > issue:
                tstats[c, T_ST_LANE] += lane_free[c] - 1 - issue
                issue = lane_free[c] - 1
            start = issue + 1
            occ = (nel + lanes - 1) // lanes
            if occ < 1:
                occ = 1
            lane_free[c] = start + occ
            done = start + occ + lat_of[op] - 1
            if done > lane_done[c]:
                lane_done[c] = done
            rk = ring_k[c] % NRING
            ring[c, rk, 0] = lo
            ring[c, rk, 1] = hi
            ring[c, rk, 2] = done
            ring_k[c] += 1
            tstats[c, T_LANE_BUSY] += occ
            wd = base + (dst >> 2)
            wa = base + (s1 >> 2)
            wb = base + (s2 >> 2)
            fl = 0
            if op == LMAC:
                s = _f32(x2, fb_i, fb_f)
                for i in range(nel):
                    lmem_f[wd + i] += s * lmem_f[wa + i]
                fl = 2 * nel
            elif op == LSUM:
                for i in range(nel):
                    lmem_f[wd + i] = lmem_f[wa + i] + lmem_f[wb + i]
                fl = nel
            elif op == LDIFF:
                for i in range(nel):
                    lmem_f[wd + i] = lmem_f[wa + i] - lmem_f[wb + i]
                fl = nel
            elif op == LPROD:
                for i in range(nel):
                    lmem_f[wd + i] = lmem_f[wa + i] * lmem_f[wb + i]
                fl = nel
            elif op == LFILL:
                s = _f32(x1, fb_i, fb_f)
                for i in range(nel):
                    lmem_f[wd + i] = s
            elif op == LCOPY:
                for i in range(nel):
                    lmem_i[wd + i] = lmem_i[wa + i]
            elif op == LQUOT:
                for i in range(nel):
                    u = lmem_f[wa + i]
                    v = lmem_f[wb + i]
                    if v != 0:
                        lmem_f[wd + i] = u / v
                    elif u != u or u == 0:
                        lmem_f[wd + i] = np.float32(np.nan)
                    else:
                        lmem_f[wd + i] = np.float32(np.copysign(np.inf, u) * np.copysign(1.0, v))
                fl = nel
            elif op == LEXP:
                for i in range(nel):
                    lmem_f[wd + i] = np.float32(np.exp(np.float64(lmem_f[wa + i])))
                fl = nel
            elif op == LSCAN:
                run = np.float64(_f32(x2, fb_i, fb_f))
                for i in range(nel):
                    run += np.float64(lmem_f[wa + i])
                    lmem_f[wd + i] = np.float32(run)
                fl = nel
            else:  # LFOLD
                acc = 0.0
                for i in range(nel):
                    acc += np.float64(lmem_f[wa + i])
                regs[c, a] = _bits(np.float32(acc), fb_i, fb_f)
                rready[c, a] = done
                fl = nel
            tstats[c, T_FLOPS] += fl
            stats[S_FLOPS] += fl
        # ============================================================ local memory
        elif op == PEEK or op == POKE:
            addr = cc + (regs[c, b] if b >= 0 else 0)
            if addr & 3:
                status = F_MISALIGNED
                detail = addr
                break
            if addr < 0 or addr + 4 > lmem_b:
                status = F_LMEM_OOB
                detail = addr
                break
            for k in range(NRING):
                if ring[c, k, 2] > issue and addr >= ring[c, k, 0] and addr < ring[c, k, 1]:
                    tstats[c, T_ST_DATA] += ring[c, k, 2] - issue
                    issue = ring[c, k, 2]
            nt = issue + 1
            if op == PEEK:
                regs[c, a] = lmem_i[base + (addr >> 2)]
                rready[c, a] = issue + lat_of[op]
            else:
                v = regs[c, a] & 0xFFFFFFFF
                if v >= 0x80000000:
                    v -= 0x100000000
                lmem_i[base + (addr >> 2)] = v
        # ============================================================ DRAM port
        elif op == HAUL or op == STOW:
            if lane_done[c] > issue:
                tstats[c, T_ST_DATA] += lane_done[c] - issue
                issue = lane_done[c]
            if op == HAUL:
                loc, dram = regs[c, a], regs[c, b]
            else:
                dram, loc = regs[c, a], regs[c, b]
            rb, rows, ds, ls = regs[c, cc], regs[c, d], dstride[c], lstride[c]
            if rb < 0 or rows < 0:
                status = F_SIZE
                detail = rb if rb < 0 else rows
                break
            if (loc | dram | rb | ds | ls) & 3:
                status = F_MISALIGNED
                detail = loc if loc & 3 else (dram if dram & 3 else rb)
                break
            nbytes = rb * rows
            nt = issue + 1
            if nbytes > 0:
                llo = loc + min(0, (rows - 1) * ls)
                lhi = loc + max(0, (rows - 1) * ls) + rb
                if llo < 0 or lhi > lmem_b:
                    status = F_LMEM_OOB
                    detail = loc
                    break
                dlo = dram + min(0, (rows - 1) * ds)
                dhi = dram + max(0, (rows - 1) * ds) + rb
                if not _in_region(regions, dlo, dhi):
                    status = F_DRAM_OOB
                    detail = dram
                    break
                occ = (nbytes + dram_bpc - 1) // dram_bpc
                start = issue + 1
                if dram_free > start:
                    start = dram_free
                dram_free = start + occ
                stats[S_DRAM_BUSY] += occ
                done = start + occ + dram_lat - 1
                tstats[c, T_ST_MEM] += done - issue
                nt = done
                nw = rb >> 2
                for r in range(rows):
                    lw = base + ((loc + r * ls) >> 2)
                    dw = (dram + r * ds) >> 2
                    if op == HAUL:
                        lmem_i[lw:lw + nw] = dram_i[dw:dw + nw]
                    else:
                        dram_i[dw:dw + nw] = lmem_i[lw:lw + nw]
                if op == HAUL:
                    stats[S_DRAM_RD] += nbytes
                else:
                    stats[S_DRAM_WR] += nbytes
        # ============================================================ network
        elif op == POST or op == TAKE:
            if lane_done[c] > issue:
                tstats[c, T_ST_DATA] += lane_done[c] - issue
                issue = lane_done[c]
            other, addr, nb = regs[c, a], regs[c, b], regs[c, cc]
            if other < 0 or other >= P:
                status = F_BADTILE
                detail = other
                break
            if nb < 0 or nb > msgmax:
                status = F_SIZE
                detail = nb
                break
            if (addr | nb) & 3:
                status = F_MISALIGNED
                detail = addr if addr & 3 else nb
                break
            if addr < 0 or addr + nb > lmem_b:
                status = F_LMEM_OOB
                detail = addr
                break
            nw = nb >> 2
            if op == POST:
                dst = other
                if q_n[dst] >= depth:  # blocked: woken when dst takes a message
                    now[c] = issue
                    state[c] = WAIT_SEND
                    wait_arg[c] = dst
                    continue
                ser = (nb + link_bpc - 1) // link_bpc
                if ser < 1:
                    ser = 1
                tt = issue
                x, y = c % gx, c // gx
                tx, ty = dst % gx, dst // gx
                hops = 0
                while x != tx or y != ty:
                    if x < tx:
                        dr = 0
                    elif y < ty and x == tx:
                        dr = 1
                    elif x > tx:
                        dr = 2
                    else:
                        dr = 3
                    lk = (y * gx + x) * 4 + dr
                    s0 = tt
                    if link_free[lk] > s0:
                        s0 = link_free[lk]
                    link_free[lk] = s0 + ser
                    link_busy[lk] += ser
                    tt = s0 + hop_lat
                    hops += 1
                    if dr == 0:
                        x += 1
                    elif dr == 1:
                        y += 1
                    elif dr == 2:
                        x -= 1
                    else:
                        y -= 1
                arrival = tt + ser
                slot = 0
                for k in range(depth):
                    if slot_used[dst, k] == 0:
                        slot = k
                        break
                slot_used[dst, slot] = 1
                j = q_n[dst]
                q_src[dst, j] = c
                q_arr[dst, j] = arrival
                q_len[dst, j] = nb
                q_slot[dst, j] = slot
                q_n[dst] += 1
                qb = (dst * depth + slot) * msgw
                qdata[qb:qb + nw] = lmem_i[base + (addr >> 2):base + (addr >> 2) + nw]
                stats[S_NET_BYTES] += nb
                stats[S_LINK_BYTES] += nb * hops
                stats[S_MSGS] += 1
                if state[dst] == WAIT_RECV and wait_arg[dst] == c:
                    state[dst] = RUN
                nt = issue + 1
            else:
                src = other
                j = -1
                for k in range(q_n[c]):
                    if q_src[c, k] == src:
                        j = k
                        break
                if j < 0:  # blocked: woken when src posts to this tile
                    now[c] = issue
                    state[c] = WAIT_RECV
                    wait_arg[c] = src
                    continue
                if q_len[c, j] != nb:
                    status = F_MSGSIZE
                    detail = q_len[c, j]
                    break
                done = q_arr[c, j]
                if done < issue:
                    done = issue
                tstats[c, T_ST_NET] += done - issue
                nt = done + 1
                slot = q_slot[c, j]
                qb = (c * depth + slot) * msgw
                lmem_i[base + (addr >> 2):base + (addr >> 2) + nw] = qdata[qb:qb + nw]
                slot_used[c, slot] = 0
                for k in range(j, q_n[c] - 1):
                    q_src[c, k] = q_src[c, k + 1]
                    q_arr[c, k] = q_arr[c, k + 1]
                    q_len[c, k] = q_len[c, k + 1]
                    q_slot[c, k] = q_slot[c, k + 1]
                q_n[c] -= 1
                for k in range(P):  # a slot is free at `done`: wake the tiles blocked posting here
                    if state[k] == WAIT_SEND and wait_arg[k] == c:
                        state[k] = RUN
                        if now[k] < done:
                            tstats[k, T_ST_NET] += done - now[k]
                            now[k] = done
        elif op == MUSTER:
            now[c] = issue
            state[c] = BARRIER
            bar_n += 1
            if issue > bar_t:
                bar_t = issue
            if bar_n == P:
                release = bar_t + bar_lat
                for k in range(P):
                    tstats[k, T_ST_BAR] += release - now[k]
                    now[k] = release
                    state[k] = RUN
                    pc[k] += 1
                    tstats[k, T_RETIRED] += 1
                    stats[S_RETIRED] += 1
                bar_n = 0
                bar_t = 0
            continue
        # ============================================================ scalar and control
        else:
            taken = False
            if op == PLUSK:
                regs[c, a] = regs[c, b] + cc
            elif op == REDO:
                regs[c, a] -= 1
                if regs[c, a] != 0:
                    nxt = b
                    taken = True
            elif op == PLUS:
                regs[c, a] = regs[c, b] + regs[c, cc]
            elif op == MINUS:
                regs[c, a] = regs[c, b] - regs[c, cc]
            elif op == MK or op == MKF:
                regs[c, a] = b
            elif op == CP:
                regs[c, a] = regs[c, b]
            elif op == TIMES:
                regs[c, a] = regs[c, b] * regs[c, cc]
            elif op == TIMESK:
                regs[c, a] = regs[c, b] * cc
            elif op == QUOT or op == RESID:
                if regs[c, cc] == 0:
                    status = F_DIVZERO
                    break
                if op == QUOT:
                    regs[c, a] = regs[c, b] // regs[c, cc]
                else:
                    regs[c, a] = regs[c, b] % regs[c, cc]
            elif op == LEAST:
                regs[c, a] = min(regs[c, b], regs[c, cc])
            elif op == MOST:
                regs[c, a] = max(regs[c, b], regs[c, cc])
            elif op == SHIFT:
                regs[c, a] = regs[c, b] << cc if cc >= 0 else regs[c, b] >> (-cc)
            elif op == FPLUS:
                regs[c, a] = _bits(_f32(regs[c, b], fb_i, fb_f) + _f32(regs[c, cc], fb_i, fb_f), fb_i, fb_f)
                stats[S_FLOPS] += 1
            elif op == FTIMES:
                regs[c, a] = _bits(_f32(regs[c, b], fb_i, fb_f) * _f32(regs[c, cc], fb_i, fb_f), fb_i, fb_f)
                stats[S_FLOPS] += 1
            elif op == BESIDE:
                x, y = c % gx, c // gx
                if b == 0:
                    x = (x + 1) % gx
                elif b == 1:
                    y = (y + 1) % gy
                elif b == 2:
                    x = (x - 1) % gx
                else:
                    y = (y - 1) % gy
                regs[c, a] = y * gx + x
            elif op == GO:
                nxt = a
                taken = True
            elif op == GOZ:
                if regs[c, a] == 0:
                    nxt = b
                    taken = True
            elif op == GONZ:
                if regs[c, a] != 0:
                    nxt = b
                    taken = True
            elif op == GOLT:
                if regs[c, a] < regs[c, b]:
                    nxt = cc
                    taken = True
            elif op == GOGE:
                if regs[c, a] >= regs[c, b]:
                    nxt = cc
                    taken = True
            elif op == FRAME:
                dstride[c] = regs[c, a]
                lstride[c] = regs[c, b]
            elif op == REST:
                end = issue + 1
                if lane_done[c] > end:
                    end = lane_done[c]
                now[c] = end
                tstats[c, T_END] = end
                tstats[c, T_RETIRED] += 1
                stats[S_RETIRED] += 1
                state[c] = DONE
                pc[c] = p
                continue
            else:
                status = F_INVALID
                detail = op
                break
            f = sdst[op]
            if f >= 0:
                r = code[p, 1 + f]
                if issue + lat_of[op] > rready[c, r]:
                    rready[c, r] = issue + lat_of[op]
            if taken:
                nt += br_pen
                tstats[c, T_ST_BRANCH] += br_pen
        tstats[c, T_RETIRED] += 1
        stats[S_RETIRED] += 1
        now[c] = nt
        pc[c] = nxt
    end = 0
    for k in range(P):
        if now[k] > end:
            end = now[k]
    mx = 0
    tot = 0
    for k in range(P * 4):
        tot += link_busy[k]
        if link_busy[k] > mx:
            mx = link_busy[k]
    stats[S_LINK_BUSY] = tot
    stats[S_LINK_MAX] = mx
    stats[S_CYCLES] = end
    fault[0] = status
    fault[1] = c
    fault[2] = pc[c] if c >= 0 else 0
    fault[3] = detail
    fault[4] = now[c] if c >= 0 else end
    return status
