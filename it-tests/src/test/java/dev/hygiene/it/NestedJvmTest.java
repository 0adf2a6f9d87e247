package dev.hygiene.it;

import dev.hygiene.it.apps.NestedApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 4 (nested JVMs): the agent in JAVA_TOOL_OPTIONS reaches a child JVM too, and each JVM
 * manages its own children. The outer JVM isolates the inner JVM in a group of its own; the inner
 * JVM isolates its tree in another. With {@code containment=group} the tree's members carry both
 * JVMs' markers; with cgroups (issue 10) nobody carries a marker, the inner JVM runs in the outer
 * JVM's child cgroup and makes its own directory inside it, and its tree's cgroup lies in that. When the outer JVM
 * ends, the inner JVM gets SIGTERM from it, runs its own shutdown hook and terminates its own tree:
 * everything is gone within the outer grace + 1 s + the inner grace. When the inner JVM ends first,
 * it terminates its tree before it exits, and the outer JVM later has nothing left to terminate.
 *
 * <p>Nothing is killed twice or missed: each group appears in the termination lines (log=debug) of
 * exactly one JVM, the inner tree in the inner JVM's, and the tree's members (perl witnesses that
 * record each SIGTERM with its sender's pid from siginfo) get exactly one SIGTERM each, never from
 * the outer JVM or its watchdog.
 */
class NestedJvmTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);
    static final Pattern TERMINATED_AT_SHUTDOWN = Pattern.compile("^process-hygiene: at shutdown: terminated group (\\d+) .*");
    static final Pattern GROUP_GONE = Pattern.compile("^process-hygiene: group (\\d+) \\(.*\\) (terminated|killed after the grace period)$");

    @TempDir
    Path tmp;

    /** What the test learnt about the JVMs and the tree before it ends anything. */
    final class Nest {
        AppJvm outer;
        Proc.Stat outerJvm;
        Proc.Stat innerJvm;
        Proc.Stat outerWatchdog;
        Proc.Stat innerWatchdog;
        long tree;
        Tree members;
        List<Long> witnesses;
        Path innerStderr;
        Path witnessLog;
        List<String> outerLog;
        List<String> innerLog;
    }

    /** Each JDK, with each containment: group (process groups and markers) and cgroup. */
    static Stream<Arguments> jdksAndContainments() {
        return Jdks.all().flatMap(jdk -> Stream.of("group", "cgroup").map(c -> Arguments.of(jdk, c)));
    }

    Nest start(Jdks.Jdk jdk, String containment) throws IOException {
        if (containment.equals("cgroup")) assumeTrue(Cgroups.writable(), "no process may create cgroups here");
        Nest n = new Nest();
        n.innerStderr = tmp.resolve("inner-stderr");
        n.witnessLog = tmp.resolve("witness-log");
        Files.createFile(n.witnessLog);
        n.outer = app(jdk, NestedApp.class).noAgent()
                .env("JAVA_TOOL_OPTIONS", "-javaagent:" + AppJvm.agentJar() + "=grace=" + GRACE.toSeconds() + "s,log=debug"
                        + ",containment=" + containment)
                .args("outer", n.innerStderr.toString(), n.witnessLog.toString())
                .start();
        AppJvm outer = n.outer;
        long[] jvm = outer.jvm();
        n.outerJvm = Proc.stat(jvm[0]);
        assertNotNull(n.outerJvm, "the outer JVM runs" + outer.describe());

        long innerPid = AppJvm.numbers(outer.awaitLine("INNER_JVM "))[0];
        cleanup.recordGroup(innerPid);
        cleanup.recordPid(innerPid);
        long[] innerLine = AppJvm.numbers(outer.awaitLine("INNER JVM ").substring("INNER ".length()));
        assertEquals(innerPid, innerLine[0], outer.describe());
        n.tree = AppJvm.numbers(outer.awaitLine("INNER GROUP ").substring("INNER ".length()))[0];
        cleanup.recordGroup(n.tree);
        n.members = Tree.parse(outer.awaitLine("INNER MEMBERS ").substring("INNER ".length()));
        outer.awaitLine("INNER READY");
        n.innerJvm = Proc.stat(innerPid);
        assertNotNull(n.innerJvm, outer.describe());

        // The watchdogs (sessions of their own) are recorded for the cleanup.
        n.outerWatchdog = awaitWatchdog(n.outerJvm.pid);
        n.innerWatchdog = awaitWatchdog(innerPid);

        // The witnesses handle SIGTERM before anything is ended.
        n.witnesses = n.members.members.stream().map(m -> m[0]).filter(p -> p != n.tree).collect(Collectors.toList());
        assertEquals(2, n.witnesses.size(), "two witnesses under the tree's sh: " + n.members);
        Poll.assertWithin(Duration.ofSeconds(10), () -> witnessLines(n).stream().filter(l -> l.endsWith(" READY")).count() == 2,
                () -> "both witnesses ready: " + witnessLines(n));

        // The outer JVM isolated the inner JVM: a group of its own, in the outer JVM's session.
        assertEquals(innerPid, n.innerJvm.pgrp, "the inner JVM leads its own group: " + n.innerJvm);
        assertNotEquals(n.outerJvm.pgrp, n.innerJvm.pgrp);
        assertEquals(n.outerJvm.session, n.innerJvm.session);
        assertEquals(List.of(innerPid, innerPid, n.innerJvm.session), List.of(innerLine[0], innerLine[1], innerLine[2]));
        // The inner JVM isolated its tree: another group, every member in it.
        assertNotEquals(innerPid, n.tree);
        for (long[] m : n.members.members) {
            Proc.Stat s = Proc.stat(m[0]);
            assertNotNull(s, "member " + m[0] + " alive");
            assertEquals(n.tree, s.pgrp, "member of the inner JVM's tree in the tree's group: " + s);
        }
        if (containment.equals("cgroup")) {
            assertNestedCgroups(n);
            return n;
        }
        // Markers: the inner JVM has the outer JVM's; the tree has the outer's and then the inner's.
        String outerPrefix = n.outerJvm.pid + "." + n.outerJvm.startTime + ".";
        String innerPrefix = innerPid + "." + n.innerJvm.startTime + ".";
        String innerMarker = outer.awaitLine("INNER MARKER ").substring("INNER MARKER ".length());
        assertTrue(innerMarker.matches(Pattern.quote(outerPrefix) + "[0-9]+"), "the inner JVM's marker: " + innerMarker);
        assertEquals(List.of(innerMarker), markers(innerPid));
        for (long[] m : n.members.members) {
            List<String> tokens = markers(m[0]);
            assertEquals(2, tokens.size(), "two markers in member " + m[0] + ": " + tokens);
            assertEquals(innerMarker, tokens.get(0), "the outer JVM's marker first: " + tokens);
            assertTrue(tokens.get(1).startsWith(innerPrefix), "then the inner JVM's own: " + tokens);
        }
        return n;
    }

    /**
     * The inner JVM runs in a child cgroup of the outer JVM's directory and makes its own directory
     * inside it; its tree's cgroup lies in that. Nobody carries a marker.
     */
    void assertNestedCgroups(Nest n) {
        Path outerDir = Cgroups.jvmDir(n.outerJvm.pid);
        Path innerCgroup = Cgroups.dirOf(n.innerJvm.pid);
        assertEquals(outerDir, innerCgroup.getParent(), "the inner JVM in a child cgroup of the outer JVM's directory");
        Path innerDir = Cgroups.jvmDir(n.innerJvm.pid);
        assertTrue(Files.isDirectory(innerDir), "the inner JVM's directory " + innerDir + ", inside its own cgroup");
        for (long[] m : n.members.members) {
            Path cgroup = Cgroups.dirOf(m[0]);
            assertEquals(innerDir, cgroup == null ? null : cgroup.getParent(), "member " + m[0] + " in a cgroup of the inner JVM's");
            assertEquals(List.of(), markers(m[0]), "no marker with cgroups: member " + m[0]);
        }
        assertEquals(List.of(), markers(n.innerJvm.pid), "no marker with cgroups: the inner JVM");
        assertEquals("INNER MARKER null", n.outer.awaitLine("INNER MARKER "), "the inner JVM sees no marker");
    }

    /**
     * Ends the outer JVM with SIGTERM while the inner JVM runs; checks that everything is gone in
     * time, and that each group was terminated by exactly one JVM, the right one.
     */
    Nest endTheOuterJvm(Jdks.Jdk jdk, String containment) throws Exception {
        Nest n = start(jdk, containment);
        long t0 = System.nanoTime();
        n.outer.signal("TERM");
        assertEquals(143, n.outer.awaitExit(), n.outer.describe());

        Duration limit = GRACE.plusSeconds(1).plus(GRACE);
        long left = t0 + limit.toNanos() - System.nanoTime();
        Poll.assertWithin(Duration.ofNanos(Math.max(0, left)),
                () -> !Proc.alive(n.innerJvm.pid, n.innerJvm.startTime) && n.members.alive().isEmpty()
                        && Proc.liveInGroup(n.innerJvm.pid).isEmpty() && Proc.liveInGroup(n.tree).isEmpty(),
                () -> "outer grace + 1 s + inner grace after SIGTERM to the outer JVM: inner JVM "
                        + Proc.stat(n.innerJvm.pid) + ", tree " + n.members.alive() + ", groups "
                        + Proc.liveInGroup(n.innerJvm.pid) + " " + Proc.liveInGroup(n.tree) + n.outer.describe() + inner(n));

        n.outerLog = agentLines(n.outer.stderr().all());
        n.innerLog = agentLines(innerStderr(n));
        // Each group terminated by exactly one JVM: the inner JVM's group by the outer JVM, the tree by the inner JVM.
        assertEquals(List.of(n.innerJvm.pid), groups(TERMINATED_AT_SHUTDOWN, n.outerLog), "outer JVM" + n.outer.describe());
        assertEquals(List.of(n.tree), groups(TERMINATED_AT_SHUTDOWN, n.innerLog), "inner JVM" + inner(n));
        assertEquals(List.of(n.innerJvm.pid), groups(GROUP_GONE, n.outerLog), "outer JVM" + n.outer.describe());
        assertEquals(List.of(n.tree), groups(GROUP_GONE, n.innerLog), "inner JVM" + inner(n));
        for (String l : concat(n.outerLog, n.innerLog)) {
            assertFalse(l.contains("not gone") || l.contains("still has members") || l.contains("cannot"), "a warning: " + l
                    + n.outer.describe() + inner(n));
        }
        Poll.assertWithin(GRACE.plusSeconds(1), () -> !Proc.alive(n.outerWatchdog.pid, n.outerWatchdog.startTime)
                && !Proc.alive(n.innerWatchdog.pid, n.innerWatchdog.startTime), () -> "the watchdogs exit");
        return n;
    }

    @ParameterizedTest(name = "{0} containment={1}")
    @MethodSource("jdksAndContainments")
    void theOuterJvmEndsAndTheInnerJvmTerminatesItsOwnTree(Jdks.Jdk jdk, String containment) throws Exception {
        endTheOuterJvm(jdk, containment);
    }

    /**
     * The same ending: nothing of the inner JVM's is signalled by the outer JVM. A process belongs
     * to the innermost JVM in its PROCESS_HYGIENE_GROUP list ("OUTER INNER": the inner one), and
     * the inner JVM's watchdog carries no marker, so the outer JVM's escalation of the inner JVM's
     * group finds no escaped member there.
     */
    @ParameterizedTest(name = "{0} containment={1}")
    @MethodSource("jdksAndContainments")
    void theOuterJvmSignalsNothingOfTheInnerJvms(Jdks.Jdk jdk, String containment) throws Exception {
        Nest n = endTheOuterJvm(jdk, containment);
        assertNothingElseSignalled(n, n.outerLog, n.innerLog);
        assertEachWitnessTerminatedOnceByTheInnerSide(n);
    }

    @ParameterizedTest(name = "{0} containment={1}")
    @MethodSource("jdksAndContainments")
    void theInnerJvmEndsFirstAndTerminatesItsTreeBeforeItExits(Jdks.Jdk jdk, String containment) throws Exception {
        Nest n = start(jdk, containment);
        n.outer.send("inner-exit");
        String exit = n.outer.awaitLine("INNER_EXIT ", Duration.ofSeconds(30));
        // Its shutdown hook waited for its tree: gone by the time the inner JVM has exited.
        assertEquals(List.of(), n.members.alive(), "the tree once the inner JVM exited" + inner(n));
        assertEquals(List.of(), Proc.liveInGroup(n.tree), "the tree's group once the inner JVM exited");
        assertEquals("INNER_EXIT 0", exit, n.outer.describe() + inner(n));
        assertTrue(n.outer.stdout().all().contains("INNER EXITING"), n.outer.describe());
        assertFalse(Proc.alive(n.innerJvm.pid, n.innerJvm.startTime), "the inner JVM is gone");
        // Its watchdog, with nothing left to watch, exits after it.
        Poll.assertWithin(GRACE.plusSeconds(1), () -> !Proc.alive(n.innerWatchdog.pid, n.innerWatchdog.startTime),
                () -> "the inner JVM's watchdog exits: " + Proc.stat(n.innerWatchdog.pid));

        n.outer.send("quit");
        assertEquals(0, n.outer.awaitExit(), n.outer.describe());
        List<String> outerLog = agentLines(n.outer.stderr().all());
        List<String> innerLog = agentLines(innerStderr(n));
        // The tree by the inner JVM; the outer JVM found nothing of the inner JVM's group to terminate.
        assertEquals(List.of(n.tree), groups(TERMINATED_AT_SHUTDOWN, innerLog), "inner JVM" + inner(n));
        assertEquals(List.of(n.tree), groups(GROUP_GONE, innerLog), "inner JVM" + inner(n));
        assertEquals(List.of(), groups(TERMINATED_AT_SHUTDOWN, outerLog), "outer JVM" + n.outer.describe());
        assertNothingElseSignalled(n, outerLog, innerLog);
        assertEachWitnessTerminatedOnceByTheInnerSide(n);
        Poll.assertWithin(GRACE.plusSeconds(1), () -> !Proc.alive(n.outerWatchdog.pid, n.outerWatchdog.startTime)
                && !Proc.alive(n.innerWatchdog.pid, n.innerWatchdog.startTime), () -> "the watchdogs exit");
    }

    /** Neither JVM reports escaped members (the other JVM's processes), a warning, or the other's tree. */
    void assertNothingElseSignalled(Nest n, List<String> outerLog, List<String> innerLog) {
        for (String l : outerLog) {
            assertFalse(l.contains("escaped"), "the outer JVM took the inner JVM's processes for escapees of its group: " + l
                    + n.outer.describe() + inner(n));
            assertFalse(l.matches(".*\\b(" + n.tree + "|" + n.witnesses.get(0) + "|" + n.witnesses.get(1) + ")\\b.*"),
                    "the outer JVM dealt with the inner JVM's tree: " + l + n.outer.describe());
        }
        for (String l : innerLog) {
            assertFalse(l.contains("escaped"), "inner JVM: " + l + inner(n));
            assertFalse(l.contains("watchdog is gone"), "the inner JVM lost its watchdog: " + l + n.outer.describe() + inner(n));
        }
        for (String l : concat(outerLog, innerLog)) {
            assertFalse(l.contains("not gone") || l.contains("still has members") || l.contains("cannot"), "a warning: " + l
                    + n.outer.describe() + inner(n));
        }
    }

    /** Each witness got exactly one SIGTERM, not from the outer JVM, its watchdog or its helpers. */
    void assertEachWitnessTerminatedOnceByTheInnerSide(Nest n) {
        Poll.assertWithin(Duration.ofSeconds(5), () -> n.witnesses.stream().noneMatch(p -> Proc.alive(p)), () -> "witnesses exit");
        Map<Long, List<String>> terms = new LinkedHashMap<>();
        for (long w : n.witnesses) terms.put(w, new ArrayList<>());
        for (String l : witnessLines(n)) {
            String[] f = l.split(" ");
            if (f.length >= 4 && f[1].equals("TERM")) terms.computeIfAbsent(Long.parseLong(f[0]), k -> new ArrayList<>()).add(l);
        }
        for (Map.Entry<Long, List<String>> e : terms.entrySet()) {
            assertEquals(1, e.getValue().size(), "witness " + e.getKey() + " got exactly one SIGTERM: " + witnessLines(n)
                    + "\nouter JVM " + n.outerJvm.pid + ", its watchdog " + n.outerWatchdog.pid + "; inner JVM "
                    + n.innerJvm.pid + ", its watchdog " + n.innerWatchdog.pid + n.outer.describe() + inner(n));
            String[] f = e.getValue().get(0).split(" ");
            long sender = Long.parseLong(f[3]);
            // Empty if the sender was being reaped while the witness read its stat: gone by then.
            String parent = f.length > 5 ? f[5] : "gone";
            assertNotEquals(n.outerJvm.pid, sender, "SIGTERM from the outer JVM: " + e.getValue());
            assertNotEquals(n.outerWatchdog.pid, sender, "SIGTERM from the outer JVM's watchdog: " + e.getValue());
            // The inner JVM signals its groups itself (a child of the outer JVM too); any other
            // child of the outer JVM that signals is one of the outer JVM's helpers.
            if (sender != n.innerJvm.pid) {
                assertNotEquals(Long.toString(n.outerJvm.pid), parent, "SIGTERM from a helper of the outer JVM: " + e.getValue());
            }
        }
    }

    Proc.Stat awaitWatchdog(long jvm) {
        Proc.Stat[] found = {null};
        Poll.assertWithin(Duration.ofSeconds(10), () -> {
            found[0] = AppJvm.watchdogOf(jvm);
            if (found[0] != null) cleanup.recordPid(found[0].pid);
            return found[0] != null;
        }, () -> "no watchdog for JVM " + jvm);
        return found[0];
    }

    static List<Long> groups(Pattern p, List<String> lines) {
        List<Long> out = new ArrayList<>();
        for (String l : lines) {
            Matcher m = p.matcher(l);
            if (m.matches()) out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    static List<String> agentLines(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("process-hygiene: ")).collect(Collectors.toList());
    }

    static List<String> innerStderr(Nest n) throws IOException {
        return Files.exists(n.innerStderr) ? Files.readAllLines(n.innerStderr, StandardCharsets.UTF_8) : List.of();
    }

    static String inner(Nest n) {
        try {
            return "\ninner JVM stderr: " + String.join("\n  ", innerStderr(n)) + "\nwitnesses: " + witnessLines(n);
        } catch (IOException e) {
            return "\ninner JVM stderr: " + e;
        }
    }

    static List<String> witnessLines(Nest n) {
        try {
            return Files.readAllLines(n.witnessLog, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The tokens of PROCESS_HYGIENE_GROUP in /proc/PID/environ; empty if none or unreadable. */
    static List<String> markers(long pid) {
        byte[] env;
        try {
            env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException e) {
            return List.of();
        }
        for (String entry : new String(env, StandardCharsets.ISO_8859_1).split("\0")) {
            if (entry.startsWith("PROCESS_HYGIENE_GROUP=")) {
                List<String> out = new ArrayList<>();
                for (String t : entry.substring("PROCESS_HYGIENE_GROUP=".length()).split(" ")) if (!t.isEmpty()) out.add(t);
                return out;
            }
        }
        return List.of();
    }
}
