// Process start-up helpers in C: what Swift's Glibc module does not expose (glibc declares
// pipe2 and close_range only under _GNU_SOURCE, and defining that here would give this module a
// different fd_set than Glibc's, so we declare them ourselves), and a child that must run only
// async-signal-safe code between fork and exec.
#ifndef SORA_CSPAWN_SHIM_H
#define SORA_CSPAWN_SHIM_H
#include <fcntl.h>
#include <sys/resource.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/// A pipe whose both ends are close-on-exec (pipe2 is declared only under _GNU_SOURCE).
extern int pipe2(int pipefd[2], int flags);
static inline int sora_pipe_cloexec(int fds[2]) { return pipe2(fds, 02000000 /* O_CLOEXEC */); }

/// glibc >= 2.34 (declared only under _GNU_SOURCE).
extern int close_range(unsigned int first, unsigned int last, int flags);

/// Starts `path` detached, like posix_spawn with the setup below, but with fork: posix_spawn's
/// vfork holds the caller until the child has run up to its exec, and on a busy machine a new
/// process waits a whole scheduling period for a CPU (~15 ms here, per spawn, with the responder
/// blocked: most of a burst's first second). The child does only async-signal-safe calls:
/// `nice` (from its first instruction, dynamic loading included), default signal handling and
/// an empty mask, a new session, stdin from `stdin_fd` (or /dev/null), stdout and stderr
/// appended to `log_path`, every other descriptor closed (but `keep_fd`).
/// `keep_fd` (or -1) becomes the child's descriptor 3: how a held lock is handed over to it.
/// Returns the child's pid or -1; a failed exec ends the child with status 127.
static inline pid_t sora_fork_exec(const char *path, char *const argv[], char *const envp[],
                                   int stdin_fd, const char *log_path, int nice, int keep_fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    int keep = keep_fd >= 0 ? fcntl(keep_fd, F_DUPFD, 10) : -1;  // out of the way of 0-3
    setpriority(PRIO_PROCESS, 0, nice);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    int reset[] = { SIGCHLD, SIGPIPE, SIGHUP, SIGTERM, SIGINT };
    for (unsigned i = 0; i < sizeof reset / sizeof reset[0]; i++) sigaction(reset[i], &dfl, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    setsid();
    // With autogroup scheduling (on by default in most Linux kernels), setsid also puts the child
    // in a scheduling group of its own that weighs as much as a nice-0 process whatever the
    // child's own nice: fifty starting workers then outweigh two responders twenty-five to one.
    // The group gets the same nice (best effort: without autogroup there is no such file).
    int group = open("/proc/self/autogroup", O_WRONLY);
    if (group >= 0) {
        char text[4];
        int len = 0, n = nice < 0 ? 0 : nice > 19 ? 19 : nice;
        if (n >= 10) text[len++] = (char)('0' + n / 10);
        text[len++] = (char)('0' + n % 10);
        (void)!write(group, text, (size_t)len);
        close(group);
    }
    int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || log < 0 || dup2(in, 0) < 0 || dup2(log, 1) < 0 || dup2(1, 2) < 0) _exit(127);
    if (keep_fd >= 0 && (keep < 0 || dup2(keep, 3) < 0)) _exit(127);
    close_range(keep_fd >= 0 ? 4 : 3, ~0U, 0);
    execve(path, argv, envp);
    _exit(127);
}
#endif
