package dev.hygiene.core;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits, after the JDK started the launcher (helper or setsid) for a child, until the child runs
 * the real program in its own group: the JDK returns after the launcher's exec (or, with VFORK,
 * even before it), and without this wait the application could read the launcher's command line,
 * an empty one (inside execve), or the JVM's group.
 */
final class ExecWait {

    /** How long a start waits for the launcher to exec the real program before giving up on it. */
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private ExecWait() {}

    /**
     * The group comes first: the launcher sets it after its own exec and just before the
     * program's, so once PID leads its group, a command line read after that is the launcher's or
     * the program's (never the JVM's, which a VFORK child shows until its exec, and which may be
     * the program's too: a JVM that starts itself again). Done when PID leads its group and then
     * shows a command line that is neither empty nor the launcher's (a read racing with an exit
     * can return any prefix of it); or when it has already ended.
     *
     * @return the child's stat once it runs the program, one with only its pid as group if it has
     *         already ended after running it, or null if the launcher could not exec it
     */
    static ProcStat await(GroupLauncher h, long pid) {
        String cmdline = "/proc/" + pid + "/cmdline";
        byte[] buffer = new byte[4096];
        long start = System.nanoTime();
        for (int round = 0; ; round++) {
            // The helper needs about 100 us to set its group and exec: wait rather than spin, and
            // do not look before it can have happened.
            LockSupport.parkNanos(round == 0 ? 60_000 : round < 10 ? 20_000 : round < 100 ? 100_000 : 1_000_000);
            ProcStat s = ProcStat.read(pid);
            if (s == null || !s.alive()) return ended(h, pid, s);
            if (s.pgrp == pid) {
                int n;
                try {
                    n = ProcStat.readFile(cmdline, buffer);
                } catch (IOException e) {
                    return ended(h, pid, s); // gone (reaped) already
                }
                if (n > 0 && !h.stillLaunching(buffer, n)) return s;
                // Empty (inside execve, or ended: the next stat tells) or still the launcher's.
            }
            if (System.nanoTime() - start > TIMEOUT_NANOS) {
                Log.warn("pid " + pid + " still runs the helper after 5 s; not waiting for it any longer");
                ProcStat last = ProcStat.read(pid);
                return last != null ? last : ended(h, pid, null);
            }
        }
    }

    /** A child that ended while we waited: null if its launcher could not exec, else what is known. */
    private static ProcStat ended(GroupLauncher h, long pid, ProcStat last) {
        if (h.execFailed(pid)) return null;
        // It ran and ended; setpgid came before the exec, so it led its own group.
        return new ProcStat(pid, 'X', 0, pid, 0, 0, last == null ? 0 : last.startTime);
    }
}
