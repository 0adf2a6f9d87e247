package dev.hygiene.agent;

import dev.hygiene.core.Config;
import dev.hygiene.core.Log;
import dev.hygiene.core.Privileged;
import dev.hygiene.core.ProcessHygiene;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.security.PrivilegedAction;
import java.security.ProtectionDomain;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Rewrites three places in the JDK's process classes as they load, each into a call of the bridge
 * (see src/main/bridge):
 * <ul>
 *   <li>in {@code ProcessBuilder.start(Redirect[])}, the call of {@code ProcessImpl.start}: the one
 *       place that ProcessBuilder.start, startPipeline and Runtime.exec all reach;</li>
 *   <li>in {@code ProcessImpl.destroy(boolean)}, the call of
 *       {@code ProcessHandleImpl.destroyProcess}: behind Process.destroy and destroyForcibly;</li>
 *   <li>in ProcessImpl's constructor, the read of {@code ProcessImpl.helperpath} (the JDK's
 *       jspawnhelper), so that a start may run the agent's helper in its place. Optional: without
 *       it, the agent puts its helper in front of the program instead (see Starter.spawn).</li>
 * </ul>
 * The bridge is defined when ProcessBuilder is first initialized, with the lookup it hands over
 * ({@link LookupHandshake}, which its rewrite adds; {@link #apply} receives it), or, where that
 * cannot be added, when ProcessBuilder is rewritten: ProcessImpl's destroy runs only for a Process,
 * which only ProcessBuilder.start makes. If the bridge cannot be defined there, ProcessBuilder is
 * left as it is and ProcessImpl is restored. A ProcessImpl loaded before ProcessBuilder (on JDK 25
 * System.getenv loads it), which Agent.Deferred left as it was, is rewritten by a redefinition when
 * ProcessBuilder initializes ({@link #rewriteProcessImpl}).
 */
final class ProcessClassesTransformer implements ClassFileTransformer, BooleanSupplier, Function<Object, Object> {

    static final String START_DESC =
            "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;";

    static final CallRedirect START = new CallRedirect(
            "start", "([Ljava/lang/ProcessBuilder$Redirect;)Ljava/lang/Process;",
            CallRedirect.INVOKESTATIC, "java/lang/ProcessImpl", "start", START_DESC,
            Bridge.NAME, "start", START_DESC);

    static final CallRedirect DESTROY = new CallRedirect(
            "destroy", "(Z)V",
            CallRedirect.INVOKEVIRTUAL, "java/lang/ProcessHandleImpl", "destroyProcess", "(Z)Z",
            Bridge.NAME, "destroyProcess", "(Ljava/lang/ProcessHandleImpl;Z)Z");

    static final CallRedirect HELPER_PATH = new CallRedirect(
            "<init>", "([B[BI[BI[B[IZZ)V",
            CallRedirect.GETSTATIC, "java/lang/ProcessImpl", "helperpath", "[B",
            Bridge.NAME, "helperpath", "()[B");

    /** True while ProcessImpl's constructor reads its helper's path from the bridge. */
    private static volatile boolean helperPathRedirected;

    private final Instrumentation inst;
    /**
     * Registered to retransform (attach, pid 1): ProcessImpl is restored by a retransformation.
     * Else (Agent.Deferred) the JVM would reuse the rewrite there, and it is restored by a
     * redefinition from {@link #processImplAsLoaded}.
     */
    private final boolean retransformable;
    private volatile boolean disabled;
    private volatile boolean startRedirected, destroyRedirected;
    /** True once ProcessBuilder was given the handshake at its load: a retransformation gives it again. */
    private volatile boolean handshake;
    /** True once ProcessImpl, loaded before the agent, was rewritten by a retransformation (see {@link #rewriteProcessImpl}). */
    private volatile boolean processImplRetransformed;
    /**
     * ProcessImpl's bytes as the JDK gave them, until both classes are rewritten (not
     * retransformable only): to restore it, or to rewrite it by a redefinition.
     */
    private volatile byte[] processImplAsLoaded;
    /** True while the agent redefines ProcessImpl: the bytes the JVM hands over then are the rewrite. */
    private volatile boolean redefining;
    /** What the agent's core is made from ({@link #coreFrom}); null until the configuration is read. */
    private Config config;
    private Path agentDir;

    /** Whether ProcessBuilder was loaded before the agent (see {@link Installation#install}). */
    private final BooleanSupplier builderLoadedBefore;

    /**
     * PROCESS_IMPL: its bytes as the JDK loaded it, left as they were (Agent.Deferred); else null.
     * BUILDER_LOADED_BEFORE: asked where ProcessImpl loads before ProcessBuilder while this is
     * registered (retransformable), once.
     */
    ProcessClassesTransformer(Instrumentation inst, boolean retransformable, byte[] processImpl, BooleanSupplier builderLoadedBefore) {
        this.inst = inst;
        this.retransformable = retransformable;
        this.processImplAsLoaded = processImpl;
        this.builderLoadedBefore = builderLoadedBefore;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (loader != null || className == null || !className.startsWith("java/lang/Process") || disabled || redefining) return null;
        CallRedirect redirect = className.equals("java/lang/ProcessBuilder") ? START
                : className.equals("java/lang/ProcessImpl") ? DESTROY : null;
        if (redirect == null) return null;
        if (redirect == DESTROY && retransformable && redefined == null && !startRedirected && builderLoadedBefore.getAsBoolean()) {
            // The bridge is defined with ProcessBuilder's rewrite, which will never come: a
            // rewritten ProcessImpl would call a bridge that does not exist.
            Installation.sayBuilderLoadedBefore();
            disable();
            return null;
        }
        try {
            byte[] out = redirect.apply(bytes);
            if (redirect == DESTROY) out = withHelperPath(out);
            // Under a SecurityManager the class load may be the application's: the definition
            // (where java.lang is opened to the agent, a private lookup) is the agent's own work.
            if (redirect == START) {
                byte[] withHandshake = withHandshake(out, redefined == null);
                if (withHandshake != null) out = withHandshake;
                else DefineBridge.define(inst);
                makeCore();
                if (redefined == null) startsSoon();
                startRedirected = true;
                if (destroyRedirected) processImplAsLoaded = null; // nothing to restore any more
            } else {
                if (!retransformable && !startRedirected) processImplAsLoaded = bytes;
                destroyRedirected = true;
            }
            if (Log.enabled(Log.Level.DEBUG)) Log.debug("instrumented " + className.replace('/', '.'));
            return out;
        } catch (Throwable t) {
            Log.error("cannot instrument " + className.replace('/', '.') + " (" + t
                    + "); processes are started and destroyed as without the agent");
            disable();
            return null;
        }
    }

    /**
     * ProcessBuilder (its start redirected already) with {@link LookupHandshake}'s handshake, at its
     * first LOAD, or when it is retransformed after it had it (a retransformation must keep its
     * methods); null where it cannot have it: the bridge is then defined at once.
     */
    private byte[] withHandshake(byte[] processBuilder, boolean load) throws java.io.IOException {
        if (!load) return handshake ? LookupHandshake.apply(processBuilder) : null;
        byte[] out;
        try {
            // What the handshake calls: Agent, as the application's class loader (which loaded it) finds it.
            Class.forName(LookupHandshake.RECEIVER, false, ClassLoader.getSystemClassLoader());
            out = LookupHandshake.apply(processBuilder);
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            Log.debug("no handshake in ProcessBuilder (" + e + "): java.lang is opened to the agent");
            return null;
        }
        Bridge.expectHandshake(inst);
        handshake = true;
        return out;
    }

    /**
     * What ProcessBuilder's handshake hands over, through Agent.apply: see {@link
     * Bridge#received}.
     */
    @Override
    public Object apply(Object handed) {
        try {
            Object received = DefineBridge.received(handed);
            if (received == Boolean.TRUE && !destroyRedirected && !disabled) rewriteProcessImpl();
            return received;
        } catch (RuntimeException | Error e) {
            Log.error("cannot take the bridge from ProcessBuilder: " + e);
            return null;
        }
    }

    /**
     * ProcessImpl (with its destroy rewritten already) with its read of the helper's path
     * rewritten too, or as it is where that read is not what this agent knows.
     */
    private static byte[] withHelperPath(byte[] processImpl) {
        try {
            byte[] out = HELPER_PATH.apply(processImpl);
            helperPathRedirected = true;
            return out;
        } catch (RuntimeException e) {
            helperPathRedirected = false;
            Log.debug("ProcessImpl's helper path is not where this agent expects it (" + e.getMessage()
                    + "): the agent's helper goes in front of each program instead");
            return processImpl;
        }
    }

    /**
     * The agent's core ({@link Hooks#hygiene}) is made from CONFIG once the bridge is defined, when
     * ProcessBuilder loads (at once if it has loaded already, or with FORCE): a JVM that never uses
     * ProcessBuilder never loads the core's classes (about a dozen: milliseconds of its start-up).
     */
    synchronized void coreFrom(Config config, Path agentDir, boolean force) {
        this.config = config;
        this.agentDir = agentDir;
        if (startRedirected || force) makeCore();
        else if (!retransformable) startsSoon(); // installed as ProcessBuilder loads (Agent.Deferred): now
    }

    /**
     * ProcessBuilder loads (for the first time): the application's first process is likely soon,
     * and the core begins what that start would wait for ({@link ProcessHygiene#startsSoon}), as
     * early as it can (before the rest of the installation). Not so where the agent installs ahead.
     */
    private void startsSoon() {
        if (Thread.currentThread().getName().equals(Agent.Deferred.THREAD)) return;
        makeCore();
        ProcessHygiene core = Hooks.hygiene;
        if (core != null) core.startsSoon();
    }

    private synchronized void makeCore() {
        if (Hooks.hygiene == null && config != null) Hooks.hygiene = new ProcessHygiene(config, agentDir);
    }

    /**
     * Has ProcessImpl rewritten as ProcessBuilder initializes (its handshake calls this), rather
     * than at the first start: it is loaded here (not initialized), which has the agent rewrite it.
     * With both classes rewritten, Agent.Deferred removes itself, and the classes the JVM loads from
     * then on (the JDK's own at the first start: its process handles, its lambdas) no longer go
     * through a transformer, which costs every class ~9 us on JDK 17 and ~22 us on JDK 25 (see
     * BENCHMARKS.md). Not from a transformation: a class loaded there is not handed to the agent's
     * own transformer (java.lang.instrument does not re-enter it); ProcessBuilder's static
     * initializer never runs in one.
     *
     * <p>A ProcessImpl loaded already is rewritten in place: without it, Process.destroy() would
     * end the child alone and its descendants would escape. Loaded before ProcessBuilder, after the
     * agent's premain (on JDK 25 System.getenv loads it), Agent.Deferred kept its bytes: it is
     * redefined from them, a rewrite that another agent's retransformation keeps. Loaded before the
     * agent's premain (another agent's may have called System.getenv), it is retransformed through
     * this transformer, registered for it alone where it is not registered to retransform.
     */
    private void rewriteProcessImpl() {
        try {
            if (Privileged.POSSIBLE) Privileged.run(new RewriteProcessImpl());
            else rewriteLoadedProcessImpl();
        } catch (Throwable t) {
            Log.error("cannot rewrite java.lang.ProcessImpl (" + t + "); Process.destroy() ends the child alone, not its group");
        }
    }

    /** See {@link #rewriteProcessImpl}. */
    private void rewriteLoadedProcessImpl() throws ClassNotFoundException, java.lang.instrument.UnmodifiableClassException {
        Class<?> processImpl = Class.forName("java.lang.ProcessImpl", false, null);
        if (destroyRedirected || disabled) return; // rewritten at its load, just now (or given up)
        byte[] asLoaded = processImplAsLoaded;
        if (!retransformable && asLoaded != null) {
            byte[] rewritten = withHelperPath(DESTROY.apply(asLoaded));
            redefining = true;
            try {
                inst.redefineClasses(new ClassDefinition(processImpl, rewritten));
                destroyRedirected = true;
            } finally {
                redefining = false;
                if (!destroyRedirected) helperPathRedirected = false; // its constructor reads the JDK's helper still
            }
            processImplAsLoaded = null; // ProcessBuilder is rewritten: nothing to restore any more
            Log.debug("java.lang.ProcessImpl was loaded before ProcessBuilder: rewritten by a redefinition");
            return;
        }
        retransform(processImpl);
        if (disabled) return; // the rewrite failed, and said so
        if (!destroyRedirected) throw new IllegalStateException("its retransformation did not rewrite it");
        Log.debug("java.lang.ProcessImpl was loaded before the agent: rewritten by a retransformation");
    }

    /** Retransforms PROCESS_IMPL, loaded before the agent, through this transformer. */
    private void retransform(Class<?> processImpl) throws java.lang.instrument.UnmodifiableClassException {
        if (retransformable) {
            inst.retransformClasses(processImpl);
            return;
        }
        inst.addTransformer(this, true);
        try {
            processImplRetransformed = true; // restored by a retransformation, once this is removed again
            inst.retransformClasses(processImpl);
        } finally {
            inst.removeTransformer(this);
        }
    }

    /** {@link #rewriteLoadedProcessImpl}, privileged where a SecurityManager can be installed. */
    private final class RewriteProcessImpl implements PrivilegedAction<Object> {
        @Override
        public Object run() {
            try {
                rewriteLoadedProcessImpl();
                return null;
            } catch (ReflectiveOperationException | java.lang.instrument.UnmodifiableClassException e) {
                throw new IllegalStateException(e.toString(), e);
            }
        }
    }

    /** True while a start through the JDK's jspawnhelper may have the agent's helper run in its place. */
    static boolean helperPathRedirected() {
        return helperPathRedirected;
    }

    /**
     * True once there is nothing left for this to do at a class's load: both classes are rewritten,
     * or it gave up (Agent.Deferred then removes itself).
     */
    @Override
    public boolean getAsBoolean() {
        return disabled || startRedirected && destroyRedirected;
    }

    /** True once the transformer gave up: ProcessBuilder may then start children without the bridge. */
    boolean disabled() {
        return disabled;
    }

    /** Bridge.define and Bridge.received, privileged where a SecurityManager can be installed. */
    private static final class DefineBridge implements PrivilegedAction<Object> {
        private final Instrumentation inst;
        /** What ProcessBuilder handed over; null: Bridge.define. */
        private final Object handed;

        static void define(Instrumentation inst) throws ReflectiveOperationException, java.io.IOException {
            if (Privileged.POSSIBLE) Privileged.run(new DefineBridge(inst, null));
            else Bridge.define(inst);
        }

        static Object received(Object handed) {
            return Privileged.POSSIBLE ? Privileged.run(new DefineBridge(null, handed)) : Bridge.received(handed);
        }

        DefineBridge(Instrumentation inst, Object handed) {
            this.inst = inst;
            this.handed = handed;
        }

        @Override
        public Object run() {
            if (handed != null) return Bridge.received(handed);
            try {
                Bridge.define(inst);
                return null;
            } catch (ReflectiveOperationException | java.io.IOException e) {
                throw new IllegalStateException(e.toString(), e);
            }
        }
    }

    /**
     * Stops rewriting, and gives ProcessImpl its own bytes back if they were rewritten. The reaper
     * of orphans stops first: it relies on every start going through the bridge.
     */
    private void disable() {
        disabled = true;
        helperPathRedirected = false;
        OrphanReaping.stop();
        if (!destroyRedirected) return;
        try {
            Class<?> processImpl = Class.forName("java.lang.ProcessImpl");
            byte[] asLoaded = processImplAsLoaded;
            if (retransformable || processImplRetransformed) inst.retransformClasses(processImpl);
            else if (asLoaded != null) inst.redefineClasses(new ClassDefinition(processImpl, asLoaded));
            else throw new IllegalStateException("its bytes as loaded are not kept");
        } catch (Throwable t) {
            Log.error("cannot restore java.lang.ProcessImpl: " + t);
        }
    }
}
