package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

/** The apps' machine-readable stdout lines, each flushed at once so the test reads it while the app runs. */
final class Report {

    private Report() {}

    static synchronized void line(String s) {
        System.out.println(s);
        System.out.flush();
    }

    /** {@code JVM <pid> <pgrp> <sid>}: who the app JVM is. */
    static void jvm() {
        Proc.Stat s = Proc.self();
        line("JVM " + s.pid + " " + s.pgrp + " " + s.session);
    }

    /** The JVM's own process group. */
    static long jvmGroup() {
        return Proc.self().pgrp;
    }
}
