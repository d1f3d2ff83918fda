#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Image sets in the form CRIU 4.2 writes them, made through the public .proto files.

    gen-criu42.py synth DIR NAME PID   lay out a whole process from scratch (test data);
                                       DATA_PAGES=N: its data size, XSAVE=1: an xsave part
    gen-criu42.py rewrite DIR          turn a dump by our criu into what CRIU 4.2 writes
    gen-criu42.py full-pages DIR       first, pages a child shares with its parent (PE_PARENT
                                       of ours) copied into the child's own pages file
    gen-criu42.py as-3x DIR            then its pagemaps into CRIU 3.x's form

synth: a static process of three private anonymous mappings and no files open. Its code
(below) sums the 64-bit words of its data mapping and exits 42 when the sum, the word on
top of its stack and xmm0 hold what the generator put in rdx, r12 and r13; 1 otherwise.
So its exit status proves that memory, general and SSE registers came back. The images
are CRIU 4.2's: pagemap counts in nr_pages (field 5) with compat_nr_pages 0, PE_LAZY on
private anonymous pages but the stack's, 44 words of auxv (CRIU truncates), root_ids and
namespace ids as CRIU numbers them, core fields of 4.2 only, no image of ours. There is no
vdso: the program does not use one, and a set without it restores on any kernel.

rewrite: drops task-extra-*.img (ours), sets PE_LAZY as CRIU does, checks the auxv and
vdso/vvar bits and adds the inventory fields CRIU always writes.

full-pages: CRIU 4.2 writes every page of a task in its own pages file, also those it still
shares copy-on-write with its parent (PE_PARENT means a page of the previous snapshot to
CRIU, a page of the parent task to our criu with --cow-pages once). Each task's listed pages
are resolved through its ancestors and written back in full, in address order.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import criuimg  # noqa: E402

PAGE = 4096
# as of _start: xor eax,eax; 1: add rax,[rbx]; add rbx,8; dec rcx; jnz 1b; cmp rax,rdx;
# jne 2f; mov rsi,[rsp]; cmp rsi,r12; jne 2f; movq rsi,xmm0; cmp rsi,r13; jne 2f;
# mov edi,42; jmp 3f; 2: mov edi,1; 3: mov eax,231 (exit_group); syscall
CODE = bytes.fromhex("31c04803034883c30848ffc975f44839d0751a488b34244c39e6751166480f7ec6"
                     "4c39ee7507bf2a000000eb05bf01000000b8e70000000f05")
CODE_AT, DATA_AT, STACK_AT = 0x10000000, 0x10100000, 0x10200000
STACK_PAGES = 4
TOP_WORD, XMM0_LOW = 0x5354414b5f544f50, 0x584d4d305f4c4f57
# status bits (criu/include/vma-status.h) and flags CRIU writes for private anonymous memory
VMA_AREA_REGULAR, VMA_AREA_STACK, VMA_ANON_PRIVATE = 1 << 0, 1 << 1, 1 << 9
VMA_AREA_VDSO, VMA_AREA_VVAR = 1 << 3, 1 << 12
MAP_PRIVATE, MAP_ANONYMOUS, MAP_GROWSDOWN = 0x2, 0x20, 0x100
PE_PARENT, PE_LAZY, PE_PRESENT = 1, 2, 4
CRIU_AUXV_WORDS = 44
# vm/files/fs/sighand of criu itself are 1; pid, net, ipc, uts, time, mnt, user, cgroup
# namespaces of criu get 1..8 in that order (CRIU looks them up before it seizes anything)
NS_IDS = dict(pid_ns_id=1, net_ns_id=2, ipc_ns_id=3, uts_ns_id=4, time_ns_id=5, mnt_ns_id=6,
              user_ns_id=7, cgroup_ns_id=8)


def data_words(n):
    return [(i * 0x9e3779b97f4a7c15 + 0x1234567) & (2**64 - 1) for i in range(n)]


def set_ids(ids, own):
    for k, v in NS_IDS.items():
        setattr(ids, k, v)
    ids.vm_id, ids.files_id, ids.fs_id, ids.sighand_id = (1, 1, 1, 1) if own else (2, 3, 4, 5)


def vma(im, start, npages, prot, status, flags=MAP_PRIVATE | MAP_ANONYMOUS):
    v = im.pb["vma_entry"](start=start, end=start + npages * PAGE, pgoff=0, shmid=0,
                           prot=prot, flags=flags, status=VMA_AREA_REGULAR | status, fd=-1)
    return v


def synth_core(im, pid, name, data_pages):
    words = data_words(data_pages * PAGE // 8)
    core = im.pb["core_entry"]()
    core.mtype = im.pb["core_entry"].X86_64
    ti = core.thread_info
    ti.clear_tid_addr = 0
    g = ti.gpregs
    for r in ("r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss "
              "fs_base gs_base ds es fs gs").split():
        setattr(g, r, 0)
    g.ip, g.bx, g.cx = CODE_AT, DATA_AT, len(words)
    g.dx = sum(words) & (2**64 - 1)
    g.sp = STACK_AT + STACK_PAGES * PAGE - 64
    g.r12, g.r13 = TOP_WORD, XMM0_LOW
    g.cs, g.ss, g.flags, g.orig_ax = 0x33, 0x2b, 0x202, 2**64 - 1
    g.mode = im.pb["user_x86_regs_entry"].DESCRIPTOR.fields_by_name["mode"].enum_type \
        .values_by_name["NATIVE"].number
    fp = ti.fpregs
    fp.cwd, fp.swd, fp.twd, fp.fop, fp.rip, fp.rdp = 0x37f, 0, 0, 0, 0, 0
    fp.mxcsr, fp.mxcsr_mask = 0x1f80, 0xffff
    fp.st_space.extend([0] * 32)
    fp.xmm_space.extend([XMM0_LOW & 0xffffffff, XMM0_LOW >> 32] + [0] * 62)
    if os.environ.get("XSAVE"):
        fp.xsave.xstate_bv = 0x3  # x87 and SSE in use, nothing of the extended state
    tc = core.tc
    tc.task_state, tc.exit_code, tc.personality, tc.flags = 1, 0, 0, 0x400000
    tc.blk_sigset, tc.comm = 0, name[:15]
    tc.loginuid, tc.oom_score_adj, tc.child_subreaper = 2**32 - 1, 0, False
    th = core.thread_core
    th.futex_rla, th.futex_rla_len = 0, 0
    th.sched_nice, th.sched_policy, th.sched_prio, th.blk_sigset, th.pdeath_sig = 0, 0, 0, 0, 0
    th.sas.ss_sp, th.sas.ss_size, th.sas.ss_flags = 0, 0, 2  # SS_DISABLE
    th.signals_p.SetInParent()
    th.seccomp_mode = 0
    th.comm = name[:15]
    c = th.creds
    for f in "uid gid euid egid suid sgid fsuid fsgid secbits".split():
        setattr(c, f, 0)
    for f in ("cap_inh", "cap_prm", "cap_eff", "cap_bnd"):
        getattr(c, f).extend([0, 0])  # no capabilities: nothing this host might lack
    c.no_new_privs = 0
    return core, words


def synth_mm(im, data_pages):
    mm = im.pb["mm_entry"]()
    for f, v in (("mm_start_code", CODE_AT), ("mm_end_code", CODE_AT + len(CODE)),
                 ("mm_start_data", DATA_AT), ("mm_end_data", DATA_AT + data_pages * PAGE),
                 ("mm_start_stack", STACK_AT + STACK_PAGES * PAGE - 64),
                 # the kernel wants the break past the data and every bound mapped above
                 # mmap_min_addr: args and environment sit (empty) in the stack mapping
                 ("mm_start_brk", DATA_AT + (data_pages + 1) * PAGE),
                 ("mm_brk", DATA_AT + (data_pages + 1) * PAGE),
                 ("mm_arg_start", STACK_AT + PAGE), ("mm_arg_end", STACK_AT + PAGE),
                 ("mm_env_start", STACK_AT + PAGE), ("mm_env_end", STACK_AT + PAGE)):
        setattr(mm, f, v)
    mm.exe_file_id = 1
    # what this kernel puts in auxv, cut at 44 words as CRIU 4.2 does (no AT_NULL left)
    pairs = [(33, 0), (51, 3632), (16, 0x178bfbff), (6, PAGE), (17, 100), (3, CODE_AT + 64),
             (4, 56), (5, 1), (7, 0), (8, 0), (9, CODE_AT), (11, 0), (12, 0), (13, 0), (14, 0),
             (23, 0), (25, STACK_AT), (26, 2), (31, STACK_AT + 16), (15, STACK_AT + 32),
             (27, 28), (28, 32), (0, 0)]
    mm.mm_saved_auxv.extend([w for p in pairs for w in p][:CRIU_AUXV_WORDS])
    mm.vmas.extend([vma(im, CODE_AT, 1, 5, VMA_ANON_PRIVATE),
                    vma(im, DATA_AT, data_pages, 3, VMA_ANON_PRIVATE),
                    vma(im, STACK_AT, STACK_PAGES, 3, VMA_ANON_PRIVATE | VMA_AREA_STACK,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN)])
    mm.dumpable = 1
    return mm


def pagemap_entry(im, vaddr, n, flags):
    # CRIU 4.2: the count in nr_pages; compat_nr_pages is required and written as 0
    return im.pb["pagemap_entry"](vaddr=vaddr, compat_nr_pages=0, flags=flags, nr_pages=n)


def reg_file(im, fid, name, flags, mode):
    fe = im.pb["file_entry"](id=fid)
    fe.type = im.pb["file_entry"].DESCRIPTOR.fields_by_name["type"].enum_type \
        .values_by_name["REG"].number
    r = fe.reg
    r.id, r.flags, r.pos, r.name, r.mode = fid, flags, 0, name, mode
    r.fown.uid = r.fown.euid = r.fown.signum = r.fown.pid_type = r.fown.pid = 0
    return fe


def synth_inventory(im):
    inv = im.pb["inventory_entry"](img_version=2, fdinfo_per_id=True, ns_per_id=True,
                                   lsmtype=0, dump_uptime=1000000, network_lock_method=1)
    set_ids(inv.root_ids, own=True)
    return inv


def synth(d, name, pid, data_pages):
    im = criuimg.Images(criu_only=True)
    os.makedirs(d, exist_ok=True)
    core, words = synth_core(im, pid, name, data_pages)
    im.write(os.path.join(d, "inventory.img"), "INVENTORY", [synth_inventory(im)])
    im.write(os.path.join(d, "pstree.img"), "PSTREE",
             [im.pb["pstree_entry"](pid=pid, ppid=0, pgid=pid, sid=pid, threads=[pid])])
    im.write(os.path.join(d, "core-%d.img" % pid), "CORE", [core])
    ids = im.pb["task_kobj_ids_entry"]()
    set_ids(ids, own=False)
    im.write(os.path.join(d, "ids-%d.img" % pid), "IDS", [ids])
    im.write(os.path.join(d, "mm-%d.img" % pid), "MM", [synth_mm(im, data_pages)])
    top = STACK_AT + (STACK_PAGES - 1) * PAGE
    im.write(os.path.join(d, "pagemap-%d.img" % pid), "PAGEMAP",
             [im.pb["pagemap_head"](pages_id=1),
              pagemap_entry(im, CODE_AT, 1, PE_PRESENT | PE_LAZY),
              pagemap_entry(im, DATA_AT, data_pages, PE_PRESENT | PE_LAZY),
              pagemap_entry(im, top, 1, PE_PRESENT)])  # the page sp is in: not lazy
    stack = bytearray(PAGE)
    struct.pack_into("<Q", stack, PAGE - 64, TOP_WORD)
    with open(os.path.join(d, "pages-1.img"), "wb") as f:
        f.write(CODE.ljust(PAGE, b"\xcc") + struct.pack("<%dQ" % len(words), *words) + stack)
    os.chmod(os.path.join(d, "pages-1.img"), 0o600)
    im.write(os.path.join(d, "fs-%d.img" % pid), "FS",
             [im.pb["fs_entry"](cwd_id=2, root_id=2, umask=0o22)])
    im.write(os.path.join(d, "files.img"), "FILES",
             [reg_file(im, 1, "/bin/sh", 0, 0o100755), reg_file(im, 2, "/", 0o200000, 0o40755)])
    im.write(os.path.join(d, "fdinfo-3.img"), "FDINFO", [])


def lazy_ok(v):
    """Pages CRIU 4.2 marks PE_LAZY: private anonymous, not vdso/vvar, not locked."""
    return (v.flags & MAP_ANONYMOUS and v.flags & MAP_PRIVATE and not v.flags & 0x2000 and
            not v.status & (VMA_AREA_VDSO | VMA_AREA_VVAR))


def relazy(im, pm, vmas, sp_pages):
    """Split entries so that lazy and non-lazy pages are apart, as CRIU's are."""
    out = [pm[0]]
    for e in pm[1:]:
        n = e.nr_pages if e.HasField("nr_pages") else e.compat_nr_pages
        run = None
        for i in range(n):
            a = e.vaddr + i * PAGE
            v = next(v for v in vmas if v.start <= a < v.end)
            fl = e.flags | (PE_LAZY if lazy_ok(v) and a not in sp_pages else 0)
            if run and run[2] == fl and run[0] + run[1] * PAGE == a:
                run[1] += 1
            else:
                run = [a, 1, fl]
                out.append(run)
    return [out[0]] + [pagemap_entry(im, *r) for r in out[1:]]


def rewrite(d):
    im = criuimg.Images(criu_only=True)
    # our own files: CRIU writes no task-extra-PID.img, tty-, eventpoll- or pidfd-extra.img,
    # or checksums.img
    for f in sorted(os.listdir(d)):
        if f.startswith("task-extra-") or f in ("tty-extra.img", "eventpoll-extra.img",
                                                 "pidfd-extra.img", "checksums.img"):
            os.unlink(os.path.join(d, f))
    _, tree = im.read(os.path.join(d, "pstree.img"))
    for e in tree:
        _, (mm,) = im.read(os.path.join(d, "mm-%d.img" % e.pid))
        if len(mm.mm_saved_auxv) > CRIU_AUXV_WORDS:
            raise SystemExit("mm-%d.img: %d auxv words" % (e.pid, len(mm.mm_saved_auxv)))
        sps = set()
        for tid in e.threads:
            _, (core,) = im.read(os.path.join(d, "core-%d.img" % tid))
            sps.add(core.thread_info.gpregs.sp & ~(PAGE - 1))
        path = os.path.join(d, "pagemap-%d.img" % e.pid)
        _, pm = im.read(path)
        im.write(path, "PAGEMAP", relazy(im, pm, mm.vmas, sps))
    path = os.path.join(d, "inventory.img")
    _, (inv,) = im.read(path)
    inv.network_lock_method = 1
    im.write(path, "INVENTORY", [inv])


def task_pages(im, d, pid, tree, cache):
    """{vaddr: page} of every page pagemap-PID.img lists; a PE_PARENT page is the parent's."""
    if pid in cache:
        return cache[pid]
    _, pm = im.read(os.path.join(d, "pagemap-%d.img" % pid))
    with open(os.path.join(d, "pages-%d.img" % pm[0].pages_id), "rb") as f:
        data = f.read()
    pages, off, parent = {}, 0, None
    for e in pm[1:]:
        for i in range(e.nr_pages):
            a = e.vaddr + i * PAGE
            if e.flags & PE_PARENT:
                if parent is None:
                    ppid = next(t.ppid for t in tree if t.pid == pid)
                    parent = task_pages(im, d, ppid, tree, cache)
                pages[a] = parent[a]
            else:
                pages[a] = data[off:off + PAGE]
                off += PAGE
    cache[pid] = pages
    return pages


def full_pages(d):
    im = criuimg.Images(criu_only=True)
    _, tree = im.read(os.path.join(d, "pstree.img"))
    cache = {}
    for e in tree:
        path = os.path.join(d, "pagemap-%d.img" % e.pid)
        if not os.path.exists(path):
            continue  # a zombie
        _, pm = im.read(path)
        if not any(x.flags & PE_PARENT for x in pm[1:]):
            continue
        pages = task_pages(im, d, e.pid, tree, cache)
        runs = []
        for a in sorted(pages):
            if runs and runs[-1][0] + runs[-1][1] * PAGE == a:
                runs[-1][1] += 1
            else:
                runs.append([a, 1])
        im.write(path, "PAGEMAP", [pm[0]] + [pagemap_entry(im, a, n, PE_PRESENT)
                                               for a, n in runs])
        fd = os.open(os.path.join(d, "pages-%d.img" % pm[0].pages_id),
                     os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "wb") as f:
            f.write(b"".join(pages[a] for a in sorted(pages)))


def as_3x(d):
    """Pagemaps as CRIU 3.x wrote them: the count in field 2, no field 5, no PE_LAZY."""
    im = criuimg.Images(criu_only=True)
    for path in [os.path.join(d, f) for f in os.listdir(d) if f.startswith("pagemap-")]:
        kind, pm = im.read(path)
        for e in pm[1:]:
            e.compat_nr_pages = e.nr_pages
            e.ClearField("nr_pages")
            e.flags &= ~PE_LAZY
        im.write(path, kind, pm)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "synth":
        synth(sys.argv[2], sys.argv[3], int(sys.argv[4]),
              int(os.environ.get("DATA_PAGES", "1")))
    elif len(sys.argv) == 3 and sys.argv[1] == "rewrite":
        rewrite(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "full-pages":
        full_pages(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "as-3x":
        as_3x(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
