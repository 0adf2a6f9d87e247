package dev.hygiene.it;

import dev.hygiene.it.apps.ChildrenApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The watchdog is invisible to the application (the JDK's own TreeTest and PipelineLeaksFD look
 * for exactly this): with the agent, ProcessHandle.current().children() and descendants() list
 * exactly the children the application started and their descendants, and the JVM holds as many
 * pipes as without the agent, after the starts and after the children are destroyed. And the
 * watchdog still works: after kill -9 of the JVM, its trees are gone within grace + 1 s.
 */
class InvisibleWatchdogTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);
    static final int CHILDREN = 4;

    /** One SEEN line. */
    static final class Seen {
        final Set<Long> children;
        final Set<Long> descendants;
        final int pipes;
        final String line;

        Seen(String line) {
            this.line = line;
            String[] f = line.trim().split(" ");
            children = pids(f[2], "children=");
            descendants = pids(f[3], "descendants=");
            pipes = Integer.parseInt(f[4].substring("pipes=".length()));
        }

        private static Set<Long> pids(String field, String name) {
            if (!field.startsWith(name)) throw new IllegalArgumentException("no " + name + " in " + field);
            String list = field.substring(name.length());
            return list.isEmpty() ? Set.of() : Arrays.stream(list.split(",")).map(Long::parseLong)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** What the app saw, with or without the agent. */
    static final class Run {
        AppJvm app;
        long[] jvm;
        Seen started;
        Seen destroyed;
        List<Tree> trees;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theApplicationSeesOnlyItsOwnChildrenAndPipes(Jdks.Jdk jdk, @TempDir Path tmp) {
        Run plain = run(app(jdk, ChildrenApp.class).noAgent());
        plain.app.send("exit");
        assertEquals(0, plain.app.awaitExit(), plain.app.describe());

        Run agent = run(app(jdk, ChildrenApp.class).agent("grace=" + GRACE.toSeconds() + "s")
                .jvmOption("-Djava.io.tmpdir=" + tmp));
        assertEquals(plain.started.pipes, agent.started.pipes, "the JVM's pipes after " + CHILDREN + " starts, without "
                + "and with the agent: " + plain.started.line + " / " + agent.started.line);
        assertEquals(plain.destroyed.pipes, agent.destroyed.pipes, "the JVM's pipes after destroying the children, "
                + "without and with the agent: " + plain.destroyed.line + " / " + agent.destroyed.line);

        // The watchdog exists (it is just not the JVM's child), and still works: kill -9 the JVM.
        Proc.Stat watchdog = agent.app.awaitWatchdog();
        assertNotEquals(agent.jvm[0], watchdog.ppid, "the watchdog is not the JVM's child: " + watchdog);
        agent.app.send("start " + CHILDREN);
        List<Tree> trees = new ArrayList<>();
        for (String l : agent.app.awaitLines("MEMBERS2 ", CHILDREN, Duration.ofSeconds(30))) trees.add(Tree.parse("MEMBERS2", l));
        agent.app.awaitLine("SEEN started2");
        agent.app.signal("KILL");
        long died = System.nanoTime();
        ShutdownTest.assertAllGoneWithin(trees, WatchdogTest.left(died + GRACE.plusSeconds(1).toNanos()),
                "grace + 1 s after SIGKILL of the JVM");
        WatchdogTest.assertGoneWithin(watchdog, WatchdogTest.left(died + GRACE.plusSeconds(1).toNanos()), "the watchdog");
        assertEquals(137, agent.app.awaitExit(), agent.app.describe());
    }

    /** Starts the app, has it start CHILDREN children and destroy them; checks what it saw of its children. */
    private Run run(AppJvm.Builder builder) {
        Run r = new Run();
        r.app = builder.start();
        r.jvm = r.app.jvm();
        r.app.send("start " + CHILDREN);
        List<Tree> trees = new ArrayList<>();
        for (String l : r.app.awaitLines("MEMBERS1 ", CHILDREN, Duration.ofSeconds(30))) trees.add(Tree.parse("MEMBERS1", l));
        r.trees = trees;
        r.started = new Seen(r.app.awaitLine("SEEN started1"));
        Set<Long> children = new TreeSet<>();
        Set<Long> descendants = new TreeSet<>();
        for (Tree t : trees) {
            children.add(t.leader);
            for (long[] m : t.members) descendants.add(m[0]);
        }
        assertEquals(children, r.started.children, "ProcessHandle.current().children() are the children started: "
                + r.started.line + r.app.describe());
        assertEquals(descendants, r.started.descendants, "ProcessHandle.current().descendants() are those children and "
                + "their sleeps: " + r.started.line + r.app.describe());
        r.app.send("destroy");
        r.destroyed = new Seen(r.app.awaitLine("SEEN destroyed"));
        assertEquals(Set.of(), r.destroyed.children, "no child left: " + r.destroyed.line + r.app.describe());
        return r;
    }
}
