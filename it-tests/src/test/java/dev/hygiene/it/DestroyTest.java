package dev.hygiene.it;

import dev.hygiene.it.apps.DestroyApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4: Process.destroy() terminates the whole group (not just the leader) and the app sees
 * 143; destroyForcibly() kills it at once, 137. Issue 5 (destroy half): a group that ignores
 * SIGTERM is still alive half-way through the grace period, and killed by grace + 1 s.
 * Everything is checked while the app JVM still runs, so its shutdown hook plays no part.
 */
class DestroyTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void destroyTerminatesTheWholeGroup(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, DestroyApp.class).agent("grace=2s").args("destroy", "tree").start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        app.awaitLine("DESTROYED");
        // SIGTERM ends every member at once: well before the grace period.
        tree.assertGoneWithin(Duration.ofSeconds(1), "after destroy()");
        assertEquals("EXIT 143", app.awaitLine("EXIT "), app.describe());
        app.awaitLine("DONE");
        assertTrue(app.stdout().all().stream().anyMatch(l -> l.startsWith("GROUP_EMPTY_AFTER_MS ")), app.describe());
        assertTrue(app.isAlive(), "the app still runs: its shutdown hook did not do it");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void destroyForciblyKillsTheWholeGroup(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, DestroyApp.class).agent("grace=2s").args("destroyForcibly", "tree").start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        app.awaitLine("DESTROYED");
        tree.assertGoneWithin(Duration.ofSeconds(1), "after destroyForcibly()");
        assertEquals("EXIT 137", app.awaitLine("EXIT "), app.describe());
        app.awaitLine("DONE");
        assertTrue(app.isAlive(), "the app still runs: its shutdown hook did not do it");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void destroyKillsAGroupIgnoringSigtermAfterTheGrace(Jdks.Jdk jdk) {
        Duration grace = Duration.ofSeconds(1);
        AppJvm app = app(jdk, DestroyApp.class).agent("grace=1s").args("destroy", "ignore-term").start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        app.awaitLine("DESTROYED");
        long destroyed = System.nanoTime();
        String[] alive = app.awaitLine("ALIVE_AT_500MS ").split(" ");
        assertTrue(Long.parseLong(alive[3]) < grace.toMillis(),
                "the app measured within the grace period (else the machine is too slow for this test): " + alive[3] + " ms");
        assertEquals("3", alive[1], "half-way through the grace period, SIGTERM is ignored" + app.describe());
        long left = destroyed + grace.plusSeconds(1).toNanos() - System.nanoTime();
        tree.assertGoneWithin(Duration.ofNanos(Math.max(0, left)), "grace + 1 s after destroy()");
        assertEquals("EXIT 137", app.awaitLine("EXIT "), "the leader was killed" + app.describe());
        app.awaitLine("DONE");
        assertTrue(app.isAlive(), "the app still runs: its shutdown hook did not do it");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /** SIGTERM goes with SIGCONT: a stopped member acts on it at once instead of waiting for SIGKILL. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void destroyContinuesAStoppedMemberSoItActsOnSigterm(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, DestroyApp.class).agent("grace=5s").args("destroy", "stopped").start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        assertEquals("STOPPED 1", app.awaitLine("STOPPED "), app.describe());
        app.awaitLine("DESTROYED");
        tree.assertGoneWithin(Duration.ofSeconds(2), "well before the 5 s grace period after destroy()");
        assertEquals("EXIT 143", app.awaitLine("EXIT "), app.describe());
        app.awaitLine("DONE");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }
}
