package dev.hygiene.it;

import dev.hygiene.it.apps.DestroyApp;
import dev.hygiene.it.apps.VanishingHelperApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: the agent leaves nothing of itself behind: the helper it extracts (debug line
 * {@code process-hygiene: helper at <path>}) and its directory are removed when the JVM exits
 * normally; with {@code helper-dir} the helper is extracted there.
 */
class HelperLeftoversTest extends AppJvmTest {

    static final String HELPER_AT = "process-hygiene: helper at ";

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theExtractedHelperIsRemovedAtExit(Jdks.Jdk jdk) {
        Path helper = runAndFindHelper(jdk, "log=debug", false);
        assertFalse(Files.exists(helper), "helper removed: " + helper);
        assertFalse(Files.exists(helper.getParent()), "its directory removed: " + helper.getParent());
    }

    /** SIGTERM runs the shutdown hooks too: the helper goes as well. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theExtractedHelperIsRemovedWhenSigtermEndsTheJvm(Jdks.Jdk jdk) {
        Path helper = runAndFindHelper(jdk, "log=debug", true);
        assertFalse(Files.exists(helper), "helper removed: " + helper);
        assertFalse(Files.exists(helper.getParent()), "its directory removed: " + helper.getParent());
    }

    /** No shutdown hook runs after SIGKILL: the watchdog removes the directory when it is done. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theWatchdogRemovesTheHelperWhenTheJvmIsKilled(Jdks.Jdk jdk, @TempDir Path dir) {
        AppJvm app = app(jdk, DestroyApp.class).agent("log=debug,grace=1s,helper-dir=" + dir).args("destroy", "tree").start();
        app.awaitLine("DONE");
        String line = app.stderr().await(l -> l.startsWith(HELPER_AT), "naming the helper", java.time.Duration.ofSeconds(5));
        Path helper = Path.of(line.substring(HELPER_AT.length()));
        assertTrue(Files.isExecutable(helper), "the helper exists while the JVM runs: " + helper);
        app.awaitWatchdog();
        app.signal("KILL");
        app.awaitExit();
        Poll.assertWithin(java.time.Duration.ofSeconds(3), () -> !Files.exists(helper.getParent()),
                () -> "the watchdog removed " + helper.getParent());
    }

    /** A cleaner of /tmp removes the helper of a long-running JVM: the next start extracts it again. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aHelperRemovedFromTheDiskIsExtractedAgain(Jdks.Jdk jdk, @TempDir Path dir) throws IOException {
        AppJvm app = app(jdk, VanishingHelperApp.class).agent("grace=1s,helper-dir=" + dir).args(dir.toString()).start();
        assertEquals("ISOLATED 1 true", app.awaitLine("ISOLATED 1 "));
        assertEquals("REMOVED 1", app.awaitLine("REMOVED "), app.describe());
        assertEquals("ISOLATED 2 true", app.awaitLine("ISOLATED 2 "), "the start that found the helper gone: " + app.describe());
        assertEquals("ISOLATED 3 true", app.awaitLine("ISOLATED 3 "));
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> stderr = app.stderr().all();
        assertEquals(1, stderr.size(), "one line: " + stderr);
        assertTrue(stderr.get(0).contains("was removed") && stderr.get(0).contains("extracted it again to " + dir), stderr.get(0));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the new helper is removed at exit too");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theHelperGoesToTheConfiguredDirectory(Jdks.Jdk jdk, @TempDir Path dir) throws IOException {
        Path helper = runAndFindHelper(jdk, "log=debug,helper-dir=" + dir, false);
        assertEquals(dir, helper.getParent().getParent(), "extracted under helper-dir");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "nothing left in helper-dir");
        }
    }

    /**
     * Runs an app that starts and destroys a tree, checks the helper exists while it runs, ends it
     * (a line on its stdin, or SIGTERM) and returns the helper's path.
     */
    private Path runAndFindHelper(Jdks.Jdk jdk, String agentArgs, boolean sigterm) {
        AppJvm app = app(jdk, DestroyApp.class).agent(agentArgs).args("destroy", "tree").start();
        app.awaitLine("DONE");
        String line = app.stderr().await(l -> l.startsWith(HELPER_AT), "naming the helper", java.time.Duration.ofSeconds(5));
        Path helper = Path.of(line.substring(HELPER_AT.length()));
        assertTrue(Files.isExecutable(helper), "the helper exists while the JVM runs: " + helper);
        if (sigterm) app.signal("TERM"); else app.send("exit");
        assertEquals(sigterm ? 143 : 0, app.awaitExit(), app.describe());
        return helper;
    }
}
