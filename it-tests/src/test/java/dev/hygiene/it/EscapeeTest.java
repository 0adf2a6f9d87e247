package dev.hygiene.it;

import dev.hygiene.it.apps.EscapeeApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, escapees, where children have no cgroup of their own ({@code containment=group}, as
 * where the cgroup tree is read-only; with cgroups see {@link CgroupEscapeeTest}): every isolated
 * child gets {@code PROCESS_HYGIENE_GROUP=<jvm pid>.<jvm start time>.<n>}, which its descendants
 * inherit; those that left the group and session
 * ({@code setsid sleep}, {@code setsid -f sleep}, a double fork calling setsid) are found by it
 * and terminated with their group: at shutdown (the child running, or exited with its Process
 * still held), on destroy(), when the dropped Process of an
 * exited child is collected, and by the watchdog after SIGKILL of the JVM. The leak report counts
 * them ({@code , with 3 escaped members}, {@code "escapees":3}); destroy() reports nothing.
 */
class EscapeeTest extends AppJvmTest {

    static final Duration GRACE = Duration.ofSeconds(1);

    static Stream<Arguments> endings() {
        return Jdks.all().flatMap(jdk -> Stream.of("main returns", "main returns, the child exited", "destroy()",
                        "dropped Process", "SIGKILL of the JVM")
                .map(ending -> Arguments.of(jdk, ending)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endings")
    void escapeesAreTerminatedWithTheirGroup(Jdks.Jdk jdk, String ending, @TempDir Path dir) {
        Path report = dir.resolve("leaks.jsonl");
        String arg = ending.equals("main returns") ? "return" : ending.startsWith("main") ? "exited" : ending.startsWith("destroy") ? "destroy"
                : ending.startsWith("dropped") ? "drop" : "wait";
        AppJvm app = app(jdk, EscapeeApp.class).agent("grace=1s,log=info,report=" + report + ",containment=group")
                .jvmOption("-Djava.io.tmpdir=" + dir).args(arg).start();
        long[] jvm = app.jvm();
        long jvmStart = Proc.stat(jvm[0]).startTime;
        long leader = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        // The escapees as a tree of the group's leader: their pids and start times.
        Tree escapees = Tree.parse("ESCAPEES", "ESCAPEES " + leader + " " + app.awaitLine("ESCAPEES ").substring(9));
        for (long[] e : escapees.members) cleanup.recordPid(e[0]);
        Tree group = Tree.parse(app.awaitLine("MEMBERS "));
        String marker = app.awaitLine("MARKER ").substring(7);
        Proc.Stat watchdog = arg.equals("wait") ? app.awaitWatchdog() : null;

        assertTrue(marker.matches(jvm[0] + "\\." + jvmStart + "\\.[0-9]+"),
                "the marker is <jvm pid>.<jvm start time>.<n>: " + marker + ", JVM " + jvm[0] + " started at " + jvmStart);
        List<String> notEscaped = new ArrayList<>();
        for (long[] e : escapees.members) {
            Proc.Stat s = Proc.stat(e[0]);
            if (s == null || s.pgrp == leader || s.session != s.pid || !Proc.markers(e[0]).contains(marker)) {
                notEscaped.add(s + " markers " + Proc.markers(e[0]));
            }
        }
        assertEquals(List.of(), notEscaped, "each escapee leads a session of its own and carries the marker " + marker);
        app.send("end"); // the app ends only now, so that the escapees were seen alive first

        long from;
        switch (arg) {
            case "exited":
                assertEquals("LEADER_EXIT 0", app.awaitLine("LEADER_EXIT "), app.describe());
                // fall through: the app holds the Process of a child that has exited
            case "return":
                app.send("exit");
                app.awaitLine("EXITING");
                from = System.nanoTime();
                break;
            case "destroy":
                app.send("destroy");
                app.awaitLine("DESTROYED");
                from = System.nanoTime();
                break;
            case "drop":
                assertEquals("LEADER_EXIT 0", app.awaitLine("LEADER_EXIT "), app.describe());
                assertEquals("ALL_GONE", app.awaitLine("ALL_GONE", Duration.ofSeconds(40)), app.describe());
                from = System.nanoTime();
                break;
            case "wait":
                app.awaitLine("READY");
                app.signal("KILL");
                from = System.nanoTime();
                break;
            default:
                throw new IllegalArgumentException(arg);
        }
        long deadline = from + GRACE.plusSeconds(1).toNanos();
        Poll.assertWithin(WatchdogTest.left(deadline), () -> escapees.alive().isEmpty() && group.alive().isEmpty()
                        && group.aliveInGroup().isEmpty(),
                () -> "grace + 1 s after " + ending + ": still alive: escapees " + escapees.alive() + ", group "
                        + group.alive() + " " + group.aliveInGroup());
        if (watchdog != null) WatchdogTest.assertGoneWithin(watchdog, WatchdogTest.left(deadline), "the watchdog");

        if (arg.equals("destroy") || arg.equals("drop")) {
            app.awaitLine("DONE");
            assertTrue(app.isAlive(), "it happened while the JVM runs: not the shutdown hook");
            if (arg.equals("drop")) {
                // The report comes from the Cleaner's escalation, after the group is gone: let it be
                // written before the JVM exits (LeakReportTest.droppedAndExitingAtOnce covers exiting at once).
                Poll.assertWithin(Duration.ofSeconds(5), () -> !LeakReports.readJson(report).isEmpty(),
                        () -> "the dropped Process reported while the JVM runs" + app.describe());
            }
            app.send("exit");
        }
        assertEquals(arg.equals("wait") ? 137 : 0, app.awaitExit(), app.describe());

        List<String> lines = LeakReports.agentLines(app);
        List<LeakReports.Record> json = LeakReports.readJson(report);
        if (arg.equals("destroy")) {
            assertEquals(List.of(), lines, "destroy() is not a leak: nothing reported" + app.describe());
            assertEquals(List.of(), json, "destroy() is not a leak: nothing in the report file");
            return;
        }
        String reason = arg.equals("return") || arg.equals("exited") ? "shutdown" : arg.equals("drop") ? "dropped" : "jvm-died";
        assertEquals(1, lines.size(), "one report line for the one group: " + lines + app.describe());
        assertEquals(1, json.size(), "one JSON line for the one group: " + json);
        LeakReports.Record record = json.get(0);
        assertAll("leak report of a group with 3 escapees (" + ending + ")",
                () -> assertEquals(reason, record.reason, record.line),
                () -> assertEquals(leader, record.pid, record.line),
                () -> assertEquals(3, record.escapees, record.line),
                () -> {
                    LeakReports.Record line = LeakReports.parseStderr(lines.get(0));
                    assertEquals(reason, line.reason, line.line);
                    assertEquals(leader, line.pid, line.line);
                    assertEquals(3, line.escapees, "', with 3 escaped members' in: " + line.line);
                });
    }
}
