package dev.hygiene.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

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

    public static final String DEFAULT_CONTAINMENT = "auto";

    Config(Duration grace, Log.Level log, Path helperDir, boolean extractHelper, Pattern keep, Path report,
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

    /**
     * True if leak records are wanted at all (a report file, or log=info for their stderr lines),
     * and so the frame that starts a child is worth capturing.
     */
    boolean reportWanted() {
        return report != null || Log.enabled(Log.Level.INFO);
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
        if (ConfigReader.parseContainment(newContainment) == null) throw new IllegalArgumentException("containment " + newContainment);
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

    /**
     * Reads the settings from the agent arguments, the system properties and the environment. Where
     * none of them names a setting (the usual case) these are the defaults, and the reading of the
     * sources ({@link ConfigReader}) is not loaded: it cost the first start ~4 ms (measured).
     */
    public static Config load(String agentArgs) {
        Properties properties = System.getProperties();
        Map<String, String> env = hygieneEnvironment();
        if ((agentArgs == null || agentArgs.isBlank()) && env.isEmpty() && !namesAny(properties)) return defaults();
        return ConfigReader.read(agentArgs, properties, env);
    }

    /** True if some system property is one of the agent's ({@code hygiene.*}). */
    private static boolean namesAny(Properties properties) {
        for (Object key : properties.keySet()) {
            if (key instanceof String && ((String) key).startsWith("hygiene.")) return true;
        }
        return false;
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

    /** Formats a duration the way it is configured: 500ms, 5s, 2m. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
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
