package dev.hygiene.agent;

import dev.hygiene.core.Log;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Defines {@code java.lang.ProcessHygieneHook} (src/main/bridge, compiled by the build into java.lang
 * and bundled as the resource {@value #RESOURCE}) in the bootstrap loader, and points it at
 * {@link Hooks}. To define a class in java.lang the agent needs java.lang opened to it: it opens it
 * to its own class loader's module only, not to the application's, and only when the first
 * process class loads.
 */
final class Bridge {

    static final String NAME = "java/lang/ProcessHygieneHook";
    static final String RESOURCE = "dev/hygiene/agent/ProcessHygieneHook.bin";

    /**
     * The bridge itself, once defined: as a function of {cmd, env, dir, redirects,
     * redirectErrorStream}, the JDK's own ProcessImpl.start. Set here only.
     */
    private static volatile Function<Object[], Object> jdk;

    private Bridge() {}

    /** The bridge (the JDK's own start), or null if it is not defined (yet, or ever). */
    static Function<Object[], Object> jdk() {
        return jdk;
    }

    /**
     * Defines the bridge once, and sets its two hooks (the only place they are set). From then on
     * {@link #jdk()} is the JDK's own start.
     */
    @SuppressWarnings("unchecked")
    static synchronized void define(Instrumentation inst) throws ReflectiveOperationException, IOException {
        if (jdk != null) return;
        inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                Map.of("java.lang", Set.of(Bridge.class.getModule())), Set.of(), Map.of());
        byte[] bytes;
        try (InputStream in = Bridge.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IOException(RESOURCE + " is missing from the agent jar");
            bytes = in.readAllBytes();
        }
        Class<?> bridge = MethodHandles.privateLookupIn(Process.class, MethodHandles.lookup()).defineClass(bytes);
        set(bridge, "start", new Hooks.Start());
        set(bridge, "destroy", new Hooks.Destroy());
        Constructor<?> c = bridge.getDeclaredConstructor();
        c.setAccessible(true);
        jdk = (Function<Object[], Object>) c.newInstance();
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
            Method m = bridge.getClass().getDeclaredMethod("launchMechanism");
            m.setAccessible(true);
            mechanism = (String) m.invoke(null); // initializes ProcessImpl: it is rewritten by then
        } catch (ReflectiveOperationException | RuntimeException e) {
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

    private static void set(Class<?> bridge, String field, Object value) throws ReflectiveOperationException {
        Field f = bridge.getDeclaredField(field);
        f.setAccessible(true);
        f.set(null, value);
    }
}
