package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * THREADS threads, each starting TREES process trees one after the other and destroying each
 * (destroy() and destroyForcibly() in turn) once it has its three members, all at the same time.
 * Reports every tree ({@code GROUP}, {@code MEMBERS}), then {@code TREES <n>},
 * {@code ERRORS <n>} (with {@code ERROR <exception>} lines), {@code SURVIVORS <n>} (members
 * still alive 10 s after the last destroy), {@code DONE}, and waits for a line on stdin before
 * it exits.
 *
 * <p>Args: {@code THREADS TREES}.
 */
public final class ConcurrencyApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        int threads = Integer.parseInt(args[0]);
        int trees = Integer.parseInt(args[1]);
        List<Proc.Stat> members = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger started = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < trees; i++) {
                        Process p = Trees.start(Trees.TREE);
                        started.incrementAndGet();
                        members.addAll(Trees.awaitMembers(p.pid(), 3));
                        if (i % 2 == 0) p.destroy(); else p.destroyForcibly();
                        p.waitFor();
                    }
                } catch (Throwable e) {
                    errors.incrementAndGet();
                    Report.line("ERROR " + e);
                }
            }, "spawner-" + t);
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) w.join();

        long deadline = System.nanoTime() + 10_000_000_000L;
        List<Proc.Stat> alive = Trees.alive(new ArrayList<>(members));
        while (!alive.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
            alive = Trees.alive(alive);
        }
        Report.line("TREES " + started.get());
        Report.line("ERRORS " + errors.get());
        Report.line("SURVIVORS " + alive.size() + (alive.isEmpty() ? "" : " " + alive));
        Report.line("DONE");
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
