package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Starts one child per argument {@code notes:TAG} (StopSignalApp's child, noting its stop signal
 * in DIR/TAG, with TAG in its command line) or {@code deaf:TAG} (ignores SIGTERM, SIGINT and
 * SIGHUP), reports {@code CHILD <TAG> <pid>} for each, waits for the agent's MBean
 * ({@code REGISTERED true|false}), then for a line on stdin; destroys every child in turn and
 * reports {@code EXIT <TAG> <code> <ms>} (the time from destroy() to the exit), then waits for a
 * line on stdin. Args: {@code DIR CHILD...}.
 */
public final class RulesApp {

    static final String DEAF = "$SIG{TERM} = $SIG{INT} = $SIG{HUP} = 'IGNORE'; $| = 1; print \"ready\\n\"; sleep 1 while 1;";

    public static void main(String[] args) throws Exception {
        Report.jvm();
        List<String> tags = new ArrayList<>();
        List<Process> children = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] kind = args[i].split(":", 2);
            Process p = kind[0].equals("notes")
                    ? new ProcessBuilder("perl", "-e", StopSignalApp.NOTES_SIGNALS, args[0] + "/" + kind[1], kind[1]).start()
                    : new ProcessBuilder("perl", "-e", DEAF, kind[1]).start();
            String ready = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
            if (!"ready".equals(ready)) throw new IllegalStateException(args[i] + " said " + ready);
            tags.add(kind[1]);
            children.add(p);
            Report.line("CHILD " + kind[1] + " " + p.pid());
        }
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.hygiene:type=ProcessHygiene");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!mbs.isRegistered(name) && System.nanoTime() < deadline) Thread.sleep(20);
        Report.line("REGISTERED " + mbs.isRegistered(name));

        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        stdin.readLine();
        for (int i = 0; i < children.size(); i++) {
            long t0 = System.nanoTime();
            children.get(i).destroy();
            int code = children.get(i).waitFor();
            Report.line("EXIT " + tags.get(i) + " " + code + " " + (System.nanoTime() - t0) / 1_000_000);
        }
        stdin.readLine();
    }
}
