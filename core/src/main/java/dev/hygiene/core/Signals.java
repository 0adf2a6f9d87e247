package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends each group's stop signal (SIGTERM unless its policy names another; with SIGCONT) or
 * SIGKILL to groups that were just seen alive, or (stop=leader-first) the stop signal to a leader
 * alone.
 *
 * <p>Isolated groups are signalled from inside the JVM where the agent has access to java.lang
 * ({@link GroupSignal}: kill(-pgid), no process started), unless a member is stopped and needs
 * the SIGCONT that only the helper sends. Otherwise, where a helper runs, one helper run per call
 * signals everything: isolated groups as a whole,
 * kill(-pgid) (the kernel delivers a group signal atomically, so a member that is forking cannot
 * slip out), and single processes (escapees, members of trees) as PID@START, which the helper
 * signals through a pidfd only if the pid still has that start time: a pid reused since it was
 * read is never hit. Where no helper runs, or it cannot be run, processes are signalled one by one
 * through {@link ProcessHandle#destroy()}, which refuses a pid whose start time changed but cannot
 * send SIGCONT, so a stopped member acts on SIGTERM only once continued, and otherwise is killed
 * after the grace period.
 *
 * <p>Never signalled, whatever the caller asks: a group number of 1 or less (kill(-1) is every
 * process, kill(0) our own group), the JVM's own group, and the JVM itself.
 */
final class Signals {

    private volatile Helper helper;
    private volatile boolean onlyTermSaid;
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
     * @param kill SIGKILL if true, else each group's stop signal (SIGTERM unless its policy names
     *             another) and SIGCONT
     */
    void send(boolean kill, Map<ProcessGroup, List<ProcStat>> members) {
        if (members.isEmpty()) return;
        if (kill) {
            sendAs("KILL", members);
            return;
        }
        // One helper run per stop signal in use (nearly always one: TERM).
        Map<String, Map<ProcessGroup, List<ProcStat>>> bySignal = new LinkedHashMap<>();
        for (Map.Entry<ProcessGroup, List<ProcStat>> e : members.entrySet()) {
            Map<ProcessGroup, List<ProcStat>> same = bySignal.get(e.getKey().policy.signal);
            if (same == null) bySignal.put(e.getKey().policy.signal, same = new LinkedHashMap<>());
            same.put(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Map<ProcessGroup, List<ProcStat>>> e : bySignal.entrySet()) sendAs(e.getKey(), e.getValue());
    }

    /**
     * The stop signal of G to its LEADER alone (stop=leader-first), just read alive with the
     * group's start time: SIGTERM from inside the JVM (ProcessHandle.destroy, with the JDK's own
     * check of the start time), another signal, or SIGTERM to a stopped leader (which needs
     * SIGCONT), through the helper's pidfd.
     */
    void sendToLeader(ProcessGroup g, ProcStat leader) {
        if (!mayBeSignalled(leader)) return;
        String signal = g.policy.signal;
        Helper helper = this.helper;
        if ((!signal.equals("TERM") || leader.stopped()) && helper != null
                && signalThroughHelper(helper, signal, List.of(), List.of(leader))) {
            return;
        }
        signalOne(leader, false, signal);
    }

    /** SIGNAL (KILL, or a stop signal) to each group of MEMBERS. */
    private void sendAs(String signal, Map<ProcessGroup, List<ProcStat>> members) {
        boolean kill = signal.equals("KILL");
        Helper helper = this.helper;
        // From inside the JVM where it can (no SIGCONT: not for a group with a stopped member).
        boolean direct = GroupSignal.available() && (kill || (signal.equals("TERM") && !anyStopped(members)));
        List<Long> byGroup = new ArrayList<>();
        List<ProcStat> byMember = new ArrayList<>();
        for (Map.Entry<ProcessGroup, List<ProcStat>> e : members.entrySet()) {
            ProcessGroup g = e.getKey();
            if (g.leadsGroup() && (direct || helper != null)) {
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
        if (direct) {
            for (long pgid : byGroup) GroupSignal.send(pgid, kill);
            byGroup.clear();
        }
        if (helper != null && (!byGroup.isEmpty() || !byMember.isEmpty())) {
            if (signalThroughHelper(helper, signal, byGroup, byMember)) return;
            // The helper could not run: fall back to the members we saw.
            if (!direct) {
                for (Map.Entry<ProcessGroup, List<ProcStat>> e : members.entrySet()) {
                    if (!e.getKey().leadsGroup()) continue;
                    for (ProcStat s : e.getValue()) if (s.pgrp == e.getKey().pid) byMember.add(s);
                }
            }
        }
        for (ProcStat s : byMember) signalOne(s, kill, signal);
    }

    private static boolean anyStopped(Map<ProcessGroup, List<ProcStat>> members) {
        for (List<ProcStat> list : members.values()) {
            for (ProcStat s : list) if (s.stopped()) return true;
        }
        return false;
    }

    private boolean mayBeSignalled(ProcStat s) {
        return s.pid > 1 && s.pid != ownPid;
    }

    /** Without a helper: ProcessHandle refuses a pid whose start time changed. */
    private void signalOne(ProcStat s, boolean kill, String signal) {
        if (!mayBeSignalled(s)) return;
        if (!kill && !signal.equals("TERM") && !onlyTermSaid) {
            onlyTermSaid = true;
            Log.info("without the helper only SIGTERM and SIGKILL can be sent: SIGTERM instead of SIG" + signal + " (said once)");
        }
        ProcessHandle.of(s.pid).ifPresent(h -> {
            try {
                if (kill) h.destroyForcibly(); else h.destroy();
            } catch (RuntimeException e) {
                Log.debug("cannot signal pid " + s.pid + ": " + e);
            }
        });
    }

    /** One helper run for the groups PGIDS and the single processes PROCESSES; false if it could not be run at all. */
    private boolean signalThroughHelper(Helper helper, String signal, List<Long> pgids, List<ProcStat> processes) {
        List<String> targets = new ArrayList<>(pgids.size() + processes.size());
        for (long pgid : pgids) targets.add(Long.toString(pgid));
        for (ProcStat s : processes) if (mayBeSignalled(s)) targets.add(Helper.processTarget(s.pid, s.startTime));
        if (targets.isEmpty()) return true;
        String[] cmd = helper.signalCommand(signal, targets);
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
            String out;
            // Closed here, not when the JDK notices the exit: the JVM holds no pipe after a signal.
            try (java.io.InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Log.warn("the helper did not finish signalling " + targets);
            } else if (p.exitValue() != 0 || !out.isEmpty()) {
                Log.warn("signalling " + targets + ": " + out.replace('\n', ' '));
            }
            return true;
        } catch (IOException e) {
            Log.warn("cannot run the helper to signal " + targets + ": " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
