/*
 * spawn: the helper's spawn mode, run by the JDK in place of its own jspawnhelper.
 *
 *   DIR/spawn         JSPAWNHELPER_ARGS...      (a process group)
 *   DIR/spawn-cgroup  JSPAWNHELPER_ARGS...      (a cgroup, and a process group)
 *
 * With the POSIX_SPAWN launch mechanism (Linux's default), the JDK posix_spawns
 * $JAVA_HOME/lib/jspawnhelper, which reads what to run from a pipe, sets up the child (redirects,
 * directory, descriptors) and execs the program; the JDK returns from start() only once that exec
 * has happened (or throws with its errno). The agent gives the JDK this helper's path instead, for
 * the children it contains. Here the child, still a copy of nothing but this small static
 * program, does what the JDK has no way to ask for, then does the JDK's jspawnhelper's work as that
 * JDK does it (a build the helper knows), or becomes the JDK's jspawnhelper with the very arguments
 * and descriptors the JDK gave (any other), so that everything after is the JDK's own:
 *
 *   - the watchdog's start, for the one child that claims the JVM's request (watch_start.c);
 *   - spawn-cgroup: mkdir DIR/cgroup/p<PID> (DIR/cgroup links to the JVM's cgroup directory) and
 *     moves itself in (cgroup_enter.c), so that no descendant can be born outside it; a failure
 *     is silent here (DIR/cgroup-failed.PID says why; the agent reads /proc/PID/cgroup);
 *   - setpgid(0, 0): the child leads a new process group;
 *   - for a JDK build whose protocol the helper knows (jdk_child.c), what the JDK's jspawnhelper
 *     would do, done here: the program is the next exec;
 *   - for any other, execv(DIR/jspawnhelper, ARGV) (DIR/jspawnhelper links to the JDK's).
 *
 * No environment change: the agent adds the marker (PROCESS_HYGIENE_GROUP) to the environment it
 * hands the JDK, where it has to. Nothing is said on stderr on the way (the child's stderr is the
 * application's), except a failed setpgid, or an exec of the JDK's jspawnhelper that fails: the
 * JDK then reports the start as failed, and the agent starts the command again plainly. A failure
 * of jdk_child.c's set-up or exec is the JDK's to report, as its jspawnhelper's would be.
 */
#define _GNU_SOURCE
#include "spawn.h"
#include "cgroup_enter.h"
#include "jdk_child.h"
#include "protocol.h"
#include "watch_start.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The last component of PATH. */
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash == NULL ? path : slash + 1;
}

int is_spawn(const char *argv0) {
    const char *name = base_name(argv0);
    return strcmp(name, SPAWN_FILE) == 0 || strcmp(name, SPAWN_CGROUP_FILE) == 0;
}

int run_spawn(char **argv) {
    const char *name = base_name(argv[0]);
    size_t dir_len = (size_t) (name - argv[0]); /* DIR and its slash */
    char path[4096];

    /* First, before the child's cgroup and group: the watchdog, if the JVM asked this child (its
     * start overlaps the child's set-up, and is waited for before the exec). */
    watch_start_begin(argv[0], dir_len);

    if (strcmp(name, SPAWN_CGROUP_FILE) == 0) {
        int n = snprintf(path, sizeof path, "%.*s%s/%s%d", (int) dir_len, argv[0], CGROUP_LINK, CHILD_CGROUP_PREFIX,
                         (int) getpid());
        if (n > 0 && (size_t) n < sizeof path) {
            const char *call = "mkdir";
            if (cgroup_enter(path, &call) != 0) {
                char dir[4096];
                snprintf(dir, sizeof dir, "%.*s", (int) (dir_len > 0 ? dir_len - 1 : 0), argv[0]);
                (void) cgroup_report_failure(dir, path, call, errno);
            }
        }
    }

    if (setpgid(0, 0) != 0) {
        fprintf(stderr, "hygiene-helper: setpgid(0, 0): %s\n", strerror(errno));
    }

    /* A JDK build whose protocol is known: its jspawnhelper's work, here (no return). */
    int kind = argv[1] != NULL ? jdk_child_kind(argv[1]) : 0;
    if (kind != 0) jdk_child_run(argv, kind); /* returns only for arguments that JDK never gives */

    int n = snprintf(path, sizeof path, "%.*s%s", (int) dir_len, argv[0], JSPAWNHELPER_LINK);
    if (n < 0 || (size_t) n >= sizeof path) {
        watch_start_end();
        fprintf(stderr, "hygiene-helper: %s: path too long\n", argv[0]);
        return 1;
    }
    argv[0] = path;
    watch_start_end();
    execv(path, argv);
    fprintf(stderr, "hygiene-helper: execv(%s): %s\n", path, strerror(errno));
    return 1;
}
