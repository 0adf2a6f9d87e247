/* cgroup_enter: moving the helper, before it execs the child's program, into a cgroup v2 directory of
 * its own. Membership of a cgroup is inherited by every descendant and cannot be left by fork,
 * setsid, exec or a change of user; the agent reads it back, and terminates the whole cgroup at
 * the end (cgroup.kill). See cgroups(7) and the kernel's Documentation/admin-guide/cgroup-v2.rst. */
#ifndef HYGIENE_CGROUP_ENTER_H
#define HYGIENE_CGROUP_ENTER_H

/* Makes the directory DIR (mode 0755; a new cgroup, since DIR lies in a cgroup2 file system) and
 * moves the calling process into it (writes "0" to DIR/cgroup.procs). 0 on success. On failure
 * removes DIR again if it made it, and returns -1 with *CALL naming what failed ("mkdir",
 * "open", "write", "close") and errno set. */
int cgroup_enter(const char *dir, const char **call);

/* Tells the agent why the process could not enter DIR: REPORT_DIR/cgroup-failed.PID holds
 * "CALL DIR: MESSAGE". Silent (the child's stderr belongs to the application): the agent learns
 * of the failure from /proc/PID/cgroup anyway, and this only says why. 0 if written. */
int cgroup_report_failure(const char *report_dir, const char *dir, const char *call, int err);

#endif
