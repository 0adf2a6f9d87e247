package dev.hygiene.it;

import dev.hygiene.it.apps.LeakApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, leak reports: at {@code log=info} one stderr line per group the agent had to
 * terminate (at shutdown, for a dropped Process, and from the watchdog when the JVM died), and
 * with {@code report=PATH} the same record as a JSON line: reason, the leader's pid, the command,
 * how long it lived, SIGTERM or SIGKILL after the grace period, and the application frame that
 * started it, to the line. A group destroyed with destroy() is not a leak: nothing is reported.
 */
class LeakReportTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);
    static final Instant START = Instant.now();
    static final String APP = "dev.hygiene.it.apps.LeakApp";
    static final String TREE = "sh -c sleep 300 & sleep 300 & wait";
    static final String TREE_IGNORING_TERM = "sh -c trap '' TERM; sleep 300 & sleep 300 & wait";

    /** Main returns: the tree that goes on SIGTERM, and the one killed after the grace period. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void atShutdown(Jdks.Jdk jdk, @TempDir Path dir) {
        twoTreesReportedAtShutdown(jdk, dir);
    }

    /** The format does not follow the JVM's locale: a decimal point, as specified, in a German JVM too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void atShutdownInAGermanLocale(Jdks.Jdk jdk, @TempDir Path dir) {
        twoTreesReportedAtShutdown(jdk, dir, "-Duser.language=de", "-Duser.country=DE");
    }

    private void twoTreesReportedAtShutdown(Jdks.Jdk jdk, Path dir, String... jvmOptions) {
        Path report = dir.resolve("leaks.jsonl");
        long t0 = System.nanoTime();
        AppJvm.Builder builder = app(jdk, LeakApp.class).agent("grace=1s,log=info,report=" + report).args("return");
        for (String option : jvmOptions) builder.jvmOption(option);
        AppJvm app = builder.start();
        Map<Long, String> startedAt = startedAt(app, 2);
        Map<Long, Long> ages = ages(app, 2);
        app.awaitLine("EXITING");
        assertEquals(0, app.awaitExit(), app.describe());
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        assertTwoTreesReported(app, report, "shutdown", startedAt, ages, wallMs);
    }

    /** One line per group, even for a command that spans lines (a script of several lines). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aCommandOfSeveralLinesIsReportedOnOneLine(Jdks.Jdk jdk, @TempDir Path dir) {
        Path report = dir.resolve("leaks.jsonl");
        AppJvm app = app(jdk, LeakApp.class).agent("grace=1s,log=info,report=" + report).args("multiline").start();
        Map<Long, String> startedAt = startedAt(app, 1);
        long pid = startedAt.keySet().iterator().next();
        app.awaitLine("EXITING");
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> stderr = app.stderr().all();
        assertEquals(1, stderr.size(), "one stderr line for the one group: " + stderr);
        LeakReports.Record line = LeakReports.parseStderr(stderr.get(0));
        assertEquals(pid, line.pid, line.line);
        assertEquals(startedAt.get(pid), line.startedAt, line.line);
        List<LeakReports.Record> json = LeakReports.readJson(report);
        assertEquals(1, json.size(), "one JSON line: " + json);
        assertEquals("sh -c " + LeakApp.MULTILINE, json.get(0).command, "the command, its newline escaped in JSON");
    }

    /** The same two trees left when the JVM dies of SIGKILL: the watchdog reports them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void whenTheJvmDied(Jdks.Jdk jdk, @TempDir Path dir) {
        Path report = dir.resolve("leaks.jsonl");
        long t0 = System.nanoTime();
        AppJvm app = app(jdk, LeakApp.class).agent("grace=1s,log=info,report=" + report)
                .jvmOption("-Djava.io.tmpdir=" + dir).args("wait").start();
        Map<Long, String> startedAt = startedAt(app, 2);
        Map<Long, Long> ages = ages(app, 2);
        Proc.Stat watchdog = app.awaitWatchdog();
        app.awaitLine("READY");
        app.signal("KILL");
        // The watchdog writes its records when it is done, then exits.
        WatchdogTest.assertGoneWithin(watchdog, GRACE.plusSeconds(1), "the watchdog, grace + 1 s after SIGKILL of the JVM");
        assertEquals(137, app.awaitExit(), app.describe());
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        assertTwoTreesReported(app, report, "jvm-died", startedAt, ages, wallMs);
    }

    /**
     * A dropped Process (its child exited, leaving a member) is reported, while the JVM runs on; a
     * destroyed one is not.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void droppedButNotDestroyed(Jdks.Jdk jdk, @TempDir Path dir) {
        Path report = dir.resolve("leaks.jsonl");
        long t0 = System.nanoTime();
        AppJvm app = app(jdk, LeakApp.class).agent("grace=1s,log=info,report=" + report).args("drop").start();
        Map<Long, String> startedAt = startedAt(app, 2);
        assertEquals("EXIT 143", app.awaitLine("EXIT "), app.describe());
        assertEquals("DESTROYED_GONE", app.awaitLine("DESTROYED_"), app.describe());
        String[] orphan = app.awaitLine("ORPHAN ").substring(7).split(":");
        cleanup.recordPid(Long.parseLong(orphan[0]));
        assertEquals("ORPHAN_GONE", app.awaitLine("ORPHAN_"), app.describe());
        app.awaitLine("DONE");
        app.stderr().await(l -> l.startsWith(LeakReports.PREFIX + "dropped Process: "), "reporting the dropped Process",
                Duration.ofSeconds(5));
        assertTrue(app.isAlive(), "reported while the JVM runs");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        assertDroppedReported(app, report, startedAt, wallMs);
    }

    /**
     * The same when the application exits as soon as the dropped group is gone: the report must
     * not be lost at exit. A race, so three runs each.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void droppedAndExitingAtOnce(Jdks.Jdk jdk, @TempDir Path dir) {
        for (int run = 1; run <= 3; run++) {
            Path report = dir.resolve("leaks-" + run + ".jsonl");
            long t0 = System.nanoTime();
            AppJvm app = app(jdk, LeakApp.class).agent("grace=1s,log=info,report=" + report).args("drop-and-exit").start();
            Map<Long, String> startedAt = startedAt(app, 2);
            String[] orphan = app.awaitLine("ORPHAN ").substring(7).split(":");
            cleanup.recordPid(Long.parseLong(orphan[0]));
            assertEquals("ORPHAN_GONE", app.awaitLine("ORPHAN_"), app.describe());
            assertEquals(0, app.awaitExit(), app.describe());
            long wallMs = (System.nanoTime() - t0) / 1_000_000;
            try {
                assertDroppedReported(app, report, startedAt, wallMs);
            } catch (AssertionError e) {
                throw new AssertionError("run " + run + " of 3: " + e.getMessage(), e);
            }
        }
    }

    private static void assertDroppedReported(AppJvm app, Path report, Map<Long, String> startedAt, long wallMs) {
        long dropped = startedAt.entrySet().stream().filter(e -> e.getValue().contains(".startAndDrop(")).findFirst()
                .orElseThrow().getKey();
        List<String> lines = LeakReports.agentLines(app);
        assertEquals(1, lines.size(), "one line, for the dropped Process; none for the destroyed one: " + lines);
        assertEquals(List.of(), nonAgentLines(app), "nothing else on stderr");
        LeakReports.Record line = LeakReports.parseStderr(lines.get(0));
        List<LeakReports.Record> json = LeakReports.readJson(report);
        assertEquals(1, json.size(), "one JSON line: " + json);
        for (LeakReports.Record r : List.of(line, json.get(0))) {
            assertRecord(r, "dropped", dropped, "sh -c sleep 300 & exit 0", "SIGTERM", startedAt.get(dropped), 0, wallMs);
            assertCensus(r, 1); // the orphan sleep
        }
        assertEquals(line.aliveMs, json.get(0).aliveMs, 50.0, "the same alive time in both forms");
    }

    private static void assertTwoTreesReported(AppJvm app, Path report, String reason, Map<Long, String> startedAt,
                                               Map<Long, Long> ages, long wallMs) {
        List<Long> inOrder = new ArrayList<>(startedAt.keySet());
        long term = inOrder.get(0); // started first
        long ignoring = inOrder.get(1);
        List<Long> pids = sorted(inOrder);
        List<String> lines = LeakReports.agentLines(app);
        assertEquals(2, lines.size(), "one line per group: " + lines + app.describe());
        assertEquals(List.of(), nonAgentLines(app), "nothing else on stderr");
        Map<Long, LeakReports.Record> byPid = byPid(lines.stream().map(LeakReports::parseStderr).collect(Collectors.toList()));
        Map<Long, LeakReports.Record> jsonByPid = byPid(LeakReports.readJson(report));
        assertEquals(pids, sorted(byPid.keySet()), "a line for each group: " + lines);
        assertEquals(pids, sorted(jsonByPid.keySet()), "a JSON line for each group: " + jsonByPid.values());
        for (Map<Long, LeakReports.Record> form : List.of(byPid, jsonByPid)) {
            assertRecord(form.get(term), reason, term, TREE, "SIGTERM", startedAt.get(term), ages.get(term), wallMs);
            // Killed after the grace period: it lived at least that much longer.
            assertRecord(form.get(ignoring), reason, ignoring, TREE_IGNORING_TERM, "SIGKILL", startedAt.get(ignoring),
                    ages.get(ignoring) + GRACE.toMillis(), wallMs);
            // The JVM counts them at the first signal (sh and two sleeps); the watchdog's records need not.
            if (!reason.equals("jvm-died")) {
                assertCensus(form.get(term), 3);
                assertCensus(form.get(ignoring), 3);
            }
        }
        for (long pid : pids) {
            assertEquals(byPid.get(pid).aliveMs, jsonByPid.get(pid).aliveMs, 50.0, "the same alive time in both forms");
        }
    }

    private static void assertRecord(LeakReports.Record r, String reason, long pid, String command, String signal,
                                     String startedAt, long minAliveMs, long maxAliveMs) {
        assertAll("leak report " + r.line,
                () -> assertEquals(reason, r.reason, "reason"),
                () -> assertEquals(pid, r.pid, "pid"),
                () -> assertEquals(command, r.command, "command"),
                () -> assertEquals(signal, r.signal, "signal"),
                () -> assertEquals(0, r.escapees, "escapees"),
                () -> assertEquals(startedAt, r.startedAt, "the frame that started it"),
                () -> assertTrue(r.time == null || (!r.time.isBefore(START.minusSeconds(1)) && !r.time.isAfter(Instant.now())),
                        "time " + r.time + " within this test run"),
                () -> assertTrue(r.aliveMs >= minAliveMs - 50 && r.aliveMs <= maxAliveMs,
                        "alive " + r.aliveMs + " ms, at least " + minAliveMs + " (app's measure, 50 ms for rounding)"
                                + " and at most the " + maxAliveMs + " ms the app ran"));
    }

    /** The record names the containment, MEMBERS at the first signal and their resident memory (some MB). */
    private static void assertCensus(LeakReports.Record r, int members) {
        assertAll("leak report " + r.line,
                () -> assertEquals(Cgroups.expectedContainment(), r.containment, "containment"),
                () -> assertEquals(members, r.members, "members at the first signal"),
                () -> assertTrue(r.rssBytes >= 100_000 && r.rssBytes < 100_000_000, "their resident memory: " + r.rssBytes + " bytes"));
    }

    /** The frames of the starts, from {@code STARTED <pid> <method> <line>}: pid to frame, in the order of the starts. */
    private static Map<Long, String> startedAt(AppJvm app, int count) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (String l : app.awaitLines("STARTED ", count, Duration.ofSeconds(30))) {
            String[] f = l.split(" ");
            out.put(Long.parseLong(f[1]), APP + "." + f[2] + "(LeakApp.java:" + f[3] + ")");
        }
        return out;
    }

    /** {@code AGE <pid> <ms>}: pid to how long the app saw it alive. */
    private static Map<Long, Long> ages(AppJvm app, int count) {
        Map<Long, Long> out = new HashMap<>();
        for (String l : app.awaitLines("AGE ", count, Duration.ofSeconds(30))) {
            long[] n = AppJvm.numbers(l);
            out.put(n[0], n[1]);
        }
        return out;
    }

    private static Map<Long, LeakReports.Record> byPid(List<LeakReports.Record> records) {
        Map<Long, LeakReports.Record> out = new HashMap<>();
        for (LeakReports.Record r : records) {
            if (out.put(r.pid, r) != null) throw new AssertionError("two records for group " + r.pid + ": " + records);
        }
        return out;
    }

    private static List<String> nonAgentLines(AppJvm app) {
        return app.stderr().all().stream().filter(l -> !l.startsWith(LeakReports.PREFIX)).collect(Collectors.toList());
    }

    private static List<Long> sorted(java.util.Collection<Long> c) {
        List<Long> out = new ArrayList<>(c);
        out.sort(Comparator.naturalOrder());
        return out;
    }
}
