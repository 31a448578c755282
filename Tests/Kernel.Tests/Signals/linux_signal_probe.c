/* What x86-64 Linux really does with signals, for Tests/Kernel.Tests/Signals/LinuxSignalTests.cs: compiled with
 * gcc and run on the host, it prints (as "key value" lines) the signal frames Linux builds for a SIGSEGV from a
 * page fault and for a SIGUSR1 from tgkill on an alternate stack, the registers a handler starts with and the
 * ones the interrupted code resumes with, and Linux's answers to rt_sigaction, rt_sigprocmask and sigaltstack
 * calls. Built with -mno-red-zone: the inline assembly pushes below RSP. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

uint64_t entry_rsp, entry_rflags, entry_rax, after[16], after_rflags;
uint32_t entry_mxcsr, after_mxcsr;
uint16_t entry_fcw;
static unsigned char uc_bytes[304], si_bytes[128], fp_bytes[512];
static uint64_t uc_addr, info_addr, fp_ptr, pretcode;
static long onstack_query_flags, onstack_change;
static char altstack[65536] __attribute__((aligned(16)));

static void hex(const char *key, const unsigned char *bytes, int n)
{
    printf("%s ", key);
    for (int i = 0; i < n; i++)
        printf("%02x", bytes[i]);
    printf("\n");
}

static void dump(const char *s)
{
    char key[64];
#define K(name) (snprintf(key, sizeof key, "%s_%s", s, name), key)
    printf("%s 0x%lx\n", K("uc_addr"), uc_addr);
    printf("%s 0x%lx\n", K("info_addr"), info_addr);
    printf("%s 0x%lx\n", K("fp_ptr"), fp_ptr);
    printf("%s 0x%lx\n", K("pretcode"), pretcode);
    printf("%s 0x%lx\n", K("entry_rsp"), entry_rsp);
    printf("%s 0x%lx\n", K("entry_rflags"), entry_rflags);
    printf("%s 0x%lx\n", K("entry_rax"), entry_rax);
    printf("%s 0x%x\n", K("entry_mxcsr"), entry_mxcsr);
    printf("%s 0x%x\n", K("entry_fcw"), entry_fcw);
    hex(K("uc"), uc_bytes, 304);
    hex(K("si"), si_bytes, 128);
    hex(K("fp"), fp_bytes, 512);
}

void handler(int sig, siginfo_t *si, void *raw)
{
    ucontext_t *uc = raw;
    memcpy(uc_bytes, uc, 304);
    memcpy(si_bytes, si, 128);
    memcpy(fp_bytes, uc->uc_mcontext.fpregs, 512);
    uc_addr = (uint64_t)uc;
    info_addr = (uint64_t)si;
    fp_ptr = (uint64_t)uc->uc_mcontext.fpregs;
    pretcode = *(uint64_t *)((char *)uc - 8);
    if (sig == SIGSEGV)
        uc->uc_mcontext.gregs[REG_RIP] += 3;   /* skip movq (%rax),%rax */
    if (sig == SIGUSR1) {
        stack_t cur, off = { .ss_flags = SS_DISABLE };
        sigaltstack(NULL, &cur);
        onstack_query_flags = cur.ss_flags;
        onstack_change = sigaltstack(&off, NULL) == -1 ? -errno : 0;
    }
}

/* The handler's first instructions: record RSP, RAX, RFLAGS, MXCSR and the x87 control word at entry. */
extern void entry(int, siginfo_t *, void *);
__asm__(".text\n.globl entry\nentry:\n"
        "movq %rsp, entry_rsp(%rip)\n"
        "movq %rax, entry_rax(%rip)\n"
        "pushfq\npopq entry_rflags(%rip)\n"
        "stmxcsr entry_mxcsr(%rip)\n"
        "fnstcw entry_fcw(%rip)\n"
        "jmp handler\n");

struct ksa { uint64_t handler, flags, restorer, mask; };
static long k(long r) { return r == -1 ? -errno : r; }

int main(void)
{
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    sigaddset(&blocked, 40);
    sigprocmask(SIG_SETMASK, &blocked, NULL);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = entry;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGSEGV, &sa, NULL);
    printf("handler 0x%lx\npid %d\nuid %d\n", (uint64_t)entry, getpid(), getuid());

    uint32_t mx = 0x3F80, def = 0x1F80;
    __asm__ volatile(
        "ldmxcsr %[mx]\n\t"
        "movq $0x1008, %%r8\n\tmovq $0x1009, %%r9\n\tmovq $0x100a, %%r10\n\tmovq $0x100b, %%r11\n\t"
        "movq $0x100c, %%r12\n\tmovq $0x100d, %%r13\n\tmovq $0x100e, %%r14\n\tmovq $0x100f, %%r15\n\t"
        "movq $0x2001, %%rbx\n\tmovq $0x2002, %%rcx\n\tmovq $0x2003, %%rdx\n\tmovq $0x2004, %%rsi\n\t"
        "movq $0x2005, %%rdi\n\tmovq $0x1234, %%rax\n\t"
        "stc\n\tstd\n\t"
        "movq (%%rax), %%rax\n\t"
        "movq %%rsp, after+120(%%rip)\n\t"
        "pushfq\n\tpopq after_rflags(%%rip)\n\t"
        "cld\n\t"
        "stmxcsr after_mxcsr(%%rip)\n\t"
        "movq %%r8, after+0(%%rip)\n\tmovq %%r9, after+8(%%rip)\n\tmovq %%r10, after+16(%%rip)\n\t"
        "movq %%r11, after+24(%%rip)\n\tmovq %%r12, after+32(%%rip)\n\tmovq %%r13, after+40(%%rip)\n\t"
        "movq %%r14, after+48(%%rip)\n\tmovq %%r15, after+56(%%rip)\n\tmovq %%rdi, after+64(%%rip)\n\t"
        "movq %%rsi, after+72(%%rip)\n\tmovq %%rbp, after+80(%%rip)\n\tmovq %%rbx, after+88(%%rip)\n\t"
        "movq %%rdx, after+96(%%rip)\n\tmovq %%rax, after+104(%%rip)\n\tmovq %%rcx, after+112(%%rip)\n\t"
        "ldmxcsr %[def]\n\t"
        :
        : [mx] "m"(mx), [def] "m"(def)
        : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
    dump("segv");
    hex("after", (unsigned char *)after, sizeof after);
    printf("after_rflags 0x%lx\nafter_mxcsr 0x%x\n", after_rflags, after_mxcsr);

    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    printf("altstack 0x%lx\naltstack_size 0x%lx\n", (uint64_t)altstack, (uint64_t)sizeof altstack);
    raise(SIGUSR1);
    dump("usr1");
    printf("sem_onstack_query_flags %ld\nsem_onstack_change %ld\n", onstack_query_flags, onstack_change);

    /* Linux's answers to the calls the kernel will implement. */
    struct ksa ka, ko;
    k(syscall(SYS_rt_sigaction, SIGSEGV, NULL, &ko, 8));
    printf("ksa_segv_handler 0x%lx\nksa_segv_flags 0x%lx\nksa_segv_restorer 0x%lx\nksa_segv_mask 0x%lx\n",
           ko.handler, ko.flags, ko.restorer, ko.mask);
    ka = (struct ksa){ (uint64_t)entry, SA_SIGINFO | 0x04000000, ko.restorer, 0 };
    printf("sem_kill_set %ld\n", k(syscall(SYS_rt_sigaction, SIGKILL, &ka, NULL, 8)));
    printf("sem_stop_ign %ld\n", k(syscall(SYS_rt_sigaction, SIGSTOP, &(struct ksa){ 1, 0, 0, 0 }, NULL, 8)));
    printf("sem_kill_get %ld\n", k(syscall(SYS_rt_sigaction, SIGKILL, NULL, &ko, 8)));
    printf("sem_action_size16 %ld\n", k(syscall(SYS_rt_sigaction, SIGUSR2, NULL, &ko, 16)));
    printf("sem_action_sig0 %ld\n", k(syscall(SYS_rt_sigaction, 0, NULL, &ko, 8)));
    printf("sem_action_sig65 %ld\n", k(syscall(SYS_rt_sigaction, 65, NULL, &ko, 8)));
    ka.flags = SA_SIGINFO | 0x04000000 | 0x400 | 0x100 | 0x20000000;
    ka.mask = ~0UL;
    k(syscall(SYS_rt_sigaction, SIGUSR2, &ka, NULL, 8));
    k(syscall(SYS_rt_sigaction, SIGUSR2, NULL, &ko, 8));
    printf("sem_weird_flags 0x%lx\nsem_weird_mask 0x%lx\n", ko.flags, ko.mask);

    uint64_t set = ~0UL, old = 0, back = 0;
    printf("sem_how3_set %ld\n", k(syscall(SYS_rt_sigprocmask, 3, &set, NULL, 8)));
    printf("sem_how3_noset %ld\n", k(syscall(SYS_rt_sigprocmask, 3, NULL, &old, 8)));
    printf("sem_mask_size16 %ld\n", k(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, 16)));
    k(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, &old, 8));
    k(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, &back, 8));
    printf("sem_full_mask 0x%lx\n", back);

    stack_t cur, small = { .ss_sp = altstack, .ss_size = 2047 }, bad = { .ss_sp = altstack, .ss_size = 4096, .ss_flags = 4 };
    printf("sem_altstack_small %ld\n", sigaltstack(&small, NULL) == -1 ? -errno : 0L);
    printf("sem_altstack_badflags %ld\n", sigaltstack(&bad, NULL) == -1 ? -errno : 0L);
    stack_t onstack = { .ss_sp = altstack, .ss_size = 4096, .ss_flags = SS_ONSTACK };
    printf("sem_altstack_ssonstack %ld\n", sigaltstack(&onstack, NULL) == -1 ? -errno : 0L);
    sigaltstack(NULL, &cur);
    printf("sem_altstack_query_flags %d\n", cur.ss_flags);
    stack_t disable = { .ss_sp = altstack, .ss_size = 4096, .ss_flags = SS_DISABLE };
    sigaltstack(&disable, NULL);
    sigaltstack(NULL, &cur);
    printf("sem_altstack_disabled 0x%lx %d 0x%lx\n", (uint64_t)cur.ss_sp, cur.ss_flags, (uint64_t)cur.ss_size);
    return 0;
}
