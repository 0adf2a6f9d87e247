package dev.hygiene.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the agent's leak reports, one record per group it had to terminate: the stderr line (at
 * {@code log=info}) and the JSON line (with {@code report=PATH}), both as specified:
 * <pre>
 * process-hygiene: at shutdown: terminated group 123 (sh -c sleep 300 &amp; wait), alive 0.3 s, containment cgroup, 3 members, 4.2 MB RSS, SIGTERM; started at a.B.m(B.java:42)
 * process-hygiene: dropped Process: terminated group ...
 * process-hygiene: watchdog: the JVM died; terminated group ...
 *   (", SIGKILL after the grace period" instead of ", SIGTERM"; ", with N escaped members" before "; started at")
 * {"time":"...","reason":"shutdown"|"dropped"|"orphaned"|"jvm-died","pid":123,"command":"...","alive_ms":300,
 *  "signal":"SIGTERM"|"SIGKILL","escapees":0,"containment":"cgroup"|"group"|"tree","members":3,"rss_bytes":4200000,
 *  "started_at":"a.B.m(B.java:42)"}
 * </pre>
 * The JVM writes containment, members and RSS; the watchdog's records (jvm-died) may lack them.
 */
public final class LeakReports {

    private LeakReports() {}

    /** What one record says, from either form. */
    public static final class Record {
        /** shutdown, dropped or jvm-died. */
        public final String reason;
        public final long pid;
        public final String command;
        public final long aliveMs;
        /** SIGTERM or SIGKILL. */
        public final String signal;
        public final int escapees;
        /** The starting frame, "" if none was named. */
        public final String startedAt;
        /** When it was written (JSON only, to the second), else null. */
        public final Instant time;
        /** cgroup, group or tree; null if the record does not say. */
        public final String containment;
        /** The processes it held at the first signal; -1 if the record does not say. */
        public final int members;
        /** Their summed resident memory, in bytes (to 0.1 MB in the stderr line); -1 if the record does not say. */
        public final long rssBytes;
        /** The line it was read from. */
        public final String line;

        Record(String reason, long pid, String command, long aliveMs, String signal, int escapees, String startedAt,
               Instant time, String containment, int members, long rssBytes, String line) {
            this.containment = containment;
            this.members = members;
            this.rssBytes = rssBytes;
            this.reason = reason;
            this.pid = pid;
            this.command = command;
            this.aliveMs = aliveMs;
            this.signal = signal;
            this.escapees = escapees;
            this.startedAt = startedAt;
            this.time = time;
            this.line = line;
        }

        @Override
        public String toString() {
            return line;
        }
    }

    static final String PREFIX = "process-hygiene: ";
    private static final Pattern STDERR = Pattern.compile(
            "process-hygiene: (at shutdown: |at shutdown \\(finished by the watchdog\\): |dropped Process: |leader exited: |watchdog: the JVM died; )terminated group (\\d+)"
                    + " \\((.*)\\), alive (\\d+\\.\\d) s, (?:containment (cgroup|group|tree), )?"
                    + "(?:(\\d+) members?, (\\d+\\.\\d) MB RSS, )?(SIGKILL after the grace period|SIG[A-Z0-9]+)"
                    + "(?:, with (\\d+) escaped members)?(?:; started at (.+))?");

    /** The agent's lines on stderr (everything starting with {@code process-hygiene: }). */
    public static List<String> agentLines(AppJvm app) {
        List<String> out = new ArrayList<>();
        for (String l : app.stderr().all()) if (l.startsWith(PREFIX)) out.add(l);
        return out;
    }

    /** The stderr line LINE as a record; fails if it is not a leak report in the specified form. */
    public static Record parseStderr(String line) {
        Matcher m = STDERR.matcher(line);
        if (!m.matches()) throw new AssertionError("not a leak report line in the specified form: " + line);
        String reason = m.group(1).startsWith("at") ? "shutdown" : m.group(1).startsWith("dropped") ? "dropped"
                : m.group(1).startsWith("leader") ? "orphaned" : "jvm-died";
        long aliveMs = Math.round(Double.parseDouble(m.group(4)) * 1000);
        return new Record(reason, Long.parseLong(m.group(2)), m.group(3), aliveMs,
                m.group(8).startsWith("SIGKILL after") ? "SIGKILL" : m.group(8),
                m.group(9) == null ? 0 : Integer.parseInt(m.group(9)), m.group(10) == null ? "" : m.group(10), null,
                m.group(5), m.group(6) == null ? -1 : Integer.parseInt(m.group(6)),
                m.group(7) == null ? -1 : Math.round(Double.parseDouble(m.group(7)) * 1e6), line);
    }

    /** The JSON lines of FILE as records (none if the file does not exist); fails on a malformed line. */
    public static List<Record> readJson(Path file) {
        if (!Files.exists(file)) return List.of();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + ": " + e, e);
        }
        List<Record> out = new ArrayList<>();
        for (String l : lines) out.add(parseJson(l));
        return out;
    }

    /**
     * One JSON line with exactly the specified keys, in any order (containment, members and
     * rss_bytes all three, or, in a watchdog's record, none of them).
     */
    public static Record parseJson(String line) {
        Map<String, Object> o = JsonObject.parse(line);
        List<String> keys = List.of("time", "reason", "pid", "command", "alive_ms", "signal", "escapees", "started_at");
        List<String> all = new ArrayList<>(keys);
        all.addAll(List.of("containment", "members", "rss_bytes"));
        if (!o.keySet().equals(new java.util.HashSet<>(keys)) && !o.keySet().equals(new java.util.HashSet<>(all))) {
            throw new AssertionError("a report line has the keys " + all + " (the last three optional), not " + o.keySet() + ": " + line);
        }
        try {
            boolean census = o.containsKey("members");
            return new Record((String) o.get("reason"), (Long) o.get("pid"), (String) o.get("command"),
                    (Long) o.get("alive_ms"), (String) o.get("signal"), Math.toIntExact((Long) o.get("escapees")),
                    (String) o.get("started_at"), Instant.parse((String) o.get("time")), (String) o.get("containment"),
                    census ? Math.toIntExact((Long) o.get("members")) : -1, census ? (Long) o.get("rss_bytes") : -1, line);
        } catch (ClassCastException | java.time.format.DateTimeParseException e) {
            throw new AssertionError("a report line with a value of the wrong kind (" + e.getMessage() + "): " + line, e);
        }
    }

    /** A strict reader of one flat JSON object whose values are strings and integers. */
    static final class JsonObject {
        private final String s;
        private int i;

        private JsonObject(String s) {
            this.s = s;
        }

        static Map<String, Object> parse(String line) {
            JsonObject r = new JsonObject(line);
            try {
                return r.object();
            } catch (RuntimeException e) {
                throw new AssertionError("not a flat JSON object (" + e.getMessage() + " at " + r.i + "): " + line, e);
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            if (peek() != '}') {
                while (true) {
                    String key = string();
                    expect(':');
                    Object value = peek() == '"' ? string() : number();
                    if (out.put(key, value) != null) throw new IllegalArgumentException("duplicate key " + key);
                    if (peek() == ',') {
                        i++;
                        continue;
                    }
                    break;
                }
            }
            expect('}');
            if (i != s.length()) throw new IllegalArgumentException("text after the object");
            return out;
        }

        private char peek() {
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) throw new IllegalArgumentException("expected '" + c + "'");
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = peek();
                i++;
                if (c == '"') return b.toString();
                if (c < 0x20) throw new IllegalArgumentException("control character in a string");
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = peek();
                i++;
                switch (e) {
                    case '"': case '\\': case '/': b.append(e); break;
                    case 'n': b.append('\n'); break;
                    case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u':
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default: throw new IllegalArgumentException("bad escape \\" + e);
                }
            }
        }

        private Long number() {
            int start = i;
            if (peek() == '-') i++;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i == start || (i == start + 1 && s.charAt(start) == '-')) throw new IllegalArgumentException("expected a string or an integer");
            return Long.parseLong(s.substring(start, i));
        }
    }
}
