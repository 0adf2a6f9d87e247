/* groups_file: the JVM's list of live groups for the watchdog, read once the JVM has died. */
#define _GNU_SOURCE
#include "groups_file.h"
#include "number.h"
#include "protocol.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 10


/* Splits LINE at each TAB; returns the number of fields, or MAX_FIELDS + 1 if there are more. */
static int split(char *line, char **fields) {
    int n = 0;
    for (char *f = line;; ) {
        if (n == MAX_FIELDS) return MAX_FIELDS + 1;
        fields[n++] = f;
        char *tab = strchr(f, '\t');
        if (tab == NULL) return n;
        *tab = '\0';
        f = tab + 1;
    }
}

static int add_group(struct groups_file *gf, pid_t pgid, unsigned long long start, char **fields, long grace_ms,
                     int stop_signal, int leader_first) {
    if (gf->ngroups == gf->capacity) {
        size_t cap = gf->capacity ? 2 * gf->capacity : 64;
        struct group *more = realloc(gf->groups, cap * sizeof *more);
        if (more == NULL) return -1;
        gf->groups = more;
        gf->capacity = cap;
    }
    struct group g;
    memset(&g, 0, sizeof g);
    g.pgid = pgid;
    g.start = start;
    g.marker = strdup(fields[3]);
    g.cgroup = strdup(fields[4]);
    g.command = strdup(fields[5]);
    g.started_at = strdup(fields[6]);
    g.grace_ms = grace_ms;
    g.stop_signal = stop_signal;
    g.leader_first = leader_first;
    g.members = -1;
    if (g.marker == NULL || g.cgroup == NULL || g.command == NULL || g.started_at == NULL) {
        free(g.marker);
        free(g.cgroup);
        free(g.command);
        free(g.started_at);
        return -1;
    }
    gf->groups[gf->ngroups++] = g;
    return 0;
}

static void remove_group(struct groups_file *gf, pid_t pgid, unsigned long long start) {
    for (size_t i = 0; i < gf->ngroups; i++) {
        struct group *g = &gf->groups[i];
        if (g->pgid != pgid || g->start != start) continue;
        free(g->marker);
        free(g->cgroup);
        free(g->command);
        free(g->started_at);
        /* Keep the order: the report lists groups in the order they were started. */
        memmove(g, g + 1, (gf->ngroups - i - 1) * sizeof *g);
        gf->ngroups--;
        return;
    }
}

static struct group *find_group(struct groups_file *gf, pid_t pgid, unsigned long long start) {
    for (size_t i = 0; i < gf->ngroups; i++) {
        if (gf->groups[i].pgid == pgid && gf->groups[i].start == start) return &gf->groups[i];
    }
    return NULL;
}

/* An H line's fields after PGID and LEADER_START, into the group it names (none: the line is
 * ignored, as for a group gone already); 0, or -1 if it does not parse. */
static int hand_off(struct groups_file *gf, pid_t pgid, unsigned long long start, char **fields) {
    unsigned long long at_ns, members, rss, escapees;
    int stage;
    if (parse_number(fields[3], ~0ULL, &at_ns) != 0) return -1;
    if (strcmp(fields[4], STAGE_NONE) == 0) stage = HANDED_NONE;
    else if (strcmp(fields[4], STAGE_LEADER) == 0) stage = HANDED_LEADER;
    else if (strcmp(fields[4], STAGE_GROUP) == 0) stage = HANDED_GROUP;
    else if (strcmp(fields[4], STAGE_ALL) == 0) stage = HANDED_ALL;
    else return -1;
    int counted = strcmp(fields[5], "-1") != 0;
    if (counted && parse_number(fields[5], 0x7fffffffULL, &members) != 0) return -1;
    if (parse_number(fields[6], ~0ULL, &rss) != 0 || parse_number(fields[7], 0x7fffffffULL, &escapees) != 0) return -1;
    struct group *g = find_group(gf, pgid, start);
    if (g == NULL) return 0;
    g->handed_off = 1;
    g->signalled_at_ms = (long long) (at_ns / 1000000);
    g->stage = stage;
    g->members = counted ? (long) members : -1;
    g->rss_bytes = rss;
    g->escapees = (int) escapees;
    return 0;
}

static int add_removal(struct groups_file *gf, const char *path) {
    if (gf->nremovals == gf->rcapacity) {
        size_t cap = gf->rcapacity ? 2 * gf->rcapacity : 4;
        char **more = realloc(gf->removals, cap * sizeof *more);
        if (more == NULL) return -1;
        gf->removals = more;
        gf->rcapacity = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL) return -1;
    gf->removals[gf->nremovals++] = copy;
    return 0;
}

/* Applies one line (without its '\n'): 0, -1 if it does not parse, -2 if out of memory. */
static int apply(struct groups_file *gf, char *line) {
    char *fields[MAX_FIELDS];
    int n = split(line, fields);
    unsigned long long pgid, start;
    if (strcmp(fields[0], TAG_REMOVE) == 0) {
        if (n != 2 || fields[1][0] != '/') return -1;
        return add_removal(gf, fields[1]) == 0 ? 0 : -2;
    }
    int live = strcmp(fields[0], TAG_LIVE) == 0;
    int handed = strcmp(fields[0], TAG_HANDED_OFF) == 0;
    if (!live && !handed && strcmp(fields[0], TAG_GONE) != 0) return -1;
    if (n != (live ? 10 : handed ? 8 : 3)) return -1;
    /* Group numbers 0 and 1 are never ours to signal (kill(0) is our group, kill(-1) everyone). */
    if (parse_number(fields[1], 0x7fffffffULL, &pgid) != 0 || pgid <= 1) return -1;
    if (parse_number(fields[2], ~0ULL, &start) != 0) return -1;
    if (handed) return hand_off(gf, (pid_t) pgid, start, fields);
    if (!live) {
        remove_group(gf, (pid_t) pgid, start);
        return 0;
    }
    if (fields[4][0] != '\0' && fields[4][0] != '/') return -1; /* CGROUP: "" or absolute */
    unsigned long long grace_ms;
    if (parse_number(fields[7], 24ULL * 3600 * 1000, &grace_ms) != 0) return -1;
    int stop_signal = signal_number(fields[8]);
    if (stop_signal == 0 || stop_signal == SIGKILL) return -1;
    int leader_first;
    if (strcmp(fields[9], MODE_GROUP) == 0) leader_first = 0;
    else if (strcmp(fields[9], MODE_LEADER_FIRST) == 0) leader_first = 1;
    else return -1;
    return add_group(gf, (pid_t) pgid, start, fields, (long) grace_ms, stop_signal, leader_first) == 0 ? 0 : -2;
}

int groups_file_read(const char *path, struct groups_file *out) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    /* Written by the JVM, running as our user, in a directory of mode 0700: a file of anyone else,
     * or one others may write, is not trusted with the power to have groups signalled. */
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd); /* only read from: close cannot lose anything */
        errno = err;
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        close(fd); /* as above */
        errno = EPERM;
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    int err = 0;
    while (buf != NULL) {
        if (len == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (more == NULL) {
                err = errno;
                break;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            err = errno;
            break;
        }
        if (r == 0) break;
        len += (size_t) r;
    }
    if (buf == NULL) err = errno;
    close(fd); /* as above */
    if (err != 0) {
        free(buf);
        errno = err;
        return -1;
    }
    buf[len] = '\0';
    long number = 0;
    for (char *line = buf; line < buf + len; ) {
        number++;
        char *nl = memchr(line, '\n', (size_t) (buf + len - line));
        if (nl == NULL) {
            /* The JVM died in the middle of a write: a line cut short is not trusted. */
            fprintf(stderr, "hygiene-helper: watch: %s line %ld: skipped, cut short\n", path, number);
            break;
        }
        *nl = '\0';
        int r = memchr(line, '\0', (size_t) (nl - line)) != NULL ? -1 : apply(out, line);
        if (r == -1) fprintf(stderr, "hygiene-helper: watch: %s line %ld: skipped, it does not parse\n", path, number);
        else if (r == -2) fprintf(stderr, "hygiene-helper: watch: %s line %ld: skipped: %s\n", path, number, strerror(ENOMEM));
        line = nl + 1;
    }
    free(buf);
    return 0;
}
