// posix_spawn helpers that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#ifndef SORA_CSPAWN_SHIM_H
#define SORA_CSPAWN_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <spawn.h>
#include <sys/file.h>

/// Close every descriptor >= lowfd in the child (glibc >= 2.34), so the FastCGI listen
/// socket (fd 0 under spawn-fcgi) and the request socket never reach a worker.
static inline int sora_spawn_addclosefrom(posix_spawn_file_actions_t *fa, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np(fa, lowfd);
}

/// POSIX_SPAWN_SETSID: the worker gets its own session and survives its parent's group.
static inline short sora_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }
#endif
