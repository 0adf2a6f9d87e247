package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.io.File;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What happens on a start (ProcessBuilder.start, startPipeline, Runtime.exec): decide whether and
 * how the child is contained, have the JDK start it through the launcher, wait for the launcher's
 * exec, and hand the group to {@link Termination#track}. Falls back to the JDK's plain start
 * (tracking the child as a tree, {@link NotIsolated} says why) where isolation is impossible or
 * unwanted; a child that a keep pattern or rule keeps is started plainly and never tracked.
 */
final class Launch {

    /** How often, at most, a start looks for finished children whose cgroups can go. */
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Lifecycle life;
    private final Config config;
    private final AtomicLong markers = new AtomicLong();
    private final AtomicLong lastSweep = new AtomicLong(System.nanoTime());
    private volatile boolean cgroupFailureSaid;
    /** The variable names of the JVM's own environment, read at the first start that needs them. */
    private Set<String> jvmEnvironment;

    Launch(Lifecycle life) {
        this.life = life;
        this.config = life.config;
    }

    /**
     * Starts a child as the JDK would, but as the leader of a new process group; returns only once
     * the child runs the real program in its own group.
     */
    Process start(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                  boolean redirectErrorStream, Starter jdk) throws IOException {
        Statistics stats = life.statistics;
        stats.started.incrementAndGet();
        StopPolicy policy = policy(cmd, env);
        if (policy == null) {
            stats.kept.incrementAndGet();
            Log.debug("leaving " + show(cmd) + " alone: it is to be kept");
            boolean outer = Untracked.enter();
            try {
                return jdk.start(cmd, env, dir, redirects, redirectErrorStream);
            } finally {
                Untracked.exit(outer);
            }
        }
        GroupLauncher h = life.launcher;
        String program = null;
        NotIsolated why = null;
        if (h == null) why = NotIsolated.NO_HELPER;
        else if (Terminal.shared(redirects, redirectErrorStream)) why = NotIsolated.TERMINAL;
        else {
            program = ProgramPath.resolve(cmd[0], dir, System.getenv("PATH"), env != null);
            if (program == null) why = NotIsolated.JDK_CANNOT_START;
            else if (program.equals("setsid") || program.endsWith("/setsid")) {
                // setsid(1) forks when its caller leads a group (the pid the JVM holds would exit at
                // once), and setsid(2) fails for a group leader: leave it as the JDK starts it.
                why = NotIsolated.SETSID;
            }
        }
        if (why != null) {
            Log.debug("starting " + show(cmd) + " without a group of its own: " + why.label);
            return startPlain(cmd, env, dir, redirects, redirectErrorStream, jdk, why, policy);
        }

        Helper helper = life.helper;
        JdkSpawn spawn = h == helper && jdk.spawns() ? life.spawn(helper) : null;
        // The watchdog's own start (at the first isolated child only): the work of this child's
        // helper in spawn mode, else on a thread of its own while this child starts.
        if (h == helper) life.watchdogSoon(spawn != null);
        if (spawn != null) return spawned(spawn, helper, cmd, env, dir, redirects, redirectErrorStream, jdk, policy);
        // setsid(1) can add no marker, and moves nothing into a cgroup.
        String marker = h == helper && markerAllowed(env) ? life.markerPrefix + markers.incrementAndGet() : null;
        Cgroups cg = h == helper ? life.cgroups : null;
        String cgroup = cg != null ? cg.next() : null;
        if (cg != null) sweepFinished();
        String[] wrapped = cgroup != null ? helper.command(program, cmd, marker, cgroup) : h.command(program, cmd, marker);
        Process p;
        boolean outer = Untracked.enter();
        try {
            p = jdk.start(wrapped, env, dir, redirects, redirectErrorStream);
        } catch (IOException e) {
            // The helper itself could not be started (the JDK failed before running the program).
            Log.debug("the helper did not start (" + e.getMessage() + "); starting " + show(cmd) + " plainly");
            return startAgain(h == helper ? helper : null, cmd, env, dir, redirects, redirectErrorStream, jdk, policy);
        } finally {
            Untracked.exit(outer);
        }
        // From here on the child exists: whatever happens, the application gets its Process.
        try {
            long pid = p.pid();
            ProcStat stat = ExecWait.await(h, pid);
            if (stat == null) {
                // The helper could not exec the program (a missing interpreter, say): the JDK would
                // have thrown. Let it start the command itself, for its own exception.
                discard(p);
                Log.debug("the helper could not exec " + show(cmd) + "; starting it plainly");
                return startPlain(cmd, env, dir, redirects, redirectErrorStream, jdk, NotIsolated.HELPER_FAILED, policy);
            }
            // The helper calls setpgid before execve; gone already, it did (or printed why not).
            // It entered the cgroup before setpgid, or else removed it and added the marker.
            track(p, stat.pgrp == pid, stat.startTime, cg, cgroup, helper, marker, cmd, policy);
        } catch (RuntimeException e) {
            Log.error("cannot track pid " + p.pid() + ": " + e);
        }
        return p;
    }

    /**
     * The start through the JDK's jspawnhelper with the helper in its place (see {@link JdkSpawn}):
     * when the JDK returns, the program runs, in its group (and cgroup) already.
     */
    private Process spawned(JdkSpawn spawn, Helper helper, String[] cmd, Map<String, String> env, String dir,
                            Redirect[] redirects, boolean redirectErrorStream, Starter jdk, StopPolicy policy)
            throws IOException {
        Cgroups cg = life.cgroups;
        boolean inCgroup = cg != null && !cgroupFailureSaid;
        String marker = !inCgroup && markerAllowed(env) ? life.markerPrefix + markers.incrementAndGet() : null;
        if (inCgroup) sweepFinished();
        Process p;
        boolean outer = Untracked.enter();
        try {
            p = jdk.spawn(spawn.path(inCgroup), marker, cmd, env, dir, redirects, redirectErrorStream);
        } catch (IOException e) {
            // The JDK could not run the program (or the helper the JDK's jspawnhelper): the plain
            // start gives the application exactly the JDK's outcome.
            Log.debug("the JDK's start through the helper failed (" + e.getMessage() + "); starting " + show(cmd) + " plainly");
            if (inCgroup) removeStrayCgroups(cg);
            return startAgain(helper, cmd, env, dir, redirects, redirectErrorStream, jdk, policy);
        } finally {
            Untracked.exit(outer);
        }
        try {
            long pid = p.pid();
            ProcStat stat = ProcStat.read(pid);
            // Ended already (a zombie, or reaped): it ran, after the helper's setpgid. A failed
            // cgroup leaves it without a marker too (decided before the start); the next children
            // get one instead.
            track(p, stat == null || !stat.alive() || stat.pgrp == pid, stat == null ? 0 : stat.startTime, cg,
                    inCgroup ? cg.spawned(pid) : null, helper, marker, cmd, policy);
        } catch (RuntimeException e) {
            Log.error("cannot track pid " + p.pid() + ": " + e);
        }
        return p;
    }

    /**
     * After the JDK could not start the child through the launcher: the same start again if HELPER
     * (null: the launcher was not the helper) was lost to a cleaner of /tmp and extracted anew,
     * else the JDK's plain start, which gives the application exactly the JDK's outcome.
     */
    private Process startAgain(Helper helper, String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                               boolean redirectErrorStream, Starter jdk, StopPolicy policy) throws IOException {
        if (helper != null && life.replaceVanishedHelper(helper)) {
            life.statistics.started.decrementAndGet(); // counted again by the retry
            return start(cmd, env, dir, redirects, redirectErrorStream, jdk);
        }
        return startPlain(cmd, env, dir, redirects, redirectErrorStream, jdk, NotIsolated.HELPER_FAILED, policy);
    }

    /**
     * Tracks the child P, started through the launcher: ISOLATED if it leads its own group, in
     * CGROUP (of CG, made by HELPER; null: none) if /proc says it entered it, else marked with
     * MARKER (or null).
     */
    private void track(Process p, boolean isolated, long startTime, Cgroups cg, String cgroup, Helper helper,
                       String marker, String[] cmd, StopPolicy policy) {
        long pid = p.pid();
        if (isolated) life.statistics.isolated.incrementAndGet();
        else life.statistics.notIsolated(NotIsolated.SETPGID_FAILED);
        boolean contained = cgroup != null && cg.holds(pid, cgroup);
        if (cgroup != null && !contained) cgroupFailed(helper, pid, cgroup);
        Containment containment = !isolated ? Containment.TREE : contained ? Containment.CGROUP : Containment.GROUP;
        ProcessGroup g = new ProcessGroup(pid, startTime, containment, contained ? cgroup : null, show(cmd),
                contained ? null : marker, origin(), policy);
        life.termination.track(g, p);
        FlightEvents.isolation(pid, show(cmd), isolated ? null : NotIsolated.SETPGID_FAILED, containment);
    }

    /**
     * After a start through the helper failed in cgroup mode: removes the cgroups that helpers made
     * for children that never ran (p&lt;pid&gt;: empty, no group of ours holds it, and its pid is no
     * longer alive, so that no helper is about to enter it).
     */
    private void removeStrayCgroups(Cgroups cg) {
        Set<String> held = new HashSet<>();
        for (ProcessGroup g : life.registry.snapshot()) if (g.cgroup != null) held.add(g.cgroup);
        for (String c : cg.children(HelperProtocol.CHILD_CGROUP_PREFIX)) {
            String pid = c.substring(c.lastIndexOf('/') + 1 + HelperProtocol.CHILD_CGROUP_PREFIX.length());
            if (held.contains(c) || Cgroups.populated(c) || new File("/proc/" + pid).exists()) continue;
            Cgroups.remove(c);
        }
    }

    /** The JDK's own start of CMD, tracked as the tree of its descendants (WHY says why). */
    private Process startPlain(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                               boolean redirectErrorStream, Starter jdk, NotIsolated why, StopPolicy policy)
            throws IOException {
        Process p;
        boolean outer = Untracked.enter();
        try {
            p = jdk.start(cmd, env, dir, redirects, redirectErrorStream);
        } finally {
            Untracked.exit(outer);
        }
        try {
            ProcStat stat = ProcStat.read(p.pid());
            life.statistics.notIsolated(why);
            life.termination.track(new ProcessGroup(p.pid(), stat == null ? 0 : stat.startTime, Containment.TREE, null,
                    show(cmd), null, origin(), policy), p);
            FlightEvents.isolation(p.pid(), show(cmd), why, Containment.TREE);
        } catch (RuntimeException e) {
            Log.error("cannot track pid " + p.pid() + ": " + e);
        }
        return p;
    }

    /**
     * How the child is to be stopped (the first rule that matches its command line, arguments
     * joined by single spaces, else the defaults); null if it is to be left alone entirely
     * (neither isolated nor ever signalled): the keep pattern or a rule with keep=true matches its
     * command line, or the application put HYGIENE_KEEP=1 in its environment().
     */
    private StopPolicy policy(String[] cmd, Map<String, String> env) {
        if (env != null && "1".equals(env.get("HYGIENE_KEEP"))) return null;
        if (config.keep == null && !config.hasRules()) return config.defaultPolicy(); // no command line needed
        String line = String.join(" ", cmd);
        if (config.keep != null && config.keep.matcher(line).find()) return null;
        return config.policyFor(line);
    }

    /**
     * True if a child with the environment ENV may carry the marker: the application never touched
     * environment() (ENV null), or its map still holds every variable name of the JVM's own
     * environment. An environment the application built from nothing (cleared, an envp array)
     * gets nothing it did not put there.
     */
    private boolean markerAllowed(Map<String, String> env) {
        if (env == null) return true;
        Set<String> own = jvmEnvironment;
        if (own == null) {
            try {
                own = System.getenv().keySet();
            } catch (SecurityException e) {
                own = null;
            }
            if (own == null) return false;
            jvmEnvironment = own;
        }
        return env.keySet().containsAll(own);
    }

    /**
     * The child PID could not enter CGROUP: it runs in group mode. Said once per JVM. From then on,
     * children started through the JDK's jspawnhelper get no cgroup, but the marker (this one has
     * none: it was decided before the start).
     */
    private void cgroupFailed(Helper helper, long pid, String cgroup) {
        String why = helper.cgroupFailure(pid);
        if (cgroupFailureSaid) return;
        cgroupFailureSaid = true;
        Log.info("pid " + pid + " could not enter its cgroup " + cgroup + " (" + (why == null ? "no reason reported" : why)
                + "): it is contained by its process group and the PROCESS_HYGIENE_GROUP marker (said once)");
    }

    /**
     * Removes the cgroups of children that have finished while the application still holds their
     * Process (a dropped one is the Cleaner's): at most once a second, at a start. A group whose
     * cgroup has no live process left is gone entirely (every member was in the cgroup).
     */
    private void sweepFinished() {
        long last = lastSweep.get();
        long now = System.nanoTime();
        if (now - last < SWEEP_NANOS || !lastSweep.compareAndSet(last, now)) return;
        for (ProcessGroup g : life.registry.snapshot()) {
            if (g.cgroup != null) life.outcomes().goneIfEmpty(g);
        }
    }

    /** The application frame that starts the child, when a report may name it. */
    private String origin() {
        return life.config.reportWanted() ? Origin.capture() : null;
    }

    /** Releases what the JDK holds for a child that ended before running anything. */
    private static void discard(Process p) {
        try {
            p.getOutputStream().close();
            p.getInputStream().close();
            p.getErrorStream().close();
            p.waitFor();
        } catch (IOException e) {
            // nothing held
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** CMD as one line for messages, at most 200 characters. */
    static String show(String[] cmd) {
        String s = String.join(" ", cmd);
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }
}
