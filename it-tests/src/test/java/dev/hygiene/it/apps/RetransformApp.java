package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

/**
 * Starts {@code cat} once, has {@link RetransformingAgent} retransform ProcessBuilder and
 * ProcessImpl, and starts it once more: {@code START before|after <pid> <pgrp> <jvm pgrp>} for
 * each (its /proc entry read as soon as the start returned), and between them
 * {@code RETRANSFORMED <class bridge=true|false>...}; then {@code DONE}.
 */
public final class RetransformApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        long jvmGroup = Report.jvmGroup();
        start("before", jvmGroup);
        Report.line("RETRANSFORMED " + String.join(" ", RetransformingAgent.retransform()));
        start("after", jvmGroup);
        Report.line("DONE");
    }

    private static void start(String when, long jvmGroup) throws Exception {
        Process p = new ProcessBuilder("cat").start();
        Proc.Stat s = Proc.stat(p.pid());
        Report.line("START " + when + " " + p.pid() + " " + (s == null ? "gone" : s.pgrp) + " " + jvmGroup);
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }
}
