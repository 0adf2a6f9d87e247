package dev.hygiene.agent;

import dev.hygiene.core.Log;
import dev.hygiene.core.Reaper;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;

/**
 * When the JVM is pid 1 of its pid namespace, starts core's {@link Reaper} and gives it the
 * bridge's hand-over ({@code ProcessHygieneHook.reapOrphans}). The reaper relies on every start of a
 * child running through the bridge; so it runs only once ProcessBuilder is rewritten, and stops for
 * good if the transformer ever gives up (it calls {@link #stop} before any start can bypass the
 * bridge). When the JVM is not pid 1 (Installation reads /proc/self), this class is not even loaded.
 */
final class OrphanReaping {

    private static volatile Reaper reaper;

    private OrphanReaping() {}

    /** Starts the reaper's thread; ATTACHED: the process classes may have been rewritten in place. */
    static void start(ProcessClassesTransformer transformer, boolean attached) {
        Reaper r = new Reaper(new BridgeWhenRedirected(transformer, attached), 1);
        reaper = r; // before the thread looks at the transformer: see stop()
        r.start();
    }

    /**
     * Called by the transformer when it gives up, before ProcessBuilder can run unrewritten: once
     * this returns the reaper hands nothing over. (The transformer sets its disabled flag first; the
     * reaper is registered before its thread reads that flag: either the thread sees the flag, or
     * this sees the reaper.)
     */
    static void stop() {
        Reaper r = reaper;
        if (r != null) r.stop();
    }

    /** ProcessHygieneHook.reapOrphans(long[], LongPredicate), a request to the bridge. */
    static final class HandOver implements ToIntBiFunction<long[], LongPredicate> {
        private final Function<Object[], Object> bridge;

        HandOver(Function<Object[], Object> bridge) {
            this.bridge = bridge;
        }

        @Override
        public int applyAsInt(long[] zombies, LongPredicate zombieChild) {
            return (Integer) bridge.apply(new Object[] {"reapOrphans", zombies, zombieChild});
        }
    }

    /** Runs in the reaper's thread: makes sure every start goes through the bridge, then returns its hand-over. */
    static final class BridgeWhenRedirected implements Supplier<ToIntBiFunction<long[], LongPredicate>> {
        private final ProcessClassesTransformer transformer;
        private final boolean attached;

        BridgeWhenRedirected(ProcessClassesTransformer transformer, boolean attached) {
            this.transformer = transformer;
            this.attached = attached;
        }

        @Override
        public ToIntBiFunction<long[], LongPredicate> get() {
            try {
                // Loading ProcessBuilder rewrites it, initializing it defines the bridge (Bridge.jdk() is the bridge).
                Class.forName("java.lang.ProcessBuilder", true, null);
            } catch (ClassNotFoundException e) {
                return null;
            }
            Function<Object[], Object> bridge = Bridge.jdk();
            if (transformer.disabled()) return null; // the transformer has said why
            if (bridge == null) {
                Log.warn("the JVM is pid 1, but java.lang.ProcessBuilder was loaded before the agent: orphans are not reaped");
                return null;
            }
            if (attached && !awaitNoStartOfOldCode()) return null;
            return new HandOver(bridge);
        }

        /**
         * After an attach: a thread that was inside ProcessBuilder.start when the class was rewritten
         * still runs the old code, which calls ProcessImpl.start without the bridge. Every call made
         * after the rewrite runs the new code, and threads started since cannot be in the old one:
         * once each thread that was in a start at the first look has been seen outside one, every
         * start in progress goes through the bridge. False if interrupted.
         */
        private static boolean awaitNoStartOfOldCode() {
            Set<Thread> pending = inStart();
            while (!pending.isEmpty()) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                pending.retainAll(inStart());
            }
            return true;
        }

        /** The live threads now inside one of ProcessBuilder's start methods. */
        private static Set<Thread> inStart() {
            Set<Thread> out = new HashSet<>();
            for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                for (StackTraceElement e : t.getValue()) {
                    if (e.getClassName().equals("java.lang.ProcessBuilder") && e.getMethodName().startsWith("start")) {
                        out.add(t.getKey());
                        break;
                    }
                }
            }
            return out;
        }
    }
}
