package dev.hygiene.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The agent's settings, read in one place. For each key the first source that has it wins:
 * <ol>
 *   <li>the agent arguments, {@code -javaagent:process-hygiene-agent.jar=key=value,key=value};</li>
 *   <li>the system property {@code hygiene.<key>};</li>
 *   <li>the environment variable {@code HYGIENE_<KEY>} (upper case, {@code -} becomes {@code _}), except
 *       for {@code keep}: {@code HYGIENE_KEEP=1} in a child's environment opts that child out;</li>
 *   <li>the default.</li>
 * </ol>
 * A bad value is reported in one stderr line naming the key, the value and what is accepted, and
 * the default is used: configuration never stops the application.
 */
public final class Config {

    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);
    public static final Log.Level DEFAULT_LOG = Log.Level.WARN;

    /** How long a group has between SIGTERM and SIGKILL. */
    public final Duration grace;
    /** How much the agent says on stderr. */
    public final Log.Level log;
    /** Where to extract the helper first; null: only the built-in candidates. */
    public final Path helperDir;
    /** False with {@code helper-dir=none}: no helper is extracted (setsid(1) isolates, if present). */
    public final boolean extractHelper;
    /** Children whose command line this finds are left alone entirely; null: none. */
    public final Pattern keep;
    /** Where to append a JSON line per group the agent had to terminate; null: nowhere. */
    public final Path report;
    /**
     * How children are contained: {@code auto} (a cgroup per child where the JVM can create one,
     * else its process group and the marker), {@code cgroup} (the same, but a warning where it
     * cannot), {@code group} (process group and marker only).
     */
    public final String containment;
    /**
     * {@code orphans=terminate}: when a child's leader has exited and members of its group remain
     * while the application still holds its Process, they get the escalation at once; false
     * ({@code orphans=keep}, the default): they are left until the Process is dropped, destroyed or
     * the JVM exits.
     */
    public final boolean terminateOrphans;
    /**
     * The first signal of the escalation, by name without {@code SIG}: TERM (the default), INT,
     * HUP, QUIT, USR1 or USR2. SIGKILL follows at the end of the grace period, as always.
     */
    public final String stopSignal;

    public static final String DEFAULT_STOP_SIGNAL = "TERM";
    private static final String[] STOP_SIGNALS = {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2"};

    public static final String DEFAULT_CONTAINMENT = "auto";
    private static final String[] CONTAINMENTS = {"auto", "cgroup", "group"};

    private Config(Duration grace, Log.Level log, Path helperDir, boolean extractHelper, Pattern keep, Path report,
                   String containment, boolean terminateOrphans, String stopSignal) {
        this.grace = grace;
        this.log = log;
        this.helperDir = helperDir;
        this.extractHelper = extractHelper;
        this.keep = keep;
        this.report = report;
        this.containment = containment;
        this.terminateOrphans = terminateOrphans;
        this.stopSignal = stopSignal;
    }

    /** The defaults alone, for code that uses core without the agent. */
    public static Config defaults() {
        return new Config(DEFAULT_GRACE, DEFAULT_LOG, null, true, null, null, DEFAULT_CONTAINMENT, false, DEFAULT_STOP_SIGNAL);
    }

    /** A copy with another grace period. */
    public Config withGrace(Duration newGrace) {
        return new Config(newGrace, log, helperDir, extractHelper, keep, report, containment, terminateOrphans, stopSignal);
    }

    /** A copy with another keep pattern. */
    public Config withKeep(Pattern newKeep) {
        return new Config(grace, log, helperDir, extractHelper, newKeep, report, containment, terminateOrphans, stopSignal);
    }

    /** A copy with another report file. */
    public Config withReport(Path newReport) {
        return new Config(grace, log, helperDir, extractHelper, keep, newReport, containment, terminateOrphans, stopSignal);
    }

    /** A copy with another containment (auto, cgroup or group). */
    public Config withContainment(String newContainment) {
        if (parseContainment(newContainment) == null) throw new IllegalArgumentException("containment " + newContainment);
        return new Config(grace, log, helperDir, extractHelper, keep, report, newContainment, terminateOrphans, stopSignal);
    }

    /** A copy with another stop signal (TERM, INT, HUP, QUIT, USR1 or USR2). */
    public Config withStopSignal(String newStopSignal) {
        String s = parseStopSignal(newStopSignal);
        if (s == null) throw new IllegalArgumentException("stop-signal " + newStopSignal);
        return new Config(grace, log, helperDir, extractHelper, keep, report, containment, terminateOrphans, s);
    }

    /** A copy with orphans=terminate (true) or keep (false). */
    public Config withTerminateOrphans(boolean terminate) {
        return new Config(grace, log, helperDir, extractHelper, keep, report, containment, terminate, stopSignal);
    }

    /** Reads the settings from the agent arguments, the system properties and the environment. */
    public static Config load(String agentArgs) {
        return load(agentArgs, System.getProperties(), hygieneEnvironment());
    }

    /**
     * The JVM's HYGIENE_* environment variables, read from /proc/self/environ: on JDK 25,
     * System.getenv loads java.lang.ProcessImpl, and the agent would then rewrite it in premain, in
     * every JVM, whether it starts a process or not. Falls back to System.getenv without /proc.
     */
    static Map<String, String> hygieneEnvironment() {
        byte[] b;
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/self/environ")) {
            b = in.readAllBytes();
        } catch (java.io.IOException e) {
            return System.getenv();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < b.length; ) {
            int end = i;
            while (end < b.length && b[end] != 0) end++;
            if (end - i > 8 && b[i] == 'H' && b[i + 1] == 'Y' && b[i + 2] == 'G' && b[i + 3] == 'I'
                    && b[i + 4] == 'E' && b[i + 5] == 'N' && b[i + 6] == 'E' && b[i + 7] == '_') {
                String entry = new String(b, i, end - i, java.nio.charset.StandardCharsets.UTF_8);
                int eq = entry.indexOf('=');
                if (eq > 0) out.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
            i = end + 1;
        }
        return out;
    }

    // Plain code, no lambdas: this runs in premain, where every bootstrap counts.
    static Config load(String agentArgs, Properties properties, Map<String, String> env) {
        Map<String, String> args = parseArgs(agentArgs);
        // The log level first, so that the other warnings obey it.
        String raw = lookup("log", args, properties, env);
        Log.Level log = raw == null ? DEFAULT_LOG : parseLevel(raw);
        if (log == null) {
            log = DEFAULT_LOG;
            Log.setLevel(log);
            bad("log", raw, "off, error, warn, info or debug", "warn");
        }
        Log.setLevel(log);

        raw = lookup("grace", args, properties, env);
        Duration grace = raw == null ? DEFAULT_GRACE : parseDuration(raw);
        if (grace == null) {
            grace = DEFAULT_GRACE;
            bad("grace", raw, "a duration such as 500ms, 2s or 1m", format(DEFAULT_GRACE));
        }

        raw = lookup("helper-dir", args, properties, env);
        boolean extractHelper = !"none".equals(raw);
        Path helperDir = raw == null || !extractHelper ? null : parsePath(raw);
        if (raw != null && extractHelper && helperDir == null) {
            bad("helper-dir", raw, "an absolute directory path, or none", "the built-in places");
        }

        // Not from the environment: there HYGIENE_KEEP=1 is the per-child opt-out (see ProcessHygiene).
        raw = lookup("keep", args, properties, Map.of());
        Pattern keep = raw == null || raw.isEmpty() ? null : parsePattern(raw);
        if (raw != null && !raw.isEmpty() && keep == null) bad("keep", raw, "a Java regular expression", "none");

        raw = lookup("report", args, properties, env);
        Path report = raw == null ? null : parsePath(raw);
        if (raw != null && report == null) bad("report", raw, "an absolute file path", "none");

        raw = lookup("containment", args, properties, env);
        String containment = raw == null ? DEFAULT_CONTAINMENT : parseContainment(raw);
        if (containment == null) {
            containment = DEFAULT_CONTAINMENT;
            bad("containment", raw, "auto, cgroup or group", DEFAULT_CONTAINMENT);
        }

        raw = lookup("orphans", args, properties, env);
        boolean terminateOrphans = false;
        if (raw != null && raw.equalsIgnoreCase("terminate")) terminateOrphans = true;
        else if (raw != null && !raw.equalsIgnoreCase("keep")) bad("orphans", raw, "keep or terminate", "keep");

        raw = lookup("stop-signal", args, properties, env);
        String stopSignal = raw == null ? DEFAULT_STOP_SIGNAL : parseStopSignal(raw);
        if (stopSignal == null) {
            stopSignal = DEFAULT_STOP_SIGNAL;
            bad("stop-signal", raw, "TERM, INT, HUP, QUIT, USR1 or USR2", DEFAULT_STOP_SIGNAL);
        }
        return new Config(grace, log, helperDir, extractHelper, keep, report, containment, terminateOrphans, stopSignal);
    }

    private static String lookup(String key, Map<String, String> args, Properties properties, Map<String, String> env) {
        String v = args.get(key);
        if (v == null) v = properties.getProperty("hygiene." + key);
        if (v == null) v = env.get(envName(key));
        return v == null ? null : v.trim();
    }

    private static void bad(String key, String value, String accepted, String fallback) {
        Log.warn("bad value for " + key + ": '" + value + "' (expected " + accepted + "); using " + fallback);
    }

    /** {@code HYGIENE_<KEY>}: upper case, {@code -} and {@code .} become {@code _}. */
    static String envName(String key) {
        return "HYGIENE_" + key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    private static final String[] KEYS = {"grace", "log", "helper-dir", "keep", "report", "containment", "orphans", "stop-signal"};

    static Map<String, String> parseArgs(String agentArgs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.isBlank()) return out;
        for (String part : agentArgs.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).trim();
            if (eq < 0) {
                Log.warn("agent argument '" + part.trim() + "' is not key=value; ignored (keys: "
                        + String.join(", ", KEYS) + ")");
                continue;
            }
            if (!known(key)) {
                Log.warn("unknown agent argument '" + key + "'; ignored (keys: " + String.join(", ", KEYS) + ")");
                continue;
            }
            out.put(key, part.substring(eq + 1).trim());
        }
        return out;
    }

    private static boolean known(String key) {
        for (String k : KEYS) if (k.equals(key)) return true;
        return false;
    }

    /** Formats a duration the way it is configured: 500ms, 5s, 2m. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    /** {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, {@code 0}; null if not a duration. */
    static Duration parseDuration(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        long unitMs;
        String number;
        if (v.endsWith("ms")) { unitMs = 1; number = v.substring(0, v.length() - 2); }
        else if (v.endsWith("s")) { unitMs = 1000; number = v.substring(0, v.length() - 1); }
        else if (v.endsWith("m")) { unitMs = 60_000; number = v.substring(0, v.length() - 1); }
        else if (v.equals("0")) { return Duration.ZERO; }
        else return null;
        number = number.trim();
        if (number.isEmpty() || !number.matches("[0-9]+(\\.[0-9]+)?")) return null;
        try {
            double ms = Double.parseDouble(number) * unitMs;
            if (ms > Duration.ofHours(24).toMillis()) return null;
            return Duration.ofMillis(Math.round(ms));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Log.Level parseLevel(String s) {
        for (Log.Level l : Log.Level.values()) {
            if (l.name().equalsIgnoreCase(s.trim())) return l;
        }
        return null;
    }

    /** auto, cgroup or group (any case); null if not one of them. */
    static String parseContainment(String s) {
        for (String c : CONTAINMENTS) if (c.equalsIgnoreCase(s.trim())) return c;
        return null;
    }

    /** TERM, INT, HUP, QUIT, USR1 or USR2 (any case, with or without SIG); null if not one of them. */
    static String parseStopSignal(String s) {
        String v = s.trim().toUpperCase(Locale.ROOT);
        if (v.startsWith("SIG")) v = v.substring(3);
        for (String c : STOP_SIGNALS) if (c.equals(v)) return c;
        return null;
    }

    static Pattern parsePattern(String s) {
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    static Path parsePath(String s) {
        if (s.isEmpty()) return null;
        try {
            Path p = Path.of(s);
            return p.isAbsolute() ? p : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "grace=" + format(grace) + ", log=" + log.name().toLowerCase(Locale.ROOT)
                + (helperDir == null ? "" : ", helper-dir=" + helperDir)
                + (extractHelper ? "" : ", helper-dir=none")
                + (keep == null ? "" : ", keep=" + keep)
                + (report == null ? "" : ", report=" + report)
                + (containment.equals(DEFAULT_CONTAINMENT) ? "" : ", containment=" + containment)
                + (terminateOrphans ? ", orphans=terminate" : "")
                + (stopSignal.equals(DEFAULT_STOP_SIGNAL) ? "" : ", stop-signal=" + stopSignal);
    }
}
