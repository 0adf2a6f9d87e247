package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends SIGTERM (with SIGCONT) or SIGKILL to groups that were just seen alive.
 *
 * <p>Isolated groups are signalled as a whole, kill(-pgid), by the helper, one run for all groups
 * of a step: the kernel delivers a group signal atomically, so a member that is forking cannot
 * slip out. Trees, and every group when no helper runs, are signalled member by member through
 * {@link ProcessHandle#destroy()}, which refuses a pid whose start time changed; that path cannot
 * send SIGCONT, so a stopped member acts on SIGTERM only once continued, and otherwise is killed
 * after the grace period.
 *
 * <p>Never signalled, whatever the caller asks: a group number of 1 or less (kill(-1) is every
 * process, kill(0) our own group), the JVM's own group, and the JVM itself.
 */
final class Signals {

    private volatile Helper helper;
    private final long ownPid = ProcessHandle.current().pid();
    private final long ownGroup;

    Signals(Helper helper) {
        this.helper = helper;
        ProcStat self = ProcStat.self();
        this.ownGroup = self == null ? -1 : self.pgrp;
    }

    /** Signals through another helper from now on (the first one was removed from the disk). */
    void use(Helper replacement) {
        helper = replacement;
    }

    /**
     * Signals each group of MEMBERS (group to its live members, as just read).
     *
     * @param kill SIGKILL if true, else SIGTERM and SIGCONT
     */
    void send(boolean kill, Map<ProcessGroup, List<ProcStat>> members) {
        Helper helper = this.helper;
        List<Long> byGroup = new ArrayList<>();
        List<ProcStat> byMember = new ArrayList<>();
        for (Map.Entry<ProcessGroup, List<ProcStat>> e : members.entrySet()) {
            ProcessGroup g = e.getKey();
            if (g.isolated && helper != null) {
                boolean inGroup = false;
                for (ProcStat s : e.getValue()) {
                    if (s.pgrp == g.pid) inGroup = true;
                    else byMember.add(s); // an escapee: it left the group
                }
                if (inGroup && g.pid > 1 && g.pid != ownGroup) byGroup.add(g.pid);
            } else {
                byMember.addAll(e.getValue());
            }
        }
        if (!byGroup.isEmpty() && !signalGroups(helper, kill, byGroup)) {
            // The helper could not run: fall back to the members we saw.
            for (Map.Entry<ProcessGroup, List<ProcStat>> e : members.entrySet()) {
                if (!e.getKey().isolated) continue;
                for (ProcStat s : e.getValue()) if (s.pgrp == e.getKey().pid) byMember.add(s);
            }
        }
        for (ProcStat s : byMember) signalOne(s, kill);
    }

    private void signalOne(ProcStat s, boolean kill) {
        if (s.pid <= 1 || s.pid == ownPid) return;
        ProcessHandle.of(s.pid).ifPresent(h -> {
            try {
                if (kill) h.destroyForcibly(); else h.destroy();
            } catch (RuntimeException e) {
                Log.debug("cannot signal pid " + s.pid + ": " + e);
            }
        });
    }

    /**
     * Kills everything in G's cgroup and below it at once: cgroup.kill, which also catches
     * processes that fork meanwhile. A cgroup is a directory of ours, not a number that could
     * change hands. False where that is impossible (Linux before 5.14, or the cgroup is gone):
     * the caller has sent SIGKILL to each member it saw.
     */
    boolean killCgroup(ProcessGroup g) {
        String cgroup = g.cgroup;
        return cgroup != null && Cgroups.kill(cgroup);
    }

    /** Runs the helper; false if it could not be run at all. */
    private boolean signalGroups(Helper helper, boolean kill, List<Long> pgids) {
        long[] ids = new long[pgids.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = pgids.get(i);
        String[] cmd = helper.signalCommand(kill ? "KILL" : "TERM", ids);
        try {
            Process p;
            boolean outer = Untracked.enter();
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd)
                        .redirectInput(Redirect.from(new java.io.File("/dev/null")))
                        .redirectErrorStream(true);
                pb.environment().remove(Membership.MARKER_VAR); // not anyone's member (see Watchdog)
                p = pb.start();
            } finally {
                Untracked.exit(outer);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Log.warn("the helper did not finish signalling groups " + pgids);
            } else if (p.exitValue() != 0 || !out.isEmpty()) {
                Log.warn("signalling groups " + pgids + ": " + out.replace('\n', ' '));
            }
            return true;
        } catch (IOException e) {
            Log.warn("cannot run the helper to signal groups " + pgids + ": " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
