package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.util.concurrent.TimeUnit;

/**
 * Meant to run with a terminal as its controlling terminal and stdin/stdout (under script(1)).
 * Starts {@code head -n 1} with inheritIO (it reads a line from the terminal), reports whether it
 * led its own group and its exit code; then starts {@code sleep 300} with inheritIO (ignoring
 * SIGHUP, so that the terminal's hangup at the JVM's exit does not end it in the agent's place)
 * and returns from main with it still running.
 *
 * <p>Lines: {@code TTY <tty_nr>}, {@code PIPED <pid> own-group=<bool>} (a child on pipes, which
 * does not share the terminal), {@code READER <pid> own-group=<bool>}, {@code WAITING_FOR_INPUT},
 * {@code READER_EXIT <code>} or {@code READER_HUNG state=<state>} (after 10 s; a SIGTTIN stop
 * shows as state T), {@code SLEEPER <pid>:<start> own-group=<bool>}, {@code EXITING}.
 */
public final class TerminalApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        Report.line("TTY " + Proc.self().ttyNr);

        // A child on pipes only does not share the terminal: it is isolated as usual.
        Process piped = new ProcessBuilder("cat").start();
        Proc.Stat ps = Proc.stat(piped.pid());
        Report.line("PIPED " + piped.pid() + " own-group=" + (ps != null && ps.pgrp == piped.pid()));
        piped.getOutputStream().close();
        piped.waitFor();

        Process reader = new ProcessBuilder("head", "-n", "1").inheritIO().start();
        Proc.Stat r = Proc.stat(reader.pid());
        Report.line("READER " + reader.pid() + " own-group=" + (r != null && r.pgrp == reader.pid()));
        Report.line("WAITING_FOR_INPUT");
        if (reader.waitFor(10, TimeUnit.SECONDS)) {
            Report.line("READER_EXIT " + reader.exitValue());
        } else {
            Proc.Stat now = Proc.stat(reader.pid());
            Report.line("READER_HUNG state=" + (now == null ? "gone" : now.state));
            reader.destroyForcibly();
        }

        Process sleeper = new ProcessBuilder("sh", "-c", "trap '' HUP; exec sleep 300").inheritIO().start();
        Proc.Stat s = Proc.stat(sleeper.pid());
        // Wait until sh has become sleep (exec), so that the test knows the pid it must see end.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s != null && !s.comm.equals("sleep") && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
            s = Proc.stat(sleeper.pid());
        }
        Report.line("SLEEPER " + sleeper.pid() + ":" + (s == null ? 0 : s.startTime) + " own-group="
                + (s != null && s.pgrp == sleeper.pid()) + " comm=" + (s == null ? "gone" : s.comm));
        Report.line("EXITING");
    }
}
