/*
 * watch_start: the watchdog, started by the spawn mode of the JVM's first isolated child.
 *
 * Rather than start the watchdog through a JDK start of its own (a second spawn, with its pipes,
 * its reaper and its waitFor: most of what a first start cost the JVM), the JVM writes
 * DIR/WATCH_REQUEST (the watch mode's five arguments, INFO REPORT JVM_PID JVM_START GROUPS, each
 * ended by a NUL) before that child's start. The spawn mode of every child tries
 * rename(DIR/WATCH_REQUEST, DIR/WATCH_CLAIMED): of children started at once, one wins; for every
 * later child it is one failed call. The winner, before it enters the child's cgroup or group (the
 * watchdog belongs to neither), forks. The copy closes every descriptor above 2 (the JDK's pipes to
 * the child must not stay open in the watchdog, or the application would never see their end),
 * puts /dev/null on 0 and 1, and execs the helper as "hygiene-helper watch ARGS" (the command line
 * the JVM would have given it) with the environment minus MARKER_VAR (a nested JVM's watchdog must
 * not look like a member of its parent JVM's group). stderr stays the JVM's own, as it is in the
 * spawn mode before the child's descriptors are set up: the watch mode says there why it failed.
 * The watch mode forks the watchdog and exits once that watches the JVM (see watchdog.c). Meanwhile
 * the child goes on with its own set-up; before its exec (or before it reports to the JDK that it
 * cannot), it waits for the watch mode's exit, whose status renames DIR/WATCH_CLAIMED to
 * DIR/WATCH_STARTED (0) or DIR/WATCH_FAILED (any other). The JDK returns from the child's start
 * only after that exec or that report, so the JVM finds the outcome when its start returns, and
 * the watchdog is running by then (in a session of its own: a signal to the JVM's group cannot
 * reach it).
 */
#define _GNU_SOURCE
#include "watch_start.h"
#include "descriptors.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define WHO "hygiene-helper: spawn"
#define ARGS 5

/* DIR_PATH's first DIR_LEN bytes, then NAME, into OUT; -1 if too long. */
static int path_in(char *out, size_t size, const char *dir_path, size_t dir_len, const char *name) {
    int n = snprintf(out, size, "%.*s%s", (int) dir_len, dir_path, name);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}

/* The forked copy: becomes the watch mode. Never returns. */
static void become_watch_mode(const char *helper, char **args) {
    (void) close_from(3); /* one left open is only held, not used */
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) {
        fprintf(stderr, WHO ": /dev/null for the watchdog: %s\n", strerror(errno));
        _exit(1);
    }
    if (null > 1) close(null); /* a duplicate of 0 and 1 */
    size_t n = 0;
    while (environ[n] != NULL) n++;
    char **env = malloc((n + 1) * sizeof *env);
    if (env == NULL) {
        fprintf(stderr, WHO ": malloc(): %s\n", strerror(errno));
        _exit(1);
    }
    size_t k = 0, var = strlen(MARKER_VAR);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], MARKER_VAR, var) == 0 && environ[i][var] == '=') continue;
        env[k++] = environ[i];
    }
    env[k] = NULL;
    char *argv[ARGS + 3] = {(char *) helper, "watch", args[0], args[1], args[2], args[3], args[4], NULL};
    execve(helper, argv, env);
    fprintf(stderr, WHO ": execve(%s): %s\n", helper, strerror(errno));
    _exit(1);
}

/* The five NUL-ended arguments of the claimed request into ARGS (pointing into BUF); -1 if it is
 * not that. */
static int read_request(const char *path, char *buf, size_t size, char **args) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = 0;
    ssize_t r;
    while (len < size && (r = read(fd, buf + len, size - len)) != 0) {
        if (r < 0) {
            if (errno == EINTR) continue;
            close(fd);
            return -1;
        }
        len += (size_t) r;
    }
    close(fd); /* only read from */
    size_t at = 0;
    for (int i = 0; i < ARGS; i++) {
        char *end = at < len ? memchr(buf + at, '\0', len - at) : NULL;
        if (end == NULL) return -1;
        args[i] = buf + at;
        at = (size_t) (end - buf) + 1;
    }
    return at == len ? 0 : -1;
}

/* The watch mode's start in progress (-1: none), and where its outcome goes. */
static pid_t pending = -1;
static char claimed[4096], started[4096], failed[4096];

/* DIR/WATCH_CLAIMED renamed after the outcome. */
static void outcome(int ok) {
    if (rename(claimed, ok ? started : failed) != 0) fprintf(stderr, WHO ": rename(%s): %s\n", claimed, strerror(errno));
}

void watch_start_begin(const char *dir_path, size_t dir_len) {
    char request[4096], helper[4096];
    if (path_in(request, sizeof request, dir_path, dir_len, WATCH_REQUEST) != 0
        || path_in(claimed, sizeof claimed, dir_path, dir_len, WATCH_CLAIMED) != 0
        || path_in(started, sizeof started, dir_path, dir_len, WATCH_STARTED) != 0
        || path_in(failed, sizeof failed, dir_path, dir_len, WATCH_FAILED) != 0
        || path_in(helper, sizeof helper, dir_path, dir_len, HELPER_FILE) != 0) {
        return; /* the JVM finds its request unclaimed and starts the watchdog itself */
    }
    /* ENOENT: no request (every child but the first), or another child's. Any other failure: the
     * request stays, and the JVM starts the watchdog itself. */
    if (rename(request, claimed) != 0) return;
    static char buf[8192];
    char *args[ARGS];
    if (read_request(claimed, buf, sizeof buf, args) != 0) {
        fprintf(stderr, WHO ": %s: not the watch mode's five arguments\n", claimed);
        outcome(0);
        return;
    }
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, WHO ": fork(): %s\n", strerror(errno));
        outcome(0);
        return;
    }
    if (child == 0) become_watch_mode(helper, args);
    pending = child;
}

void watch_start_end(void) {
    if (pending < 0) return;
    int status = 0;
    pid_t r;
    do r = waitpid(pending, &status, 0); while (r < 0 && errno == EINTR);
    /* ECHILD only if SIGCHLD is ignored (the copy was reaped unseen): nothing is known. */
    if (r < 0) fprintf(stderr, WHO ": waitpid(the watchdog's start): %s\n", strerror(errno));
    pending = -1;
    outcome(r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
