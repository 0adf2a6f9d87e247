package dev.hygiene.it;

import dev.hygiene.it.apps.CgroupEscapeeApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 10, a cgroup per child: where the JVM may create cgroups (here: root, a writable cgroup2
 * mount), each child is moved into {@code <JVM's cgroup>/process-hygiene-<pid>-<start>/p<pid>}
 * before it execs, and nothing it starts can leave that: descendants that leave its group and
 * session with a cleared environment ({@code env -i setsid -f}), a double fork with a scrubbed
 * environment, or as another user ({@code setpriv}), none of whom the environment marker could
 * follow, are contained and terminated with the group: at shutdown, on destroy(), when the dropped
 * Process of an exited child is collected, and (the watchdog's part) after SIGKILL of the JVM. A
 * group that keeps forking escapees while ignoring SIGTERM is gone by grace + 1 s (cgroup.kill).
 * No child carries the marker. Every cgroup is removed once empty, and the JVM's directory at
 * its end.
 */
class CgroupEscapeeTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);

    @BeforeAll
    static void cgroupsCanBeCreated() {
        assumeTrue(Cgroups.writable(), "this machine lets no process create cgroups (a read-only cgroup2 mount?)");
    }

    static Stream<Arguments> endings() {
        return Jdks.all().flatMap(jdk -> Stream.of("main returns", "destroy()", "dropped Process", "SIGKILL of the JVM")
                .map(ending -> Arguments.of(jdk, ending)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endings")
    void escapeesThatNoMarkerFollowsAreContainedAndTerminated(Jdks.Jdk jdk, String ending, @TempDir Path dir) {
        Path report = dir.resolve("leaks.jsonl");
        String arg = ending.startsWith("main") ? "return" : ending.startsWith("destroy") ? "destroy"
                : ending.startsWith("dropped") ? "drop" : "wait";
        AppJvm app = app(jdk, CgroupEscapeeApp.class).agent("grace=1s,log=info,report=" + report)
                .jvmOption("-Djava.io.tmpdir=" + dir).args("escapees", arg).start();
        long[] jvm = app.jvm();
        Path jvmDir = Cgroups.jvmDir(jvm[0]);
        long leader = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        Path cgroup = Path.of(app.awaitLine("CGROUP ").substring(7));
        Tree escapees = Tree.parse("ESCAPEES", "ESCAPEES " + leader + " " + app.awaitLine("ESCAPEES ").substring(9));
        for (long[] e : escapees.members) cleanup.recordPid(e[0]);
        Tree group = Tree.parse(app.awaitLine("MEMBERS "));
        Proc.Stat watchdog = arg.equals("wait") ? app.awaitWatchdog() : null;

        assertEquals(jvmDir, cgroup.getParent(), "the child's cgroup lies in the JVM's directory" + app.describe());
        // p<pid> where the helper runs in place of the JDK's jspawnhelper (the default), c<N> in front of the program.
        assertEquals("p" + leader, cgroup.getFileName().toString(), "p<leader's pid>: " + cgroup);
        List<String> notContained = new ArrayList<>();
        int otherUser = 0;
        for (long[] e : escapees.members) {
            Proc.Stat s = Proc.stat(e[0]);
            if (s == null || !s.alive() || s.pgrp == leader || s.session == jvm[2] || !cgroup.equals(Cgroups.dirOf(e[0]))
                    || !Proc.markers(e[0]).isEmpty()) {
                notContained.add(s + " cgroup " + Cgroups.dirOf(e[0]) + " markers " + Proc.markers(e[0]));
            }
            if (uid(e[0]) == 65534) otherUser++;
        }
        assertEquals(List.of(), notContained, "each escapee left the group and session, carries no marker, and is in " + cgroup);
        assertEquals(1, otherUser, "one escapee runs as user 65534");
        for (long[] m : group.members) {
            assertEquals(List.of(), Proc.markers(m[0]), "with a cgroup, no member carries a marker: " + m[0]);
        }

        long from;
        switch (arg) {
            case "return":
                app.send("exit");
                app.awaitLine("EXITING");
                from = System.nanoTime();
                break;
            case "destroy":
                app.send("destroy");
                app.awaitLine("DESTROYED");
                from = System.nanoTime();
                break;
            case "drop":
                assertEquals("LEADER_EXIT 0", app.awaitLine("LEADER_EXIT "), app.describe());
                assertEquals("ALL_GONE", app.awaitLine("ALL_GONE", Duration.ofSeconds(40)), app.describe());
                from = System.nanoTime();
                break;
            case "wait":
                app.awaitLine("READY");
                app.signal("KILL");
                from = System.nanoTime();
                break;
            default:
                throw new IllegalArgumentException(arg);
        }
        long deadline = from + GRACE.plusSeconds(1).toNanos();
        Poll.assertWithin(WatchdogTest.left(deadline), () -> escapees.alive().isEmpty() && group.alive().isEmpty()
                        && group.aliveInGroup().isEmpty() && !Cgroups.populated(cgroup),
                () -> "grace + 1 s after " + ending + ": still alive: escapees " + escapees.alive() + ", group "
                        + group.alive() + " " + group.aliveInGroup() + ", in " + cgroup + ": " + Cgroups.procs(cgroup));
        if (watchdog != null) WatchdogTest.assertGoneWithin(watchdog, WatchdogTest.left(deadline), "the watchdog");

        if (arg.equals("destroy") || arg.equals("drop")) {
            app.awaitLine("DONE");
            assertTrue(app.isAlive(), "it happened while the JVM runs: not the shutdown hook");
            Poll.assertWithin(Duration.ofSeconds(2), () -> !Files.exists(cgroup), () -> "the empty cgroup is removed: " + cgroup);
            if (arg.equals("drop")) {
                Poll.assertWithin(Duration.ofSeconds(5), () -> !LeakReports.readJson(report).isEmpty(),
                        () -> "the dropped Process reported while the JVM runs" + app.describe());
            }
            app.send("exit");
        }
        assertEquals(arg.equals("wait") ? 137 : 0, app.awaitExit(), app.describe());
        // At its end the JVM (or, killed, its watchdog) removes its directory.
        Poll.assertWithin(Duration.ofSeconds(1), () -> !Files.exists(jvmDir),
                () -> "the JVM's cgroup directory is removed at its end: " + jvmDir + " " + Cgroups.children(jvmDir));

        List<String> lines = LeakReports.agentLines(app);
        List<LeakReports.Record> json = LeakReports.readJson(report);
        if (arg.equals("destroy")) {
            assertEquals(List.of(), lines, "destroy() is not a leak: nothing reported" + app.describe());
            assertEquals(List.of(), json, "destroy() is not a leak: nothing in the report file");
            return;
        }
        String reason = arg.equals("return") ? "shutdown" : arg.equals("drop") ? "dropped" : "jvm-died";
        assertEquals(1, lines.size(), "one report line for the one group: " + lines + app.describe());
        assertEquals(1, json.size(), "one JSON line for the one group: " + json);
        if (arg.equals("wait")) {
            assertEquals(reason, json.get(0).reason, json.get(0).line);
            assertEquals(leader, json.get(0).pid, json.get(0).line);
            return; // how the watchdog counts is its own tests' business
        }
        // At the first signal: the three escapees, the sleep in the group, and the leader unless it had exited.
        int members = arg.equals("drop") ? 4 : 5;
        for (LeakReports.Record r : List.of(json.get(0), LeakReports.parseStderr(lines.get(0)))) {
            assertAll("leak report of a group with 3 escapees in its cgroup (" + ending + "): " + r.line,
                    () -> assertEquals(reason, r.reason, "reason"),
                    () -> assertEquals(leader, r.pid, "pid"),
                    () -> assertEquals(3, r.escapees, "escapees"),
                    () -> assertEquals("cgroup", r.containment, "containment"),
                    () -> assertEquals(members, r.members, "members"),
                    () -> assertTrue(r.rssBytes > 100_000 && r.rssBytes < 100_000_000, "RSS " + r.rssBytes));
        }
    }

    /**
     * A child that ignores SIGTERM and starts a new escapee every 20 ms (each ignoring SIGTERM
     * too): one by one they could not be caught; cgroup.kill gets them all, by grace + 1 s.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aGroupForkingEscapeesWhileIgnoringSigtermIsGoneByGracePlusOneSecond(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, CgroupEscapeeApp.class).agent("grace=1s").args("forking").start();
        app.jvm();
        long leader = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        Path cgroup = Path.of(app.awaitLine("CGROUP ").substring(7));
        app.awaitLine("READY");
        long t0 = System.nanoTime();
        app.send("destroy");
        app.awaitLine("DESTROYED");
        // Half-way through the grace: SIGTERM changed nothing, the escapees only grew in number.
        Poll.sleepUntil(t0 + GRACE.toNanos() / 2);
        int during = outside(leader, cgroup);
        assertTrue(during >= 10, "escapees half-way through the grace period: " + during);
        Poll.assertWithin(WatchdogTest.left(t0 + GRACE.plusSeconds(1).toNanos()),
                () -> !Cgroups.populated(cgroup) && Proc.liveInGroup(leader).isEmpty(),
                () -> "grace + 1 s after destroy(): in " + cgroup + ": " + Cgroups.procs(cgroup) + ", group "
                        + Proc.liveInGroup(leader));
        assertEquals("EXIT 137", app.awaitLine("EXIT "), "the leader ignored SIGTERM: killed" + app.describe());
        Poll.assertWithin(Duration.ofSeconds(2), () -> !Files.exists(cgroup), () -> "the empty cgroup is removed: " + cgroup);
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /** A child that runs as another user (setpriv), with an escapee of its own: contained and terminated at shutdown. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aChildOfAnotherUserIsContainedAndTerminated(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, CgroupEscapeeApp.class).agent("grace=1s").args("other-user").start();
        long[] jvm = app.jvm();
        long leader = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        Path cgroup = Path.of(app.awaitLine("CGROUP ").substring(7));
        Tree escapees = Tree.parse("ESCAPEES", "ESCAPEES " + leader + " " + app.awaitLine("ESCAPEES ").substring(9));
        Tree group = Tree.parse(app.awaitLine("MEMBERS "));
        assertEquals(Cgroups.jvmDir(jvm[0]), cgroup.getParent(), app.describe());
        for (long[] m : concat(escapees.members, group.members)) {
            assertEquals(65534, uid(m[0]), "runs as user 65534: " + Proc.stat(m[0]));
            assertEquals(cgroup, Cgroups.dirOf(m[0]), "in the child's cgroup: " + Proc.stat(m[0]));
        }
        app.send("exit");
        app.awaitLine("EXITING");
        long t0 = System.nanoTime();
        assertEquals(0, app.awaitExit(), app.describe());
        Poll.assertWithin(WatchdogTest.left(t0 + GRACE.plusSeconds(1).toNanos()),
                () -> escapees.alive().isEmpty() && group.alive().isEmpty() && !Files.exists(cgroup),
                () -> "gone at shutdown: " + escapees.alive() + " " + group.alive() + ", " + cgroup + " " + Cgroups.procs(cgroup));
    }

    private static int outside(long leader, Path cgroup) {
        int n = 0;
        for (long pid : Cgroups.procs(cgroup)) {
            Proc.Stat s = Proc.stat(pid);
            if (s != null && s.alive() && s.pgrp != leader) n++;
        }
        return n;
    }

    /** The real user id of PID, from the owner of /proc/PID; -1 if it is gone. */
    static int uid(long pid) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc", Long.toString(pid)), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static List<long[]> concat(List<long[]> a, List<long[]> b) {
        List<long[]> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
