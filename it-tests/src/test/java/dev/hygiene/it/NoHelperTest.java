package dev.hygiene.it;

import dev.hygiene.it.apps.DestroyApp;
import dev.hygiene.it.apps.ShutdownApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 2, item 4: where no place can hold the helper (here forced with {@code helper-dir=none}),
 * children get groups of their own through setsid(1), the agent says so in one stderr line, and
 * groups are still terminated whole (member by member, as the helper cannot signal them).
 */
class NoHelperTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void setsidIsolatesAndDestroyStillTerminatesTheWholeGroup(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, DestroyApp.class).agent("helper-dir=none,grace=2s").args("destroy", "tree", "hold").start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        Proc.Stat leader = Proc.stat(tree.leader);
        assertTrue(leader != null && leader.alive(), "the app destroys its child only on our word: " + leader);
        assertEquals(tree.leader, leader.pgrp, "the child leads its own group: " + leader);
        assertEquals(tree.leader, leader.session, "through setsid(1): and its own session: " + leader);
        app.send("destroy");
        app.awaitLine("DESTROYED");
        tree.assertGoneWithin(Duration.ofSeconds(1), "after destroy()");
        assertEquals("EXIT 143", app.awaitLine("EXIT "), app.describe());
        app.awaitLine("DONE");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> stderr = app.stderr().all();
        assertEquals(1, stderr.size(), "one line: " + stderr);
        assertTrue(stderr.get(0).startsWith("process-hygiene: no helper (helper-dir=none): children get groups of their own"
                + " through /usr/bin/setsid"), stderr.get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void groupsAreTerminatedAtShutdown(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, ShutdownApp.class).agent("helper-dir=none,grace=1s").args("line", "tree").start();
        List<String> lines = app.awaitLines("MEMBERS ", 2, Duration.ofSeconds(10));
        Tree first = Tree.parse(lines.get(0));
        Tree second = Tree.parse(lines.get(1));
        app.awaitLine("READY");
        // The app returns from main only on our word: the trees are still there to look at.
        for (Tree t : List.of(first, second)) {
            Proc.Stat leader = Proc.stat(t.leader);
            assertTrue(leader != null && leader.pgrp == t.leader, "the child leads its own group: " + leader);
        }
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        first.assertGoneWithin(Duration.ofSeconds(2), "after the JVM exited");
        second.assertGoneWithin(Duration.ofSeconds(2), "after the JVM exited");
    }
}
