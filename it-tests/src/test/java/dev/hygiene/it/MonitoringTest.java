package dev.hygiene.it;

import dev.hygiene.it.apps.MonitoringApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4: the MBean dev.hygiene:type=ProcessHygiene shows the live groups and counts what the
 * agent did (read inside the JVM, and by {@code status PID} from outside); terminateAll() works;
 * the JFR events dev.hygiene.Isolation and dev.hygiene.GroupTermination are in a recording next
 * to the JDK's jdk.ProcessStart (read back with RecordingFile).
 */
class MonitoringTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theMBeanAndTheFlightRecorderShowWhatTheAgentDoes(Jdks.Jdk jdk, @TempDir Path tmp) throws Exception {
        AppJvm app = app(jdk, MonitoringApp.class).agent("grace=1s").args(tmp.resolve("rec.jfr").toString()).start();
        long jvm = AppJvm.numbers(app.awaitLine("JVM "))[0];
        long[] started = AppJvm.numbers(app.awaitLine("STARTED "));
        assertEquals("REGISTERED true", app.awaitLine("REGISTERED "), app.describe());
        List<String> before = values(app, 1);
        assertTrue(before.contains("MBEAN ProcessesStarted 3"), before.toString());
        assertTrue(before.contains("MBEAN ProcessesIsolated 3"), before.toString());
        assertTrue(before.contains("MBEAN ProcessesNotIsolated 0"), before.toString());
        String containment = Cgroups.expectedContainment();
        assertTrue(before.stream().anyMatch(l -> l.startsWith("GROUP " + started[0] + " isolated=true containment=" + containment + " ")),
                before.toString());
        assertTrue(before.stream().anyMatch(l -> l.startsWith("GROUP " + started[1] + " isolated=true containment=" + containment + " ")),
                before.toString());

        String[] status = AttachTest.cli(jdk, "status", Long.toString(jvm));
        assertEquals("0", status[0], String.join(" | ", status));
        assertTrue(status[1].matches("(?s).*\\b" + started[0] + "\\s+\\S+\\s+" + containment + "\\s+sh -c sleep 300 & wait.*"), status[1]);
        assertTrue(status[1].contains("started 3, isolated 3"), status[1]);

        app.send("terminate");
        assertEquals("TERMINATE_ALL", app.awaitLine("TERMINATE_ALL ").split(" ")[0]);
        List<String> after = values(app, 2);
        // a honours SIGTERM; b ignores it and needs SIGKILL after the grace period.
        assertTrue(after.contains("MBEAN GroupsTerminatedBySigterm 1"), after.toString());
        assertTrue(after.contains("MBEAN GroupsTerminatedBySigkill 1"), after.toString());
        assertTrue(after.stream().noneMatch(l -> l.startsWith("GROUP " + started[0]) || l.startsWith("GROUP " + started[1])),
                after.toString());

        app.awaitLine("DONE", Duration.ofSeconds(30));
        List<String> jfr = new ArrayList<>();
        for (String l : app.stdout().all()) if (l.startsWith("JFR ")) jfr.add(l);
        for (long pid : started) {
            assertTrue(jfr.contains("JFR jdk.ProcessStart pid=" + pid), "the JDK's own event: " + jfr);
            assertTrue(jfr.stream().anyMatch(l -> l.startsWith("JFR dev.hygiene.Isolation pid=" + pid + " isolated=true containment="
                    + containment + " ")), jfr.toString());
        }
        String terminated = jfr.stream().filter(l -> l.startsWith("JFR dev.hygiene.GroupTermination pid=" + started[0])).findFirst()
                .orElseThrow(() -> new AssertionError("no termination event for the group honouring SIGTERM: " + jfr));
        assertTrue(terminated.contains(" outcome=SIGTERM reason=terminate-all "), terminated);
        // With a cgroup, counted at the first signal: sh and its sleep, with their resident memory
        // (without one, only where the group is reported as a leak: it would take a scan of /proc).
        for (String event : List.of(terminated, jfr.stream().filter(l -> l.startsWith("JFR dev.hygiene.GroupTermination pid="
                + started[1])).findFirst().orElse(""))) {
            if (!containment.equals("cgroup")) {
                assertTrue(event.contains(" containment=" + containment + " members=-1 "), "not counted: " + event);
                continue;
            }
            assertTrue(event.contains(" containment=" + containment + " members=2 "), "two members at the first signal: " + event);
            long rss = Long.parseLong(event.replaceAll(".* rss=(\\d+) .*", "$1"));
            assertTrue(rss > 100_000 && rss < 100_000_000, "their summed VmRSS, some hundred kB to some MB: " + event);
        }
        String killed = jfr.stream().filter(l -> l.startsWith("JFR dev.hygiene.GroupTermination pid=" + started[1])).findFirst()
                .orElseThrow(() -> new AssertionError("no termination event for the group ignoring SIGTERM: " + jfr));
        assertTrue(killed.contains("outcome=SIGKILL"), killed);
        long ms = Long.parseLong(killed.substring(killed.indexOf("durationMs=") + 11));
        assertTrue(ms >= 950 && ms < 2500, "SIGKILL after the 1 s grace: " + killed);
        assertEquals(0, app.awaitExit(), app.describe());
    }

    /** The Nth block of MBEAN/GROUP lines the app printed (1-based), once it is complete. */
    private static List<String> values(AppJvm app, int n) {
        app.awaitLines("VALUES_END", n, Duration.ofSeconds(30));
        List<String> all = app.stdout().all();
        int end = -1;
        for (int i = 0, seen = 0; i < all.size(); i++) {
            if (all.get(i).equals("VALUES_END") && ++seen == n) end = i;
        }
        int from = end - 1;
        while (from >= 0 && (all.get(from).startsWith("MBEAN ") || all.get(from).startsWith("GROUP "))) from--;
        return new ArrayList<>(all.subList(from + 1, end));
    }
}
