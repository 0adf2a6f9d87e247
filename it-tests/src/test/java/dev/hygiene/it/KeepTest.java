package dev.hygiene.it;

import dev.hygiene.it.apps.KeepApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 3, keep: a child whose command line (arguments joined with single spaces) the {@code keep}
 * pattern finds, from the agent arguments or the system property {@code hygiene.keep}, or that has
 * {@code HYGIENE_KEEP=1} in its own environment(), is left alone: it stays in the JVM's process
 * group, and neither it nor its descendants are ever signalled, at shutdown or by the watchdog,
 * while an ordinary tree beside it is terminated.
 */
class KeepTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);
    /** Found across the boundary of the last two arguments: "... & wait keep-this-one". */
    static final String PATTERN = "wait " + KeepApp.WORD;

    static Stream<Arguments> cases() {
        return Jdks.all().flatMap(jdk -> Stream.of(
                Arguments.of(jdk, "agent argument", "main returns"),
                Arguments.of(jdk, "system property", "main returns"),
                Arguments.of(jdk, "HYGIENE_KEEP=1 in the child's environment", "main returns"),
                Arguments.of(jdk, "agent argument", "SIGKILL of the JVM")));
    }

    @ParameterizedTest(name = "{0} keep from {1}, {2}")
    @MethodSource("cases")
    void aKeptTreeIsNeitherIsolatedNorSignalled(Jdks.Jdk jdk, String source, String ending, @TempDir Path tmp) {
        boolean kill = ending.startsWith("SIGKILL");
        AppJvm.Builder b = app(jdk, KeepApp.class).jvmOption("-Djava.io.tmpdir=" + tmp)
                .args(source.startsWith("HYGIENE_KEEP") ? "env" : "pattern", kill ? "wait" : "return");
        switch (source) {
            case "agent argument":
                b.agent("grace=1s,keep=" + PATTERN);
                break;
            case "system property":
                b.agent("grace=1s").jvmOption("-Dhygiene.keep=" + PATTERN);
                break;
            default:
                b.agent("grace=1s");
        }
        AppJvm app = b.start();
        long[] jvm = app.jvm();
        Tree kept = Tree.parse("KEPT_MEMBERS", app.awaitLine("KEPT_MEMBERS "));
        // Left alone by the agent, so left to this test to kill, by pid.
        for (long[] m : kept.members) cleanup.recordPid(m[0]);
        Tree ordinary = Tree.parse(app.awaitLine("MEMBERS "));
        Proc.Stat watchdog = app.awaitWatchdog();
        app.awaitLine("READY");

        assertEquals(jvm[1], Proc.stat(kept.leader).pgrp, "the kept child stays in the JVM's group");
        assertEquals(ordinary.leader, Proc.stat(ordinary.leader).pgrp, "the ordinary child leads its own group");

        if (kill) {
            app.signal("KILL");
        } else {
            app.send("go");
            app.awaitLine("EXITING");
        }
        long from = System.nanoTime();
        long deadline = from + GRACE.plusSeconds(1).toNanos();
        ordinary.assertGoneWithin(WatchdogTest.left(deadline), "the ordinary tree, grace + 1 s after " + ending);
        // Once the JVM and its watchdog are gone, nothing of the agent is left to signal the kept tree.
        WatchdogTest.assertGoneWithin(watchdog, WatchdogTest.left(deadline), "the watchdog");
        assertEquals(kill ? 137 : 0, app.awaitExit(), app.describe());
        assertEquals(3, kept.alive().size(), "the kept tree is untouched: alive " + kept.alive() + " of " + kept);
    }
}
