package dev.hygiene.agent;

import dev.hygiene.core.Log;
import dev.hygiene.core.ProcessHygiene;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.ref.Cleaner;
import java.lang.reflect.Constructor;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Defines {@code java.lang.ProcessHygieneHook} (src/main/bridge, compiled by the build into java.lang
 * and bundled as the resource {@value #RESOURCE}) in the bootstrap loader, and points it at
 * {@link Hooks}. Defining a class in java.lang takes a full-privilege lookup there. Where the agent
 * sees ProcessBuilder's first load, ProcessBuilder hands over its own when it initializes ({@link
 * LookupHandshake}, {@link #received}); elsewhere (attached to a running JVM, or a ProcessBuilder
 * whose initializer is not what the agent knows) the agent opens java.lang to its own class
 * loader's module, never to the application's ({@link #define}).
 */
final class Bridge {

    static final String NAME = "java/lang/ProcessHygieneHook";
    static final String RESOURCE = "dev/hygiene/agent/ProcessHygieneHook.bin";

    /**
     * The bridge itself, once defined: as a function of {cmd, env, dir, redirects,
     * redirectErrorStream}, the JDK's own ProcessImpl.start (and the requests of the bridge's
     * apply). Set here only.
     */
    private static volatile Function<Object[], Object> jdk;

    /** The bridge's class file while ProcessBuilder's handshake is awaited ({@link #expectHandshake}). */
    private static byte[] awaited;
    /** ProcessBuilder's lookup, once handed over, until the bridge is. */
    private static MethodHandles.Lookup javaLang;
    private static Instrumentation instrumentation;

    private Bridge() {}

    /** The bridge (the JDK's own start), or null if it is not defined (yet, or ever). */
    static Function<Object[], Object> jdk() {
        return jdk;
    }

    /**
     * ProcessBuilder is loading, with the handshake added: from now on it is {@link #received}.
     * The bridge's class file is read now, so that a damaged jar shows before ProcessBuilder is
     * rewritten. INST: what opens java.lang instead, should nothing else serve.
     */
    static synchronized void expectHandshake(Instrumentation inst) throws IOException {
        if (jdk != null) return;
        awaited = bytes();
        instrumentation = inst;
    }

    /**
     * What ProcessBuilder's handshake hands over (see {@link LookupHandshake}), through
     * Agent.apply: its own lookup, for which this returns the bridge's class file (core keeps
     * the lookup: {@link ProcessHygiene#javaLang}); what kept the JDK from defining it, if anything
     * did, after which it is defined with the lookup (or java.lang is opened to the agent); then
     * the bridge, whose hooks are set and which {@link #jdk()} is from then on (TRUE). Anything
     * else, and anything after that, is ignored (null).
     */
    static synchronized Object received(Object handed) {
        if (jdk != null || awaited == null) return null;
        if (handed instanceof MethodHandles.Lookup) {
            MethodHandles.Lookup lookup = (MethodHandles.Lookup) handed;
            if (javaLang != null || lookup.lookupClass() != ProcessBuilder.class || !lookup.hasFullPrivilegeAccess()) {
                return null;
            }
            javaLang = lookup;
            ProcessHygiene.javaLang(lookup);
            return awaited;
        }
        if (handed instanceof Throwable && javaLang != null) {
            try {
                javaLang.defineClass(awaited);
                Log.debug("the JDK did not define the bridge (" + handed + "): defined with ProcessBuilder's lookup");
            } catch (IllegalAccessException | RuntimeException | LinkageError e) {
                Log.debug("the bridge is not defined (" + handed + ", then " + e + "): java.lang is opened to the agent");
                try {
                    define(instrumentation);
                } catch (ReflectiveOperationException | IOException | RuntimeException e2) {
                    Log.error("cannot define the bridge in java.lang (" + e2 + "); processes cannot start");
                }
            }
            return null;
        }
        if (handed instanceof Function && handed.getClass().getClassLoader() == null
                && handed.getClass().getName().equals(NAME.replace('/', '.'))) {
            @SuppressWarnings("unchecked")
            Function<Object[], Object> bridge = (Function<Object[], Object>) handed;
            adopt(bridge);
            awaited = null;
            javaLang = null;
            return Boolean.TRUE;
        }
        return null;
    }

    /**
     * Defines the bridge once, with java.lang opened to the agent's module, and sets its two hooks.
     * From then on {@link #jdk()} is the JDK's own start.
     */
    @SuppressWarnings("unchecked")
    static synchronized void define(Instrumentation inst) throws ReflectiveOperationException, IOException {
        if (jdk != null) return;
        inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                Map.of("java.lang", Set.of(Bridge.class.getModule())), Set.of(), Map.of());
        Class<?> bridge = MethodHandles.privateLookupIn(Process.class, MethodHandles.lookup()).defineClass(bytes());
        Constructor<?> c = bridge.getDeclaredConstructor();
        c.setAccessible(true);
        adopt((Function<Object[], Object>) c.newInstance());
    }

    /** The bridge's class file, from the agent jar. */
    private static byte[] bytes() throws IOException {
        try (InputStream in = Bridge.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IOException(RESOURCE + " is missing from the agent jar");
            return in.readAllBytes();
        }
    }

    /**
     * Sets the hooks of BRIDGE (the only place they are set), which {@link #jdk()} is from then on,
     * and hands core the JDK's common Cleaner (see {@link ProcessHygiene#sharedCleaner}).
     */
    private static void adopt(Function<Object[], Object> bridge) {
        bridge.apply(new Object[] {"hooks", new Hooks.Start(), new Hooks.Destroy()});
        jdk = bridge;
        try {
            Object cleaner = bridge.apply(new Object[] {"cleaner"});
            if (cleaner instanceof Cleaner) ProcessHygiene.sharedCleaner((Cleaner) cleaner);
        } catch (RuntimeException | LinkageError e) { // a JDK without jdk.internal.ref.CleanerFactory
            Log.debug("no common Cleaner from the JDK (" + e + "): the agent makes its own");
        }
    }

    /** Whether the JDK runs a helper in place of its jspawnhelper when asked: null until known. */
    private static volatile Boolean spawns;

    /**
     * True if a start can run the agent's helper in place of the JDK's jspawnhelper: the bridge is
     * defined, the JDK starts children through its jspawnhelper (POSIX_SPAWN, as ProcessImpl
     * decided at its initialization, which this may cause), and ProcessImpl's read of the
     * helper's path was rewritten. Decided once.
     */
    static boolean spawnsThroughHelper() {
        Boolean known = spawns;
        if (known != null) return known;
        Function<Object[], Object> bridge = jdk;
        if (bridge == null) return false;
        String mechanism;
        try {
            mechanism = (String) bridge.apply(new Object[] {"launchMechanism"}); // initializes ProcessImpl: it is rewritten by then
        } catch (RuntimeException e) {
            mechanism = "unknown (" + e + ")";
        }
        boolean yes = mechanism.equals("POSIX_SPAWN") && ProcessClassesTransformer.helperPathRedirected();
        if (!yes) {
            Log.debug("the JDK's launch mechanism is " + mechanism + (mechanism.equals("POSIX_SPAWN")
                    ? ", but its helper path was not rewritten" : "") + ": the helper goes in front of each program");
        }
        spawns = yes;
        return yes;
    }
}
