package dev.hygiene.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

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
 * <p>What each round decides for a group is {@link EscalationRound}, a function of what the round
 * saw; this class reads /proc, sends the signals and keeps the clock.
 *
 * <p>Membership is watched, not slept on: a single thread ("process-hygiene-escalation") re-reads
 * /proc for every pending group, 1 ms after a signal and then at growing intervals up to
 * {@value #MAX_POLL_MS} ms, and wakes exactly at the next deadline. All pending groups share that
 * clock, so terminating many groups takes the grace period once, not once per group.
 */
final class Escalation {

    /** How a group ended. */
    static final class Result {
        /** Found empty at once: nothing signalled. */
        static final Result FOUND_EMPTY = new Result(false, false, false, 0, -1, 0, 0);

        /** Whether anything was signalled (else the group was found empty). */
        final boolean signalled;
        /** Whether SIGKILL was sent. */
        final boolean neededKill;
        /** Whether members were left 1 s after SIGKILL (given up on). */
        final boolean survived;
        /** Members found outside the group (by their marker, or in its cgroup). */
        final int escapees;
        /** The processes it held at the first signal, -1 if not counted. */
        final int members;
        /** Their summed resident memory (VmRSS) then. */
        final long rssBytes;
        /** From the first signal to gone. */
        final long nanos;

        Result(boolean signalled, boolean neededKill, boolean survived, int escapees, int members, long rssBytes,
               long nanos) {
            this.signalled = signalled;
            this.neededKill = neededKill;
            this.survived = survived;
            this.escapees = escapees;
            this.members = members;
            this.rssBytes = rssBytes;
            this.nanos = nanos;
        }
    }

    /** Told of each group once it is gone. */
    interface Outcome {
        /** G was found empty, or given up on (once per group). */
        void gone(ProcessGroup g, Result result);

        /** True if G's members and their memory are to be counted at its first signal (for a record of it). */
        boolean census(ProcessGroup g);
    }

    static final long MAX_POLL_MS = 20;
    private static final long GIVE_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(HelperProtocol.GIVE_UP_MS);
    static final long BATCH_MS = 50;
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(BATCH_MS);

    private final Signals signals;
    private final boolean groupSignals;
    private final Outcome outcome;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition idle = lock.newCondition();
    /** Groups whose first signal was sent and that are not gone yet (guarded by the lock). */
    private final Map<ProcessGroup, EscalationRound.State> pending = new IdentityHashMap<>();
    /** A group was added since the watcher last looked: poll fast again. */
    private boolean fresh;
    /** How many of the pending groups are handed off to the watchdog (guarded by the lock). */
    private int handedOff;
    /** The watcher is sending a round's signals (guarded by the lock): a hand-off waits for the end. */
    private boolean sending;
    private final Condition sent = lock.newCondition();
    private Thread watcher;
    /** Groups to terminate soon, in one batch (see {@link #terminateSoon}). */
    private final List<ProcessGroup> soon = new ArrayList<>();
    private long soonSince;

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
        begin(groups, force, null);
    }

    /**
     * Terminates GROUPS, whose leaders have exited (at shutdown: children that finished while the
     * application held their Process), as {@link #terminate} does, but with one /proc scan that
     * reads the environments too: a group found empty, escapees included, is reported gone at
     * once, without a round of the watcher (which would scan /proc again).
     */
    void terminateExited(Collection<ProcessGroup> groups) {
        begin(groups, false, Membership.scan(true));
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

    /**
     * Waits until no group is pending but those handed off to the watchdog ({@link #handOff}), or
     * until the deadline (System.nanoTime()).
     */
    boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (pending.size() > handedOff) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return false;
                idle.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The pending groups not handed off. */
    int pendingCount() {
        lock.lock();
        try {
            return pending.size() - handedOff;
        } finally {
            lock.unlock();
        }
    }

    /** One pending group as a hand-off tells the watchdog of it. */
    static final class HandOff {
        final ProcessGroup group;
        /** System.nanoTime() when its stop signal was sent. */
        final long signalledAt;
        /** How far it was sent: {@link EscalationRound#stage}. */
        final String stage;
        /** The processes it held then (-1 if not counted), their summed RSS, and the escapees seen so far. */
        final int members;
        final long rssBytes;
        final int escapees;

        HandOff(ProcessGroup group, long signalledAt, String stage, int members, long rssBytes, int escapees) {
            this.group = group;
            this.signalledAt = signalledAt;
            this.stage = stage;
            this.members = members;
            this.rssBytes = rssBytes;
            this.escapees = escapees;
        }
    }

    /** Who takes the groups handed off: returns those it took (the watchdog lists only some). */
    interface Taker {
        Collection<ProcessGroup> take(List<HandOff> groups);
    }

    /**
     * Hands every pending group (not forced, not handed off yet) to TAKER, which writes for each
     * how far its escalation got (the watchdog goes on from there once the JVM has exited).
     * From then on the JVM sends those groups no stop signal (no second one to anything: members
     * outside the group, or the rest of a leader-first group, are the watchdog's), only SIGKILL at
     * their deadline while it lives; they still count as gone once they are, but {@link #awaitIdle}
     * no longer waits for them. Waits for a round's signals being sent (a short while: the signals
     * only) until DEADLINE, and hands off nothing if that passes. Returns how many were taken.
     */
    int handOff(Taker taker, long deadlineNanos) {
        lock.lock();
        try {
            while (sending) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return 0;
                sent.awaitNanos(left);
            }
            List<HandOff> offered = new ArrayList<>();
            for (Map.Entry<ProcessGroup, EscalationRound.State> e : pending.entrySet()) {
                EscalationRound.State p = e.getValue();
                // Not a forced group (SIGKILL at once, no stop signal): it goes within a moment anyway.
                if (p.handedOff || p.sent == null) continue;
                offered.add(new HandOff(e.getKey(), p.since, p.sent, p.members, p.rssBytes, p.escapeesSeen));
            }
            if (offered.isEmpty()) return 0;
            // Under the lock: no round sends a stop signal to these until they are marked.
            Collection<ProcessGroup> taken = taker.take(offered);
            for (ProcessGroup g : taken) {
                EscalationRound.State p = pending.get(g);
                if (p != null && !p.handedOff) {
                    p.handedOff = true;
                    handedOff++;
                }
            }
            if (pending.size() == handedOff) idle.signalAll();
            return taken.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
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

    /** One /proc scan, read the first time it is needed and then shared by every group of a call. */
    private static final class Scan implements Supplier<Membership> {
        private Membership scan;

        Scan(Membership withEnvironments) {
            this.scan = withEnvironments;
        }

        @Override
        public Membership get() {
            if (scan == null) scan = Membership.scan(false);
            return scan;
        }
    }

    /** What {@link #begin} found of one group before its first signal. */
    private static final class Found {
        final List<ProcStat> members;
        final List<ProcStat> escapees;
        /** The processes it held before its first signal, -1 if not counted; their summed RSS. */
        int census = -1;
        long rssBytes;

        Found(List<ProcStat> members, List<ProcStat> escapees) {
            this.members = members;
            this.escapees = escapees;
        }
    }

    /**
     * The first signal to each of GROUPS not pending yet (or, with FORCE, not killed yet). With
     * ENVIRONMENTS (a scan that read them: a batch of dropped groups), escapees are found and
     * signalled here too, and a group found empty with no escapee is gone at once; without, a
     * group that may have escapees (a marker, a cgroup) is left to the watcher to look.
     */
    private void begin(Collection<ProcessGroup> groups, boolean force, Membership environments) {
        List<ProcessGroup> todo = new ArrayList<>();
        lock.lock();
        try {
            for (ProcessGroup g : groups) {
                EscalationRound.State p = pending.get(g);
                if (p == null || (force && !p.killed)) todo.add(g);
            }
        } finally {
            lock.unlock();
        }
        if (todo.isEmpty()) return;

        Scan scan = new Scan(environments);
        Map<ProcessGroup, Found> live = new LinkedHashMap<>();
        for (ProcessGroup g : todo) {
            Found f = found(g, scan, environments != null);
            if (f == null) continue;
            live.put(g, f);
            if (outcome.census(g)) census(g, f, scan);
        }
        Map<ProcessGroup, List<ProcStat>> signalled = new LinkedHashMap<>();
        Map<ProcessGroup, ProcStat> leaders = new IdentityHashMap<>();
        for (Map.Entry<ProcessGroup, Found> e : live.entrySet()) {
            ProcessGroup g = e.getKey();
            List<ProcStat> members = e.getValue().members;
            ProcStat leader = force || !g.policy.leaderFirst || !g.leadsGroup() ? null : EscalationRound.liveLeader(g, members);
            if (leader != null) leaders.put(g, leader); // the rest once it has exited (see the round)
            else if (!members.isEmpty()) signalled.put(g, members);
        }
        signals.send(force, signalled);
        for (Map.Entry<ProcessGroup, ProcStat> e : leaders.entrySet()) signals.sendToLeader(e.getKey(), e.getValue());
        if (force) {
            for (ProcessGroup g : live.keySet()) g.containment.killAll(g);
        }
        long now = System.nanoTime();
        lock.lock();
        try {
            for (Map.Entry<ProcessGroup, Found> e : live.entrySet()) {
                ProcessGroup g = e.getKey();
                EscalationRound.State p = pending.get(g);
                if (p == null) {
                    p = new EscalationRound.State(now, now + (force ? GIVE_UP_NANOS : g.policy.grace.toNanos()), force);
                    p.signalled = signalled.containsKey(g) || leaders.containsKey(g) || (force && g.containment.whole);
                    p.leaderOnly = leaders.containsKey(g);
                    p.members = e.getValue().census;
                    p.rssBytes = e.getValue().rssBytes;
                    if (environments != null) {
                        p.escapeesDue = false;
                        p.escapees = e.getValue().escapees;
                        p.escapeesSeen = p.escapees.size();
                    }
                    if (!force) p.sent = EscalationRound.stage(g, p);
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
            if (!live.containsKey(g) && !isPending(g)) outcome.gone(g, Result.FOUND_EMPTY);
        }
    }

    /**
     * G's members (with its escapees where ESCAPEES were looked for), or null if it is to be
     * reported gone at once: found empty, where escapees were looked for too (or cannot exist).
     */
    private Found found(ProcessGroup g, Scan scan, boolean escapees) {
        // An empty cgroup is the whole group gone: no /proc scan (the usual case at exit for a
        // child that has ended while the application still holds its Process).
        if (g.containment.emptied(g)) return null;
        List<ProcStat> members = members(g, scan);
        if (escapees) {
            List<ProcStat> out = g.containment.escapees(g, scan.get(), List.of());
            if (!out.isEmpty()) {
                members = new ArrayList<>(members);
                members.addAll(out);
            }
            // A cgroup holding only what is below it (a nested JVM's children) is not empty.
            boolean live = !members.isEmpty() || g.containment.holdsMore(g);
            return live ? new Found(members, out) : null;
        }
        // Empty or not, a group with a marker or a cgroup may have escapees: the watcher looks.
        return !members.isEmpty() || g.containment.mayHaveEscapees(g) ? new Found(members, List.of()) : null;
    }

    /**
     * Counts G's processes and their memory into F before its first signal (a moment later most
     * members are gone): a cgroup is read directly, a group needs /proc (read once for all groups).
     */
    private static void census(ProcessGroup g, Found f, Scan scan) {
        List<ProcStat> all = g.containment.census(g, scan, f.escapees);
        for (ProcStat s : all) f.rssBytes += Membership.residentBytes(s.pid);
        f.census = all.size();
    }

    /**
     * The live members of G's group (or tree). For a group whose leader is alive with its own
     * start time, the leader alone proves the group non-empty and its number ours, and the group
     * is signalled as a whole, so /proc is not scanned; otherwise it is, once per call.
     */
    private List<ProcStat> members(ProcessGroup g, Scan scan) {
        if (g.leadsGroup() && groupSignals) {
            ProcStat leader = ProcStat.read(g.pid);
            if (g.isLeader(leader) && leader.alive()) return List.of(leader);
        }
        return g.containment.members(g, scan.get());
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

    /** The watcher's loop: a batch of dropped groups when one is due, else a round over the pending groups. */
    private void watch() {
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            Map<ProcessGroup, EscalationRound.State> round;
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
                begin(batch, false, Membership.scan(true));
                continue;
            }
            Map<ProcessGroup, Boolean> gone = round(round);
            long next = nextWake(pollNanos);
            // Report outside the lock; remove only afterwards, so awaitIdle() sees the reports done.
            for (Map.Entry<ProcessGroup, Boolean> e : gone.entrySet()) report(e.getKey(), round.get(e.getKey()), e.getValue());
            lock.lock();
            try {
                for (ProcessGroup g : gone.keySet()) {
                    EscalationRound.State p = pending.remove(g);
                    if (p != null && p.handedOff) handedOff--;
                }
                if (pending.size() == handedOff) idle.signalAll();
                if (pending.isEmpty()) continue;
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

    /**
     * One round over the pending groups ROUND: reads /proc once (environments only where a group
     * needs them), lets {@link EscalationRound} decide for each group, and sends what it decided.
     * Returns the groups that are gone, each to whether members survived SIGKILL.
     */
    private Map<ProcessGroup, Boolean> round(Map<ProcessGroup, EscalationRound.State> round) {
        long now = System.nanoTime();
        boolean environments = false;
        for (Map.Entry<ProcessGroup, EscalationRound.State> e : round.entrySet()) {
            if (EscalationRound.needsEnvironments(e.getKey(), e.getValue(), now)) environments = true;
        }
        Membership scan = Membership.scan(environments);
        Map<ProcessGroup, List<ProcStat>> stop = new LinkedHashMap<>();
        Map<ProcessGroup, List<ProcStat>> kill = new LinkedHashMap<>();
        List<ProcessGroup> killAll = new ArrayList<>();
        Map<ProcessGroup, Boolean> gone = new LinkedHashMap<>();
        for (Map.Entry<ProcessGroup, EscalationRound.State> e : round.entrySet()) {
            ProcessGroup g = e.getKey();
            EscalationRound.State p = e.getValue();
            List<ProcStat> members = g.containment.members(g, scan);
            List<ProcStat> escapees = g.containment.escapees(g, scan, p.escapees);
            // Read only where it decides: nothing else seen alive.
            boolean more = members.isEmpty() && escapees.isEmpty() && g.containment.holdsMore(g);
            EscalationRound.Action a = EscalationRound.decide(g, p,
                    new EscalationRound.Seen(members, escapees, scan.withMarkers(), more), now);
            if (a.stop != null) stop.put(g, a.stop);
            if (a.kill != null) kill.put(g, a.kill);
            if (a.killAll) killAll.add(g);
            if (a.gone) gone.put(g, a.survived);
        }
        lock.lock();
        try {
            // A group handed off to the watchdog meanwhile gets no stop signal from the JVM any more.
            // (A loop, not removeIf: no lambda to bootstrap at a JVM's first destroy().)
            for (Iterator<ProcessGroup> i = stop.keySet().iterator(); i.hasNext(); ) {
                if (round.get(i.next()).handedOff) i.remove();
            }
            sending = true;
        } finally {
            lock.unlock();
        }
        try {
            signals.send(false, stop);
            signals.send(true, kill);
            // After the group's SIGKILL (sent while its members were seen alive): everything in the
            // cgroup, escapees forking meanwhile included. Where cgroup.kill does not exist (Linux
            // before 5.14), the members above were each sent SIGKILL instead.
            for (ProcessGroup g : killAll) g.containment.killAll(g);
        } finally {
            lock.lock();
            try {
                sending = false;
                long after = System.nanoTime();
                for (ProcessGroup g : kill.keySet()) {
                    EscalationRound.State p = pending.get(g);
                    if (p != null && !p.killed) {
                        p.killed = true;
                        p.deadline = after + GIVE_UP_NANOS;
                    }
                }
                // What a hand-off would tell the watchdog now; frozen once handed off.
                for (Map.Entry<ProcessGroup, EscalationRound.State> e : round.entrySet()) {
                    EscalationRound.State p = e.getValue();
                    if (!p.handedOff && !p.killed && p.sent != null) p.sent = EscalationRound.stage(e.getKey(), p);
                }
                sent.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return gone;
    }

    /** When the watcher looks next: after POLL, or at the next deadline or batch if sooner. */
    private long nextWake(long pollNanos) {
        lock.lock();
        try {
            long next = System.nanoTime() + pollNanos;
            for (EscalationRound.State p : pending.values()) {
                if (p.deadline - next < 0) next = p.deadline;
            }
            if (!soon.isEmpty() && soonSince + BATCH_NANOS - next < 0) next = soonSince + BATCH_NANOS;
            return next;
        } finally {
            lock.unlock();
        }
    }

    private void report(ProcessGroup g, EscalationRound.State p, boolean survived) {
        try {
            outcome.gone(g, new Result(p.signalled || p.killed, p.killed, survived, p.escapeesSeen, p.members,
                    p.rssBytes, System.nanoTime() - p.since));
        } catch (RuntimeException | LinkageError t) {
            // Reporting must never stop the watcher: other groups still need it.
            Log.warn("reporting " + g + " failed: " + t);
        }
    }
}
