/*
 * kitten_ipc.h: Kitten.Cosmos's IPC system calls for C programs (static, x86-64), header-only.
 *
 * The contract is Kernel/Ipc/README.md (ABI version 1): numbers, registers, message info word, handles and
 * rights, timeouts, error codes. Every function returns what the kernel returned: a non-negative value, or
 * -errno (no errno variable, no glibc in between).
 *
 * Short messages are up to KITTEN_IPC_WORDS words, carried in registers (MR0..MR5 = r8, r9, r12, r13, r14,
 * r15); the SYSCALL instruction clobbers rcx and r11 (Intel SDM vol. 2B, SYSCALL).
 */
#ifndef KITTEN_IPC_H
#define KITTEN_IPC_H

#include <stddef.h>
#include <stdint.h>

#define KITTEN_IPC_ABI_VERSION 1

/* ---- system call numbers ------------------------------------------------------------------------- */

#define KITTEN_IPC_CALL 1024
#define KITTEN_IPC_SEND 1025
#define KITTEN_IPC_RECEIVE 1026
#define KITTEN_IPC_REPLY 1027
#define KITTEN_IPC_REPLY_RECEIVE 1028
#define KITTEN_IPC_SAVE_REPLY 1029
#define KITTEN_IPC_ENDPOINT_CREATE 1030
#define KITTEN_IPC_NOTIFICATION_CREATE 1031
#define KITTEN_IPC_CLOSE 1032
#define KITTEN_IPC_MINT 1033
#define KITTEN_IPC_IDENTIFY 1034
#define KITTEN_IPC_SIGNAL 1035
#define KITTEN_IPC_WAIT 1036
#define KITTEN_IPC_GRANT_CREATE 1037
#define KITTEN_IPC_GRANT_MAP 1038
#define KITTEN_IPC_GRANT_UNMAP 1039
#define KITTEN_IPC_GRANT_REVOKE 1040
#define KITTEN_IPC_NAME_REGISTER 1041
#define KITTEN_IPC_NAME_LOOKUP 1042
#define KITTEN_IPC_NAME_UNREGISTER 1043
#define KITTEN_MEMORY_VIEW 1044 /* the kernel's free-memory view, as a read-only grant */
/* 1045: kitten_exec_placed (being added) */
#define KITTEN_IPC_FIRST 1024
#define KITTEN_IPC_LAST 1055 /* 1046..1055 reserved */

/* ---- constants ----------------------------------------------------------------------------------- */

#define KITTEN_IPC_WORDS 6          /* message registers */
#define KITTEN_IPC_MAX_HANDLES 4    /* handles one message can pass */
#define KITTEN_IPC_MAX_LONG 65536   /* bytes in a message's long part */
#define KITTEN_IPC_MAX_NAME 32      /* bytes in a registry name */
#define KITTEN_IPC_TABLE_SIZE 512   /* handles per process */
#define KITTEN_IPC_NO_HANDLE 0

#define KITTEN_IPC_FOREVER UINT64_MAX /* timeout: wait as long as it takes; 0: do not wait */

#define KITTEN_IPC_TYPE_ENDPOINT 1
#define KITTEN_IPC_TYPE_NOTIFICATION 2
#define KITTEN_IPC_TYPE_GRANT 3
#define KITTEN_IPC_TYPE_REPLY 4

#define KITTEN_IPC_RIGHT_SEND 0x01u
#define KITTEN_IPC_RIGHT_RECEIVE 0x02u
#define KITTEN_IPC_RIGHT_SIGNAL 0x04u
#define KITTEN_IPC_RIGHT_WAIT 0x08u
#define KITTEN_IPC_RIGHT_MAP_READ 0x10u
#define KITTEN_IPC_RIGHT_MAP_WRITE 0x20u
#define KITTEN_IPC_RIGHT_REVOKE 0x40u
#define KITTEN_IPC_RIGHT_TRANSFER 0x80u

/* The message info word: word count (bits 0-7), handle count (8-15), flags (16-31, output only), long
 * length in bytes (32-63). */
#define KITTEN_IPC_INFO_CALL (1ull << 16)        /* received a call: a reply is expected */
#define KITTEN_IPC_INFO_TRUNCATED (1ull << 17)   /* the long part was cut to the receiver's capacity */
#define KITTEN_IPC_INFO_HANDLE_LOST (1ull << 18) /* a passed handle could not be installed (word is 0) */

static inline uint64_t kitten_ipc_info(unsigned words, unsigned handles, uint32_t length)
{
    return (uint64_t)(words & 0xff) | ((uint64_t)(handles & 0xff) << 8) | ((uint64_t)length << 32);
}
static inline unsigned kitten_ipc_info_words(uint64_t info) { return (unsigned)(info & 0xff); }
static inline unsigned kitten_ipc_info_handles(uint64_t info) { return (unsigned)((info >> 8) & 0xff); }
static inline uint32_t kitten_ipc_info_length(uint64_t info) { return (uint32_t)(info >> 32); }

/* Errors the IPC calls return, as -value (Linux numbers; see README.md for their IPC meanings). */
#define KITTEN_EPERM 1
#define KITTEN_ENOENT 2
#define KITTEN_EINTR 4
#define KITTEN_E2BIG 7
#define KITTEN_EBADF 9
#define KITTEN_EAGAIN 11
#define KITTEN_ENOMEM 12
#define KITTEN_EACCES 13
#define KITTEN_EFAULT 14
#define KITTEN_EEXIST 17
#define KITTEN_EINVAL 22
#define KITTEN_EMFILE 24
#define KITTEN_ENOSPC 28
#define KITTEN_EPIPE 32        /* the object is dead (its owner closed it or exited); nothing delivered */
#define KITTEN_ENOSYS 38
#define KITTEN_ECONNRESET 104  /* the peer went away during the call (after taking it) */
#define KITTEN_ETIMEDOUT 110

/* ---- messages ------------------------------------------------------------------------------------ */

/* A message as the wrappers below carry it: info word, badge (set by receive), the message words, and
 * the sender's process ID (set by receive and reply_receive). */
struct kitten_ipc_msg {
    uint64_t info;
    uint64_t badge;
    uint64_t w[KITTEN_IPC_WORDS];
    uint64_t sender_pid;
};

/*
 * The one register convention of the message-carrying calls: in RAX number, RDI handle, RSI info, RDX
 * timeout, RBX buffer, R10 capacity, MR0..MR5; out RAX result, RDI badge, RSI info, MR0..MR5, and for a
 * receive RDX the sender's PID.
 */
static inline long kitten_ipc_message_call(long number, long handle, struct kitten_ipc_msg *m, uint64_t timeout,
                                           void *buffer, uint64_t capacity)
{
    long result;
    register uint64_t r10 __asm__("r10") = capacity;
    register uint64_t r8 __asm__("r8") = m->w[0];
    register uint64_t r9 __asm__("r9") = m->w[1];
    register uint64_t r12 __asm__("r12") = m->w[2];
    register uint64_t r13 __asm__("r13") = m->w[3];
    register uint64_t r14 __asm__("r14") = m->w[4];
    register uint64_t r15 __asm__("r15") = m->w[5];
    uint64_t rdi = (uint64_t)handle, rsi = m->info, rdx = timeout;
    __asm__ volatile("syscall"
                     : "=a"(result), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r12), "+r"(r13),
                       "+r"(r14), "+r"(r15)
                     : "a"(number), "b"(buffer), "r"(r10)
                     : "rcx", "r11", "memory");
    m->info = rsi;
    m->badge = rdi;
    m->sender_pid = number == KITTEN_IPC_RECEIVE || number == KITTEN_IPC_REPLY_RECEIVE ? rdx : 0;
    m->w[0] = r8;
    m->w[1] = r9;
    m->w[2] = r12;
    m->w[3] = r13;
    m->w[4] = r14;
    m->w[5] = r15;
    return result;
}

/* Plain calls: up to three arguments in RDI, RSI, RDX; the result in RAX, a second output in RSI and a
 * third in RDI (for those calls that have them: WAIT, IDENTIFY). */
static inline long kitten_ipc_syscall3(long number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *out_rsi,
                                       uint64_t *out_rdi)
{
    long result;
    uint64_t rdi = a1, rsi = a2;
    __asm__ volatile("syscall"
                     : "=a"(result), "+D"(rdi), "+S"(rsi)
                     : "a"(number), "d"(a3)
                     : "rcx", "r11", "memory");
    if (out_rsi)
        *out_rsi = rsi;
    if (out_rdi)
        *out_rdi = rdi;
    return result;
}

/* Sends m (info, words) to the endpoint and waits for the reply, which replaces m (info, words); a long
 * part goes from buffer and the reply's comes back into it (capacity bytes). */
static inline long kitten_ipc_call(int endpoint, struct kitten_ipc_msg *m, uint64_t timeout, void *buffer,
                                   uint64_t capacity)
{
    return kitten_ipc_message_call(KITTEN_IPC_CALL, endpoint, m, timeout, buffer, capacity);
}

static inline long kitten_ipc_send(int endpoint, const struct kitten_ipc_msg *m, uint64_t timeout,
                                   const void *buffer)
{
    struct kitten_ipc_msg copy = *m;
    return kitten_ipc_message_call(KITTEN_IPC_SEND, endpoint, &copy, timeout, (void *)buffer, 0);
}

/* Waits for a message; m gets its info (KITTEN_IPC_INFO_CALL if a reply is expected), the sender's badge
 * and its words; a long part lands in buffer (capacity bytes). */
static inline long kitten_ipc_receive(int endpoint, struct kitten_ipc_msg *m, uint64_t timeout, void *buffer,
                                      uint64_t capacity)
{
    m->info = 0;
    return kitten_ipc_message_call(KITTEN_IPC_RECEIVE, endpoint, m, timeout, buffer, capacity);
}

/* Answers the call this thread holds (reply_handle 0) or a saved one. */
static inline long kitten_ipc_reply(int reply_handle, const struct kitten_ipc_msg *m, const void *buffer)
{
    struct kitten_ipc_msg copy = *m;
    return kitten_ipc_message_call(KITTEN_IPC_REPLY, reply_handle, &copy, 0, (void *)buffer, 0);
}

/* Answers the held call with m (if a call is held) and waits for the next message into m. */
static inline long kitten_ipc_reply_receive(int endpoint, struct kitten_ipc_msg *m, uint64_t timeout,
                                            void *buffer, uint64_t capacity)
{
    return kitten_ipc_message_call(KITTEN_IPC_REPLY_RECEIVE, endpoint, m, timeout, buffer, capacity);
}

static inline long kitten_ipc_save_reply(void) { return kitten_ipc_syscall3(KITTEN_IPC_SAVE_REPLY, 0, 0, 0, 0, 0); }

static inline long kitten_ipc_endpoint_create(void)
{
    return kitten_ipc_syscall3(KITTEN_IPC_ENDPOINT_CREATE, 0, 0, 0, 0, 0);
}

static inline long kitten_ipc_notification_create(void)
{
    return kitten_ipc_syscall3(KITTEN_IPC_NOTIFICATION_CREATE, 0, 0, 0, 0, 0);
}

static inline long kitten_ipc_close(int handle) { return kitten_ipc_syscall3(KITTEN_IPC_CLOSE, (uint64_t)handle, 0, 0, 0, 0); }

static inline long kitten_ipc_mint(int handle, unsigned rights_mask, uint64_t badge)
{
    return kitten_ipc_syscall3(KITTEN_IPC_MINT, (uint64_t)handle, rights_mask, badge, 0, 0);
}

/* Returns type | rights << 8 (or -errno); *badge gets the badge. */
static inline long kitten_ipc_identify(int handle, uint64_t *badge)
{
    return kitten_ipc_syscall3(KITTEN_IPC_IDENTIFY, (uint64_t)handle, 0, 0, 0, badge);
}

static inline long kitten_ipc_signal(int notification, uint64_t bits)
{
    return kitten_ipc_syscall3(KITTEN_IPC_SIGNAL, (uint64_t)notification, bits, 0, 0, 0);
}

/* Waits until the notification's word is non-zero; *bits gets it, and it is cleared. */
static inline long kitten_ipc_wait(int notification, uint64_t timeout, uint64_t *bits)
{
    return kitten_ipc_syscall3(KITTEN_IPC_WAIT, (uint64_t)notification, 0, timeout, bits, 0);
}

/* prot: PROT_READ (1) or PROT_READ|PROT_WRITE (3). */
static inline long kitten_ipc_grant_create(void *address, size_t length, int prot)
{
    return kitten_ipc_syscall3(KITTEN_IPC_GRANT_CREATE, (uint64_t)address, length, (uint64_t)prot, 0, 0);
}

/* Returns the address the grant is mapped at (cast it), or -errno. */
static inline long kitten_ipc_grant_map(int grant, int prot)
{
    return kitten_ipc_syscall3(KITTEN_IPC_GRANT_MAP, (uint64_t)grant, (uint64_t)prot, 0, 0, 0);
}

static inline long kitten_ipc_grant_unmap(int grant, void *address)
{
    return kitten_ipc_syscall3(KITTEN_IPC_GRANT_UNMAP, (uint64_t)grant, (uint64_t)address, 0, 0, 0);
}

static inline long kitten_ipc_grant_revoke(int grant)
{
    return kitten_ipc_syscall3(KITTEN_IPC_GRANT_REVOKE, (uint64_t)grant, 0, 0, 0, 0);
}

static inline long kitten_ipc_name_register(const char *name, size_t length, int endpoint)
{
    return kitten_ipc_syscall3(KITTEN_IPC_NAME_REGISTER, (uint64_t)name, length, (uint64_t)endpoint, 0, 0);
}

static inline long kitten_ipc_name_lookup(const char *name, size_t length, uint64_t timeout)
{
    return kitten_ipc_syscall3(KITTEN_IPC_NAME_LOOKUP, (uint64_t)name, length, timeout, 0, 0);
}

static inline long kitten_ipc_name_unregister(const char *name, size_t length)
{
    return kitten_ipc_syscall3(KITTEN_IPC_NAME_UNREGISTER, (uint64_t)name, length, 0, 0, 0);
}

/* The kernel's free-memory view (its layout: Services/MemoryManager/Core/FreeMemoryView.cs), rewritten now:
 * a new handle to a read-only grant of it (MAP_READ | TRANSFER), or -errno. */
static inline long kitten_memory_view(void) { return kitten_ipc_syscall3(KITTEN_MEMORY_VIEW, 0, 0, 0, 0, 0); }

#endif
