package dev.hygiene.core;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The agent's life in one JVM: set up at the first start (or at attach), never before; torn down
 * at shutdown. It holds what the other parts share: the helper (or setsid(1)), the children's
 * cgroups, the registry of live groups, the signals, the escalation and the watchdog.
 * <ul>
 *   <li>before it, from ProcessBuilder's load: the warm-up of the cgroup moves ({@link
 *       CgroupWarmUp}), which makes the per-JVM cgroup ahead, and removes it if no start came;</li>
 *   <li>set-up: the helper (or why not, in one line), the marker prefix, the per-JVM cgroup, the
 *       shutdown hook, the MBean;</li>
 *   <li>a helper removed from the disk (by a cleaner of /tmp) is extracted again;</li>
 *   <li>shutdown: every live group gets the escalation; then the cgroups and the helper go,
 *       unless the watchdog still needs them;</li>
 *   <li>attach: the JVM's running children are adopted.</li>
 * </ul>
 */
final class Lifecycle {

    final Config config;
    final Statistics statistics = new Statistics();
    private final ProcessHygiene facade;
    private final Path agentDir;

    private volatile boolean initialized;
    private volatile boolean shuttingDown;
    private volatile boolean attached;

    /** The helper; null if none could be extracted. Replaced if removed from the disk. */
    volatile Helper helper;
    /** What starts a child in a group of its own: the helper, setsid(1), or null (none). */
    volatile GroupLauncher launcher;
    /** Prefix of the PROCESS_HYGIENE_GROUP markers of this JVM run: "PID.STARTTIME.". */
    String markerPrefix;
    /** The children's cgroups; null where the JVM cannot create them (or containment=group). */
    volatile Cgroups cgroups;
    Registry registry;
    Termination termination;
    Launch launch;
    private Watchdog watchdog;
    private volatile boolean watchdogTried;
    /**
     * The watchdog's start that {@link #watchdogSoon} began (on a thread of its own, or asked of a
     * child's helper), whose outcome {@link #watchdog} takes; null until then, and once taken.
     */
    private volatile Supplier<Watchdog> watchdogPending;

    Lifecycle(ProcessHygiene facade, Config config, Path agentDir) {
        this.facade = facade;
        this.config = config;
        this.agentDir = agentDir;
    }

    /** True once set up: before that no child was started, and there is nothing to terminate. */
    boolean initialized() {
        return initialized;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    /** Sets up on the first call; returns this. */
    Lifecycle started() {
        if (!initialized) initialize();
        return this;
    }

    /** True once {@link #startsSoon} ran (or was not to run). */
    private volatile boolean announced;
    /** The warm-up of the children's cgroup moves until the first start made one; else null. */
    private volatile CgroupWarmUp warmUp;

    /**
     * A first start is likely soon (the application loaded ProcessBuilder): where the children
     * will get cgroups, has the kernel keep their moves fast until then ({@link CgroupWarmUp}),
     * which otherwise cost the first start 5 to 20 ms of waiting. Once; nothing else is set up.
     */
    void startsSoon() {
        if (announced) return;
        synchronized (this) {
            if (announced || initialized) return;
            announced = true;
        }
        if (!config.extractHelper || config.containment.equals("group")) return;
        try {
            CgroupWarmUp w = new CgroupWarmUp(this);
            w.start();
            warmUp = w;
        } catch (RuntimeException | Error e) {
            // no thread: the first move waits as it would have
        }
    }

    /** A start has returned (or failed): its cgroup move, if any, is made; the warm-up can end. */
    void startReturned() {
        CgroupWarmUp w = warmUp;
        if (w != null) {
            warmUp = null;
            w.end();
        }
    }

    /** True if set up with CG as the children's cgroups (the warm-up's check, under this). */
    boolean holds(Cgroups cg) {
        Cgroups own = cgroups;
        return initialized && own != null && own.dir.equals(cg.dir);
    }

    private synchronized void initialize() {
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
        termination = new Termination(this);
        registry = new Registry(termination);
        launch = new Launch(this);
        Runtime.getRuntime().addShutdownHook(new Thread(new ShutdownHook(), "process-hygiene-shutdown"));
        initialized = true;
        MBeanRegistration.start(facade, attached);
    }

    /**
     * What ends groups (the signals, the escalation, the outcomes and the leak report): made when
     * the first group is to be ended or found gone, not at the first start, where its classes
     * (about a fifth of the agent's code) would cost the start milliseconds it does not need.
     */
    private final Object ending = new Object();
    private volatile Escalation escalation;
    private Outcomes outcomes;
    private Signals signals;
    private LeakReport report;

    /** The escalation (made on the first call, after set-up). */
    Escalation escalation() {
        Escalation e = escalation;
        if (e != null) return e;
        synchronized (ending) {
            if (escalation == null) {
                signals = new Signals(helper);
                escalation = new Escalation(signals, helper != null, outcomes());
            }
            return escalation;
        }
    }

    /**
     * What happens once a group is gone (made on the first call): without the escalation, for a
     * group found empty.
     */
    Outcomes outcomes() {
        synchronized (ending) {
            if (outcomes == null) outcomes = new Outcomes(this);
            return outcomes;
        }
    }

    /** The leak report, made when the first record is due. */
    LeakReport report() {
        synchronized (ending) {
            if (report == null) report = new LeakReport(config.report);
            return report;
        }
    }

    /**
     * Begins the watchdog's start, before the first isolated child's. With BY_SPAWN (that child
     * starts through the helper's spawn mode), the child's helper is asked to start it ({@link
     * Watchdog#request}): no start of the JVM's own, which would cost the first start most of what
     * it costs (a second spawn, its pipes, its reaper). Otherwise (or if the request cannot be
     * written) on a thread of its own, so that it overlaps the child's start. {@link #watchdog}
     * learns the outcome, before that start returns to the application. Nothing if it was begun or
     * tried already, or if there is to be no watchdog.
     */
    void watchdogSoon(boolean bySpawn) {
        if (watchdogTried || watchdogPending != null) return;
        synchronized (this) {
            Helper h = helper;
            if (watchdogTried || watchdogPending != null || h == null || isPidOne()) return;
            Supplier<Watchdog> requested = bySpawn ? Watchdog.request(h, config) : null;
            if (requested != null) {
                watchdogPending = requested;
                return;
            }
            WatchdogStart s = new WatchdogStart(h);
            watchdogPending = s;
            s.start();
        }
    }

    /** The watchdog, started with the first group (never for pid 1); null if there is none. */
    synchronized Watchdog watchdog() {
        if (!watchdogTried && helper != null) {
            watchdogTried = true;
            if (isPidOne()) {
                // Pid 1 of its pid namespace (a container's JVM): when it dies the kernel kills
                // every process of the namespace, so nothing can outlive it; a watchdog would only
                // be re-parented to the JVM, one child the application never started.
                Log.debug("pid 1 of its pid namespace: no watchdog (the kernel ends the namespace with the JVM)");
                return null;
            }
            Supplier<Watchdog> pending = watchdogPending;
            watchdogPending = null;
            watchdog = pending != null ? pending.get() : Watchdog.start(helper, config);
            Cgroups cg = cgroups;
            if (watchdog != null && cg != null) watchdog.removeAtEnd(cg.dir);
        }
        return watchdog;
    }

    private static boolean isPidOne() {
        return ProcessHandle.current().pid() == 1;
    }

    /**
     * Watchdog.start on a thread of its own, for {@link #watchdogSoon} (a plain class: no lambda to
     * bootstrap at the first start).
     */
    private final class WatchdogStart extends Thread implements Supplier<Watchdog> {
        private final Helper helper;
        /** Written before the thread ends; read after join(). */
        private Watchdog result;

        WatchdogStart(Helper helper) {
            super("process-hygiene-watchdog-start");
            setDaemon(true);
            this.helper = helper;
        }

        @Override
        public void run() {
            try {
                result = Watchdog.start(helper, config);
            } catch (Throwable t) {
                Log.error("cannot start the watchdog: " + t);
            }
        }

        /** The watchdog started (null if it could not), once this thread has ended. */
        @Override
        public Watchdog get() {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        join();
                        return result;
                    } catch (InterruptedException e) {
                        interrupted = true; // the application's start() goes on: keep its interrupt for later
                    }
                }
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }
    }

    /** The helper in place of the JDK's jspawnhelper, once tried for {@link #spawnTriedFor}: null if it cannot be. */
    private volatile JdkSpawn spawn;
    private volatile Helper spawnTriedFor;

    /**
     * The helper HELPER in place of the JDK's jspawnhelper (its links made at the first call for
     * it); null where that cannot be, said once in the debug log.
     */
    JdkSpawn spawn(Helper helper) {
        if (spawnTriedFor == helper) return spawn;
        synchronized (this) {
            if (spawnTriedFor != helper) {
                StringBuilder why = new StringBuilder();
                JdkSpawn s = JdkSpawn.prepare(helper, cgroups, why);
                if (s == null) Log.debug("the helper cannot run in place of the JDK's jspawnhelper (" + why + "): it goes in front of each program");
                spawn = s;
                spawnTriedFor = helper;
            }
            return spawn;
        }
    }

    /**
     * The watchdog if it was started (a start in progress on the thread of {@link #watchdogSoon},
     * or asked of a child's helper, is waited for, so that its groups file is not left without the
     * JVM's end); null otherwise
     * (never starts it).
     */
    synchronized Watchdog watchdogIfStarted() {
        if (!watchdogTried && watchdogPending != null) return watchdog();
        return watchdog;
    }

    /**
     * A long-running JVM can lose its helper to a cleaner of /tmp (systemd-tmpfiles removes old
     * files there). If it is gone, extract it again, once per loss, and say so in one line; the
     * watchdog, a running process, keeps running, and its list of groups (in the lost helper's
     * directory) is written anew. True if a start should be tried again.
     */
    synchronized boolean replaceVanishedHelper(Helper lost) {
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
            synchronized (ending) {
                if (signals != null) signals.use(fresh);
            }
            return true;
        }
        launcher = null;
        return false;
    }

    /** The shutdown hook (a plain class: no lambda to bootstrap at the first start). */
    private final class ShutdownHook implements Runnable {
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

    /** At JVM shutdown: every live group gets the escalation, in parallel; bounded by grace + 1 s. */
    void shutdown() {
        shuttingDown = true;
        boolean handedOff = false;
        try {
            handedOff = termination.atShutdown();
        } finally {
            Watchdog w = watchdogIfStarted();
            // Every child's cgroup that is empty, then the JVM's directory; what is left is the
            // watchdog's (all of it after a hand-off: the groups are still there).
            Cgroups cg = cgroups;
            if (cg != null && !handedOff && !cg.removeAll()) Log.debug(cg + " keeps members: removed by the watchdog at its end");
            // Groups still listed are the watchdog's once the JVM has exited; it then removes the
            // helper's directory itself.
            boolean leftToWatchdog = w != null && w.close();
            Helper h = helper;
            if (h != null && !(leftToWatchdog && w.isIn(h))) h.delete();
        }
    }

    /**
     * After a dynamic attach: starts at once (helper, shutdown hook, MBean) and adopts the JVM's
     * children that are already running. Returns how many were adopted.
     */
    int attached() {
        attached = true;
        started();
        int n = 0;
        for (ProcessHandle child : ProcessHandle.current().children().toArray(ProcessHandle[]::new)) {
            if (adopt(child)) n++;
        }
        return n;
    }

    /**
     * Takes charge of a child that was running before the agent arrived (attach): it cannot be
     * moved into a group of its own any more, so it is tracked as its tree of descendants (or as
     * its group, if it already leads one), and terminated with them at shutdown and on destroy().
     * True if it was adopted.
     */
    boolean adopt(ProcessHandle child) {
        started();
        ProcStat s = ProcStat.read(child.pid());
        if (s == null || !s.alive() || registry.get(child.pid()) != null) return false;
        String command = child.info().commandLine().orElse("pid " + child.pid());
        StopPolicy policy = config.policyFor(command);
        if (policy == null) {
            Log.debug("not adopting pid " + s.pid + " (" + command + "): a rule keeps it");
            return false;
        }
        boolean leads = s.pgrp == s.pid && s.session != ProcStat.self().session;
        termination.track(new ProcessGroup(s.pid, s.startTime, leads ? Containment.GROUP : Containment.TREE, null,
                command, null, null, policy), null);
        statistics.adopted.incrementAndGet();
        Log.debug("adopted " + (leads ? "group " : "tree ") + s.pid + " (" + command + ")");
        return true;
    }

    /** The live groups; empty before set-up. */
    List<ProcessGroup> groups() {
        return initialized ? registry.snapshot() : List.of();
    }
}
