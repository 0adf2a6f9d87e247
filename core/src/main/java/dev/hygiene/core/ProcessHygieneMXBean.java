package dev.hygiene.core;

import java.util.List;
import java.util.Map;

/**
 * The agent seen from JMX, as {@code dev.hygiene:type=ProcessHygiene} on the platform MBean server
 * (jconsole, VisualVM, any JMX client; {@code java -jar process-hygiene-agent.jar status PID}).
 * Registered once a platform MBean server exists (the agent does not create one: see Monitoring).
 */
public interface ProcessHygieneMXBean {

    /** Groups (and trees) the agent tracks now. */
    int getLiveGroups();

    /** Every child the application started, isolated or not. */
    long getProcessesStarted();

    long getProcessesIsolated();

    /** Started without a group of their own (tracked as trees), all reasons together. */
    long getProcessesNotIsolated();

    /**
     * Reason (terminal, setsid, no-helper, jdk-cannot-start, helper-failed, setpgid-failed: see
     * NotIsolated) to count; reasons that never occurred are absent.
     */
    Map<String, Long> getNotIsolatedReasons();

    /** Left alone entirely (keep, HYGIENE_KEEP=1). */
    long getProcessesKept();

    /** Children that were running before the agent was attached, and are now tracked. */
    long getProcessesAdopted();

    /** Groups the agent terminated that were gone within the grace period. */
    long getGroupsTerminatedBySigterm();

    /** Groups the agent terminated that needed SIGKILL. */
    long getGroupsTerminatedBySigkill();

    /** Members found outside their group (setsid, daemons) by their marker, and terminated. */
    long getEscapeesCaught();

    /**
     * The live groups: pid, command, age, isolated, containment, the application frame that
     * started each, and how each is stopped (its rule, stop signal, mode and grace).
     */
    List<GroupInfo> getGroups();

    /** Gives every live group the escalation now (as at shutdown); returns how many. */
    int terminateAll();

    /** One live group, as the MBean shows it. */
    final class GroupInfo {
        private final long pid;
        private final String command;
        private final long ageMillis;
        private final boolean isolated;
        private final String containment;
        private final String startedAt;
        private final String rule;
        private final String stopSignal;
        private final String stopMode;
        private final long graceMillis;

        public GroupInfo(long pid, String command, long ageMillis, boolean isolated, String containment, String startedAt,
                         String rule, String stopSignal, String stopMode, long graceMillis) {
            this.pid = pid;
            this.command = command;
            this.ageMillis = ageMillis;
            this.isolated = isolated;
            this.containment = containment;
            this.startedAt = startedAt;
            this.rule = rule;
            this.stopSignal = stopSignal;
            this.stopMode = stopMode;
            this.graceMillis = graceMillis;
        }

        public long getPid() { return pid; }

        public String getCommand() { return command; }

        public long getAgeMillis() { return ageMillis; }

        public boolean isIsolated() { return isolated; }

        /** cgroup, group (its process group and the environment marker) or tree (its descendants). */
        public String getContainment() { return containment; }

        public String getStartedAt() { return startedAt; }

        /** The name of the rule of the configuration that applies to it; "" for the defaults. */
        public String getRule() { return rule; }

        /** Its first signal: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 or SIGUSR2. */
        public String getStopSignal() { return stopSignal; }

        /** group (the stop signal to the whole group) or leader-first. */
        public String getStopMode() { return stopMode; }

        /** The time between its stop signal and SIGKILL. */
        public long getGraceMillis() { return graceMillis; }
    }
}
