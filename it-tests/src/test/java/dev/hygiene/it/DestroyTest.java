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
        assertEquals("ALIVE_AT_500MS 3", app.awaitLine("ALIVE_AT_500MS "), "SIGTERM is ignored" + app.describe());
        long left = destroyed + grace.plusSeconds(1).toNanos() - System.nanoTime();
        tree.assertGoneWithin(Duration.ofNanos(Math.max(0, left)), "grace + 1 s after destroy()");
        assertEquals("EXIT 137", app.awaitLine("EXIT "), "the leader was killed" + app.describe());
        app.awaitLine("DONE");
        assertTrue(app.isAlive(), "the app still runs: its shutdown hook did not do it");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }
}
