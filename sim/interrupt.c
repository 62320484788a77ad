#include "sim/interrupt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* volatile sig_atomic_t: the only type C lets a handler write. */
static volatile sig_atomic_t interrupt_sig;
/* Set once stdout has met EPIPE; written outside handlers only. */
static int interrupt_epipe;

static void interrupt_handler(int sig)
{
    interrupt_sig = sig;
}

void interrupt_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = interrupt_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int interrupt_pending(void)
{
    return (int)interrupt_sig;
}

int interrupt_exit_status(void)
{
    return interrupt_sig ? 128 + (int)interrupt_sig : 0;
}

void interrupt_raise(int sig)
{
    interrupt_sig = (sig_atomic_t)sig;
}

int interrupt_stdout_closed(void)
{
    /* With SIGPIPE ignored a write to a closed pipe fails with EPIPE; the
     * flush here makes a buffered tail meet it too. */
    if (!interrupt_epipe && (fflush(stdout) == EOF || ferror(stdout)) &&
        errno == EPIPE)
        interrupt_epipe = 1;
    return interrupt_epipe;
}
