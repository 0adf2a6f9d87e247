package dev.hygiene.it;

import dev.hygiene.it.apps.TerminalApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8: with a terminal as the JVM's controlling terminal (script(1) gives it a pty), a child
 * sharing that terminal (inheritIO) is not moved to a group of its own, so reading the terminal
 * does not stop it (SIGTTIN); it is still terminated at the JVM's shutdown. A child on pipes
 * in the same JVM is isolated as usual.
 */
class TerminalTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aChildReadingTheTerminalIsNotIsolatedAndIsStillTerminated(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, TerminalApp.class).agent("grace=1s").launch(AppJvm.Launch.TERMINAL).start();
        long[] jvm = app.jvm();
        assertEquals(jvm[0], jvm[2], "under script the JVM leads a session of its own (the pty's)");
        assertNotEquals("TTY 0", app.awaitLine("TTY "), "the JVM has a controlling terminal");

        assertEquals("own-group=true", app.awaitLine("PIPED ").split(" ")[2],
                "a child on pipes does not share the terminal and is isolated" + app.describe());
        assertEquals("own-group=false", app.awaitLine("READER ").split(" ")[2],
                "a child reading the JVM's terminal stays in the JVM's (foreground) group" + app.describe());
        app.awaitLine("WAITING_FOR_INPUT");
        app.send("hello-from-the-test");
        assertEquals("READER_EXIT 0", app.awaitLine("READER_", Duration.ofSeconds(20)),
                "the child read its line and exited (not stopped by SIGTTIN)" + app.describe());
        assertTrue(app.stdout().all().stream().filter(l -> l.equals("hello-from-the-test")).count() >= 1,
                "the line went through the terminal" + app.describe());

        String[] sleeper = app.awaitLine("SLEEPER ").split(" ");
        assertEquals("own-group=false", sleeper[2], app.describe());
        assertEquals("comm=sleep", sleeper[3], app.describe());
        String[] ps = sleeper[1].split(":");
        long pid = Long.parseLong(ps[0]);
        long start = Long.parseLong(ps[1]);
        cleanup.recordPid(pid);

        app.awaitLine("EXITING");
        assertEquals(0, app.awaitExit(), app.describe());
        Poll.assertWithin(Duration.ofSeconds(2), () -> !Proc.alive(pid, start),
                () -> "the sleeper sharing the terminal was terminated at shutdown: " + Proc.stat(pid));
        assertFalse(Proc.alive(jvm[0]), "the JVM is gone");
    }
}
