/* cgroup: what the watchdog reads and writes in a cgroup v2 directory. */
#define _GNU_SOURCE
#include "cgroup.h"
#include "number.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* DIR/NAME into PATH; -1 (ENAMETOOLONG) if it does not fit. */
static int file_in(char *path, size_t size, const char *dir, const char *name) {
    int n = snprintf(path, size, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* The whole of DIR/NAME, NUL-terminated (malloc'd), or NULL with errno. */
static char *read_all(const char *dir, const char *name, size_t *length) {
    char path[4096];
    if (file_in(path, sizeof path, dir, name) != 0) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        if (len == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (more == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int err = errno;
            free(buf);
            close(fd); /* only read from: close cannot lose anything */
            errno = err;
            return NULL;
        }
        if (r == 0) break;
        len += (size_t) r;
    }
    int err = errno;
    close(fd); /* as above */
    errno = err;
    if (buf == NULL) return NULL; /* errno: ENOMEM */
    buf[len] = '\0';
    if (length != NULL) *length = len;
    return buf;
}

long cgroup_procs(const char *dir, pid_t **out) {
    *out = NULL;
    size_t len;
    char *text = read_all(dir, "cgroup.procs", &len);
    if (text == NULL) return -1;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) if (text[i] == '\n') lines++;
    pid_t *pids = lines == 0 ? NULL : malloc(lines * sizeof *pids);
    if (lines > 0 && pids == NULL) {
        free(text);
        errno = ENOMEM;
        return -1;
    }
    long n = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        unsigned long long v;
        if (parse_number(line, 0x7fffffffULL, &v) == 0 && v > 0 && (size_t) n < lines) pids[n++] = (pid_t) v;
    }
    free(text);
    *out = pids;
    return n;
}

int cgroup_populated(const char *dir) {
    char *text = read_all(dir, "cgroup.events", NULL);
    if (text == NULL) return errno == ENOENT ? 0 : -1;
    int populated = -1;
    for (char *line = text; line != NULL && *line != '\0'; ) {
        char *nl = strchr(line, '\n');
        if (nl != NULL) *nl = '\0';
        if (strcmp(line, "populated 1") == 0) populated = 1;
        else if (strcmp(line, "populated 0") == 0) populated = 0;
        line = nl == NULL ? NULL : nl + 1;
    }
    free(text);
    if (populated < 0) errno = EINVAL; /* no populated line: not a cgroup v2 directory */
    return populated;
}

int cgroup_kill(const char *dir) {
    char path[4096];
    if (file_in(path, sizeof path, dir, "cgroup.kill") != 0) return -1;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t w;
    do w = write(fd, "1", 1); while (w < 0 && errno == EINTR);
    int err = errno;
    if (close(fd) != 0 && w == 1) return -1;
    errno = err;
    return w == 1 ? 0 : -1;
}
