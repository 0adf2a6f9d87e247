package dev.hygiene.core;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A child the agent started and is responsible for: the child leads its own process group
 * ({@code isolated}, pgid == pid, see setpgid(2)), or, where that was not possible or not wanted
 * (the child shares the JVM's terminal, or no helper could run), it is tracked as the tree of its
 * descendants.
 *
 * <p>The group number is the leader's pid. The kernel does not hand that number to a new process
 * while any process still has it as pid or pgid, and allocates pids cyclically, so a number is
 * only signalled right after it was seen to belong to this group (see {@link Membership}); once
 * the group was seen empty it is never signalled again.
 *
 * <p>Identity is the object: two groups with the same number (one dead, one new) are different.
 */
public final class ProcessGroup {

    /** The leader's pid; the group id when {@link #isolated}. */
    public final long pid;
    /** The leader's start time in clock ticks after boot (field 22 of /proc/PID/stat), 0 if unknown. */
    public final long startTime;
    /** True if the leader leads its own process group; false if tracked as a process tree. */
    public final boolean isolated;
    /** The command line, for messages. */
    public final String command;
    /** System.nanoTime() when it was started. */
    public final long startedNanos;
    /**
     * The token in the members' PROCESS_HYGIENE_GROUP environment variable, which descendants
     * that leave the group (setsid, daemons) keep; null if the child was not given one.
     */
    public final String marker;
    /** The application frame that started it ("com.example.Launcher.run(Launcher.java:42)"), or null. */
    public final String origin;
    /** How it is stopped: its first signal, leader first or not, its grace. */
    public final StopPolicy policy;
    /** The absolute path of the child's own cgroup directory, or null if it has none (contained by its process group only). */
    public volatile String cgroup;
    /** Why the agent terminates it, once it does: shutdown, dropped, orphaned, destroy, terminate-all. */
    volatile String ending;
    private final AtomicBoolean gone = new AtomicBoolean();

    public ProcessGroup(long pid, long startTime, boolean isolated, String command, String marker, String origin,
                        StopPolicy policy) {
        this.pid = pid;
        this.startTime = startTime;
        this.isolated = isolated;
        this.command = command;
        this.startedNanos = System.nanoTime();
        this.marker = marker;
        this.origin = origin;
        this.policy = policy;
    }

    /** Marks the group gone; true only the first time (the Cleaner and shutdown may race). */
    boolean markGone() {
        return gone.compareAndSet(false, true);
    }

    /** What contains it: its cgroup, its process group, or (not isolated) its tree of descendants. */
    public Containment containment() {
        return cgroup != null ? Containment.CGROUP : isolated ? Containment.GROUP : Containment.TREE;
    }

    /** True if STAT is this group's leader (same pid and start time), alive or zombie. */
    boolean isLeader(ProcStat stat) {
        return stat != null && stat.pid == pid && (startTime == 0 || stat.startTime == startTime);
    }

    @Override
    public String toString() {
        return (isolated ? "group " : "tree ") + pid + " (" + command + ")";
    }
}
