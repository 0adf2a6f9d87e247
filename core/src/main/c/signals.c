/* signals: the signals the agent sends, and sending them, for the signal mode and the watchdog
 * alike: the first signal of the escalation (stop-signal: TERM, INT, HUP, QUIT, USR1 or USR2;
 * SIGCONT follows it, so that stopped members act on it), and KILL. */
#define _GNU_SOURCE
#include "signals.h"
#include "pidfd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name;
    int sig;
} SIGNALS[] = {
    {"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"KILL", SIGKILL},
};

int signal_number(const char *name) {
    for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++) {
        if (strcmp(SIGNALS[i].name, name) == 0) return SIGNALS[i].sig;
    }
    return 0;
}

const char *signal_label(int sig) {
    if (sig == SIGCONT) return "CONT";
    for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++) {
        if (SIGNALS[i].sig == sig) return SIGNALS[i].name;
    }
    return "?";
}

/* kill(-PGID, SIG), refused (EPERM) for PGID <= 1 and for our own group: kill(-0) and kill(-1)
 * would hit our own group or every process. 0 if sent or the group is gone (ESRCH). */
static int group_kill(pid_t pgid, int sig) {
    if (pgid <= 1 || pgid == getpgrp()) {
        errno = EPERM;
        return -1;
    }
    if (kill(-pgid, sig) != 0 && errno != ESRCH) return -1;
    return 0;
}

int send_to_group(pid_t pgid, int sig, pid_t refused_group, const char *who) {
    if (pgid == refused_group) {
        fprintf(stderr, "%s: refusing group %d: it is %s group\n", who, (int) pgid,
                refused_group == getpgrp() ? "our own (the JVM's)" : "the JVM's own");
        return 1;
    }
    if (group_kill(pgid, sig) != 0) {
        fprintf(stderr, "%s: kill(-%d, %s): %s\n", who, (int) pgid, signal_label(sig), strerror(errno));
        return 1;
    }
    if (sig != SIGKILL && group_kill(pgid, SIGCONT) != 0) {
        fprintf(stderr, "%s: kill(-%d, CONT): %s\n", who, (int) pgid, strerror(errno));
        return 1;
    }
    return 0;
}

/* Names the call of proc_signal that failed, with errno's message. */
static int process_failure(const char *who, const char *call, pid_t pid, int sig) {
    if (strcmp(call, "pidfd_open") == 0) fprintf(stderr, "%s: pidfd_open(%d): %s\n", who, (int) pid, strerror(errno));
    else fprintf(stderr, "%s: %s(%d, %s): %s\n", who, call, (int) pid, signal_label(sig), strerror(errno));
    return 1;
}

int send_to_process(pid_t pid, unsigned long long start, int sig, pid_t refused_pid, const char *who) {
    if (pid <= 1) {
        fprintf(stderr, "%s: refusing pid %d: not a pid above 1\n", who, (int) pid);
        return 1;
    }
    if (pid == getpid() || pid == refused_pid) {
        fprintf(stderr, "%s: refusing pid %d: it is ourselves%s\n", who, (int) pid,
                refused_pid > 0 ? " or our parent (the JVM)" : "");
        return 1;
    }
    const char *call;
    int r = proc_signal(pid, start, sig, &call);
    if (r < 0) return process_failure(who, call, pid, sig);
    /* r == 1: gone, or its pid is another process's now; no CONT either. */
    if (r == 0 && sig != SIGKILL && proc_signal(pid, start, SIGCONT, &call) < 0) {
        return process_failure(who, call, pid, SIGCONT);
    }
    return 0;
}
