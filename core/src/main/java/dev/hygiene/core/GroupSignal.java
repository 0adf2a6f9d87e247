package dev.hygiene.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * SIGTERM or SIGKILL to a whole process group from inside the JVM, with no process started: the
 * JDK's own native behind ProcessHandle.destroy, {@code ProcessHandleImpl.destroy0(pid, startTime,
 * force)}, is {@code kill(pid, sig)} once the start time matches, and with start time 0 it does not
 * look: given -PGID it signals the group (the same on JDK 17 and 25). Only with access to java.lang:
 * the agent hands core ProcessBuilder's own lookup ({@link ProcessHygiene#javaLang}), or opens
 * java.lang to itself where it has none; core used on its own, without {@code --add-opens
 * java.base/java.lang=...}, has no such access and signals groups through the helper.
 *
 * <p>No SIGCONT: a stopped member acts on SIGTERM only once continued, so a caller whose group has a
 * stopped member uses the helper, which sends both.
 */
final class GroupSignal {

    private static final MethodHandle DESTROY0 = find();

    private GroupSignal() {}

    /** True if groups can be signalled from inside the JVM. */
    static boolean available() {
        return DESTROY0 != null;
    }

    /**
     * Signals group PGID (more than 1; never the JVM's own, which the caller checks).
     *
     * @return false if no process of the group was left to signal, or the call failed
     */
    static boolean send(long pgid, boolean kill) {
        if (pgid <= 1) throw new IllegalArgumentException("not a group of its own: " + pgid);
        try {
            return (boolean) DESTROY0.invokeExact(-pgid, 0L, kill);
        } catch (Throwable t) {
            Log.debug("cannot signal group " + pgid + ": " + t);
            return false;
        }
    }

    private static MethodHandle find() {
        try {
            Class<?> impl = Class.forName("java.lang.ProcessHandleImpl");
            MethodHandles.Lookup javaLang = ProcessHygiene.javaLang;
            return MethodHandles.privateLookupIn(impl, javaLang != null ? javaLang : MethodHandles.lookup()).findStatic(impl, "destroy0",
                    MethodType.methodType(boolean.class, long.class, long.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Not open to us (IllegalAccessException), or a JDK without it.
            Log.debug("groups are signalled through the helper: " + e);
            return null;
        }
    }
}
