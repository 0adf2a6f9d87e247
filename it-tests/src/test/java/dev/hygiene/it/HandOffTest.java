package dev.hygiene.it;

import dev.hygiene.it.apps.HandOffApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM that exits with 400 live groups or more hands them to its watchdog instead of stopping
 * them itself (the reaping of that many children would hold its exit for seconds): the JVM is
 * gone while a group that ignores SIGTERM still runs, and the watchdog gives every group the
 * escalation once the JVM has exited: exactly one SIGTERM, SIGKILL at the end of the grace, the
 * leader-first rule of a group honoured (its worker gets SIGTERM only once the leader has exited),
 * every member gone within grace + 1 s of the JVM's end, and the watchdog with them.
 * If another shutdown hook holds the JVM, the JVM sends the stop signal itself after 1 s, and the
 * watchdog goes on from there without a second SIGTERM.
 */
class HandOffTest extends AppJvmTest {

    static final int GROUPS = 420;
    static final Duration GRACE = Duration.ofSeconds(4);

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theJvmExitsAndTheWatchdogStopsItsGroups(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Run r = start(jdk, tmp, "return");
        long gone = awaitJvmGone(r);
        // The JVM did not wait for the group that ignores SIGTERM: that is the watchdog's now.
        assertTrue(Proc.alive(r.counting[0], r.counting[1]), "the JVM is gone before the grace period ends: the group"
                + " ignoring SIGTERM still runs" + r.app.describe());
        assertLeaderFirst(r, tmp);
        assertAllGone(r, gone + GRACE.plusSeconds(1).toNanos());
        assertEquals(List.of("T"), lines(tmp.resolve("terms")), "exactly one SIGTERM, then SIGKILL");
        assertEquals(0, r.app.awaitExit(), r.app.describe());
        assertEquals(List.of(), r.app.stderr().all(), "nothing to say at the default log level, neither the JVM nor the watchdog");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aJvmHeldByAnotherHookStopsThemItselfAndTheWatchdogGoesOn(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Run r = start(jdk, tmp, "held");
        // 1 s after the hand-off the JVM, still held by the application's hook, sends SIGTERM itself.
        Poll.assertWithin(Duration.ofSeconds(5), () -> lines(tmp.resolve("terms")).size() == 1,
                () -> "the JVM, held 2.5 s, sends the stop signal itself: " + lines(tmp.resolve("terms")) + r.app.describe());
        long signalled = System.nanoTime();
        assertTrue(r.app.isAlive(), "still held by the application's hook" + r.app.describe());
        awaitJvmGone(r);
        assertTrue(Proc.alive(r.counting[0], r.counting[1]), "SIGKILL only at the end of the grace period");
        assertLeaderFirst(r, tmp);
        assertAllGone(r, signalled + GRACE.plusSeconds(1).toNanos());
        assertEquals(List.of("T"), lines(tmp.resolve("terms")), "one SIGTERM, from the JVM; none from the watchdog");
        assertEquals(0, r.app.awaitExit(), r.app.describe());
    }

    /** The app and what it reported. */
    private static final class Run {
        AppJvm app;
        long[] counting;
        long[] leaderFirst;
        Proc.Stat watchdog;
        final Set<Long> groups = new HashSet<>();
    }

    private Run start(Jdks.Jdk jdk, Path tmp, String ending) {
        Run r = new Run();
        r.app = app(jdk, HandOffApp.class)
                .agent("grace=" + GRACE.toSeconds() + "s,rule.lf.match=lf-rule,rule.lf.stop=leader-first")
                .jvmOption("-Djava.io.tmpdir=" + tmp).args(Integer.toString(GROUPS), tmp.toString(), ending).start();
        r.counting = leader(r.app.awaitLine("COUNTING "));
        r.leaderFirst = leader(r.app.awaitLine("LEADER_FIRST "));
        for (String l : r.app.awaitLines("GROUP ", GROUPS + 2, Duration.ofSeconds(60))) r.groups.add(AppJvm.numbers(l)[0]);
        r.watchdog = r.app.awaitWatchdog();
        r.app.awaitLine("EXITING", Duration.ofSeconds(60));
        return r;
    }

    /**
     * Waits for the JVM's process to end (not for its output: the watchdog holds its stderr until
     * it is done) and returns when.
     */
    private static long awaitJvmGone(Run r) {
        Poll.assertWithin(Duration.ofSeconds(30), () -> !r.app.isAlive(), () -> "the JVM exits" + r.app.describe());
        return System.nanoTime();
    }

    private static long[] leader(String line) {
        long pid = AppJvm.numbers(line)[0];
        Proc.Stat s = Proc.stat(pid);
        assertTrue(s != null && s.alive(), line + ": runs");
        return new long[] {pid, s.startTime};
    }

    /** Only the leader had SIGTERM until it exited (on the file "go"); then its worker. */
    private static void assertLeaderFirst(Run r, Path tmp) throws IOException {
        Path order = tmp.resolve("order");
        Poll.assertWithin(GRACE, () -> lines(order).equals(List.of("L")), () -> "the leader alone has SIGTERM: " + lines(order));
        assertTrue(Proc.alive(r.leaderFirst[0], r.leaderFirst[1]), "the leader waits for the file go");
        assertEquals(List.of("L"), lines(order), "the worker has no SIGTERM while the leader lives");
        Files.createFile(tmp.resolve("go"));
        Poll.assertWithin(GRACE, () -> lines(order).equals(List.of("L", "W")),
                () -> "the worker has SIGTERM once the leader has exited: " + lines(order));
    }

    private static void assertAllGone(Run r, long deadline) {
        Poll.assertWithin(left(deadline), () -> liveIn(r.groups).isEmpty(),
                () -> "every member of every group, grace + 1 s after the stop signal: still alive " + liveIn(r.groups));
        Poll.assertWithin(left(deadline + Duration.ofSeconds(2).toNanos()),
                () -> !Proc.alive(r.watchdog.pid, r.watchdog.startTime), () -> "the watchdog is done: " + Proc.stat(r.watchdog.pid));
    }

    /** The live processes (not zombies) in any of GROUPS, from one read of /proc. */
    private static List<Proc.Stat> liveIn(Set<Long> groups) {
        List<Proc.Stat> out = new ArrayList<>();
        for (Proc.Stat s : Proc.all()) if (s.alive() && groups.contains(s.pgrp)) out.add(s);
        return out;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Duration left(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }
}
