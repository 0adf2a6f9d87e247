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
 * The agent's settings, read in one place. For each key the first source that has it wins:
 * <ol>
 *   <li>the agent arguments, {@code -javaagent:process-hygiene-agent.jar=key=value,key=value};</li>
 *   <li>the system property {@code hygiene.<key>};</li>
 *   <li>the file that {@code config-file} names (a Java properties file with the same keys, without
 *       the {@code hygiene.} prefix; {@code config-file} itself comes from the sources around it);</li>
 *   <li>the environment variable {@code HYGIENE_<KEY>} (upper case, {@code -} becomes {@code _}), except
 *       for {@code keep}: {@code HYGIENE_KEEP=1} in a child's environment opts that child out;</li>
 *   <li>the default.</li>
 * </ol>
 * Rules per command ({@code rule.NAME.match}, {@code rule.NAME.grace}, ...; see {@link StopRule})
 * come from the same sources but the environment, each of a rule's keys from the first source that
 * has it; they are tried in the order the file lists them, then those named only in system
 * properties or agent arguments, by name.
 * A bad value is reported in one stderr line naming the key, the value and what is accepted, and
 * the default is used; a bad rule in one line, and it is ignored: configuration never stops the
 * application.
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
    /** {@code stop=leader-first} (true) or {@code stop=group} (false, the default): see {@link StopPolicy#leaderFirst}. */
    public final boolean leaderFirst;
    /** The rules per command, in the order they are tried. */
    final List<StopRule> rules;
    /** The policy of a child no rule matches; and of one each rule matches (null: kept), by index. */
    private final StopPolicy defaultPolicy;
    private final StopPolicy[] rulePolicies;

    public static final String DEFAULT_STOP_SIGNAL = "TERM";
    private static final String[] STOP_SIGNALS = {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2"};

    public static final String DEFAULT_CONTAINMENT = "auto";
    private static final String[] CONTAINMENTS = {"auto", "cgroup", "group"};

    private Config(Duration grace, Log.Level log, Path helperDir, boolean extractHelper, Pattern keep, Path report,
                   String containment, boolean terminateOrphans, String stopSignal, boolean leaderFirst, List<StopRule> rules) {
        this.grace = grace;
        this.log = log;
        this.helperDir = helperDir;
        this.extractHelper = extractHelper;
        this.keep = keep;
        this.report = report;
        this.containment = containment;
        this.terminateOrphans = terminateOrphans;
        this.stopSignal = stopSignal;
        this.leaderFirst = leaderFirst;
        this.rules = rules;
        // Resolved once: a process start looks its policy up, it does not build one.
        this.defaultPolicy = new StopPolicy(null, grace, stopSignal, leaderFirst);
        this.rulePolicies = new StopPolicy[rules.size()];
        for (int i = 0; i < rulePolicies.length; i++) {
            StopRule r = rules.get(i);
            rulePolicies[i] = r.keep ? null : r.apply(defaultPolicy);
        }
    }

    /** The defaults alone, for code that uses core without the agent. */
    public static Config defaults() {
        return new Config(DEFAULT_GRACE, DEFAULT_LOG, null, true, null, null, DEFAULT_CONTAINMENT, false, DEFAULT_STOP_SIGNAL, false, List.of());
    }

    /** A copy with another grace period. */
    public Config withGrace(Duration newGrace) {
        return new Config(newGrace, log, helperDir, extractHelper, keep, report, containment, terminateOrphans, stopSignal, leaderFirst, rules);
    }

    /** A copy with another keep pattern. */
    public Config withKeep(Pattern newKeep) {
        return new Config(grace, log, helperDir, extractHelper, newKeep, report, containment, terminateOrphans, stopSignal, leaderFirst, rules);
    }

    /** A copy with another report file. */
    public Config withReport(Path newReport) {
        return new Config(grace, log, helperDir, extractHelper, keep, newReport, containment, terminateOrphans, stopSignal, leaderFirst, rules);
    }

    /** A copy with another containment (auto, cgroup or group). */
    public Config withContainment(String newContainment) {
        if (parseContainment(newContainment) == null) throw new IllegalArgumentException("containment " + newContainment);
        return new Config(grace, log, helperDir, extractHelper, keep, report, newContainment, terminateOrphans, stopSignal, leaderFirst, rules);
    }

    /** The policy of a child that no rule matches. */
    public StopPolicy defaultPolicy() {
        return defaultPolicy;
    }

    /** True if some rule may give a child another policy than the defaults (its command line is then needed). */
    public boolean hasRules() {
        return !rules.isEmpty();
    }

    /**
     * The policy of a child with COMMAND_LINE (its arguments joined by single spaces): that of the
     * first rule that matches it, else the defaults; null if that rule keeps the child (left alone).
     */
    public StopPolicy policyFor(String commandLine) {
        for (int i = 0; i < rulePolicies.length; i++) {
            if (rules.get(i).matches(commandLine)) return rulePolicies[i];
        }
        return defaultPolicy;
    }

    /** The longest grace any child may get: the defaults' or a rule's. */
    public Duration longestGrace() {
        Duration max = grace;
        for (StopPolicy p : rulePolicies) if (p != null && p.grace.compareTo(max) > 0) max = p.grace;
        return max;
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
        // The file first (its warnings wait for the log level, which it may set).
        List<String> later = new ArrayList<>();
        Map<String, String> file = Map.of();
        String raw = lookup("config-file", args, properties, Map.of(), env);
        if (raw != null) file = readFile(raw, later);

        // The log level next, so that the other warnings obey it.
        raw = lookup("log", args, properties, file, env);
        Log.Level log = raw == null ? DEFAULT_LOG : parseLevel(raw);
        if (log == null) {
            log = DEFAULT_LOG;
            Log.setLevel(log);
            bad("log", raw, "off, error, warn, info or debug", "warn");
        }
        Log.setLevel(log);
        for (String w : later) Log.warn(w);

        raw = lookup("grace", args, properties, file, env);
        Duration grace = raw == null ? DEFAULT_GRACE : parseDuration(raw);
        if (grace == null) {
            grace = DEFAULT_GRACE;
            bad("grace", raw, DURATION, format(DEFAULT_GRACE));
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
        String containment = raw == null ? DEFAULT_CONTAINMENT : parseContainment(raw);
        if (containment == null) {
            containment = DEFAULT_CONTAINMENT;
            bad("containment", raw, "auto, cgroup or group", DEFAULT_CONTAINMENT);
        }

        raw = lookup("orphans", args, properties, file, env);
        boolean terminateOrphans = false;
        if (raw != null && raw.equalsIgnoreCase("terminate")) terminateOrphans = true;
        else if (raw != null && !raw.equalsIgnoreCase("keep")) bad("orphans", raw, "keep or terminate", "keep");

        raw = lookup("stop-signal", args, properties, file, env);
        String stopSignal = raw == null ? DEFAULT_STOP_SIGNAL : parseStopSignal(raw);
        if (stopSignal == null) {
            stopSignal = DEFAULT_STOP_SIGNAL;
            bad("stop-signal", raw, STOP_SIGNAL_NAMES, DEFAULT_STOP_SIGNAL);
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
                + (stopSignal.equals(DEFAULT_STOP_SIGNAL) ? "" : ", stop-signal=" + stopSignal)
                + (leaderFirst ? ", stop=leader-first" : "")
                + (rules.isEmpty() ? "" : ", " + rules.size() + (rules.size() == 1 ? " rule" : " rules"));
    }
}
