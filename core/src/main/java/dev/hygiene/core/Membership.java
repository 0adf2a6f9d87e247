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
    List<ProcStat> marked(ProcessGroup g, List<ProcStat> known) {
        if (g.marker == null) return List.of();
        List<ProcStat> out = new ArrayList<>();
        if (byMarker != null) {
            for (ProcStat s : byMarker.getOrDefault(g.marker, List.of())) {
                if (!g.leadsGroup() || s.pgrp != g.pid) out.add(s);
            }
        } else {
            for (ProcStat k : known) {
                ProcStat now = byPid.get(k.pid);
                if (now != null && now.alive() && now.startTime == k.startTime) out.add(now);
            }
        }
        return out;
    }

    /**
     * The live processes in G's cgroup (itself, not the cgroups below it, which nested JVMs make for
     * their own children) outside G's group. A nested JVM's watchdog is left out: it is that
     * JVM's own, leaves when that JVM ends, and is killed with the cgroup at the deadline, like
     * everything else there (as in group mode, where it carries no marker). So is a process whose
     * command line reads empty: it is exiting (or inside execve: then it is seen next round).
     */
    List<ProcStat> outsideGroupInCgroup(ProcessGroup g) {
        String cgroup = g.cgroup;
        List<ProcStat> out = new ArrayList<>();
        byte[] buffer = null;
        for (long pid : Cgroups.procs(cgroup)) {
            ProcStat s = byPid.get(pid);
            if (s == null) s = ProcStat.read(pid); // born after the scan
            if (s == null || !s.alive() || s.pgrp == g.pid) continue;
            if (buffer == null) buffer = new byte[4096];
            if (runsProgramOfItsOwn(pid, buffer)) out.add(s);
        }
        return out;
    }

    private static final byte[] WATCHDOG_ARGS = "\0watch\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] HELPER_NAME = ("/" + Helper.FILE_NAME).getBytes(StandardCharsets.ISO_8859_1);

    /**
     * False if PID's command line reads empty (exiting, gone, inside execve) or is an agent's
     * watchdog ({@code .../hygiene-helper\0watch\0...}).
     */
    static boolean runsProgramOfItsOwn(long pid, byte[] b) {
        int n;
        try {
            n = ProcStat.readFile("/proc/" + pid + "/cmdline", b);
        } catch (IOException e) {
            return false;
        }
        return n > 0 && !isWatchdog(b, n);
    }

    /** True if CMDLINE (N bytes) is an agent's helper in watch mode: {@code .../hygiene-helper\0watch\0...}. */
    static boolean isWatchdog(byte[] b, int n) {
        int end = 0;
        while (end < n && b[end] != 0) end++;
        if (end < HELPER_NAME.length || end + WATCHDOG_ARGS.length > n) return false;
        for (int k = 0; k < HELPER_NAME.length; k++) if (b[end - HELPER_NAME.length + k] != HELPER_NAME[k]) return false;
        for (int k = 0; k < WATCHDOG_ARGS.length; k++) if (b[end + k] != WATCHDOG_ARGS[k]) return false;
        return true;
    }

    /** Every live process in CGROUP and below it, read now (for the record of its termination). */
    static List<ProcStat> inCgroup(String cgroup) {
        List<ProcStat> out = new ArrayList<>();
        for (long pid : Cgroups.allProcs(cgroup)) {
            ProcStat s = ProcStat.read(pid);
            if (s != null && s.alive()) out.add(s);
        }
        return out;
    }

    /** VmRSS of /proc/PID/status in bytes; 0 if gone or none (a zombie, a kernel thread). */
    static long residentBytes(long pid) {
        byte[] b = new byte[4096];
        int n;
        try {
            n = ProcStat.readFile("/proc/" + pid + "/status", b);
        } catch (IOException e) {
            return 0;
        }
        String text = new String(b, 0, n, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\nVmRSS:");
        if (at < 0) return 0;
        int p = at + 7;
        while (p < text.length() && (text.charAt(p) == ' ' || text.charAt(p) == '\t')) p++;
        long kb = 0;
        while (p < text.length() && Character.isDigit(text.charAt(p))) kb = kb * 10 + (text.charAt(p++) - '0');
        return kb * 1024;
    }

    /** The live members of G's process group; none if its number now belongs to another process. */
    List<ProcStat> group(ProcessGroup g) {
        ProcStat leader = byPid.get(g.pid);
        if (leader != null && !g.isLeader(leader)) return List.of(); // the number was reused
        return byGroup.getOrDefault(g.pid, List.of());
    }

    /**
     * G's leader and its live descendants. Once the leader has exited its children belong to a
     * subreaper and can no longer be told apart from anyone else's.
     */
    List<ProcStat> tree(ProcessGroup g) {
        ProcStat leader = byPid.get(g.pid);
        List<ProcStat> out = new ArrayList<>();
        if (leader == null || !g.isLeader(leader) || !leader.alive()) return out;
        out.add(leader);
        for (int i = 0; i < out.size(); i++) out.addAll(byParent.getOrDefault(out.get(i).pid, List.of()));
        return out;
    }
}
