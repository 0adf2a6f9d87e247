package dev.hygiene.core;

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
 * The one termination algorithm, used at shutdown, on destroy(), and for dropped processes: the
 * group's stop signal (SIGTERM unless its {@link StopPolicy} names another) and SIGCONT to the
 * whole group, then watch its membership until it is empty or its grace period has passed, then
 * SIGKILL whatever is left. With {@code stop=leader-first} the stop signal goes to the leader
 * alone, and to the rest once the leader has exited. A forced termination sends SIGKILL at once.
 *
 * <p>Members that left the group (setsid, double forks) but carry the group's environment marker
 * are escapees: found by reading /proc/PID/environ in the first round after the group's first
 * signal, and again before SIGKILL, and then treated as members (signalled one by one).
 *
 * <p>Membership is watched, not slept on: a single thread ("process-hygiene-escalation") re-reads
 * /proc for every pending group, 1 ms after a signal and then at growing intervals up to
 * {@value #MAX_POLL_MS} ms, and wakes exactly at the next deadline. All pending groups share that
 * clock, so terminating many groups takes the grace period once, not once per group.
 */
final class Escalation {

    /** Called once per group when it is found empty (or given up on). */
    interface Outcome {
        /**
         * @param signalled  whether anything was signalled (else the group was found empty)
         * @param neededKill whether SIGKILL was sent
         * @param survived   whether members were left 1 s after SIGKILL (given up on)
         * @param escapees   members found outside the group (by their marker, or in its cgroup)
         * @param members    the processes it held at the first signal, -1 if not counted
         * @param rssBytes   their summed resident memory (VmRSS) then
         * @param nanos      from the first signal to gone
         */
        void gone(ProcessGroup group, boolean signalled, boolean neededKill, boolean survived, int escapees,
                  int members, long rssBytes, long nanos);

        /** True if G's members and their memory are to be counted at its first signal (for a record of it). */
        boolean census(ProcessGroup g);
    }

    static final long MAX_POLL_MS = 20;
    private static final long GIVE_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(HelperProtocol.GIVE_UP_MS);

    private static final class Pending {
        final long since = System.nanoTime();
        long deadline; // SIGKILL at this time, or, once killed, give up at this time
        boolean killed;
        boolean escapeesDue = true; // look for escapees in the next round
        boolean signalled;
        List<ProcStat> escapees = List.of();
        int escapeesSeen;
        int members = -1; // at the first signal, if counted
        long rssBytes;
        /** stop=leader-first: only the leader has had the stop signal so far. */
        boolean leaderOnly;

        Pending(long deadline, boolean killed) {
            this.deadline = deadline;
            this.killed = killed;
        }
    }

    private final Signals signals;
    private final boolean groupSignals;
    private final Outcome outcome;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition idle = lock.newCondition();
    private final Map<ProcessGroup, Pending> pending = new IdentityHashMap<>();
    private boolean fresh;
    private Thread watcher;
    /** Groups to terminate soon, in one batch (see {@link #terminateSoon}). */
    private final List<ProcessGroup> soon = new ArrayList<>();
    private long soonSince;
    static final long BATCH_MS = 50;
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(BATCH_MS);

    Escalation(Signals signals, boolean groupSignals, Outcome outcome) {
        this.signals = signals;
        this.groupSignals = groupSignals;
        this.outcome = outcome;
    }

    /**
     * Starts terminating GROUPS: the first signal to each group has been sent when this returns
     * (escapees get theirs from the watcher a moment later, so that destroy() stays cheap; with
     * FORCE, a group's cgroup is killed as a whole at once). Groups already being terminated are
     * left to their schedule, unless FORCE upgrades them to SIGKILL.
     */
    void terminate(Collection<ProcessGroup> groups, boolean force) {
        terminate(groups, force, false);
    }

    /**
     * With ESCAPEES, /proc is read once, environments included, and escapees get their first
     * signal here too; a group found empty with no escapee is gone at once.
     */
    private void terminate(Collection<ProcessGroup> groups, boolean force, boolean escapees) {
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

        Membership[] scan = {escapees ? Membership.scan(true) : null};
        Map<ProcessGroup, List<ProcStat>> live = new LinkedHashMap<>();
        Map<ProcessGroup, List<ProcStat>> escaped = new IdentityHashMap<>();
        Map<ProcessGroup, long[]> census = new IdentityHashMap<>();
        for (ProcessGroup g : todo) {
            List<ProcStat> members = members(g, scan);
            List<ProcStat> out = List.of();
            if (escapees) {
                out = scan[0].escapees(g, List.of());
                if (!out.isEmpty()) {
                    escaped.put(g, out);
                    members = new ArrayList<>(members);
                    members.addAll(out);
                }
                // A cgroup holding only what is below it (a nested JVM's children) is not empty.
                if (!members.isEmpty() || (g.cgroup != null && Cgroups.populated(g.cgroup))) live.put(g, members);
            } else if (!members.isEmpty() || g.marker != null || g.cgroup != null) {
                // Empty or not, a group with a marker or a cgroup may have escapees: the watcher looks.
                live.put(g, members);
            }
            if (live.containsKey(g) && outcome.census(g)) {
                // Before the first signal: a moment later most members are gone. A cgroup is read
                // directly; a group needs /proc (read once for all groups).
                List<ProcStat> all;
                if (g.cgroup != null) {
                    all = Membership.inCgroup(g.cgroup);
                } else {
                    if (scan[0] == null) scan[0] = Membership.scan(false);
                    all = scan[0].contained(g, out);
                }
                long rss = 0;
                for (ProcStat s : all) rss += Membership.residentBytes(s.pid);
                census.put(g, new long[] {all.size(), rss});
            }
        }
        Map<ProcessGroup, List<ProcStat>> signalled = new LinkedHashMap<>();
        Map<ProcessGroup, ProcStat> leaders = new IdentityHashMap<>();
        for (Map.Entry<ProcessGroup, List<ProcStat>> e : live.entrySet()) {
            ProcessGroup g = e.getKey();
            ProcStat leader = force || !g.policy.leaderFirst || !g.isolated ? null : liveLeader(g, e.getValue());
            if (leader != null) leaders.put(g, leader); // the rest once it has exited (see watch)
            else if (!e.getValue().isEmpty()) signalled.put(g, e.getValue());
        }
        signals.send(force, signalled);
        for (Map.Entry<ProcessGroup, ProcStat> e : leaders.entrySet()) signals.sendToLeader(e.getKey(), e.getValue());
        if (force) {
            for (ProcessGroup g : live.keySet()) if (g.cgroup != null) signals.killCgroup(g);
        }
        long now = System.nanoTime();
        lock.lock();
        try {
            for (ProcessGroup g : live.keySet()) {
                Pending p = pending.get(g);
                if (p == null) {
                    p = force ? new Pending(now + GIVE_UP_NANOS, true) : new Pending(now + g.policy.grace.toNanos(), false);
                    p.signalled = signalled.containsKey(g) || leaders.containsKey(g) || (force && g.cgroup != null);
                    p.leaderOnly = leaders.containsKey(g);
                    long[] c = census.get(g);
                    if (c != null) {
                        p.members = (int) c[0];
                        p.rssBytes = c[1];
                    }
                    if (escapees) {
                        p.escapeesDue = false;
                        p.escapees = escaped.getOrDefault(g, List.of());
                        p.escapeesSeen = p.escapees.size();
                    }
                    pending.put(g, p);
                } else if (force) {
                    p.killed = true;
                    p.leaderOnly = false;
                    p.escapeesDue = true;
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
        for (ProcessGroup g : todo) {
            if (!live.containsKey(g) && !isPending(g)) outcome.gone(g, false, false, false, 0, -1, 0, 0);
        }
    }

    /**
     * Terminates G within {@value #BATCH_MS} ms, together with every group queued meanwhile: one
     * /proc scan then serves them all. For dropped Processes, which the Cleaner reports in bursts
     * after a GC; a scan per Process would cost more CPU than starting it.
     */
    void terminateSoon(ProcessGroup g) {
        lock.lock();
        try {
            if (soon.isEmpty()) soonSince = System.nanoTime();
            soon.add(g);
            startWatcher();
            changed.signalAll();
        } finally {
            lock.unlock();
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
     * The live members of G's group (or tree). For an isolated group whose leader is alive with
     * its own start time, the leader alone proves the group non-empty and its number ours, and the
     * helper signals the group as a whole, so /proc is not scanned; otherwise it is, once per round
     * (SCAN[0]).
     */
    private List<ProcStat> members(ProcessGroup g, Membership[] scan) {
        if (g.isolated && groupSignals) {
            ProcStat leader = ProcStat.read(g.pid);
            if (g.isLeader(leader) && leader.alive()) return List.of(leader);
        }
        if (scan[0] == null) scan[0] = Membership.scan(false);
        return scan[0].members(g);
    }

    /** G's leader among MEMBERS, alive with the group's start time; null if it is not. */
    private static ProcStat liveLeader(ProcessGroup g, List<ProcStat> members) {
        for (ProcStat s : members) if (g.isLeader(s) && s.alive()) return s;
        return null;
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
            try {
                watch();
            } catch (Throwable t) {
                // Never into the application's uncaught-exception handler (which may exit the JVM).
                Log.error("escalation stopped: " + t);
            }
        }
    }

    private void watch() {
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            Map<ProcessGroup, Pending> round;
            List<ProcessGroup> batch = null;
            lock.lock();
            try {
                while (true) {
                    long now = System.nanoTime();
                    if (!soon.isEmpty() && now - soonSince >= BATCH_NANOS) {
                        batch = new ArrayList<>(soon);
                        soon.clear();
                        break;
                    }
                    if (!pending.isEmpty()) break;
                    if (soon.isEmpty()) changed.awaitUninterruptibly();
                    else changed.awaitNanos(BATCH_NANOS - (now - soonSince));
                }
                if (fresh) {
                    pollNanos = TimeUnit.MILLISECONDS.toNanos(1);
                    fresh = false;
                }
                round = new IdentityHashMap<>(pending);
            } catch (InterruptedException e) {
                continue; // a daemon thread nobody interrupts
            } finally {
                lock.unlock();
            }
            if (batch != null) {
                terminate(batch, false, true);
                continue;
            }

            long now = System.nanoTime();
            boolean markers = false;
            for (Map.Entry<ProcessGroup, Pending> e : round.entrySet()) {
                Pending p = e.getValue();
                boolean killDue = !p.killed && now - p.deadline >= 0;
                if (e.getKey().marker != null && (p.escapeesDue || killDue)) markers = true;
            }
            Membership scan = Membership.scan(markers);
            Map<ProcessGroup, List<ProcStat>> term = new LinkedHashMap<>();
            Map<ProcessGroup, List<ProcStat>> kill = new LinkedHashMap<>();
            List<ProcessGroup> cgroupKill = new ArrayList<>();
            Map<ProcessGroup, Boolean> gone = new LinkedHashMap<>(); // group -> survived
            for (Map.Entry<ProcessGroup, Pending> e : round.entrySet()) {
                ProcessGroup g = e.getKey();
                Pending p = e.getValue();
                List<ProcStat> members = new ArrayList<>(scan.members(g));
                List<ProcStat> escapees = scan.escapees(g, p.escapees);
                // A cgroup's members outside the group are read anew every round (cheap): each
                // new one gets the signal the group already had, also after the first round.
                boolean cgroup = g.cgroup != null;
                if (scan.withMarkers() || cgroup) {
                    // New escapees get the signal the group already had.
                    List<ProcStat> fresh = new ArrayList<>();
                    for (ProcStat s : escapees) if (!contains(p.escapees, s)) fresh.add(s);
                    // Under leader-first they wait, like the group, for the leader's exit.
                    if (!fresh.isEmpty() && (p.escapeesDue || cgroup) && !p.leaderOnly) {
                        (p.killed ? kill : term).put(g, fresh);
                        p.signalled = true;
                    }
                    p.escapees = escapees;
                    if (cgroup) {
                        // Counted as escapees: every process seen outside the group.
                        p.escapeesSeen += fresh.size();
                    } else {
                        p.escapeesSeen = Math.max(p.escapeesSeen, escapees.size());
                    }
                    p.escapeesDue = false;
                }
                members.addAll(escapees);
                // With a cgroup, empty means nothing alive in it nor below it either.
                boolean empty = members.isEmpty() && !(cgroup && Cgroups.populated(g.cgroup));
                if (empty) gone.put(g, false);
                else if (!p.killed && now - p.deadline >= 0) {
                    kill.put(g, members);
                    if (cgroup) cgroupKill.add(g);
                } else if (p.killed && now - p.deadline >= 0) gone.put(g, true);
                else if (p.killed && cgroup) cgroupKill.add(g); // again, until it is empty
                else if (p.leaderOnly && liveLeader(g, members) == null) {
                    // The leader has exited (leader-first): now the stop signal to the rest.
                    term.put(g, members);
                    p.leaderOnly = false;
                }
            }
            signals.send(false, term);
            signals.send(true, kill);
            // After the group's SIGKILL (sent while its members were seen alive): everything in the
            // cgroup, escapees forking meanwhile included. Where cgroup.kill does not exist (Linux
            // before 5.14), the members above were each sent SIGKILL instead.
            for (ProcessGroup g : cgroupKill) signals.killCgroup(g);

            long next;
            lock.lock();
            try {
                long after = System.nanoTime();
                for (ProcessGroup g : kill.keySet()) {
                    Pending p = pending.get(g);
                    if (p != null && !p.killed) {
                        p.killed = true;
                        p.deadline = after + GIVE_UP_NANOS;
                    }
                }
                next = after + pollNanos;
                for (Pending p : pending.values()) {
                    if (p.deadline - next < 0) next = p.deadline;
                }
                if (!soon.isEmpty() && soonSince + BATCH_NANOS - next < 0) next = soonSince + BATCH_NANOS;
            } finally {
                lock.unlock();
            }
            // Report outside the lock; remove only afterwards, so awaitIdle() sees the reports done.
            for (Map.Entry<ProcessGroup, Boolean> e : gone.entrySet()) {
                Pending p = round.get(e.getKey());
                try {
                    outcome.gone(e.getKey(), p.signalled || p.killed, p.killed, e.getValue(), p.escapeesSeen,
                            p.members, p.rssBytes, System.nanoTime() - p.since);
                } catch (RuntimeException | LinkageError t) {
                    // Reporting must never stop the watcher: other groups still need it.
                    Log.warn("reporting " + e.getKey() + " failed: " + t);
                }
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

    private static boolean contains(List<ProcStat> list, ProcStat s) {
        for (ProcStat k : list) if (k.pid == s.pid && k.startTime == s.startTime) return true;
        return false;
    }
}
