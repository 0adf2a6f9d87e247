package dev.hygiene.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    static final String MARKER_VAR = HelperProtocol.MARKER_VAR;
    private static final byte[] MARKER_PREFIX = (MARKER_VAR + "=").getBytes(StandardCharsets.ISO_8859_1);

    private final Map<Long, ProcStat> byPid = new HashMap<>();
    private final Map<Long, List<ProcStat>> byGroup = new HashMap<>();
    private final Map<Long, List<ProcStat>> byParent = new HashMap<>();
    /** Marker token to the live processes carrying it; null if environments were not read. */
    private final Map<String, List<ProcStat>> byMarker;

    private Membership(List<ProcStat> all, boolean markers) {
        byMarker = markers ? new HashMap<>() : null;
        long self = ProcessHandle.current().pid();
        byte[] buffer = markers ? new byte[65536] : null;
        for (ProcStat s : all) {
            byPid.put(s.pid, s);
            if (!s.alive()) continue;
            add(byGroup, s.pgrp, s);
            add(byParent, s.ppid, s);
            if (markers && s.pid != self) {
                String token = innermost(markers(s.pid, buffer));
                if (token != null) {
                    List<ProcStat> list = byMarker.get(token);
                    if (list == null) byMarker.put(token, list = new ArrayList<>(2));
                    list.add(s);
                }
            }
        }
    }

    /**
     * The last token: the group of the innermost JVM that started the process's ancestors. In a
     * nested JVM's tree ("OUTER INNER") the process belongs to the inner JVM, which terminates it
     * itself; the outer JVM must not count it as an escapee of the inner JVM's own group.
     */
    static String innermost(List<String> tokens) {
        return tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
    }

    /**
     * The marker tokens in PID's environment (/proc/PID/environ, readable for our own user's
     * processes only: a process that changed user, or cleared its environment, is not found).
     */
    static List<String> markers(long pid, byte[] buffer) {
        int n;
        try {
            n = ProcStat.readFile("/proc/" + pid + "/environ", buffer);
        } catch (IOException e) {
            return List.of();
        }
        for (int i = 0; i < n; ) {
            int end = i;
            while (end < n && buffer[end] != 0) end++;
            if (startsWith(buffer, i, end, MARKER_PREFIX)) {
                String value = new String(buffer, i + MARKER_PREFIX.length, end - i - MARKER_PREFIX.length,
                        StandardCharsets.ISO_8859_1);
                List<String> tokens = new ArrayList<>(2);
                for (String t : value.split(" ")) if (!t.isEmpty()) tokens.add(t);
                return tokens;
            }
            i = end + 1;
        }
        return List.of();
    }

    private static boolean startsWith(byte[] b, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) return false;
        for (int k = 0; k < prefix.length; k++) if (b[from + k] != prefix[k]) return false;
        return true;
    }

    private static void add(Map<Long, List<ProcStat>> map, long key, ProcStat s) {
        List<ProcStat> list = map.get(key);
        if (list == null) map.put(key, list = new ArrayList<>(2));
        list.add(s);
    }

    /** Reads /proc; with MARKERS also every readable environment, to find escaped members. */
    static Membership scan(boolean markers) {
        return new Membership(ProcStat.all(), markers);
    }

    boolean withMarkers() {
        return byMarker != null;
    }

    /**
     * The live processes outside G's group that carry G's marker: descendants that left with
     * setsid or a double fork. With a scan without markers: those of KNOWN still alive.
     */
    List<ProcStat> escapees(ProcessGroup g, List<ProcStat> known) {
        if (g.marker == null) return List.of();
        List<ProcStat> out = new ArrayList<>();
        if (byMarker != null) {
            for (ProcStat s : byMarker.getOrDefault(g.marker, List.of())) {
                if (!g.isolated || s.pgrp != g.pid) out.add(s);
            }
        } else {
            for (ProcStat k : known) {
                ProcStat now = byPid.get(k.pid);
                if (now != null && now.alive() && now.startTime == k.startTime) out.add(now);
            }
        }
        return out;
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
}
