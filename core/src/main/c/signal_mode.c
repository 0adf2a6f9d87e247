/*
 * signal_mode: the helper's signal mode, by which the agent signals its children's groups and
 * processes (a JVM cannot signal a process group, nor a process through a pidfd).
 *
 *   hygiene-helper signal TERM|INT|HUP|QUIT|USR1|USR2|KILL TARGET...
 *
 * Each TARGET is a group, PGID: kill(-PGID, SIG); or a single process, PID@START: SIG to PID only
 * if it still is the process that started at START (field 22 of /proc/PID/stat), through a pidfd
 * (see pidfd.c). Any signal but KILL is followed by CONT so that stopped members can act on it.
 * Refuses PGID <= 1 and its own process group (which is the JVM's): kill(-0) and kill(-1) would
 * hit our own group or every process; refuses PID <= 1, itself and its parent (the JVM). A group or
 * process that no longer exists (ESRCH), or a PID that belongs to another process now, is not an
 * error. Exits 0, or 1 if any signal could not be sent (each said on stderr). See kill(2),
 * pidfd_send_signal(2).
 */
#define _GNU_SOURCE
#include "signal_mode.h"
#include "groups.h"
#include "number.h"
#include "pidfd.h"
#include "signals.h"
#include "usage.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* SIG to group PGID (CONT after any but KILL); 0, or 1 (said on stderr). */
/* SIG to group PGID (CONT after any but KILL); 0, or 1 (said on stderr). */
static int signal_group(pid_t pgid, int sig, const char *name) {
    if (pgid == getpgrp()) {
        fprintf(stderr, "hygiene-helper: refusing group %d: it is our own (the JVM's) group\n", (int) pgid);
        return 1;
    }
    if (group_kill(pgid, sig) != 0) {
        fprintf(stderr, "hygiene-helper: kill(-%d, %s): %s\n", (int) pgid, name, strerror(errno));
        return 1;
    }
    if (sig != SIGKILL && group_kill(pgid, SIGCONT) != 0) {
        fprintf(stderr, "hygiene-helper: kill(-%d, CONT): %s\n", (int) pgid, strerror(errno));
        return 1;
    }
    return 0;
}

/* SIG to process PID if it started at START (CONT after any but KILL); 0, or 1 (said on stderr). */
static int signal_process(pid_t pid, unsigned long long start, int sig, const char *name) {
    if (pid == getpid() || pid == getppid()) {
        fprintf(stderr, "hygiene-helper: refusing pid %d: it is ourselves or our parent (the JVM)\n", (int) pid);
        return 1;
    }
    int r = proc_signal(pid, start, sig);
    if (r < 0) {
        fprintf(stderr, "hygiene-helper: pidfd_send_signal(%d, %s): %s\n", (int) pid, name, strerror(errno));
        return 1;
    }
    if (r == 0 && sig != SIGKILL && proc_signal(pid, start, SIGCONT) < 0) {
        fprintf(stderr, "hygiene-helper: pidfd_send_signal(%d, CONT): %s\n", (int) pid, strerror(errno));
        return 1;
    }
    return 0;
}

int run_signal(int argc, char **argv) {
    /* argv: signal TERM|INT|HUP|QUIT|USR1|USR2|KILL TARGET... */
    if (argc < 3) return usage();
    int sig = signal_number(argv[1]);
    if (sig == 0) return usage();

    int status = 0;
    for (int i = 2; i < argc; i++) {
        char number[32];
        const char *at = strchr(argv[i], '@');
        size_t len = at != NULL ? (size_t) (at - argv[i]) : strlen(argv[i]);
        unsigned long long id, start = 0;
        int ok = len < sizeof number;
        if (ok) {
            memcpy(number, argv[i], len);
            number[len] = '\0';
            ok = parse_number(number, 0x7fffffffULL, &id) == 0 && id > 1
                 && (at == NULL || parse_number(at + 1, ~0ULL, &start) == 0);
        }
        if (!ok) {
            if (at == NULL) fprintf(stderr, "hygiene-helper: refusing group '%s': not a group number above 1\n", argv[i]);
            else fprintf(stderr, "hygiene-helper: refusing process '%s': not PID@START with a pid above 1\n", argv[i]);
            status = 1;
            continue;
        }
        if (at == NULL) status |= signal_group((pid_t) id, sig, argv[1]);
        else status |= signal_process((pid_t) id, start, sig, argv[1]);
    }
    return status;
}
