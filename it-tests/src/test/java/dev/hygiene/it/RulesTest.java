package dev.hygiene.it;

import dev.hygiene.it.apps.RulesApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, part 4: rules per command from {@code config-file}. A rule overrides the stop signal or
 * the grace for the commands it matches, and only for them; {@code status} shows each group's
 * policy; a bad rule gives one stderr line and is ignored, the application runs.
 */
class RulesTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void rulesFromAFileApplyToTheCommandsTheyMatchOnly(Jdks.Jdk jdk, @TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("hygiene.properties");
        Files.writeString(config, String.join("\n",
                "# the defaults for every child, and two rules",
                "grace=20s",
                "rule.special.match=\\\\bspecial-child\\\\b",
                "rule.special.stop-signal=HUP",
                "rule.quick.match=quick-child$",
                "rule.quick.grace=500ms",
                ""));
        AppJvm app = app(jdk, RulesApp.class).agent("config-file=" + config)
                .args(tmp.toString(), "notes:special-child", "notes:plain-child", "deaf:quick-child").start();
        long special = child(app, "special-child");
        long plain = child(app, "plain-child");
        long quick = child(app, "quick-child");
        for (long pid : new long[] {special, plain, quick}) cleanup.recordGroup(pid);
        assertEquals("REGISTERED true", app.awaitLine("REGISTERED "), app.describe());

        String[] status = AttachTest.cli(jdk, "status", Long.toString(app.jvm()[0]));
        assertEquals("0", status[0], String.join(" | ", status));
        assertTrue(status[1].matches("(?s).*\\b" + special + "\\b[^\\n]*SIGHUP, group, 20s \\(rule special\\).*"), status[1]);
        assertTrue(status[1].matches("(?s).*\\b" + plain + "\\b[^\\n]*SIGTERM, group, 20s(?! \\(rule).*"), status[1]);
        assertTrue(status[1].matches("(?s).*\\b" + quick + "\\b[^\\n]*SIGTERM, group, 500ms \\(rule quick\\).*"), status[1]);

        app.send("go");
        assertEquals("5", app.awaitLine("EXIT special-child ").split(" ")[2], "SIGHUP, the rule's" + app.describe());
        assertEquals(List.of("HUP"), StopSignalTest.notes(tmp.resolve("special-child")));
        assertEquals("4", app.awaitLine("EXIT plain-child ").split(" ")[2], "SIGTERM, the default" + app.describe());
        assertEquals(List.of("TERM"), StopSignalTest.notes(tmp.resolve("plain-child")));
        String[] q = app.awaitLine("EXIT quick-child ").split(" ");
        assertEquals("137", q[2], "killed at the end of its grace" + app.describe());
        assertTrue(Long.parseLong(q[3]) < 10_000, "the rule's grace of 500 ms, not the default 20 s: " + q[3] + " ms");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void aBadRuleIsSaidOnceAndIgnored(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Path config = tmp.resolve("hygiene.properties");
        Files.writeString(config, "rule.broken.match=plain-child\nrule.broken.grace=3x\nrule.broken.stop-signal=HUP\n");
        AppJvm app = app(jdk, RulesApp.class).agent("config-file=" + config).args(tmp.toString(), "notes:plain-child").start();
        cleanup.recordGroup(child(app, "plain-child"));
        app.awaitLine("REGISTERED ");
        app.send("go");
        assertEquals("4", app.awaitLine("EXIT plain-child ").split(" ")[2], "the defaults: SIGTERM" + app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        List<String> lines = LeakReports.agentLines(app);
        assertEquals(List.of("process-hygiene: rule broken ignored: bad value for rule.broken.grace: '3x'"
                + " (expected a duration such as 500ms, 2s or 1m)"), lines, app.describe());
    }

    private static long child(AppJvm app, String tag) {
        return Long.parseLong(app.awaitLine("CHILD " + tag + " ").split(" ")[2]);
    }
}
