// posix_spawn extensions that Swift's Glibc module does not expose (glibc declares them only
// under _GNU_SOURCE, and defining that here would give this module a different fd_set than
// Glibc's — so we declare the two glibc symbols ourselves).
#ifndef SORA_CSPAWN_SHIM_H
#define SORA_CSPAWN_SHIM_H
#include <spawn.h>

/// glibc >= 2.34: close every descriptor >= lowfd in the child, so the FastCGI listen socket
/// and the request socket never reach a worker.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int lowfd);

static inline int sora_spawn_addclosefrom(posix_spawn_file_actions_t *fa, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np(fa, lowfd);
}

/// A pipe whose both ends are close-on-exec (pipe2 is declared only under _GNU_SOURCE).
extern int pipe2(int pipefd[2], int flags);
static inline int sora_pipe_cloexec(int fds[2]) { return pipe2(fds, 02000000 /* O_CLOEXEC */); }

/// POSIX_SPAWN_SETSID (glibc's value, stable since 2.26): the worker gets its own session.
static inline short sora_spawn_setsid_flag(void) { return 0x80; }
#endif
