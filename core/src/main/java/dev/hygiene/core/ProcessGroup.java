package dev.hygiene.core;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A child the agent started and is responsible for, with what contains it ({@link Containment}):
 * the child leads its own process group (pgid == pid, see setpgid(2)), in a cgroup of its own
 * where the JVM can create one; or, where a group was not possible or not wanted (the child
 * shares the JVM's terminal, or no helper could run), it is tracked as the tree of its
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

    /** The leader's pid; the group id when it {@link #leadsGroup}. */
    public final long pid;
    /** The leader's start time in clock ticks after boot (field 22 of /proc/PID/stat), 0 if unknown. */
    public final long startTime;
    /** What contains it and everything it starts. */
    public final Containment containment;
    /** The absolute path of its own cgroup directory where {@link #containment} is CGROUP, else null. */
    public final String cgroup;
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
    /** Why the agent terminates it, once it does; null until then. */
    volatile Ending ending;
    private final AtomicBoolean gone = new AtomicBoolean();
    /**
     * The leader's Process, weakly (the registry's Cleaner must still see it dropped); null for a
     * child adopted at attach, which has none.
     */
    private volatile WeakReference<Process> process;

    /** @param cgroup its cgroup directory: non-null exactly where CONTAINMENT is CGROUP */
    public ProcessGroup(long pid, long startTime, Containment containment, String cgroup, String command, String marker,
                        String origin, StopPolicy policy) {
        if ((containment == Containment.CGROUP) != (cgroup != null)) {
            throw new IllegalArgumentException(containment + " with cgroup " + cgroup);
        }
        this.pid = pid;
        this.startTime = startTime;
        this.containment = containment;
        this.cgroup = cgroup;
        this.command = command;
        this.startedNanos = System.nanoTime();
        this.marker = marker;
        this.origin = origin;
        this.policy = policy;
    }

    /** Notes the leader's Process (see {@link #leaderExited}). */
    void process(Process p) {
        process = new WeakReference<>(p);
    }

    /**
     * True if the leader is known to have exited: its Process says so, or the application dropped
     * it (the JDK holds a Process until its child exits). False where that is not known (an
     * adopted child).
     */
    boolean leaderExited() {
        WeakReference<Process> r = process;
        if (r == null) return false;
        Process p = r.get();
        return p == null || !p.isAlive();
    }

    /** Marks the group gone; true only the first time (the Cleaner and shutdown may race). */
    boolean markGone() {
        return gone.compareAndSet(false, true);
    }

    /** True if the leader leads its own process group (a cgroup's too), which is signalled as a whole. */
    public boolean leadsGroup() {
        return containment.leadsGroup;
    }

    /** Notes why the agent terminates it; the first reason stays. */
    void end(Ending why) {
        if (ending == null) ending = why;
    }

    /** True if STAT is this group's leader (same pid and start time), alive or zombie. */
    boolean isLeader(ProcStat stat) {
        return stat != null && stat.pid == pid && (startTime == 0 || stat.startTime == startTime);
    }

    @Override
    public String toString() {
        return (leadsGroup() ? "group " : "tree ") + pid + " (" + command + ")";
    }
}
