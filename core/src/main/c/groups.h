/* groups: what /proc says about process groups, and signals that are safe to send. See proc(5). */
#ifndef HYGIENE_GROUPS_H
#define HYGIENE_GROUPS_H

#include <sys/types.h>

/* The name of the environment variable that marks the descendants of an agent's child: its value
 * is a space-separated list of markers, one per JVM (nested JVMs append theirs). */
#define MARKER_VAR "PROCESS_HYGIENE_GROUP"

struct proc {
    pid_t pid;
    pid_t pgrp;
    char state;                 /* R S D T t Z X ... */
    unsigned long long start;   /* field 22: clock ticks after boot */
};

/* Reads /proc/PID/stat; 0 on success. */
int proc_read(pid_t pid, struct proc *out);

/* Alive means able to run: not a zombie, not dead. */
int proc_alive(const struct proc *p);

/* Every process in /proc (read once each); returns the count, sets *out (malloc'd, caller frees). */
size_t proc_all(struct proc **out);

/* 1 if MARKER is the last (innermost) token of MARKER_VAR in PID's environment, 0 if not or
 * unreadable (another user). */
int proc_has_marker(pid_t pid, const char *marker);

/* kill(-pgid, sig), refused for pgid <= 1 and for our own group. 0 if sent or the group is gone. */
int group_kill(pid_t pgid, int sig);

/* kill(pid, sig), refused for pid <= 1 and ourselves. */
int pid_kill(pid_t pid, int sig);

#endif
