/* pidfd: signals to one process that cannot reach another process that got its pid number. */
#define _GNU_SOURCE
#include "pidfd.h"
#include "groups.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int pidfd_open_pid(pid_t pid) {
    return (int) syscall(SYS_pidfd_open, pid, 0);
}

int proc_signal(pid_t pid, unsigned long long start, int sig) {
    if (pid <= 1 || pid == getpid()) {
        errno = EPERM;
        return -1;
    }
    int fd = pidfd_open_pid(pid);
    if (fd < 0) {
        if (errno == ESRCH) return 1;
        if (errno != ENOSYS) return -1;
    }
    /* The descriptor is bound to whatever process had the number at pidfd_open: if that is the
     * process that started at START, the descriptor is its. */
    struct proc p;
    if (proc_read(pid, &p) != 0 || p.start != start) {
        if (fd >= 0) close(fd);
        return 1;
    }
    int r, err;
    if (fd >= 0) {
        r = (int) syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
        err = errno;
        close(fd);
    } else {
        r = kill(pid, sig);
        err = errno;
    }
    if (r == 0) return 0;
    errno = err;
    return err == ESRCH ? 1 : -1;
}
