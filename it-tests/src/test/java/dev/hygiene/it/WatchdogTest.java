package dev.hygiene.it;

import dev.hygiene.it.apps.LazyApp;
import dev.hygiene.it.apps.ShutdownApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, watchdog: when the JVM dies without running its shutdown hooks (SIGKILL, also of a
 * stopped JVM or of the JVM's whole process group, Runtime.halt), the watchdog (the helper in
 * watch mode, in a session of its own, not the JVM's child) gives every live group the escalation:
 * no member survives beyond grace + 1 s, a tree ignoring SIGTERM lives on through the grace period
 * and is killed after it, and the watchdog itself is gone within grace + 1 s too. While it waits
 * its resident size is at most 2 MB. A JVM that starts no process starts no watchdog and extracts
 * no helper.
 *
 * <p>A JVM killed without its hooks leaves its extracted helper behind: these tests give each JVM
 * a temporary directory as java.io.tmpdir, removed after the test.
 */
class WatchdogTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);
    static final long MAX_RESIDENT_KB = 2048;

    static Stream<Arguments> deaths() {
        return Jdks.all().flatMap(jdk -> Stream.of("SIGKILL", "SIGSTOP then SIGKILL", "SIGKILL to its process group",
                "Runtime.halt(0)").map(death -> Arguments.of(jdk, death)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("deaths")
    void everyTreeIsGoneWithinGracePlusOneSecondOfTheJvmsDeath(Jdks.Jdk jdk, String death, @TempDir Path tmp) {
        boolean halt = death.startsWith("Runtime");
        AppJvm app = app(jdk, ShutdownApp.class).agent("grace=1s").jvmOption("-Djava.io.tmpdir=" + tmp)
                .args(halt ? "halt" : "wait", "tree").start();
        long[] jvm = app.jvm();
        List<Tree> trees = ShutdownTest.awaitTrees(app);
        Proc.Stat watchdog = assertWatchdogInItsOwnSession(app, jvm);
        app.awaitLine("READY");

        long died;
        switch (death) {
            case "SIGKILL":
                app.signal("KILL");
                died = System.nanoTime();
                break;
            case "SIGSTOP then SIGKILL":
                app.signal("STOP");
                Poll.assertWithin(Duration.ofSeconds(5), () -> Proc.stat(jvm[0]).state == 'T',
                        () -> "the JVM is stopped: " + Proc.stat(jvm[0]));
                // A stopped JVM is not a dead one: give the watchdog time to get that wrong.
                Poll.sleepUntil(System.nanoTime() + Duration.ofMillis(300).toNanos());
                for (Tree t : trees) assertEquals(3, t.alive().size(), "the JVM is only stopped: " + t + " lives on");
                app.signal("KILL");
                died = System.nanoTime();
                break;
            case "SIGKILL to its process group":
                assertEquals(jvm[0], jvm[1], "the JVM leads its group");
                app.signalGroup("KILL");
                died = System.nanoTime();
                break;
            case "Runtime.halt(0)":
                cleanup.diedWithoutShutdownHooks(jvm[0]);
                app.send("halt");
                app.awaitLine("EXITING");
                died = System.nanoTime();
                break;
            default:
                throw new IllegalArgumentException(death);
        }
        long deadline = died + GRACE.plusSeconds(1).toNanos();
        ShutdownTest.assertAllGoneWithin(trees, left(deadline), "grace + 1 s after " + death + " of the JVM");
        assertGoneWithin(watchdog, left(deadline), "the watchdog, grace + 1 s after " + death + " of the JVM");
        assertEquals(halt ? 0 : 137, app.awaitExit(), app.describe());
    }

    /** A tree that ignores SIGTERM: alive half-way through the grace period, gone by grace + 1 s. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aTreeIgnoringSigtermIsKilledAfterTheGrace(Jdks.Jdk jdk, @TempDir Path tmp) {
        AppJvm app = app(jdk, ShutdownApp.class).agent("grace=1s").jvmOption("-Djava.io.tmpdir=" + tmp)
                .args("wait", "ignore-term").start();
        long[] jvm = app.jvm();
        List<Tree> trees = ShutdownTest.awaitTrees(app);
        Proc.Stat watchdog = assertWatchdogInItsOwnSession(app, jvm);
        app.awaitLine("READY");
        app.signal("KILL");
        long died = System.nanoTime();

        Poll.sleepUntil(died + GRACE.dividedBy(2).toNanos());
        for (Tree t : trees) {
            assertEquals(3, t.alive().size(), "half-way through the grace period, SIGTERM is ignored: " + t.alive());
        }
        long deadline = died + GRACE.plusSeconds(1).toNanos();
        ShutdownTest.assertAllGoneWithin(trees, left(deadline), "grace + 1 s after SIGKILL of the JVM");
        assertGoneWithin(watchdog, left(deadline), "the watchdog, grace + 1 s after SIGKILL of the JVM");
        assertEquals(137, app.awaitExit(), app.describe());
    }

    /**
     * SIGKILL while the shutdown hook waits out the grace period (docker stop's own timeout, say):
     * the watchdog takes over the groups the hook had not finished.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aJvmKilledDuringItsShutdownHookLeavesNothingEither(Jdks.Jdk jdk, @TempDir Path tmp) {
        AppJvm app = app(jdk, ShutdownApp.class).agent("grace=1s").jvmOption("-Djava.io.tmpdir=" + tmp)
                .args("wait", "mixed").start();
        long[] jvm = app.jvm();
        List<Tree> trees = ShutdownTest.awaitTrees(app);
        Tree term = trees.get(0);
        Tree ignoring = trees.get(1);
        Proc.Stat watchdog = assertWatchdogInItsOwnSession(app, jvm);
        app.awaitLine("READY");
        app.signal("TERM");
        long hook = System.nanoTime();
        // The hook has sent SIGTERM to every group once the first tree is gone.
        term.assertGoneWithin(GRACE, "the tree that goes on SIGTERM, after SIGTERM to the JVM");
        assertEquals(3, ignoring.alive().size(), "still within the hook's grace period: " + ignoring.alive());
        assertTrue(System.nanoTime() - hook < GRACE.toNanos() / 2, "the machine is too slow for this test: the hook's "
                + "grace period is half over before the JVM could be killed");
        app.signal("KILL");
        long died = System.nanoTime();
        long deadline = died + GRACE.plusSeconds(1).toNanos();
        ignoring.assertGoneWithin(left(deadline), "grace + 1 s after SIGKILL of the JVM in its shutdown hook");
        assertGoneWithin(watchdog, left(deadline), "the watchdog, grace + 1 s after SIGKILL of the JVM");
        assertEquals(137, app.awaitExit(), app.describe());
    }

    /**
     * Nothing before the first process: no watchdog (no child at all) and no helper directory in
     * java.io.tmpdir; both appear with the first child (so the first half can fail).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aJvmThatStartsNoProcessStartsNoWatchdog(Jdks.Jdk jdk, @TempDir Path tmp) {
        AppJvm app = app(jdk, LazyApp.class).agent("grace=1s,log=debug").jvmOption("-Djava.io.tmpdir=" + tmp).start();
        long[] jvm = app.jvm();
        app.awaitLine("READY");
        assertEquals(List.of(), describe(Proc.liveChildren(jvm[0])), "no child of the JVM" + app.describe());
        assertNull(AppJvm.watchdogOf(jvm[0]), "no watchdog" + app.describe());
        assertEquals(List.of(), list(tmp), "no helper directory in java.io.tmpdir");
        assertEquals(List.of(), helperLines(app), "no helper extracted");

        app.send("start");
        app.awaitLine("STARTED");
        Proc.Stat watchdog = assertWatchdogInItsOwnSession(app, jvm);
        List<String> dirs = list(tmp);
        assertTrue(dirs.size() == 1 && dirs.get(0).startsWith("process-hygiene-"),
                "the helper's directory appeared with the first child: " + dirs);
        // The agent's line is on stderr, STARTED on stdout: two pipes, read by two threads.
        app.stderr().await(l -> l.startsWith(HelperLeftoversTest.HELPER_AT), "naming the helper", Duration.ofSeconds(5));
        assertEquals(1, helperLines(app).size(), "the helper was extracted with the first child" + app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        assertGoneWithin(watchdog, GRACE.plusSeconds(1), "the watchdog after the JVM exited");
    }

    static Stream<Arguments> mechanisms() {
        return Jdks.all().flatMap(jdk -> Stream.of("POSIX_SPAWN", "FORK").map(m -> Arguments.of(jdk, m)));
    }

    /**
     * The watchdog, started by the first child's helper (POSIX_SPAWN, the JDK's default: the
     * helper's spawn mode) or by the JVM itself (FORK: the helper in front of the program), holds
     * none of that child's pipes (the application would never see their end), has stdin and
     * stdout on /dev/null, and carries no marker, even where the JVM's own environment has one
     * (a nested JVM's: its watchdog must not look like a member of its parent JVM's group).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("mechanisms")
    void theWatchdogHoldsNoneOfTheChildsPipesAndNoMarker(Jdks.Jdk jdk, String mechanism, @TempDir Path tmp) {
        AppJvm app = app(jdk, LazyApp.class).agent("grace=1s").jvmOption("-Djava.io.tmpdir=" + tmp)
                .jvmOption("-Djdk.lang.Process.launchMechanism=" + mechanism)
                .env(Proc.MARKER_VAR, "1.2.3").start();
        long[] jvm = app.jvm();
        app.awaitLine("READY");
        app.send("start");
        long child = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        app.awaitLine("STARTED");
        Proc.Stat w = assertWatchdogInItsOwnSession(app, jvm);
        List<String> childPipes = new java.util.ArrayList<>();
        for (int fd = 0; fd <= 2; fd++) childPipes.add(link(child, fd));
        assertTrue(childPipes.stream().allMatch(l -> l.startsWith("pipe:")), "the child's streams are pipes: " + childPipes);
        assertEquals("/dev/null", link(w.pid, 0), "the watchdog's stdin");
        assertEquals("/dev/null", link(w.pid, 1), "the watchdog's stdout");
        for (String fd : fds(w.pid)) {
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/" + w.pid + "/fd/" + fd)).toString();
            } catch (IOException e) {
                continue; // closed since it was listed: not held
            }
            assertFalse(childPipes.contains(target), "the watchdog's fd " + fd + " is one of the child's pipes: " + target);
        }
        assertEquals(List.of(), Proc.markers(w.pid), "the watchdog's marker");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        assertGoneWithin(w, GRACE.plusSeconds(1), "the watchdog after the JVM exited");
    }

    private static List<String> fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError("cannot list the descriptors of " + pid + ": " + e, e);
        }
    }

    private static String link(long pid, int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
        } catch (IOException e) {
            throw new AssertionError("cannot read fd " + fd + " of " + pid + ": " + e, e);
        }
    }

    /**
     * The JVM's watchdog: running {@code hygiene-helper watch INFO ...}, not the JVM's child
     * (so the application never sees it among its children), leading a session (and group) of its
     * own, resident in at most 2 MB.
     */
    private static String readOrEmpty(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static Proc.Stat assertWatchdogInItsOwnSession(AppJvm app, long[] jvm) {
        Proc.Stat w = app.awaitWatchdog();
        String cmdline = Proc.cmdline(w.pid);
        assertTrue(cmdline.contains("|watch|"), "watch mode: " + cmdline);
        // Each live group's line in its list carries its policy: the grace in ms, the stop signal, the mode.
        String[] argv = cmdline.split("\\|");
        Path groups = Path.of(argv[argv.length - 1]);
        String policy = "\t" + GRACE.toMillis() + "\tTERM\tgroup\n";
        Poll.assertWithin(Duration.ofSeconds(5), () -> readOrEmpty(groups).contains(policy),
                () -> "a live group's line ends with its policy " + policy.trim() + ": " + readOrEmpty(groups));
        // setsid() is the helper's first call in watch mode: wait for it, not for a time.
        Poll.assertWithin(Duration.ofSeconds(5), () -> {
            Proc.Stat s = Proc.stat(w.pid);
            return s != null && s.session == w.pid;
        }, () -> "the watchdog leads a session of its own: " + Proc.stat(w.pid) + ", JVM " + jvm[0]);
        Proc.Stat s = Proc.stat(w.pid);
        assertNotEquals(jvm[0], s.ppid, "not a child of the JVM: " + s);
        assertFalse(ProcessHandle.of(jvm[0]).map(h -> h.children().anyMatch(c -> c.pid() == w.pid)).orElse(false),
                "not among the JVM's children as ProcessHandle sees them: " + s);
        assertEquals(w.pid, s.pgrp, "the watchdog leads its group: " + s);
        long kb = Proc.residentKb(w.pid);
        assertTrue(kb > 0 && kb <= MAX_RESIDENT_KB, "the watchdog's VmRSS is at most 2 MB: " + kb + " kB");
        return s;
    }

    /**
     * Fails unless W (by pid and start time) is gone or a zombie within TIMEOUT (pid 1 does not
     * reap orphaned zombies here: a zombie has exited all the same).
     */
    static void assertGoneWithin(Proc.Stat w, Duration timeout, String what) {
        Poll.assertWithin(timeout, () -> !Proc.alive(w.pid, w.startTime), () -> what + " is gone: " + Proc.stat(w.pid));
    }

    static Duration left(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    /** The agent's debug lines naming the extracted helper. */
    private static List<String> helperLines(AppJvm app) {
        return app.stderr().all().stream().filter(l -> l.startsWith(HelperLeftoversTest.HELPER_AT)).collect(Collectors.toList());
    }

    private static List<String> describe(List<Proc.Stat> procs) {
        return procs.stream().map(s -> s + " " + Proc.cmdline(s.pid)).collect(Collectors.toList());
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError("cannot list " + dir + ": " + e, e);
        }
    }
}
