package dev.hygiene.core;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes the first start's move into a cgroup fast, from when a start is announced (the
 * application loaded ProcessBuilder) until it has come, on a daemon thread of its own.
 *
 * <p>The helper moves itself into the child's cgroup before it execs the child's program. That
 * move takes the kernel's lock of every thread group (cgroup_threadgroup_rwsem) for writing, which
 * waits for an RCU grace period unless the lock was taken so within about one: 5 to 20 ms
 * measured on this project's machines, all of which a first start (or any start after a pause)
 * waited. A write of the JVM's pid, as a thread, to the JVM's own cgroup.threads takes that lock
 * the same way and changes nothing: the kernel finds that thread where it is already (a move to
 * where it is), or, if something moved the JVM meanwhile, refuses to move a single thread across
 * domains (EOPNOTSUPP). Not in a threaded cgroup, where a thread could be moved back. Repeated
 * every {@link #INTERVAL_NANOS}, it keeps the lock fast (a move then took 0.1 ms) for a start
 * that comes later, for at most {@link #LIMIT_NANOS}.
 *
 * <p>The kernel holds its cgroup mutex while it waits, so the JVM's cgroup directory, which the
 * first start's set-up would make then (and wait for that), is made here first; if no start
 * takes it over (the JVM exits first, or no start comes in time, or the set-up finds no helper),
 * it is removed again. Failures are nothing to report: the first start then does, and says, what
 * it would have.
 */
final class CgroupWarmUp extends Thread {

    /** How long the lock is kept fast at most, for a first start that has not come. */
    static final long LIMIT_NANOS = 100_000_000;
    /** How often it is taken meanwhile: well within the shortest grace period measured (4 ms). */
    static final long INTERVAL_NANOS = 2_000_000;

    private final Lifecycle life;
    private volatile boolean stopped;
    /** The JVM's cgroup directory if this made it (or found it made) and it is not removed yet. */
    private Cgroups made;
    /** True once the directory may no longer be made (the warm-up's end, the JVM's exit). */
    private boolean ended;

    CgroupWarmUp(Lifecycle life) {
        super("process-hygiene-cgroup-warm-up");
        setDaemon(true);
        this.life = life;
    }

    /** A start has made its move (or failed): nothing more to keep fast. */
    void end() {
        stopped = true;
    }

    @Override
    public void run() {
        Thread atExit = new Thread(new Removal(), "process-hygiene-cgroup-warm-up-end");
        try {
            Runtime.getRuntime().addShutdownHook(atExit);
        } catch (RuntimeException e) {
            return; // exiting already
        }
        try {
            ProcStat self = ProcStat.self();
            if (self == null) return;
            long pid = self.pid;
            String parent;
            // Not under LIFE, which the first start's set-up holds throughout: that set-up may be
            // making the same directory now (whoever comes second finds it made).
            synchronized (this) {
                if (ended) return;
                Cgroups cg = Cgroups.create(pid, self.startTime, new StringBuilder());
                if (cg == null) return; // the first start's set-up tries again, and says why not
                made = cg;
                parent = new File(cg.dir).getParent();
            }
            keepFast(parent, pid);
        } catch (RuntimeException e) {
            // nothing lost: the first move waits as it would have
        } finally {
            new Removal().run();
            try {
                Runtime.getRuntime().removeShutdownHook(atExit);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs, and finds nothing left to do
            }
        }
    }

    /** Takes the lock through PARENT's cgroup.threads until a start came, or for {@link #LIMIT_NANOS}. */
    private void keepFast(String parent, long pid) {
        // No cgroup.type in the root cgroup (which holds processes and threads alike).
        String type = Cgroups.read(parent + "/cgroup.type");
        if (type != null && !type.trim().equals("domain")) return;
        String threads = parent + "/cgroup.threads";
        byte[] tid = Long.toString(pid).getBytes(StandardCharsets.ISO_8859_1);
        long began = System.nanoTime();
        String refused = take(threads, tid);
        if (refused != null) {
            Log.debug("cgroup moves not warmed up (" + threads + ": " + refused + ")");
            return;
        }
        if (Log.enabled(Log.Level.DEBUG)) Log.debug("cgroup moves warmed up in " + (System.nanoTime() - began) / 1000 + " us");
        int times = 1;
        while (refused == null && !stopped && System.nanoTime() - began < LIMIT_NANOS) {
            LockSupport.parkNanos(INTERVAL_NANOS);
            if (stopped) break;
            refused = take(threads, tid);
            times++;
        }
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.debug("cgroup moves kept fast for " + (System.nanoTime() - began) / 1_000_000 + " ms (" + times + " writes"
                    + (stopped ? ", until the first start)" : refused != null ? ", then " + refused + ")" : ")"));
        }
    }

    /**
     * Writes TID to THREADS: null if the kernel took its lock, else why it could not. A refused
     * write counts as taken: the kernel refuses a move (here only across domains, after the JVM was
     * moved meanwhile) once it holds its lock; what fails before it, fails at the open.
     */
    private static String take(String threads, byte[] tid) {
        FileOutputStream out;
        try {
            out = new FileOutputStream(threads);
        } catch (IOException e) {
            return String.valueOf(e.getMessage());
        }
        try (out) {
            out.write(tid);
        } catch (IOException e) {
            // refused after the lock
        }
        return null;
    }

    /**
     * Removes the directory this made unless the first start's set-up has taken it over; until
     * then no child was moved into it, and it is empty. At the warm-up's end and at the JVM's exit
     * (a plain class: no lambda).
     */
    private final class Removal implements Runnable {
        @Override
        public void run() {
            // LIFE first (never taken the other way round): a set-up in progress ends before.
            synchronized (life) {
                synchronized (CgroupWarmUp.this) {
                    ended = true;
                    Cgroups cg = made;
                    made = null;
                    if (cg != null && !life.holds(cg)) Cgroups.remove(cg.dir);
                }
            }
        }
    }
}
