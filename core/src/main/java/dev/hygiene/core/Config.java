package dev.hygiene.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The agent's settings, read in one place. For each key the first source that has it wins:
 * <ol>
 *   <li>the agent arguments, {@code -javaagent:process-hygiene-agent.jar=key=value,key=value};</li>
 *   <li>the system property {@code hygiene.<key>};</li>
 *   <li>the environment variable {@code HYGIENE_<KEY>} (upper case, {@code -} becomes {@code _});</li>
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

    private Config(Duration grace, Log.Level log, Path helperDir) {
        this.grace = grace;
        this.log = log;
        this.helperDir = helperDir;
    }

    /** The defaults alone, for code that uses core without the agent. */
    public static Config defaults() {
        return new Config(DEFAULT_GRACE, DEFAULT_LOG, null);
    }

    /** A copy with another grace period. */
    public Config withGrace(Duration newGrace) {
        return new Config(newGrace, log, helperDir);
    }

    /** Reads the settings from the agent arguments, the system properties and the environment. */
    public static Config load(String agentArgs) {
        return load(agentArgs, System::getProperty, System::getenv);
    }

    static Config load(String agentArgs, Function<String, String> properties, Function<String, String> env) {
        Map<String, String> args = parseArgs(agentArgs);
        Function<String, String> lookup = key -> {
            String v = args.get(key);
            if (v == null) v = properties.apply("hygiene." + key);
            if (v == null) v = env.apply(envName(key));
            return v == null ? null : v.trim();
        };
        // The log level first, so that the other warnings obey it.
        Log.Level log = parse(lookup, "log", DEFAULT_LOG, Config::parseLevel, "off, error, warn, info or debug");
        Log.setLevel(log);
        Duration grace = parse(lookup, "grace", DEFAULT_GRACE, Config::parseDuration,
                "a duration such as 500ms, 2s or 1m");
        Path helperDir = parse(lookup, "helper-dir", null, Config::parsePath, "an absolute directory path");
        return new Config(grace, log, helperDir);
    }

    /** {@code HYGIENE_<KEY>}: upper case, {@code -} and {@code .} become {@code _}. */
    static String envName(String key) {
        return "HYGIENE_" + key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    private static final String[] KEYS = {"grace", "log", "helper-dir"};

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

    private static <T> T parse(Function<String, String> lookup, String key, T fallback,
                               Function<String, T> parser, String accepted) {
        String raw = lookup.apply(key);
        if (raw == null) return fallback;
        T value = parser.apply(raw);
        if (value == null) {
            Log.warn("bad value for " + key + ": '" + raw + "' (expected " + accepted + "); using "
                    + (fallback == null ? "none" : show(fallback)));
            return fallback;
        }
        return value;
    }

    private static String show(Object value) {
        if (value instanceof Duration) return format((Duration) value);
        if (value instanceof Log.Level) return value.toString().toLowerCase(Locale.ROOT);
        return String.valueOf(value);
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
                + (helperDir == null ? "" : ", helper-dir=" + helperDir);
    }
}
