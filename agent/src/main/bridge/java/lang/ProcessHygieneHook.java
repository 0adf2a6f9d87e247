package java.lang;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.Map;
import java.util.function.Function;

/**
 * The bridge between the JDK and the process-hygiene agent. Not on any class path: the agent
 * defines it in java.lang (bootstrap loader) when ProcessBuilder or ProcessImpl is loaded, and
 * rewrites two calls to land here:
 * <ul>
 *   <li>ProcessBuilder.start(Redirect[]) calls {@link #start} instead of ProcessImpl.start (the one
 *       place that ProcessBuilder.start, startPipeline and Runtime.exec all reach);</li>
 *   <li>ProcessImpl.destroy(boolean) calls {@link #destroyProcess} instead of
 *       ProcessHandleImpl.destroyProcess, keeping the JDK's own checks and stream closing.</li>
 * </ul>
 * Only JDK types cross (the hooks are Functions of Object[]), as in BlockHound's runtime class.
 * Until the agent sets a hook, and whenever a hook returns null, the JDK's own code runs.
 */
final class ProcessHygieneHook implements Function<Object[], Object> {

    /** {cmd, env, dir, redirects, redirectErrorStream} -> the started Process, or null. */
    static volatile Function<Object[], Object> start;
    /** {processHandle, force} -> Boolean, or null. */
    static volatile Function<Object[], Object> destroy;

    private ProcessHygieneHook() {}

    static Process start(String[] cmdarray, Map<String, String> environment, String dir, Redirect[] redirects,
                         boolean redirectErrorStream) throws IOException {
        Function<Object[], Object> hook = start;
        if (hook != null) {
            Object p = hook.apply(new Object[] {cmdarray, environment, dir, redirects, redirectErrorStream});
            if (p != null) return (Process) p;
        }
        return ProcessImpl.start(cmdarray, environment, dir, redirects, redirectErrorStream);
    }

    static boolean destroyProcess(ProcessHandleImpl handle, boolean force) {
        Function<Object[], Object> hook = destroy;
        if (hook != null) {
            Object done = hook.apply(new Object[] {handle, force});
            if (done != null) return (Boolean) done;
        }
        return handle.destroyProcess(force);
    }

    /** The JDK's own start, for the agent: {cmd, env, dir, redirects, redirectErrorStream}. */
    @Override
    @SuppressWarnings("unchecked")
    public Object apply(Object[] a) {
        try {
            return ProcessImpl.start((String[]) a[0], (Map<String, String>) a[1], (String) a[2], (Redirect[]) a[3],
                    (Boolean) a[4]);
        } catch (IOException e) {
            throw ProcessHygieneHook.<RuntimeException>unchecked(e);
        }
    }

    /** Lets the JDK's IOException through Function.apply unchanged (the JVM does not check it). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E unchecked(Throwable t) throws E {
        throw (E) t;
    }
}
