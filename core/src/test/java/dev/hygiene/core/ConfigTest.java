package dev.hygiene.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream realErr;

    @BeforeEach
    void captureStderr() {
        realErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(realErr);
        Log.setLevel(Config.DEFAULT_LOG);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static Config load(String args, Map<String, String> props, Map<String, String> env) {
        Properties p = new Properties();
        p.putAll(props);
        return ConfigReader.read(args, p, env);
    }

    @Test
    void nothingConfiguredReadsAsTheDefaults() {
        // Config.load skips the reader where no source names a setting: both must agree.
        Config read = ConfigReader.read(null, new Properties(), Map.of());
        Config defaults = Config.defaults();
        assertEquals(defaults.toString(), read.toString());
        assertEquals(defaults.grace, read.grace);
        assertEquals(defaults.log, read.log);
        assertEquals(defaults.helperDir, read.helperDir);
        assertEquals(defaults.extractHelper, read.extractHelper);
        assertEquals(defaults.keep, read.keep);
        assertEquals(defaults.report, read.report);
        assertEquals(defaults.containment, read.containment);
        assertEquals(defaults.terminateOrphans, read.terminateOrphans);
        assertEquals(defaults.stopSignal, read.stopSignal);
        assertEquals(defaults.leaderFirst, read.leaderFirst);
        assertEquals(defaults.hasRules(), read.hasRules());
        assertEquals(defaults.defaultPolicy().describe(), read.defaultPolicy().describe());
        assertEquals("", stderr());
    }

    @Test
    void aSystemPropertyOrArgumentIsReadByLoad() {
        System.setProperty("hygiene.grace", "2s");
        try {
            assertEquals(Duration.ofSeconds(2), Config.load(null).grace);
            assertEquals(Duration.ofSeconds(3), Config.load("grace=3s").grace);
        } finally {
            System.clearProperty("hygiene.grace");
        }
        assertEquals(Duration.ofSeconds(4), Config.load("grace=4s").grace);
    }

    @Test
    void containment() {
        assertEquals("auto", load("", Map.of(), Map.of()).containment);
        assertEquals("group", load("containment=group", Map.of(), Map.of()).containment);
        assertEquals("cgroup", load("", Map.of("hygiene.containment", "CGROUP"), Map.of()).containment);
        assertEquals("group", load("", Map.of(), Map.of("HYGIENE_CONTAINMENT", "group")).containment);
        assertEquals("", stderr());
        assertEquals("auto", load("containment=jail", Map.of(), Map.of()).containment);
        assertEquals("process-hygiene: bad value for containment: 'jail' (expected auto, cgroup or group); using auto\n",
                stderr());
    }

    @Test
    void orphans() {
        assertEquals(false, load("", Map.of(), Map.of()).terminateOrphans);
        assertEquals(true, load("orphans=terminate", Map.of("hygiene.orphans", "keep"), Map.of()).terminateOrphans);
        assertEquals(false, load("orphans=keep", Map.of(), Map.of("HYGIENE_ORPHANS", "terminate")).terminateOrphans);
        assertEquals(true, load("", Map.of("hygiene.orphans", "Terminate"), Map.of()).terminateOrphans);
        assertEquals(true, load("", Map.of(), Map.of("HYGIENE_ORPHANS", "terminate")).terminateOrphans);
        assertEquals("", stderr());
        assertEquals(false, load("orphans=kill", Map.of(), Map.of()).terminateOrphans);
        assertEquals("process-hygiene: bad value for orphans: 'kill' (expected keep or terminate); using keep\n", stderr());
    }

    @Test
    void stopSignal() {
        assertEquals("TERM", load("", Map.of(), Map.of()).stopSignal);
        assertEquals("INT", load("stop-signal=INT", Map.of("hygiene.stop-signal", "HUP"), Map.of()).stopSignal);
        assertEquals("HUP", load("", Map.of("hygiene.stop-signal", "sighup"), Map.of()).stopSignal);
        assertEquals("USR2", load("", Map.of(), Map.of("HYGIENE_STOP_SIGNAL", "SIGUSR2")).stopSignal);
        assertEquals("", stderr());
        assertEquals("TERM", load("stop-signal=KILL", Map.of(), Map.of()).stopSignal);
        assertEquals("process-hygiene: bad value for stop-signal: 'KILL' (expected TERM, INT, HUP, QUIT, USR1 or USR2); using TERM\n",
                stderr());
    }

    @Test
    void stopMode() {
        assertEquals(false, load("", Map.of(), Map.of()).leaderFirst);
        assertEquals(true, load("stop=leader-first", Map.of(), Map.of()).leaderFirst);
        assertEquals(true, load("", Map.of(), Map.of("HYGIENE_STOP", "LEADER-FIRST")).leaderFirst);
        assertEquals("", stderr());
        assertEquals(false, load("stop=leader", Map.of(), Map.of()).leaderFirst);
        assertEquals("process-hygiene: bad value for stop: 'leader' (expected group or leader-first); using group\n", stderr());
    }

    private Path file(String... lines) throws IOException {
        Path f = Files.createTempFile("hygiene", ".properties");
        Files.writeString(f, String.join("\n", lines) + "\n");
        f.toFile().deleteOnExit();
        return f;
    }

    @Test
    void rulesFromTheFileInItsOrderTheFirstMatchApplies() throws IOException {
        Path f = file("grace=20s", "stop-signal=INT",
                "rule.zeta.match=^/usr/bin/postgres ", "rule.zeta.grace=30s", "rule.zeta.stop=leader-first",
                "rule.alpha.match=postgres", "rule.alpha.stop-signal=HUP",
                "rule.gpg.match=gpg-agent", "rule.gpg.keep=true");
        Config c = load("config-file=" + f, Map.of(), Map.of());
        assertEquals("", stderr());
        assertEquals(Duration.ofSeconds(20), c.grace);
        StopPolicy p = c.policyFor("/usr/bin/postgres -D /data");
        assertEquals("zeta", p.rule, "the file's order, not the names'");
        assertEquals(Duration.ofSeconds(30), p.grace);
        assertEquals("INT", p.signal, "what the rule does not set comes from the defaults");
        assertEquals(true, p.leaderFirst);
        p = c.policyFor("/opt/postgres/bin/postgres");
        assertEquals("alpha", p.rule);
        assertEquals("HUP", p.signal);
        assertEquals(Duration.ofSeconds(20), p.grace);
        assertEquals(null, c.policyFor("/usr/bin/gpg-agent --daemon"), "kept");
        p = c.policyFor("sleep 1");
        assertEquals(null, p.rule);
        assertEquals("INT", p.signal);
        assertEquals(Duration.ofSeconds(30), c.longestGrace());
        assertEquals("SIGINT, leader-first, grace 30s, rule zeta", c.policyFor("/usr/bin/postgres x").describe());
    }

    @Test
    void agentArgumentsThenSystemPropertiesThenTheFileThenTheEnvironment() throws IOException {
        Path f = file("grace=3s", "stop-signal=HUP", "log=error", "rule.db.match=db", "rule.db.grace=10s", "rule.db.stop-signal=USR1");
        Config c = load("config-file=" + f + ",grace=1s,rule.db.grace=40s",
                Map.of("hygiene.grace", "2s", "hygiene.stop-signal", "QUIT", "hygiene.rule.db.grace", "50s",
                        "hygiene.rule.db.stop-signal", "USR2"),
                Map.of("HYGIENE_GRACE", "4s", "HYGIENE_LOG", "debug", "HYGIENE_STOP_SIGNAL", "INT"));
        assertEquals(Duration.ofSeconds(1), c.grace, "agent argument");
        assertEquals("QUIT", c.stopSignal, "system property over the file");
        assertEquals(Log.Level.ERROR, c.log, "the file over the environment");
        StopPolicy db = c.policyFor("db");
        assertEquals(Duration.ofSeconds(40), db.grace, "agent argument");
        assertEquals("USR2", db.signal, "system property over the file");
        // A file named only in the environment is read too; the environment's own keys come after it.
        Config e = load("", Map.of(), Map.of("HYGIENE_CONFIG_FILE", f.toString(), "HYGIENE_GRACE", "4s"));
        assertEquals(Duration.ofSeconds(3), e.grace);
    }

    @Test
    void aBadRuleIsSaidInOneLineAndLeftOut() throws IOException {
        Path f = file("rule.a.match=(", "rule.b.grace=5s", "rule.c.match=x", "rule.c.signal=INT",
                "rule.d.match=y", "rule.d.stop-signal=STOP", "rule.ok.match=z", "colour=blue");
        Config c = load("config-file=" + f, Map.of(), Map.of());
        String err = stderr();
        assertEquals(List.of(
                "process-hygiene: unknown key 'colour' in " + f + "; ignored (keys: grace, log, helper-dir, keep, report,"
                        + " containment, orphans, stop-signal, stop, config-file, rule.NAME.match|rule.NAME.grace"
                        + "|rule.NAME.stop-signal|rule.NAME.stop|rule.NAME.keep)",
                "process-hygiene: rule a ignored: rule.a.match '(' is not a Java regular expression",
                "process-hygiene: rule b ignored: no rule.b.match",
                "process-hygiene: rule c ignored: unknown key rule.c.signal (a rule has match, grace, stop-signal, stop, keep)",
                "process-hygiene: rule d ignored: bad value for rule.d.stop-signal: 'STOP' (expected TERM, INT, HUP, QUIT, USR1 or USR2)"),
                List.of(err.split("\n")));
        assertEquals(1, c.rules.size());
        assertEquals("ok", c.policyFor("z").rule);
    }

    @Test
    void aConfigFileThatCannotBeReadIsSaidAndTheRestApplies() {
        Config c = load("config-file=/nonexistent/hygiene.properties,grace=2s", Map.of(), Map.of());
        assertEquals(Duration.ofSeconds(2), c.grace);
        assertTrue(stderr().startsWith("process-hygiene: cannot read config-file /nonexistent/hygiene.properties ("));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), ConfigReader.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(2), ConfigReader.parseDuration("2s"));
        assertEquals(Duration.ofMillis(1500), ConfigReader.parseDuration("1.5s"));
        assertEquals(Duration.ofMinutes(1), ConfigReader.parseDuration("1m"));
        assertEquals(Duration.ofSeconds(3), ConfigReader.parseDuration(" 3S "));
        assertEquals(Duration.ZERO, ConfigReader.parseDuration("0"));
        assertEquals(Duration.ZERO, ConfigReader.parseDuration("0ms"));
        for (String bad : new String[] {"", "abc", "5", "-1s", "s", "1h", "1.s", "1e3ms", "25h", "99999m"}) {
            assertNull(ConfigReader.parseDuration(bad), bad);
        }
    }

    @Test
    void defaults() {
        Config c = load(null, Map.of(), Map.of());
        assertEquals(Duration.ofSeconds(5), c.grace);
        assertEquals(Log.Level.WARN, c.log);
        assertNull(c.helperDir);
        assertEquals("", stderr());
    }

    @Test
    void agentArgumentsWinOverPropertiesOverEnvironment() {
        Map<String, String> props = Map.of("hygiene.grace", "2s", "hygiene.log", "error");
        Map<String, String> env = Map.of("HYGIENE_GRACE", "3s", "HYGIENE_LOG", "info", "HYGIENE_HELPER_DIR", "/opt/x");
        Config c = load("grace=1s", props, env);
        assertEquals(Duration.ofSeconds(1), c.grace);
        assertEquals(Log.Level.ERROR, c.log);
        assertEquals(Path.of("/opt/x"), c.helperDir);
        c = load(null, Map.of(), env);
        assertEquals(Duration.ofSeconds(3), c.grace);
        assertEquals(Log.Level.INFO, c.log);
    }

    @Test
    void badValueGivesOneLineAndTheDefault() {
        Config c = load("grace=abc", Map.of(), Map.of());
        assertEquals(Duration.ofSeconds(5), c.grace);
        String out = stderr();
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("grace") && out.contains("'abc'") && out.contains("500ms, 2s or 1m")
                && out.contains("using 5s"), out);
    }

    @Test
    void badLogLevelNamesWhatIsAccepted() {
        Config c = load(null, Map.of(), Map.of("HYGIENE_LOG", "loud"));
        assertEquals(Log.Level.WARN, c.log);
        String out = stderr();
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("log") && out.contains("'loud'") && out.contains("off, error, warn, info or debug"), out);
    }

    @Test
    void unknownKeysAndMalformedArgumentsAreReported() {
        Config c = load("grace=1s,colour=red,verbose", Map.of(), Map.of());
        assertEquals(Duration.ofSeconds(1), c.grace);
        String out = stderr();
        assertEquals(2, out.lines().count(), out);
        assertTrue(out.contains("unknown agent argument 'colour'"), out);
        assertTrue(out.contains("'verbose' is not key=value"), out);
    }

    @Test
    void logOffSilencesWarnings() {
        load("log=off,grace=abc", Map.of(), Map.of());
        assertEquals("", stderr());
    }

    @Test
    void relativeHelperDirIsRejected() {
        Config c = load("helper-dir=relative/dir", Map.of(), Map.of());
        assertNull(c.helperDir);
        assertTrue(stderr().contains("an absolute directory path"), stderr());
    }

    @Test
    void helperDirNoneMeansNoHelper() {
        Config c = load("helper-dir=none", Map.of(), Map.of());
        assertTrue(!c.extractHelper && c.helperDir == null);
        assertTrue(load(null, Map.of(), Map.of()).extractHelper);
        assertEquals("", stderr());
    }

    @Test
    void envNames() {
        assertEquals("HYGIENE_GRACE", ConfigReader.envName("grace"));
        assertEquals("HYGIENE_HELPER_DIR", ConfigReader.envName("helper-dir"));
    }

    @Test
    void keepIsAPatternFromArgumentsOrPropertiesOnly() {
        Config c = load("keep=sleep [0-9]+", Map.of(), Map.of());
        assertTrue(c.keep.matcher("/bin/sleep 42").find());
        c = load(null, Map.of("hygiene.keep", "daemon"), Map.of());
        assertTrue(c.keep.matcher("my-daemon --fork").find());
        // HYGIENE_KEEP in the JVM's environment is a child's opt-out inherited, not a pattern.
        assertNull(load(null, Map.of(), Map.of("HYGIENE_KEEP", "1")).keep);
        assertEquals("", stderr());
    }

    @Test
    void badKeepPatternIsReported() {
        Config c = load("keep=(unclosed", Map.of(), Map.of());
        assertNull(c.keep);
        assertTrue(stderr().contains("keep") && stderr().contains("'(unclosed'") && stderr().contains("regular expression"), stderr());
    }

    @Test
    void reportMustBeAnAbsolutePath() {
        assertEquals(Path.of("/tmp/r.jsonl"), load("report=/tmp/r.jsonl", Map.of(), Map.of()).report);
        assertNull(load("report=r.jsonl", Map.of(), Map.of()).report);
        assertTrue(stderr().contains("report") && stderr().contains("an absolute file path"), stderr());
    }
}
