package dev.hygiene.it;

import dev.hygiene.it.apps.ReaperApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, part 2: a JVM that is pid 1 of its pid namespace (a container's
 * {@code CMD ["java", ...]}) reaps the orphans that land on it, and the exit codes of its own
 * children stay intact. The JVM runs under {@code unshare --pid --fork --mount-proc}
 * ({@link AppJvm.Launch#PID_NAMESPACE}); the app reads the namespace's /proc itself. The cleanup
 * kills unshare's session (unshare, the JVM and everything in the namespace) whatever happens, and
 * the kernel kills the namespace with its pid 1.
 */
class ReaperTest extends AppJvmTest {

    static final int ORPHANS = 20;
    /** How long the app waits for its zombie children to go: ~2 s with the reaper (two rounds). */
    static final String ZOMBIE_DEADLINE_MS = "10000";

    private AppJvm atPidOne(AppJvm.Builder app) {
        AppJvm started = app.launch(AppJvm.Launch.PID_NAMESPACE).start();
        // The JVM is unshare's child; it is in unshare's session, but record it by pid too.
        Poll.assertWithin(Duration.ofSeconds(10), () -> !Proc.liveChildren(started.pid()).isEmpty() || !started.isAlive(),
                () -> "unshare " + started.pid() + " has no child" + started.describe());
        for (Proc.Stat jvm : Proc.liveChildren(started.pid())) cleanup.recordPid(jvm.pid);
        return started;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void orphansThatExitAreReapedAtPidOne(Jdks.Jdk jdk) {
        AppJvm app = atPidOne(app(jdk, ReaperApp.class).agent("log=debug")
                .args("orphans", Integer.toString(ORPHANS), ZOMBIE_DEADLINE_MS));
        assertEquals("PID 1 REAPER_THREAD true", app.awaitLine("PID "), app.describe());
        assertEquals("ORPHANS " + ORPHANS, app.awaitLine("ORPHANS "), app.describe());
        assertEquals("REPARENTED " + ORPHANS, app.awaitLine("REPARENTED "), app.describe());
        assertEquals("ZOMBIES 0", app.awaitLine("ZOMBIES ", Duration.ofSeconds(60)), app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        assertTrue(app.stderr().all().stream().anyMatch(l -> l.startsWith("process-hygiene: reaped ")), app.describe());
        assertEquals(List.of(), problems(app), "no warning, no error");
    }

    /** The same app without the agent: the orphans stay zombies (what makes the test above able to fail). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void withoutTheAgentTheyStayZombies(Jdks.Jdk jdk) {
        AppJvm app = atPidOne(app(jdk, ReaperApp.class).noAgent()
                .args("orphans", Integer.toString(ORPHANS), ZOMBIE_DEADLINE_MS));
        assertEquals("PID 1 REAPER_THREAD false", app.awaitLine("PID "), app.describe());
        assertEquals("REPARENTED " + ORPHANS, app.awaitLine("REPARENTED "), app.describe());
        String zombies = app.awaitLine("ZOMBIES ", Duration.ofSeconds(60));
        assertTrue(zombies.startsWith("ZOMBIES " + ORPHANS + " "), zombies + app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /**
     * 4 threads x 50 children (at least; they go on until orphans have been seen reaped while they
     * start children), each {@code sh -c 'exit K'} with K from 1 to 255, checked by waitFor() or
     * onExit(), and exitValue(), while orphans are made and reaped all along.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void exitCodesStayIntactWhileOrphansAreReaped(Jdks.Jdk jdk) {
        AppJvm app = atPidOne(app(jdk, ReaperApp.class).agent("log=debug").args("exitcodes", "4", "50"));
        assertEquals("PID 1 REAPER_THREAD true", app.awaitLine("PID "), app.describe());
        String children = app.awaitLine("CHILDREN ", Duration.ofSeconds(120));
        assertTrue(AppJvm.numbers(children)[0] >= 200, children + app.describe());
        assertEquals("WRONG 0", app.awaitLine("WRONG 0", Duration.ofSeconds(10)), app.describe());
        long during = AppJvm.numbers(app.awaitLine("REAPED_DURING "))[0];
        assertTrue(during > 0, "orphans were reaped while children were being started" + app.describe());
        assertEquals("ZOMBIES 0", app.awaitLine("ZOMBIES ", Duration.ofSeconds(60)), app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals(List.of(), problems(app), "no warning, no error");
    }

    /**
     * The guard: while a start is in progress (blocked opening a FIFO, inside ProcessImpl.start),
     * zombies are not reaped, however long it lasts (3 s: three rounds); once it ends, they are.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void noReapingWhileAStartIsInProgress(Jdks.Jdk jdk) {
        AppJvm app = atPidOne(app(jdk, ReaperApp.class).agent("log=debug").args("blockedstart", "5", "3000"));
        assertEquals("PID 1 REAPER_THREAD true", app.awaitLine("PID "), app.describe());
        app.awaitLine("START_BLOCKED");
        long orphans = AppJvm.numbers(app.awaitLine("ORPHANS ", Duration.ofSeconds(60)))[0];
        assertTrue(orphans > 0, app.describe());
        assertEquals("ZOMBIES_WHILE_BLOCKED " + orphans, app.awaitLine("ZOMBIES_WHILE_BLOCKED ", Duration.ofSeconds(60)), app.describe());
        assertEquals("BLOCKED_START_EXIT 0", app.awaitLine("BLOCKED_START_EXIT "), app.describe());
        assertEquals("ZOMBIES 0", app.awaitLine("ZOMBIES ", Duration.ofSeconds(60)), app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals(List.of(), problems(app), "no warning, no error");
    }

    /**
     * The JVM starts no process at all: orphans made in its namespace from outside
     * ({@code nsenter --target JVM --pid}, as {@code docker exec} would) are reaped all the same:
     * each is among the zombies the reaper took up (its debug lines name them), and none remains.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void orphansFromOutsideAreReapedThoughTheAppStartsNothing(Jdks.Jdk jdk) throws Exception {
        AppJvm app = atPidOne(app(jdk, ReaperApp.class).agent("log=debug").args("idle"));
        assertEquals("PID 1 REAPER_THREAD true", app.awaitLine("PID "), app.describe());
        app.awaitLine("READY");
        List<Proc.Stat> jvm = Proc.liveChildren(app.pid());
        assertEquals(1, jvm.size(), "unshare's one child, the JVM: " + jvm);
        long jvmPid = jvm.get(0).pid;
        Process nsenter = new ProcessBuilder("nsenter", "--target", Long.toString(jvmPid), "--pid", "--",
                "sh", "-c", "for i in $(seq " + ORPHANS + "); do (sleep 0.2 & echo $!); done").start();
        List<String> orphans = List.of(new String(nsenter.getInputStream().readAllBytes()).trim().split("\\s+"));
        assertTrue(nsenter.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && nsenter.exitValue() == 0,
                "nsenter: " + new String(nsenter.getErrorStream().readAllBytes()));
        assertEquals(ORPHANS, orphans.size(), "the namespace's pids of the orphans: " + orphans);
        Poll.assertWithin(Duration.ofSeconds(30), () -> reapedPids(app).containsAll(orphans),
                () -> "the reaper named " + reapedPids(app) + "; expected all of " + orphans + app.describe());
        Poll.assertWithin(Duration.ofSeconds(10),
                () -> Proc.all().stream().noneMatch(s -> s.ppid == jvmPid && !s.alive()),
                () -> "zombie children of the JVM (" + jvmPid + "): " + Proc.all().stream().filter(s -> s.ppid == jvmPid).toList());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals(List.of(), problems(app), "no warning, no error");
    }

    /** The zombies the reaper took up ({@code process-hygiene: reaped N ... (of PID PID ...)}). */
    private static java.util.Set<String> reapedPids(AppJvm app) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String l : app.stderr().all()) {
            if (!l.startsWith("process-hygiene: reaped ") || !l.contains("(of ")) continue;
            out.addAll(List.of(l.substring(l.indexOf("(of ") + 4, l.lastIndexOf(')')).split(" ")));
        }
        return out;
    }

    /** The agent attached to a JVM that is pid 1 already (seen from outside the namespace) reaps too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void attachedToAPidOneJvmItReapsToo(Jdks.Jdk jdk) throws Exception {
        AppJvm app = atPidOne(app(jdk, ReaperApp.class).noAgent().args("orphans", Integer.toString(ORPHANS), "30000"));
        assertEquals("PID 1 REAPER_THREAD false", app.awaitLine("PID "), app.describe());
        assertEquals("REPARENTED " + ORPHANS, app.awaitLine("REPARENTED "), app.describe());
        List<Proc.Stat> jvm = Proc.liveChildren(app.pid());
        assertEquals(1, jvm.size(), "unshare's one child, the JVM: " + jvm);
        String[] attach = AttachTest.cli(jdk, "attach", Long.toString(jvm.get(0).pid), "log=debug");
        assertEquals("0", attach[0], "attach: " + String.join(" | ", attach));
        assertEquals("ZOMBIES 0", app.awaitLine("ZOMBIES ", Duration.ofSeconds(60)), app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        assertTrue(app.stderr().all().stream().anyMatch(l -> l.startsWith("process-hygiene: reaped ")), app.describe());
    }

    /** Not pid 1 (a plain launch): no reaper thread, even once a child was started. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void noReaperThreadOutsidePidOne(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, ReaperApp.class).agent("log=debug").args("threads").start();
        String pid = app.awaitLine("PID ");
        assertTrue(pid.matches("PID \\d+ REAPER_THREAD false") && !pid.startsWith("PID 1 "), pid + app.describe());
        assertEquals("EXIT 3", app.awaitLine("EXIT "), app.describe());
        assertEquals("REAPER_THREAD false", app.awaitLine("REAPER_THREAD "), app.describe());
        assertEquals(0, app.awaitExit(), app.describe());
        assertTrue(app.stderr().all().stream().noneMatch(l -> l.contains("pid 1") || l.contains("reaped")), app.describe());
    }

    private static List<String> problems(AppJvm app) {
        return app.stderr().all().stream()
                .filter(l -> !l.startsWith("process-hygiene: ") || l.contains("warn") || l.contains("error")
                        || l.contains("cannot") || l.contains("stopped"))
                .toList();
    }
}
