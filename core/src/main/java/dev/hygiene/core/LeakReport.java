package dev.hygiene.core;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Who leaked it: one record per group that the agent had to terminate because the application
 * left it behind (at shutdown, or when it dropped the Process; the watchdog writes the same
 * records when the JVM died). At log=info one stderr line; with report=PATH also one JSON line
 * appended to PATH:
 * <pre>
 * {"time":"2026-11-29T21:00:00Z","reason":"shutdown","pid":1234,"command":"sh -c ...",
 *  "alive_ms":2100,"signal":"SIGTERM","escapees":0,"containment":"cgroup","members":3,"rss_bytes":312400000,
 *  "started_at":"com.example.Launcher.run(Launcher.java:42)"}
 * </pre>
 */
final class LeakReport {

    private final Path file;

    LeakReport(Path file) {
        this.file = file;
    }

    /** G, terminated for REASON (one the application left behind: {@link Ending#leftBehind}) with RESULT. */
    void group(ProcessGroup g, Ending reason, Escalation.Result result) {
        boolean killed = result.neededKill;
        int escapees = result.escapees;
        int members = result.members;
        long rssBytes = result.rssBytes;
        long aliveMs = (System.nanoTime() - g.startedNanos) / 1_000_000;
        String containment = g.containment.label();
        String firstSignal = "SIG" + g.policy.signal;
        if (Log.enabled(Log.Level.INFO)) {
            // One line, whatever the command holds; the same decimal point in every locale.
            Log.info((reason == Ending.SHUTDOWN ? "at shutdown" : reason == Ending.ORPHANED ? "leader exited"
                    : "dropped Process") + ": terminated group "
                    + g.pid + " (" + oneLine(g.command) + "), alive "
                    + String.format(Locale.ROOT, "%.1f", aliveMs / 1000.0) + " s, containment " + containment + ", "
                    + (members < 0 ? "" : members + (members == 1 ? " member, " : " members, ")
                            + String.format(Locale.ROOT, "%.1f", rssBytes / 1e6) + " MB RSS, ")
                    + (killed ? "SIGKILL after the grace period" : firstSignal)
                    + (escapees > 0 ? ", with " + escapees + " escaped members" : "")
                    + (g.origin == null ? "" : "; started at " + g.origin));
        }
        if (file == null) return;
        String json = "{\"time\":\"" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\",\"reason\":\""
                + reason.label + "\",\"pid\":" + g.pid + ",\"command\":" + quote(g.command) + ",\"alive_ms\":" + aliveMs
                + ",\"signal\":\"" + (killed ? "SIGKILL" : firstSignal) + "\",\"escapees\":" + escapees
                + ",\"containment\":\"" + containment + "\",\"members\":" + members + ",\"rss_bytes\":" + rssBytes
                + ",\"started_at\":" + quote(g.origin == null ? "" : g.origin) + "}\n";
        synchronized (this) {
            try (OutputStream out = new FileOutputStream(file.toFile(), true)) {
                out.write(json.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                Log.warn("cannot append to the report " + file + ": " + e.getMessage());
            }
        }
    }

    /** S with line breaks and other control characters as spaces, for a stderr line. */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
