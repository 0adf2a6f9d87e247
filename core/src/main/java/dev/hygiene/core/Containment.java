package dev.hygiene.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * What holds a child and everything it starts, and so how all of it is found and terminated:
 * <ul>
 *   <li>{@link #CGROUP}: a cgroup v2 of its own (and its process group). Nothing leaves it: not by
 *       setsid, a double fork, a cleared environment or another user. Members outside the group
 *       are read from the cgroup every round; the cgroup is killed as a whole
 *       ({@code cgroup.kill}) and removed once empty;</li>
 *   <li>{@link #GROUP}: its process group, signalled as a whole (kill(-pgid)), and the
 *       {@code PROCESS_HYGIENE_GROUP} marker in the environment of members that leave the group,
 *       signalled one by one;</li>
 *   <li>{@link #TREE}: no group of its own (it shares the JVM's terminal, or no helper could run):
 *       the tree of its descendants, signalled one by one.</li>
 * </ul>
 * The escalation ({@link Escalation}, {@link EscalationRound}) is the same for all three; what it
 * asks of a child's containment is here.
 */
public enum Containment {
    CGROUP(true, true) {
        @Override
        List<ProcStat> escapees(ProcessGroup g, Membership scan, List<ProcStat> known) {
            return scan.outsideGroupInCgroup(g);
        }

        @Override
        boolean mayHaveEscapees(ProcessGroup g) {
            return true;
        }

        @Override
        boolean holdsMore(ProcessGroup g) {
            return Cgroups.populated(g.cgroup);
        }

        @Override
        boolean emptied(ProcessGroup g) {
            // Every member was born in the cgroup (the helper entered it before its exec), and
            // "populated 0" counts the cgroups below it too.
            return !Cgroups.populated(g.cgroup);
        }

        @Override
        List<ProcStat> census(ProcessGroup g, Supplier<Membership> scan, List<ProcStat> escapees) {
            return Membership.inCgroup(g.cgroup); // read directly: no /proc scan
        }

        @Override
        boolean killAll(ProcessGroup g) {
            return Cgroups.kill(g.cgroup);
        }

        @Override
        boolean release(ProcessGroup g) {
            return Cgroups.remove(g.cgroup);
        }
    },
    GROUP(true, false),
    TREE(false, false) {
        @Override
        List<ProcStat> members(ProcessGroup g, Membership scan) {
            return scan.tree(g);
        }
    };

    /** True if the child leads its own process group: its members are its group, signalled as a whole. */
    final boolean leadsGroup;
    /**
     * True if everything it holds can be killed at once ({@link #killAll}) and counted cheaply
     * ({@link #census} needs no /proc scan); its members outside the group are then read every
     * round, not only when the group is first signalled and when SIGKILL is due.
     */
    final boolean whole;

    Containment(boolean leadsGroup, boolean whole) {
        this.leadsGroup = leadsGroup;
        this.whole = whole;
    }

    /** "cgroup", "group" or "tree": as the MBean, the status command and the reports show it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The live members of G in SCAN: its process group (for a tree: the leader and its descendants). */
    List<ProcStat> members(ProcessGroup g, Membership scan) {
        return scan.group(g);
    }

    /**
     * G's live processes outside what {@link #members} finds: those carrying its marker (with a
     * scan that read no environments: those of KNOWN still alive); for a cgroup, the members of the
     * cgroup outside the group, read now.
     */
    List<ProcStat> escapees(ProcessGroup g, Membership scan, List<ProcStat> known) {
        return scan.marked(g, known);
    }

    /** True if G may have escapees even when none of its members is seen (a marker, or a cgroup). */
    boolean mayHaveEscapees(ProcessGroup g) {
        return g.marker != null;
    }

    /** True if G holds a live process that members and escapees do not show (a nested JVM's cgroup below G's). */
    boolean holdsMore(ProcessGroup g) {
        return false;
    }

    /** True if G is known to hold no live process without looking at /proc (an empty cgroup). */
    boolean emptied(ProcessGroup g) {
        return false;
    }

    /** Every live process of G with ESCAPEES, for the record of its termination. */
    List<ProcStat> census(ProcessGroup g, Supplier<Membership> scan, List<ProcStat> escapees) {
        List<ProcStat> out = new ArrayList<>(members(g, scan.get()));
        out.addAll(escapees);
        return out;
    }

    /**
     * Kills everything G holds at once, processes forking meanwhile included; false where that is
     * impossible (no cgroup, Linux before 5.14, the cgroup gone): then each member seen has had its
     * SIGKILL.
     */
    boolean killAll(ProcessGroup g) {
        return false;
    }

    /** Releases what G held once it is empty (its cgroup directory); false if that is not possible yet. */
    boolean release(ProcessGroup g) {
        return true;
    }
}
