package dev.hygiene.agent;

import dev.hygiene.core.Log;
import dev.hygiene.core.ProcessHygiene;
import dev.hygiene.core.Starter;
import dev.hygiene.core.Untracked;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.Map;
import java.util.function.Function;

/**
 * What the bridge calls, as plain classes (no lambdas: nothing to bootstrap on the first start).
 * A hook returns null to let the JDK's own code run.
 * Each hook fails open: an error of the agent's own is reported once and the JDK's behaviour
 * follows; the JDK's own exceptions (an IOException from a start) pass unchanged.
 */
final class Hooks {

    static volatile ProcessHygiene hygiene;
    /** The JDK's own ProcessImpl.start, through the bridge: {cmd, env, dir, redirects, merge}. */
    static volatile Function<Object[], Object> jdk;
    private static volatile boolean failed;

    private Hooks() {}

    /** ProcessBuilder's call of ProcessImpl.start: returns the started Process, or null. */
    static final class Start implements Function<Object[], Object> {
        @Override
        @SuppressWarnings("unchecked")
        public Object apply(Object[] a) {
            ProcessHygiene h = hygiene;
            if (h == null || failed || Untracked.active()) return null;
            try {
                return h.start((String[]) a[0], (Map<String, String>) a[1], (String) a[2], (Redirect[]) a[3],
                        (Boolean) a[4], JDK_START);
            } catch (IOException e) {
                throw sneaky(e);
            } catch (Throwable t) {
                // ProcessHygiene.start returns the child once it exists: an error here came before.
                failOpen(t);
                return null;
            }
        }
    }

    /** ProcessHandleImpl.destroyProcess as called by Process.destroy/destroyForcibly. */
    static final class Destroy implements Function<Object[], Object> {
        @Override
        public Object apply(Object[] a) {
            ProcessHandle handle = (ProcessHandle) a[0];
            boolean force = (Boolean) a[1];
            ProcessHygiene h = hygiene;
            if (h != null && !failed) {
                try {
                    return h.destroy(handle, force);
                } catch (Throwable t) {
                    failOpen(t);
                }
            }
            return force ? handle.destroyForcibly() : handle.destroy();
        }
    }

    private static final Starter JDK_START = new Starter() {
        @Override
        public Process start(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                             boolean redirectErrorStream) throws IOException {
            try {
                return (Process) jdk.apply(new Object[] {cmd, env, dir, redirects, redirectErrorStream});
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) { // the JDK's IOException, passed through Function.apply
                if (e instanceof IOException) throw (IOException) e;
                throw new IOException(e);
            }
        }
    };

    /** Rethrows a checked exception through Function.apply; the bridge returns it to the JDK caller. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private static void failOpen(Throwable t) {
        if (!failed) {
            failed = true;
            Log.error("internal error, processes start as without the agent from now on: " + t);
        }
    }
}
