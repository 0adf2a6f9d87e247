/* report: see report.h. */
#define _GNU_SOURCE
#include "report.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int report_write(const char *dir, const char *prefix, const char *text, size_t len) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s%d", dir, prefix, (int) getpid());
    if (n < 0 || (size_t) n >= sizeof path) return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    int ok = write(fd, text, len) == (ssize_t) len;
    if (close(fd) != 0) ok = 0;
    return ok ? 0 : -1;
}
