package dev.hygiene.core;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;

/**
 * The helper in watch mode (src/main/c/watchdog.c): a small process, in a session of its own, that
 * knows the live groups and gives them the escalation if the JVM dies without running its
 * shutdown hooks (kill -9, the OOM killer, a crash, Runtime.halt). It learns of each group through
 * a line on its stdin, and acts when that pipe reaches EOF or its parent changes.
 *
 * <p>Started at the first isolated child, never before. Its pipe is not inherited by children the
 * JDK starts (the JDK closes every descriptor above 2 in them); the watchdog also notices its
 * parent's death by itself, in case something else holds the pipe.
 */
final class Watchdog {

    private final Process process;
    private final OutputStream commands;
    private boolean broken;

    private Watchdog(Process process) {
        this.process = process;
        this.commands = process.getOutputStream();
    }

    /** Starts the watchdog; null (with one warning) if it cannot run. */
    static Watchdog start(Helper helper, Config config) {
        String[] cmd = {helper.command(), "watch", Long.toString(config.grace.toMillis()),
                Log.enabled(Log.Level.INFO) ? "1" : "0", config.report == null ? "-" : config.report.toString()};
        boolean outer = Untracked.enter();
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(Redirect.INHERIT);
            // A nested JVM inherits its parent JVM's marker: the watchdog, in a session of its
            // own, must not look like an escaped member of the parent's group.
            pb.environment().remove(Membership.MARKER_VAR);
            Process p = pb.start();
            return new Watchdog(p);
        } catch (IOException e) {
            Log.warn("cannot start the watchdog (" + e.getMessage() + "); groups are not terminated if the JVM is killed");
            return null;
        } finally {
            Untracked.exit(outer);
        }
    }

    synchronized void track(ProcessGroup g) {
        send("+\t" + g.pid + "\t" + g.startTime + "\t" + (g.marker == null ? "" : g.marker) + "\t"
                + field(g.command) + "\t" + field(g.origin) + "\n");
    }

    synchronized void untrack(ProcessGroup g) {
        send("-\t" + g.pid + "\t" + g.startTime + "\n");
    }

    /** After the shutdown hook's own escalation: the watchdog gives what is still listed its turn, then exits. */
    synchronized void close() {
        try {
            commands.close();
        } catch (IOException e) {
            // gone already
        }
        broken = true;
    }

    long pid() {
        return process.pid();
    }

    private void send(String line) {
        if (broken) return;
        try {
            commands.write(line.getBytes(StandardCharsets.UTF_8));
            commands.flush();
        } catch (IOException e) {
            broken = true;
            Log.warn("the watchdog is gone (" + e.getMessage() + "); groups are not terminated if the JVM is killed");
        }
    }

    private static String field(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
    }

    void removeAtEnd(String cgroupDir) { }
}
