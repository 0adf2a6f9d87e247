package dev.hygiene.agent;

import dev.hygiene.core.Log;
import dev.hygiene.core.Privileged;
import dev.hygiene.core.ProcessHygiene;
import dev.hygiene.core.Starter;
import dev.hygiene.core.Untracked;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.security.PrivilegedAction;
import java.util.Map;
import java.util.function.Function;

/**
 * What the bridge calls, as plain classes (no lambdas: nothing to bootstrap on the first start).
 * A hook returns null to let the JDK's own code run.
 * Each hook fails open: an error of the agent's own is reported once and the JDK's behaviour
 * follows; the JDK's own exceptions (an IOException from a start, a SecurityException for a
 * redirect file the application may not open) pass unchanged. Each hook runs the agent's work
 * with the agent's permissions where a SecurityManager can be installed ({@link Privileged}).
 */
final class Hooks {

    /** The agent; set once, by Installation. Until then the hooks let everything through. */
    static volatile ProcessHygiene hygiene;
    private static volatile boolean failed;

    private Hooks() {}

    /** ProcessBuilder's call of ProcessImpl.start: returns the started Process, or null. */
    static final class Start implements Function<Object[], Object> {
        @Override
        public Object apply(Object[] a) {
            ProcessHygiene h = hygiene;
            if (h == null || failed || Untracked.active()) return null;
            // Where a SecurityManager can be installed: the agent's own work with its own permissions,
            // the JDK's start of the program with the application's (ProcessBuilder.start checked
            // its exec already).
            if (Privileged.POSSIBLE) {
                return Privileged.run(new Call(h, a, Privileged.active() ? new JdkStartAsCaller(Privileged.caller()) : JDK_START));
            }
            return start(h, a, JDK_START);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object start(ProcessHygiene h, Object[] a, Starter jdk) {
        try {
            return h.start((String[]) a[0], (Map<String, String>) a[1], (String) a[2], (Redirect[]) a[3],
                    (Boolean) a[4], jdk);
        } catch (IOException e) {
            throw sneaky(e);
        } catch (JdkThrew e) {
            throw sneaky(e.getCause()); // the JDK's own outcome (a SecurityException for a redirect file, say)
        } catch (Throwable t) {
            // ProcessHygiene.start returns the child once it exists: an error here came before.
            failOpen(t);
            return null;
        }
    }

    /** ProcessHandleImpl.destroyProcess as called by Process.destroy/destroyForcibly. */
    static final class Destroy implements Function<Object[], Object> {
        @Override
        public Object apply(Object[] a) {
            if (Privileged.POSSIBLE) return Privileged.run(new Call(null, a, null));
            return destroy(a);
        }
    }

    private static Object destroy(Object[] a) {
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

    /** A hook's work as a privileged action: a start (with H) or a destroy (H null). */
    private static final class Call implements PrivilegedAction<Object> {
        private final ProcessHygiene h;
        private final Object[] a;
        private final Starter jdk;

        Call(ProcessHygiene h, Object[] a, Starter jdk) {
            this.h = h;
            this.a = a;
            this.jdk = jdk;
        }

        @Override
        public Object run() {
            return h != null ? start(h, a, jdk) : destroy(a);
        }
    }

    private static final Starter JDK_START = new JdkStart();

    /**
     * The JDK's own ProcessImpl.start. Whatever it throws is the JDK's outcome for the application:
     * IOException as is, anything else wrapped in {@link JdkThrew} so that it is not taken for an
     * error of the agent's.
     */
    private static class JdkStart implements Starter {
        @Override
        public Process start(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                             boolean redirectErrorStream) throws IOException {
            return start(new Object[] {cmd, env, dir, redirects, redirectErrorStream});
        }

        @Override
        public boolean spawns() {
            return Bridge.spawnsThroughHelper();
        }

        @Override
        public Process spawn(byte[] helper, String marker, String[] cmd, Map<String, String> env, String dir,
                             Redirect[] redirects, boolean redirectErrorStream) throws IOException {
            return start(new Object[] {cmd, env, dir, redirects, redirectErrorStream, helper, ProcessHygiene.MARKER_VARIABLE,
                    marker});
        }

        private Process start(Object[] a) throws IOException {
            try {
                return (Process) call(a);
            } catch (RuntimeException | Error e) {
                throw new JdkThrew(e);
            } catch (Exception e) { // the JDK's IOException, passed through Function.apply
                if (e instanceof IOException) throw (IOException) e;
                throw new IOException(e);
            }
        }

        Object call(Object[] a) {
            return Bridge.jdk().apply(a);
        }
    }

    /**
     * Under a SecurityManager: the JDK's own start with the permissions of the application code
     * that called ProcessBuilder.start, which opens the redirect files.
     */
    private static final class JdkStartAsCaller extends JdkStart implements PrivilegedAction<Object> {
        private final Privileged.Caller caller;
        private final Object[] args;

        JdkStartAsCaller(Privileged.Caller caller) {
            this(caller, null);
        }

        private JdkStartAsCaller(Privileged.Caller caller, Object[] args) {
            this.caller = caller;
            this.args = args;
        }

        @Override
        Object call(Object[] a) {
            return caller.run(new JdkStartAsCaller(caller, a));
        }

        @Override
        public Object run() {
            return Bridge.jdk().apply(args);
        }
    }

    /** What the JDK's own start threw other than an IOException, on its way to the application. */
    private static final class JdkThrew extends RuntimeException {
        JdkThrew(Throwable jdks) {
            super(jdks);
        }
    }

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
