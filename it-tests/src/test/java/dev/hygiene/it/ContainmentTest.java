package dev.hygiene.it;

import dev.hygiene.it.apps.ContainmentApp;
import dev.hygiene.it.apps.EnvironmentApp;
import dev.hygiene.it.apps.FailedStartApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 10 and 9, the containment key and the environment: {@code containment=group} is the
 * behaviour without cgroups (process group and marker, no cgroup made); where the cgroup tree is
 * read-only (most containers: here a mount namespace of the JVM's own with the mount remounted
 * read-only) the JVM falls back to that, saying so in one line at info ({@code auto}) or warn
 * ({@code cgroup}); a child's environment is exactly the application's with a cgroup, and in group
 * mode carries the marker only where the application did not build it from nothing.
 */
class ContainmentTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);

    /** containment=group: the child leads its group in the JVM's cgroup and carries the marker; no cgroup is made. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void groupContainmentMakesNoCgroup(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, ContainmentApp.class).agent("grace=1s,log=info,containment=group").start();
        Contained c = contained(app);
        assertAll("containment=group" + app.describe(),
                () -> assertEquals(Cgroups.of(c.jvm.pid), c.cgroup, "the child stays in the JVM's cgroup"),
                () -> assertFalse(Files.exists(Cgroups.jvmDir(c.jvm.pid)), "no cgroup directory for the JVM"),
                () -> assertTrue(c.marker.matches(c.jvm.pid + "\\." + c.jvm.startTime + "\\.[0-9]+"), "the marker: " + c.marker),
                () -> assertEquals(List.of(), cgroupLines(app), "nothing said about cgroups"));
        endAndAssertGone(app, c);
    }

    static Stream<Arguments> readOnly() {
        return Jdks.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, "auto", "info"), Arguments.of(jdk, "auto", "warn"),
                Arguments.of(jdk, "cgroup", "warn")));
    }

    /**
     * The cgroup tree read-only: children contained by their groups and the marker, and one line
     * naming why (at info for auto, which says nothing at warn; at warn for containment=cgroup).
     */
    @ParameterizedTest(name = "{0} containment={1} log={2}")
    @MethodSource("readOnly")
    void aReadOnlyCgroupTreeFallsBackToGroups(Jdks.Jdk jdk, String containment, String log) {
        assumeTrue(Cgroups.mount() != null, "no cgroup2 mount to make read-only");
        AppJvm app = app(jdk, ContainmentApp.class).agent("grace=1s,log=" + log + ",containment=" + containment)
                .launch(AppJvm.Launch.READ_ONLY_CGROUPS).start();
        Contained c = contained(app);
        List<String> said = cgroupLines(app);
        assertAll("read-only cgroup tree, containment=" + containment + ", log=" + log + app.describe(),
                () -> assertEquals(Cgroups.of(c.jvm.pid), c.cgroup, "the child stays in the JVM's cgroup"),
                () -> assertTrue(c.marker.matches(c.jvm.pid + "\\." + c.jvm.startTime + "\\.[0-9]+"), "the marker: " + c.marker),
                () -> {
                    if (containment.equals("auto") && log.equals("warn")) {
                        assertEquals(List.of(), said, "auto says nothing at warn: nothing is wrong");
                    } else {
                        assertEquals(1, said.size(), "one line: " + said);
                        assertTrue(said.get(0).startsWith("process-hygiene: no cgroup per child (cannot create ")
                                && said.get(0).contains("Read-only file system"), "naming why: " + said.get(0));
                    }
                });
        endAndAssertGone(app, c);
    }

    static Stream<Arguments> containments() {
        return Jdks.all().flatMap(jdk -> Stream.of("auto", "group").map(c -> Arguments.of(jdk, c)));
    }

    /**
     * With a cgroup, every child's environment is exactly the application's, inherited or given;
     * in group mode the marker is added only where the application left environment() untouched
     * or kept every variable of the JVM's own (added one), never to one it built from nothing
     * (cleared, an envp array) or removed a variable from.
     */
    @ParameterizedTest(name = "{0} containment={1}")
    @MethodSource("containments")
    void theChildsEnvironmentIsTheApplications(Jdks.Jdk jdk, String containment) {
        boolean cgroups = containment.equals("auto") && Cgroups.writable();
        AppJvm app = app(jdk, EnvironmentApp.class).agent("containment=" + containment).start();
        Proc.Stat jvm = Proc.stat(app.jvm()[0]);
        app.awaitLine("END");
        assertEquals(0, app.awaitExit(), app.describe());
        Map<String, String> results = new LinkedHashMap<>();
        for (String l : app.stdout().all()) {
            if (l.startsWith("ENV ")) results.put(l.split(" ")[1], l.substring(l.indexOf(' ', 4) + 1));
        }
        assertEquals(List.of("inherited", "added", "removed", "cleared", "envp"), new ArrayList<>(results.keySet()), app.describe());
        String marker = jvm.pid + "\\." + jvm.startTime + "\\.[0-9]+";
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : results.entrySet()) {
            boolean marked = !cgroups && (e.getKey().equals("inherited") || e.getKey().equals("added"));
            String expected = marked ? "extra=PROCESS_HYGIENE_GROUP missing= changed= marker=" + marker
                    : "extra= missing= changed= marker=-";
            if (!e.getValue().matches(expected)) wrong.add(e.getKey() + ": " + e.getValue() + " (expected " + expected + ")");
        }
        assertEquals(List.of(), wrong, (cgroups ? "with cgroups" : "in group mode") + ", the children's environments");
    }

    /**
     * A start whose exec fails after the child exists (a script with a missing interpreter) gives
     * the JDK's own exception, and leaves no cgroup behind: the next child's cgroup is the only
     * one in the JVM's directory.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aFailedExecLeavesNoCgroup(Jdks.Jdk jdk) {
        assumeTrue(Cgroups.writable(), "no writable cgroup2 mount");
        int failures = 5;
        AppJvm app = app(jdk, FailedStartApp.class).agent("containment=cgroup").args(Integer.toString(failures)).start();
        Proc.Stat jvm = Proc.stat(app.jvm()[0]);
        long child = AppJvm.numbers(app.awaitLine("CHILD "))[0];
        app.awaitLine("READY");
        try {
            List<String> failed = app.stdout().all().stream().filter(l -> l.startsWith("FAILED ") || l.startsWith("STARTED "))
                    .collect(Collectors.toList());
            String expected = "FAILED Cannot run program \"[^\"]*/bad-interpreter\": .*No such file or directory.*";
            assertEquals(failures, failed.size(), app.describe());
            for (String l : failed) assertTrue(l.matches(expected), "the JDK's own exception: " + l + app.describe());
            java.nio.file.Path dir = Cgroups.dirOf(jvm.pid).resolve(Cgroups.jvmDirName(jvm.pid, jvm.startTime));
            assertEquals(Cgroups.of(child), "/" + Cgroups.mount().relativize(dir.resolve("p" + child)), "the child's own cgroup");
            try (Stream<java.nio.file.Path> s = Files.list(dir)) {
                List<String> cgroups = s.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted()
                        .collect(Collectors.toList());
                assertEquals(List.of("p" + child), cgroups, "the cgroups in " + dir + app.describe());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            app.send("exit");
        }
        app.awaitLine("EXITING");
        assertEquals(0, app.awaitExit(), app.describe());
        Poll.assertWithin(Duration.ofSeconds(3), () -> !Proc.alive(child), () -> "the sleep " + child + " gone at shutdown");
    }

    /** What the app reported about its tree. */
    static final class Contained {
        Proc.Stat jvm;
        Tree tree;
        String cgroup;
        String marker;
    }

    private static Contained contained(AppJvm app) {
        Contained c = new Contained();
        c.jvm = Proc.stat(app.jvm()[0]);
        long leader = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        c.tree = Tree.parse(app.awaitLine("MEMBERS "));
        c.cgroup = app.awaitLine("CGROUP ").substring(7);
        c.marker = app.awaitLine("MARKER ").substring(7);
        app.awaitLine("READY");
        for (long[] m : c.tree.members) {
            assertEquals(leader, Proc.stat(m[0]).pgrp, "each member in the child's own group" + app.describe());
        }
        return c;
    }

    private static void endAndAssertGone(AppJvm app, Contained c) {
        app.send("exit");
        app.awaitLine("EXITING");
        long t0 = System.nanoTime();
        assertEquals(0, app.awaitExit(), app.describe());
        c.tree.assertGoneWithin(WatchdogTest.left(t0 + GRACE.plusSeconds(1).toNanos()), "the tree at shutdown");
    }

    /** The agent's lines about cgroups. */
    private static List<String> cgroupLines(AppJvm app) {
        return LeakReports.agentLines(app).stream().filter(l -> l.contains("cgroup") && !l.contains("terminated group"))
                .collect(Collectors.toList());
    }
}
