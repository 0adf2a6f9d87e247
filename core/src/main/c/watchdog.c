/*
 * watchdog: terminates the JVM's live groups when the JVM dies without running its shutdown hooks
 * (kill -9, the OOM killer, a crash, Runtime.halt).
 *
 *   hygiene-helper watch INFO REPORT JVM_PID JVM_START GROUPS
 *
 * The JVM starts it once, at its first isolated child (or the spawn mode of that child does, see
 * watch_start.c), with stdin and stdout on /dev/null (no pipe between them). It forks once: the
 * first process exits 0 as soon as the second is set up (or 1 if that failed, which the second says
 * on stderr), so that the JVM (or that child) reaps it before the application's start() returns,
 * and the JVM never sees the watchdog among its children. The second calls
 * setsid(), so that signals aimed at the JVM's process group or terminal (Ctrl-C, kill -- -PGID,
 * a hangup) do not reach it, and watches the JVM by pid: pidfd_open(JVM_PID), then the start time
 * in /proc/JVM_PID/stat is compared with JVM_START (a pid already reused means the JVM is gone),
 * then it waits until the pidfd is readable (the JVM has exited). Where pidfd_open is ENOSYS it
 * reads /proc/JVM_PID/stat every JVM_POLL_MS instead (gone, another start time, or a zombie).
 *
 * Once the JVM has died it reads GROUPS (see protocol.h and groups_file.c), which the JVM appends
 * to for each group it starts and each group that is gone; a missing file means nothing is left
 * (a normal exit removes it). Every group still listed gets the agent's escalation, by the policy
 * its line gives: its stop signal (TERM, INT, HUP, QUIT, USR1 or USR2) and SIGCONT to the group
 * and to its members outside the group (the pids in its cgroup's cgroup.procs where it has a
 * cgroup, else the processes carrying its marker), each of those signalled through a pidfd after
 * checking its start time (with leader-first: to the leader alone first, to the rest once it has
 * exited); a wait of at most its grace for them to be gone (for a group with a cgroup also until
 * its cgroup.events says "populated 0"); then SIGKILL (and "1" to cgroup.kill); then at most
 * GIVE_UP_MS more. A group with an H line was handed over by the JVM at shutdown (400 groups or
 * more, see Termination.java): with stage none it gets the same escalation; otherwise the JVM sent
 * its stop signal at the line's SIGNALLED_AT, and the escalation goes on from the stage it names
 * (leader: the rest once the leader has exited; group: its members outside the group; all:
 * nothing) with SIGKILL at SIGNALLED_AT + its grace, so that nothing gets a second stop signal.
 * With INFO 1 it reports each group on stderr; REPORT, unless "-", gets one JSON line per group
 * (reason jvm-died, or shutdown for a group handed over). Then it removes each group's
 * cgroup directory, then each directory of an R line, and last the private directory it was
 * extracted to. It starts no process, so it leaves no zombie.
 */
#define _GNU_SOURCE
#include "watchdog.h"
#include "cgroup.h"
#include "groups_file.h"
#include "number.h"
#include "pidfd.h"
#include "proc.h"
#include "protocol.h"
#include "signals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How often the members are counted while they are given time to go. */
#define SCAN_MS 10

/* How the watchdog's lines on stderr start. */
#define WHO "hygiene-helper: watch"

static struct groups_file list;
/* The innermost marker of each process of the round's /proc listing, read at most once a round
 * (NULL: none, or not read yet, see marker_read): with many groups, each process's environment is
 * read once, not once per group. */
static char **round_markers;
static unsigned char *marker_read;

/* True if MARKER is the innermost marker of ALL[K], read once a round. */
static int marked(const struct proc *all, size_t k, const char *marker) {
    if (round_markers == NULL) return proc_has_marker(all[k].pid, marker);
    if (!marker_read[k]) {
        marker_read[k] = 1;
        round_markers[k] = proc_marker(all[k].pid);
    }
    return round_markers[k] != NULL && strcmp(round_markers[k], marker) == 0;
}
/* The JVM's own process group: never signalled (it may hold the JVM's parent shell). */
static pid_t jvm_group = -1;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* fails only for a clock it does not have; every Linux has this one */
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    /* Besides EINTR (the rest is slept), nanosleep fails only for a time out of range (EINVAL). */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* SIG (and CONT after a stop signal) to one process, if it still is the one that started at START. */
static void signal_one(pid_t pid, unsigned long long start, int sig) {
    /* Said on stderr if it fails; the escalation goes on regardless, SIGKILL follows at the grace. */
    (void) send_to_process(pid, start, sig, 0, WHO);
}

/* SIG (and CONT after a stop signal) to the whole group; refused for the JVM's group. */
static void signal_group(pid_t pgid, int sig) {
    (void) send_to_group(pgid, sig, jvm_group, WHO); /* as above */
}

static const struct proc *find(const struct proc *all, size_t n, pid_t pid) {
    for (size_t k = 0; k < n; k++) if (all[k].pid == pid) return &all[k];
    return NULL;
}

/* The members of G's cgroup outside its process group: counted, and with SIG signalled one by one
 * (SIGKILL goes to cgroup.kill instead where there is one). Sets *POPULATED from cgroup.events. */
static int scan_cgroup(struct group *g, int reused, const struct proc *all, size_t n, int sig, int *populated) {
    int outside = 0;
    int each = sig != 0;
    if (sig == SIGKILL) {
        if (cgroup_kill(g->cgroup) == 0) each = 0;
        /* ENOENT: no cgroup.kill before Linux 5.14 (each member gets SIGKILL by pid instead), or
         * the cgroup is gone. */
        else if (errno != ENOENT) fprintf(stderr, WHO ": write(%s/cgroup.kill, 1): %s\n", g->cgroup, strerror(errno));
    }
    pid_t *pids;
    long m = cgroup_procs(g->cgroup, &pids);
    if (m < 0) {
        if (errno != ENOENT && !g->cgroup_unreadable) {
            g->cgroup_unreadable = 1;
            fprintf(stderr, WHO ": read(%s/cgroup.procs): %s\n", g->cgroup, strerror(errno));
        }
        m = 0;
    }
    for (long i = 0; i < m; i++) {
        struct proc fresh;
        const struct proc *p = find(all, n, pids[i]);
        if (p == NULL) {
            /* Started after /proc was listed; unreadable, it is gone already (ENOENT, ESRCH). */
            if (proc_read(pids[i], &fresh) != 0) continue;
            p = &fresh;
        }
        if (!proc_alive(p) || (!reused && p->pgrp == g->pgid)) continue; /* the group signal reaches it */
        outside++;
        if (each) signal_one(p->pid, p->start, sig);
    }
    free(pids);
    int pop = cgroup_populated(g->cgroup);
    if (pop < 0) {
        if (!g->cgroup_unreadable) {
            g->cgroup_unreadable = 1;
            fprintf(stderr, WHO ": read(%s/cgroup.events): %s\n", g->cgroup, strerror(errno));
        }
        pop = 0;
    }
    *populated = pop;
    return outside;
}

/* G's live members in ALL (N processes): counted, and with SIG also signalled (the group as a
 * whole unless OUTSIDE_ONLY, and each member outside it by pid). A group whose leader pid now
 * belongs to another process (start time differs) had its number reused: its group is gone, never
 * signalled. Sets *OUTSIDE to the members outside the group and *POPULATED from its cgroup's
 * cgroup.events. */
static int members(struct group *g, const struct proc *all, size_t n, int sig, int outside_only, int *outside,
                   int *populated) {
    pid_t self = getpid();
    int reused = 0, in_group = 0, out = 0, pop = 0;
    for (size_t k = 0; k < n; k++) {
        if (all[k].pid == g->pgid && all[k].start != g->start) reused = 1;
    }
    for (size_t k = 0; k < n; k++) {
        if (!proc_alive(&all[k])) continue;
        if (!reused && all[k].pgrp == g->pgid) {
            in_group++;
        } else if (g->cgroup[0] == '\0' && g->marker[0] != '\0' && all[k].pid != self
                   && marked(all, k, g->marker)) {
            out++;
            if (sig) signal_one(all[k].pid, all[k].start, sig);
        }
    }
    if (g->cgroup[0] != '\0') out += scan_cgroup(g, reused, all, n, sig, &pop);
    if (sig && !outside_only && !reused && in_group > 0) signal_group(g->pgid, sig);
    *outside = out;
    *populated = pop;
    return in_group + out;
}

/* True if G's leader is in ALL, alive, with the group's start time. */
static int leader_alive(const struct group *g, const struct proc *all, size_t n) {
    const struct proc *p = find(all, n, g->pgid);
    return p != NULL && p->start == g->start && proc_alive(p);
}

/* The phases of a group's escalation. */
enum { PHASE_FIRST, PHASE_LEADER, PHASE_STOP, PHASE_KILLED, PHASE_DONE };

/* SIGKILL to all of G (and "1" to its cgroup.kill); then at most GIVE_UP_MS for it to be gone. */
static void kill_group(struct group *g, const struct proc *all, size_t n, long long now) {
    int outside, populated;
    members(g, all, n, SIGKILL, 0, &outside, &populated);
    g->killed = 1;
    g->phase = PHASE_KILLED;
    g->deadline = now + GIVE_UP_MS;
}

/* Moves G's escalation on by one round at NOW (see terminate_all); returns 1 while it has members. */
static int escalate(struct group *g, const struct proc *all, size_t n, long long now) {
    int outside, populated, live;
    switch (g->phase) {
    case PHASE_FIRST:
        if (g->handed_off && g->stage != HANDED_NONE) {
            /* The JVM sent the stop signal at shutdown and handed the group over: go on from where
             * it got, with no second stop signal to what had one, and SIGKILL at the end of the
             * grace it began (CLOCK_MONOTONIC is System.nanoTime(); never a time to come). */
            g->deadline = (g->signalled_at_ms < now ? g->signalled_at_ms : now) + g->grace_ms;
            g->signalled = 1;
            if (g->stage == HANDED_LEADER) {
                live = members(g, all, n, 0, 0, &outside, &populated);
                g->phase = PHASE_LEADER;
            } else {
                /* HANDED_GROUP: its members outside the group were not looked for yet: they get it now. */
                live = members(g, all, n, g->stage == HANDED_GROUP ? g->stop_signal : 0, 1, &outside, &populated);
                if (outside > g->escapees) g->escapees = outside;
                g->phase = PHASE_STOP;
            }
            break;
        }
        g->deadline = now + g->grace_ms;
        if (g->leader_first && leader_alive(g, all, n)) {
            /* stop=leader-first: the leader alone; the rest once it has exited. */
            signal_one(g->pgid, g->start, g->stop_signal);
            live = members(g, all, n, 0, 0, &outside, &populated);
            g->phase = PHASE_LEADER;
        } else {
            live = members(g, all, n, g->stop_signal, 0, &outside, &populated);
            g->escapees = outside;
            g->phase = PHASE_STOP;
        }
        /* Only groups with members are signalled and reported. */
        g->signalled = live > 0 || populated;
        break;
    case PHASE_LEADER:
        live = members(g, all, n, 0, 0, &outside, &populated);
        if ((live > 0 || populated) && now < g->deadline && !leader_alive(g, all, n)) {
            live = members(g, all, n, g->stop_signal, 0, &outside, &populated);
            g->escapees = outside;
            g->phase = PHASE_STOP;
        }
        break;
    default:
        live = members(g, all, n, 0, 0, &outside, &populated);
        break;
    }
    g->live = live;
    int busy = live > 0 || populated;
    if (!busy || (g->phase == PHASE_KILLED && now >= g->deadline)) {
        g->phase = PHASE_DONE;
        return 0;
    }
    if (g->phase != PHASE_KILLED && now >= g->deadline) kill_group(g, all, n, now);
    return 1;
}

/* One round over every group not done yet; returns how many still have members. */
static int escalation_round(void) {
    struct proc *all;
    size_t n = proc_all(&all);
    long long now = now_ms();
    int busy = 0;
    /* Without memory for the cache, each group reads the environments itself. */
    round_markers = n == 0 ? NULL : calloc(n, sizeof *round_markers);
    marker_read = n == 0 ? NULL : calloc(n, 1);
    if (round_markers == NULL || marker_read == NULL) {
        free(round_markers);
        free(marker_read);
        round_markers = NULL;
        marker_read = NULL;
    }
    for (size_t i = 0; i < list.ngroups; i++) {
        struct group *g = &list.groups[i];
        if (g->phase != PHASE_DONE) busy += escalate(g, all, n, now);
    }
    if (round_markers != NULL) {
        for (size_t k = 0; k < n; k++) free(round_markers[k]);
    }
    free(round_markers);
    free(marker_read);
    round_markers = NULL;
    marker_read = NULL;
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
    long long uptime_ms;
    if (proc_uptime_ms(&uptime_ms) != 0) {
        fprintf(stderr, WHO ": read(/proc/uptime): %s\n", strerror(errno));
        uptime_ms = -1;
    }
    long ticks = sysconf(_SC_CLK_TCK); /* -1 only for a name it does not know */
    FILE *out = NULL;
    if (path != NULL && strcmp(path, "-") != 0) {
        out = fopen(path, "a");
        if (out == NULL) fprintf(stderr, WHO ": fopen(%s, a): %s\n", path, strerror(errno));
    }
    time_t t = time(NULL); /* fails only for a bad pointer, and NULL is none */
    char stamp[32] = "";
    struct tm utc;
    if (gmtime_r(&t, &utc) == NULL) fprintf(stderr, WHO ": gmtime_r(%lld): %s\n", (long long) t, strerror(errno));
    else strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    for (size_t i = 0; i < list.ngroups; i++) {
        struct group *g = &list.groups[i];
        if (!g->signalled) continue;
        /* -1: not known. */
        long long alive = ticks > 0 && uptime_ms >= 0 ? uptime_ms - (long long) (g->start * 1000 / (unsigned long long) ticks) : -1;
        char first[16];
        snprintf(first, sizeof first, "SIG%s", signal_label(g->stop_signal));
        const char *sig = g->killed ? "SIGKILL" : first;
        /* A group the JVM handed over at shutdown is reported as the JVM would have: "shutdown",
         * with its containment and what the JVM counted at its stop signal. */
        const char *containment = g->cgroup[0] != '\0' ? "cgroup" : "group";
        if (info) {
            char escaped[64] = "";
            if (g->escapees) snprintf(escaped, sizeof escaped, ", with %d escaped members", g->escapees);
            char counted[96] = "";
            if (g->handed_off) {
                int k = snprintf(counted, sizeof counted, ", containment %s", containment);
                if (g->members >= 0 && k > 0 && (size_t) k < sizeof counted) {
                    snprintf(counted + k, sizeof counted - (size_t) k, ", %ld member%s, %.1f MB RSS", g->members,
                             g->members == 1 ? "" : "s", g->rss_bytes / 1e6);
                }
            }
            fprintf(stderr, "process-hygiene: %sterminated group %d (%s), alive %.1f s%s, %s%s%s%s\n",
                    g->handed_off ? "at shutdown (finished by the watchdog): " : "watchdog: the JVM died; ",
                    (int) g->pgid, g->command, alive / 1000.0, counted,
                    g->killed ? "SIGKILL after the grace period" : first, escaped,
                    g->started_at[0] ? "; started at " : "", g->started_at);
        }
        if (out != NULL) {
            fprintf(out, "{\"time\":\"%s\",\"reason\":\"%s\",\"pid\":%d,\"command\":", stamp,
                    g->handed_off ? "shutdown" : "jvm-died", (int) g->pgid);
            json_string(out, g->command);
            fprintf(out, ",\"alive_ms\":%lld,\"signal\":\"%s\",\"escapees\":%d,", alive, sig, g->escapees);
            if (g->handed_off) {
                fprintf(out, "\"containment\":\"%s\",\"members\":%ld,\"rss_bytes\":%llu,", containment, g->members,
                        g->rss_bytes);
            }
            fputs("\"started_at\":", out);
            json_string(out, g->started_at);
            fputs("}\n", out);
        }
    }
    if (out != NULL) {
        /* A failed fprintf leaves its errno and the stream's error flag; fclose says the rest. */
        int failed = ferror(out), err = errno;
        if (fclose(out) != 0) failed = 1, err = errno;
        if (failed) fprintf(stderr, WHO ": write(%s): %s\n", path, strerror(err));
    }
}

/* The escalation, for every group still listed, each by its own policy: its stop signal (with
 * SIGCONT) to the whole group, or first to its leader alone (leader-first; to the rest once the
 * leader has exited); SIGKILL to what is left at the end of its grace; given up on GIVE_UP_MS
 * after that. All groups share one clock: a round every SCAN_MS. */
static void terminate_all(void) {
    while (escalation_round() > 0) sleep_ms(SCAN_MS);
}

/* rmdir PATH, retried while it is busy (members still leaving) for up to GIVE_UP_MS; a directory
 * that is gone already is fine. */
static void remove_directory(const char *path) {
    long long give_up = now_ms() + GIVE_UP_MS;
    while (rmdir(path) != 0) {
        if (errno == ENOENT) return;
        if (errno != EBUSY || now_ms() >= give_up) {
            fprintf(stderr, WHO ": rmdir(%s): %s\n", path, strerror(errno));
            return;
        }
        sleep_ms(SCAN_MS);
    }
}

/* rmdir, once, each directory inside PATH: the cgroups of children that the JVM no longer listed
 * (gone, but killed before it could remove their cgroup). One that still has members or cgroups of
 * its own (a nested JVM's, which its own watchdog removes) stays: EBUSY, said nothing of. */
static void remove_subdirectories(const char *path) {
    DIR *d = opendir(path);
    if (d == NULL) {
        if (errno != ENOENT) fprintf(stderr, WHO ": opendir(%s): %s\n", path, strerror(errno));
        return;
    }
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT && errno != EBUSY) {
            fprintf(stderr, WHO ": unlinkat(%s, %s, AT_REMOVEDIR): %s\n", path, e->d_name, strerror(errno));
        }
        errno = 0;
    }
    if (errno != 0) fprintf(stderr, WHO ": readdir(%s): %s\n", path, strerror(errno));
    closedir(d); /* only read from: close cannot lose anything */
}

/* The groups' own cgroups first, then the JVM's (R lines), whose children they are. */
static void remove_cgroups(void) {
    for (size_t i = 0; i < list.ngroups; i++) {
        if (list.groups[i].cgroup[0] != '\0') remove_directory(list.groups[i].cgroup);
    }
    for (size_t i = 0; i < list.nremovals; i++) {
        const char *path = list.removals[i];
        const char *base = strrchr(path, '/');
        if (base == NULL || strncmp(base + 1, DIR_PREFIX, strlen(DIR_PREFIX)) != 0) {
            fprintf(stderr, WHO ": refusing to remove %s: its name does not start with %s\n", path, DIR_PREFIX);
            continue;
        }
        remove_subdirectories(path);
        remove_directory(path);
    }
}

/* Removes the private directory the helper was extracted to (the JVM removes it at a normal exit;
 * after kill -9 nobody else would): only what the agent puts there (the helper, exec-failure
 * reports, the groups file, the links, the watchdog's start), then the directory, and only if it is
 * one of ours by name. */
static void remove_own_directory(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, WHO ": readlink(/proc/self/exe): %s\n", n < 0 ? strerror(errno) : "empty");
        return;
    }
    exe[n] = '\0';
    char *deleted = strstr(exe, " (deleted)");
    if (deleted != NULL) *deleted = '\0';
    char *slash = strrchr(exe, '/');
    /* Not run from a private directory of ours (a helper run by hand, or a test's): nothing to remove. */
    if (slash == NULL || strcmp(slash + 1, HELPER_FILE) != 0) return;
    *slash = '\0';
    const char *base = strrchr(exe, '/');
    if (base == NULL || strncmp(base + 1, DIR_PREFIX, strlen(DIR_PREFIX)) != 0) return; /* as above */
    DIR *d = opendir(exe);
    if (d == NULL) {
        if (errno != ENOENT) fprintf(stderr, WHO ": opendir(%s): %s\n", exe, strerror(errno));
        return;
    }
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, HELPER_FILE) == 0 || strcmp(e->d_name, GROUPS_FILE) == 0
            || strcmp(e->d_name, GROUPS_TMP) == 0 || strcmp(e->d_name, SPAWN_FILE) == 0
            || strcmp(e->d_name, SPAWN_CGROUP_FILE) == 0 || strcmp(e->d_name, JSPAWNHELPER_LINK) == 0
            || strcmp(e->d_name, CGROUP_LINK) == 0 || strcmp(e->d_name, WATCH_REQUEST) == 0
            || strcmp(e->d_name, WATCH_CLAIMED) == 0 || strcmp(e->d_name, WATCH_STARTED) == 0
            || strcmp(e->d_name, WATCH_FAILED) == 0
            || strncmp(e->d_name, EXEC_FAILED_PREFIX, strlen(EXEC_FAILED_PREFIX)) == 0
            || strncmp(e->d_name, CGROUP_FAILED_PREFIX, strlen(CGROUP_FAILED_PREFIX)) == 0) {
            if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
                fprintf(stderr, WHO ": unlinkat(%s, %s, 0): %s\n", exe, e->d_name, strerror(errno));
            }
        }
        errno = 0;
    }
    if (errno != 0) fprintf(stderr, WHO ": readdir(%s): %s\n", exe, strerror(errno));
    closedir(d); /* only read from: close cannot lose anything */
    if (rmdir(exe) != 0 && errno != ENOENT) fprintf(stderr, WHO ": rmdir(%s): %s\n", exe, strerror(errno));
}

/* True while PID is the process that started at START and has not exited (not a zombie). */
static int jvm_alive(pid_t pid, unsigned long long start) {
    struct proc p;
    return proc_read(pid, &p) == 0 && p.start == start && proc_alive(&p);
}

/* Opens the JVM: *PIDFD is a pidfd on it, or -1 where pidfd_open is ENOSYS. Returns 1 if the JVM
 * is alive and watched, 0 if it is gone already, -1 if it cannot be watched (said on stderr). */
static int jvm_open(pid_t pid, unsigned long long start, int *pidfd) {
    *pidfd = pidfd_open_pid(pid);
    if (*pidfd < 0) {
        if (errno == ESRCH) return 0;
        if (errno != ENOSYS) {
            fprintf(stderr, WHO ": pidfd_open(%d): %s\n", (int) pid, strerror(errno));
            return -1;
        }
    }
    /* Its stat unreadable: the JVM is gone already (ENOENT, ESRCH). */
    struct proc p;
    if (proc_read(pid, &p) != 0 || p.start != start || !proc_alive(&p)) return 0;
    jvm_group = p.pgrp;
    return 1;
}

/* Returns once the JVM has exited. */
static void jvm_wait(pid_t pid, unsigned long long start, int pidfd) {
    if (pidfd >= 0) {
        struct pollfd p = {pidfd, POLLIN, 0};
        int r;
        do r = poll(&p, 1, -1); while (r < 0 && errno == EINTR);
        if (r > 0) return;
        fprintf(stderr, WHO ": poll(pidfd of %d): %s\n", (int) pid, r < 0 ? strerror(errno) : "no event");
    }
    while (jvm_alive(pid, start)) sleep_ms(JVM_POLL_MS);
}


/* The watchdog itself: the second process. Writes one byte to READY once it watches the JVM. */
static int watch(int info, const char *report_path, pid_t jvm, unsigned long long jvm_start,
                 const char *groups_path, int ready) {
    if (setsid() < 0) fprintf(stderr, WHO ": setsid(): %s\n", strerror(errno));
    /* signal(2) fails only for a signal number that is not one (EINVAL). */
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int pidfd;
    int alive = jvm_open(jvm, jvm_start, &pidfd);
    if (alive < 0) return 1;
    ssize_t w;
    do w = write(ready, "1", 1); while (w < 0 && errno == EINTR);
    if (w != 1) fprintf(stderr, WHO ": write(the first process's pipe): %s\n", w < 0 ? strerror(errno) : "short");
    close(ready); /* a pipe's end: the byte is written or not, close cannot lose it */

    if (alive) jvm_wait(jvm, jvm_start, pidfd);
    if (pidfd >= 0) close(pidfd); /* a pidfd only polled: close cannot lose anything */

    if (groups_file_read(groups_path, &list) != 0) {
        /* No file: a normal exit whose shutdown hook removed it; nothing is left. */
        if (errno == EPERM || errno == ELOOP) {
            fprintf(stderr, WHO ": refusing %s: not a regular file of our own that only we may write\n", groups_path);
        } else if (errno != ENOENT) {
            fprintf(stderr, WHO ": read(%s): %s\n", groups_path, strerror(errno));
        }
    } else {
        terminate_all();
        report(info, report_path);
        remove_cgroups();
    }
    remove_own_directory();
    return 0;
}

int run_watch(int argc, char **argv) {
    /* argv: watch INFO REPORT JVM_PID JVM_START GROUPS */
    unsigned long long info, jvm, jvm_start;
    if (argc != 6 || parse_number(argv[1], 1, &info) != 0 || parse_number(argv[3], 0x7fffffffULL, &jvm) != 0
        || jvm <= 1 || parse_number(argv[4], ~0ULL, &jvm_start) != 0 || argv[5][0] == '\0') {
        fprintf(stderr, "usage: hygiene-helper watch INFO(0|1) REPORT JVM_PID JVM_START GROUPS\n");
        return 2;
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        fprintf(stderr, WHO ": pipe2(): %s\n", strerror(errno));
        return 1;
    }
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, WHO ": fork(): %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        close(ready[0]); /* the first process's end, never used here; close cannot lose anything */
        return watch((int) info, argv[2], (pid_t) jvm, jvm_start, argv[5], ready[1]);
    }
    /* The first process: done once the watchdog says it watches the JVM. */
    close(ready[1]); /* the watchdog's end, as above */
    char byte;
    ssize_t r;
    do r = read(ready[0], &byte, 1); while (r < 0 && errno == EINTR);
    if (r == 1) return 0;
    if (r < 0) fprintf(stderr, WHO ": read(the watchdog's pipe): %s\n", strerror(errno));
    /* It failed its setup (and said why): reap it. */
    int status;
    /* Besides EINTR, waitpid fails only for a pid that is not our child (ECHILD): CHILD is. */
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return 1;
}
