package dev.hygiene.it;

import dev.hygiene.it.apps.OrphansApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 11, part 3: {@code orphans=terminate}. A leader that exits by itself and leaves its
 * workers in its group, while the application still holds its Process: with {@code terminate}
 * the workers get the escalation at once and a leak report names the launching frame, the JVM
 * still running (in a cgroup per child and in group mode); with the default {@code keep} they
 * stay until the JVM exits.
 */
class OrphansTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(2);

    static Stream<Arguments> jdksAndContainments() {
        return Jdks.all().flatMap(jdk -> Stream.of("group", "cgroup").map(c -> Arguments.of(jdk, c)));
    }

    @ParameterizedTest(name = "{0} containment={1}")
    @MethodSource("jdksAndContainments")
    void theWorkersOfALeaderThatExitedAreTerminatedWhileTheProcessIsHeld(Jdks.Jdk jdk, String containment) {
        if (containment.equals("cgroup")) assumeTrue(Cgroups.writable(), "no process may create cgroups here");
        AppJvm app = app(jdk, OrphansApp.class).agent("grace=2s,orphans=terminate,log=info,containment=" + containment).start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        assertEquals(3, tree.alive().size(), "leader and two workers run" + app.describe());
        app.send("go");
        assertEquals("EXIT 0", app.awaitLine("EXIT "), app.describe());
        long exited = System.nanoTime();
        // The workers honour SIGTERM: gone at once, well within the grace period.
        tree.assertGoneWithin(GRACE.plusSeconds(1).minusNanos(System.nanoTime() - exited), "after the leader exited");
        assertTrue(app.isAlive(), "the JVM still runs: its shutdown hook played no part");

        Poll.assertWithin(Duration.ofSeconds(5), () -> LeakReports.agentLines(app).stream().anyMatch(l -> l.contains("leader exited: ")),
                () -> "a leak report for the orphaned workers: " + LeakReports.agentLines(app));
        String line = LeakReports.agentLines(app).stream().filter(l -> l.contains("leader exited: ")).findFirst().orElseThrow();
        LeakReports.Record r = LeakReports.parseStderr(line);
        assertEquals("orphaned", r.reason, line);
        assertEquals(tree.leader, r.pid, line);
        assertEquals("SIGTERM", r.signal, line);
        assertEquals(containment, r.containment, line);
        assertEquals(2, r.members, "the two workers were left: " + line);
        assertTrue(r.startedAt.startsWith(OrphansApp.class.getName() + ".main(OrphansApp.java:"), line);

        app.send("looked");
        assertEquals("HELD " + tree.leader, app.awaitLine("HELD "), app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        // Reported once: not again at shutdown.
        List<String> reports = LeakReports.agentLines(app).stream().filter(l -> l.contains("terminated group")).toList();
        assertEquals(1, reports.size(), reports.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void byDefaultTheWorkersStayUntilTheJvmExits(Jdks.Jdk jdk) throws InterruptedException {
        AppJvm app = app(jdk, OrphansApp.class).agent("grace=2s,log=info").start();
        Tree tree = Tree.parse(app.awaitLine("MEMBERS "));
        app.send("go");
        assertEquals("EXIT 0", app.awaitLine("EXIT "), app.describe());
        // What orphans=terminate does within ~50 ms of the leader's exit does not happen: look
        // for a whole second.
        long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() - until < 0) {
            assertEquals(2, tree.alive().size(), "orphans=keep leaves the workers while the Process is held" + app.describe());
            Thread.sleep(50);
        }
        app.send("looked");
        app.awaitLine("HELD ");
        assertEquals(0, app.awaitExit(), app.describe());
        // The JVM's exit ends them, with a report at shutdown.
        tree.assertGoneWithin(GRACE.plusSeconds(1), "after the JVM exited");
        assertTrue(LeakReports.agentLines(app).stream().anyMatch(l -> l.contains("at shutdown: terminated group " + tree.leader)),
                LeakReports.agentLines(app).toString());
    }
}
