/* cgroup_enter: see cgroup_enter.h. */
#define _GNU_SOURCE
#include "cgroup_enter.h"
#include "report.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cgroup_enter(const char *dir, const char **call) {
    char procs[4096];
    int n = snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
    if (n < 0 || (size_t) n >= sizeof procs) {
        *call = "snprintf";
        errno = ENAMETOOLONG;
        return -1;
    }
    if (mkdir(dir, 0755) != 0) {
        /* EEXIST included: a directory we did not make is not ours to enter, nor to remove. */
        *call = "mkdir";
        return -1;
    }
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        *call = "open";
    } else if (write(fd, "0", 1) != 1) {
        *call = "write";
        int err = errno;
        close(fd); /* the write failed already: its errno is the one that says why */
        errno = err;
        fd = -1;
    } else if (close(fd) != 0) {
        /* cgroupfs reports a failed move at write(); a failing close still leaves us unsure. */
        *call = "close";
        fd = -1;
    } else {
        return 0;
    }
    int err = errno;
    /* Empty (we never entered it), so rmdir succeeds; if it does not, the agent still reads the
     * truth from /proc/PID/cgroup, and the exec mode stays silent (the child's stderr is the
     * application's). */
    rmdir(dir);
    errno = err;
    return -1;
}

int cgroup_report_failure(const char *report_dir, const char *dir, const char *call, int err) {
    char text[4200];
    int len = snprintf(text, sizeof text, "%s %s: %s\n", call, dir, strerror(err));
    if (len < 0) len = 0;
    if ((size_t) len >= sizeof text) len = (int) sizeof text - 1;
    return report_write(report_dir, CGROUP_FAILED_PREFIX, text, (size_t) len);
}
