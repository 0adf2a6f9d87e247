package dev.hygiene.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
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
 * {@value #INTERVAL_MS} ms it lists the JVM's children ({@code /proc/self/task/TID/children}, one
 * line of pids per thread of the JVM; a scan of every {@code /proc/PID/stat} where the kernel has no
 * such file) and reads the stat of each: a round with no zombie child costs those reads and nothing
 * else. A zombie is taken only when it was already a zombie, with the same start time, at the
 * previous round: a native caller in the JVM that waits for a child of its own by pid has long
 * reaped it by then.
 *
 * <p>The reaping itself is the JDK's: the zombies are handed to the bridge in java.lang (a
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
                        + INTERVAL_MS + " ms, in " + (childrenFiles ? "/proc/self/task/*/children" : "/proc/*/stat") + ")");
            }
            Map<Long, Long> previous = Map.of();
            while (true) {
                Thread.sleep(INTERVAL_MS);
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
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** The JVM's zombie children (pid to start time), from the children file of each of its threads. */
    private Map<Long, Long> zombieChildren() {
        String[] tasks = new File("/proc/self/task").list();
        if (tasks == null) return Map.of();
        Map<Long, Long> out = new HashMap<>();
        for (String task : tasks) {
            byte[] line;
            try (FileInputStream in = new FileInputStream("/proc/self/task/" + task + "/children")) {
                line = in.readAllBytes();
            } catch (IOException e) {
                continue; // the thread has ended
            }
            for (long pid : pids(line)) addIfZombieChild(pid, out);
        }
        return out;
    }

    /** The same from every /proc/PID/stat, where the kernel has no children files. */
    private Map<Long, Long> zombieChildrenByScan() {
        Map<Long, Long> out = new HashMap<>();
        for (ProcStat s : ProcStat.all()) {
            if (s.state == 'Z' && s.ppid == self) out.put(s.pid, s.startTime);
        }
        return out;
    }

    private void addIfZombieChild(long pid, Map<Long, Long> out) {
        ProcStat s = ProcStat.read(pid);
        if (s != null && s.state == 'Z' && s.ppid == self) out.put(pid, s.startTime);
    }

    /** The numbers of a children file: decimal pids separated by spaces. */
    static List<Long> pids(byte[] line) {
        List<Long> out = new ArrayList<>();
        long v = 0;
        boolean inNumber = false;
        for (byte b : line) {
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
