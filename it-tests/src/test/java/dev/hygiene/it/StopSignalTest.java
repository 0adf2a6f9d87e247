package dev.hygiene.it;

import dev.hygiene.it.apps.StopSignalApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, part 2: {@code stop-signal} is the first signal of the escalation wherever it runs:
 * on {@code destroy()} (the application sees what the leader died of, as the JDK would show it),
 * at the JVM's exit, and from the watchdog after the JVM was killed. The child notes each signal
 * it gets in a file and exits with a code of its own for each.
 */
class StopSignalTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(2);

    static Stream<Arguments> jdksAndSignals() {
        return Jdks.all().flatMap(jdk -> Stream.of("TERM", "INT", "HUP").map(s -> Arguments.of(jdk, s)));
    }

    @ParameterizedTest(name = "{0} stop-signal={1}")
    @MethodSource("jdksAndSignals")
    void destroySendsTheStopSignal(Jdks.Jdk jdk, String signal, @TempDir Path tmp) {
        Path notes = tmp.resolve("signals");
        AppJvm app = app(jdk, StopSignalApp.class).agent("grace=2s,stop-signal=" + signal).args("destroy", notes.toString()).start();
        long group = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        cleanup.recordGroup(group);
        int expected = signal.equals("TERM") ? 4 : signal.equals("INT") ? 3 : 5;
        assertEquals("EXIT " + expected, app.awaitLine("EXIT "), "the leader's trap for SIG" + signal + app.describe());
        assertEquals(List.of(signal), notes(notes), app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theJvmsExitSendsTheStopSignal(Jdks.Jdk jdk, @TempDir Path tmp) {
        Path notes = tmp.resolve("signals");
        AppJvm app = app(jdk, StopSignalApp.class).agent("grace=2s,stop-signal=SIGHUP,log=info").args("exit", notes.toString()).start();
        long group = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        cleanup.recordGroup(group);
        app.awaitLine("READY");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals(List.of("HUP"), notes(notes), app.describe());
        assertEquals(List.of(), Proc.liveInGroup(group), "the group once the JVM exited");
        LeakReports.Record r = LeakReports.parseStderr(LeakReports.agentLines(app).stream()
                .filter(l -> l.contains("terminated group " + group)).findFirst().orElseThrow(() -> new AssertionError(app.describe())));
        assertEquals("SIGHUP", r.signal, r.line);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theWatchdogSendsTheStopSignal(Jdks.Jdk jdk, @TempDir Path tmp) {
        Path notes = tmp.resolve("signals");
        AppJvm app = app(jdk, StopSignalApp.class).agent("grace=2s,stop-signal=INT").jvmOption("-Djava.io.tmpdir=" + tmp)
                .args("hold", notes.toString()).start();
        long group = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        cleanup.recordGroup(group);
        app.awaitLine("READY");
        Proc.Stat watchdog = app.awaitWatchdog();
        cleanup.recordPid(watchdog.pid);
        app.signal("KILL");
        assertEquals(137, app.awaitExit(), app.describe());
        Poll.assertWithin(GRACE.plusSeconds(1), () -> Proc.liveInGroup(group).isEmpty(),
                () -> "the group, grace + 1 s after SIGKILL of the JVM: " + Proc.liveInGroup(group));
        assertEquals(List.of("INT"), notes(notes), app.describe());
        Poll.assertWithin(GRACE.plusSeconds(1), () -> !Proc.alive(watchdog.pid, watchdog.startTime), () -> "the watchdog exits");
    }

    /** The signals the child noted, once it has noted one (it exits right after). */
    static List<String> notes(Path file) {
        Poll.assertWithin(Duration.ofSeconds(5), () -> Files.exists(file) && !read(file).isEmpty(), () -> "no signal noted in " + file);
        return read(file);
    }

    static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of FILE; none if there is no such file. */
    static List<String> readIfAny(Path file) {
        return Files.exists(file) ? read(file) : List.of();
    }
}
