package dev.hygiene.it;

import dev.hygiene.it.apps.ConcurrencyApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7: 8 threads x 10 trees, spawned and destroyed at the same time: no exception, no
 * survivor, and the agent's registry is empty afterwards ({@code shutdown: 0 live groups}).
 */
class ConcurrencyTest extends AppJvmTest {

    static final int THREADS = 8;
    static final int TREES = 10;

    /** The agent's debug line once it has seen a group end (it is removed from the registry first). */
    static final Pattern GROUP_ENDED =
            Pattern.compile("process-hygiene: (group|tree) (\\d+) \\(.*\\) (terminated|killed after the grace period)");

    /** The groups the agent said ended, by leader pid. */
    static Set<Long> ended(AppJvm app) {
        Set<Long> out = new HashSet<>();
        for (String l : app.stderr().all()) {
            Matcher m = GROUP_ENDED.matcher(l);
            if (m.matches()) out.add(Long.parseLong(m.group(2)));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void manyThreadsSpawnAndDestroyTreesAtOnce(Jdks.Jdk jdk) {
        int total = THREADS * TREES;
        AppJvm app = app(jdk, ConcurrencyApp.class).agent("grace=2s,log=debug")
                .args(Integer.toString(THREADS), Integer.toString(TREES)).start();
        app.awaitLine("DONE", Duration.ofSeconds(90));
        List<Tree> trees = new ArrayList<>();
        for (String line : app.stdout().all()) if (line.startsWith("MEMBERS ")) trees.add(Tree.parse(line));

        assertEquals("TREES " + total, app.awaitLine("TREES "), app.describe());
        assertEquals("ERRORS 0", app.awaitLine("ERRORS "), app.describe());
        assertEquals("SURVIVORS 0", app.awaitLine("SURVIVORS "), app.describe());
        assertEquals(total, trees.size());
        for (Tree t : trees) {
            assertEquals(3, t.members.size(), t.toString());
            assertTrue(t.alive().isEmpty() && t.aliveInGroup().isEmpty(), "seen from outside, " + t + " is gone: " + t.alive());
        }

        // The registry forgets a group when the agent sees it empty, a moment after it is: wait
        // for the agent to have said so for every group before the JVM goes down.
        Set<Long> leaders = trees.stream().map(t -> t.leader).collect(Collectors.toSet());
        Poll.assertWithin(Duration.ofSeconds(30), () -> ended(app).containsAll(leaders),
                () -> "the agent saw these groups end: " + ended(app) + "; expected all of " + leaders + app.describe());
        app.send("exit");
        assertEquals(0, app.awaitExit(), app.describe());
        assertTrue(app.stderr().all().contains("process-hygiene: shutdown: 0 live groups"), app.describe());
        List<String> problems = app.stderr().all().stream()
                .filter(l -> !l.startsWith("process-hygiene: ") || l.contains("warn") || l.contains("error")
                        || l.contains("cannot") || l.contains("still has members"))
                .toList();
        assertEquals(List.of(), problems, "no warning, no error");
        List<String> foreign = app.stdout().all().stream()
                .filter(l -> !l.matches("(JVM|GROUP|MEMBERS|TREES|ERRORS|SURVIVORS|DONE)\\b.*")).toList();
        assertEquals(List.of(), foreign, "even at log=debug the agent never writes to stdout");
    }
}
