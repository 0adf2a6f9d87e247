/*
 * exec: the helper's exec mode, run by the JVM in place of the child's program.
 *
 *   hygiene-helper exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...]
 *
 * Unless CGROUP is "-": mkdir(CGROUP) and moves itself into that new cgroup (see cgroup_enter.c),
 * so that no descendant can be born outside it. Then setpgid(0, 0), then execve(PATH,
 * [ARGV0, ARG...]) with the inherited environment, to which MARKER (unless "-") is added in
 * PROCESS_HYGIENE_GROUP only if the process is not in a cgroup of its own (CGROUP "-", or the move
 * failed): descendants that leave the group (setsid, daemons) can then still be found by it in
 * /proc/PID/environ. A failed move is silent: the directory is removed again,
 * REPORT_DIR/cgroup-failed.PID says why, and the agent reads /proc/PID/cgroup. The JDK has already
 * done everything else (redirects, chdir, environment, closing fds). PATH was resolved by the
 * agent with the JDK's rules. On ENOEXEC, runs the file with /bin/sh as the JDK does
 * ("/bin/sh PATH ARG..."). If execve still fails (a missing interpreter, say), writes the errno to
 * REPORT_DIR/exec-failed.PID and exits 127 without a word: the agent then lets the JDK start the
 * command itself, so that the application gets the JDK's own IOException. Only if that report
 * cannot be written does it say why on stderr.
 *
 * This runs at every start of a child: it stays cheap (no stdio on the way to execve, no syscall
 * beyond those above), and the child's stderr belongs to the application: it says nothing there
 * when the program runs, nor for the failures it reports in REPORT_DIR. Only what neither the
 * agent nor the program would otherwise learn of is said on stderr: setpgid failing, no memory for
 * the marked environment or the /bin/sh argv, or a report that cannot be written. See setpgid(2),
 * execve(2).
 */
#define _GNU_SOURCE
#include "exec.h"
#include "cgroup_enter.h"
#include "protocol.h"
#include "report.h"
#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Tells the agent that execve failed: REPORT_DIR/exec-failed.PID holds the errno. */
static int report_exec_failure(const char *dir, int err) {
    char text[32];
    int len = snprintf(text, sizeof text, "%d\n", err);
    return report_write(dir, EXEC_FAILED_PREFIX, text, (size_t) len);
}

/* The environment with MARKER added to MARKER_VAR (appended to a list a parent JVM started). Out
 * of memory, the environment as it is (said on stderr): the program still runs, unmarked. */
static char **marked_environment(const char *marker) {
    size_t n = 0;
    while (environ[n] != NULL) n++;
    char **env = calloc(n + 2, sizeof(char *));
    if (env == NULL) {
        fprintf(stderr, "hygiene-helper: calloc(%zu, %zu): %s\n", n + 2, sizeof(char *), strerror(errno));
        return environ;
    }
    size_t var = strlen(MARKER_VAR), k = 0;
    const char *outer = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], MARKER_VAR, var) == 0 && environ[i][var] == '=') outer = environ[i] + var + 1;
        else env[k++] = environ[i];
    }
    size_t len = var + 1 + (outer ? strlen(outer) + 1 : 0) + strlen(marker) + 1;
    char *entry = malloc(len);
    if (entry == NULL) {
        fprintf(stderr, "hygiene-helper: malloc(%zu): %s\n", len, strerror(errno));
        free(env);
        return environ;
    }
    if (outer != NULL && outer[0] != '\0') snprintf(entry, len, "%s=%s %s", MARKER_VAR, outer, marker);
    else snprintf(entry, len, "%s=%s", MARKER_VAR, marker);
    env[k++] = entry;
    env[k] = NULL;
    return env;
}

int run_exec(int argc, char **argv) {
    /* argv: exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...] */
    if (argc < 6) return usage();
    const char *report_dir = argv[1];
    const char *marker = argv[2];
    const char *cgroup = argv[3];
    const char *path = argv[4];
    char **child_argv = argv + 5;

    /* Into the child's own cgroup first: every process it will ever start is born inside. */
    int contained = 0;
    if (strcmp(cgroup, "-") != 0) {
        const char *call = "mkdir";
        if (cgroup_enter(cgroup, &call) == 0) contained = 1;
        /* Silent even if the report cannot be written: it only says why; the agent learns of the
         * failure itself from /proc/PID/cgroup. */
        else (void) cgroup_report_failure(report_dir, cgroup, call, errno);
    }
    /* The marker only where no cgroup holds the descendants: with one, the environment is
     * exactly the application's. */
    if (!contained && strcmp(marker, "-") != 0) environ = marked_environment(marker);

    /* Lead a new process group. Failure leaves the child in the JVM's group; the agent reads the
     * group back from /proc and treats such a child as not isolated. */
    if (setpgid(0, 0) != 0) {
        fprintf(stderr, "hygiene-helper: setpgid(0, 0): %s\n", strerror(errno));
    }

    execve(path, child_argv, environ);
    int err = errno;
    if (err == ENOEXEC) {
        /* The JDK's fallback for scripts without "#!": /bin/sh FILE ARG... (argv[0] replaced). */
        int n = argc - 5; /* ARGV0 and the args */
        char **sh_argv = calloc((size_t) n + 2, sizeof(char *));
        if (sh_argv == NULL) {
            fprintf(stderr, "hygiene-helper: calloc(%d, %zu): %s\n", n + 2, sizeof(char *), strerror(errno));
            _exit(127);
        }
        sh_argv[0] = "/bin/sh";
        sh_argv[1] = (char *) path;
        for (int i = 1; i < n; i++) sh_argv[i + 1] = child_argv[i];
        sh_argv[n + 1] = NULL;
        execve("/bin/sh", sh_argv, environ);
        err = errno;
    }
    if (report_exec_failure(report_dir, err) != 0) {
        fprintf(stderr, "hygiene-helper: execve(%s): %s\n", path, strerror(err));
    }
    _exit(127);
}
