package dev.hygiene.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One round of the escalation for one group, as a function of what was just seen of it: no /proc,
 * no signal and no clock here ({@link Escalation} reads, signals and keeps time; this decides).
 * The rules, in order, for a group whose first signal has been sent:
 * <ol>
 *   <li>Escapees seen for the first time (members outside the group: by their marker, read in
 *       the first round and before SIGKILL, or in the group's cgroup, read every round) get the
 *       signal the group already had: the stop signal, or SIGKILL once the group was killed. Not
 *       under leader-first while the leader lives: they wait, like the group.</li>
 *   <li>Nothing alive (and, with a cgroup, nothing left in it or below it): the group is gone.</li>
 *   <li>Not killed yet and its grace has passed: SIGKILL to every member seen, then
 *       {@code cgroup.kill}.</li>
 *   <li>Killed, and still not empty {@value HelperProtocol#GIVE_UP_MS} ms later: given up on (a
 *       member in uninterruptible sleep, or one the agent may not signal).</li>
 *   <li>Killed, with a cgroup: {@code cgroup.kill} again, until it is empty.</li>
 *   <li>Leader-first, and the leader has exited: the stop signal to the rest.</li>
 * </ol>
 * The watchdog's {@code escalate()} (watchdog.c) follows the same rules for the groups a killed
 * JVM leaves it.
 */
final class EscalationRound {

    /** What the escalation knows of one pending group between rounds. */
    static final class State {
        final long since;
        /** SIGKILL at this time (System.nanoTime()), or, once killed, give up at this time. */
        long deadline;
        boolean killed;
        /** Look for escapees by their marker in the next round. */
        boolean escapeesDue = true;
        /** Whether anything was signalled (else the group was found empty). */
        boolean signalled;
        /** The escapees seen in the last round that looked for them. */
        List<ProcStat> escapees = List.of();
        /** How many escapees were found in all. */
        int escapeesSeen;
        /** The processes it held at the first signal, -1 if not counted. */
        int members = -1;
        /** Their summed resident memory then. */
        long rssBytes;
        /** stop=leader-first: only the leader has had the stop signal so far. */
        boolean leaderOnly;
        /**
         * How far the stop signal has been sent ({@link #stage}), as of the last signals sent: what a
         * hand-off to the watchdog tells it. Guarded by the escalation's lock.
         */
        String sent;
        /**
         * Handed to the watchdog at shutdown: the JVM sends it no stop signal any more (the watchdog
         * goes on from {@link #sent} once the JVM has exited), only SIGKILL at its deadline.
         * Guarded by the escalation's lock.
         */
        boolean handedOff;

        State(long since, long deadline, boolean killed) {
            this.since = since;
            this.deadline = deadline;
            this.killed = killed;
        }
    }

    /** What a round saw of a group. */
    static final class Seen {
        /** The live members in its group (or tree). */
        final List<ProcStat> members;
        /** The live members outside its group found by their marker or in its cgroup. */
        final List<ProcStat> escapees;
        /** Whether escapees were looked for in this round (environments read, or a cgroup). */
        final boolean escapeesRead;
        /**
         * Whether the group holds a live process that neither members nor escapees show (its
         * cgroup, or one below it, is populated; see {@link Containment#holdsMore}).
         */
        final boolean holdsMore;

        Seen(List<ProcStat> members, List<ProcStat> escapees, boolean escapeesRead, boolean holdsMore) {
            this.members = members;
            this.escapees = escapees;
            this.escapeesRead = escapeesRead;
            this.holdsMore = holdsMore;
        }
    }

    /** What to do for a group after a round: the signals to send, or that it is gone. */
    static final class Action {
        /** The group's stop signal (and SIGCONT) to these; null for none. */
        List<ProcStat> stop;
        /** SIGKILL to these; null for none. */
        List<ProcStat> kill;
        /** Kill all it holds at once (cgroup.kill; after the SIGKILLs): {@link Containment#killAll}. */
        boolean killAll;
        /** The group is done: found empty, or (survived) given up on. */
        boolean gone;
        /** Members were left after SIGKILL: given up on. */
        boolean survived;
    }

    private EscalationRound() {}

    /**
     * True if the next round must read environments for G (to find its escapees by their
     * marker): in the first round after its first signal, and when its SIGKILL is due.
     */
    static boolean needsEnvironments(ProcessGroup g, State p, long now) {
        boolean killDue = !p.killed && now - p.deadline >= 0;
        return g.marker != null && (p.escapeesDue || killDue);
    }

    /** The round for G in state P (which it updates) after SEEN, at NOW (System.nanoTime()). */
    static Action decide(ProcessGroup g, State p, Seen seen, long now) {
        Action a = new Action();
        // A whole containment (a cgroup) shows its members outside the group in every round.
        boolean whole = g.containment.whole;
        if (seen.escapeesRead || whole) {
            List<ProcStat> fresh = new ArrayList<>();
            for (ProcStat s : seen.escapees) if (!contains(p.escapees, s)) fresh.add(s);
            if (!fresh.isEmpty() && (p.escapeesDue || whole) && !p.leaderOnly) {
                if (p.killed) a.kill = fresh;
                else a.stop = fresh;
                p.signalled = true;
            }
            p.escapees = seen.escapees;
            // With a cgroup every new process seen outside the group counts; by marker, the most seen at once.
            p.escapeesSeen = whole ? p.escapeesSeen + fresh.size() : Math.max(p.escapeesSeen, seen.escapees.size());
            p.escapeesDue = false;
        }
        List<ProcStat> all = new ArrayList<>(seen.members.size() + seen.escapees.size());
        all.addAll(seen.members);
        all.addAll(seen.escapees);
        boolean due = now - p.deadline >= 0;
        if (all.isEmpty() && !seen.holdsMore) {
            a.gone = true;
        } else if (!p.killed && due) {
            a.kill = all;
            a.killAll = whole;
        } else if (p.killed && due) {
            a.gone = true;
            a.survived = true;
        } else if (p.killed && whole) {
            a.killAll = true; // again, until it is empty
        } else if (p.leaderOnly && liveLeader(g, all) == null) {
            a.stop = all;
            p.leaderOnly = false;
        }
        return a;
    }

    /**
     * How far G's stop signal has gone once the signals P's rounds decided are sent: to the leader
     * alone ({@link HelperProtocol#STAGE_LEADER}); to the group, its members outside it not looked
     * for yet ({@link HelperProtocol#STAGE_GROUP}); or to all of it seen so far
     * ({@link HelperProtocol#STAGE_ALL}).
     */
    static String stage(ProcessGroup g, State p) {
        if (p.leaderOnly) return HelperProtocol.STAGE_LEADER;
        return p.escapeesDue && g.containment.mayHaveEscapees(g) ? HelperProtocol.STAGE_GROUP : HelperProtocol.STAGE_ALL;
    }

    /** G's leader among MEMBERS, alive with the group's start time; null if it is not. */
    static ProcStat liveLeader(ProcessGroup g, List<ProcStat> members) {
        for (ProcStat s : members) if (g.isLeader(s) && s.alive()) return s;
        return null;
    }

    private static boolean contains(List<ProcStat> list, ProcStat s) {
        for (ProcStat k : list) if (k.pid == s.pid && k.startTime == s.startTime) return true;
        return false;
    }
}
