package dev.hygiene.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is alive in which group, from one read of /proc. Zombies are not alive: they hold their
 * group number (kill(-pgid, 0) still succeeds) but run nothing.
 *
 * <p>The number is checked before it is trusted: if a process with the leader's pid exists with
 * another start time, the number was reused and the group is treated as gone.
 */
final class Membership {

    private final Map<Long, ProcStat> byPid = new HashMap<>();
    private final Map<Long, List<ProcStat>> byGroup = new HashMap<>();
    private final Map<Long, List<ProcStat>> byParent = new HashMap<>();

    private Membership(List<ProcStat> all) {
        for (ProcStat s : all) {
            byPid.put(s.pid, s);
            if (!s.alive()) continue;
            add(byGroup, s.pgrp, s);
            add(byParent, s.ppid, s);
        }
    }

    private static void add(Map<Long, List<ProcStat>> map, long key, ProcStat s) {
        List<ProcStat> list = map.get(key);
        if (list == null) map.put(key, list = new ArrayList<>(2));
        list.add(s);
    }

    static Membership scan() {
        return new Membership(ProcStat.all());
    }

    /** The live members of G: its process group, or for a tree the leader and its descendants. */
    List<ProcStat> members(ProcessGroup g) {
        ProcStat leader = byPid.get(g.pid);
        if (leader != null && !g.isLeader(leader)) return List.of(); // the number was reused
        if (g.isolated) return byGroup.getOrDefault(g.pid, List.of());
        // A tree: the leader and its descendants. Once the leader has exited its children belong to
        // a subreaper and can no longer be told apart from anyone else's.
        List<ProcStat> out = new ArrayList<>();
        if (leader == null || !leader.alive()) return out;
        out.add(leader);
        for (int i = 0; i < out.size(); i++) out.addAll(byParent.getOrDefault(out.get(i).pid, List.of()));
        return out;
    }

    /**
     * Cheap check without a scan: true if the leader of an isolated group is alive with its own
     * start time, which proves the group is non-empty and its number still ours.
     */
    static boolean leaderAlive(ProcessGroup g) {
        ProcStat s = ProcStat.read(g.pid);
        return g.isLeader(s) && s.alive();
    }
}
