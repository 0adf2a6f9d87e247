package dev.hygiene.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads {@link Config} from its sources (the order and the rules are Config's to say): the agent
 * arguments, the system properties, the config file and the environment, each value checked. Loaded
 * only where some source names a setting.
 */
final class ConfigReader {

    private ConfigReader() {}

    private static final String[] STOP_SIGNALS = {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2"};
    private static final String[] CONTAINMENTS = {"auto", "cgroup", "group"};

    // Plain code, no lambdas: this runs at the first process class's load, where every bootstrap counts.
    static Config read(String agentArgs, Properties properties, Map<String, String> env) {
        Map<String, String> args = parseArgs(agentArgs);
        // The file first (its warnings wait for the log level, which it may set).
        List<String> later = new ArrayList<>();
        Map<String, String> file = Map.of();
        String raw = lookup("config-file", args, properties, Map.of(), env);
        if (raw != null) file = readFile(raw, later);

        // The log level next, so that the other warnings obey it.
        raw = lookup("log", args, properties, file, env);
        Log.Level log = raw == null ? Config.DEFAULT_LOG : parseLevel(raw);
        if (log == null) {
            log = Config.DEFAULT_LOG;
            Log.setLevel(log);
            bad("log", raw, "off, error, warn, info or debug", "warn");
        }
        Log.setLevel(log);
        for (String w : later) Log.warn(w);

        raw = lookup("grace", args, properties, file, env);
        Duration grace = raw == null ? Config.DEFAULT_GRACE : parseDuration(raw);
        if (grace == null) {
            grace = Config.DEFAULT_GRACE;
            bad("grace", raw, DURATION, Config.format(Config.DEFAULT_GRACE));
        }

        raw = lookup("helper-dir", args, properties, file, env);
        boolean extractHelper = !"none".equals(raw);
        Path helperDir = raw == null || !extractHelper ? null : parsePath(raw);
        if (raw != null && extractHelper && helperDir == null) {
            bad("helper-dir", raw, "an absolute directory path, or none", "the built-in places");
        }

        // Not from the environment: there HYGIENE_KEEP=1 is the per-child opt-out (see ProcessHygiene).
        raw = lookup("keep", args, properties, file, Map.of());
        Pattern keep = raw == null || raw.isEmpty() ? null : parsePattern(raw);
        if (raw != null && !raw.isEmpty() && keep == null) bad("keep", raw, "a Java regular expression", "none");

        raw = lookup("report", args, properties, file, env);
        Path report = raw == null ? null : parsePath(raw);
        if (raw != null && report == null) bad("report", raw, "an absolute file path", "none");

        raw = lookup("containment", args, properties, file, env);
        String containment = raw == null ? Config.DEFAULT_CONTAINMENT : parseContainment(raw);
        if (containment == null) {
            containment = Config.DEFAULT_CONTAINMENT;
            bad("containment", raw, "auto, cgroup or group", Config.DEFAULT_CONTAINMENT);
        }

        raw = lookup("orphans", args, properties, file, env);
        boolean terminateOrphans = false;
        if (raw != null && raw.equalsIgnoreCase("terminate")) terminateOrphans = true;
        else if (raw != null && !raw.equalsIgnoreCase("keep")) bad("orphans", raw, "keep or terminate", "keep");

        raw = lookup("stop-signal", args, properties, file, env);
        String stopSignal = raw == null ? Config.DEFAULT_STOP_SIGNAL : parseStopSignal(raw);
        if (stopSignal == null) {
            stopSignal = Config.DEFAULT_STOP_SIGNAL;
            bad("stop-signal", raw, STOP_SIGNAL_NAMES, Config.DEFAULT_STOP_SIGNAL);
        }

        raw = lookup("stop", args, properties, file, env);
        Boolean leaderFirst = raw == null ? Boolean.FALSE : parseStop(raw);
        if (leaderFirst == null) {
            leaderFirst = Boolean.FALSE;
            bad("stop", raw, "group or leader-first", "group");
        }

        List<StopRule> rules = rules(args, properties, file);
        return new Config(grace, log, helperDir, extractHelper, keep, report, containment, terminateOrphans, stopSignal,
                leaderFirst, rules);
    }

    private static final String DURATION = "a duration such as 500ms, 2s or 1m";
    private static final String STOP_SIGNAL_NAMES = "TERM, INT, HUP, QUIT, USR1 or USR2";

    private static String lookup(String key, Map<String, String> args, Properties properties, Map<String, String> file,
                                 Map<String, String> env) {
        String v = args.get(key);
        if (v == null) v = properties.getProperty("hygiene." + key);
        if (v == null) v = file.get(key);
        if (v == null) v = env.get(envName(key));
        return v == null ? null : v.trim();
    }

    /** A properties file that remembers the order of its keys (Properties.load calls put for each, in order). */
    private static final class InOrder extends Properties {
        private static final long serialVersionUID = 1L;
        final Map<String, String> entries = new LinkedHashMap<>();

        @Override
        public synchronized Object put(Object key, Object value) {
            entries.put(String.valueOf(key), String.valueOf(value));
            return super.put(key, value);
        }
    }

    /** The keys of the config file RAW, in its order; what is wrong with it goes to WARNINGS. */
    private static Map<String, String> readFile(String raw, List<String> warnings) {
        Path path = parsePath(raw);
        if (path == null) {
            warnings.add("bad value for config-file: '" + raw + "' (expected an absolute file path); using none");
            return Map.of();
        }
        InOrder p = new InOrder();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(path, java.nio.charset.StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (java.io.IOException | IllegalArgumentException e) {
            warnings.add("cannot read config-file " + path + " (" + e + "); using none");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : p.entries.entrySet()) {
            String key = e.getKey();
            if (key.equals("config-file") || !known(key)) {
                warnings.add("unknown key '" + key + "' in " + path + "; ignored (keys: " + String.join(", ", KEYS)
                        + ", rule.NAME." + String.join("|rule.NAME.", RULE_KEYS) + ")");
                continue;
            }
            out.put(key, e.getValue());
        }
        return out;
    }

    private static final String[] RULE_KEYS = {"match", "grace", "stop-signal", "stop", "keep"};

    /**
     * The rules from the file (in its order), then those named only in system properties
     * ({@code hygiene.rule.*}) or agent arguments, by name; each key from the first source that has
     * it (arguments, properties, file). A bad rule is said in one line and left out.
     */
    private static List<StopRule> rules(Map<String, String> args, Properties properties, Map<String, String> file) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        java.util.Set<String> others = new java.util.TreeSet<>();
        List<String> keys = new ArrayList<>(file.keySet());
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("hygiene.rule.")) keys.add(key.substring("hygiene.".length()));
        }
        keys.addAll(args.keySet());
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            if (!key.startsWith("rule.")) continue;
            String name = ruleName(key);
            if (name == null) Log.warn("key '" + key + "' ignored: not rule.NAME.KEY");
            else if (i < file.size()) names.add(name);
            else others.add(name);
        }
        names.addAll(others);
        List<StopRule> out = new ArrayList<>();
        for (String name : names) {
            StopRule r = rule(name, args, properties, file);
            if (r != null) out.add(r);
        }
        return out;
    }

    /** NAME of rule.NAME.KEY, or null if KEY is not one. */
    private static String ruleName(String key) {
        int dot = key.lastIndexOf('.');
        if (dot <= "rule.".length()) return null;
        return key.substring("rule.".length(), dot);
    }

    private static StopRule rule(String name, Map<String, String> args, Properties properties, Map<String, String> file) {
        String prefix = "rule." + name + ".";
        // Every key given for it must be one a rule has.
        java.util.Set<String> given = new java.util.TreeSet<>();
        for (String key : file.keySet()) if (key.startsWith(prefix)) given.add(key.substring(prefix.length()));
        for (String key : args.keySet()) if (key.startsWith(prefix)) given.add(key.substring(prefix.length()));
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("hygiene." + prefix)) given.add(key.substring(("hygiene." + prefix).length()));
        }
        for (String k : given) {
            boolean ok = false;
            for (String known : RULE_KEYS) if (known.equals(k)) ok = true;
            if (!ok) return badRule(name, "unknown key " + prefix + k + " (a rule has " + String.join(", ", RULE_KEYS) + ")");
        }
        String raw = lookup(prefix + "match", args, properties, file, Map.of());
        if (raw == null || raw.isEmpty()) return badRule(name, "no " + prefix + "match");
        Pattern match = parsePattern(raw);
        if (match == null) return badRule(name, prefix + "match '" + raw + "' is not a Java regular expression");

        Duration grace = null;
        raw = lookup(prefix + "grace", args, properties, file, Map.of());
        if (raw != null && (grace = parseDuration(raw)) == null) {
            return badRule(name, "bad value for " + prefix + "grace: '" + raw + "' (expected " + DURATION + ")");
        }
        String signal = null;
        raw = lookup(prefix + "stop-signal", args, properties, file, Map.of());
        if (raw != null && (signal = parseStopSignal(raw)) == null) {
            return badRule(name, "bad value for " + prefix + "stop-signal: '" + raw + "' (expected " + STOP_SIGNAL_NAMES + ")");
        }
        Boolean leaderFirst = null;
        raw = lookup(prefix + "stop", args, properties, file, Map.of());
        if (raw != null && (leaderFirst = parseStop(raw)) == null) {
            return badRule(name, "bad value for " + prefix + "stop: '" + raw + "' (expected group or leader-first)");
        }
        boolean keep = false;
        raw = lookup(prefix + "keep", args, properties, file, Map.of());
        if (raw != null) {
            if (raw.equalsIgnoreCase("true")) keep = true;
            else if (!raw.equalsIgnoreCase("false")) return badRule(name, "bad value for " + prefix + "keep: '" + raw + "' (expected true or false)");
        }
        return new StopRule(name, match, grace, signal, leaderFirst, keep);
    }

    private static StopRule badRule(String name, String why) {
        Log.warn("rule " + name + " ignored: " + why);
        return null;
    }

    /** group (false) or leader-first (true), any case; null if neither. */
    static Boolean parseStop(String s) {
        String v = s.trim();
        if (v.equalsIgnoreCase("group")) return Boolean.FALSE;
        if (v.equalsIgnoreCase("leader-first")) return Boolean.TRUE;
        return null;
    }

    private static void bad(String key, String value, String accepted, String fallback) {
        Log.warn("bad value for " + key + ": '" + value + "' (expected " + accepted + "); using " + fallback);
    }

    /** {@code HYGIENE_<KEY>}: upper case, {@code -} and {@code .} become {@code _}. */
    static String envName(String key) {
        return "HYGIENE_" + key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    private static final String[] KEYS = {"grace", "log", "helper-dir", "keep", "report", "containment", "orphans", "stop-signal", "stop", "config-file"};

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
        if (key.startsWith("rule.")) return true; // checked with its rule
        for (String k : KEYS) if (k.equals(key)) return true;
        return false;
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

}
