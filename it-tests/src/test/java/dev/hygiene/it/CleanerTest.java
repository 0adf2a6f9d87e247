package dev.hygiene.it;

import dev.hygiene.it.apps.CleanerApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6: a Process the application dropped after its leader exited, leaving a member behind
 * (an orphan in the leader's group), is cleaned up once the GC has collected it, while the JVM
 * runs on.
 */
class CleanerTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theOrphanOfADroppedProcessIsTerminated(Jdks.Jdk jdk) {
        droppedAndTerminated(app(jdk, CleanerApp.class).agent("grace=1s").start());
    }

    /**
     * The same under a SecurityManager that grants all code everything: the cleaning action runs on
     * the JDK's common Cleaner, whose thread has no permissions of its own, so only the agent's
     * own (it runs privileged) let it read /proc, signal and start the escalation's thread.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#withSecurityManager")
    void soUnderASecurityManager(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Path policy = tmp.resolve("all.policy");
        Files.writeString(policy, "grant {\n  permission java.security.AllPermission;\n};\n");
        droppedAndTerminated(app(jdk, CleanerApp.class).agent("grace=1s")
                .jvmOption("-Djava.security.manager").jvmOption("-Djava.security.policy==" + policy).start());
    }

    private void droppedAndTerminated(AppJvm app) {
        long leader = AppJvm.numbers(app.awaitLine("GROUP "))[0];
        String[] orphan = app.awaitLine("ORPHAN ").substring(7).split(":");
        long pid = Long.parseLong(orphan[0]);
        long start = Long.parseLong(orphan[1]);
        cleanup.recordPid(pid);
        Proc.Stat s = Proc.stat(pid);
        assertTrue(s != null && s.pgrp == leader, "the orphan is in the leader's group: " + s);
        assertEquals("LEADER_EXIT 0", app.awaitLine("LEADER_EXIT "));
        app.send("drop");

        assertTrue(app.awaitLine("ORPHAN_").startsWith("ORPHAN_GONE "), "the app saw the orphan go" + app.describe());
        assertFalse(Proc.alive(pid, start), "the orphan is gone, seen from outside: " + Proc.stat(pid));
        assertTrue(Proc.liveInGroup(leader).isEmpty(), "nothing left in the group: " + Proc.liveInGroup(leader));
        app.awaitLine("DONE");
        assertTrue(app.isAlive(), "it happened while the JVM runs: not the shutdown hook");
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
    }
}
