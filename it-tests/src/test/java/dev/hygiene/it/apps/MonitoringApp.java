package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads the agent's MBean from inside the JVM and records its JFR events. Starts a JFR recording,
 * two trees and one child that exits at once, then prints the MBean's values ({@code MBEAN ...},
 * {@code GROUP ...}); on "terminate" from stdin calls terminateAll() and prints the values again;
 * then dumps the recording to the file given as argument and prints each hygiene event
 * ({@code JFR ...}) and the JDK's own process starts ({@code JFR jdk.ProcessStart ...}).
 */
public final class MonitoringApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        Recording recording = new Recording();
        recording.enable("dev.hygiene.Isolation");
        recording.enable("dev.hygiene.GroupTermination");
        recording.enable("jdk.ProcessStart");
        recording.start();

        Process a = new ProcessBuilder("sh", "-c", "sleep 300 & wait").start();
        Process b = new ProcessBuilder("sh", "-c", "trap '' TERM; sleep 300 & wait").start();
        Process quick = new ProcessBuilder("true").start();
        quick.waitFor();
        Report.line("STARTED " + a.pid() + " " + b.pid() + " " + quick.pid());

        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.hygiene:type=ProcessHygiene");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!mbs.isRegistered(name) && System.nanoTime() < deadline) Thread.sleep(20);
        Report.line("REGISTERED " + mbs.isRegistered(name));
        // The quick child's group empties; wait until the agent noticed (it is dropped or reaped).
        values(mbs, name);

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("terminate"); ) { }
        Report.line("TERMINATE_ALL " + mbs.invoke(name, "terminateAll", null, null));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((Integer) mbs.getAttribute(name, "LiveGroups") > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        a.waitFor(5, TimeUnit.SECONDS);
        b.waitFor(5, TimeUnit.SECONDS);
        values(mbs, name);

        recording.stop();
        Path file = Path.of(args[0]);
        recording.dump(file);
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.ProcessStart")) {
                Report.line("JFR jdk.ProcessStart pid=" + e.getLong("pid"));
            } else if (type.equals("dev.hygiene.Isolation")) {
                Report.line("JFR " + type + " pid=" + e.getLong("pid") + " isolated=" + e.getBoolean("isolated")
                        + " containment=" + e.getString("containment") + " command=" + e.getString("command"));
            } else if (type.equals("dev.hygiene.GroupTermination")) {
                Report.line("JFR " + type + " pid=" + e.getLong("pid") + " outcome=" + e.getString("outcome")
                        + " reason=" + e.getString("reason") + " containment=" + e.getString("containment") + " members="
                        + e.getInt("members") + " rss=" + e.getLong("rss") + " durationMs=" + e.getDuration("took").toMillis());
            }
        }
        Report.line("DONE");
    }

    private static void values(MBeanServer mbs, ObjectName n) throws Exception {
        for (String attribute : new String[] {"LiveGroups", "ProcessesStarted", "ProcessesIsolated",
                "ProcessesNotIsolated", "ProcessesKept", "GroupsTerminatedBySigterm", "GroupsTerminatedBySigkill",
                "EscapeesCaught"}) {
            Report.line("MBEAN " + attribute + " " + mbs.getAttribute(n, attribute));
        }
        for (CompositeData g : (CompositeData[]) mbs.getAttribute(n, "Groups")) {
            Report.line("GROUP " + g.get("pid") + " isolated=" + g.get("isolated") + " containment=" + g.get("containment")
                    + " age=" + g.get("ageMillis")
                    + " command=" + g.get("command"));
        }
        Report.line("VALUES_END");
    }
}
