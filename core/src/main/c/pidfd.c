/* pidfd: signals to one process that cannot reach another process that got its pid number. */
#define _GNU_SOURCE
#include "pidfd.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int pidfd_open_pid(pid_t pid) {
    return (int) syscall(SYS_pidfd_open, pid, 0);
}

int proc_signal(pid_t pid, unsigned long long start, int sig, const char **call) {
    *call = "pidfd_open";
    if (pid <= 1 || pid == getpid()) {
        /* Never reached through send_to_process, which refuses these first, naming why. */
        errno = EPERM;
        return -1;
    }
    int fd = pidfd_open_pid(pid);
    if (fd < 0) {
        if (errno == ESRCH) return 1;
        if (errno != ENOSYS) return -1;
    }
    /* The descriptor is bound to whatever process had the number at pidfd_open: if that is the
     * process that started at START, the descriptor is its. A stat that cannot be read means the
     * process is gone (ENOENT, ESRCH); short of descriptors or memory, not signalling is the safe
     * side of the doubt. */
    struct proc p;
    if (proc_read(pid, &p) != 0 || p.start != start) {
        if (fd >= 0) close(fd); /* a pidfd only read from: close cannot lose anything */
        return 1;
    }
    int r, err;
    if (fd >= 0) {
        *call = "pidfd_send_signal";
        r = (int) syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
        err = errno;
        close(fd); /* as above */
    } else {
        *call = "kill";
        r = kill(pid, sig);
        err = errno;
    }
    if (r == 0) return 0;
    errno = err;
    return err == ESRCH ? 1 : -1;
}
