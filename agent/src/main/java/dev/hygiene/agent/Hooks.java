package dev.hygiene.agent;

import dev.hygiene.core.Log;
import dev.hygiene.core.ProcessHygiene;
import dev.hygiene.core.Untracked;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * What the bridge calls. Each hook fails open: an error of the agent's own is reported once and
 * the JDK's behaviour follows; the JDK's own exceptions (IOException from a start) pass unchanged.
 */
public final class Hooks {

    static volatile ProcessHygiene hygiene;
    private static volatile MethodHandle jdkStart;
    private static volatile boolean failed;

    private Hooks() {}

    /** Returns the started Process, or null to let the JDK's original body run. */
    public static Process start(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                                boolean redirectErrorStream) throws IOException {
        ProcessHygiene h = hygiene;
        if (h == null || failed || Untracked.active()) return null;
        try {
            return h.start(cmd, env, dir, redirects, redirectErrorStream, Hooks::jdkStart);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            // ProcessHygiene.start returns the child once it exists; an error here came before it.
            failOpen(t);
            return null;
        }
    }

    public static boolean destroyProcess(ProcessHandle handle, boolean force) {
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

    private static Process jdkStart(String[] cmd, Map<String, String> env, String dir, Redirect[] redirects,
                                    boolean redirectErrorStream) throws IOException {
        try {
            return (Process) jdkStartHandle().invokeExact(cmd, env, dir, redirects, redirectErrorStream);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static MethodHandle jdkStartHandle() throws ReflectiveOperationException {
        MethodHandle mh = jdkStart;
        if (mh == null) {
            Class<?> impl = Class.forName("java.lang.ProcessImpl");
            mh = MethodHandles.privateLookupIn(impl, MethodHandles.lookup()).findStatic(impl, "start",
                    MethodType.methodType(Process.class, String[].class, Map.class, String.class,
                            Redirect[].class, boolean.class));
            jdkStart = mh;
        }
        return mh;
    }

    private static void failOpen(Throwable t) {
        if (!failed) {
            failed = true;
            Log.error("internal error, processes start as without the agent from now on: " + t);
        }
    }
}
