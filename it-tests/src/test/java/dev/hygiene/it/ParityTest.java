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
import java.util.regex.Pattern;
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
    /** The marker variable as `env` prints it inside a scenario's output ("\n" written as text). */
    private static final Pattern MARKER = Pattern.compile("PROCESS_HYGIENE_GROUP=[0-9.]+\\\\n");

    /**
     * The JVM's PATH: "shadowing" has a directory with a non-executable cat first and an empty
     * entry (the child's working directory); "unset" leaves the JDK to its defaults.
     */
    static Stream<Arguments> jdksAndPaths() {
        return Jdks.all().flatMap(jdk -> Stream.of("shadowing", "unset").map(path -> Arguments.of(jdk, path)));
    }

    @ParameterizedTest(name = "{0} PATH {1}")
    @MethodSource("jdksAndPaths")
    void appSeesThePlainJdksBehaviour(Jdks.Jdk jdk, String path, @TempDir Path tmp) throws IOException {
        Run with = run(jdk, true, path, tmp.resolve("with"));
        Run without = run(jdk, false, path, tmp.resolve("without"));

        assertTrue(without.stdout.contains("END") && without.stdout.size() > 40,
                "the plain run went through all scenarios: " + without.stdout);
        // The one difference the agent makes on purpose (issue 3): each isolated child carries its
        // group's marker, PROCESS_HYGIENE_GROUP, so that members that leave the group can be found.
        assertTrue(with.stdout.stream().anyMatch(l -> MARKER.matcher(l).find()),
                "with the agent, a child's environment carries its marker: " + with.stdout);
        with.stdout.replaceAll(l -> MARKER.matcher(l).replaceAll(""));
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

    private Run run(Jdks.Jdk jdk, boolean agent, String path, Path work) throws IOException {
        Files.createDirectories(work);
        Run run = new Run();
        run.groupsFile = work.resolveSibling(work.getFileName() + "-groups.txt");
        AppJvm.Builder b = app(jdk, ParityApp.class)
                .env("PATH", path.equals("unset") ? null : work.toRealPath() + "/shadow::" + SYSTEM_PATH)
                .args(work.toString(), run.groupsFile.toString());
        if (!agent) b.noAgent();
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
