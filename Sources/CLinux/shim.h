// Linux calls that Swift's Glibc module does not expose: glibc declares them only under
// _GNU_SOURCE, and defining that here would give this module other types than Glibc's.
#ifndef SORA_CLINUX_SHIM_H
#define SORA_CLINUX_SHIM_H
#include <sys/types.h>

/// Reads a directory's entries (struct linux_dirent64) into `buf`, as many as fit (glibc >= 2.30).
extern ssize_t getdents64(int fd, void *buf, size_t count);

#endif
