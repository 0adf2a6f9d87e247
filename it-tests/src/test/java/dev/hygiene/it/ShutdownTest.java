package dev.hygiene.it;

import dev.hygiene.it.apps.ShutdownApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3: whatever way the JVM ends (main returns, System.exit, an uncaught exception, SIGTERM,
 * SIGINT, SIGHUP), it keeps the exit code it has without the agent, and every member of every
 * child group is gone within grace + 1 s after the JVM is gone.
 * Issue 5 (shutdown half): a group that ignores SIGTERM is still alive half-way through the grace
 * period and gone by grace + 1 s; the grace period is taken from the agent arguments, the system
 * property or the environment, in that order.
 */
class ShutdownTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);

    static Stream<Arguments> endings() {
        return Jdks.all().flatMap(jdk -> Stream.of(
                Arguments.of(jdk, "return", 0),
                Arguments.of(jdk, "exit3", 3),
                Arguments.of(jdk, "throw", 1),
                Arguments.of(jdk, "SIGTERM", 143),
                Arguments.of(jdk, "SIGINT", 130),
                Arguments.of(jdk, "SIGHUP", 129)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endings")
    void everyGroupIsGoneOnceTheJvmIsGone(Jdks.Jdk jdk, String ending, int expectedExit) {
        boolean signal = ending.startsWith("SIG");
        AppJvm app = app(jdk, ShutdownApp.class).agent("grace=" + GRACE.toSeconds() + "s")
                .args(signal ? "wait" : ending, "tree").start();
        List<Tree> trees = awaitTrees(app);
        if (signal) {
            app.awaitLine("READY");
            app.signal(ending.substring(3));
        }
        int exit = app.awaitExit();
        assertEquals(expectedExit, exit, "exit code as without the agent" + app.describe());
        assertAllGoneWithin(trees, GRACE.plusSeconds(1), "after the JVM ended (" + ending + ")");
        if (ending.equals("throw")) {
            assertTrue(app.stderr().all().stream().anyMatch(l -> l.contains("IllegalStateException: uncaught, on purpose")),
                    app.describe());
        }
    }

    /** Groups whose leader already exited (the app still holds their Process) are terminated too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void groupsWhoseLeaderExitedAreTerminatedToo(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, ShutdownApp.class).agent("grace=" + GRACE.toSeconds() + "s")
                .args("return", "leader-exits").start();
        List<Tree> trees = awaitTrees(app);
        for (Tree t : trees) assertEquals(2, t.members.size(), "the leader left two members behind: " + t);
        assertEquals(0, app.awaitExit(), app.describe());
        assertAllGoneWithin(trees, GRACE.plusSeconds(1), "after the JVM ended");
    }

    /** The control: without the agent the same trees outlive the JVM, so the test above can fail. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void withoutTheAgentTheTreesOutliveTheJvm(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, ShutdownApp.class).noAgent().args("return", "tree").start();
        List<Tree> trees = awaitTrees(app);
        assertEquals(0, app.awaitExit(), app.describe());
        for (Tree t : trees) assertEquals(3, t.alive().size(), "without the agent " + t + " survives");
    }

    /**
     * Where the 1 s grace period comes from; a competing source of lower precedence says 9 s
     * (agent arguments, then system property hygiene.grace, then environment HYGIENE_GRACE).
     */
    static Stream<Arguments> graceSources() {
        return Jdks.all().flatMap(jdk -> Stream.of(
                Arguments.of(jdk, "agent argument"),
                Arguments.of(jdk, "agent argument over system property"),
                Arguments.of(jdk, "system property over environment"),
                Arguments.of(jdk, "environment")));
    }

    @ParameterizedTest(name = "{0} grace from {1}")
    @MethodSource("graceSources")
    void groupsIgnoringSigtermAreKilledAfterTheGrace(Jdks.Jdk jdk, String source) {
        AppJvm.Builder b = app(jdk, ShutdownApp.class).args("return", "ignore-term");
        switch (source) {
            case "agent argument":
                b.agent("grace=1s");
                break;
            case "agent argument over system property":
                b.agent("grace=1s").jvmOption("-Dhygiene.grace=9s");
                break;
            case "system property over environment":
                b.jvmOption("-Dhygiene.grace=1s").env("HYGIENE_GRACE", "9s");
                break;
            case "environment":
                b.env("HYGIENE_GRACE", "1s");
                break;
            default:
                throw new IllegalArgumentException(source);
        }
        AppJvm app = b.start();
        List<Tree> trees = awaitTrees(app);
        app.awaitLine("EXITING");
        long exiting = System.nanoTime();

        Poll.sleepUntil(exiting + Duration.ofMillis(500).toNanos());
        for (Tree t : trees) {
            assertEquals(3, t.alive().size(), "half-way through the grace period, SIGTERM is ignored: " + t.alive());
        }
        assertTrue(app.isAlive(), "the JVM waits for the grace period in its shutdown hook");

        long left = exiting + GRACE.plusSeconds(1).toNanos() - System.nanoTime();
        assertAllGoneWithin(trees, Duration.ofNanos(Math.max(0, left)), "grace + 1 s after main returned");
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals(List.of(), app.stderr().all(), "nothing to say at the default log level");
    }

    static List<Tree> awaitTrees(AppJvm app) {
        List<Tree> trees = new ArrayList<>();
        for (String line : app.awaitLines("MEMBERS ", 2, Duration.ofSeconds(30))) {
            Tree t = Tree.parse(line);
            trees.add(t);
        }
        return trees;
    }

    static void assertAllGoneWithin(List<Tree> trees, Duration timeout, String context) {
        Poll.assertWithin(timeout, () -> trees.stream().allMatch(t -> t.alive().isEmpty() && t.aliveInGroup().isEmpty()),
                () -> context + ": still alive: " + trees.stream().map(t -> t + ": " + t.alive() + " group " + t.aliveInGroup()).toList());
    }
}
