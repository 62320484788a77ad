#include "plots/gnuplot.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/diag.h"
#include "sim/interrupt.h"
#include "sim/mem.h"

const char *gnuplot_program(void)
{
    const char *p = getenv(GNUPLOT_ENV);

    return p && *p ? p : "gnuplot";
}

static int is_executable_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

int gnuplot_available(const char *prog)
{
    const char *path = getenv("PATH"), *p, *colon;
    char buf[4096];
    size_t dlen;

    if (!prog || !*prog)
        return 0;
    if (strchr(prog, '/'))
        return is_executable_file(prog);
    /* execvp's search: each $PATH entry in turn, an empty one meaning the
     * current directory. */
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (p = path;; p = colon + 1) {
        colon = strchr(p, ':');
        dlen = colon ? (size_t)(colon - p) : strlen(p);
        if (snprintf(buf, sizeof buf, "%.*s%s%s", (int)dlen, p,
                     dlen ? "/" : "", prog) < (int)sizeof buf &&
            is_executable_file(buf))
            return 1;
        if (!colon)
            return 0;
    }
}

/* Appends s to b single-quoted for sh: ' becomes '\''. */
static void sh_quote(FILE *b, const char *s)
{
    fputc('\'', b);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", b);
        else
            fputc(*s, b);
    }
    fputc('\'', b);
}

/* "exec 2>ERR; LC_ALL=C.UTF-8; export LC_ALL; cd DIR && exec PROG":
 * stderr is redirected first so that a failing cd or a missing program is
 * captured too.  The scripts are UTF-8 (degree signs, dashes) and their
 * data use '.' decimals, so gnuplot gets a UTF-8 C locale whatever the
 * user's: without one (LANG unset, as in a bare container) it warns
 * "iconv failed to convert", and a locale with ',' decimals would misread
 * the data.  glibc has built C.UTF-8 in since 2.35 (Debian 12). */
static char *gnuplot_command(const char *prog, const char *dir,
                             const char *errpath)
{
    char *cmd = NULL, *copy;
    size_t size = 0;
    FILE *b = open_memstream(&cmd, &size);

    if (!b)
        return NULL;
    fputs("exec 2>", b);
    sh_quote(b, errpath);
    fputs("; LC_ALL=" GNUPLOT_LOCALE "; export LC_ALL; cd ", b);
    sh_quote(b, dir);
    fputs(" && exec ", b);
    sh_quote(b, prog);
    if (fclose(b) != 0) {
        free(cmd);
        return NULL;
    }
    /* open_memstream's buffer comes from malloc; hand out a mem_ copy. */
    copy = mem_strdup(cmd);
    free(cmd);
    return copy;
}

static int read_messages(const char *path, struct gnuplot_run *r)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;

    r->messages = mem_alloc(GNUPLOT_MAX_MESSAGES + 1);
    if (!r->messages) {
        if (f)
            fclose(f);
        return SLM_ENOMEM;
    }
    if (f) {
        n = fread(r->messages, 1, GNUPLOT_MAX_MESSAGES, f);
        fclose(f);
    }
    r->messages[n] = '\0';
    return SLM_OK;
}

/* The wait status as an exit status: 128+n for signal n, as shells do. */
static int exit_of(int ws)
{
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws))
        return 128 + WTERMSIG(ws);
    return 1;
}

/* The shell running cmd, reading the script from the returned pipe, in
 * a process group of its own: a Ctrl-C or a kill of our group must not
 * reach gnuplot, whose own SIGINT handler can deadlock inside cairo and
 * leave us waiting for ever.  We stop it ourselves (gnuplot_wait).
 * Returns the child's pid, or -1 with errno set. */
static pid_t gnuplot_spawn(const char *cmd, FILE **to)
{
    extern char **environ;
    static char sh[] = "sh", dash_c[] = "-c";
    char *argv[] = {sh, dash_c, (char *)cmd, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    int fds[2], rc;
    pid_t pid = -1;

    if (pipe(fds) < 0)
        return -1;
    rc = posix_spawn_file_actions_init(&fa);
    if (!rc && !(rc = posix_spawnattr_init(&at))) {
        posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        posix_spawn_file_actions_addclose(&fa, fds[1]);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&at, 0);
        rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
        posix_spawnattr_destroy(&at);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(fds[0]);
    if (rc || !(*to = fdopen(fds[1], "w"))) {
        int e = rc ? rc : errno;
        close(fds[1]);
        if (!rc) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        errno = e;
        return -1;
    }
    return pid;
}

/* Waits for the child; when an interrupt arrives meanwhile, kills its
 * group outright (SIGKILL: its SIGTERM handling is no safer) so the
 * interrupted command can wind down.  0, or -1 with errno set. */
static int gnuplot_wait(pid_t pid, int *ws)
{
    int killed = 0;

    for (;;) {
        if (waitpid(pid, ws, 0) == pid)
            return 0;
        if (errno != EINTR)
            return -1;
        if (interrupt_pending() && !killed) {
            kill(-pid, SIGKILL);
            killed = 1;
        }
    }
}

int gnuplot_exec(const char *prog, const char *dir, const char *script,
                 struct gnuplot_run *r)
{
    char *errpath, *cmd = NULL, *abs = NULL;
    size_t len = strlen(dir) + 32;
    FILE *pipe = NULL;
    int fd, ws, st = SLM_OK;

    memset(r, 0, sizeof *r);
    /* Interrupted: start nothing new (sim/interrupt.h). */
    if (interrupt_pending())
        return SLM_EINTR;
    errpath = mem_alloc(len);
    if (!errpath)
        return SLM_ENOMEM;
    snprintf(errpath, len, "%s/.gnuplot-err.XXXXXX", dir);
    fd = mkstemp(errpath);
    if (fd < 0) {
        mem_free(errpath);
        return SLM_ESYS;
    }
    close(fd);
    /* The shell changes directory before it runs prog: a relative path
     * must be made absolute first. */
    if (strchr(prog, '/') && prog[0] != '/') {
        char cwd[4096];
        size_t n;
        if (getcwd(cwd, sizeof cwd)) {
            n = strlen(cwd) + strlen(prog) + 2;
            abs = mem_alloc(n);
            if (!abs) {
                st = SLM_ENOMEM;
                goto done;
            }
            snprintf(abs, n, "%s/%s", cwd, prog);
            prog = abs;
        }
    }
    cmd = gnuplot_command(prog, dir, errpath);
    if (!cmd) {
        st = SLM_ENOMEM;
        goto done;
    }
    fflush(NULL); /* nothing buffered of ours may reach the child twice */
    pid_t pid = gnuplot_spawn(cmd, &pipe);
    if (pid < 0) {
        st = errno == ENOMEM ? SLM_ENOMEM : SLM_ESYS;
        goto done;
    }
    /* A write error here is gnuplot gone early (EPIPE): its stderr and
     * exit status say why, so the status of the write is not the news. */
    fputs(script, pipe);
    fclose(pipe);
    if (gnuplot_wait(pid, &ws) < 0) {
        st = SLM_ESYS;
        goto done;
    }
    r->exit_status = exit_of(ws);
    r->missing = r->exit_status == 126 || r->exit_status == 127;
    st = read_messages(errpath, r);
done:
    if (st && !r->messages)
        r->messages = mem_strdup("");
    {
        int e = errno;
        unlink(errpath);
        errno = e;
    }
    mem_free(errpath);
    mem_free(cmd);
    mem_free(abs);
    return st;
}

void gnuplot_run_fini(struct gnuplot_run *r)
{
    mem_free(r->messages);
    r->messages = NULL;
}
