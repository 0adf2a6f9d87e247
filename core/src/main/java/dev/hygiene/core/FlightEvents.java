package dev.hygiene.core;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR events, next to the JDK's own {@code jdk.ProcessStart} in a recording:
 * {@code dev.hygiene.Isolation} for each child the agent starts, {@code dev.hygiene.GroupTermination}
 * for each group it terminates. Nothing is loaded or emitted while the JVM has no flight recorder.
 */
final class FlightEvents {

    private FlightEvents() {}

    /** True if a flight recorder exists in this JVM (checked without creating one). */
    static boolean active() {
        try {
            return FlightRecorder.isInitialized();
        } catch (Throwable t) { // jdk.jfr not in this runtime
            return false;
        }
    }

    /** True if a recording wants dev.hygiene.GroupTermination events now. */
    static boolean terminationEnabled() {
        return active() && new GroupTermination().isEnabled();
    }

    /** @param reason why it has no group of its own; null if it has one */
    static void isolation(long pid, String command, NotIsolated reason, Containment containment) {
        if (!active()) return;
        Isolation e = new Isolation();
        if (!e.isEnabled()) return;
        e.pid = pid;
        e.command = command;
        e.isolated = reason == null;
        e.reason = reason == null ? "" : reason.label;
        e.containment = containment.label();
        e.commit();
    }

    /** @param stopSignal the first signal's name without SIG (TERM unless stop-signal names another) */
    static void termination(ProcessGroup g, Ending reason, String stopSignal, Escalation.Result r) {
        if (!active()) return;
        GroupTermination e = new GroupTermination();
        if (!e.isEnabled()) return;
        e.pid = g.pid;
        e.command = g.command;
        e.reason = reason == null ? "" : reason.label;
        e.outcome = r.survived ? "survived SIGKILL" : r.neededKill ? "SIGKILL" : "SIG" + stopSignal;
        e.escapees = r.escapees;
        e.containment = g.containment.label();
        e.members = r.members;
        e.rss = r.rssBytes;
        e.took = r.nanos;
        e.startedAt = g.origin == null ? "" : g.origin;
        e.commit();
    }

    @Name("dev.hygiene.Isolation")
    @Label("Process Isolation")
    @Category({"process-hygiene"})
    @Description("A child started by the application, and whether it leads a process group of its own")
    static final class Isolation extends Event {
        @Label("Process Id")
        long pid;
        @Label("Command")
        String command;
        @Label("Isolated")
        boolean isolated;
        @Label("Why Not Isolated")
        String reason;
        @Label("Containment")
        @Description("cgroup, group (its process group and the environment marker) or tree (its descendants)")
        String containment;
    }

    @Name("dev.hygiene.GroupTermination")
    @Label("Process Group Termination")
    @Category({"process-hygiene"})
    @Description("A process group terminated by the agent: the stop signal (SIGTERM unless configured), and SIGKILL after the grace period if needed")
    static final class GroupTermination extends Event {
        @Label("Group Id")
        long pid;
        @Label("Command")
        String command;
        @Label("Reason")
        String reason;
        @Label("Outcome")
        String outcome;
        @Label("Escaped Members")
        int escapees;
        @Label("Containment")
        String containment;
        @Label("Members")
        @Description("Processes it held at the first signal; -1 if not counted (a group without a cgroup on destroy():"
                + " counting would read all of /proc)")
        int members;
        @Label("Resident Memory")
        @Description("The members' summed VmRSS at the first signal")
        @DataAmount
        long rss;
        @Label("Took")
        @Timespan
        long took;
        @Label("Started At")
        String startedAt;
    }
}
