package dev.hygiene.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kills, after each test, every process the test may have left behind, and nothing else: the
 * processes whose session or process group is one the test recorded from a process it started,
 * the pids it recorded (only while their start time is the recorded one), the processes that
 * carry the agent's group marker of a recorded app JVM or are in its cgroup directory
 * ({@code process-hygiene-<jvm pid>-<jvm start time>}, where they cannot leave), and the
 * descendants of all those. Then it checks that the recorded JVMs left no cgroup behind (see
 * {@link #leftCgroups}).
 *
 * <p>What leaves the app JVM's session is found by the last three: the agent's watchdog (which
 * calls setsid; a test records its pid while the JVM lives), and the descendants that escaped
 * their group with setsid or a double fork, which keep {@code PROCESS_HYGIENE_GROUP=<jvm pid>.
 * <jvm start time>.<n>} in their environment (readable in /proc/PID/environ for our own user).
 *
 * <p>Safety (the machine is shared; the shell that runs the build has a group of its own): a
 * session or group number of 1 or less, the test JVM's own pid, group or session is refused when
 * recorded, and never signalled, whatever was recorded. Only SIGKILL to single pids is sent
 * (through {@link ProcessHandle#destroyForcibly()}), never a group signal.
 */
public final class ProcessCleanup {

    private static final Proc.Stat SELF = Proc.self();

    private final Set<Long> sessions = new LinkedHashSet<>();
    private final Set<Long> groups = new LinkedHashSet<>();
    private final Map<Long, Long> pids = new HashMap<>(); // pid -> start time
    private final Set<String> jvmMarkers = new LinkedHashSet<>(); // "<jvm pid>.<jvm start time>."
    private final Map<Long, Long> jvms = new HashMap<>(); // jvm pid -> start time
    private final Set<String> jvmCgroups = new LinkedHashSet<>(); // "process-hygiene-<jvm pid>-<jvm start time>"
    private final Set<Long> killedJvms = new HashSet<>(); // JVMs that got SIGKILL: their cgroups are the watchdog's

    /** Records SID, the session of a process this test started. */
    public synchronized void recordSession(long sid) {
        sessions.add(checked("session", sid));
    }

    /** Records PGID, the process group of a process this test (or its app) started. */
    public synchronized void recordGroup(long pgid) {
        groups.add(checked("group", pgid));
    }

    /** Records PID with its current start time (nothing if it is already gone). */
    public synchronized void recordPid(long pid) {
        checked("pid", pid);
        Proc.Stat s = Proc.stat(pid);
        if (s != null) pids.put(pid, s.startTime);
    }

    /**
     * Records PID as an app JVM (nothing if it is already gone): every process whose group marker
     * names this JVM ({@code <pid>.<start time>.<n>}) is killed, wherever it went.
     */
    public synchronized void recordJvm(long pid) {
        checked("jvm", pid);
        Proc.Stat s = Proc.stat(pid);
        if (s != null) {
            jvmMarkers.add(pid + "." + s.startTime + ".");
            jvms.put(pid, s.startTime);
            jvmCgroups.add(Cgroups.jvmDirName(pid, s.startTime));
        }
    }

    /**
     * Notes that the recorded JVM PID ended without its shutdown hooks (SIGKILL from the test,
     * Runtime.halt): its cgroups are its watchdog's to remove (see {@link #leftCgroups}).
     */
    public synchronized void diedWithoutShutdownHooks(long pid) {
        killedJvms.add(pid);
    }

    private static long checked(String what, long id) {
        if (id <= 1 || id == SELF.pid || id == SELF.pgrp || id == SELF.session) {
            throw new IllegalArgumentException("refusing to record " + what + " " + id
                    + ": it is 1 or less, or the test JVM's own pid, group or session (" + SELF + ")");
        }
        return id;
    }

    /**
     * Kills (SIGKILL) every live process in a recorded session or group, every recorded pid and
     * every descendant of those, until none is left (new children may appear while it runs).
     *
     * @return what was killed, for the test log
     */
    public synchronized List<String> killAll() {
        List<String> killed = new ArrayList<>();
        List<Path> watchdogDirs = new ArrayList<>();
        boolean clean = Poll.until(Duration.ofSeconds(10), () -> {
            List<Proc.Stat> targets = targets();
            for (Proc.Stat s : targets) {
                Path dir = watchdogDir(s.pid);
                ProcessHandle.of(s.pid).ifPresent(h -> {
                    if (h.destroyForcibly()) {
                        killed.add(s.toString());
                        if (jvms.containsKey(s.pid)) killedJvms.add(s.pid);
                        if (dir != null) watchdogDirs.add(dir);
                    }
                });
            }
            return targets.isEmpty();
        });
        if (!clean) System.err.println("cleanup: processes still alive after 10 s: " + targets());
        if (!killed.isEmpty()) System.err.println("cleanup: killed " + killed);
        // A watchdog killed here cannot remove the helper's directory at its end, as it would.
        for (Path dir : watchdogDirs) {
            if (deleteTree(dir.toFile())) System.err.println("cleanup: removed " + dir + ", left by a watchdog it killed");
        }
        return killed;
    }

    /**
     * The helper's private directory of PID if it is a watchdog ({@code DIR/hygiene-helper watch
     * ...}, DIR named process-hygiene-*), else null.
     */
    private static Path watchdogDir(long pid) {
        String cmdline = Proc.cmdline(pid);
        if (cmdline == null || !cmdline.contains("|watch|")) return null;
        Path helper = Path.of(cmdline.substring(0, cmdline.indexOf('|')));
        Path dir = helper.getParent();
        if (!helper.getFileName().toString().equals("hygiene-helper") || dir == null
                || !dir.getFileName().toString().startsWith("process-hygiene-")) {
            return null;
        }
        return dir;
    }

    /** Removes F and what it holds (links are removed, not followed); true if it existed. */
    private static boolean deleteTree(java.io.File f) {
        if (!f.exists() && !Files.isSymbolicLink(f.toPath())) return false;
        java.io.File[] inside = Files.isSymbolicLink(f.toPath()) ? null : f.listFiles();
        if (inside != null) for (java.io.File c : inside) deleteTree(c);
        f.delete();
        return true;
    }

    private List<Proc.Stat> targets() {
        List<Proc.Stat> all = Proc.all();
        Set<Long> chosen = new HashSet<>();
        for (Proc.Stat s : all) {
            Long start = pids.get(s.pid);
            if (sessions.contains(s.session) || groups.contains(s.pgrp) || (start != null && start == s.startTime)
                    || (s.alive() && (markedByRecordedJvm(s.pid) || inRecordedJvmsCgroup(s.pid)))) {
                chosen.add(s.pid);
            }
        }
        // Descendants of the chosen ones, whatever session they moved to.
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Proc.Stat s : all) {
                if (!chosen.contains(s.pid) && chosen.contains(s.ppid)) {
                    chosen.add(s.pid);
                    grew = true;
                }
            }
        }
        List<Proc.Stat> out = new ArrayList<>();
        for (Proc.Stat s : all) {
            if (chosen.contains(s.pid) && s.alive() && safe(s)) out.add(s);
        }
        return out;
    }

    private boolean markedByRecordedJvm(long pid) {
        if (jvmMarkers.isEmpty()) return false;
        for (String token : Proc.markers(pid)) {
            for (String prefix : jvmMarkers) if (token.startsWith(prefix)) return true;
        }
        return false;
    }

    /** True if PID is in a cgroup of a recorded JVM's children (of whatever user, session or environment). */
    private boolean inRecordedJvmsCgroup(long pid) {
        if (jvmCgroups.isEmpty()) return false;
        String path = Cgroups.of(pid);
        if (path == null) return false;
        for (String name : jvmCgroups) if (path.contains("/" + name + "/") || path.endsWith("/" + name)) return true;
        return false;
    }

    /**
     * The cgroup directories the recorded JVMs left behind, once they are all gone (call after
     * {@link #killAll}); each is removed. A JVM that exited must have removed its directory
     * itself (at shutdown); one that died without its shutdown hooks (SIGKILL from the test or
     * the cleanup, Runtime.halt) leaves it to its watchdog, which removes it
     * at its end: waited for up to 5 s, then removed here without complaint (that is the
     * watchdog's tests' to check).
     *
     * @return the directories left by JVMs that were not killed
     */
    public synchronized List<String> leftCgroups() {
        Path own = Cgroups.dirOf(SELF.pid);
        if (own == null) return List.of();
        List<String> left = new ArrayList<>();
        for (Map.Entry<Long, Long> jvm : jvms.entrySet()) {
            Path dir = own.resolve(Cgroups.jvmDirName(jvm.getKey(), jvm.getValue()));
            if (Proc.alive(jvm.getKey(), jvm.getValue())) {
                left.add(dir + " (its JVM " + jvm.getKey() + " still runs)");
                continue;
            }
            boolean killed = killedJvms.contains(jvm.getKey());
            if (Poll.until(killed ? Duration.ofSeconds(5) : Duration.ofSeconds(2), () -> !Files.exists(dir))) continue;
            if (killed) System.err.println("cleanup: removing " + dir + ", left by JVM " + jvm.getKey() + " (it died without its shutdown hooks)");
            else left.add(dir + " " + tree(dir));
            Cgroups.removeTree(dir);
        }
        return left;
    }

    private static List<String> tree(Path dir) {
        List<String> out = new ArrayList<>();
        for (Path sub : Cgroups.children(dir)) {
            out.add(sub.getFileName() + (Cgroups.populated(sub) ? "(populated)" : ""));
            for (String below : tree(sub)) out.add(sub.getFileName() + "/" + below);
        }
        return out;
    }

    private static boolean safe(Proc.Stat s) {
        return s.pid > 1 && s.pid != SELF.pid && s.pgrp != SELF.pgrp && s.session != SELF.session;
    }
}
