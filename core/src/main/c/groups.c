/* groups: what /proc says about processes and their groups. */
#define _GNU_SOURCE
#include "groups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int proc_read(pid_t pid, struct proc *out) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: count fields from the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] == '\0') return -1;
    p += 2;
    char state;
    int ppid, pgrp;
    unsigned long long start;
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
     * cstime priority nice num_threads itrealvalue starttime */
    if (sscanf(p, "%c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &state, &ppid, &pgrp, &start) != 4) {
        return -1;
    }
    out->pid = pid;
    out->pgrp = pgrp;
    out->state = state;
    out->start = start;
    return 0;
}

int proc_alive(const struct proc *p) {
    return p->state != 'Z' && p->state != 'X';
}

size_t proc_all(struct proc **out) {
    size_t n = 0, cap = 256;
    struct proc *all = malloc(cap * sizeof *all);
    *out = all;
    if (all == NULL) {
        fprintf(stderr, "hygiene-helper: malloc: %s\n", strerror(errno));
        return 0;
    }
    DIR *d = opendir("/proc");
    if (d == NULL) {
        fprintf(stderr, "hygiene-helper: opendir /proc: %s\n", strerror(errno));
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end = NULL;
        errno = 0;
        long pid = strtol(e->d_name, &end, 10);
        if (errno != 0 || end == e->d_name || *end != '\0' || pid <= 0 || pid > 0x7fffffffL) continue;
        if (n == cap) {
            struct proc *more = realloc(all, 2 * cap * sizeof *all);
            if (more == NULL) {
                /* What was read so far is still a valid (partial) answer. */
                fprintf(stderr, "hygiene-helper: realloc: %s\n", strerror(errno));
                break;
            }
            all = more;
            cap *= 2;
        }
        if (proc_read((pid_t) pid, &all[n]) == 0) n++;
    }
    closedir(d);
    *out = all;
    return n;
}

int proc_has_marker(pid_t pid, const char *marker) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int) pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        fprintf(stderr, "hygiene-helper: malloc: %s\n", strerror(errno));
        close(fd);
        return 0;
    }
    for (;;) {
        if (len == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (more == NULL) {
                fprintf(stderr, "hygiene-helper: realloc: %s\n", strerror(errno));
                break;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r <= 0) break;
        len += (size_t) r;
    }
    close(fd);
    buf[len] = '\0';
    int found = 0;
    size_t var = strlen(MARKER_VAR), mlen = strlen(marker);
    for (size_t i = 0; i < len && !found; i += strlen(buf + i) + 1) {
        const char *entry = buf + i;
        if (strncmp(entry, MARKER_VAR, var) != 0 || entry[var] != '=') continue;
        /* A space-separated list, outermost JVM first: the process belongs to the last one (a
         * nested JVM terminates its own tree), so only the last token counts. */
        const char *last = NULL;
        size_t last_len = 0;
        for (const char *t = entry + var + 1; *t != '\0'; ) {
            size_t tl = strcspn(t, " ");
            if (tl > 0) {
                last = t;
                last_len = tl;
            }
            t += tl;
            while (*t == ' ') t++;
        }
        found = last != NULL && last_len == mlen && strncmp(last, marker, mlen) == 0;
    }
    free(buf);
    return found;
}
