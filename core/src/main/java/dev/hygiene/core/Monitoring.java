package dev.hygiene.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.InstanceAlreadyExistsException;
import javax.management.ObjectName;

/**
 * The {@link ProcessHygieneMXBean} of one {@link ProcessHygiene}, registered as
 * {@value #NAME} on the platform MBean server. Registration starts JMX in the JVM (tens of
 * milliseconds of CPU), so it happens on a background thread, {@value #DELAY_MS} ms after the first
 * process start: never on the application's path, and never in a short-lived JVM (a build tool
 * that runs git once) or one that starts no process.
 */
final class Monitoring implements ProcessHygieneMXBean {

    static final String NAME = "dev.hygiene:type=ProcessHygiene";
    static final long DELAY_MS = 1000;

    private final ProcessHygiene hygiene;
    private final Statistics stats;

    private Monitoring(ProcessHygiene hygiene) {
        this.hygiene = hygiene;
        this.stats = hygiene.statistics;
    }

    static void registerInBackground(ProcessHygiene hygiene, long delayMs) {
        Thread t = new Thread(new Registration(hygiene, delayMs), "process-hygiene-jmx");
        t.setDaemon(true);
        t.start();
    }

    private static final class Registration implements Runnable {
        private final ProcessHygiene hygiene;
        private final long delayMs;

        Registration(ProcessHygiene hygiene, long delayMs) {
            this.hygiene = hygiene;
            this.delayMs = delayMs;
        }

        @Override
        public void run() {
            try {
                if (delayMs > 0) Thread.sleep(delayMs);
                ManagementFactory.getPlatformMBeanServer().registerMBean(new Monitoring(hygiene), new ObjectName(NAME));
                Log.debug("registered " + NAME);
            } catch (InstanceAlreadyExistsException e) {
                Log.debug(NAME + " is registered already");
            } catch (Throwable t) {
                Log.warn("cannot register " + NAME + ": " + t);
            }
        }
    }

    @Override
    public int getLiveGroups() {
        return hygiene.liveGroups();
    }

    @Override
    public long getProcessesStarted() {
        return stats.started.sum();
    }

    @Override
    public long getProcessesIsolated() {
        return stats.isolated.sum();
    }

    @Override
    public long getProcessesNotIsolated() {
        return stats.notIsolatedTotal();
    }

    @Override
    public Map<String, Long> getNotIsolatedReasons() {
        return stats.notIsolatedByReason();
    }

    @Override
    public long getProcessesKept() {
        return stats.kept.sum();
    }

    @Override
    public long getProcessesAdopted() {
        return stats.adopted.sum();
    }

    @Override
    public long getGroupsTerminatedBySigterm() {
        return stats.terminatedBySigterm.sum();
    }

    @Override
    public long getGroupsTerminatedBySigkill() {
        return stats.terminatedBySigkill.sum();
    }

    @Override
    public long getEscapeesCaught() {
        return stats.escapeesCaught.sum();
    }

    @Override
    public List<GroupInfo> getGroups() {
        long now = System.nanoTime();
        List<GroupInfo> out = new ArrayList<>();
        for (ProcessGroup g : hygiene.groups()) {
            out.add(new GroupInfo(g.pid, g.command, (now - g.startedNanos) / 1_000_000, g.isolated,
                    g.origin == null ? "" : g.origin));
        }
        out.sort((a, b) -> Long.compare(a.getPid(), b.getPid()));
        return out;
    }

    @Override
    public int terminateAll() {
        return hygiene.terminateAll();
    }
}
