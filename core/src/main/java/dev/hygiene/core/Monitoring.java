package dev.hygiene.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * The {@link ProcessHygieneMXBean} of one {@link ProcessHygiene}, registered as {@value #NAME} on
 * the platform MBean server. Creating that server costs tens of milliseconds of CPU and several
 * megabytes of memory, so the agent does not create it: a background thread looks every
 * {@value #POLL_MS} ms (from the first process start on) whether someone did (a JMX client or the
 * JVM's management agent, jconsole, {@code status}, the application itself) and registers then.
 * After an attach it registers at once.
 */
final class Monitoring implements ProcessHygieneMXBean {

    static final String NAME = "dev.hygiene:type=ProcessHygiene";
    static final long POLL_MS = 1000;

    private final ProcessHygiene hygiene;
    private final Statistics stats;

    private Monitoring(ProcessHygiene hygiene) {
        this.hygiene = hygiene;
        this.stats = hygiene.statistics();
    }

    /**
     * Registers now (creating the platform MBean server if need be), or once one exists: on the
     * thread of {@link MBeanRegistration}, for as long as that takes.
     */
    static void register(ProcessHygiene hygiene, boolean now) {
        try {
            // The platform server is made through MBeanServerFactory, which lists it.
            while (!now && MBeanServerFactory.findMBeanServer(null).isEmpty()) Thread.sleep(POLL_MS);
            ManagementFactory.getPlatformMBeanServer().registerMBean(new Monitoring(hygiene), new ObjectName(NAME));
            Log.debug("registered " + NAME);
        } catch (InstanceAlreadyExistsException e) {
            Log.debug(NAME + " is registered already");
        } catch (InterruptedException e) {
            // nobody interrupts this daemon thread; give up quietly
        } catch (Throwable t) {
            Log.warn("cannot register " + NAME + ": " + t);
        }
    }

    @Override
    public int getLiveGroups() {
        return hygiene.liveGroups();
    }

    @Override
    public long getProcessesStarted() {
        return stats.started.get();
    }

    @Override
    public long getProcessesIsolated() {
        return stats.isolated.get();
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
        return stats.kept.get();
    }

    @Override
    public long getProcessesAdopted() {
        return stats.adopted.get();
    }

    @Override
    public long getGroupsTerminatedBySigterm() {
        return stats.terminatedBySigterm.get();
    }

    @Override
    public long getGroupsTerminatedBySigkill() {
        return stats.terminatedBySigkill.get();
    }

    @Override
    public long getEscapeesCaught() {
        return stats.escapeesCaught.get();
    }

    @Override
    public List<GroupInfo> getGroups() {
        long now = System.nanoTime();
        List<GroupInfo> out = new ArrayList<>();
        for (ProcessGroup g : hygiene.groups()) {
            StopPolicy p = g.policy;
            out.add(new GroupInfo(g.pid, g.command, (now - g.startedNanos) / 1_000_000, g.leadsGroup(),
                    g.containment.label(), g.origin == null ? "" : g.origin,
                    p.rule == null ? "" : p.rule, "SIG" + p.signal, p.mode(), p.grace.toMillis()));
        }
        out.sort((a, b) -> Long.compare(a.getPid(), b.getPid()));
        return out;
    }

    @Override
    public int terminateAll() {
        // A JMX client's call runs with the client's permissions under a SecurityManager.
        if (Privileged.POSSIBLE) return Privileged.run(new TerminateAll(hygiene));
        return hygiene.terminateAll();
    }

    private static final class TerminateAll implements java.security.PrivilegedAction<Integer> {
        private final ProcessHygiene hygiene;

        TerminateAll(ProcessHygiene hygiene) {
            this.hygiene = hygiene;
        }

        @Override
        public Integer run() {
            return hygiene.terminateAll();
        }
    }
}
