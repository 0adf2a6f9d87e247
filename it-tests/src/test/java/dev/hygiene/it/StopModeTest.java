package dev.hygiene.it;

import dev.hygiene.it.apps.StopModeApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, part 1: {@code stop=leader-first}. The stop signal goes to the leader alone; the rest
 * of the group gets it once the leader has exited; whatever is left at the end of the grace gets
 * SIGKILL. A leader that stops its worker itself on SIGTERM: the worker gets no signal from the
 * agent (with {@code stop=group}, for contrast, it does). A leader that ignores SIGTERM: its
 * worker is killed at the grace, having had no SIGTERM. The watchdog does the same.
 */
class StopModeTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void leaderFirstLetsTheLeaderStopItsWorker(Jdks.Jdk jdk, @TempDir Path tmp) {
        Path notes = tmp.resolve("notes");
        AppJvm app = app(jdk, StopModeApp.class).agent("grace=5s,stop=leader-first").args("destroy", notes.toString(), "cooperative").start();
        long[] group = group(app);
        assertEquals("EXIT 0", app.awaitLine("EXIT "), app.describe());
        awaitGone(group[0]);
        assertEquals(List.of("leader got TERM", "worker stopped by leader", "leader saw worker exit 0"), StopSignalTest.read(notes),
                "the worker got no signal from the agent" + app.describe());
        exit(app);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void stopGroupSignalsTheWorkerToo(Jdks.Jdk jdk, @TempDir Path tmp) {
        Path notes = tmp.resolve("notes");
        AppJvm app = app(jdk, StopModeApp.class).agent("grace=5s").args("destroy", notes.toString(), "cooperative").start();
        long[] group = group(app);
        app.awaitLine("EXIT ");
        awaitGone(group[0]);
        assertTrue(StopSignalTest.read(notes).contains("worker got TERM"), "stop=group: the worker had SIGTERM too: "
                + StopSignalTest.read(notes));
        exit(app);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aLeaderIgnoringSigtermHasItsWorkerKilledAtTheGrace(Jdks.Jdk jdk, @TempDir Path tmp) {
        Duration grace = Duration.ofSeconds(1);
        Path notes = tmp.resolve("notes");
        AppJvm app = app(jdk, StopModeApp.class).agent("grace=1s,stop=leader-first").args("destroy", notes.toString(), "deaf").start();
        long[] group = group(app);
        long destroyed = System.nanoTime();
        // Half-way through the grace: both still run (the leader ignores SIGTERM, the worker had none).
        Poll.sleepUntil(destroyed + grace.dividedBy(2).toNanos());
        assertTrue(Proc.alive(group[0]) && Proc.alive(group[1]), "leader and worker run half-way through the grace");
        assertEquals("EXIT 137", app.awaitLine("EXIT "), "the leader was killed" + app.describe());
        Poll.assertWithin(Duration.ofNanos(Math.max(0, destroyed + grace.plusSeconds(1).toNanos() - System.nanoTime())),
                () -> Proc.liveInGroup(group[0]).isEmpty(), () -> "grace + 1 s after destroy(): " + Proc.liveInGroup(group[0]));
        assertEquals(List.of(), StopSignalTest.readIfAny(notes), "the worker had no SIGTERM, only SIGKILL" + app.describe());
        exit(app);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theWatchdogStopsLeaderFirstToo(Jdks.Jdk jdk, @TempDir Path tmp) {
        Path notes = tmp.resolve("notes");
        AppJvm app = app(jdk, StopModeApp.class).agent("grace=5s,stop=leader-first").jvmOption("-Djava.io.tmpdir=" + tmp)
                .args("hold", notes.toString(), "cooperative").start();
        long[] group = group(app);
        app.awaitLine("READY");
        Proc.Stat watchdog = app.awaitWatchdog();
        app.signal("KILL");
        assertEquals(137, app.awaitExit(), app.describe());
        awaitGone(group[0]);
        List<String> noted = StopSignalTest.read(notes);
        assertEquals(List.of("leader got TERM", "worker stopped by leader"), noted.subList(0, Math.min(2, noted.size())),
                "the watchdog signalled the leader alone: " + noted);
        assertFalse(noted.contains("worker got TERM"), noted.toString());
        Poll.assertWithin(Duration.ofSeconds(6), () -> !Proc.alive(watchdog.pid, watchdog.startTime), () -> "the watchdog exits");
    }

    /** The app's {leader, worker}, recorded for the cleanup. */
    private long[] group(AppJvm app) {
        long[] group = AppJvm.numbers(app.awaitLine("GROUP "));
        cleanup.recordGroup(group[0]);
        return group;
    }

    private static void awaitGone(long group) {
        Poll.assertWithin(Duration.ofSeconds(5), () -> Proc.liveInGroup(group).isEmpty(), () -> "the group: " + Proc.liveInGroup(group));
    }

    private static void exit(AppJvm app) {
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }
}
