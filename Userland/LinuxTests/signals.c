/*
 * signals: rt_sigaction(2), rt_sigprocmask(2), rt_sigreturn(2) (sigreturn(2)), and delivery as signal(7)
 * describes it: a pending unblocked signal runs its handler on the way back to user space, SA_SIGINFO
 * handlers get a correct siginfo, returning from a handler restores the interrupted context exactly
 * (or the modified context, as runtimes like .NET rely on), and the default actions kill, or are ignored.
 * SA_RESTART is not required of the kernel and not tested.
 */
#include "ktest.h"

#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>

/* The kernel's struct sigaction (rt_sigaction takes this, not glibc's). */
struct k_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static uint64_t bit(int sig) { return 1ull << (sig - 1); }

static uint64_t current_mask(void)
{
    uint64_t m = 0;
    kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, int masked)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    if (masked)
        sigaddset(&sa.sa_mask, masked);
    sigaction(sig, &sa, NULL);
}

static volatile int hits;
static siginfo_t last_info;
static uint64_t mask_in_handler;

static void counting_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    hits++;
    last_info = *si;
    mask_in_handler = current_mask();
}

/* rt_sigaction installs a handler and reports it back: handler, SA_SIGINFO, sa_mask; replacing it returns
 * the old action. */
static void t_sigaction_install_and_query(void)
{
    install(SIGUSR1, counting_handler, SA_RESTART, SIGUSR2);
    struct k_sigaction now;
    memset(&now, 0, sizeof now);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, NULL, &now, 8), 0);
    KT_CHECK(now.handler == (void *)counting_handler, "handler %p, want %p", now.handler, (void *)counting_handler);
    KT_CHECK((now.flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART), "flags %#lx", now.flags);
    KT_CHECK(now.mask & bit(SIGUSR2), "sa_mask %#llx lacks SIGUSR2", (unsigned long long)now.mask);
    struct k_sigaction ign = {SIG_IGN, 0, NULL, 0}, old;
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, &ign, &old, 8), 0);
    KT_CHECK(old.handler == (void *)counting_handler, "old handler %p", old.handler);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, NULL, &now, 8), 0);
    KT_CHECK(now.handler == SIG_IGN, "handler %p after setting SIG_IGN", now.handler);
}

/* rt_sigaction errors: SIGKILL and SIGSTOP cannot be caught or ignored (querying them is fine), signal 0
 * and 65 do not exist, sigsetsize must be 8, a bad pointer is EFAULT. */
static void t_sigaction_errors(void)
{
    struct k_sigaction ign = {SIG_IGN, 0, NULL, 0}, old;
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGKILL, &ign, NULL, 8), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGSTOP, &ign, NULL, 8), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGKILL, NULL, &old, 8), 0);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, 0, &ign, NULL, 8), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, 65, &ign, NULL, 8), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, &ign, NULL, 4), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, KT_KERNEL_HALF, NULL, 8), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, NULL, 8, 8), -EFAULT);
}

/* rt_sigprocmask: SIG_BLOCK adds, SIG_UNBLOCK removes, SIG_SETMASK replaces, the old mask comes back;
 * SIGKILL and SIGSTOP are silently left out; a bad how or sigsetsize is EINVAL. */
static void t_sigprocmask_semantics(void)
{
    uint64_t set = bit(SIGUSR1) | bit(SIGUSR2), old = 1, all = ~0ull;
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_SETMASK, &(uint64_t){0}, &old, 8), 0);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8), 0);
    KT_CHECK(old == 0, "old mask %#llx, want 0", (unsigned long long)old);
    KT_CHECK(current_mask() == set, "mask %#llx after SIG_BLOCK", (unsigned long long)current_mask());
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, &(uint64_t){bit(SIGUSR1)}, NULL, 8), 0);
    KT_CHECK(current_mask() == bit(SIGUSR2), "mask %#llx after SIG_UNBLOCK", (unsigned long long)current_mask());
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8), 0);
    KT_CHECK(old == bit(SIGUSR2), "old mask %#llx", (unsigned long long)old);
    uint64_t m = current_mask();
    KT_CHECK(!(m & (bit(SIGKILL) | bit(SIGSTOP))) && (m | bit(SIGKILL) | bit(SIGSTOP)) == all,
             "mask after blocking everything is %#llx, want all but SIGKILL and SIGSTOP", (unsigned long long)m);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, 99, &set, NULL, 8), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, KT_KERNEL_HALF, NULL, 8), -EFAULT);
}

/* A signal sent to oneself is delivered before kill(2) returns (on the way back to user space), and an
 * SA_SIGINFO handler sees si_signo, si_code SI_USER, si_pid and si_uid. */
static void t_kill_self_delivered_with_siginfo(void)
{
    install(SIGUSR1, counting_handler, 0, 0);
    hits = 0;
    KT_CHECK_RES(kt_sys(SYS_kill, kt_sys(SYS_getpid), SIGUSR1), 0);
    KT_CHECK(hits == 1, "handler ran %d times by the time kill returned, want 1", hits);
    KT_CHECK(last_info.si_signo == SIGUSR1 && last_info.si_code == SI_USER, "si_signo %d si_code %d, want %d %d",
             last_info.si_signo, last_info.si_code, SIGUSR1, SI_USER);
    KT_CHECK(last_info.si_pid == getpid() && last_info.si_uid == getuid(), "si_pid %d si_uid %d, want %d %d",
             (int)last_info.si_pid, (int)last_info.si_uid, (int)getpid(), (int)getuid());
}

/* tgkill to oneself: si_code SI_TKILL. */
static void t_tgkill_self_siginfo(void)
{
    install(SIGUSR2, counting_handler, 0, 0);
    hits = 0;
    KT_CHECK_RES(kt_sys(SYS_tgkill, kt_sys(SYS_getpid), kt_sys(SYS_gettid), SIGUSR2), 0);
    KT_CHECK(hits == 1, "handler ran %d times, want 1", hits);
    KT_CHECK(last_info.si_signo == SIGUSR2 && last_info.si_code == SI_TKILL && last_info.si_pid == getpid(),
             "si_signo %d si_code %d si_pid %d, want %d %d %d", last_info.si_signo, last_info.si_code,
             (int)last_info.si_pid, SIGUSR2, SI_TKILL, (int)getpid());
}

/* A blocked signal waits; unblocking it delivers it before rt_sigprocmask returns. A standard signal sent
 * three times while blocked is delivered once (it is not queued). */
static void t_blocked_signal_delivered_on_unblock(void)
{
    install(SIGUSR1, counting_handler, 0, 0);
    hits = 0;
    uint64_t set = bit(SIGUSR1);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8), 0);
    for (int i = 0; i < 3; i++)
        KT_CHECK_RES(kt_sys(SYS_kill, kt_sys(SYS_getpid), SIGUSR1), 0);
    KT_CHECK(hits == 0, "a blocked signal ran its handler");
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), 0);
    KT_CHECK(hits == 1, "after unblocking, the handler ran %d times, want 1", hits);
}

/* Real-time signals queue: sent three times while blocked, delivered three times (signal(7)). Signal 40 is
 * used raw: glibc keeps 32 and 33 for itself. */
static void t_realtime_signals_queue(void)
{
    install(40, counting_handler, 0, 0);
    hits = 0;
    uint64_t set = bit(40);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8), 0);
    for (int i = 0; i < 3; i++)
        KT_CHECK_RES(kt_sys(SYS_tgkill, kt_sys(SYS_getpid), kt_sys(SYS_gettid), 40), 0);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), 0);
    KT_CHECK(hits == 3, "signal 40 sent 3 times, handled %d times", hits);
}

/* During a handler its own signal and sa_mask are blocked (not with SA_NODEFER); afterwards the mask is
 * what it was before. */
static void t_handler_mask_and_nodefer(void)
{
    install(SIGUSR1, counting_handler, 0, SIGUSR2);
    KT_CHECK_RES(kt_sys(SYS_kill, kt_sys(SYS_getpid), SIGUSR1), 0);
    KT_CHECK(mask_in_handler == (bit(SIGUSR1) | bit(SIGUSR2)), "mask in the handler %#llx, want SIGUSR1|SIGUSR2",
             (unsigned long long)mask_in_handler);
    KT_CHECK(current_mask() == 0, "mask after the handler %#llx, want 0", (unsigned long long)current_mask());
    install(SIGUSR1, counting_handler, SA_NODEFER, 0);
    KT_CHECK_RES(kt_sys(SYS_kill, kt_sys(SYS_getpid), SIGUSR1), 0);
    KT_CHECK(mask_in_handler == 0, "mask in an SA_NODEFER handler %#llx, want 0", (unsigned long long)mask_in_handler);
}

/* SA_RESETHAND: the disposition goes back to SIG_DFL when the handler is entered. */
static void t_sa_resethand(void)
{
    install(SIGUSR1, counting_handler, SA_RESETHAND, 0);
    hits = 0;
    KT_CHECK_RES(kt_sys(SYS_kill, kt_sys(SYS_getpid), SIGUSR1), 0);
    KT_CHECK(hits == 1, "handler ran %d times", hits);
    struct k_sigaction now;
    KT_CHECK_RES(kt_sys(SYS_rt_sigaction, SIGUSR1, NULL, &now, 8), 0);
    KT_CHECK(now.handler == SIG_DFL, "disposition %p after an SA_RESETHAND delivery, want SIG_DFL", now.handler);
}

/* What SIG_IGN discards (signal(7), sigaction(2)): a signal sent while ignored and unblocked is gone; a
 * signal sent while ignored but blocked is kept pending (Linux: "blocked signals are never ignored", as the
 * disposition may change before the unblock) and runs a handler installed later; setting SIG_IGN discards
 * a pending signal. */
static void t_ignored_signals_and_pending(void)
{
    long self = kt_sys(SYS_getpid);
    uint64_t set = bit(SIGUSR1);
    signal(SIGUSR1, SIG_IGN);
    KT_CHECK_RES(kt_sys(SYS_kill, self, SIGUSR1), 0);
    install(SIGUSR1, counting_handler, 0, 0);
    hits = 0;
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), 0);
    KT_CHECK(hits == 0, "a signal sent while ignored (and not blocked) ran a handler installed later");

    signal(SIGUSR1, SIG_IGN);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8), 0);
    KT_CHECK_RES(kt_sys(SYS_kill, self, SIGUSR1), 0);
    install(SIGUSR1, counting_handler, 0, 0);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), 0);
    KT_CHECK(hits == 1, "a signal sent while ignored and blocked was delivered %d times after the unblock, want 1",
             hits);

    hits = 0;
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8), 0);
    KT_CHECK_RES(kt_sys(SYS_kill, self, SIGUSR1), 0);
    signal(SIGUSR1, SIG_IGN); /* discards the pending SIGUSR1 */
    install(SIGUSR1, counting_handler, 0, 0);
    KT_CHECK_RES(kt_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), 0);
    KT_CHECK(hits == 0, "setting SIG_IGN did not discard the pending signal");
}

/* ---- the interrupted context ---------------------------------------------------------------------- */

static volatile int clobber_hits;

static void clobbering_handler(int sig)
{
    (void)sig;
    clobber_hits++;
    /* Wreck every register that the interrupted code is entitled to find intact after its syscall. */
    __asm__ volatile("mov $-1, %%rdx\n\tmov $-1, %%r8\n\tmov $-1, %%r9\n\tmov $-1, %%r10\n\t"
                     "mov $-1, %%rdi\n\tmov $-1, %%rsi\n\t"
                     "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\t"
                     "pcmpeqd %%xmm3, %%xmm3\n\tpcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
                     "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm8, %%xmm8\n\t"
                     "pcmpeqd %%xmm9, %%xmm9\n\tpcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
                     "pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\tpcmpeqd %%xmm14, %%xmm14\n\t"
                     "pcmpeqd %%xmm15, %%xmm15\n\t" ::
                         : "rdx", "r8", "r9", "r10", "rdi", "rsi", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                           "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

struct regs_frame {
    uint64_t in[6];   /* rdx r8 r9 r10 rdi(pid) rsi(sig) */
    uint64_t out[7];  /* rax rdx r8 r9 r10 rdi rsi */
    uint8_t xin[256]; /* xmm0..15 */
    uint8_t xout[256];
};

/* A handler that runs when a syscall returns and clobbers registers: after rt_sigreturn the interrupted
 * code finds every register the syscall ABI keeps (all but rax, rcx, r11) and all 16 XMM registers as
 * they were, and rax holds the syscall's result. */
static void t_context_restored_after_handler(void)
{
    signal(SIGUSR1, clobbering_handler);
    clobber_hits = 0;
    static struct regs_frame f;
    for (int i = 0; i < 4; i++)
        f.in[i] = 0x0123456789abcdefull ^ (0x1111111111111111ull * (uint64_t)(i + 1));
    f.in[4] = (uint64_t)kt_sys(SYS_getpid);
    f.in[5] = SIGUSR1;
    for (int i = 0; i < 256; i++)
        f.xin[i] = (uint8_t)(i * 13 + 7);
    __asm__ volatile(
        "movdqu 104(%0), %%xmm0\n\tmovdqu 120(%0), %%xmm1\n\tmovdqu 136(%0), %%xmm2\n\tmovdqu 152(%0), %%xmm3\n\t"
        "movdqu 168(%0), %%xmm4\n\tmovdqu 184(%0), %%xmm5\n\tmovdqu 200(%0), %%xmm6\n\tmovdqu 216(%0), %%xmm7\n\t"
        "movdqu 232(%0), %%xmm8\n\tmovdqu 248(%0), %%xmm9\n\tmovdqu 264(%0), %%xmm10\n\tmovdqu 280(%0), %%xmm11\n\t"
        "movdqu 296(%0), %%xmm12\n\tmovdqu 312(%0), %%xmm13\n\tmovdqu 328(%0), %%xmm14\n\tmovdqu 344(%0), %%xmm15\n\t"
        "mov 0(%0), %%rdx\n\tmov 8(%0), %%r8\n\tmov 16(%0), %%r9\n\tmov 24(%0), %%r10\n\t"
        "mov 32(%0), %%rdi\n\tmov 40(%0), %%rsi\n\tmov $62, %%eax\n\t"
        "syscall\n\t" /* kill(getpid(), SIGUSR1): the handler runs on the way out */
        "mov %%rax, 48(%0)\n\tmov %%rdx, 56(%0)\n\tmov %%r8, 64(%0)\n\tmov %%r9, 72(%0)\n\t"
        "mov %%r10, 80(%0)\n\tmov %%rdi, 88(%0)\n\tmov %%rsi, 96(%0)\n\t"
        "movdqu %%xmm0, 360(%0)\n\tmovdqu %%xmm1, 376(%0)\n\tmovdqu %%xmm2, 392(%0)\n\tmovdqu %%xmm3, 408(%0)\n\t"
        "movdqu %%xmm4, 424(%0)\n\tmovdqu %%xmm5, 440(%0)\n\tmovdqu %%xmm6, 456(%0)\n\tmovdqu %%xmm7, 472(%0)\n\t"
        "movdqu %%xmm8, 488(%0)\n\tmovdqu %%xmm9, 504(%0)\n\tmovdqu %%xmm10, 520(%0)\n\tmovdqu %%xmm11, 536(%0)\n\t"
        "movdqu %%xmm12, 552(%0)\n\tmovdqu %%xmm13, 568(%0)\n\tmovdqu %%xmm14, 584(%0)\n\tmovdqu %%xmm15, 600(%0)\n\t"
        :
        : "r"(&f)
        : "rax", "rcx", "r11", "rdx", "r8", "r9", "r10", "rdi", "rsi", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
          "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    _Static_assert(offsetof(struct regs_frame, out) == 48 && offsetof(struct regs_frame, xin) == 104 &&
                       offsetof(struct regs_frame, xout) == 360,
                   "the asm above hard-codes these offsets");
    KT_CHECK(clobber_hits == 1, "the handler ran %d times during the syscall, want 1", clobber_hits);
    KT_CHECK(f.out[0] == 0, "rax after kill = %s, want 0", kt_res((long)f.out[0]));
    static const char *const names[] = {"rdx", "r8", "r9", "r10", "rdi", "rsi"};
    for (int i = 0; i < 6; i++)
        KT_CHECK(f.out[i + 1] == f.in[i], "%s is %#llx after the handler, want %#llx", names[i],
                 (unsigned long long)f.out[i + 1], (unsigned long long)f.in[i]);
    for (int i = 0; i < 16; i++)
        KT_CHECK(memcmp(f.xin + 16 * i, f.xout + 16 * i, 16) == 0, "xmm%d changed across the handler", i);
}

/* A function whose one load can fault; a handler may send it on to kt_resume_insn with a new rax. */
__asm__(".text\n"
        ".globl kt_load_and_resume\n"
        ".type kt_load_and_resume, @function\n"
        "kt_load_and_resume:\n"
        "    xor %eax, %eax\n"
        ".globl kt_load_insn\n"
        "kt_load_insn:\n"
        "    mov (%rdi), %rax\n"
        "    mov $1, %eax\n"
        ".globl kt_resume_insn\n"
        "kt_resume_insn:\n"
        "    ret\n"
        ".size kt_load_and_resume, .-kt_load_and_resume\n");
extern long kt_load_and_resume(const void *addr);
extern char kt_load_insn[], kt_resume_insn[];

static volatile greg_t fault_rip;
static void *volatile fault_addr;

static void redirecting_handler(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    ucontext_t *uc = ucv;
    fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    fault_addr = si->si_addr;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)kt_resume_insn;
    uc->uc_mcontext.gregs[REG_RAX] = 42;
}

/* rt_sigreturn resumes the context as the handler left it: a SIGSEGV handler that moves rip past the
 * faulting load and sets rax makes the function return 42. The ucontext shows the faulting rip. */
static void t_sigreturn_applies_modified_context(void)
{
    install(SIGSEGV, redirecting_handler, 0, 0);
    long r = kt_load_and_resume((void *)16);
    KT_CHECK(fault_rip == (greg_t)kt_load_insn, "rip in the ucontext %#llx, want the load at %p",
             (unsigned long long)fault_rip, (void *)kt_load_insn);
    KT_CHECK(fault_addr == (void *)16, "si_addr %p, want 0x10", fault_addr);
    KT_CHECK(r == 42, "the function returned %ld, want 42 (rax and rip set by the handler)", r);
}

static sigjmp_buf segv_jump;
static siginfo_t segv_info;

static void jumping_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    segv_info = *si;
    siglongjmp(segv_jump, 1);
}

/* A SIGSEGV handler reads si_addr and si_code (SEGV_MAPERR for an unmapped page, SEGV_ACCERR for a write
 * to a read-only one) and siglongjmps out; twice, so the mask must have been restored by the jump. */
static void t_sigsegv_handler_siginfo_longjmp(void)
{
    install(SIGSEGV, jumping_handler, 0, 0);
    long p = kt_sys(SYS_mmap, NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    KT_CHECK_RES(kt_sys(SYS_munmap, p + 4096, 4096), 0);
    volatile char *unmapped = (char *)p + 4096 + 24, *readonly = (char *)p + 8;
    static const struct {
        int write, code;
    } tries[] = {{0, SEGV_MAPERR}, {1, SEGV_ACCERR}};
    for (int i = 0; i < 2; i++) {
        volatile char *target = tries[i].write ? readonly : unmapped;
        memset(&segv_info, 0, sizeof segv_info);
        if (sigsetjmp(segv_jump, 1) == 0) {
            if (tries[i].write)
                *target = 1;
            else
                (void)*target;
            KT_CHECK(0, "%s %p did not fault", tries[i].write ? "writing" : "reading", (void *)target);
        }
        KT_CHECK(segv_info.si_signo == SIGSEGV && segv_info.si_code == tries[i].code &&
                     segv_info.si_addr == (void *)target,
                 "si_signo %d si_code %d si_addr %p, want %d %d %p", segv_info.si_signo, segv_info.si_code,
                 segv_info.si_addr, SIGSEGV, tries[i].code, (void *)target);
    }
    KT_CHECK(!(current_mask() & bit(SIGSEGV)), "SIGSEGV still blocked after siglongjmp");
    kt_sys(SYS_munmap, p, 4096);
}

static void exit_3_handler(int sig) { (void)sig, _exit(3); }

static void fault_with_sigsegv_blocked(void *arg)
{
    (void)arg;
    signal(SIGSEGV, exit_3_handler);
    uint64_t set = bit(SIGSEGV);
    kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
    kt_poke(8, 1);
}

/* A fault while SIGSEGV is blocked cannot be deferred: the process is killed by SIGSEGV, its handler does
 * not run (signal(7): blocking a synchronous SIGSEGV is undefined; Linux kills). */
static void t_blocked_sigsegv_fault_kills(void)
{
    int status = kt_run_in_child(fault_with_sigsegv_blocked, NULL);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "child %s, want killed by SIGSEGV",
             kt_status(status));
}

/* ---- default actions ---------------------------------------------------------------------------------- */

static void null_write(void *arg)
{
    (void)arg;
    signal(SIGSEGV, SIG_DFL);
    kt_poke(0, 1);
}

/* SIGSEGV's default action: a process writing to NULL dies, and wait4 says so. */
static void t_default_sigsegv_kills(void)
{
    int status = kt_run_in_child(null_write, NULL);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV && (status & 0x7f) == SIGSEGV,
             "child %s (status %#x), want killed by SIGSEGV", kt_status(status), status);
}

/* SIGTERM's default action kills, even a process blocked in read(2). */
static void t_default_sigterm_kills(void)
{
    int ready[2], never[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, ready, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_pipe2, never, 0), 0);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        kt_sys(SYS_write, ready[1], "r", 1);
        char c;
        kt_sys(SYS_read, never[0], &c, 1); /* nobody ever writes to it */
        _exit(0);
    }
    char c;
    KT_CHECK_RES(kt_sys(SYS_read, ready[0], &c, 1), 1);
    KT_CHECK_RES(kt_sys(SYS_kill, pid, SIGTERM), 0);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "child %s, want killed by SIGTERM",
             kt_status(status));
}

static void write_to_closed_pipe(void *arg)
{
    (void)arg;
    signal(SIGPIPE, SIG_DFL);
    int p[2];
    kt_sys(SYS_pipe2, p, 0);
    kt_sys(SYS_close, p[0]);
    kt_sys(SYS_write, p[1], "x", 1);
    _exit(1);
}

/* SIGPIPE's default action kills a process that writes to a pipe without readers. */
static void t_default_sigpipe_kills(void)
{
    int status = kt_run_in_child(write_to_closed_pipe, NULL);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "child %s, want killed by SIGPIPE",
             kt_status(status));
}

/* SIGCHLD, SIGURG and SIGWINCH are ignored by default: sending them to oneself changes nothing. */
static void t_default_ignored_signals(void)
{
    static const int sigs[] = {SIGCHLD, SIGURG, SIGWINCH};
    for (int i = 0; i < 3; i++) {
        signal(sigs[i], SIG_DFL);
        KT_CHECK_RES(kt_sys(SYS_kill, kt_sys(SYS_getpid), sigs[i]), 0);
    }
    pid_t pid = kt_fork(); /* and a child's exit raises SIGCHLD at us: still alive */
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0)
        _exit(0);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
}

/* A child's exit sends SIGCHLD; by the time wait4 returns the handler has run, with si_code CLD_EXITED,
 * si_pid and si_status. */
static void t_sigchld_on_child_exit(void)
{
    install(SIGCHLD, counting_handler, 0, 0);
    hits = 0;
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0)
        _exit(9);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(hits == 1, "SIGCHLD handler ran %d times, want 1", hits);
    KT_CHECK(last_info.si_signo == SIGCHLD && last_info.si_code == CLD_EXITED && last_info.si_pid == pid &&
                 last_info.si_status == 9,
             "si_signo %d si_code %d si_pid %d si_status %d, want %d %d %d 9", last_info.si_signo,
             last_info.si_code, (int)last_info.si_pid, last_info.si_status, SIGCHLD, CLD_EXITED, (int)pid);
}

/* A handled signal interrupts a blocking read(2): read returns EINTR (the handler has no SA_RESTART).
 * A child sends the signal every 5 ms, so one arrives while the parent is blocked. */
static void t_signal_interrupts_blocking_read(void)
{
    install(SIGUSR1, counting_handler, 0, 0);
    hits = 0;
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    long parent = kt_sys(SYS_getpid);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        for (int i = 0; i < 2000; i++) {
            struct timespec ts = {0, 5000000};
            kt_sys(SYS_nanosleep, &ts, NULL);
            kt_sys(SYS_kill, parent, SIGUSR1);
        }
        _exit(0);
    }
    char c;
    long r = kt_sys(SYS_read, p[0], &c, 1);
    kt_sys(SYS_kill, pid, SIGKILL);
    int status;
    kt_reap(pid, &status);
    KT_CHECK(r == -EINTR, "blocked read = %s, want -EINTR", kt_res(r));
    KT_CHECK(hits >= 1, "the handler did not run");
}

static const struct kt_case cases[] = {
    KT_CASE(sigaction_install_and_query),
    KT_CASE(sigaction_errors),
    KT_CASE(sigprocmask_semantics),
    KT_CASE(kill_self_delivered_with_siginfo),
    KT_CASE(tgkill_self_siginfo),
    KT_CASE(blocked_signal_delivered_on_unblock),
    KT_CASE(realtime_signals_queue),
    KT_CASE(handler_mask_and_nodefer),
    KT_CASE(sa_resethand),
    KT_CASE(ignored_signals_and_pending),
    KT_CASE(context_restored_after_handler),
    KT_CASE(sigreturn_applies_modified_context),
    KT_CASE(sigsegv_handler_siginfo_longjmp),
    KT_CASE(blocked_sigsegv_fault_kills),
    KT_CASE(default_sigsegv_kills),
    KT_CASE(default_sigterm_kills),
    KT_CASE(default_sigpipe_kills),
    KT_CASE(default_ignored_signals),
    KT_CASE(sigchld_on_child_exit),
    KT_CASE(signal_interrupts_blocking_read),
};

int main(int argc, char **argv) { return kt_main("signals", cases, KT_COUNT(cases), argc, argv); }
