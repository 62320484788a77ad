/*
 * status: the status codes every module returns.
 *
 * One vocabulary for the whole program: 0 is success, and each failure
 * says whose it is, so that main maps it to an exit status without
 * guessing (STYLE.md section 4):
 *   SLM_EINPUT  the user's input is wrong, already reported through a
 *               struct diag at its file:line:column: exit 2
 *   SLM_ESYS    a system call failed, errno holds the reason (main prints
 *               operation, file and strerror): exit 1
 *   SLM_ENOMEM  an allocation failed where it was made (sim/mem.h also
 *               counts every failed allocation, mem_failures): exit 1
 *   SLM_ENUM    a numerical failure (GSL status, a non-finite result): 1
 *   SLM_ELIMIT  a documented limit (docs/limits.md) was reached: 1
 *   SLM_EINTR   stopped by SIGINT/SIGTERM: 128 + the signal
 * The values are fixed (they appear in tests); new codes go at the end.
 * A module-internal result with more than two outcomes gets its own enum
 * (units_status, the cfg getters' CFG_GOT_*), never a bare -1 or -2.
 */
#ifndef SLM_STATUS_H
#define SLM_STATUS_H

enum slm_status {
    SLM_OK = 0,
    SLM_EINPUT = 2, /* the user's input is wrong: already reported in diag */
    SLM_ESYS = 3,   /* a system call failed: errno holds the reason */
    SLM_ENOMEM = 4, /* out of memory */
    SLM_ENUM = 5,   /* numerical failure (GSL status, non-finite result) */
    SLM_ELIMIT = 6, /* a documented limit (docs/limits.md) was reached */
    SLM_EINTR = 7   /* stopped by SIGINT/SIGTERM (sim/interrupt.h) */
};

#endif
