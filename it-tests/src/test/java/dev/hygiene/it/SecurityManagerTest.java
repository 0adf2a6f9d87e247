package dev.hygiene.it;

import dev.hygiene.it.apps.SecurityManagerApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9: the agent under a SecurityManager (JDK 17; JDK 24 and later have none). The application
 * may execute /bin/sh and nothing else. The agent's own work (/proc, its helper, the watchdog,
 * threads, the shutdown hook) must not be limited by that, and what the application itself asks
 * (a program it may not execute, a file it may not write) must be refused exactly as without the
 * agent. Everything about the children is read from /proc by this test.
 */
class SecurityManagerTest extends AppJvmTest {

    @TempDir
    Path tmp;

    /**
     * As the JDK's own ProcessBuilder/Basic.java does it: the application installs a Policy and a
     * SecurityManager at run time, after its first child (so the agent's threads and shutdown hook
     * were made before); the policy grants the agent's jar nothing.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#withSecurityManager")
    void installedAtRunTimeWithAPolicyThatGrantsTheAgentNothing(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, SecurityManagerApp.class).agent("grace=2s").args("runtime", deniedFile()).start();
        List<String> denied = exercise(app, true);
        assertAgentSilent(app);

        AppJvm plain = app(jdk, SecurityManagerApp.class).noAgent().args("runtime", deniedFile()).start();
        assertEquals(exercise(plain, false), denied, "refused as without the agent" + app.describe());
    }

    /**
     * {@code -Djava.security.manager} with a policy file that grants the application's classes
     * execute of /bin/sh only, and the agent's jar AllPermission (which premain needs, as the
     * README says: it runs under the policy already).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#withSecurityManager")
    void fromTheCommandLineWithThePolicyGrantingTheAgentJar(Jdks.Jdk jdk) throws IOException {
        Path policy = policy(true);
        AppJvm app = app(jdk, SecurityManagerApp.class).agent("grace=2s")
                .jvmOption("-Djava.security.manager").jvmOption("-Djava.security.policy=" + policy)
                .args("command-line", deniedFile()).start();
        List<String> denied = exercise(app, true);
        assertAgentSilent(app);

        AppJvm plain = app(jdk, SecurityManagerApp.class).noAgent()
                .jvmOption("-Djava.security.manager").jvmOption("-Djava.security.policy=" + policy)
                .args("command-line", deniedFile()).start();
        assertEquals(exercise(plain, false), denied, "refused as without the agent" + app.describe());
    }

    /**
     * The same without the grant: premain cannot even make its class loader. The application runs
     * as without the agent, and one stderr line says what to grant.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#withSecurityManager")
    void fromTheCommandLineWithoutTheGrantTheAgentStepsAsideInOneLine(Jdks.Jdk jdk) throws IOException {
        AppJvm app = app(jdk, SecurityManagerApp.class).agent("grace=2s")
                .jvmOption("-Djava.security.manager").jvmOption("-Djava.security.policy=" + policy(false))
                .args("command-line", deniedFile()).start();
        List<String> denied = exercise(app, false);
        List<String> said = agentLines(app);
        assertEquals(1, said.size(), app.describe());
        assertTrue(said.get(0).startsWith("process-hygiene: disabled, the application runs without it: "), said.get(0));
        assertTrue(said.get(0).contains("grant codeBase \"file:" + AppJvm.agentJar() + "\" { permission java.security.AllPermission; };"),
                said.get(0));
        assertTrue(denied.get(0).startsWith("DENIED_EXEC java.security.AccessControlException: access denied"), denied.toString());
    }

    /**
     * Runs the app's script: a tree destroyed, two refused starts, a tree left for the shutdown.
     * With ISOLATED, checks each child leads its own group and each tree is gone in time. Returns
     * the two refusals.
     */
    private List<String> exercise(AppJvm app, boolean isolated) {
        long jvmGroup = app.pid(); // setsid: the JVM leads its group
        long first = Long.parseLong(app.awaitLine("GROUP ").split(" ")[1]);
        Tree tree = awaitTree(first);
        assertIsolation(first, jvmGroup, isolated, app);
        app.send("destroy");
        assertEquals("EXIT 143", app.awaitLine("EXIT "), app.describe());
        if (isolated) tree.assertGoneWithin(Duration.ofSeconds(1), "after destroy()");

        List<String> denied = List.of(app.awaitLine("DENIED_EXEC "), app.awaitLine("DENIED_REDIRECT "));
        for (String d : denied) assertTrue(d.contains("AccessControlException: access denied"), d + app.describe());

        long second = Long.parseLong(app.awaitLines("GROUP ", 2, Duration.ofSeconds(30)).get(1).split(" ")[1]);
        Tree left = awaitTree(second);
        assertIsolation(second, jvmGroup, isolated, app);
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        // grace=2s: SIGTERM ends the sleeps at once; the JVM exits only after its hook is done.
        if (isolated) left.assertGoneWithin(Duration.ofSeconds(1), "after the app returned from main");
        assertFalse(Files.exists(Path.of(deniedFile())), "the refused redirect created its file");
        return denied;
    }

    private static void assertIsolation(long child, long jvmGroup, boolean isolated, AppJvm app) {
        // start() returns once the child runs in its own group: one read suffices.
        Proc.Stat s = Proc.stat(child);
        assertTrue(s != null && s.alive(), "child " + child + " runs" + app.describe());
        if (isolated) {
            assertEquals(child, s.pgrp, "the child leads its own group: " + s + app.describe());
            assertNotEquals(jvmGroup, s.pgrp, app.describe());
        } else {
            assertEquals(jvmGroup, s.pgrp, "without the agent the child stays in the JVM's group: " + s + app.describe());
        }
    }

    /** Waits for LEADER (sh) and its two sleeps, read from /proc. */
    private static Tree awaitTree(long leader) {
        String[] line = {null};
        Poll.assertWithin(Duration.ofSeconds(30), () -> {
            List<Proc.Stat> all = Proc.all();
            List<Proc.Stat> tree = all.stream().filter(s -> s.pid == leader && s.alive()).collect(Collectors.toList());
            for (int i = 0; i < tree.size(); i++) {
                long parent = tree.get(i).pid;
                all.stream().filter(s -> s.ppid == parent && s.alive()).forEach(tree::add);
            }
            line[0] = "MEMBERS " + leader + " " + tree.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" "));
            return tree.size() >= 3;
        }, () -> "the tree of " + leader + ": " + line[0]);
        return Tree.parse(line[0]);
    }

    private static void assertAgentSilent(AppJvm app) {
        assertEquals(List.of(), agentLines(app), app.describe());
        assertTrue(app.stderr().all().stream().noneMatch(l -> l.contains("Exception")), app.describe());
    }

    private static List<String> agentLines(AppJvm app) {
        return app.stderr().all().stream().filter(l -> l.contains("process-hygiene")).collect(Collectors.toList());
    }

    private String deniedFile() {
        return tmp.resolve("denied-output").toString();
    }

    /** Execute /bin/sh for the app's classes; AllPermission for the agent's jar if GRANT_AGENT. */
    private Path policy(boolean grantAgent) throws IOException {
        String text = "grant codeBase \"file:" + Path.of(AppJvm.appClasses()).toAbsolutePath() + "/-\" {\n"
                + "  permission java.io.FilePermission \"/bin/sh\", \"execute\";\n};\n"
                + (grantAgent ? "grant codeBase \"file:" + AppJvm.agentJar() + "\" {\n"
                + "  permission java.security.AllPermission;\n};\n" : "");
        Path file = tmp.resolve(grantAgent ? "app-and-agent.policy" : "app-only.policy");
        Files.writeString(file, text);
        return file;
    }
}
