package dev.hygiene.it;

import dev.hygiene.it.apps.AttachApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4: {@code java -jar process-hygiene-agent.jar attach PID} loads the agent into a running
 * JVM. Children started before are adopted (terminated with their trees at shutdown), children
 * started after lead their own groups; {@code status PID} lists them; a second attach says the
 * agent is there already.
 */
class AttachTest extends AppJvmTest {

    /** Runs the command line tool with JDK; returns {exit code, stdout, stderr}. */
    static String[] cli(Jdks.Jdk jdk, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(jdk.java.toString(), "-jar", AppJvm.agentJar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the tool finished: " + cmd);
        return new String[] {Integer.toString(p.exitValue()), out, new String(err, StandardCharsets.UTF_8)};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void attachAdoptsRunningChildrenAndIsolatesNewOnes(Jdks.Jdk jdk) throws Exception {
        AppJvm app = app(jdk, AttachApp.class).noAgent().start();
        long jvm = AppJvm.numbers(app.awaitLine("JVM "))[0];
        long jvmGroup = AppJvm.numbers(app.awaitLine("JVM "))[1];
        long before = AppJvm.numbers(app.awaitLine("BEFORE "))[0];
        Poll.assertWithin(Duration.ofSeconds(5), () -> Proc.liveInGroup(jvmGroup).size() >= 4,
                () -> "the first tree runs in the JVM's group: " + Proc.liveInGroup(jvmGroup));
        List<Proc.Stat> beforeTree = descendantsAndSelf(before);
        assertEquals(3, beforeTree.size(), "sh and two sleeps: " + beforeTree);

        String[] attach = cli(jdk, "attach", Long.toString(jvm), "grace=1s");
        assertEquals("0", attach[0], "attach: " + String.join(" | ", attach));
        assertTrue(attach[1].contains("process-hygiene: attached to " + jvm), attach[1]);
        if (jdk.feature >= 21) {
            assertTrue(attach[1].contains("-XX:+EnableDynamicAgentLoading"), "the tool explains the JDK's warning: " + attach[1]);
            Poll.assertWithin(Duration.ofSeconds(5),
                    () -> app.stderr().all().stream().anyMatch(l -> l.contains("agent has been loaded dynamically")),
                    () -> "the JDK warns about the dynamic load on " + jdk + ": " + app.stderr());
        }

        String[] again = cli(jdk, "attach", Long.toString(jvm));
        assertEquals("3", again[0], "a second attach is refused: " + String.join(" | ", again));
        assertTrue(again[2].contains("already present"), again[2]);

        app.send("go");
        long[] after = AppJvm.numbers(app.awaitLine("AFTER "));
        assertEquals(after[0], after[1], "a child started after the attach leads its own group, at once");

        String[] status = cli(jdk, "status", Long.toString(jvm));
        assertEquals("0", status[0], "status: " + String.join(" | ", status));
        assertTrue(status[1].contains("2 live groups"), status[1]);
        assertTrue(status[1].contains("adopted 1"), status[1]);
        assertTrue(status[1].matches("(?s).*\\b" + before + "\\s+\\S+\\s+tree\\s+.*"), "the adopted tree is listed: " + status[1]);
        assertTrue(status[1].matches("(?s).*\\b" + after[0] + "\\s+\\S+\\s+" + Cgroups.expectedContainment() + "\\s+.*"),
                "the new group is listed, with its containment: " + status[1]);

        // sh forks its two sleeps after start() returned: wait for them.
        Poll.assertWithin(Duration.ofSeconds(5), () -> Proc.liveInGroup(after[0]).size() == 3,
                () -> "the new group has sh and two sleeps: " + Proc.liveInGroup(after[0]));
        List<Proc.Stat> afterGroup = Proc.liveInGroup(after[0]);
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        Poll.assertWithin(Duration.ofSeconds(3), () -> allGone(beforeTree) && allGone(afterGroup),
                () -> "the adopted tree and the new group are terminated at shutdown: " + beforeTree + " " + afterGroup);
    }

    /**
     * A JVM that got the agent with -javaagent and no JMX of its own: the agent creates no MBean
     * server; status starts the JVM's JMX agent, and the MBean appears there within a second.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void statusOfAJvmStartedWithTheAgent(Jdks.Jdk jdk) throws Exception {
        AppJvm app = app(jdk, AttachApp.class).agent("").start();
        long jvm = AppJvm.numbers(app.awaitLine("JVM "))[0];
        long before = AppJvm.numbers(app.awaitLine("BEFORE "))[0];
        String[] status = cli(jdk, "status", Long.toString(jvm));
        assertEquals("0", status[0], "status: " + String.join(" | ", status));
        assertTrue(status[1].contains("1 live group"), status[1]);
        assertTrue(status[1].matches("(?s).*\\b" + before + "\\s+\\S+\\s+" + Cgroups.expectedContainment() + "\\s+sh -c sleep 300.*"),
                status[1]);
        String[] attach = cli(jdk, "attach", Long.toString(jvm));
        assertEquals("3", attach[0], "the agent is there already: " + String.join(" | ", attach));
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    @Test
    void theToolExplainsItselfAndRefusesWhatItCannotDo() throws Exception {
        Jdks.Jdk jdk = Jdks.all().findFirst().orElseThrow();
        String[] usage = cli(jdk);
        assertEquals("0", usage[0]);
        assertTrue(usage[1].contains("attach PID") && usage[1].contains("status PID"), usage[1]);
        assertEquals("2", cli(jdk, "bogus")[0]);
        assertEquals("2", cli(jdk, "attach", "not-a-pid")[0]);

        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String[] noSuch = cli(jdk, "attach", Long.toString(gone.pid()));
        assertEquals("1", noSuch[0]);
        assertTrue(noSuch[2].contains("no process " + gone.pid()), noSuch[2]);

        // A process that is not a JVM: refused, and left alone.
        Process sleep = new ProcessBuilder("sleep", "30").start();
        cleanup.recordPid(sleep.pid());
        String[] notJvm = cli(jdk, "attach", Long.toString(sleep.pid()));
        assertEquals("1", notJvm[0], String.join(" | ", notJvm));
        assertTrue(notJvm[2].contains("cannot attach to " + sleep.pid()), notJvm[2]);
        assertTrue(sleep.isAlive());
        sleep.destroyForcibly();
    }

    private static List<Proc.Stat> descendantsAndSelf(long pid) {
        List<Proc.Stat> out = new ArrayList<>();
        Proc.Stat root = Proc.stat(pid);
        if (root != null) out.add(root);
        for (int i = 0; i < out.size(); i++) {
            long parent = out.get(i).pid;
            for (Proc.Stat s : Proc.all()) if (s.ppid == parent && s.alive()) out.add(s);
        }
        return out;
    }

    private static boolean allGone(List<Proc.Stat> members) {
        for (Proc.Stat s : members) if (Proc.alive(s.pid, s.startTime)) return false;
        return true;
    }
}
