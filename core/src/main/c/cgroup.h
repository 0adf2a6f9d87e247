/* cgroup: what the watchdog reads and writes in a cgroup v2 directory. See the kernel's
 * Documentation/admin-guide/cgroup-v2.rst (cgroup.procs, cgroup.events, cgroup.kill). */
#ifndef HYGIENE_CGROUP_H
#define HYGIENE_CGROUP_H

#include <sys/types.h>

/* The pids listed in DIR/cgroup.procs: their count, *OUT malloc'd (caller frees; NULL if none);
 * -1 with errno if it cannot be read (ENOENT: DIR is gone). Lines that are not pids are skipped. */
long cgroup_procs(const char *dir, pid_t **out);

/* 1 if DIR/cgroup.events says "populated 1"; 0 if "populated 0" or DIR is gone (ENOENT); -1 with
 * errno if it cannot be read otherwise. */
int cgroup_populated(const char *dir);

/* Writes "1" to DIR/cgroup.kill (SIGKILL to every process in DIR and below, at once): 0, or -1
 * with errno (ENOENT: a kernel before 5.14 has no cgroup.kill, or DIR is gone). */
int cgroup_kill(const char *dir);

#endif
