"""The vector DSP's cycle-level simulator: one numba loop over the encoded program.

Timing model (documented in the manual; the tests hand-count it):
* single in-order issue: an instruction issues at the earliest cycle >= (previous issue + 1)
  at which its source registers (and VL, for vector/scratchpad ops) are ready and its unit is
  free; the wait for registers is a *data* stall, the wait for a busy unit a *structural*
  stall (a *memory* stall when the unit is the load/store unit);
* a result is ready at ``issue + latency + occupancy - 1``; the unit is busy for
  ``occupancy`` cycles (1, or ceil(VL/valu_lanes) for vector ALU ops, or
  ceil(4*VL/spad_bytes_per_cycle) for vector scratchpad ops);
* a taken branch adds ``branch_penalty`` cycles before the next issue;
* DMA: one engine, transfers served in issue order: ``start = max(issue + 1, engine free)``,
  ``engine busy = ceil(bytes / dram_bytes_per_cycle)``, ``done = start + busy + dram_latency``;
  ``xwait`` stalls until ``done`` of every transfer under its tag, and the copy is applied
  then (so data read before the wait is stale, as on hardware); ``stop`` drains every transfer.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from isa_sims.core import jitcache
from isa_sims.vdsp.isa import DMA_QUEUE, N_TAGS, VDSP_ISA as _I

jitcache.guard(__file__, __file__.replace("sim.py", "isa.py"))  # before any cached @njit loads

# opcodes, frozen into the compiled loop as constants
IPUT, FPUT, ICOPY, IPLUS, IPLUSK, IMINUS = (_I.op(m) for m in ("iput", "fput", "icopy", "iplus", "iplusk", "iminus"))
ITIMES, ITIMESK, IQUOT, IREM, ILOW, IHIGH = (_I.op(m) for m in ("itimes", "itimesk", "iquot", "irem", "ilow", "ihigh"))
ISHIFT, IBAND, FPLUS, FTIMES, FFROMI = (_I.op(m) for m in ("ishift", "iband", "fplus", "ftimes", "ffromi"))
FQUOT, FRSQRT, VEXP, VFOLDHIGH = (_I.op(m) for m in ("fquot", "frsqrt", "vexp", "vfoldhigh"))
GOTO, WHENZ, WHENNZ, WHENLT, WHENGE, AGAIN, STOP = (_I.op(m) for m in (
    "goto", "whenz", "whennz", "whenlt", "whenge", "again", "stop"))
VLEN, VBCAST, VZERO, VMOVE, VPLUS, VMINUS, VTIMES, VQUOT, VHIGH, VLOW = (_I.op(m) for m in (
    "vlen", "vbcast", "vzero", "vmove", "vplus", "vminus", "vtimes", "vquot", "vhigh", "vlow"))
VMACC, VPLUSK, VTIMESK, VMACCK, VFOLD = (_I.op(m) for m in ("vmacc", "vplusk", "vtimesk", "vmacck", "vfold"))
VGET, VPUT, SGET, SPUT = (_I.op(m) for m in ("vget", "vput", "sget", "sput"))
XSHAPE, XIN, XOUT, XIN2, XOUT2, XWAIT = (_I.op(m) for m in ("xshape", "xin", "xout", "xin2", "xout2", "xwait"))

U_SALU, U_BRANCH, U_VALU, U_LSU, U_DMA = 0, 1, 2, 3, 4

# cfg vector
C_VLMAX, C_LANES, C_SPAD, C_SPAD_BPC, C_DRAM_BPC, C_DRAM_LAT, C_BR_PEN, C_MAX_CYCLES = range(8)
# stats vector
(S_CYCLES, S_RETIRED, S_BUSY0, S_ST_DATA, S_ST_STRUCT, S_ST_MEM, S_ST_DMAWAIT, S_ST_DMAQ, S_ST_BRANCH,
 S_DRAM_RD, S_DRAM_WR, S_SPAD_RD, S_SPAD_WR, S_FLOPS, S_NDMA) = (0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                                   17, 18)
N_STATS = 19
# fault codes
OK, F_DRAM_OOB, F_SPAD_OOB, F_MISALIGNED, F_INVALID, F_CYCLES, F_DIVZERO, F_PC, F_DMA_SIZE = range(9)
FAULT_NAMES = {F_DRAM_OOB: "DRAM access outside the task's arrays", F_SPAD_OOB: "scratchpad access out of bounds",
               F_MISALIGNED: "misaligned access", F_INVALID: "invalid instruction",
               F_CYCLES: "cycle limit exceeded", F_DIVZERO: "integer division by zero",
               F_PC: "program counter left the program (missing stop?)", F_DMA_SIZE: "invalid DMA size"}
# queue columns
Q_VALID, Q_OUT, Q_SPAD, Q_DRAM, Q_ROWS, Q_ROWB, Q_DSTR, Q_SSTR, Q_TAG, Q_END, Q_SEQ = range(11)


@njit(cache=True, inline="always")
def _f32(x, fb_i, fb_f):
    v = x & 0xFFFFFFFF
    if v >= 0x80000000:
        v -= 0x100000000
    fb_i[0] = v
    return fb_f[0]


@njit(cache=True, inline="always")
def _bits(f, fb_i, fb_f):
    fb_f[0] = f
    return np.int64(fb_i[0])


@njit(cache=True)
def _apply(q, k, dram_i, spad_i):
    rows, rowb = q[k, Q_ROWS], q[k, Q_ROWB]
    n = rowb >> 2
    for r in range(rows):
        d = (q[k, Q_DRAM] + r * q[k, Q_DSTR]) >> 2
        s = (q[k, Q_SPAD] + r * q[k, Q_SSTR]) >> 2
        if q[k, Q_OUT] == 1:
            dram_i[d:d + n] = spad_i[s:s + n]
        else:
            spad_i[s:s + n] = dram_i[d:d + n]
    q[k, Q_VALID] = 0


@njit(cache=True)
def _drain(q, tag, dram_i, spad_i):
    """Apply (in issue order) every pending transfer under tag (-1: all); return the latest done cycle."""
    latest = 0
    while True:
        best, bseq = -1, 1 << 62
        for k in range(q.shape[0]):
            if q[k, Q_VALID] == 1 and (tag < 0 or q[k, Q_TAG] == tag) and q[k, Q_SEQ] < bseq:
                best, bseq = k, q[k, Q_SEQ]
        if best < 0:
            return latest
        if q[best, Q_END] > latest:
            latest = q[best, Q_END]
        _apply(q, best, dram_i, spad_i)


@njit(cache=True)
def _in_region(regions, lo, hi):
    for k in range(regions.shape[0]):
        if lo >= regions[k, 0] and hi <= regions[k, 1]:
            return True
    return False


@njit(cache=True, error_model="numpy")  # IEEE float division (x/0 = inf) instead of a Python exception
def simulate(code, unit_of, lat_of, occ_of, flops_of, valid, ssrc, vsrc, sdst, vdst, cfg,
             sreg, vreg, dram_i, spad_i, regions, stats, fault, trace):
    """Run from pc 0 until ``stop`` or a fault. Returns the status (0 = ok); ``fault`` gets
    [status, pc, detail address, cycle]. ``trace``: an (n, 4) ring buffer, or (0, 4) for none (core/trace.py)."""
    dram_f = dram_i.view(np.float32)
    spad_f = spad_i.view(np.float32)
    fb_i = np.zeros(1, np.int32)
    fb_f = fb_i.view(np.float32)
    n = code.shape[0]
    nops = unit_of.shape[0]
    vlmax, lanes, spad_bytes = cfg[C_VLMAX], cfg[C_LANES], cfg[C_SPAD]
    spad_bpc, dram_bpc, dram_lat = cfg[C_SPAD_BPC], cfg[C_DRAM_BPC], cfg[C_DRAM_LAT]
    br_pen, max_cycles = cfg[C_BR_PEN], cfg[C_MAX_CYCLES]
    sready = np.zeros(sreg.shape[0], np.int64)
    vready = np.zeros(vreg.shape[0], np.int64)
    unit_free = np.zeros(5, np.int64)
    q = np.zeros((DMA_QUEUE, 11), np.int64)
    vl = vlmax
    vl_ready = 0
    xrowb, xdstr, xsstr = 0, 0, 0
    dma_free = 0
    seq = 0
    now = 0
    pc = 0
    status = OK
    detail = 0
    retired = 0
    last_issue = 0
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
        # ---------------------------------------------------------- scoreboard
        dep = now
        for k in range(3):
            f = ssrc[op, k]
            if f >= 0:
                r = code[pc, 1 + f]
                if r >= 0 and sready[r] > dep:
                    dep = sready[r]
            f = vsrc[op, k]
            if f >= 0:
                r = code[pc, 1 + f]
                if vready[r] > dep:
                    dep = vready[r]
        oc = occ_of[op]
        if oc != 0 and vl_ready > dep:
            dep = vl_ready
        u = unit_of[op]
        issue = dep
        if unit_free[u] > issue:
            issue = unit_free[u]
        stats[S_ST_DATA] += dep - now
        if u == U_LSU:
            stats[S_ST_MEM] += issue - dep
        else:
            stats[S_ST_STRUCT] += issue - dep
        occ = 1
        if oc == 1:
            occ = (vl + lanes - 1) // lanes
            if occ < 1:
                occ = 1
        elif oc == 2:
            occ = (4 * vl + spad_bpc - 1) // spad_bpc
            if occ < 1:
                occ = 1
        nxt = pc + 1
        taken = False
        # ---------------------------------------------------------- semantics
        if op == VMACCK:
            s = _f32(sreg[c], fb_i, fb_f)
            for i in range(vl):
                vreg[a, i] = vreg[a, i] + vreg[b, i] * s
        elif op == VMACC:
            for i in range(vl):
                vreg[a, i] = vreg[a, i] + vreg[b, i] * vreg[c, i]
        elif op == VGET or op == VPUT:
            addr = (sreg[b] if b >= 0 else 0) + c
            if addr & 3:
                status = F_MISALIGNED
                detail = addr
                break
            if addr < 0 or addr + 4 * vl > spad_bytes:
                status = F_SPAD_OOB
                detail = addr
                break
            w = addr >> 2
            if op == VGET:
                for i in range(vl):
                    vreg[a, i] = spad_f[w + i]
                stats[S_SPAD_RD] += 4 * vl
            else:
                for i in range(vl):
                    spad_f[w + i] = vreg[a, i]
                stats[S_SPAD_WR] += 4 * vl
        elif op == SGET or op == SPUT:
            addr = (sreg[b] if b >= 0 else 0) + c
            if addr & 3:
                status = F_MISALIGNED
                detail = addr
                break
            if addr < 0 or addr + 4 > spad_bytes:
                status = F_SPAD_OOB
                detail = addr
                break
            if op == SGET:
                sreg[a] = spad_i[addr >> 2]
                stats[S_SPAD_RD] += 4
            else:
                v = sreg[a] & 0xFFFFFFFF
                if v >= 0x80000000:
                    v -= 0x100000000
                spad_i[addr >> 2] = v
                stats[S_SPAD_WR] += 4
        elif op == IPLUSK:
            sreg[a] = sreg[b] + c
        elif op == AGAIN:
            sreg[a] -= 1
            if sreg[a] != 0:
                nxt = b
                taken = True
        elif op == IPLUS:
            sreg[a] = sreg[b] + sreg[c]
        elif op == IMINUS:
            sreg[a] = sreg[b] - sreg[c]
        elif op == IPUT or op == FPUT:
            sreg[a] = b
        elif op == ICOPY:
            sreg[a] = sreg[b]
        elif op == ITIMES:
            sreg[a] = sreg[b] * sreg[c]
        elif op == ITIMESK:
            sreg[a] = sreg[b] * c
        elif op == IQUOT or op == IREM:
            if sreg[c] == 0:
                status = F_DIVZERO
                break
            qv = sreg[b] // sreg[c]
            sreg[a] = qv if op == IQUOT else sreg[b] - sreg[c] * qv
        elif op == ILOW:
            sreg[a] = min(sreg[b], sreg[c])
        elif op == IHIGH:
            sreg[a] = max(sreg[b], sreg[c])
        elif op == ISHIFT:
            sreg[a] = sreg[b] << c if c >= 0 else sreg[b] >> (-c)
        elif op == IBAND:
            sreg[a] = sreg[b] & sreg[c]
        elif op == FPLUS:
            sreg[a] = _bits(np.float32(_f32(sreg[b], fb_i, fb_f) + _f32(sreg[c], fb_i, fb_f)), fb_i, fb_f)
        elif op == FTIMES:
            sreg[a] = _bits(np.float32(_f32(sreg[b], fb_i, fb_f) * _f32(sreg[c], fb_i, fb_f)), fb_i, fb_f)
        elif op == FFROMI:
            sreg[a] = _bits(np.float32(sreg[b]), fb_i, fb_f)
        elif op == GOTO:
            nxt = a
            taken = True
        elif op == WHENZ:
            if sreg[a] == 0:
                nxt = b
                taken = True
        elif op == WHENNZ:
            if sreg[a] != 0:
                nxt = b
                taken = True
        elif op == WHENLT:
            if sreg[a] < sreg[b]:
                nxt = c
                taken = True
        elif op == WHENGE:
            if sreg[a] >= sreg[b]:
                nxt = c
                taken = True
        elif op == VLEN:
            v = sreg[b]
            vl = 0 if v < 0 else (vlmax if v > vlmax else v)
            sreg[a] = vl
            vl_ready = issue + lat_of[op]
        elif op == VBCAST:
            s = _f32(sreg[b], fb_i, fb_f)
            for i in range(vl):
                vreg[a, i] = s
        elif op == VZERO:
            for i in range(vl):
                vreg[a, i] = 0.0
        elif op == VMOVE:
            for i in range(vl):
                vreg[a, i] = vreg[b, i]
        elif op == VPLUS:
            for i in range(vl):
                vreg[a, i] = vreg[b, i] + vreg[c, i]
        elif op == VMINUS:
            for i in range(vl):
                vreg[a, i] = vreg[b, i] - vreg[c, i]
        elif op == VTIMES:
            for i in range(vl):
                vreg[a, i] = vreg[b, i] * vreg[c, i]
        elif op == VQUOT:
            for i in range(vl):
                vreg[a, i] = vreg[b, i] / vreg[c, i]
        elif op == VHIGH:
            for i in range(vl):
                vreg[a, i] = max(vreg[b, i], vreg[c, i])
        elif op == VLOW:
            for i in range(vl):
                vreg[a, i] = min(vreg[b, i], vreg[c, i])
        elif op == VPLUSK:
            s = _f32(sreg[c], fb_i, fb_f)
            for i in range(vl):
                vreg[a, i] = vreg[b, i] + s
        elif op == VTIMESK:
            s = _f32(sreg[c], fb_i, fb_f)
            for i in range(vl):
                vreg[a, i] = vreg[b, i] * s
        elif op == VFOLD:
            acc = np.float32(0.0)
            for i in range(vl):
                acc = np.float32(acc + vreg[b, i])
            sreg[a] = _bits(acc, fb_i, fb_f)
        elif op == VEXP:
            for i in range(vl):
                vreg[a, i] = np.float32(math.exp(np.float64(vreg[b, i])))
        elif op == VFOLDHIGH:
            acc = np.float32(-np.inf)
            for i in range(vl):
                if vreg[b, i] > acc or vreg[b, i] != vreg[b, i]:
                    acc = vreg[b, i]
                    if acc != acc:
                        break
            sreg[a] = _bits(acc, fb_i, fb_f)
        elif op == FQUOT:
            x = np.float64(_f32(sreg[b], fb_i, fb_f))
            y = np.float64(_f32(sreg[c], fb_i, fb_f))
            r = x / y  # IEEE (error_model="numpy"): x/0 = +-inf, 0/0 = NaN
            sreg[a] = _bits(np.float32(r), fb_i, fb_f)
        elif op == FRSQRT:
            x = np.float64(_f32(sreg[b], fb_i, fb_f))
            if x != x or x < 0.0:
                r = np.nan
            elif x == 0.0:
                r = np.inf
            else:
                r = 1.0 / math.sqrt(x)
            sreg[a] = _bits(np.float32(r), fb_i, fb_f)
        elif op == XSHAPE:
            xrowb, xdstr, xsstr = sreg[a], sreg[b], sreg[c]
        elif op == XIN or op == XOUT or op == XIN2 or op == XOUT2:
            out = 1 if (op == XOUT or op == XOUT2) else 0
            if out == 1:
                dram, sp = sreg[a], sreg[b]
            else:
                sp, dram = sreg[a], sreg[b]
            if op == XIN or op == XOUT:
                rows, rowb, dstr, sstr = 1, sreg[c], 0, 0
            else:
                rows, rowb, dstr, sstr = sreg[c], xrowb, xdstr, xsstr
            if rows < 0 or rowb < 0:
                status = F_DMA_SIZE
                detail = rows if rows < 0 else rowb
                break
            if (dram | sp | rowb | dstr | sstr) & 3:
                status = F_MISALIGNED
                detail = dram if dram & 3 else (sp if sp & 3 else rowb)
                break
            if rows > 0 and rowb > 0:
                dlo = dram + min(0, (rows - 1) * dstr)
                dhi = dram + max(0, (rows - 1) * dstr) + rowb
                if not _in_region(regions, dlo, dhi):
                    status = F_DRAM_OOB
                    detail = dram
                    break
                slo = sp + min(0, (rows - 1) * sstr)
                shi = sp + max(0, (rows - 1) * sstr) + rowb
                if slo < 0 or shi > spad_bytes:
                    status = F_SPAD_OOB
                    detail = sp
                    break
                # a free queue slot, or wait for the transfer that finishes first
                slot = -1
                for k in range(DMA_QUEUE):
                    if q[k, Q_VALID] == 0:
                        slot = k
                        break
                if slot < 0:
                    first = 0
                    for k in range(1, DMA_QUEUE):
                        if q[k, Q_END] < q[first, Q_END]:
                            first = k
                    if q[first, Q_END] > issue:
                        stats[S_ST_DMAQ] += q[first, Q_END] - issue
                        issue = q[first, Q_END]
                    _apply(q, first, dram_i, spad_i)
                    slot = first
                nbytes = rows * rowb
                dur = (nbytes + dram_bpc - 1) // dram_bpc
                start = issue + 1 if issue + 1 > dma_free else dma_free
                dma_free = start + dur
                stats[S_BUSY0 + U_DMA] += dur
                q[slot, Q_VALID] = 1
                q[slot, Q_OUT] = out
                q[slot, Q_SPAD] = sp
                q[slot, Q_DRAM] = dram
                q[slot, Q_ROWS] = rows
                q[slot, Q_ROWB] = rowb
                q[slot, Q_DSTR] = dstr
                q[slot, Q_SSTR] = sstr
                q[slot, Q_TAG] = d
                q[slot, Q_END] = start + dur + dram_lat
                q[slot, Q_SEQ] = seq
                seq += 1
                stats[S_NDMA] += 1
                if out == 1:
                    stats[S_DRAM_WR] += nbytes
                    stats[S_SPAD_RD] += nbytes
                else:
                    stats[S_DRAM_RD] += nbytes
                    stats[S_SPAD_WR] += nbytes
        elif op == XWAIT:
            done = _drain(q, a, dram_i, spad_i)
            if done > issue:
                stats[S_ST_DMAWAIT] += done - issue
                issue = done
        elif op == STOP:
            done = _drain(q, -1, dram_i, spad_i)
            end = issue + 1
            if done > end:
                stats[S_ST_DMAWAIT] += done - end
                end = done
            for r in range(sready.shape[0]):
                if sready[r] > end:
                    end = sready[r]
            for r in range(vready.shape[0]):
                if vready[r] > end:
                    end = vready[r]
            for k in range(5):
                if unit_free[k] > end:
                    end = unit_free[k]
            retired += 1
            stats[S_BUSY0 + u] += 1
            now = end
            break
        else:
            status = F_INVALID
            detail = op
            break
        # ---------------------------------------------------------- retire
        if u != U_DMA:
            stats[S_BUSY0 + u] += occ
        unit_free[u] = issue + occ
        ready = issue + lat_of[op] + occ - 1
        f = sdst[op]
        if f >= 0:
            r = code[pc, 1 + f]
            if ready > sready[r]:
                sready[r] = ready
        f = vdst[op]
        if f >= 0:
            r = code[pc, 1 + f]
            if ready > vready[r]:
                vready[r] = ready
        stats[S_FLOPS] += flops_of[op] * vl
        retired += 1
        last_issue = issue
        now = issue + 1
        if taken:
            now += br_pen
            stats[S_ST_BRANCH] += br_pen
        pc = nxt
    if status != OK:
        now = last_issue + 1 if now < last_issue + 1 else now
    stats[S_CYCLES] = now
    stats[S_RETIRED] = retired
    fault[0] = status
    fault[1] = pc
    fault[2] = detail
    fault[3] = now
    return status
