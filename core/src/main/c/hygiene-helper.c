/*
 * hygiene-helper: the one native piece of process-hygiene.
 *
 * Built static (musl) by the Maven build, bundled in the agent jar, extracted at run time into a
 * private directory. The JVM runs it through the ordinary ProcessBuilder path; it never links into
 * the JVM (no JNI, no FFM, so no native-access warnings).
 *
 * This file only picks the mode; each mode's file describes its argv and what it does:
 *
 *   hygiene-helper exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...]
 *       Becomes the child's program, in a group (and a cgroup) of its own: exec.c.
 *
 *   hygiene-helper signal TERM|INT|HUP|QUIT|USR1|USR2|KILL TARGET...
 *       Signals groups (PGID) and single processes (PID@START): signal_mode.c.
 *
 *   hygiene-helper watch INFO REPORT JVM_PID JVM_START GROUPS
 *       The watchdog: terminates the JVM's groups if the JVM dies without doing so: watchdog.c.
 *
 *   hygiene-helper version
 *       Prints the protocol version, for the agent's self-check.
 *
 *   DIR/spawn, DIR/spawn-cgroup JSPAWNHELPER_ARGS...   (the mode is the name it runs under)
 *       Run by the JDK in place of its jspawnhelper: a group (and a cgroup) of its own, then the
 *       JDK's jspawnhelper: spawn.c.
 *
 * The rest, shared by the modes: signals.c (sending a signal to a group or a process, and the
 * signals' names), pidfd.c (a signal that cannot reach a reused pid), proc.c (/proc),
 * groups_file.c (the watchdog's list of groups), cgroup_enter.c and cgroup.c (cgroup v2),
 * report.c (the exec mode's notes to the agent: why an exec or a cgroup failed),
 * number.c (numbers parsed with checks), protocol.h (what the JVM and the helper agree on).
 *
 * A failing call is named on stderr as "hygiene-helper: [watch: ]CALL(ARGS): ERROR", save where
 * a comment says why saying nothing is right (a process that is gone already, a descriptor only
 * read from, the exec mode's silence on the child's stderr, which is the application's). A line
 * that stderr itself cannot take has nowhere else to go: fprintf(stderr) is never checked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec.h"
#include "signal_mode.h"
#include "spawn.h"
#include "usage.h"
#include "watchdog.h"

#define PROTOCOL "process-hygiene-helper 6"

int usage(void) {
    fprintf(stderr,
            "usage: hygiene-helper exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...]\n"
            "       hygiene-helper signal TERM|INT|HUP|QUIT|USR1|USR2|KILL PGID|PID@START...\n"
            "       hygiene-helper watch INFO REPORT JVM_PID JVM_START GROUPS\n"
            "       hygiene-helper version\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc >= 1 && is_spawn(argv[0])) return run_spawn(argv);
    if (argc < 2) return usage();
    if (strcmp(argv[1], "exec") == 0) return run_exec(argc - 1, argv + 1);
    if (strcmp(argv[1], "signal") == 0) return run_signal(argc - 1, argv + 1);
    if (strcmp(argv[1], "watch") == 0) return run_watch(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0) {
        if (puts(PROTOCOL) == EOF || fflush(stdout) != 0) {
            fprintf(stderr, "hygiene-helper: write(stdout): %s\n", strerror(errno));
            return 1;
        }
        return 0;
    }
    return usage();
}
