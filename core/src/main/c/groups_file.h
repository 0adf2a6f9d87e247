/* groups_file: the JVM's list of live groups for the watchdog (GROUPS_FILE, see protocol.h), read
 * once the JVM has died. */
#ifndef HYGIENE_GROUPS_FILE_H
#define HYGIENE_GROUPS_FILE_H

#include <sys/types.h>

struct group {
    pid_t pgid;
    unsigned long long start;   /* the leader's start time, field 22 of /proc/PID/stat */
    char *marker;               /* "" if none */
    char *cgroup;               /* the absolute path of the child's own cgroup directory, "" if none */
    char *command;
    char *started_at;
    long grace_ms;              /* its policy: grace before SIGKILL, */
    int stop_signal;            /* the first signal, */
    int leader_first;           /* and whether the leader gets it alone first */
    int handed_off;             /* an H line: the JVM began its escalation at shutdown, */
    long long signalled_at_ms;  /* sent the stop signal then (CLOCK_MONOTONIC), */
    int stage;                  /* this far (STAGE_*: see below), */
    long members;               /* and counted these (-1: not counted) */
    unsigned long long rss_bytes;
    int live;                   /* members seen in the last scan */
    int signalled;              /* had members when the JVM died */
    int escapees;               /* members outside the process group, at the first signal */
    int killed;
    int cgroup_unreadable;      /* said once on stderr */
    int phase;                  /* the watchdog's escalation: see watchdog.c */
    long long deadline;         /* the end of its grace, then of the give-up time after SIGKILL */
};

/* The stage of a handed-off group (see STAGE_* in protocol.h). */
enum { HANDED_NONE = 1, HANDED_LEADER, HANDED_GROUP, HANDED_ALL };

struct groups_file {
    struct group *groups;       /* still live after every line was applied */
    size_t ngroups, capacity;
    char **removals;            /* R lines: directories to remove at the end, in order */
    size_t nremovals, rcapacity;
};

/* Reads PATH and applies its lines in order into OUT (zeroed first). A line that does not parse
 * is skipped, with one stderr line naming its number. Returns 0, or -1 with errno if PATH cannot
 * be read (ENOENT: there is none; ELOOP: it is a symbolic link; EPERM: it is not a regular file
 * of our own user that only we may write, so not the JVM's). */
int groups_file_read(const char *path, struct groups_file *out);

#endif
