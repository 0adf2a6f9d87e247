package dev.hygiene.core;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether a child would share the JVM's controlling terminal on one of its standard streams.
 *
 * <p>A new process group in the JVM's session is a background job: if it reads the terminal the
 * kernel stops it with SIGTTIN (and with SIGTTOU if it changes the terminal's settings), and an
 * application waiting for it hangs. Such a child is therefore not moved to a group of its own; it
 * is tracked as a process tree instead (see {@link ProcessGroup#isolated}). See credentials(7),
 * tcsetpgrp(3).
 */
public final class Terminal {

    /** makedev(5, 0): /dev/tty, which always means the caller's controlling terminal. */
    private static final long DEV_TTY = (5 << 8);
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    private static volatile long controllingTty = -1;

    private Terminal() {}

    /** True if one of the child's standard streams would be the JVM's controlling terminal. */
    public static boolean shared(Redirect[] redirects, boolean redirectErrorStream) {
        if (redirects == null) return false; // all three are pipes
        long tty = controllingTty();
        if (tty == 0) return false;
        for (int fd = 0; fd < 3 && fd < redirects.length; fd++) {
            if (fd == 2 && redirectErrorStream) continue; // stderr goes where stdout goes
            Path target = target(fd, redirects[fd]);
            if (target != null && isTerminal(target, tty)) return true;
        }
        return false;
    }

    private static Path target(int fd, Redirect r) {
        if (r == null) return null;
        switch (r.type()) {
            case INHERIT:
                return Path.of("/proc/self/fd/" + fd);
            case READ:
            case WRITE:
            case APPEND:
                File f = r.file();
                return f == null ? null : f.toPath();
            default:
                return null;
        }
    }

    private static boolean isTerminal(Path p, long tty) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev");
            int mode = (Integer) a.get("mode");
            if ((mode & S_IFMT) != S_IFCHR) return false;
            long rdev = (Long) a.get("rdev");
            return rdev == tty || rdev == DEV_TTY;
        } catch (Exception e) {
            return false;
        }
    }

    private static long controllingTty() {
        long t = controllingTty;
        if (t < 0) {
            ProcStat self = ProcStat.self();
            t = self == null ? 0 : self.ttyNr;
            controllingTty = t;
        }
        return t;
    }
}
