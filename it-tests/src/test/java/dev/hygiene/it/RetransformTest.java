package dev.hygiene.it;

import dev.hygiene.it.apps.DestroyApp;
import dev.hygiene.it.apps.EarlyProcessClassesAgent;
import dev.hygiene.it.apps.LazyApp;
import dev.hygiene.it.apps.RetransformApp;
import dev.hygiene.it.apps.RetransformingAgent;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent stops looking at the classes the JVM loads once it has rewritten ProcessBuilder and
 * ProcessImpl (Agent.Deferred removes its transformer), which it does when ProcessBuilder is
 * initialized; a ProcessImpl loaded before the agent is rewritten then too. Another agent that retransforms those
 * classes later must still be given them rewritten, and every child started after that must
 * still lead its own group.
 */
class RetransformTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void anotherAgentsRetransformationKeepsTheRewrite(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Path jar = manifestOnlyAgent(tmp.resolve("retransforming-agent.jar"), RetransformingAgent.class);
        AppJvm app = app(jdk, RetransformApp.class).jvmOption("-javaagent:" + jar).start();
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals("RETRANSFORMED java/lang/ProcessBuilder bridge=true java/lang/ProcessImpl bridge=true",
                app.awaitLine("RETRANSFORMED"), app.describe());
        assertBothChildrenIsolated(app);
        assertEquals(List.of(), app.stderr().all());
    }

    /**
     * ProcessImpl loaded after the agent's premain but before any ProcessBuilder (by an agent listed
     * after it; on JDK 25 System.getenv does it) installs nothing; it is rewritten by a redefinition
     * when ProcessBuilder loads, which another agent's retransformation keeps.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void anotherAgentsRetransformationKeepsTheRedefinitionOfAProcessImplLoadedFirst(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Path early = manifestOnlyAgent(tmp.resolve("early-agent.jar"), EarlyProcessClassesAgent.class);
        Path retransforming = manifestOnlyAgent(tmp.resolve("retransforming-agent.jar"), RetransformingAgent.class);
        AppJvm app = app(jdk, RetransformApp.class).agent("log=debug")
                .jvmOption("-javaagent:" + early).jvmOption("-javaagent:" + retransforming).start();
        assertEquals(0, app.awaitExit(), app.describe());
        // The other agent sees the agent's redefinition of ProcessImpl too, before its own retransformation.
        String retransformed = app.awaitLine("RETRANSFORMED");
        assertTrue(retransformed.endsWith(" java/lang/ProcessBuilder bridge=true java/lang/ProcessImpl bridge=true")
                && !retransformed.contains("bridge=false"), retransformed + app.describe());
        assertBothChildrenIsolated(app);
        List<String> err = app.stderr().all();
        assertEquals(1, err.stream().filter(l -> l.equals("process-hygiene: java.lang.ProcessImpl was loaded before"
                + " ProcessBuilder: rewritten by a redefinition")).count(), "rewritten once, by a redefinition: " + err);
        assertEquals(List.of(), err.stream().filter(l -> !l.startsWith("process-hygiene: ") || l.contains("cannot")).toList(), err.toString());
    }

    /**
     * ProcessImpl loaded after the agent's premain but before any ProcessBuilder, rewritten when
     * ProcessBuilder loads: destroy() ends the whole group.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void processImplLoadedBeforeProcessBuilderIsRewrittenByARedefinition(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Path early = manifestOnlyAgent(tmp.resolve("early-agent.jar"), EarlyProcessClassesAgent.class);
        destroyEndsTheTree(app(jdk, DestroyApp.class).jvmOption("-javaagent:" + early),
                "process-hygiene: java.lang.ProcessImpl was loaded before ProcessBuilder: rewritten by a redefinition");
    }

    /**
     * A JVM that loads many classes without a ProcessBuilder (a framework starting up) has the agent
     * installed ahead, on a thread of its own, so that its transformer goes; its first child is
     * isolated all the same.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void manyClassesWithoutProcessBuilderHaveTheAgentInstalledAhead(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, LazyApp.class).agent("log=debug").args("classes", "1500").start();
        assertEquals("LOADED 1500", app.awaitLine("LOADED "), app.describe());
        app.awaitLine("READY"); // no ProcessBuilder made, nothing started
        app.stderr().await(l -> l.equals("process-hygiene: instrumented java.lang.ProcessImpl")
                        || l.equals("process-hygiene: java.lang.ProcessImpl was loaded before ProcessBuilder: rewritten by a redefinition"),
                "ProcessBuilder and ProcessImpl rewritten ahead of any use", Duration.ofSeconds(10));
        assertEquals(1, app.stderr().all().stream().filter(l -> l.startsWith("process-hygiene: installed")).count(),
                app.describe());
        Proc.Stat s = startedChild(app);
        assertEquals(s.pid, s.pgrp, "the first child leads its own group: " + s + app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /**
     * The agent rewrites ProcessImpl as soon as ProcessBuilder is initialized, before any start
     * (so that its transformer goes before the JDK's own classes of the first start load), and the
     * first start is still isolated.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void processImplIsRewrittenOnceProcessBuilderIsInitialized(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, LazyApp.class).agent("log=debug").args("builder").start();
        app.awaitLine("READY"); // a ProcessBuilder made, nothing started
        app.stderr().await(l -> l.equals("process-hygiene: instrumented java.lang.ProcessImpl"),
                "ProcessImpl rewritten before any start", Duration.ofSeconds(10));
        Proc.Stat s = startedChild(app);
        assertEquals(s.pid, s.pgrp, "the first child leads its own group: " + s + app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /**
     * ProcessImpl loaded (and initialized) before the agent's premain, by another agent's: the
     * agent rewrites it all the same, and destroy() ends the whole group.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void processImplLoadedBeforeTheAgentIsRewrittenAllTheSame(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        destroyEndsTheTree(afterEarlyAgent(app(jdk, DestroyApp.class), tmp, ""),
                "process-hygiene: java.lang.ProcessImpl was loaded before the agent: rewritten by a retransformation");
    }

    /**
     * ProcessBuilder loaded before the agent's premain (another agent's made one): the agent cannot
     * rewrite it, so it leaves ProcessImpl as it is too (its rewrite would call a bridge that is
     * never defined), says so in one line, and the application's children start as without it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void processBuilderLoadedBeforeTheAgentLeavesChildrenAsTheJdkStartsThem(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        AppJvm app = afterEarlyAgent(app(jdk, LazyApp.class), tmp, "=ProcessBuilder").args("untouched").start();
        app.awaitLine("READY");
        Proc.Stat s = startedChild(app);
        assertNotEquals(s.pid, s.pgrp, "the child is in the JVM's group, as without the agent: " + s + app.describe());
        app.stderr().await(l -> l.equals("process-hygiene: java.lang.ProcessBuilder was loaded before the agent (by another"
                        + " -javaagent's premain?): children are not isolated; put process-hygiene's -javaagent first"),
                "the line that says so", Duration.ofSeconds(10));
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /**
     * The same at pid 1, where the agent installs in premain, its transformer registered, and its
     * reaper's thread initializes ProcessBuilder at once: the reaper says that it cannot reap (no
     * bridge); the transformer learns that ProcessBuilder was loaded before it when ProcessImpl
     * loads first, at the application's first start (not in premain), says so there, and leaves
     * ProcessImpl as it is: the child starts, and the JVM exits, as without the agent. Each line once.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void processBuilderLoadedBeforeTheAgentAtPidOneIsSaidAtTheFirstStart(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        AppJvm app = afterEarlyAgent(app(jdk, LazyApp.class), tmp, "=ProcessBuilder").args("untouched")
                .launch(AppJvm.Launch.PID_NAMESPACE).start();
        app.awaitLine("READY");
        String noReaping = "process-hygiene: the JVM is pid 1, but java.lang.ProcessBuilder was loaded before the agent:"
                + " orphans are not reaped";
        String notIsolated = "process-hygiene: java.lang.ProcessBuilder was loaded before the agent (by another -javaagent's"
                + " premain?): children are not isolated; put process-hygiene's -javaagent first";
        app.stderr().await(l -> l.equals(noReaping), "the reaper's line", Duration.ofSeconds(10));
        assertFalse(app.stderr().all().contains(notIsolated), "not said before the first start" + app.describe());
        app.send("start");
        app.awaitLine("STARTED");
        app.stderr().await(l -> l.equals(notIsolated), "the line that says so", Duration.ofSeconds(10));
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> err = app.stderr().all();
        assertEquals(List.of(noReaping, notIsolated), err.stream().filter(l -> l.startsWith("process-hygiene: ")).toList(),
                "each said once, and nothing else" + app.describe());
    }

    /**
     * APP with EarlyProcessClassesAgent (given ARGS: "" or "=NAME") in JAVA_TOOL_OPTIONS, whose
     * agents the JVM starts before those of its command line: its premain runs before this agent's.
     */
    private static AppJvm.Builder afterEarlyAgent(AppJvm.Builder app, Path tmp, String args) throws IOException {
        Path jar = manifestOnlyAgent(tmp.resolve("early-agent.jar"), EarlyProcessClassesAgent.class);
        return app.env("JAVA_TOOL_OPTIONS", "-javaagent:" + jar + args);
    }

    /** RetransformApp's two children, started before and after the other agent's retransformation, each lead their own group. */
    private static void assertBothChildrenIsolated(AppJvm app) {
        for (String when : List.of("before", "after")) {
            long[] f = AppJvm.numbers(app.awaitLine("START " + when).replace("START " + when, "START"));
            assertEquals(f[0], f[1], when + ": the child leads its own group; " + app.describe());
            assertNotEquals(f[2], f[1], when + ": not the JVM's group; " + app.describe());
        }
    }

    /**
     * DestroyApp (destroy, tree) as APP makes it, with grace=2s: the whole tree is gone within 1 s
     * of destroy() (SIGTERM to the group), and the agent said LINE (log=debug) of how it rewrote
     * ProcessImpl.
     */
    private static void destroyEndsTheTree(AppJvm.Builder app, String line) {
        AppJvm jvm = app.agent("grace=2s,log=debug").args("destroy", "tree").start();
        Tree tree = Tree.parse(jvm.awaitLine("MEMBERS "));
        jvm.awaitLine("DESTROYED");
        tree.assertGoneWithin(Duration.ofSeconds(1), "after destroy()");
        assertEquals("EXIT 143", jvm.awaitLine("EXIT "), jvm.describe());
        jvm.awaitLine("DONE");
        jvm.stderr().await(l -> l.equals(line), "the rewrite of ProcessImpl", Duration.ofSeconds(10));
        jvm.send("exit");
        assertEquals(0, jvm.awaitExit(), jvm.describe());
    }

    /** LazyApp's child, once it has said it started it (recorded for the clean-up): its stat, read then. */
    private Proc.Stat startedChild(AppJvm app) {
        app.send("start");
        long child = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        cleanup.recordPid(child);
        app.awaitLine("STARTED");
        Proc.Stat s = Proc.stat(child);
        assertNotNull(s, "the child " + child + " runs (a sleep 300)" + app.describe());
        return s;
    }

    /** A jar with only a manifest naming AGENT (which the apps' class path holds) as its premain class. */
    private static Path manifestOnlyAgent(Path jar, Class<?> agent) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Premain-Class", agent.getName());
        m.getMainAttributes().putValue("Can-Retransform-Classes", "true");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return jar;
    }
}
