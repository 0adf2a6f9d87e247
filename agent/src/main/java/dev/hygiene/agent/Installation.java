package dev.hygiene.agent;

import dev.hygiene.core.Config;
import dev.hygiene.core.Log;
import dev.hygiene.core.Privileged;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.security.PrivilegedAction;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Installs the agent, in its own class loader: registers the transformer of the JDK's process
 * classes and reads the configuration. Nothing else happens before the application's first
 * process: the bridge and the agent's core are made when ProcessBuilder loads, the helper is
 * extracted on the first start.
 */
public final class Installation {

    // Runs when Agent initialises this class in the agent's own loader, which carries premain's
    // arguments (a JDK interface is the only type both loaders share).
    static {
        try {
            @SuppressWarnings("unchecked")
            Object[] a = ((Supplier<Object[]>) Installation.class.getClassLoader()).get();
            install((String) a[0], (Instrumentation) a[1], (Path) a[2], (Boolean) a[3], (Boolean) a[4], (Boolean) a[5],
                    (BooleanSupplier) a[7], (byte[]) a[8], a);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Installation() {}

    /**
     * The transformer goes into INSTALLATION[6], where Agent.apply finds it. With DEFERRED
     * (Agent.Deferred: a process class of the JDK is loading now) it is not registered: Deferred
     * takes it from there, and gives it that class and every later one. PID_ONE: the JVM is pid 1
     * of its pid namespace. BUILDER_LOADED_BEFORE: whether ProcessBuilder was loaded before the
     * agent, which then does nothing but say so (Agent.BuilderLoadedBefore: known when DEFERRED;
     * at pid 1 the transformer asks it, should ProcessImpl load first). PROCESS_IMPL: ProcessImpl's bytes as the JDK loaded it,
     * before ProcessBuilder (Agent.Deferred kept them; null if it did not load then).
     */
    static void install(String args, Instrumentation inst, Path jar, boolean attached, boolean pidOne, boolean deferred,
                        BooleanSupplier builderLoadedBefore, byte[] processImpl, Object[] installation) throws Exception {
        String os = System.getProperty("os.name", "");
        if (!os.equals("Linux")) {
            Config.load(args); // its warnings, and the log level for the next line
            Log.warn("process groups are supported on Linux only; on " + os + " the agent does nothing");
            return;
        }
        if (deferred && builderLoadedBefore.getAsBoolean()) {
            // ProcessBuilder cannot be rewritten, so ProcessImpl is not either: its rewrite would
            // call a bridge that is never defined. Without a transformer Agent.Deferred goes.
            Config.load(args);
            sayBuilderLoadedBefore();
            return;
        }
        // The transformer goes first, before anything that could load the process classes (on JDK
        // 25 System.getenv loads ProcessImpl; Config reads /proc/self/environ for that reason).
        // Until Hooks.hygiene is set, the hooks let everything through unchanged. It is set when
        // ProcessBuilder loads (see coreFrom), at once when attached (the children running then).
        ProcessClassesTransformer transformer = new ProcessClassesTransformer(inst, !deferred, processImpl, builderLoadedBefore);
        installation[6] = transformer;
        if (!deferred) inst.addTransformer(transformer, true);
        Config config = Config.load(args);
        transformer.coreFrom(config, jar.getParent(), attached);
        if (attached) {
            // The process classes are usually loaded by now: rewrite them in place (the rewrite
            // adds no member, so it is a valid retransformation). Children already running cannot
            // be moved into groups of their own; they are adopted as trees.
            for (Class<?> c : inst.getAllLoadedClasses()) {
                String n = c.getName();
                if (n.equals("java.lang.ProcessBuilder") || n.equals("java.lang.ProcessImpl")) inst.retransformClasses(c);
            }
            // The threads this starts are the agent's, whatever SecurityManager comes later.
            int adopted = Attached.adopt();
            Log.info("attached; " + adopted + " running children adopted");
        }
        // A JVM that is pid 1 of its pid namespace (a container's CMD ["java", ...]) reaps the
        // orphans that land on it (it installs in premain: Agent).
        if (pidOne) OrphanReaping.start(transformer, attached);
        if (Log.enabled(Log.Level.DEBUG)) Log.debug("installed (" + config + ")");
    }

    /** The one line that says that ProcessBuilder was loaded before the agent, and what then. */
    static void sayBuilderLoadedBefore() {
        Log.warn("java.lang.ProcessBuilder was loaded before the agent (by another -javaagent's premain?): children"
                + " are not isolated; put process-hygiene's -javaagent first");
    }

    /** Hooks.hygiene.attached(), privileged where a SecurityManager can be installed. */
    private static final class Attached implements PrivilegedAction<Integer> {
        static int adopt() {
            return Privileged.POSSIBLE ? Privileged.run(new Attached()) : Hooks.hygiene.attached();
        }

        @Override
        public Integer run() {
            return Hooks.hygiene.attached();
        }
    }
}
