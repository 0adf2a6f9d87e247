/* proc: what /proc says about processes and their groups. See proc(5). */
#ifndef HYGIENE_PROC_H
#define HYGIENE_PROC_H

#include <sys/types.h>

#include "protocol.h"

struct proc {
    pid_t pid;
    pid_t pgrp;
    char state;                 /* R S D T t Z X ... */
    unsigned long long start;   /* field 22: clock ticks after boot */
};

/* Reads /proc/PID/stat; 0 on success, or -1 with errno (ENOENT or ESRCH: PID is gone; EINVAL: a
 * line that does not parse). */
int proc_read(pid_t pid, struct proc *out);

/* Alive means able to run: not a zombie, not dead. */
int proc_alive(const struct proc *p);

/* Every process in /proc (read once each); returns the count, sets *out (malloc'd, caller frees;
 * NULL and 0 if it could not be allocated, said on stderr). */
size_t proc_all(struct proc **out);

/* The last (innermost) token of MARKER_VAR in PID's environment (malloc'd, caller frees), or NULL
 * if it has none or it is unreadable (another user). */
char *proc_marker(pid_t pid);

/* 1 if MARKER is the last (innermost) token of MARKER_VAR in PID's environment, 0 if not or
 * unreadable (another user). */
int proc_has_marker(pid_t pid, const char *marker);

/* The time since boot from /proc/uptime, in milliseconds: 0, or -1 with errno. */
int proc_uptime_ms(long long *ms);

#endif
