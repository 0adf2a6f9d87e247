package dev.hygiene.it;

import dev.hygiene.it.apps.LazyApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 12, the first start's cgroup move: from ProcessBuilder's load on, the agent keeps the
 * kernel's moves into cgroups fast (a write of the JVM's pid to its own cgroup.threads, which moves
 * nothing) and makes the JVM's cgroup directory then. Neither the JVM nor any of its threads
 * changes cgroup; without a start the directory goes again, at the warm-up's end or at the JVM's
 * exit during it; with one, the child is in its cgroup as ever. Where cgroups can be made.
 */
class CgroupWarmUpTest extends AppJvmTest {

    private static final Duration LINE = Duration.ofSeconds(10);
    private static final String WARMED_UP = "process-hygiene: cgroup moves warmed up in ";
    private static final String KEPT = "process-hygiene: cgroup moves kept fast for ";

    /** A ProcessBuilder and no start: the JVM stays where it was, and the directory made for it goes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aProcessBuilderWithoutAStartMovesNothingAndLeavesNoCgroup(Jdks.Jdk jdk) {
        Warming w = warmingUp(jdk);
        AppJvm app = w.app;
        String kept = app.stderr().await(l -> l.startsWith(KEPT), "the warm-up's end", LINE);
        assertTrue(kept.endsWith(" writes)"), "kept fast until its limit, with no start: " + kept + app.describe());
        Poll.assertWithin(LINE, () -> !Files.exists(w.dir), () -> w.dir + " removed at the warm-up's end" + app.describe());
        assertAll("the JVM after the warm-up" + app.describe(),
                () -> assertEquals(w.cgroup, Cgroups.of(w.jvm), "the JVM's cgroup"),
                () -> assertEquals(w.mainThread, threadCgroup(w.jvm), "its thread " + w.jvm + "'s cgroup"));

        // The first start after it: the child in a cgroup of its own, in the JVM's directory made again.
        app.send("start");
        long child = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        app.awaitLine("STARTED");
        assertEquals(w.dir, Cgroups.dirOf(child).getParent(), "the child's cgroup is in the JVM's directory" + app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        Poll.assertWithin(LINE, () -> !Files.exists(w.dir), () -> w.dir + " removed at the JVM's exit" + app.describe());
    }

    /** The JVM exits while the warm-up runs: the directory made for it goes with it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aJvmThatExitsDuringTheWarmUpLeavesNoCgroup(Jdks.Jdk jdk) {
        Warming w = warmingUp(jdk);
        AppJvm app = w.app;
        // The warm-up goes on for up to 100 ms after its first write: the exit comes during it.
        app.send("exit");
        assertEquals(w.cgroup, Cgroups.of(w.jvm), "the JVM's cgroup" + app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> err = app.stderr().all();
        assertFalse(Files.exists(w.dir), w.dir + " left behind" + app.describe());
        assertFalse(err.stream().anyMatch(l -> l.startsWith(KEPT) && l.contains("until the first start")), "no start came: " + err);
    }

    /** LazyApp with a ProcessBuilder and no start, its warm-up begun (the first write made). */
    private Warming warmingUp(Jdks.Jdk jdk) {
        assumeTrue(Cgroups.writable(), "the JVMs here cannot make cgroups");
        AppJvm app = app(jdk, LazyApp.class).agent("log=debug").args("builder").start();
        app.awaitLine("READY");
        long jvm = app.pid();
        Warming w = new Warming(app, jvm, Cgroups.of(jvm), threadCgroup(jvm), Cgroups.jvmDir(jvm));
        app.stderr().await(l -> l.startsWith(WARMED_UP), "the warm-up", LINE);
        return w;
    }

    /** The app, its pid, its cgroup and its primordial thread's before the warm-up, the directory made for it. */
    private record Warming(AppJvm app, long jvm, String cgroup, String mainThread, Path dir) {}

    /** The cgroup v2 path of PID's thread TID = PID (the JVM's primordial thread), or null. */
    private static String threadCgroup(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + pid + "/cgroup"))) {
                if (line.startsWith("0::")) return line.substring(3);
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
