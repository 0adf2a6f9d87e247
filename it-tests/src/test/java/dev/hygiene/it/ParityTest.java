package dev.hygiene.it;

import dev.hygiene.it.apps.ParityApp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 2: the application sees exactly the plain JDK's behaviour. {@link ParityApp} runs the same
 * scenarios with and without the agent; its stdout and stderr (children inheriting them write
 * there too) must be identical, line by line. With the agent every child it started led its own
 * group when start() returned; without it, none did (so the check can tell).
 */
class ParityTest extends AppJvmTest {

    private static final String SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

    /**
     * The JVM's PATH: "shadowing" has a directory with a non-executable cat first and an empty
     * entry (the child's working directory); "unset" leaves the JDK to its defaults. The
     * containment: the default (a cgroup per child where the JVM may create them), and
     * {@code group} (process groups and the environment marker) with one of the PATHs.
     */
    static Stream<Arguments> jdksAndPaths() {
        return Jdks.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, "shadowing", "auto"), Arguments.of(jdk, "unset", "auto"),
                Arguments.of(jdk, "unset", "group")));
    }

    @ParameterizedTest(name = "{0} PATH {1} containment={2}")
    @MethodSource("jdksAndPaths")
    void appSeesThePlainJdksBehaviour(Jdks.Jdk jdk, String path, String containment, @TempDir Path tmp) throws IOException {
        Run with = run(jdk, containment, path, tmp.resolve("with"));
        Run without = run(jdk, null, path, tmp.resolve("without"));

        assertTrue(without.stdout.contains("END") && without.stdout.size() > 40,
                "the plain run went through all scenarios: " + without.stdout);
        // Issue 9: the child's environment is the application's. With a cgroup no child carries the
        // marker; in group mode the one scenario that prints a whole environment (env-cleared)
        // built it from nothing, and so gets none either (it is added only where the application
        // kept every variable of the JVM's environment).
        assertTrue(with.stdout.stream().anyMatch(l -> l.startsWith("env-cleared: ")), with.stdout.toString());
        assertTrue(with.stdout.stream().noneMatch(l -> l.contains("PROCESS_HYGIENE_GROUP")),
                "with the agent (containment " + containment + "), no scenario shows the marker: " + with.stdout);
        List<String[]> withGroups = groups(with.groupsFile);
        List<String[]> withoutGroups = groups(without.groupsFile);
        assertAll(jdk + " PATH " + path + ": the app does not see the plain JDK's behaviour",
                () -> assertSameLines(jdk + " PATH " + path + ": stdout", without.stdout, with.stdout),
                // At the default log level the agent says nothing, and the JDK warns about nothing.
                () -> assertSameLines(jdk + " PATH " + path + ": stderr", without.stderr, with.stderr),
                () -> assertTrue(withGroups.size() > 30, "children recorded: " + withGroups.size()),
                () -> {
                    for (String[] g : withGroups) {
                        String line = String.join(" ", g);
                        boolean blocking = Boolean.parseBoolean(g[4]);
                        if (blocking) assertFalse(g[2].equals("gone"), "a child waiting on its stdin cannot be gone: " + line);
                        if (!g[2].equals("gone")) {
                            assertEquals(g[1], g[2], "with the agent, the child led its own group: " + line);
                            assertFalse(g[2].equals(g[3]), "with the agent, the child is not in the JVM's group: " + line);
                        }
                    }
                },
                () -> {
                    for (String[] g : withoutGroups) {
                        if (!g[2].equals("gone")) assertEquals(g[3], g[2], "without the agent, the child is in the JVM's group");
                    }
                });
    }

    private static final class Run {
        List<String> stdout;
        List<String> stderr;
        Path groupsFile;
    }

    /** A run with the agent and CONTAINMENT (auto: the default), or without it (null). */
    private Run run(Jdks.Jdk jdk, String containment, String path, Path work) throws IOException {
        Files.createDirectories(work);
        Run run = new Run();
        run.groupsFile = work.resolveSibling(work.getFileName() + "-groups.txt");
        AppJvm.Builder b = app(jdk, ParityApp.class)
                .env("PATH", path.equals("unset") ? null : work.toRealPath() + "/shadow::" + SYSTEM_PATH)
                .args(work.toString(), run.groupsFile.toString());
        if (containment == null) b.noAgent();
        else if (!containment.equals("auto")) b.agent("containment=" + containment);
        AppJvm app = b.start();
        assertEquals(0, app.awaitExit(), app.describe());
        run.stdout = app.stdout().all();
        run.stderr = app.stderr().all();
        return run;
    }

    private static List<String[]> groups(Path file) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) out.add(line.split(" "));
        return out;
    }

    static void assertSameLines(String what, List<String> expected, List<String> actual) {
        if (expected.equals(actual)) return;
        StringBuilder diff = new StringBuilder(what + " differs with the agent (- without, + with):\n");
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String e = i < expected.size() ? expected.get(i) : "<none>";
            String a = i < actual.size() ? actual.get(i) : "<none>";
            if (!e.equals(a)) diff.append("line ").append(i + 1).append(":\n  - ").append(e).append("\n  + ").append(a).append('\n');
        }
        fail(diff.toString());
    }
}
