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
#include "number.h"
#include "signals.h"
#include "usage.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* How this mode's lines on stderr start. */
#define WHO "hygiene-helper"

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
            if (at == NULL) fprintf(stderr, WHO ": refusing group '%s': not a group number above 1\n", argv[i]);
            else fprintf(stderr, WHO ": refusing process '%s': not PID@START with a pid above 1\n", argv[i]);
            status = 1;
            continue;
        }
        /* Our group and our parent are the JVM's: never signalled. */
        if (at == NULL) status |= send_to_group((pid_t) id, sig, getpgrp(), WHO);
        else status |= send_to_process((pid_t) id, start, sig, getppid(), WHO);
    }
    return status;
}
