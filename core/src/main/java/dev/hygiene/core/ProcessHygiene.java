package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Everything the agent does, behind the two calls the instrumented JDK makes: {@link #start} (for
 * every ProcessBuilder.start, startPipeline and Runtime.exec) and {@link #destroy} (for
 * Process.destroy and destroyForcibly).
 *
 * <p>Nothing here runs before the application starts its first process: the helper is extracted,
 * and the shutdown hook installed, on the first start.
 */
public final class ProcessHygiene {

    /** How long start() waits for the helper to exec the real program before giving up on it. */
    private static final long EXEC_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Config config;
    private final Path agentDir;
    private final LeakReport report;
    private Registry registry;
    private volatile boolean initialized;
    private volatile boolean shuttingDown;
    private volatile boolean attached;
    private volatile Helper helper;
    private volatile GroupLauncher launcher;
    private Signals signals;
    private Escalation escalation;
    private String markerPrefix;
    private final AtomicLong markers = new AtomicLong();
    private Watchdog watchdog;
    private boolean watchdogTried;
    /** The children's cgroups; null where the JVM cannot create them (or containment=group). */
    private volatile Cgroups cgroups;
    private volatile boolean cgroupFailureSaid;
    private final AtomicLong lastSweep = new AtomicLong(System.nanoTime());
    /** How often, at most, a start looks for finished children whose cgroups can go. */
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    final Statistics statistics = new Statistics();

    public ProcessHygiene(Config config, Path agentDir) {
        this.config = config;
        this.agentDir = agentDir;
        this.report = new LeakReport(config.report);
    }

    private void initialize() {
        if (initialized) return;
        synchronized (this) {
            if (initialized) return;
            StringBuilder why = new StringBuilder();
            helper = config.extractHelper ? Helper.extract(config.helperDir, agentDir, why) : null;
            if (helper != null) {
                Log.debug("helper at " + helper);
                launcher = helper;
            } else {
                // One line says what happens instead, and why.
                launcher = SetsidLauncher.find();
                String reason = config.extractHelper ? why.toString() : "helper-dir=none";
                Log.warn("no helper (" + reason + "): " + (launcher != null
                        ? "children get groups of their own through " + launcher + "; their argv[0] becomes the"
                          + " program's path, members that leave their group are not found, and there is no watchdog"
                        : "and no setsid(1): children are not isolated; each is tracked as its tree of descendants"));
            }
            // Unique per JVM run: pid and start time.
            ProcStat self = ProcStat.self();
            long pid = ProcessHandle.current().pid();
            markerPrefix = pid + "." + (self == null ? 0 : self.startTime) + ".";
            if (helper != null && !config.containment.equals("group")) {
                StringBuilder whyNot = new StringBuilder();
                cgroups = Cgroups.create(pid, self == null ? 0 : self.startTime, whyNot);
                if (cgroups != null) {
                    Log.debug("children's cgroups in " + cgroups);
                } else {
                    // Most containers mount the cgroup tree read-only: nothing is wrong there (auto).
                    String line = "no cgroup per child (" + whyNot + "): each child is contained by its process group,"
                            + " and its descendants that leave it are found by the PROCESS_HYGIENE_GROUP marker";
                    if (config.containment.equals("cgroup")) Log.warn(line);
                    else Log.info(line);
                }
            }
            Events events = new Events();
            registry = new Registry(events);
            signals = new Signals(helper);
            escalation = new Escalation(signals, helper != null, events);
            Thread hook = new Thread(events, "process-hygiene-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            initialized = true;
            Monitoring.registerInBackground(this, attached);
        }
    }

    /**
     * Starts a child as the JDK would, but as the leader of a new process group; returns only once
     * the child runs the real program in its own group. Falls back to the plain start (tracking the
     * child as a tree) where isolation is impossible or unwanted.
     */
    public Process start(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                         boolean redirectErrorStream, Starter jdk) throws IOException {
        initialize();
        statistics.started.increment();
        StopPolicy policy = policy(cmd, env);
        if (policy == null) {
            statistics.kept.increment();
            Log.debug("leaving " + show(cmd) + " alone: it is to be kept");
            boolean outer = Untracked.enter();
            try {
                return jdk.start(cmd, env, dir, redirects, redirectErrorStream);
            } finally {
                Untracked.exit(outer);
            }
        }
        GroupLauncher h = launcher;
        String program = null;
        String why = null;
        if (h == null) why = "no-helper";
        else if (Terminal.shared(redirects, redirectErrorStream)) why = "terminal";
        else {
            program = ProgramPath.resolve(cmd[0], dir, System.getenv("PATH"), env != null);
            if (program == null) why = "jdk-cannot-start";
            else if (program.equals("setsid") || program.endsWith("/setsid")) {
                // setsid(1) forks when its caller leads a group (the pid the JVM holds would exit at
                // once), and setsid(2) fails for a group leader: leave it as the JDK starts it.
                why = "setsid";
            }
        }
        if (why != null) {
            Log.debug("starting " + show(cmd) + " without a group of its own: " + why);
            return startPlain(cmd, env, dir, redirects, redirectErrorStream, jdk, why, policy);
        }

        Process p;
        // setsid(1) can add no marker, and moves nothing into a cgroup.
        String marker = h == helper && markerAllowed(env) ? markerPrefix + markers.incrementAndGet() : null;
        Cgroups cg = h == helper ? cgroups : null;
        String cgroup = cg != null ? cg.next() : null;
        if (cg != null) sweepFinished();
        String[] wrapped = cgroup != null ? helper.command(program, cmd, marker, cgroup) : h.command(program, cmd, marker);
        boolean outer = Untracked.enter();
        try {
            p = jdk.start(wrapped, env, dir, redirects, redirectErrorStream);
        } catch (IOException e) {
            // The helper itself could not be started (the JDK failed before running the program):
            // the plain start gives the application exactly the JDK's outcome.
            Log.debug("the helper did not start (" + e.getMessage() + "); starting " + show(cmd) + " plainly");
            if (h == helper && replaceVanishedHelper(helper)) {
                statistics.started.decrement(); // counted again by the retry
                return start(cmd, env, dir, redirects, redirectErrorStream, jdk);
            }
            return startPlain(cmd, env, dir, redirects, redirectErrorStream, jdk, "helper-failed", policy);
        } finally {
            Untracked.exit(outer);
        }
        // From here on the child exists: whatever happens, the application gets its Process.
        try {
            long pid = p.pid();
            ProcStat stat = awaitExec(h, pid);
            if (stat == null) {
                // The helper could not exec the program (a missing interpreter, say): the JDK would
                // have thrown. Let it start the command itself, for its own exception.
                discard(p);
                Log.debug("the helper could not exec " + show(cmd) + "; starting it plainly");
                return startPlain(cmd, env, dir, redirects, redirectErrorStream, jdk, "helper-failed", policy);
            }
            // The helper calls setpgid before execve; gone already, it did (or printed why not).
            boolean isolated = stat.pgrp == pid;
            long startTime = stat.startTime;
            if (isolated) statistics.isolated.increment();
            else statistics.notIsolated("setpgid-failed");
            // The helper entered the cgroup before setpgid, or else removed it and added the marker.
            boolean contained = cgroup != null && cg.holds(pid, cgroup);
            if (cgroup != null && !contained) cgroupFailed(h, pid, cgroup);
            ProcessGroup g = new ProcessGroup(pid, startTime, isolated, show(cmd), contained ? null : marker, origin(), policy);
            if (contained) g.cgroup = cgroup;
            track(g, p);
            FlightEvents.isolation(pid, show(cmd), isolated, isolated ? "" : "setpgid-failed", g.containment());
        } catch (RuntimeException e) {
            Log.error("cannot track pid " + p.pid() + ": " + e);
        }
        return p;
    }

    /**
     * For code that uses core without the agent: starts PB's command as the leader of a new
     * process group, with PB's directory, environment and redirects, and tracks it like the agent
     * does (escalation on {@link #destroy}, at shutdown, and when dropped).
     */
    public Process start(ProcessBuilder pb) throws IOException {
        List<String> command = pb.command();
        if (command.isEmpty()) return pb.start(); // the JDK's own exception
        Redirect[] redirects = {pb.redirectInput(), pb.redirectOutput(), pb.redirectError()};
        return start(command.toArray(new String[0]), pb.environment(),
                pb.directory() == null ? null : pb.directory().getPath(), redirects, pb.redirectErrorStream(),
                (cmd, env, dir, r, mergeErr) -> {
                    ProcessBuilder copy = new ProcessBuilder(cmd)
                            .directory(dir == null ? null : new java.io.File(dir))
                            .redirectInput(r[0]).redirectOutput(r[1]).redirectError(r[2])
                            .redirectErrorStream(mergeErr);
                    copy.environment().clear();
                    copy.environment().putAll(env);
                    return copy.start();
                });
    }

    /**
     * A long-running JVM can lose its helper to a cleaner of /tmp (systemd-tmpfiles removes old
     * files there). If it is gone, extract it again, once per loss, and say so in one line; the
     * watchdog, a running process, keeps running, and its list of groups (in the lost helper's
     * directory) is written anew. True if a start should be tried again.
     */
    private synchronized boolean replaceVanishedHelper(Helper lost) {
        if (helper != lost) return true; // another thread replaced it already
        if (lost.present()) return false;
        StringBuilder why = new StringBuilder();
        Helper fresh = Helper.extract(config.helperDir, agentDir, why);
        Log.warn("the helper " + lost + " was removed (by a cleaner of temporary files?); "
                + (fresh != null ? "extracted it again to " + fresh : "cannot extract it again (" + why + "): children are not isolated"));
        lost.delete();
        if (watchdog != null) watchdog.restore();
        if (fresh != null) {
            helper = fresh;
            launcher = fresh;
            signals.use(fresh);
            return true;
        }
        launcher = null;
        return false;
    }

    private java.util.Set<String> jvmEnvironment;

    /**
     * True if a child with the environment ENV may carry the marker: the application never touched
     * environment() (ENV null), or its map still holds every variable name of the JVM's own
     * environment. An environment the application built from nothing (cleared, an envp array)
     * gets nothing it did not put there.
     */
    private boolean markerAllowed(Map<String, String> env) {
        if (env == null) return true;
        java.util.Set<String> own = jvmEnvironment;
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

    /** The child PID could not enter CGROUP: it runs in group mode. Said once per JVM. */
    private void cgroupFailed(GroupLauncher h, long pid, String cgroup) {
        String why = h == helper ? helper.cgroupFailure(pid) : null;
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
        for (ProcessGroup g : registry.snapshot()) {
            String c = g.cgroup;
            // A group being terminated is the escalation's to report.
            if (c != null && g.ending == null && !Cgroups.populated(c)) gone(g, false, false, false, 0, -1, 0, 0);
        }
    }

    private Process startPlain(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                               boolean redirectErrorStream, Starter jdk, String why, StopPolicy policy) throws IOException {
        Process p;
        boolean outer = Untracked.enter();
        try {
            p = jdk.start(cmd, env, dir, redirects, redirectErrorStream);
        } finally {
            Untracked.exit(outer);
        }
        try {
            ProcStat stat = ProcStat.read(p.pid());
            statistics.notIsolated(why);
            track(new ProcessGroup(p.pid(), stat == null ? 0 : stat.startTime, false, show(cmd), null, origin(), policy), p);
            FlightEvents.isolation(p.pid(), show(cmd), false, why, Containment.TREE);
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

    /** The application frame that starts the child, when a report may name it. */
    private String origin() {
        return report.wanted() ? Origin.capture() : null;
    }

    private void track(ProcessGroup g, Process p) {
        registry.add(g, p);
        if (g.isolated) {
            Watchdog w = watchdog();
            if (w != null) w.track(g);
            // orphans=terminate: what the leader leaves behind goes when it exits, not when the
            // application lets go of the Process. (onExit runs its stages in the common pool.)
            if (config.terminateOrphans) p.onExit().thenRun(new LeaderExited(g));
        }
        // A start that raced with shutdown would otherwise outlive the JVM.
        if (shuttingDown) escalation.terminate(List.of(g), false);
    }

    /**
     * Waits until PID runs the real program in its own group: the JDK returned after the helper's
     * exec (or, with VFORK, even before it), and without this wait the application could read the
     * helper's command line, an empty one (inside execve), or the JVM's group. The group comes
     * first: the helper sets it after its own exec and just before the program's, so once PID
     * leads its group, a command line read after that is the helper's or the program's (never the
     * JVM's, which a VFORK child shows until its exec, and which may be the program's too: a JVM
     * that starts itself again). Done when PID leads its group and then shows a command line that
     * is neither empty nor the helper's (a read racing with an exit can return any prefix of it);
     * or when it has already ended.
     *
     * @return the child's stat once it runs the program, one with only its pid as group if it has
     *         already ended after running it, or null if the helper could not exec it
     */
    private ProcStat awaitExec(GroupLauncher h, long pid) {
        String cmdline = "/proc/" + pid + "/cmdline";
        byte[] buffer = new byte[4096];
        long start = System.nanoTime();
        for (int round = 0; ; round++) {
            // The helper needs about 100 us to set its group and exec: wait rather than spin, and
            // do not look before it can have happened.
            LockSupport.parkNanos(round == 0 ? 60_000 : round < 10 ? 20_000 : round < 100 ? 100_000 : 1_000_000);
            ProcStat s = ProcStat.read(pid);
            if (s == null || !s.alive()) return ended(h, pid, s);
            if (s.pgrp == pid) {
                int n;
                try {
                    n = ProcStat.readFile(cmdline, buffer);
                } catch (IOException e) {
                    return ended(h, pid, s); // gone (reaped) already
                }
                if (n > 0 && !h.stillLaunching(buffer, n)) return s;
                // Empty (inside execve, or ended: the next stat tells) or still the helper's.
            }
            if (System.nanoTime() - start > EXEC_TIMEOUT_NANOS) {
                Log.warn("pid " + pid + " still runs the helper after 5 s; not waiting for it any longer");
                ProcStat last = ProcStat.read(pid);
                return last != null ? last : ended(h, pid, null);
            }
        }
    }

    /** A child that ended while we waited: null if its helper could not exec, else what is known. */
    private static ProcStat ended(GroupLauncher h, long pid, ProcStat last) {
        if (h.execFailed(pid)) return null;
        // It ran and ended; setpgid came before the exec, so it led its own group.
        return new ProcStat(pid, 'X', 0, pid, 0, 0, last == null ? 0 : last.startTime);
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

    /**
     * Process.destroy (FORCE false) or destroyForcibly (true) of the child HANDLE: a tracked group
     * gets the escalation as a whole; any other process what the JDK gives it.
     */
    public boolean destroy(ProcessHandle handle, boolean force) {
        Registry r = initialized ? registry : null;
        ProcessGroup g = r == null ? null : r.get(handle.pid());
        if (g == null) return force ? handle.destroyForcibly() : handle.destroy();
        end(g, "destroy");
        escalation.terminate(List.of(g), force);
        return true;
    }

    /** The callbacks of the registry, the escalation and the shutdown hook (no lambdas on the start path). */
    private final class Events implements Consumer<ProcessGroup>, Escalation.Outcome, Runnable {
        @Override
        public void accept(ProcessGroup g) {
            dropped(g);
        }

        @Override
        public void gone(ProcessGroup g, boolean signalled, boolean neededKill, boolean survived, int escapees,
                         int members, long rssBytes, long nanos) {
            ProcessHygiene.this.gone(g, signalled, neededKill, survived, escapees, members, rssBytes, nanos);
        }

        @Override
        public boolean census(ProcessGroup g) {
            // For the leak report (shutdown, dropped); for the JFR event only where it is cheap (a
            // cgroup is read directly; a group needs all of /proc): destroy() stays cheap.
            return (report.wanted() && LeakReport.reported(g.ending))
                    || (g.cgroup != null && FlightEvents.terminationEnabled());
        }

        @Override
        public void run() {
            try {
                shutdown();
            } catch (Throwable t) {
                // Never into the application's uncaught-exception handler: a System.exit there,
                // in a shutdown hook, would deadlock the JVM's exit.
                Log.error("at shutdown: " + t);
            }
        }
    }

    private synchronized Watchdog watchdog() {
        if (!watchdogTried && helper != null) {
            watchdogTried = true;
            if (ProcessHandle.current().pid() == 1) {
                // Pid 1 of its pid namespace (a container's JVM): when it dies the kernel kills
                // every process of the namespace, so nothing can outlive it; a watchdog would only
                // be re-parented to the JVM, one child the application never started.
                Log.debug("pid 1 of its pid namespace: no watchdog (the kernel ends the namespace with the JVM)");
                return null;
            }
            watchdog = Watchdog.start(helper, config);
            Cgroups cg = cgroups;
            if (watchdog != null && cg != null) watchdog.removeAtEnd(cg.dir);
        }
        return watchdog;
    }

    /** orphans=terminate: the leader of G has exited while the application may still hold its Process. */
    private final class LeaderExited implements Runnable {
        private final ProcessGroup g;

        LeaderExited(ProcessGroup g) {
            this.g = g;
        }

        @Override
        public void run() {
            // Not if the group is already being ended (destroy, shutdown) or gone.
            if (!registry.contains(g) || g.ending != null) return;
            Log.debug("the leader of " + g + " exited; terminating what is left of it (orphans=terminate)");
            end(g, "orphaned");
            escalation.terminateSoon(g);
        }
    }

    private void dropped(ProcessGroup g) {
        if (!registry.contains(g)) return;
        Log.debug("dropped " + g + "; terminating what is left of it");
        end(g, "dropped");
        escalation.terminateSoon(g);
    }

    /** Notes why G is terminated; the first reason stays. */
    private static void end(ProcessGroup g, String why) {
        if (g.ending == null) g.ending = why;
    }

    private void gone(ProcessGroup g, boolean signalled, boolean neededKill, boolean survived, int escapees,
                      int members, long rssBytes, long nanos) {
        if (!g.markGone()) return; // reported already (the Cleaner and shutdown may race)
        if (signalled) {
            (neededKill ? statistics.terminatedBySigkill : statistics.terminatedBySigterm).increment();
            statistics.escapeesCaught.add(escapees);
            FlightEvents.termination(g, g.ending, g.policy.signal, neededKill, survived, escapees, members, rssBytes, nanos);
        }
        Watchdog w;
        synchronized (this) {
            w = g.isolated ? watchdog : null;
        }
        if (w != null) w.untrack(g);
        String why = g.ending;
        // The application left something behind for the agent to terminate: a leak worth naming.
        if (signalled && LeakReport.reported(why)) {
            report.group(g, why, neededKill, escapees, members, rssBytes);
        }
        if (survived) Log.warn(g + " still has members 1 s after SIGKILL");
        else Log.debug(g + (neededKill ? " killed after the grace period" : " terminated"));
        // Empty now (unless members survived: then at shutdown, or by the watchdog at its end).
        String cgroup = g.cgroup;
        if (cgroup != null && !survived && !Cgroups.remove(cgroup)) {
            Log.debug("the cgroup " + cgroup + " is not empty yet: removed at shutdown");
        }
        // Last: whoever waits for the registry to empty sees the records and counters complete.
        registry.remove(g);
    }

    /** At JVM shutdown: every live group gets the escalation, in parallel; bounded by grace + 1 s. */
    void shutdown() {
        shuttingDown = true;
        List<ProcessGroup> groups = registry.snapshot();
        Log.debug("shutdown: " + groups.size() + " live groups");
        try {
            if (!groups.isEmpty()) {
                long deadline = System.nanoTime() + config.longestGrace().toNanos() + TimeUnit.SECONDS.toNanos(1);
                for (ProcessGroup g : groups) end(g, "shutdown");
                escalation.terminate(groups, false);
                if (!escalation.awaitIdle(deadline)) {
                    Log.warn("shutdown: " + escalation.pendingCount() + " groups not gone after the grace period");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Watchdog w;
            synchronized (this) {
                w = watchdog;
            }
            // Every child's cgroup that is empty, then the JVM's directory; what is left is the watchdog's.
            Cgroups cg = cgroups;
            if (cg != null && !cg.removeAll()) Log.debug(cg + " keeps members: removed by the watchdog at its end");
            // Groups still listed are the watchdog's once the JVM has exited; it then removes the
            // helper's directory itself.
            boolean leftToWatchdog = w != null && w.close();
            if (helper != null && !(leftToWatchdog && w.isIn(helper))) helper.delete();
        }
    }

    /**
     * After a dynamic attach: starts at once (helper, shutdown hook, MBean) and adopts the JVM's
     * children that are already running. Returns how many were adopted.
     */
    public int attached() {
        attached = true;
        initialize();
        int n = 0;
        for (ProcessHandle child : ProcessHandle.current().children().toArray(ProcessHandle[]::new)) {
            long before = statistics.adopted.sum();
            adopt(child);
            if (statistics.adopted.sum() > before) n++;
        }
        return n;
    }

    /**
     * Takes charge of a child that was running before the agent arrived (attach): it cannot be
     * moved into a group of its own any more, so it is tracked as its tree of descendants (or as
     * its group, if it already leads one), and terminated with them at shutdown and on destroy().
     */
    public void adopt(ProcessHandle child) {
        initialize();
        ProcStat s = ProcStat.read(child.pid());
        if (s == null || !s.alive() || registry.get(child.pid()) != null) return;
        String command = child.info().commandLine().orElse("pid " + child.pid());
        StopPolicy policy = config.policyFor(command);
        if (policy == null) {
            Log.debug("not adopting pid " + s.pid + " (" + command + "): a rule keeps it");
            return;
        }
        boolean leads = s.pgrp == s.pid && s.session != ProcStat.self().session;
        track(new ProcessGroup(s.pid, s.startTime, leads, command, null, null, policy), null);
        statistics.adopted.increment();
        Log.debug("adopted " + (leads ? "group " : "tree ") + s.pid + " (" + command + ")");
    }

    /** Gives every live group the escalation now, as at shutdown but leaving the JVM running. */
    public int terminateAll() {
        Registry r = initialized ? registry : null;
        if (r == null) return 0;
        List<ProcessGroup> groups = r.snapshot();
        for (ProcessGroup g : groups) end(g, "terminate-all");
        escalation.terminate(groups, false);
        return groups.size();
    }

    /** The live groups, for the MBean. */
    List<ProcessGroup> groups() {
        Registry r = initialized ? registry : null;
        return r == null ? List.of() : r.snapshot();
    }

    /** Live groups the agent tracks now. */
    public int liveGroups() {
        Registry r = initialized ? registry : null;
        return r == null ? 0 : r.size();
    }

    static String show(String[] cmd) {
        String s = String.join(" ", cmd);
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }

}
