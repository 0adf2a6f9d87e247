package dev.hygiene.it;

import dev.hygiene.it.apps.ShutdownApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9: a JVM that leads its own process group, with a sibling in that group
 * ({@code setsid sh -c 'sleep 300 & exec java ...'}). Its children's groups are terminated at
 * shutdown, but the JVM's own group is never signalled: the sibling survives.
 */
class GroupLeaderTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theJvmsOwnGroupIsNeverSignalled(Jdks.Jdk jdk) {
        AppJvm app = app(jdk, ShutdownApp.class).agent("grace=1s").launch(AppJvm.Launch.WITH_SIBLING)
                .args("return", "tree").start();
        long sibling = AppJvm.numbers(app.awaitLine("SIBLING "))[0];
        long[] jvm = app.jvm();
        assertEquals(app.pid(), jvm[0]);
        assertEquals(jvm[0], jvm[1], "the JVM leads its group");
        Proc.Stat s = Proc.stat(sibling);
        assertTrue(s != null && s.alive() && s.pgrp == jvm[1], "the sibling is in the JVM's group: " + s);

        List<Tree> trees = ShutdownTest.awaitTrees(app);
        assertEquals(0, app.awaitExit(), app.describe());
        ShutdownTest.assertAllGoneWithin(trees, Duration.ofSeconds(2), "after the JVM ended");
        Proc.Stat after = Proc.stat(sibling);
        assertTrue(after != null && after.alive() && after.startTime == s.startTime,
                "the sibling in the JVM's own group survived: " + after);
    }
}
