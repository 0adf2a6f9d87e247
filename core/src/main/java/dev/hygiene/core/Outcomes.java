package dev.hygiene.core;

/**
 * What happens once a group is gone (the escalation's outcome, or a finished child's cgroup
 * found empty), exactly once per group: the counters, the JFR event, the watchdog's list, the
 * leak report for a group the application left behind, a log line, its cgroup removed, and last
 * the registry.
 */
final class Outcomes implements Escalation.Outcome {

    private final Lifecycle life;

    Outcomes(Lifecycle life) {
        this.life = life;
    }

    @Override
    public boolean census(ProcessGroup g) {
        // For the leak report (shutdown, dropped); for the JFR event only where it is cheap (a
        // cgroup is read directly; a group needs all of /proc): destroy() stays cheap.
        Ending why = g.ending;
        return (life.config.reportWanted() && why != null && why.leftBehind)
                || (g.containment.whole && FlightEvents.terminationEnabled());
    }

    /**
     * If G's leader has exited and its cgroup has no process left, G is gone for good (every
     * member was born in it, and nobody enters it any more): reported as found empty, with no
     * signal and no scan of /proc. True then. Not for a group being terminated: that is the
     * escalation's to report. A live leader costs nothing here (its cgroup is not read).
     */
    boolean goneIfEmpty(ProcessGroup g) {
        String c = g.cgroup;
        if (c == null || g.ending != null || !g.leaderExited() || Cgroups.populated(c)) return false;
        gone(g, Escalation.Result.FOUND_EMPTY);
        return true;
    }

    @Override
    public void gone(ProcessGroup g, Escalation.Result r) {
        if (!g.markGone()) return; // reported already (the Cleaner and shutdown may race)
        Ending why = g.ending;
        if (r.signalled) {
            Statistics stats = life.statistics;
            (r.neededKill ? stats.terminatedBySigkill : stats.terminatedBySigterm).incrementAndGet();
            stats.escapeesCaught.addAndGet(r.escapees);
            FlightEvents.termination(g, why, g.policy.signal, r);
            // The application left something behind for the agent to terminate: a leak worth naming.
            if (why != null && why.leftBehind) life.report().group(g, why, r);
        }
        Watchdog w = g.leadsGroup() ? life.watchdogIfStarted() : null;
        if (w != null) w.untrack(g);
        if (r.survived) Log.warn(g + " still has members 1 s after SIGKILL");
        else Log.debug(g + (r.neededKill ? " killed after the grace period" : " terminated"));
        // Empty now (unless members survived: then at shutdown, or by the watchdog at its end).
        if (!r.survived && !g.containment.release(g)) {
            Log.debug("the cgroup " + g.cgroup + " is not empty yet: removed at shutdown");
        }
        // Last: whoever waits for the registry to empty sees the records and counters complete.
        life.registry.remove(g);
    }
}
