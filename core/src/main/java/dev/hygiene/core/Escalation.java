package dev.hygiene.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one termination algorithm, used at shutdown, on destroy(), and for dropped processes:
 * SIGTERM and SIGCONT to the whole group, then watch its membership until it is empty or the grace
 * period has passed, then SIGKILL whatever is left. A forced termination sends SIGKILL at once.
 *
 * <p>Membership is watched, not slept on: a single thread ("process-hygiene-escalation") re-reads
 * /proc for every pending group, 1 ms after a signal and then at growing intervals up to
 * {@value #MAX_POLL_MS} ms, and wakes exactly at the next deadline. All pending groups share that
 * clock, so terminating many groups takes the grace period once, not once per group.
 */
final class Escalation {

    /** Called once per group when it is found empty (or given up on). */
    interface Outcome {
        void gone(ProcessGroup group, boolean neededKill, boolean survived);
    }

    static final long MAX_POLL_MS = 20;
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final class Pending {
        long deadline; // SIGKILL at this time, or, once killed, give up at this time
        boolean killed;

        Pending(long deadline, boolean killed) {
            this.deadline = deadline;
            this.killed = killed;
        }
    }

    private final long graceNanos;
    private final Signals signals;
    private final boolean groupSignals;
    private final Outcome outcome;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition idle = lock.newCondition();
    private final Map<ProcessGroup, Pending> pending = new IdentityHashMap<>();
    private boolean fresh;
    private Thread watcher;

    Escalation(Duration grace, Signals signals, boolean groupSignals, Outcome outcome) {
        this.graceNanos = grace.toNanos();
        this.signals = signals;
        this.groupSignals = groupSignals;
        this.outcome = outcome;
    }

    /**
     * Starts terminating GROUPS: the first signal has been sent when this returns. Groups already
     * being terminated are left to their schedule, unless FORCE upgrades them to SIGKILL now.
     */
    void terminate(Collection<ProcessGroup> groups, boolean force) {
        List<ProcessGroup> todo = new ArrayList<>();
        lock.lock();
        try {
            for (ProcessGroup g : groups) {
                Pending p = pending.get(g);
                if (p == null || (force && !p.killed)) todo.add(g);
            }
        } finally {
            lock.unlock();
        }
        if (todo.isEmpty()) return;

        Membership[] scan = {null};
        Map<ProcessGroup, List<ProcStat>> live = new LinkedHashMap<>();
        List<ProcessGroup> empty = new ArrayList<>();
        for (ProcessGroup g : todo) {
            List<ProcStat> members = members(g, scan);
            if (members.isEmpty()) empty.add(g); else live.put(g, members);
        }
        signals.send(force, live);
        long now = System.nanoTime();
        lock.lock();
        try {
            for (ProcessGroup g : live.keySet()) {
                Pending p = pending.get(g);
                if (p == null) {
                    pending.put(g, force ? new Pending(now + GIVE_UP_NANOS, true) : new Pending(now + graceNanos, false));
                } else if (force) {
                    p.killed = true;
                    p.deadline = now + GIVE_UP_NANOS;
                }
            }
            if (!live.isEmpty()) {
                fresh = true;
                startWatcher();
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        for (ProcessGroup g : empty) {
            if (!isPending(g)) outcome.gone(g, false, false);
        }
    }

    /** Waits until no group is pending, or until the deadline (System.nanoTime()). */
    boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (!pending.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return false;
                idle.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    int pendingCount() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    private boolean isPending(ProcessGroup g) {
        lock.lock();
        try {
            return pending.containsKey(g);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The live members of G. For an isolated group whose leader is alive with its own start time,
     * the leader alone proves the group non-empty and its number ours, and the helper signals the
     * group as a whole, so /proc is not scanned; otherwise it is, once per round (SCAN[0]).
     */
    private List<ProcStat> members(ProcessGroup g, Membership[] scan) {
        if (g.isolated && groupSignals) {
            ProcStat leader = ProcStat.read(g.pid);
            if (g.isLeader(leader) && leader.alive()) return List.of(leader);
        }
        if (scan[0] == null) scan[0] = Membership.scan();
        return scan[0].members(g);
    }

    private void startWatcher() {
        if (watcher != null) return;
        watcher = new Thread(new Watcher(), "process-hygiene-escalation");
        watcher.setDaemon(true);
        watcher.start();
    }

    private final class Watcher implements Runnable {
        @Override
        public void run() {
            watch();
        }
    }

    private void watch() {
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            Map<ProcessGroup, Pending> round;
            lock.lock();
            try {
                while (pending.isEmpty()) {
                    changed.awaitUninterruptibly();
                }
                if (fresh) {
                    pollNanos = TimeUnit.MILLISECONDS.toNanos(1);
                    fresh = false;
                }
                round = new IdentityHashMap<>(pending);
            } finally {
                lock.unlock();
            }

            long now = System.nanoTime();
            Membership[] scan = {null};
            Map<ProcessGroup, List<ProcStat>> kill = new LinkedHashMap<>();
            Map<ProcessGroup, Boolean> gone = new LinkedHashMap<>(); // group -> survived
            for (Map.Entry<ProcessGroup, Pending> e : round.entrySet()) {
                ProcessGroup g = e.getKey();
                Pending p = e.getValue();
                List<ProcStat> members = members(g, scan);
                if (members.isEmpty()) gone.put(g, false);
                else if (!p.killed && now - p.deadline >= 0) kill.put(g, members);
                else if (p.killed && now - p.deadline >= 0) gone.put(g, true);
            }
            signals.send(true, kill);

            long next;
            lock.lock();
            try {
                long after = System.nanoTime();
                for (ProcessGroup g : kill.keySet()) {
                    Pending p = pending.get(g);
                    if (p != null) {
                        p.killed = true;
                        p.deadline = after + GIVE_UP_NANOS;
                    }
                }
                next = after + pollNanos;
                for (Pending p : pending.values()) {
                    if (p.deadline - next < 0) next = p.deadline;
                }
            } finally {
                lock.unlock();
            }
            // Report outside the lock; remove only afterwards, so awaitIdle() sees the reports done.
            for (Map.Entry<ProcessGroup, Boolean> e : gone.entrySet()) {
                Pending p = round.get(e.getKey());
                outcome.gone(e.getKey(), p.killed, e.getValue());
            }
            lock.lock();
            try {
                for (ProcessGroup g : gone.keySet()) pending.remove(g);
                if (pending.isEmpty()) {
                    idle.signalAll();
                    continue;
                }
                long wait = next - System.nanoTime();
                if (wait > 0 && !fresh) changed.awaitNanos(wait);
            } catch (InterruptedException e) {
                // A daemon thread nobody interrupts; go on.
            } finally {
                lock.unlock();
            }
            pollNanos = Math.min(pollNanos * 2, TimeUnit.MILLISECONDS.toNanos(MAX_POLL_MS));
        }
    }
}
