/*
 * jdk_child: the work of the JDK's jspawnhelper, done by the helper itself.
 *
 * With the POSIX_SPAWN launch mechanism (Linux's default) the JDK posix_spawns its jspawnhelper
 * with three arguments (its path, the JDK's version string, "FDIN_READ:FDIN_WRITE:FDOUT") and
 * writes down the pipe FDIN_READ: a magic number; its ChildStuff structure (the child's pipes and
 * descriptors, the launch mode, whether stderr goes to stdout, whether an "alive" ping is
 * wanted); its SpawnInfo (the counts and sizes of what follows); then the strings: the argv, the
 * environment (only if the application gave one), the working directory, the JVM's PATH split at
 * ':'. It then reads the fail pipe: the alive ping, then either the errno of a set-up or exec that
 * failed, or end-of-file once the exec has closed the pipe (close-on-exec). The JDK's sources
 * say the same: src/java.base/unix/native/libjava/{childproc.c,ProcessImpl_md.c} and
 * src/java.base/unix/native/jspawnhelper/jspawnhelper.c.
 *
 * jspawnhelper is dynamically linked: on the machines measured its exec costs three times this
 * static helper's (BENCHMARKS.md), and spawn mode ran both, one after the other, for each child.
 * Here the helper, once it leads its group (and cgroup), does jspawnhelper's work itself: the
 * program is the next exec. It does so only for the JDK builds whose structures and child set-up
 * were read off their sources or binaries (jdk_child_kind); for any other build the JDK's own
 * jspawnhelper runs, as before, with its arguments untouched and its pipe unread.
 *
 * The two kinds known differ in one step: JDK 25 also empties the signal mask and restores
 * SIGPIPE's default action before the exec; JDK 17 leaves both as the JVM had them.
 */
#define _GNU_SOURCE
#include "jdk_child.h"
#include "descriptors.h"
#include "watch_start.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* The JDK's ChildStuff, byte for byte as it writes it (its pointers are the JVM's: replaced here). */
struct child_stuff {
    int in[2];
    int out[2];
    int err[2];
    int fail[2];
    int childenv[2];
    int fds[3];
    int mode;
    const char **argv;
    int argc;
    const char **envv;
    const char *pdir;
    int redirect_error_stream;
    int send_alive_ping;
};

/* The JDK's SpawnInfo: the number of strings in each vector (its terminating NULL counted), and
 * the bytes of each block that follows. */
struct spawn_info {
    int nargv;
    int argv_bytes;
    int nenvv;
    int envv_bytes;
    int dirlen;
    int npath;
    int path_bytes;
};

_Static_assert(sizeof(void *) != 8 || sizeof(struct child_stuff) == 96, "ChildStuff as a 64-bit JDK writes it");
_Static_assert(sizeof(struct spawn_info) == 28, "SpawnInfo as the JDK writes it");

#define MAGIC 43110
#define MODE_POSIX_SPAWN 2
#define MODE_VFORK 3
#define CHILD_IS_ALIVE 65535
#define FAIL_FD 3 /* where the fail pipe goes in the child */
/* What jspawnhelper writes to FDOUT (and exits with) when it cannot read its set-up. */
#define ERR_MALLOC 1
#define ERR_PIPE 2

/* The JDK builds checked, FEATURE.0.FROM to FEATURE.0.TO, and how they set up a child. */
static const struct {
    int feature, from, to, kind;
} KNOWN[] = {
    /* 17.0.15 (Debian's build: its jspawnhelper disassembled), 17.0.19 (Debian's source). */
    {17, 15, 19, JDK_CHILD_17},
    /* 25.0.3 (Temurin's build: its jspawnhelper disassembled, symbols included). */
    {25, 3, 3, JDK_CHILD_25},
};

/* The decimal number at *S (advanced past it), or -1 if none or too large. */
static int number(const char **s) {
    const char *p = *s;
    long v = 0;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
        if (v > 1000000) return -1;
    }
    *s = p;
    return (int) v;
}

int jdk_child_kind(const char *version) {
    const char *s = version;
    int feature = number(&s);
    if (feature < 0 || *s++ != '.' || number(&s) != 0 || *s++ != '.') return 0;
    int update = number(&s);
    if (update < 0 || (*s != '\0' && *s != '+' && *s != '-' && *s != '.')) return 0;
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++) {
        if (KNOWN[i].feature == feature && update >= KNOWN[i].from && update <= KNOWN[i].to) return KNOWN[i].kind;
    }
    return 0;
}

/* "R:W:O" into three descriptors; false if TEXT is anything else. */
static int parse_fds(const char *text, int fds[3]) {
    const char *s = text;
    for (int i = 0; i < 3; i++) {
        if ((fds[i] = number(&s)) < 0) return 0;
        if (*s++ != (i < 2 ? ':' : '\0')) return 0;
    }
    return 1;
}

/* N bytes from FD into BUF, through EINTR and short reads; fewer only at end-of-file; -1 on error. */
static ssize_t read_fully(int fd, void *buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, (char *) buf + done, n - done);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t) r;
    }
    return (ssize_t) done;
}

static int write_fully(int fd, const void *buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *) buf + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t) w;
    }
    return 0;
}

/* The set-up could not be read: as jspawnhelper, CODE to the JDK, and exit 1. */
__attribute__((noreturn)) static void unreadable(int fdout, int code) {
    watch_start_end();
    if (write(fdout, &code, sizeof code) != (ssize_t) sizeof code) _exit(0x80 + code);
    _exit(1);
}

/* COUNT strings, one after another in BLOCK (SIZE bytes), into *OUT as a NULL-terminated vector:
 * 0, or ERR_MALLOC, or ERR_PIPE if they do not fit in BLOCK. */
static int vector(const char *block, size_t size, int count, const char ***out) {
    const char **v = malloc(((size_t) count + 1) * sizeof *v);
    if (v == NULL) return ERR_MALLOC;
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        const char *end = at < size ? memchr(block + at, '\0', size - at) : NULL;
        if (end == NULL) return ERR_PIPE;
        v[i] = block + at;
        at = (size_t) (end - block) + 1;
    }
    v[count] = NULL;
    *out = v;
    return 0;
}

static int close_unless_none(int fd) {
    return fd == -1 ? 0 : close(fd);
}

static int dup2_retrying(int from, int to) {
    int r;
    do {
        r = dup2(from, to);
    } while (r == -1 && errno == EINTR);
    return r;
}

/* FROM becomes TO (and FROM is closed); -1 on failure. */
static int move_fd(int from, int to) {
    if (from == to) return 0;
    return dup2_retrying(from, to) == -1 || close(from) == -1 ? -1 : 0;
}

/* execve(FILE); where the kernel cannot run FILE (ENOEXEC: a script without "#!"), FILE as a
 * script of /bin/sh, as glibc's execvp does (and the JDK relies on). Returns with errno set. */
static void exec_or_shell(const char *file, const char **argv, char **envp) {
    execve(file, (char **) argv, envp);
    if (errno != ENOEXEC) return;
    size_t n = 0;
    while (argv[n] != NULL) n++;
    const char **sh = malloc((n + 3) * sizeof *sh);
    if (sh == NULL) {
        errno = ENOEXEC;
        return;
    }
    /* { "/bin/sh", FILE, ARGV[1], ..., NULL } */
    size_t k = 0;
    sh[k++] = "/bin/sh";
    sh[k++] = file;
    for (size_t i = 1; i < n; i++) sh[k++] = argv[i];
    sh[k] = NULL;
    execve("/bin/sh", (char **) sh, envp);
}

/* FILE, if it needs no search: empty (ENOENT), or a path with a '/' (exec'd as is). True if so. */
static int exec_without_search(const char *file, const char **argv, char **envp) {
    if (*file == '\0') {
        errno = ENOENT;
        return 1;
    }
    if (strchr(file, '/') == NULL) return 0;
    exec_or_shell(file, argv, envp);
    return 1;
}

/* glibc's execvp(FILE, ARGV) with the environment ENVP (the JDK's for a child without an
 * environment of its own): FILE as is if it holds a '/', else each directory of this process's
 * PATH (default "/bin:/usr/bin") in turn, an empty one meaning the current directory. */
static void exec_like_glibc(const char *file, const char **argv, char **envp) {
    if (exec_without_search(file, argv, envp)) return;
    const char *path = getenv("PATH");
    if (path == NULL) path = "/bin:/usr/bin";
    if (strlen(file) > NAME_MAX) { /* glibc tries it, and the kernel says so */
        errno = ENAMETOOLONG;
        return;
    }
    size_t file_len = strlen(file) + 1;
    size_t path_len = strnlen(path, PATH_MAX - 1) + 1;
    char *buffer = malloc(path_len + file_len + 1);
    if (buffer == NULL) {
        errno = ENOMEM;
        return;
    }
    int eacces = 0;
    for (const char *p = path, *sub;; p = sub) {
        sub = strchrnul(p, ':');
        if ((size_t) (sub - p) >= path_len) { /* longer than PATH_MAX: skipped, as glibc does */
            if (*sub == '\0') break;
            continue;
        }
        char *end = mempcpy(buffer, p, (size_t) (sub - p));
        *end = '/';
        memcpy(end + (p < sub), file, file_len);
        exec_or_shell(buffer, argv, envp);
        switch (errno) {
        case EACCES:
            eacces = 1;
            /* fall through */
        case ENOENT:
        case ESTALE:
        case ENOTDIR:
        case ENODEV:
        case ETIMEDOUT:
            break;
        default:
            return;
        }
        if (*sub++ == '\0') break;
    }
    if (eacces) errno = EACCES;
}

/* The JDK's JDK_execvpe in POSIX_SPAWN mode: without an environment of the application's, glibc's
 * execvp; with one, FILE as is if it holds a '/', else each directory of the JVM's PATH (DIRS,
 * empty ones already made ".") in turn, with the JDK's rules for which errors go on to the next. */
static void exec_like_jdk(const char *file, const char **argv, const char **envv, const char **dirs) {
    if (envv == NULL) {
        exec_like_glibc(file, argv, environ);
        return;
    }
    char **envp = (char **) envv;
    if (exec_without_search(file, argv, envp)) return;
    char expanded[PATH_MAX];
    size_t file_len = strlen(file);
    int sticky = 0;
    for (; *dirs != NULL; dirs++) {
        size_t dir_len = strlen(*dirs);
        if (file_len + dir_len + 2 >= PATH_MAX) {
            errno = ENAMETOOLONG;
            continue;
        }
        memcpy(expanded, *dirs, dir_len);
        if (dir_len == 0 || expanded[dir_len - 1] != '/') expanded[dir_len++] = '/';
        memcpy(expanded + dir_len, file, file_len);
        expanded[dir_len + file_len] = '\0';
        exec_or_shell(expanded, argv, envp);
        switch (errno) {
        case EACCES:
            sticky = EACCES;
            /* fall through */
        case ENOENT:
        case ENOTDIR:
        case ELOOP:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT:
            break;
        default:
            return;
        }
    }
    if (sticky != 0) errno = sticky;
}

/* The JDK's childProcess for a child C of a JDK of KIND, with the JVM's PATH DIRS: the alive ping,
 * the descriptors, the directory, (JDK 25) the signals, the exec; or the errno to the JDK. */
__attribute__((noreturn)) static void run_child(const struct child_stuff *c, const char **dirs, int kind) {
    int fail = c->fail[1];
    if (c->send_alive_ping) {
        int code = CHILD_IS_ALIVE;
        if (write_fully(fail, &code, sizeof code) != 0) goto failed;
    }
    /* The parent's ends of the pipes. */
    if (close_unless_none(c->in[1]) == -1 || close_unless_none(c->out[0]) == -1 || close_unless_none(c->err[0]) == -1
        || close_unless_none(c->childenv[0]) == -1 || close_unless_none(c->childenv[1]) == -1
        || close_unless_none(c->fail[0]) == -1)
        goto failed;
    if (move_fd(c->in[0] != -1 ? c->in[0] : c->fds[0], STDIN_FILENO) == -1
        || move_fd(c->out[1] != -1 ? c->out[1] : c->fds[1], STDOUT_FILENO) == -1)
        goto failed;
    if (c->redirect_error_stream) {
        if (close_unless_none(c->err[1]) == -1 || dup2_retrying(STDOUT_FILENO, STDERR_FILENO) == -1) goto failed;
    } else if (move_fd(c->err[1] != -1 ? c->err[1] : c->fds[2], STDERR_FILENO) == -1) {
        goto failed;
    }
    if (move_fd(fail, FAIL_FD) == -1) goto failed;
    fail = FAIL_FD;
    if (close_from(FAIL_FD + 1) == -1) goto failed;
    if (c->pdir != NULL && chdir(c->pdir) < 0) goto failed;
    if (kind == JDK_CHILD_25 && c->mode != MODE_VFORK) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
    }
    if (fcntl(FAIL_FD, F_SETFD, FD_CLOEXEC) == -1) goto failed;
    if (kind == JDK_CHILD_25 && signal(SIGPIPE, SIG_DFL) == SIG_ERR) goto failed;
    watch_start_end(); /* the watchdog runs before the program does (or it failed) */
    exec_like_jdk(c->argv[0], c->argv, c->envv, dirs);
failed:;
    int errnum = errno;
    watch_start_end();
    write_fully(fail, &errnum, sizeof errnum);
    close(fail);
    _exit(-1);
}

void jdk_child_run(char **argv, int kind) {
    int fds[3];
    struct stat st;
    /* As jspawnhelper checks them; anything else is for the JDK's jspawnhelper to refuse. */
    if (argv[1] == NULL || argv[2] == NULL || argv[3] != NULL || !parse_fds(argv[2], fds)
        || fcntl(fds[0], F_GETFD) == -1 || fcntl(fds[1], F_GETFD) == -1 || fstat(fds[0], &st) != 0
        || !S_ISFIFO(st.st_mode))
        return;
    int fdin = fds[0], fdin_write = fds[1], fdout = fds[2];
    /* Before reading: a JVM that dies meanwhile must not leave the read blocked. */
    close(fdin_write);

    int magic;
    struct child_stuff c;
    struct spawn_info sp;
    if (read_fully(fdin, &magic, sizeof magic) != (ssize_t) sizeof magic || magic != MAGIC) unreadable(fdout, ERR_PIPE);
    if (read_fully(fdin, &c, sizeof c) != (ssize_t) sizeof c) unreadable(fdout, ERR_PIPE);
    if (read_fully(fdin, &sp, sizeof sp) != (ssize_t) sizeof sp) unreadable(fdout, ERR_PIPE);
    /* The structure holds what the arguments said, or its layout is not the one known: refuse it
     * rather than guess (the JDK then throws, and the agent starts the command plainly). */
    if (c.childenv[0] != fdin || c.childenv[1] != fdin_write || c.fail[1] != fdout || c.mode != MODE_POSIX_SPAWN
        || sp.nargv < 2 || sp.argv_bytes < 0 || sp.nenvv < 0 || sp.envv_bytes < 0 || sp.dirlen < 0 || sp.npath < 1
        || sp.path_bytes < 0)
        unreadable(fdout, ERR_PIPE);
    long long total = (long long) sp.argv_bytes + sp.envv_bytes + sp.dirlen + sp.path_bytes;
    if (total > INT_MAX) unreadable(fdout, ERR_PIPE);
    char *buf = malloc(total > 0 ? (size_t) total : 1);
    if (buf == NULL) unreadable(fdout, ERR_MALLOC);
    if (read_fully(fdin, buf, (size_t) total) != (ssize_t) total) unreadable(fdout, ERR_PIPE);

    int rc;
    size_t at = 0;
    if ((rc = vector(buf, (size_t) sp.argv_bytes, sp.nargv - 1, &c.argv)) != 0) unreadable(fdout, rc);
    at += (size_t) sp.argv_bytes;
    c.envv = NULL;
    if (sp.nenvv != 0) {
        if ((rc = vector(buf + at, (size_t) sp.envv_bytes, sp.nenvv - 1, &c.envv)) != 0) unreadable(fdout, rc);
        at += (size_t) sp.envv_bytes;
    }
    c.pdir = NULL;
    if (sp.dirlen != 0) {
        if (buf[at + (size_t) sp.dirlen - 1] != '\0') unreadable(fdout, ERR_PIPE);
        c.pdir = buf + at;
        at += (size_t) sp.dirlen;
    }
    const char **dirs;
    if ((rc = vector(buf + at, (size_t) sp.path_bytes, sp.npath - 1, &dirs)) != 0) unreadable(fdout, rc);
    /* Closed already (above), as jspawnhelper marks it. */
    c.childenv[1] = -1;
    run_child(&c, dirs, kind);
}
