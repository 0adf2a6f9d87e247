package dev.hygiene.it;

import dev.hygiene.it.apps.IsolationApp;
import dev.hygiene.it.apps.LazyApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: a bad configuration value is reported in exactly one stderr line naming the key, the
 * value and what is accepted; the application runs, with the agent working on the default.
 */
class ConfigurationTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void badGraceInTheAgentArguments(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, IsolationApp.class).agent("grace=abc").args("pb", "3").start();
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals(List.of("process-hygiene: bad value for grace: 'abc' (expected a duration such as 500ms, 2s or 1m); using 5s"),
                app.stderr().all());
        IsolationTest.assertAllIsolated(app, "pb", 3);
    }

    /**
     * The agent installs when ProcessBuilder loads, not in premain: a JVM that has not touched the
     * process API has said nothing (not even of a bad value); its first start installs the agent,
     * says the bad value once, and is isolated.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theConfigurationIsReadWhenTheProcessApiIsFirstUsed(Jdks.Jdk jdk) {
        readAtTheFirstProcessBuilder(jdk, "untouched");
    }

    /**
     * Reading the environment and the JVM's own ProcessHandle loads process classes of the JDK
     * (ProcessEnvironment, ProcessHandleImpl; on JDK 25 ProcessImpl too), through which no child
     * comes: no installation either, until the first ProcessBuilder.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theEnvironmentAndTheOwnProcessHandleInstallNothing(Jdks.Jdk jdk) {
        readAtTheFirstProcessBuilder(jdk, "environment");
    }

    /** LazyApp in MODE, with a bad value: nothing said until its first start; then said once, and that child isolated. */
    private void readAtTheFirstProcessBuilder(Jdks.Jdk jdk, String mode) {
        AppJvm app = app(jdk, LazyApp.class).agent("grace=abc,log=debug").args(mode).start();
        app.awaitLine("READY");
        // main's first line on stderr: whatever premain said would be before it, on the same pipe.
        app.stderr().await(l -> l.equals("MAIN"), "main's line", java.time.Duration.ofSeconds(10));
        assertEquals(List.of("MAIN"), app.stderr().all(), "nothing from the agent before the process API is used");
        app.send("start");
        long child = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        app.awaitLine("STARTED");
        Proc.Stat s = Proc.stat(child);
        assertTrue(s != null && s.pgrp == child, "the first child leads its own group: " + s + app.describe());
        String bad = "process-hygiene: bad value for grace: 'abc' (expected a duration such as 500ms, 2s or 1m); using 5s";
        app.stderr().await(l -> l.equals(bad), "the bad value, said", java.time.Duration.ofSeconds(10));
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> err = app.stderr().all();
        assertEquals(1, err.stream().filter(l -> l.equals(bad)).count(), "said once: " + err);
        assertEquals(1, err.stream().filter(l -> l.startsWith("process-hygiene: installed")).count(), "installed once: " + err);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void badLogLevelInTheEnvironment(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, IsolationApp.class).env("HYGIENE_LOG", "loud").args("pb", "3").start();
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> err = app.stderr().all();
        assertEquals(1, err.size(), "exactly one line: " + err);
        String line = err.get(0);
        assertTrue(line.startsWith("process-hygiene: bad value for log: 'loud' (expected "), line);
        for (String level : List.of("off", "error", "warn", "info", "debug")) {
            assertTrue(line.contains(level), "names the accepted value " + level + ": " + line);
        }
        assertTrue(line.endsWith("; using warn"), line);
        IsolationTest.assertAllIsolated(app, "pb", 3);
    }
}
