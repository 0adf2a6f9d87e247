package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code cat} (which waits on its stdin pipe) COUNT times through one of the JDK's three
 * entry points, and reads each child's /proc entry immediately after the start returns:
 * {@code START <how> <pid> <pgrp> <jvm pgrp> <cmdline>} per child, then {@code DONE <n>}.
 *
 * <p>Args: {@code pb|pipeline|exec COUNT}.
 */
public final class IsolationApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        String how = args[0];
        int count = Integer.parseInt(args[1]);
        long jvmGroup = Report.jvmGroup();
        int children = 0;
        for (int i = 0; i < count; i++) {
            List<Process> started = new ArrayList<>();
            List<Proc.Stat> stats = new ArrayList<>();
            List<String> cmdlines = new ArrayList<>();
            switch (how) {
                case "pb": {
                    Process p = new ProcessBuilder("cat").start();
                    stats.add(Proc.stat(p.pid()));
                    cmdlines.add(Proc.cmdline(p.pid()));
                    started.add(p);
                    break;
                }
                case "exec": {
                    Process p = Runtime.getRuntime().exec("cat");
                    stats.add(Proc.stat(p.pid()));
                    cmdlines.add(Proc.cmdline(p.pid()));
                    started.add(p);
                    break;
                }
                case "pipeline": {
                    List<Process> ps = ProcessBuilder.startPipeline(List.of(
                            new ProcessBuilder("cat"), new ProcessBuilder("cat"), new ProcessBuilder("cat")));
                    for (Process p : ps) {
                        stats.add(Proc.stat(p.pid()));
                        cmdlines.add(Proc.cmdline(p.pid()));
                    }
                    started.addAll(ps);
                    break;
                }
                default:
                    throw new IllegalArgumentException(how);
            }
            for (int k = 0; k < started.size(); k++) {
                Process p = started.get(k);
                Proc.Stat s = stats.get(k);
                Report.line("START " + how + " " + p.pid() + " " + (s == null ? "gone" : s.pgrp) + " " + jvmGroup
                        + " " + cmdlines.get(k));
            }
            // End the children: closing the first stdin ends the whole pipeline.
            started.get(0).getOutputStream().close();
            for (Process p : started) {
                p.getInputStream().readAllBytes();
                p.waitFor();
            }
            children += started.size();
        }
        Report.line("DONE " + children);
    }
}
