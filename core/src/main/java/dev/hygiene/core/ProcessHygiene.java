package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.invoke.MethodHandles;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything the agent does, behind the two calls the instrumented JDK makes: {@link #start} (for
 * every ProcessBuilder.start, startPipeline and Runtime.exec) and {@link #destroy} (for
 * Process.destroy and destroyForcibly); and the calls of attach and of the MBean.
 *
 * <p>Where each part lives: starting a child is {@link Launch} (and {@link ExecWait}); what ends a
 * group, {@link Termination}; how it is ended, {@link Escalation}; what follows, {@link Outcomes};
 * set-up, shutdown and attach, {@link Lifecycle}.
 *
 * <p>Nothing here runs before the application starts its first process: the helper is extracted,
 * and the shutdown hook installed, on the first start.
 */
public final class ProcessHygiene {

    /** The environment variable that marks the descendants of a child (where no cgroup holds them). */
    public static final String MARKER_VARIABLE = HelperProtocol.MARKER_VAR;

    /**
     * A full-privilege lookup in java.lang, for what core reaches there ({@link GroupSignal}: the
     * JDK's own signal to a group), where java.lang is not opened to it: the agent's. Null until
     * given; core then looks for itself, where it may.
     */
    static volatile MethodHandles.Lookup javaLang;

    private final Lifecycle life;

    /** Hands core a full-privilege lookup in java.lang (see {@link #javaLang}). */
    public static void javaLang(MethodHandles.Lookup lookup) {
        javaLang = lookup;
    }

    /**
     * Hands core a Cleaner whose thread runs already (the agent's: the JDK's common one), to learn
     * of a Process the application dropped without a thread of its own at the first start (making
     * one cost it 1 to 2 ms, measured). Without one, core makes its own when it first needs it.
     */
    public static void sharedCleaner(Cleaner cleaner) {
        Registry.shared = cleaner;
    }

    public ProcessHygiene(Config config, Path agentDir) {
        this.life = new Lifecycle(this, config, agentDir);
    }

    /**
     * Says that the application is likely to start its first process soon (it loaded
     * ProcessBuilder): prepares, in the background, what that start would otherwise wait for.
     * Nothing is set up, and nothing changes, before the start itself.
     */
    public void startsSoon() {
        life.startsSoon();
    }

    /** What the agent has done so far, for the MBean. */
    Statistics statistics() {
        return life.statistics;
    }

    /**
     * Starts a child as the JDK would, but as the leader of a new process group; returns only once
     * the child runs the real program in its own group. Falls back to the plain start (tracking the
     * child as a tree) where isolation is impossible or unwanted.
     */
    public Process start(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                         boolean redirectErrorStream, Starter jdk) throws IOException {
        Lifecycle l = life.started();
        try {
            return l.launch.start(cmd, env, dir, redirects, redirectErrorStream, jdk);
        } finally {
            l.startReturned();
        }
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
     * Process.destroy (FORCE false) or destroyForcibly (true) of the child HANDLE: a tracked group
     * gets the escalation as a whole; any other process what the JDK gives it.
     */
    public boolean destroy(ProcessHandle handle, boolean force) {
        if (!life.initialized()) return force ? handle.destroyForcibly() : handle.destroy();
        return life.termination.destroy(handle, force);
    }

    /**
     * After a dynamic attach: starts at once (helper, shutdown hook, MBean) and adopts the JVM's
     * children that are already running. Returns how many were adopted.
     */
    public int attached() {
        return life.attached();
    }

    /**
     * Takes charge of a child that was running before the agent arrived: tracked as its tree of
     * descendants (or as its group, if it already leads one).
     */
    public void adopt(ProcessHandle child) {
        life.adopt(child);
    }

    /** Gives every live group the escalation now, as at shutdown but leaving the JVM running. */
    public int terminateAll() {
        return life.initialized() ? life.termination.terminateAll() : 0;
    }

    /** Live groups the agent tracks now. */
    public int liveGroups() {
        return life.initialized() ? life.registry.size() : 0;
    }

    /** The live groups, for the MBean. */
    List<ProcessGroup> groups() {
        return life.groups();
    }
}
