package dev.hygiene.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;

/**
 * Reaps the orphans that land on the JVM when it is pid 1 of its pid namespace (a container's
 * {@code CMD ["java", ...]}). The kernel re-parents every orphan in the namespace to pid 1, and the
 * JDK waits only for its own children: without this, each orphan that exits stays a zombie for the
 * life of the container.
 *
 * <p>One daemon thread, {@value #THREAD_NAME}, started only when the JVM is pid 1. Every
 * {@value #INTERVAL_MS} ms it lists the children where the kernel puts the orphans: the children
 * file of the JVM's main thread ({@code /proc/1/task/1/children}; see {@link #zombieChildren}), or
 * a scan of every {@code /proc/PID/stat} where the kernel has no such file; and reads the stat of
 * each child listed. A round with no child there costs two small reads. A zombie is taken only
 * when it was already a zombie, with the same start time, at the previous round: a native caller
 * in the JVM that waits for a child of its own by pid has long reaped it by then.
 *
 * <p>The reaping itself is the JDK's: the zombies are handed to the bridge in java.lang (given as a
 * {@code ToIntBiFunction<long[], LongPredicate>}: the zombies, and a re-read of /proc that says
 * whether a pid is still a zombie child), which gives each pid that no wait of the JDK covers to the
 * JDK's own wait, {@code ProcessHandleImpl.completion(pid, true)}, and only while no start of a
 * child is in progress; it returns how many it handed over, or -1 if a start was in progress (the
 * reaper tries again every {@value #BUSY_RETRY_MS} ms until the next round). Why that never takes
 * the exit status of a {@code Process} is written next to that code
 * (agent/src/main/bridge/java/lang/ProcessHygieneHook.java).
 */
public final class Reaper implements Runnable {

    public static final String THREAD_NAME = "process-hygiene reaper";
    static final long INTERVAL_MS = 1000;
    static final long BUSY_RETRY_MS = 10;

    private final Supplier<ToIntBiFunction<long[], LongPredicate>> bridge;
    private final long self;
    private boolean stopped; // guarded by this
    private byte[] buffer = new byte[1024]; // the reaper's thread only

    /**
     * A reaper for the JVM whose pid is SELF (1). BRIDGE is called once, in the reaper's thread,
     * before the first round: the bridge's hand-over, or null if the reaper must not run (it has
     * then said why, if that needed saying).
     */
    public Reaper(Supplier<ToIntBiFunction<long[], LongPredicate>> bridge, long self) {
        this.bridge = bridge;
        this.self = self;
    }

    /** Starts the reaper's daemon thread. */
    public void start() {
        Thread t = new Thread(this, THREAD_NAME);
        t.setDaemon(true);
        t.start();
    }

    /** Once this returns, the reaper hands nothing over any more (a round in progress has ended). */
    public synchronized void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        try {
            ToIntBiFunction<long[], LongPredicate> handOver = bridge.get();
            if (handOver == null) return;
            boolean childrenFiles = new File("/proc/thread-self/children").exists();
            if (Log.enabled(Log.Level.DEBUG)) {
                Log.debug("the JVM is pid 1: orphans that exit are reaped (a look at its children every "
                        + INTERVAL_MS + " ms, in " + (childrenFiles ? "/proc/self/task/1/children" : "/proc/*/stat") + ")");
            }
            Map<Long, Long> previous = Map.of();
            while (true) {
                Thread.sleep(INTERVAL_MS);
                if (stopped()) return;
                Map<Long, Long> zombies = childrenFiles ? zombieChildren() : zombieChildrenByScan();
                long[] old = seenBefore(zombies, previous);
                previous = zombies;
                if (old.length == 0) continue;
                long deadline = System.nanoTime() + INTERVAL_MS * 1_000_000;
                int handed;
                while ((handed = handOver(handOver, old)) == -1 && System.nanoTime() - deadline < 0) {
                    Thread.sleep(BUSY_RETRY_MS);
                }
                if (handed == -2) return;
                if (handed > 0 && Log.enabled(Log.Level.DEBUG)) {
                    Log.debug("reaped " + handed + " orphaned zombie" + (handed == 1 ? "" : "s") + " (of " + pidList(old) + ")");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            Log.error("the reaper of orphans stopped (" + t + "); orphans that exit stay zombies");
        }
    }

    private synchronized boolean stopped() {
        return stopped;
    }

    /** The bridge's count, or -2 once stopped. */
    private synchronized int handOver(ToIntBiFunction<long[], LongPredicate> handOver, long[] pids) {
        if (stopped) return -2;
        return handOver.applyAsInt(pids, this::isZombieChild);
    }

    /** True if PID is now a zombie whose parent is the JVM. */
    private boolean isZombieChild(long pid) {
        ProcStat s = ProcStat.read(pid);
        return s != null && s.state == 'Z' && s.ppid == self;
    }

    /** The pids of NOW that PREVIOUS has with the same start time. */
    static long[] seenBefore(Map<Long, Long> now, Map<Long, Long> previous) {
        long[] out = new long[now.size()];
        int n = 0;
        for (Map.Entry<Long, Long> e : now.entrySet()) {
            if (e.getValue().equals(previous.get(e.getKey()))) out[n++] = e.getKey();
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /**
     * The JVM's zombie children (pid to start time), from the children files of its threads. The
     * kernel re-parents orphans to the pid namespace's child reaper, which is the JVM's main thread
     * (the thread group leader, tid = pid) while that thread runs (the java launcher keeps it until
     * the JVM exits); it also moves there the children of threads that end. So each round reads two
     * files: the main thread's state, and its children file. Only if that thread has ended (the
     * child reaper is then another thread) are the children files of all threads read.
     */
    Map<Long, Long> zombieChildren() {
        Map<Long, Long> out = new HashMap<>();
        String tasks = "/proc/" + self + "/task/";
        ProcStat main = ProcStat.read(self);
        if (main != null && main.alive()) {
            addZombieChildren(tasks + self + "/children", out);
            return out;
        }
        String[] all = new File(tasks).list();
        if (all == null) return out;
        for (String task : all) addZombieChildren(tasks + task + "/children", out);
        return out;
    }

    private void addZombieChildren(String childrenFile, Map<Long, Long> out) {
        int n;
        try (FileInputStream in = new FileInputStream(childrenFile)) {
            n = 0;
            for (int r; (r = in.read(buffer, n, buffer.length - n)) > 0; ) {
                n += r;
                // A /proc file this small comes whole in one read (as in ProcStat.readFile).
                if (n < 1024 && n < buffer.length) break;
                if (n == buffer.length) buffer = Arrays.copyOf(buffer, 2 * n);
            }
        } catch (IOException e) {
            return; // the thread has ended
        }
        for (long pid : pids(buffer, n)) {
            ProcStat s = ProcStat.read(pid);
            if (s != null && s.state == 'Z' && s.ppid == self) out.put(pid, s.startTime);
        }
    }

    /** The same from every /proc/PID/stat, where the kernel has no children files. */
    Map<Long, Long> zombieChildrenByScan() {
        Map<Long, Long> out = new HashMap<>();
        for (ProcStat s : ProcStat.all()) {
            if (s.state == 'Z' && s.ppid == self) out.put(s.pid, s.startTime);
        }
        return out;
    }

    /** The numbers in the first LENGTH bytes of a children file: decimal pids separated by spaces. */
    static List<Long> pids(byte[] line, int length) {
        List<Long> out = new ArrayList<>();
        long v = 0;
        boolean inNumber = false;
        for (int i = 0; i < length; i++) {
            byte b = line[i];
            if (b >= '0' && b <= '9') {
                v = v * 10 + (b - '0');
                inNumber = true;
            } else {
                if (inNumber) out.add(v);
                v = 0;
                inNumber = false;
            }
        }
        if (inNumber) out.add(v);
        return out;
    }

    private static String pidList(long[] pids) {
        StringBuilder sb = new StringBuilder();
        for (long p : pids) sb.append(sb.length() == 0 ? "" : " ").append(p);
        return sb.toString();
    }
}
