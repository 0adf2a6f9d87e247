/*
 * watchdog: terminates the JVM's live groups when the JVM dies without running its shutdown hooks
 * (kill -9, the OOM killer, a crash, Runtime.halt).
 *
 *   hygiene-helper watch GRACE_MS INFO REPORT
 *
 * The JVM starts it once, at its first isolated child, and writes a line on its stdin for each
 * group it starts and each group that is gone:
 *   +<TAB>PGID<TAB>LEADER_START<TAB>MARKER<TAB>COMMAND<TAB>STARTED_AT
 *   -<TAB>PGID<TAB>LEADER_START
 * When stdin reaches EOF (the JVM exited, or closed it after its own shutdown hook), or its parent
 * changes (the JVM died and something else still holds the pipe), every group still listed gets
 * the agent's escalation: SIGTERM and SIGCONT to the group and to its marked escapees, a wait of
 * at most GRACE_MS for them to be gone, then SIGKILL; then it exits, at most GRACE_MS + 1 s after.
 * With INFO 1 it reports each group on stderr; REPORT, unless "-", gets one JSON line per group.
 *
 * It calls setsid() first, so that signals aimed at the JVM's process group or terminal (Ctrl-C,
 * kill -- -PGID, a hangup) do not reach it. It starts no process, so it leaves no zombie. Last, it
 * removes the private directory it was extracted to.
 */
#define _GNU_SOURCE
#include "groups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct group {
    pid_t pgid;
    unsigned long long start;
    char *marker;
    char *command;
    char *started_at;
    int live;       /* members seen in the last scan */
    int signalled;  /* had members when the JVM died */
    int escapees;   /* marked members outside the group, at the first signal */
    int killed;
};

static struct group *groups;
static size_t ngroups, capacity;

static char *dup_field(const char *s) {
    char *d = strdup(s == NULL ? "" : s);
    return d == NULL ? (char *) "" : d;
}

static void track(char *line) {
    char *fields[6] = {0};
    int n = 0;
    for (char *f = line; n < 6; n++) {
        fields[n] = f;
        char *tab = strchr(f, '\t');
        if (tab == NULL) {
            n++;
            break;
        }
        *tab = '\0';
        f = tab + 1;
    }
    if (n < 3) return;
    pid_t pgid = (pid_t) atoi(fields[1]);
    unsigned long long start = strtoull(fields[2], NULL, 10);
    if (fields[0][0] == '-') {
        for (size_t i = 0; i < ngroups; i++) {
            if (groups[i].pgid == pgid && groups[i].start == start) {
                free(groups[i].marker);
                free(groups[i].command);
                free(groups[i].started_at);
                groups[i] = groups[--ngroups];
                return;
            }
        }
        return;
    }
    if (fields[0][0] != '+' || pgid <= 1) return;
    if (ngroups == capacity) {
        size_t cap = capacity ? 2 * capacity : 64;
        struct group *more = realloc(groups, cap * sizeof *more);
        if (more == NULL) return;
        groups = more;
        capacity = cap;
    }
    struct group *g = &groups[ngroups++];
    memset(g, 0, sizeof *g);
    g->pgid = pgid;
    g->start = start;
    g->marker = dup_field(n > 3 ? fields[3] : "");
    g->command = dup_field(n > 4 ? fields[4] : "");
    g->started_at = dup_field(n > 5 ? fields[5] : "");
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Counts each group's live members; with SIG, also signals them (the group as a whole, and with
 * MARKERS each marked escapee by pid). A group whose leader pid now belongs to another process
 * (start time differs) had its number reused: it is gone, never signalled. */
static int scan(int sig, int markers) {
    struct proc *all;
    size_t n = proc_all(&all);
    int busy = 0;
    for (size_t i = 0; i < ngroups; i++) {
        struct group *g = &groups[i];
        int reused = 0, live = 0, escapees = 0;
        for (size_t k = 0; k < n; k++) {
            if (all[k].pid == g->pgid && all[k].start != g->start) reused = 1;
        }
        for (size_t k = 0; k < n; k++) {
            if (!proc_alive(&all[k])) continue;
            if (!reused && all[k].pgrp == g->pgid) {
                live++;
            } else if (markers && g->marker[0] != '\0' && all[k].pid != getpid()
                       && proc_has_marker(all[k].pid, g->marker)) {
                escapees++;
                live++;
                if (sig) {
                    pid_kill(all[k].pid, sig);
                    if (sig == SIGTERM) pid_kill(all[k].pid, SIGCONT);
                }
            }
        }
        if (sig && !reused && live > escapees) {
            group_kill(g->pgid, sig);
            if (sig == SIGTERM) group_kill(g->pgid, SIGCONT);
        }
        if (sig == SIGTERM) {
            g->escapees = escapees;
            g->signalled = live > 0;
        }
        if (sig == SIGKILL && live > 0) g->killed = 1;
        g->live = live;
        if (live) busy++;
    }
    free(all);
    return busy;
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void report(int info, const char *path) {
    double uptime = 0;
    FILE *u = fopen("/proc/uptime", "r");
    if (u != NULL) {
        if (fscanf(u, "%lf", &uptime) != 1) uptime = 0;
        fclose(u);
    }
    long ticks = sysconf(_SC_CLK_TCK);
    FILE *out = (path != NULL && strcmp(path, "-") != 0) ? fopen(path, "a") : NULL;
    time_t t = time(NULL);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    for (size_t i = 0; i < ngroups; i++) {
        struct group *g = &groups[i];
        if (!g->signalled) continue;
        long long alive = ticks > 0 ? (long long) ((uptime - (double) g->start / ticks) * 1000) : -1;
        const char *sig = g->killed ? "SIGKILL" : "SIGTERM";
        if (info) {
            char escaped[64] = "";
            if (g->escapees) snprintf(escaped, sizeof escaped, ", with %d escaped members", g->escapees);
            fprintf(stderr, "process-hygiene: watchdog: the JVM died; terminated group %d (%s), alive %.1f s, %s%s%s%s\n",
                    (int) g->pgid, g->command, alive / 1000.0, g->killed ? "SIGKILL after the grace period" : "SIGTERM",
                    escaped, g->started_at[0] ? "; started at " : "", g->started_at);
        }
        if (out != NULL) {
            fprintf(out, "{\"time\":\"%s\",\"reason\":\"jvm-died\",\"pid\":%d,\"command\":", stamp, (int) g->pgid);
            json_string(out, g->command);
            fprintf(out, ",\"alive_ms\":%lld,\"signal\":\"%s\",\"escapees\":%d,\"started_at\":", alive, sig, g->escapees);
            json_string(out, g->started_at);
            fputs("}\n", out);
        }
    }
    if (out != NULL) fclose(out);
}

/* The escalation, for every group still listed. */
static void terminate_all(long grace_ms, int info, const char *report_path) {
    /* Only groups with members are reported. */
    if (scan(SIGTERM, 1) == 0) return;
    long long deadline = now_ms() + grace_ms;
    int busy = 1;
    while (busy && now_ms() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        busy = scan(0, 1) > 0;
    }
    if (busy) {
        scan(SIGKILL, 1);
        long long give_up = now_ms() + 1000;
        while (scan(0, 1) > 0 && now_ms() < give_up) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    report(info, report_path);
}

/* Removes the private directory the helper was extracted to (the JVM removes it at a normal exit;
 * after kill -9 nobody else would): only the helper itself and exec-failure reports, then the
 * directory, and only if it is one of ours by name. */
static void remove_own_directory(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = '\0';
    char *deleted = strstr(exe, " (deleted)");
    if (deleted != NULL) *deleted = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL || strcmp(slash + 1, "hygiene-helper") != 0) return;
    *slash = '\0';
    const char *base = strrchr(exe, '/');
    if (base == NULL || strncmp(base + 1, "process-hygiene-", 16) != 0) return;
    DIR *d = opendir(exe);
    if (d == NULL) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, "hygiene-helper") == 0 || strncmp(e->d_name, "exec-failed.", 12) == 0) {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    closedir(d);
    rmdir(exe);
}

int run_watch(int argc, char **argv) {
    /* argv: watch GRACE_MS INFO REPORT */
    if (argc < 4) {
        fprintf(stderr, "usage: hygiene-helper watch GRACE_MS INFO REPORT\n");
        return 2;
    }
    long grace_ms = atol(argv[1]);
    int info = atoi(argv[2]);
    const char *report_path = argv[3];
    if (setsid() < 0) fprintf(stderr, "hygiene-helper: watch: setsid: %s\n", strerror(errno));
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    pid_t parent = getppid();

    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) return 1;
    for (;;) {
        struct pollfd p = {0, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR) break;
        if (getppid() != parent) break; /* the JVM is gone, whoever holds the pipe */
        if (r <= 0) continue;
        if (len == cap) {
            char *more = realloc(buf, 2 * cap);
            if (more == NULL) break;
            buf = more;
            cap *= 2;
        }
        ssize_t got = read(0, buf + len, cap - len);
        if (got <= 0) break; /* EOF: the JVM exited or closed it */
        len += (size_t) got;
        char *start = buf, *nl;
        while ((nl = memchr(start, '\n', (size_t) (buf + len - start))) != NULL) {
            *nl = '\0';
            track(start);
            start = nl + 1;
        }
        len -= (size_t) (start - buf);
        memmove(buf, start, len);
    }
    free(buf);
    terminate_all(grace_ms, info, report_path);
    remove_own_directory();
    return 0;
}
