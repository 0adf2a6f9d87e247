/* proc: what /proc says about processes and their groups. */
#define _GNU_SOURCE
#include "proc.h"
#include "number.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads /proc/NAME into BUF (SIZE bytes, NUL-terminated): its length, or -1 with errno. */
static ssize_t read_small(const char *name, char *buf, size_t size) {
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, size - 1);
    int err = errno;
    close(fd); /* only read from: close cannot lose anything */
    if (n < 0) {
        errno = err;
        return -1;
    }
    buf[n] = '\0';
    return n;
}

/* The fields of /proc/PID/stat from the state on (field 3): the fields it counts. */
#define STAT_FIELDS 20
#define STAT_STATE 0
#define STAT_PGRP 2
#define STAT_START 19 /* field 22, starttime */

int proc_read(pid_t pid, struct proc *out) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    if (read_small(path, buf, sizeof buf) < 0) return -1;
    /* The command name may hold spaces and parentheses: count fields from the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ') {
        errno = EINVAL;
        return -1;
    }
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
     * cstime priority nice num_threads itrealvalue starttime, each followed by one space (more
     * fields follow starttime). */
    char *field[STAT_FIELDS];
    p += 2;
    for (int k = 0; k < STAT_FIELDS; k++) {
        char *space = strchr(p, ' ');
        if (space == NULL) {
            errno = EINVAL;
            return -1;
        }
        *space = '\0';
        field[k] = p;
        p = space + 1;
    }
    unsigned long long pgrp, start;
    if (field[STAT_STATE][0] == '\0' || field[STAT_STATE][1] != '\0'
        || parse_number(field[STAT_PGRP], 0x7fffffffULL, &pgrp) != 0
        || parse_number(field[STAT_START], ~0ULL, &start) != 0) {
        errno = EINVAL;
        return -1;
    }
    out->pid = pid;
    out->pgrp = (pid_t) pgrp;
    out->state = field[STAT_STATE][0];
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
        fprintf(stderr, "hygiene-helper: malloc(%zu): %s\n", cap * sizeof *all, strerror(errno));
        return 0;
    }
    DIR *d = opendir("/proc");
    if (d == NULL) {
        fprintf(stderr, "hygiene-helper: opendir(/proc): %s\n", strerror(errno));
        return 0;
    }
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        unsigned long long pid;
        /* Not a number: not a process (self, sys, ...). */
        if (parse_number(e->d_name, 0x7fffffffULL, &pid) != 0 || pid == 0) continue;
        if (n == cap) {
            struct proc *more = realloc(all, 2 * cap * sizeof *all);
            if (more == NULL) {
                /* What was read so far is still a valid (partial) answer. */
                fprintf(stderr, "hygiene-helper: realloc(%zu): %s\n", 2 * cap * sizeof *all, strerror(errno));
                errno = 0;
                break;
            }
            all = more;
            cap *= 2;
        }
        /* Unreadable: gone since readdir (ENOENT, ESRCH), so not a process to count. */
        if (proc_read((pid_t) pid, &all[n]) == 0) n++;
        errno = 0;
    }
    /* What was read so far is still a valid (partial) answer. */
    if (errno != 0) fprintf(stderr, "hygiene-helper: readdir(/proc): %s\n", strerror(errno));
    closedir(d); /* only read from: close cannot lose anything */
    *out = all;
    return n;
}

char *proc_marker(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int) pid);
    /* Not ours to read (EACCES: another user's process) or gone (ENOENT): not marked as ours. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        fprintf(stderr, "hygiene-helper: malloc(%zu): %s\n", cap + 1, strerror(errno));
        close(fd); /* only read from: close cannot lose anything */
        return NULL;
    }
    for (;;) {
        if (len == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (more == NULL) {
                /* What was read so far is searched. */
                fprintf(stderr, "hygiene-helper: realloc(%zu): %s\n", 2 * cap + 1, strerror(errno));
                break;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        /* r < 0: the process exited meanwhile (ESRCH), or it was not ours to read after all; what
         * was read is searched, as for a process that had no more. No handler is installed, so
         * there is no EINTR. */
        if (r <= 0) break;
        len += (size_t) r;
    }
    close(fd); /* as above */
    buf[len] = '\0';
    char *found = NULL;
    size_t var = strlen(MARKER_VAR);
    for (size_t i = 0; i < len && found == NULL; i += strlen(buf + i) + 1) {
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
        if (last != NULL) {
            found = strndup(last, last_len);
            if (found == NULL) fprintf(stderr, "hygiene-helper: strndup(%zu): %s\n", last_len, strerror(errno));
        }
    }
    free(buf);
    return found;
}

int proc_has_marker(pid_t pid, const char *marker) {
    char *m = proc_marker(pid);
    int found = m != NULL && strcmp(m, marker) == 0;
    free(m);
    return found;
}

int proc_uptime_ms(long long *ms) {
    char buf[128];
    if (read_small("/proc/uptime", buf, sizeof buf) < 0) return -1;
    /* "SECONDS.FRACTION IDLE\n", the fraction in hundredths. */
    char *end = buf + strcspn(buf, " \n");
    *end = '\0';
    char *dot = strchr(buf, '.');
    const char *fraction = "";
    if (dot != NULL) {
        *dot = '\0';
        fraction = dot + 1;
    }
    unsigned long long seconds, thousandths = 0;
    if (parse_number(buf, 1ULL << 40, &seconds) != 0) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        char c = fraction[0] == '\0' ? '0' : *fraction++;
        if (c < '0' || c > '9') {
            errno = EINVAL;
            return -1;
        }
        thousandths = thousandths * 10 + (unsigned long long) (c - '0');
    }
    for (; *fraction != '\0'; fraction++) {
        if (*fraction < '0' || *fraction > '9') {
            errno = EINVAL;
            return -1;
        }
    }
    *ms = (long long) (seconds * 1000 + thousandths);
    return 0;
}
