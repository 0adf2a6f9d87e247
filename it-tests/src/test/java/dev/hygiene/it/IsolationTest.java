package dev.hygiene.it;

import dev.hygiene.it.apps.IsolationApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 1: every child started through ProcessBuilder.start, startPipeline (each element) and
 * Runtime.exec leads its own process group, not the JVM's, and runs the real program, as read
 * by the app from /proc immediately after the start returned: 100 starts each, all must hold.
 * Issue 10: the same with the agent given only through JAVA_TOOL_OPTIONS.
 */
class IsolationTest extends AppJvmTest {

    /** At least the 30 of the issue: the more starts, the likelier a race shows. */
    static final int STARTS = 100;

    static Stream<Arguments> jdksAndEntryPoints() {
        return Jdks.all().flatMap(jdk -> Stream.of("pb", "pipeline", "exec").map(how -> Arguments.of(jdk, how)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("jdksAndEntryPoints")
    void everyChildLeadsItsOwnGroupWhenStartReturns(Jdks.Jdk jdk, String how) {
        AppJvm app = app(jdk, IsolationApp.class).args(how, Integer.toString(STARTS)).start();
        assertEquals(0, app.awaitExit(), app.describe());
        assertAllIsolated(app, how, how.equals("pipeline") ? 3 * STARTS : STARTS);
        assertEquals(List.of(), app.stderr().all(), "the agent says nothing at the default log level");
    }

    /**
     * The JDK's other launch mechanisms: FORK (JDK 17 and 25), VFORK (JDK 17 only: deprecated in
     * JDK 25, where even the plain JDK returns before the child's exec).
     */
    static Stream<Arguments> jdksAndLaunchMechanisms() {
        return Jdks.all().flatMap(jdk -> (jdk.feature < 25 ? Stream.of("FORK", "VFORK") : Stream.of("FORK"))
                .map(m -> Arguments.of(jdk, m)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("jdksAndLaunchMechanisms")
    void otherLaunchMechanismsIsolateToo(Jdks.Jdk jdk, String mechanism) {
        AppJvm app = app(jdk, IsolationApp.class).jvmOption("-Djdk.lang.Process.launchMechanism=" + mechanism)
                .args("pb", Integer.toString(STARTS)).start();
        assertEquals(0, app.awaitExit(), app.describe());
        assertAllIsolated(app, "pb", STARTS);
        assertEquals(List.of(), app.stderr().all());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void agentFromJavaToolOptionsIsolatesToo(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, IsolationApp.class).noAgent()
                .env("JAVA_TOOL_OPTIONS", "-javaagent:" + AppJvm.agentJar())
                .args("pb", "10").start();
        assertEquals(0, app.awaitExit(), app.describe());
        assertAllIsolated(app, "pb", 10);
        // The JVM announces the variable; the agent adds nothing.
        assertEquals(List.of("Picked up JAVA_TOOL_OPTIONS: -javaagent:" + AppJvm.agentJar()), app.stderr().all());
    }

    static void assertAllIsolated(AppJvm app, String how, int children) {
        List<String> starts = app.stdout().all().stream().filter(l -> l.startsWith("START " + how + " ")).toList();
        assertEquals(children, starts.size(), app.describe());
        assertTrue(app.stdout().all().contains("DONE " + children), app.describe());
        // Fields: START how pid pgrp jvm-pgrp cmdline
        List<String> notIsolated = starts.stream().filter(l -> {
            String[] f = l.split(" ", -1);
            return !f[3].equals(f[2]) || f[3].equals(f[4]);
        }).toList();
        // As with the plain JDK, /proc shows the real program's command line once start() returned
        // (an empty one is a child still inside execve).
        List<String> notYet = starts.stream().filter(l -> !l.split(" ", -1)[5].equals("cat|")).toList();
        assertAll(app + ": children of " + how + " not as expected when start() returned",
                () -> assertEquals(List.of(), notIsolated,
                        app + ": children not leading their own group (pgrp != pid, or the JVM's) when start() returned"),
                () -> assertEquals(List.of(), notYet,
                        app + ": children whose /proc/PID/cmdline was not yet 'cat' when start() returned"));
    }
}
