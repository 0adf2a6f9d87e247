/*
 * descriptors: closing every descriptor from one number up, for a child about to exec (the spawn
 * mode's, jdk_child.c) and for the watchdog's start (watch_start.c): close_range(2) (Linux 5.9) in
 * one call, else as the JDK does: each one /proc/self/fd lists, else each number up to the limit.
 */
#define _GNU_SOURCE
#include "descriptors.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, first, ~0U, 0) == 0) return 0;
#endif
    DIR *d = opendir("/proc/self/fd");
    if (d != NULL) {
        int own = dirfd(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            long fd = strtol(e->d_name, NULL, 10);
            if (fd >= first && fd != own) close((int) fd); /* listed a moment ago: it is open */
        }
        closedir(d); /* only read from */
        return 0;
    }
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < max; fd++) {
        if (close((int) fd) == -1 && errno != EBADF) return -1;
    }
    return 0;
}
