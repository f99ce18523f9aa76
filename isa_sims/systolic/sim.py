"""The systolic engine's cycle-level simulator: one numba loop over the encoded program.

Timing model (documented in the manual; the tests hand-count it):
* the **controller** issues in order, one instruction per cycle. Scalar/branch/`dgeom` instructions
  execute on it (result ready at ``issue + latency``; a taken branch adds ``branch_penalty``).
  An instruction first waits for its g-register sources (a ``scalar`` stall).
* every other instruction is **dispatched** to its unit's queue (array, wload, vector, dma; each
  ``queue_depth`` deep). A full queue stalls the controller (``array_busy``, ``wload_busy``,
  ``vector_busy``, ``dma_busy``): the instruction dispatched ``queue_depth`` earlier to that unit
  must have started.
* a unit runs its queue in order. An operation **starts** at
  ``max(dispatch + 1, unit free, hazards)`` and occupies its unit for ``occ`` cycles; its results
  are complete at ``done = start + occ + latency - 1``. Hazards (a scoreboard, no explicit waits):
  a read waits for the last write of the same region to complete (RAW); a write waits for the
  last write (WAW) and for the last read to finish (WAR, a read ends at ``start + occ``). Regions:
  buffer stripes of ``stripe_bytes``, accumulator rows, weight banks. An accumulator write by the
  array does not wait on an earlier array write (the accumulators add in stream order). A unit
  idling on a hazard is counted per unit; for the array and the vector unit it is also a stall:
  ``dma_wait`` when the blocking operation ran on the DMA engine, else ``data``.
* occupancies: ``warp`` DIM, ``weft``/``weftadd`` gRows, vector ops ceil(n / lanes), DMA
  ceil(bytes / bytes_per_cycle) (all at least 1). Latencies: ``weft`` 2*DIM (fill + drain),
  ``warp`` 1, DMA ``dram_latency`` (``local_latency`` for ``dmove``).
* ``finish`` ends the kernel once every unit has drained: ``max(issue + 1, every done)``.

Functional semantics are applied in program order at dispatch; the scoreboard guarantees the
timed execution would produce the same values.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from isa_sims.core import jitcache
from isa_sims.systolic.isa import LOOM_ISA as _I

jitcache.guard(__file__, __file__.replace("sim.py", "isa.py"))  # before any cached @njit loads

(KSET, KFSET, KCOPY, KADD, KADDI, KSUB, KMUL, KMULI, KDIV, KMIN, KMAX, KSHL, KFLOAT) = (_I.op(m) for m in (
    "kset", "kfset", "kcopy", "kadd", "kaddi", "ksub", "kmul", "kmuli", "kdiv", "kmin", "kmax", "kshl", "kfloat"))
HOP, HOPZ, HOPNZ, HOPLT, HOPGE, TALLY, FINISH = (_I.op(m) for m in (
    "hop", "hopz", "hopnz", "hoplt", "hopge", "tally", "finish"))
WARP, WEFT, WEFTADD = _I.op("warp"), _I.op("weft"), _I.op("weftadd")
ESUM, EDIFF, EPROD, EBIG, ESMALL, EOFFSET, ESCALE = (_I.op(m) for m in (
    "esum", "ediff", "eprod", "ebig", "esmall", "eoffset", "escale"))
ECOPY, ERELU, EEXP, ETANH, ERECIP, ERSQRT = (_I.op(m) for m in ("ecopy", "erelu", "eexp", "etanh", "erecip",
                                                                  "ersqrt"))
ESCALB, EOFFSETB, EFOLD, EFOLDMAX = (_I.op(m) for m in ("escalb", "eoffsetb", "efold", "efoldmax"))
DGEOM, DPULL, DPUSH, DSPILL, DFILL, DMOVE = (_I.op(m) for m in (
    "dgeom", "dpull", "dpush", "dspill", "dfill", "dmove"))

U_CTRL, U_ARRAY, U_WLOAD, U_VECTOR, U_DMA = 0, 1, 2, 3, 4
NU = 5

# cfg vector
(C_DIM, C_BUF, C_ACC, C_LANES, C_DRAM_BPC, C_LOCAL_BPC, C_DEPTH, C_STRIPE, C_BR_PEN,
 C_MAX_CYCLES) = range(10)
# stats vector
S_CYCLES, S_RETIRED, S_BUSY0 = 0, 1, 2  # busy: 2..6 per unit
S_ST_SCALAR, S_ST_DATA, S_ST_DMAWAIT = 7, 8, 9
S_ST_Q0 = 10  # controller stalls on a full unit queue: 10..14 per unit (ctrl unused)
S_ST_BRANCH, S_DRAM_RD, S_DRAM_WR, S_BUF_RD, S_BUF_WR, S_ACC_RD, S_ACC_WR, S_MACS, S_VFLOPS, S_NDMA = range(15, 25)
S_WAIT0 = 25  # cycles each unit sat idle on a hazard: 25..29
N_STATS = 30
# fault codes
OK, F_DRAM_OOB, F_BUF_OOB, F_ACC_OOB, F_MISALIGNED, F_INVALID, F_CYCLES, F_DIVZERO, F_PC, F_SIZE = range(10)
FAULT_NAMES = {F_DRAM_OOB: "DRAM access outside the task's arrays", F_BUF_OOB: "buffer access out of bounds",
               F_ACC_OOB: "accumulator row out of range", F_MISALIGNED: "misaligned access",
               F_INVALID: "invalid instruction", F_CYCLES: "cycle limit exceeded",
               F_DIVZERO: "integer division by zero", F_PC: "program counter left the program (missing finish?)",
               F_SIZE: "invalid size (negative count, gRows > DIM for warp, or rowbytes > ROWB for an "
                       "accumulator transfer)"}


@njit(cache=True, inline="always")
def _f32(x, fb_i, fb_f):
    v = x & 0xFFFFFFFF
    if v >= 0x80000000:
        v -= 0x100000000
    fb_i[0] = v
    return fb_f[0]


@njit(cache=True)
def _hz(tw, tr, uw, ur, lo, hi, g, write, skip_unit, best, who):
    """Latest hazard time over granules [lo//g, (hi-1)//g] (empty when hi <= lo); returns (time, unit)."""
    if hi <= lo:
        return best, who
    for s in range(lo // g, (hi - 1) // g + 1):
        if tw[s] > best and uw[s] != skip_unit:
            best = tw[s]
            who = uw[s]
        if write and tr[s] > best:
            best = tr[s]
            who = ur[s]
    return best, who


@njit(cache=True)
def _mark(tw, tr, uw, ur, lo, hi, g, write, t, unit):
    if hi <= lo:
        return
    for s in range(lo // g, (hi - 1) // g + 1):
        if write:
            if t > tw[s]:
                tw[s] = t
            uw[s] = unit
        elif t > tr[s]:
            tr[s] = t
            ur[s] = unit


@njit(cache=True)
def _in_region(regions, lo, hi):
    for k in range(regions.shape[0]):
        if lo >= regions[k, 0] and hi <= regions[k, 1]:
            return True
    return False


@njit(cache=True)
def simulate(code, unit_of, lat_of, valid, ssrc, sdst, cfg, greg, dram_i, buf_i, acc, wb, regions, stats, fault,
             trace):
    """Run from pc 0 until ``finish`` or a fault. Returns the status (0 = ok); ``fault`` gets
    [status, pc, detail, cycle]. ``trace``: an (n, 4) ring buffer, or (0, 4) for none (core/trace.py)."""
    dram_f = dram_i.view(np.float32)
    buf_f = buf_i.view(np.float32)
    fb_i = np.zeros(1, np.int32)
    fb_f = fb_i.view(np.float32)
    n = code.shape[0]
    nops = unit_of.shape[0]
    dim, buf_bytes, acc_rows, lanes = cfg[C_DIM], cfg[C_BUF], cfg[C_ACC], cfg[C_LANES]
    dram_bpc, local_bpc, depth, stripe = cfg[C_DRAM_BPC], cfg[C_LOCAL_BPC], cfg[C_DEPTH], cfg[C_STRIPE]
    br_pen, max_cycles = cfg[C_BR_PEN], cfg[C_MAX_CYCLES]
    rowb = 4 * dim
    nstripes = (buf_bytes + stripe - 1) // stripe
    gready = np.zeros(greg.shape[0], np.int64)
    bw = np.zeros(nstripes, np.int64)
    br = np.zeros(nstripes, np.int64)
    bwu = np.full(nstripes, -1, np.int64)
    bru = np.full(nstripes, -1, np.int64)
    aw = np.zeros(acc_rows, np.int64)
    ar = np.zeros(acc_rows, np.int64)
    awu = np.full(acc_rows, -1, np.int64)
    aru = np.full(acc_rows, -1, np.int64)
    kw = np.zeros(wb.shape[0], np.int64)
    kr = np.zeros(wb.shape[0], np.int64)
    kwu = np.full(wb.shape[0], U_WLOAD, np.int64)
    kru = np.full(wb.shape[0], U_ARRAY, np.int64)
    unit_free = np.zeros(NU, np.int64)
    ring = np.zeros((NU, depth), np.int64)
    cnt = np.zeros(NU, np.int64)
    tmp = np.zeros(dim, np.float32)
    geo_rowb, geo_dstr, geo_lstr = 0, 0, 0
    last_done = 0
    now = 0
    pc = 0
    status = OK
    detail = 0
    retired = 0
    tr_n = trace.shape[0]
    tr_seq = 0
    while True:
        if pc < 0 or pc >= n:
            status = F_PC
            break
        if now > max_cycles:
            status = F_CYCLES
            break
        if tr_n > 0:  # optional trace ring buffer (isa_sims/core/trace.py): seq, pc, cycle, tile
            tk = tr_seq % tr_n
            trace[tk, 0] = tr_seq
            trace[tk, 1] = pc
            trace[tk, 2] = now
            trace[tk, 3] = 0
            tr_seq += 1
        op = code[pc, 0]
        if op <= 0 or op >= nops or valid[op] == 0:
            status = F_INVALID
            detail = op
            break
        a = code[pc, 1]
        b = code[pc, 2]
        c = code[pc, 3]
        d = code[pc, 4]
        dep = now
        for k in range(ssrc.shape[1]):
            f = ssrc[op, k]
            if f >= 0:
                r = code[pc, 1 + f]
                if gready[r] > dep:
                    dep = gready[r]
        stats[S_ST_SCALAR] += dep - now
        u = unit_of[op]
        nxt = pc + 1
        # ============================================================ controller
        if u == U_CTRL:
            issue = dep
            taken = False
            if op == KADDI:
                greg[a] = greg[b] + c
            elif op == TALLY:
                greg[a] -= 1
                if greg[a] != 0:
                    nxt = b
                    taken = True
            elif op == KADD:
                greg[a] = greg[b] + greg[c]
            elif op == KSUB:
                greg[a] = greg[b] - greg[c]
            elif op == KSET or op == KFSET:
                greg[a] = b
            elif op == KCOPY:
                greg[a] = greg[b]
            elif op == KMUL:
                greg[a] = greg[b] * greg[c]
            elif op == KMULI:
                greg[a] = greg[b] * c
            elif op == KDIV:
                if greg[c] == 0:
                    status = F_DIVZERO
                    break
                greg[a] = greg[b] // greg[c]
            elif op == KMIN:
                greg[a] = min(greg[b], greg[c])
            elif op == KMAX:
                greg[a] = max(greg[b], greg[c])
            elif op == KSHL:
                greg[a] = greg[b] << c if c >= 0 else greg[b] >> (-c)
            elif op == KFLOAT:
                fb_f[0] = np.float32(greg[b])
                greg[a] = fb_i[0]
            elif op == HOP:
                nxt = a
                taken = True
            elif op == HOPZ:
                if greg[a] == 0:
                    nxt = b
                    taken = True
            elif op == HOPNZ:
                if greg[a] != 0:
                    nxt = b
                    taken = True
            elif op == HOPLT:
                if greg[a] < greg[b]:
                    nxt = c
                    taken = True
            elif op == HOPGE:
                if greg[a] >= greg[b]:
                    nxt = c
                    taken = True
            elif op == DGEOM:
                geo_rowb, geo_dstr, geo_lstr = greg[a], greg[b], greg[c]
            elif op == FINISH:
                end = issue + 1
                if last_done > end:
                    end = last_done
                for k in range(NU):
                    if unit_free[k] > end:
                        end = unit_free[k]
                stats[S_BUSY0 + U_CTRL] += 1
                retired += 1
                now = end
                if now > max_cycles:
                    status = F_CYCLES
                break
            else:
                status = F_INVALID
                detail = op
                break
            f = sdst[op]
            if f >= 0:
                r = code[pc, 1 + f]
                if issue + lat_of[op] > gready[r]:
                    gready[r] = issue + lat_of[op]
            stats[S_BUSY0 + U_CTRL] += 1
            retired += 1
            now = issue + 1
            if taken:
                now += br_pen
                stats[S_ST_BRANCH] += br_pen
            pc = nxt
            continue
        # ============================================================ dispatch to a unit queue
        slot = cnt[u] % depth
        issue = dep
        if ring[u, slot] > issue:
            issue = ring[u, slot]
        stats[S_ST_Q0 + u] += issue - dep
        base = issue + 1
        if unit_free[u] > base:
            base = unit_free[u]
        hz = 0
        who = -1
        occ = 1
        lat = lat_of[op]
        # read/write regions: buffer bytes [lo, hi), accumulator rows [lo, hi), banks
        brd0, brd1, brd2, brd3 = 0, 0, 0, 0  # two buffer read ranges
        bwr0, bwr1 = 0, 0
        ard0, ard1, awr0, awr1 = 0, 0, 0, 0
        krd, kwr = -1, -1
        if op == WEFT or op == WEFTADD:
            act = greg[b]
            accr = greg[c]
            rows = greg[d]
            if rows < 0:
                status = F_SIZE
                detail = rows
                break
            if act & 3:
                status = F_MISALIGNED
                detail = act
                break
            if act < 0 or act + rows * rowb > buf_bytes:
                status = F_BUF_OOB
                detail = act
                break
            if accr < 0 or accr + rows > acc_rows:
                status = F_ACC_OOB
                detail = accr
                break
            occ = rows if rows > 0 else 1
            brd0, brd1 = act, act + rows * rowb
            awr0, awr1 = accr, accr + rows
            if op == WEFTADD:
                ard0, ard1 = accr, accr + rows
            krd = a
        elif op == WARP:
            addr = greg[b]
            rows = greg[c]
            if rows < 0 or rows > dim:
                status = F_SIZE
                detail = rows
                break
            if addr & 3:
                status = F_MISALIGNED
                detail = addr
                break
            if addr < 0 or addr + rows * rowb > buf_bytes:
                status = F_BUF_OOB
                detail = addr
                break
            occ = dim
            brd0, brd1 = addr, addr + rows * rowb
            kwr = a
        elif u == U_VECTOR:
            fold = op == EFOLD or op == EFOLDMAX
            unary = fold or op == ECOPY or op == ERELU or op == EEXP or op == ETANH or op == ERECIP \
                or op == ERSQRT
            nel = greg[c] if unary else greg[d]
            dst = greg[a]
            sa = greg[b]
            sb = greg[c]
            scal = op == EOFFSET or op == ESCALE
            bscal = op == ESCALB or op == EOFFSETB  # the second operand is one buffer word
            if nel < 0:
                status = F_SIZE
                detail = nel
                break
            bad = (dst | sa) & 3
            if not unary and not scal:
                bad |= sb & 3
            if bad:
                status = F_MISALIGNED
                detail = dst if dst & 3 else sa
                break
            hib = 4 * nel
            hid = 4 if fold else hib
            hsb = 4 if bscal else hib
            if dst < 0 or dst + hid > buf_bytes or sa < 0 or sa + hib > buf_bytes or (
                    not unary and not scal and (sb < 0 or sb + hsb > buf_bytes)):
                status = F_BUF_OOB
                detail = dst if (dst < 0 or dst + hid > buf_bytes) else (sa if (sa < 0 or sa + hib > buf_bytes)
                                                                          else sb)
                break
            occ = (nel + lanes - 1) // lanes
            if occ < 1:
                occ = 1
            bwr0, bwr1 = dst, dst + hid
            brd0, brd1 = sa, sa + hib
            if not unary and not scal:
                brd2, brd3 = sb, sb + hsb
        else:  # DMA
            rows = greg[c]
            rb, dstr, lstr = geo_rowb, geo_dstr, geo_lstr
            if rows < 0 or rb < 0:
                status = F_SIZE
                detail = rows if rows < 0 else rb
                break
            acc_side = op == DSPILL or op == DFILL or op == DMOVE
            if acc_side and rb > rowb:
                status = F_SIZE
                detail = rb
                break
            if op == DPULL or op == DMOVE or op == DFILL:
                loc, dram = greg[a], greg[b]
            else:
                dram, loc = greg[a], greg[b]
            if op == DPULL or op == DPUSH or op == DMOVE:
                bad = (loc | rb | lstr) & 3
            else:
                bad = rb & 3
            if op != DMOVE:
                bad |= (dram | dstr) & 3
            if bad:
                status = F_MISALIGNED
                detail = loc if loc & 3 else (dram if dram & 3 else rb)
                break
            nbytes = rows * rb
            if nbytes > 0:
                if op != DMOVE:
                    dlo = dram + min(0, (rows - 1) * dstr)
                    dhi = dram + max(0, (rows - 1) * dstr) + rb
                    if not _in_region(regions, dlo, dhi):
                        status = F_DRAM_OOB
                        detail = dram
                        break
                if acc_side:
                    ac = dram if op == DMOVE else loc  # accumulator row
                    if ac < 0 or ac + rows > acc_rows:
                        status = F_ACC_OOB
                        detail = ac
                        break
                    if op == DFILL:
                        awr0, awr1 = ac, ac + rows
                    else:
                        ard0, ard1 = ac, ac + rows
                if op != DSPILL and op != DFILL:
                    slo = loc + min(0, (rows - 1) * lstr)
                    shi = loc + max(0, (rows - 1) * lstr) + rb
                    if slo < 0 or shi > buf_bytes:
                        status = F_BUF_OOB
                        detail = loc
                        break
                    if op == DPUSH:
                        brd0, brd1 = slo, shi
                    else:
                        bwr0, bwr1 = slo, shi
            bpc = local_bpc if op == DMOVE else dram_bpc
            occ = (nbytes + bpc - 1) // bpc
            if occ < 1:
                occ = 1
        # ---------------------------------------------------------------- hazards
        hz, who = _hz(bw, br, bwu, bru, brd0, brd1, stripe, False, -9, hz, who)
        hz, who = _hz(bw, br, bwu, bru, brd2, brd3, stripe, False, -9, hz, who)
        hz, who = _hz(bw, br, bwu, bru, bwr0, bwr1, stripe, True, -9, hz, who)
        skip = U_ARRAY if u == U_ARRAY else -9
        hz, who = _hz(aw, ar, awu, aru, ard0, ard1, 1, False, skip, hz, who)
        hz, who = _hz(aw, ar, awu, aru, awr0, awr1, 1, True, skip, hz, who)
        if krd >= 0 and kw[krd] > hz:
            hz = kw[krd]
            who = U_WLOAD
        if kwr >= 0:
            if kw[kwr] > hz:
                hz = kw[kwr]
                who = U_WLOAD
            if kr[kwr] > hz:
                hz = kr[kwr]
                who = U_ARRAY
        start = base
        if hz > base:
            start = hz
            stats[S_WAIT0 + u] += hz - base
            if u == U_ARRAY or u == U_VECTOR:  # the compute units' idle waits are the stalls that cost
                if who == U_DMA:
                    stats[S_ST_DMAWAIT] += hz - base
                else:
                    stats[S_ST_DATA] += hz - base
        done = start + occ + lat - 1
        rend = start + occ
        _mark(bw, br, bwu, bru, brd0, brd1, stripe, False, rend, u)
        _mark(bw, br, bwu, bru, brd2, brd3, stripe, False, rend, u)
        _mark(bw, br, bwu, bru, bwr0, bwr1, stripe, True, done, u)
        _mark(aw, ar, awu, aru, ard0, ard1, 1, False, rend, u)
        _mark(aw, ar, awu, aru, awr0, awr1, 1, True, done, u)
        if krd >= 0 and rend > kr[krd]:
            kr[krd] = rend
        if kwr >= 0 and done > kw[kwr]:
            kw[kwr] = done
        unit_free[u] = start + occ
        ring[u, slot] = start
        cnt[u] += 1
        if done > last_done:
            last_done = done
        stats[S_BUSY0 + u] += occ
        # ---------------------------------------------------------------- semantics
        if op == WEFT or op == WEFTADD:
            w0 = act >> 2
            for r in range(rows):
                for cc in range(dim):
                    tmp[cc] = 0.0
                for k in range(dim):
                    x = buf_f[w0 + r * dim + k]
                    for cc in range(dim):
                        tmp[cc] += x * wb[a, k, cc]
                if op == WEFTADD:
                    for cc in range(dim):
                        acc[accr + r, cc] += tmp[cc]
                else:
                    for cc in range(dim):
                        acc[accr + r, cc] = tmp[cc]
            stats[S_MACS] += rows * dim * dim
            stats[S_BUF_RD] += rows * rowb
            stats[S_ACC_WR] += rows * rowb
            if op == WEFTADD:
                stats[S_ACC_RD] += rows * rowb
        elif op == WARP:
            w0 = addr >> 2
            for k in range(dim):
                for cc in range(dim):
                    wb[a, k, cc] = buf_f[w0 + k * dim + cc] if k < rows else np.float32(0.0)
            stats[S_BUF_RD] += rows * rowb
        elif u == U_VECTOR:
            wd, wa, wbb = dst >> 2, sa >> 2, sb >> 2
            if op == ESUM:
                for i in range(nel):
                    buf_f[wd + i] = buf_f[wa + i] + buf_f[wbb + i]
            elif op == EDIFF:
                for i in range(nel):
                    buf_f[wd + i] = buf_f[wa + i] - buf_f[wbb + i]
            elif op == EPROD:
                for i in range(nel):
                    buf_f[wd + i] = buf_f[wa + i] * buf_f[wbb + i]
            elif op == EBIG:
                for i in range(nel):
                    buf_f[wd + i] = max(buf_f[wa + i], buf_f[wbb + i])
            elif op == ESMALL:
                for i in range(nel):
                    buf_f[wd + i] = min(buf_f[wa + i], buf_f[wbb + i])
            elif op == EOFFSET:
                s = _f32(sb, fb_i, fb_f)
                for i in range(nel):
                    buf_f[wd + i] = buf_f[wa + i] + s
            elif op == ESCALE:
                s = _f32(sb, fb_i, fb_f)
                for i in range(nel):
                    buf_f[wd + i] = buf_f[wa + i] * s
            elif op == ECOPY:
                for i in range(nel):
                    buf_f[wd + i] = buf_f[wa + i]
            elif op == ERELU:
                for i in range(nel):
                    x = buf_f[wa + i]
                    buf_f[wd + i] = x if x > 0 else np.float32(0.0)
            elif op == EEXP:
                for i in range(nel):
                    buf_f[wd + i] = np.float32(np.exp(buf_f[wa + i]))
            elif op == ETANH:
                for i in range(nel):
                    buf_f[wd + i] = np.float32(np.tanh(buf_f[wa + i]))
            elif op == ERECIP:
                for i in range(nel):
                    buf_f[wd + i] = np.float32(1.0) / buf_f[wa + i]
            elif op == ERSQRT:
                for i in range(nel):
                    buf_f[wd + i] = np.float32(1.0 / np.sqrt(np.float64(buf_f[wa + i])))
            elif op == ESCALB or op == EOFFSETB:
                s = buf_f[wbb]  # read before the loop: the destination may overlap it
                if op == ESCALB:
                    for i in range(nel):
                        buf_f[wd + i] = buf_f[wa + i] * s
                else:
                    for i in range(nel):
                        buf_f[wd + i] = buf_f[wa + i] + s
            elif op == EFOLD:
                t64 = 0.0
                for i in range(nel):
                    t64 += np.float64(buf_f[wa + i])
                buf_f[wd] = np.float32(t64)
            elif op == EFOLDMAX:
                m32 = np.float32(-np.inf)
                for i in range(nel):
                    if buf_f[wa + i] > m32:
                        m32 = buf_f[wa + i]
                buf_f[wd] = m32
            stats[S_VFLOPS] += nel
            stats[S_BUF_RD] += (4 * nel) if (unary or scal) else (4 * nel + (4 if bscal else 4 * nel))
            stats[S_BUF_WR] += 4 if fold else 4 * nel
        else:
            nw = rb >> 2
            for r in range(rows):
                if op == DPULL:
                    dw = (dram + r * dstr) >> 2
                    lw = (loc + r * lstr) >> 2
                    buf_i[lw:lw + nw] = dram_i[dw:dw + nw]
                elif op == DPUSH:
                    dw = (dram + r * dstr) >> 2
                    lw = (loc + r * lstr) >> 2
                    dram_i[dw:dw + nw] = buf_i[lw:lw + nw]
                elif op == DSPILL:
                    dw = (dram + r * dstr) >> 2
                    for i in range(nw):
                        dram_f[dw + i] = acc[loc + r, i]
                elif op == DFILL:
                    dw = (dram + r * dstr) >> 2
                    for i in range(nw):
                        acc[loc + r, i] = dram_f[dw + i]
                else:  # DMOVE: acc row dram+r -> buf
                    lw = (loc + r * lstr) >> 2
                    for i in range(nw):
                        buf_f[lw + i] = acc[dram + r, i]
            stats[S_NDMA] += 1
            if op == DPULL:
                stats[S_DRAM_RD] += nbytes
                stats[S_BUF_WR] += nbytes
            elif op == DPUSH:
                stats[S_DRAM_WR] += nbytes
                stats[S_BUF_RD] += nbytes
            elif op == DSPILL:
                stats[S_DRAM_WR] += nbytes
                stats[S_ACC_RD] += nbytes
            elif op == DFILL:
                stats[S_DRAM_RD] += nbytes
                stats[S_ACC_WR] += nbytes
            else:
                stats[S_ACC_RD] += nbytes
                stats[S_BUF_WR] += nbytes
        retired += 1
        now = issue + 1
        pc = nxt
    stats[S_CYCLES] = now
    stats[S_RETIRED] = retired
    fault[0] = status
    fault[1] = pc
    fault[2] = detail
    fault[3] = now
    return status
