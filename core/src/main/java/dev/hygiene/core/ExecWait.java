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
     * program's, so once PID leads its group, its command name (in the same read of
     * /proc/PID/stat) is the launcher's until the program's exec replaces it; the kernel changes
     * the name after the program's memory (and so its command line) is in place. Never the JVM's,
     * which a VFORK child shows until its exec (and which may be the program's too: a JVM that
     * starts itself again): by then PID does not lead a group. Only a program with the launcher's
     * own name needs its command line read, which then must be neither empty nor the launcher's
     * (a read racing with an exit can return any prefix of it). Done then, or when PID has
     * already ended.
     *
     * <p>The launcher needs about 100 us to set its group and exec: the first look comes after
     * 60 us, then one every 20 us, later less often (waiting, not spinning).
     *
     * @return the child's stat once it runs the program, one with only its pid as group if it has
     *         already ended after running it, or null if the launcher could not exec it
     */
    static ProcStat await(GroupLauncher h, long pid) {
        String stat = "/proc/" + pid + "/stat";
        byte[] buffer = new byte[512];
        byte[] launcherName = h.commandName();
        long start = System.nanoTime();
        for (int round = 0; ; round++) {
            LockSupport.parkNanos(round == 0 ? 60_000 : round < 10 ? 20_000 : round < 100 ? 100_000 : 1_000_000);
            ProcStat s;
            try {
                int n = ProcStat.readFile(stat, buffer);
                s = n <= 0 ? null : ProcStat.parse(pid, buffer, n);
                if (s != null && s.alive() && s.pgrp == pid
                        && (!ProcStat.hasCommandName(buffer, n, launcherName) || ranProgram(h, pid))) {
                    return s;
                }
            } catch (IOException e) {
                s = null; // gone (reaped) already
            }
            if (s == null || !s.alive()) return ended(h, pid, s);
            if (System.nanoTime() - start > TIMEOUT_NANOS) {
                Log.warn("pid " + pid + " still runs the helper after 5 s; not waiting for it any longer");
                ProcStat last = ProcStat.read(pid);
                return last != null ? last : ended(h, pid, null);
            }
        }
    }

    /**
     * For a child that leads its group and has the launcher's command name: true if its command
     * line is the program's (a program named like the launcher), false if still the launcher's,
     * empty (inside execve, or ended) or unreadable.
     */
    private static boolean ranProgram(GroupLauncher h, long pid) {
        byte[] cmdline = new byte[4096];
        try {
            int n = ProcStat.readFile("/proc/" + pid + "/cmdline", cmdline);
            return n > 0 && !h.stillLaunching(cmdline, n);
        } catch (IOException e) {
            return false;
        }
    }

    /** A child that ended while we waited: null if its launcher could not exec, else what is known. */
    private static ProcStat ended(GroupLauncher h, long pid, ProcStat last) {
        if (h.execFailed(pid)) return null;
        // It ran and ended; setpgid came before the exec, so it led its own group.
        return new ProcStat(pid, 'X', 0, pid, 0, 0, last == null ? 0 : last.startTime);
    }
}
