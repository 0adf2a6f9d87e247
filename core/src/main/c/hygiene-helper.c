/*
 * hygiene-helper: the one native piece of process-hygiene.
 *
 * Built static (musl) by the Maven build, bundled in the agent jar, extracted at run time into a
 * private directory. The JVM runs it through the ordinary ProcessBuilder path; it never links into
 * the JVM (no JNI, no FFM, so no native-access warnings).
 *
 *   hygiene-helper exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...]
 *       Unless CGROUP is "-": mkdir(CGROUP) and moves itself into that new cgroup (see cgroup_enter.c),
 *       so that no descendant can be born outside it. Then setpgid(0, 0), then execve(PATH,
 *       [ARGV0, ARG...]) with the inherited environment, to which MARKER (unless "-") is added in
 *       PROCESS_HYGIENE_GROUP only if the process is not in a cgroup of its own (CGROUP "-", or
 *       the move failed): descendants that leave the group (setsid, daemons) can then still be
 *       found by it in /proc/PID/environ. A failed move is silent: the directory is removed
 *       again, REPORT_DIR/cgroup-failed.PID says why, and the agent reads /proc/PID/cgroup.
 *       The JDK has already done everything else (redirects, chdir, environment, closing fds).
 *       PATH was resolved by the agent with the JDK's rules. On ENOEXEC, runs the file with
 *       /bin/sh as the JDK does ("/bin/sh PATH ARG..."). If execve still fails (a missing
 *       interpreter, say), writes the errno to REPORT_DIR/exec-failed.PID and exits 127 without
 *       a word: the agent then lets the JDK start the command itself, so that the application
 *       gets the JDK's own IOException. Only if that report cannot be written does it say why
 *       on stderr.
 *
 *   hygiene-helper signal TERM|INT|HUP|QUIT|USR1|USR2|KILL TARGET...
 *       Each TARGET is a group, PGID: kill(-PGID, SIG); or a single process, PID@START: SIG to
 *       PID only if it still is the process that started at START (field 22 of /proc/PID/stat),
 *       through a pidfd (see pidfd.c). Any signal but KILL is followed by CONT so that stopped
 *       members can act on it. Refuses PGID <= 1 and its own process group (which is the JVM's): kill(-0) and
 *       kill(-1) would hit our own group or every process; refuses PID <= 1 and itself. A group
 *       or process that no longer exists (ESRCH), or a PID that belongs to another process now,
 *       is not an error. Exits 0, or 1 if any signal could not be sent.
 *
 *   hygiene-helper watch INFO REPORT JVM_PID JVM_START GROUPS
 *       The watchdog: see watchdog.c.
 *
 *   hygiene-helper version
 *       Prints the protocol version, for the agent's self-check.
 *
 * See setpgid(2), execve(2), kill(2), pidfd_send_signal(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_enter.h"
#include "signals.h"
#include "groups.h"
#include "number.h"
#include "pidfd.h"

#define PROTOCOL "process-hygiene-helper 5"

int run_watch(int argc, char **argv);

extern char **environ;

static int usage(void) {
    fprintf(stderr,
            "usage: hygiene-helper exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...]\n"
            "       hygiene-helper signal TERM|INT|HUP|QUIT|USR1|USR2|KILL PGID|PID@START...\n"
            "       hygiene-helper watch INFO REPORT JVM_PID JVM_START GROUPS\n"
            "       hygiene-helper version\n");
    return 2;
}

/* Tells the agent that execve failed: REPORT_DIR/exec-failed.PID holds the errno. */
static int report_exec_failure(const char *dir, int err) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/" EXEC_FAILED_PREFIX "%d", dir, (int) getpid());
    if (n < 0 || (size_t) n >= sizeof path) return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    char text[32];
    int len = snprintf(text, sizeof text, "%d\n", err);
    int ok = write(fd, text, (size_t) len) == len;
    if (close(fd) != 0) ok = 0;
    return ok ? 0 : -1;
}

/* The environment with MARKER added to MARKER_VAR (appended to a list a parent JVM started). */
static char **marked_environment(const char *marker) {
    size_t n = 0;
    while (environ[n] != NULL) n++;
    char **env = calloc(n + 2, sizeof(char *));
    if (env == NULL) return environ;
    size_t var = strlen(MARKER_VAR), k = 0;
    const char *outer = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], MARKER_VAR, var) == 0 && environ[i][var] == '=') outer = environ[i] + var + 1;
        else env[k++] = environ[i];
    }
    size_t len = var + 1 + (outer ? strlen(outer) + 1 : 0) + strlen(marker) + 1;
    char *entry = malloc(len);
    if (entry == NULL) return environ;
    if (outer != NULL && outer[0] != '\0') snprintf(entry, len, "%s=%s %s", MARKER_VAR, outer, marker);
    else snprintf(entry, len, "%s=%s", MARKER_VAR, marker);
    env[k++] = entry;
    env[k] = NULL;
    return env;
}

static int run_exec(int argc, char **argv) {
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
        else cgroup_report_failure(report_dir, cgroup, call, errno);
    }
    /* The marker only where no cgroup holds the descendants: with one, the environment is
     * exactly the application's. */
    if (!contained && strcmp(marker, "-") != 0) environ = marked_environment(marker);

    /* Lead a new process group. Failure leaves the child in the JVM's group; the agent reads the
     * group back from /proc and treats such a child as not isolated. */
    if (setpgid(0, 0) != 0) {
        fprintf(stderr, "hygiene-helper: setpgid: %s\n", strerror(errno));
    }

    execve(path, child_argv, environ);
    int err = errno;
    if (err == ENOEXEC) {
        /* The JDK's fallback for scripts without "#!": /bin/sh FILE ARG... (argv[0] replaced). */
        int n = argc - 5; /* ARGV0 and the args */
        char **sh_argv = calloc((size_t) n + 2, sizeof(char *));
        if (sh_argv == NULL) {
            fprintf(stderr, "hygiene-helper: calloc: %s\n", strerror(errno));
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
        fprintf(stderr, "hygiene-helper: execve %s: %s\n", path, strerror(err));
    }
    _exit(127);
}

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

static int run_signal(int argc, char **argv) {
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

int main(int argc, char **argv) {
    if (argc < 2) return usage();
    if (strcmp(argv[1], "exec") == 0) return run_exec(argc - 1, argv + 1);
    if (strcmp(argv[1], "signal") == 0) return run_signal(argc - 1, argv + 1);
    if (strcmp(argv[1], "watch") == 0) return run_watch(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0) {
        puts(PROTOCOL);
        return 0;
    }
    return usage();
}
