package dev.hygiene.core;

/**
 * How a child is made the leader of a process group of its own: by the bundled {@link Helper}, or,
 * where it cannot run, by {@link SetsidLauncher setsid(1)}. Either is a program the JDK starts in
 * the child's place, which then execs the real program.
 */
interface GroupLauncher {

    /** The command the JDK starts instead of ARGV (whose program, resolved, is PROGRAM). */
    String[] command(String program, String[] argv, String marker);

    /** True if CMDLINE (read from /proc, possibly cut short) may still be the launcher's own. */
    boolean stillLaunching(byte[] cmdline, int length);

    /** True if the launcher running as PID ended without managing to exec the program. */
    boolean execFailed(long pid);
}
