package java.lang;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongPredicate;

/**
 * The bridge between the JDK and the process-hygiene agent. Not on any class path: the agent
 * defines it in java.lang (bootstrap loader) when ProcessBuilder or ProcessImpl is loaded, and
 * rewrites three places to land here:
 * <ul>
 *   <li>ProcessBuilder.start(Redirect[]) calls {@link #start} instead of ProcessImpl.start (the one
 *       place that ProcessBuilder.start, startPipeline and Runtime.exec all reach);</li>
 *   <li>ProcessImpl.destroy(boolean) calls {@link #destroyProcess} instead of
 *       ProcessHandleImpl.destroyProcess, keeping the JDK's own checks and stream closing;</li>
 *   <li>ProcessImpl's constructor reads its jspawnhelper's path from {@link #helperpath} instead of
 *       ProcessImpl.helperpath, so that a start of the agent's runs its helper in front.</li>
 * </ul>
 * Only JDK types cross (the hooks are Functions of Object[]), as in BlockHound's runtime class.
 * Until the agent sets a hook, and whenever a hook returns null, the JDK's own code runs.
 * When the JVM is pid 1, the agent's reaper hands orphans to the JDK's own wait through
 * {@link #reapOrphans}, never while a start is in progress.
 */
final class ProcessHygieneHook implements Function<Object[], Object> {

    /** {cmd, env, dir, redirects, redirectErrorStream} -> the started Process, or null. */
    static volatile Function<Object[], Object> start;
    /** {processHandle, force} -> Boolean, or null. */
    static volatile Function<Object[], Object> destroy;

    /**
     * How many starts of a child are in progress (each runs ProcessImpl.start, which forks the child
     * and registers the JDK's wait for it before it returns; the agent's own starts inside a start
     * count again), or -1 while the reaper hands zombies over: see {@link #reapOrphans}. An
     * AtomicInteger and LockSupport, which every JVM has loaded before main: the classes of a
     * ReentrantReadWriteLock would cost ~1 ms at the first start (measured on JDK 17 and 25).
     */
    private static final AtomicInteger STARTS = new AtomicInteger();

    /** ProcessHandleImpl.completions, the JDK's waits by pid; read by the reaper only. */
    private static volatile Map<Long, ?> jdkWaits;

    /**
     * For the agent only: ProcessBuilder's static initializer makes the one instance, as the agent
     * rewrote it (dev.hygiene.agent.LookupHandshake), and hands it to the agent; or the agent
     * makes it itself where it opened java.lang to itself.
     */
    ProcessHygieneHook() {}

    static Process start(String[] cmdarray, Map<String, String> environment, String dir, Redirect[] redirects,
                         boolean redirectErrorStream) throws IOException {
        startBegins();
        try {
            return startHooked(cmdarray, environment, dir, redirects, redirectErrorStream);
        } finally {
            startEnds();
        }
    }

    /** Counts a start in; while the reaper hands zombies over (a few reads of /proc), waits. */
    private static void startBegins() {
        int n;
        while ((n = STARTS.get()) < 0 || !STARTS.compareAndSet(n, n + 1)) {
            if (n < 0) LockSupport.parkNanos(20_000);
        }
    }

    private static void startEnds() {
        STARTS.decrementAndGet();
    }

    private static Process startHooked(String[] cmdarray, Map<String, String> environment, String dir,
                                       Redirect[] redirects, boolean redirectErrorStream) throws IOException {
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

    /**
     * The JDK's own start, for the agent: {cmd, env, dir, redirects, redirectErrorStream}; or
     * {cmd, env, dir, redirects, redirectErrorStream, helper, variable, value} to have the JDK run
     * HELPER (a path as the JDK's C string) in place of its jspawnhelper for this start (see
     * {@link #helperpath}), with VALUE (unless null) as the child's environment variable VARIABLE
     * (appended, after a space, to a value it has already).
     */
    @Override
    @SuppressWarnings("unchecked")
    public Object apply(Object[] a) {
        if (a[0] instanceof String) return request(a);
        startBegins();
        try {
            Map<String, String> env = (Map<String, String>) a[1];
            if (a.length == 5) {
                return ProcessImpl.start((String[]) a[0], env, (String) a[2], (Redirect[]) a[3], (Boolean) a[4]);
            }
            if (a[7] != null) env = withVariable(env, (String) a[6], (String) a[7]);
            HELPER.set((byte[]) a[5]);
            try {
                return ProcessImpl.start((String[]) a[0], env, (String) a[2], (Redirect[]) a[3], (Boolean) a[4]);
            } finally {
                HELPER.remove();
            }
        } catch (IOException e) {
            throw ProcessHygieneHook.<RuntimeException>unchecked(e);
        } finally {
            startEnds();
        }
    }

    /**
     * The agent's other requests, which it makes through {@link #apply} (this class's only member
     * it can reach without java.lang opened to it): {"hooks", start, destroy} sets the two hooks,
     * once (Boolean: whether they were set now); {"launchMechanism"}; {"cleaner"} (the JDK's
     * common Cleaner, whose thread runs already); {"reapOrphans", zombies, zombieChild} (Integer).
     */
    @SuppressWarnings("unchecked")
    private static Object request(Object[] a) {
        switch ((String) a[0]) {
            case "hooks":
                synchronized (ProcessHygieneHook.class) {
                    if (start != null || destroy != null) return Boolean.FALSE;
                    destroy = (Function<Object[], Object>) a[2];
                    start = (Function<Object[], Object>) a[1];
                    return Boolean.TRUE;
                }
            case "launchMechanism":
                return launchMechanism();
            case "cleaner":
                return jdk.internal.ref.CleanerFactory.cleaner();
            case "reapOrphans":
                return reapOrphans((long[]) a[1], (LongPredicate) a[2]);
            default:
                throw new IllegalArgumentException("no such request: " + a[0]);
        }
    }

    /** The helper the JDK is to run in place of its jspawnhelper, for a start of this thread. */
    private static final ThreadLocal<byte[]> HELPER = new ThreadLocal<>();

    /** ProcessImpl.helperpath, the JDK's jspawnhelper, read once (the field is private). */
    private static volatile byte[] jdkHelperPath;

    /**
     * What ProcessImpl's constructor passes to forkAndExec as the helper's path: the agent
     * rewrites its read of ProcessImpl.helperpath into a call of this method. The agent's helper
     * for a start that {@link #apply} runs with one, else the JDK's own.
     */
    static byte[] helperpath() {
        byte[] h = HELPER.get();
        if (h != null) return h;
        h = jdkHelperPath;
        if (h != null) return h;
        try {
            h = (byte[]) staticField(ProcessImpl.class, "helperpath");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new IllegalStateException("cannot read ProcessImpl.helperpath: " + e, e);
        }
        return jdkHelperPath = h;
    }

    /**
     * The static field NAME of OWNER (initialized first), read through the JDK's internal Unsafe
     * rather than Field.get: a reflective read makes a field accessor (three classes outside the
     * JDK's shared archive on JDK 17, method handles on JDK 18 and later) at the first start.
     */
    private static Object staticField(Class<?> owner, String name) throws NoSuchFieldException {
        Field f = owner.getDeclaredField(name);
        jdk.internal.misc.Unsafe u = jdk.internal.misc.Unsafe.getUnsafe();
        u.ensureClassInitialized(owner);
        return u.getReferenceVolatile(u.staticFieldBase(f), u.staticFieldOffset(f));
    }

    /**
     * The JDK's launch mechanism (POSIX_SPAWN, VFORK or FORK), as ProcessImpl decided it: only
     * with POSIX_SPAWN does the JDK run a helper in front of the child.
     */
    static String launchMechanism() {
        try {
            return ((Enum<?>) staticField(ProcessImpl.class, "launchMechanism")).name();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return "unknown (" + e + ")";
        }
    }

    /**
     * A copy of ENV (null: the JVM's own environment), with VALUE as VARIABLE, appended to what it
     * holds there already: the map type the JDK's start takes.
     */
    private static Map<String, String> withVariable(Map<String, String> env, String variable, String value) {
        Map<String, String> out;
        if (env == null) {
            out = ProcessEnvironment.environment();
        } else {
            out = ProcessEnvironment.emptyEnvironment(env.size() + 1);
            out.putAll(env);
        }
        String outer = out.get(variable);
        out.put(variable, outer == null || outer.isEmpty() ? value : outer + " " + value);
        return out;
    }

    /**
     * For the agent's reaper, when the JVM is pid 1 of its pid namespace: hands each of ZOMBIES
     * (pids the reaper saw as zombie children of the JVM) that no wait of the JDK covers to the
     * JDK's own wait, {@code ProcessHandleImpl.completion(pid, true)}: a "process reaper" thread of
     * the JDK calls waitpid(pid), completes the future and removes it from the JDK's map.
     * ZOMBIE_CHILD re-reads /proc: true if the pid is now a zombie child of the JVM.
     *
     * <p>Returns how many were handed over, or -1 (nothing done) if a start is in progress. The agent
     * asks for it through {@link #apply} (an interface on this class would be one more class to load
     * at every JVM's first start).
     *
     * <p>Why this never takes an exit status that belongs to a Process (JDK 17 to 25):
     * <ul>
     *   <li>The JDK forks a child only in ProcessImpl.start (ProcessImpl's constructor calls
     *       forkAndExec), and registers its wait, {@code completion(pid, true)}, in the same
     *       constructor (initStreams) before start returns; a child whose exec failed is reaped by
     *       forkAndExec itself. The entry stays in the JDK's map until its own "process reaper"
     *       thread has reaped the child (waitpid, complete, then remove). Every start of the
     *       application and of the agent runs ProcessImpl.start counted in {@link #STARTS} (the
     *       agent redirects ProcessBuilder's one call of it to {@link #start}, and its own starts
     *       go through {@link #apply}).</li>
     *   <li>Here STARTS went from 0 to -1, so no start is in progress: every child the JDK forked
     *       is registered, and no new one is forked until STARTS is back to 0. Its map entry
     *       exists from before that moment until after the child stops being a zombie.</li>
     *   <li>For each pid, the map is read first and /proc second. A pid absent from the map that
     *       is a zombie child afterwards is therefore not the JDK's child (a JDK child that is a
     *       zombie at the second read was in the map at the first). Nothing but a wait of the
     *       JDK's map reaps a child that is not the JDK's own (ProcessImpl is the only caller of
     *       completion(pid, true)), so the zombie, and with it its pid, stays exactly as it is
     *       until the JDK's thread started here reaps it, even if that thread runs after starts
     *       resumed and new children are forked: they cannot have its pid.</li>
     *   <li>A pid in the map is left alone, whoever waits: a Process (a JDK child), or the
     *       application through {@code ProcessHandle.of(pid).onExit()}, which is
     *       {@code completion(pid, false)}: a waitid with WNOWAIT that leaves the zombie in place,
     *       then completes and removes its entry; the reaper takes the zombie at a later round.
     *       If the application calls onExit between the two reads here, completion(pid, true)
     *       below replaces its entry, and its waitid either sees the zombie or finds it reaped
     *       (ECHILD); the JDK then sees the pid gone and completes the application's future all
     *       the same (onExit yields the handle, never the status).</li>
     *   <li>What this cannot see: native code in the JVM (JNI, the JVM's own -XX:OnError
     *       commands) that forks and waits for a child by its pid. The reaper takes only zombies
     *       it saw at two rounds a second apart, which a waiting caller has long reaped.</li>
     * </ul>
     */
    static int reapOrphans(long[] zombies, LongPredicate zombieChild) {
        if (!STARTS.compareAndSet(0, -1)) return -1;
        try {
            Map<Long, ?> waits = jdkWaits();
            int handed = 0;
            for (long pid : zombies) {
                if (pid <= 1 || waits.containsKey(pid) || !zombieChild.test(pid)) continue;
                ProcessHandleImpl.completion(pid, true);
                handed++;
            }
            return handed;
        } finally {
            STARTS.set(0);
        }
    }

    /** The JDK's map of waits (the field is private; this class is in java.base, so it may read it). */
    private static Map<Long, ?> jdkWaits() {
        Map<Long, ?> waits = jdkWaits;
        if (waits != null) return waits;
        try {
            @SuppressWarnings("unchecked")
            Map<Long, ?> m = (Map<Long, ?>) staticField(ProcessHandleImpl.class, "completions");
            if (m == null) throw new IllegalStateException("ProcessHandleImpl.completions is null");
            return jdkWaits = m;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot read the JDK's map of process waits: " + e, e);
        }
    }

    /** Lets the JDK's IOException through Function.apply unchanged (the JVM does not check it). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E unchecked(Throwable t) throws E {
        throw (E) t;
    }
}
