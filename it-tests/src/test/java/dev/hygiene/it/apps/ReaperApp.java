package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Orphans that land on the JVM, for the reaper of a JVM that is pid 1 (run in a pid namespace of
 * its own by the test). Every mode first reports {@code PID <pid> REAPER_THREAD <true|false>}: the
 * JVM's pid as it sees it, and whether a thread named {@code process-hygiene reaper} exists.
 * All pids are the JVM's own view (the namespace's), read from its /proc.
 *
 * <ul>
 *   <li>{@code orphans N DEADLINE_MS}: a child shell makes N orphans ({@code (sleep 2 &)}) and
 *       exits; reports {@code ORPHANS <n>} (their pids, as the shell printed them) and
 *       {@code REPARENTED <n>} (how many of them then had the JVM as parent), waits up to 30 s
 *       for them all to exit, then up to DEADLINE_MS for the JVM to have no zombie child, and
 *       reports {@code ZOMBIES <n> <pids>}.</li>
 *   <li>{@code exitcodes THREADS PER_THREAD}: THREADS threads each start children
 *       {@code sh -c 'exit K'} one after the other (K from 1 to 255, a different one each time)
 *       and check the exit code as {@code waitFor()}, {@code onExit()} and {@code exitValue()} give
 *       it, while another thread keeps making orphans ({@code (sleep 0.05 &)}). Each thread goes on past
 *       PER_THREAD children until orphans have been seen reaped while children were being started
 *       (60 s at most). Reports {@code CHILDREN <n>}, {@code WRONG <n>} (with a {@code WRONG ...}
 *       line for each), {@code REAPED_DURING <n>} (orphans gone from /proc before the last child
 *       was checked), then waits up to 30 s for no orphan and no zombie child to remain and
 *       reports {@code ZOMBIES <n> <pids>}.</li>
 *   <li>{@code blockedstart N HOLD_MS}: a thread starts {@code true} with its stdout redirected to
 *       a FIFO that nobody reads yet, so that start blocks (opening the FIFO, inside
 *       ProcessImpl.start); reports {@code START_BLOCKED}. Then N orphans
 *       ({@code (sleep 0.2 &)}); once none runs, {@code ORPHANS <n>}: how many of them are zombie
 *       children of the JVM (all, unless the machine stalled); HOLD_MS later
 *       {@code ZOMBIES_WHILE_BLOCKED <n>} (how many of them are still zombies). Then it opens the
 *       FIFO, the start completes ({@code BLOCKED_START_EXIT <code>}), and it waits up to 30 s
 *       for no zombie child to remain: {@code ZOMBIES <n> <pids>}.</li>
 *   <li>{@code idle}: starts nothing; reports {@code READY} and exits at a line on stdin (orphans
 *       come from outside, through nsenter).</li>
 *   <li>{@code threads}: starts {@code sh -c 'exit 3'}, reports {@code EXIT <code>} and again
 *       {@code REAPER_THREAD <true|false>}.</li>
 * </ul>
 */
public final class ReaperApp {

    static final String REAPER_THREAD = "process-hygiene reaper";

    public static void main(String[] args) throws Exception {
        long self = ProcessHandle.current().pid();
        Report.line("PID " + self + " REAPER_THREAD " + reaperThread());
        switch (args[0]) {
            case "orphans":
                orphans(self, Integer.parseInt(args[1]), Long.parseLong(args[2]));
                break;
            case "exitcodes":
                exitCodes(self, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                break;
            case "blockedstart":
                blockedStart(self, Integer.parseInt(args[1]), Long.parseLong(args[2]));
                break;
            case "idle":
                Report.line("READY");
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                break;
            case "threads":
                Report.line("EXIT " + new ProcessBuilder("sh", "-c", "exit 3").start().waitFor());
                Report.line("REAPER_THREAD " + reaperThread());
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static boolean reaperThread() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(REAPER_THREAD));
    }

    private static void orphans(long self, int n, long deadlineMs) throws Exception {
        List<Long> orphans = makeOrphans(n, "sleep 2");
        Report.line("ORPHANS " + orphans.size());
        long reparented = orphans.stream().map(Proc::stat).filter(s -> s != null && s.ppid == self).count();
        Report.line("REPARENTED " + reparented);
        if (!until(30_000, () -> orphans.stream().noneMatch(Proc::alive))) {
            throw new IllegalStateException("orphans still running after 30 s: " + orphans);
        }
        until(deadlineMs, () -> zombieChildren(self).isEmpty());
        reportZombies(self);
    }

    private static void exitCodes(long self, int threads, int perThread) throws Exception {
        AtomicInteger children = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger code = new AtomicInteger();
        AtomicLong reapedDuring = new AtomicLong();
        List<Long> orphans = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch workersDone = new CountDownLatch(threads);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);

        Thread maker = new Thread(() -> {
            try {
                go.await();
                while (workersDone.getCount() > 0) {
                    orphans.addAll(makeOrphans(2, "sleep 0.05"));
                    // Orphans gone from /proc: reaped while the workers still start children.
                    reapedDuring.set(orphans.stream().filter(p -> Proc.stat(p) == null).count());
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                Report.line("ERROR orphan maker: " + e);
            }
        }, "orphan-maker");
        maker.start();

        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < perThread || (reapedDuring.get() == 0 && System.nanoTime() - deadline < 0); i++) {
                        int k = code.getAndIncrement() % 255 + 1;
                        Process p = new ProcessBuilder("sh", "-c", "exit " + k).start();
                        int got;
                        String how;
                        if (i % 2 == 0) {
                            got = p.waitFor();
                            how = "waitFor";
                        } else {
                            got = p.onExit().get().exitValue();
                            how = "onExit";
                        }
                        children.incrementAndGet();
                        if (got != k || p.exitValue() != k) {
                            wrong.incrementAndGet();
                            Report.line("WRONG pid " + p.pid() + " " + how + " " + got + " exitValue " + p.exitValue() + " expected " + k);
                        }
                    }
                } catch (Exception e) {
                    wrong.incrementAndGet();
                    Report.line("WRONG " + e);
                } finally {
                    workersDone.countDown();
                }
            }, "starter-" + t);
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) w.join();
        long during = reapedDuring.get();
        maker.join();
        Report.line("CHILDREN " + children.get());
        Report.line("WRONG " + wrong.get());
        Report.line("REAPED_DURING " + during);
        until(30_000, () -> orphans.stream().allMatch(p -> Proc.stat(p) == null) && zombieChildren(self).isEmpty());
        reportZombies(self);
    }

    private static void blockedStart(long self, int n, long holdMs) throws Exception {
        Path dir = Files.createTempDirectory("reaper-app");
        Path fifo = dir.resolve("fifo");
        try {
            if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() != 0) throw new IllegalStateException("mkfifo " + fifo);
            Thread starter = new Thread(() -> {
                try {
                    Process p = new ProcessBuilder("true").redirectOutput(fifo.toFile()).start();
                    Report.line("BLOCKED_START_EXIT " + p.waitFor());
                } catch (Exception e) {
                    Report.line("ERROR blocked start: " + e);
                }
            }, "blocked-starter");
            starter.setDaemon(true); // if this app fails, the JVM exits all the same
            starter.start();
            // Blocked in the open of the FIFO, inside ProcessBuilder.start.
            if (!until(30_000, () -> {
                StackTraceElement[] st = starter.getStackTrace();
                boolean inStart = Arrays.stream(st).anyMatch(e -> e.getClassName().equals("java.lang.ProcessBuilder") && e.getMethodName().equals("start"));
                return inStart && st.length > 0 && st[0].getMethodName().startsWith("open");
            })) {
                throw new IllegalStateException("the start did not block: " + Arrays.toString(starter.getStackTrace()));
            }
            Report.line("START_BLOCKED");
            List<Long> made = makeOrphans(n, "sleep 0.2");
            if (!until(30_000, () -> made.stream().noneMatch(Proc::alive))) throw new IllegalStateException("orphans still running after 30 s: " + made);
            List<Long> orphans = made.stream().filter(p -> {
                Proc.Stat s = Proc.stat(p);
                return s != null && s.state == 'Z' && s.ppid == self;
            }).collect(Collectors.toList());
            Report.line("ORPHANS " + orphans.size());
            long measured = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(holdMs);
            while (System.nanoTime() - measured < 0) Thread.sleep(20); // a measurement window, not a wait for an event
            long still = orphans.stream().map(Proc::stat).filter(s -> s != null && s.state == 'Z').count();
            Report.line("ZOMBIES_WHILE_BLOCKED " + still);
            try (FileInputStream unblock = new FileInputStream(fifo.toFile())) {
                starter.join();
            }
        } finally {
            Files.deleteIfExists(fifo);
            Files.delete(dir);
        }
        until(30_000, () -> zombieChildren(self).isEmpty());
        reportZombies(self);
    }

    /**
     * The shells that made orphans, kept: the agent terminates what is left in the group of a
     * Process the application dropped, and the orphans are to exit on their own.
     */
    private static final List<Process> SHELLS = Collections.synchronizedList(new ArrayList<>());

    /**
     * Runs a shell that starts N orphans running COMMAND (each in a subshell that exits at once;
     * COMMAND must outlive it, or the subshell may reap it itself) and prints their pids; returns
     * those pids once the shell has exited.
     */
    private static List<Long> makeOrphans(int n, String command) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder("sh", "-c", "for i in $(seq " + n + "); do (" + command + " & echo $!); done")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        SHELLS.add(sh);
        List<Long> pids = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) pids.add(Long.parseLong(line.trim()));
        }
        int exit = sh.waitFor();
        if (exit != 0) throw new IllegalStateException("the shell making orphans exited with " + exit);
        return pids;
    }

    /** The JVM's zombie children, from every /proc/PID/stat. */
    private static List<Long> zombieChildren(long self) {
        return Proc.all().stream().filter(s -> s.ppid == self && s.state == 'Z').map(s -> s.pid).collect(Collectors.toList());
    }

    private static void reportZombies(long self) {
        List<Long> z = zombieChildren(self);
        Report.line("ZOMBIES " + z.size() + (z.isEmpty() ? "" : " " + z));
    }

    /** Polls CONDITION every 20 ms until it holds (true) or MILLIS have passed (false). */
    private static boolean until(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) return false;
            Thread.sleep(20);
        }
        return true;
    }
}
