package dev.hygiene.it;

import dev.hygiene.it.apps.RetransformApp;
import dev.hygiene.it.apps.RetransformingAgent;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The agent stops looking at the classes the JVM loads once it has rewritten ProcessBuilder and
 * ProcessImpl (Agent.Deferred removes its transformer). Another agent that retransforms those
 * classes later must still be given them rewritten, and every child started after that must
 * still lead its own group.
 */
class RetransformTest extends AppJvmTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void anotherAgentsRetransformationKeepsTheRewrite(Jdks.Jdk jdk, @TempDir Path tmp) throws IOException {
        Path jar = manifestOnlyAgent(tmp.resolve("retransforming-agent.jar"));
        AppJvm app = app(jdk, RetransformApp.class).jvmOption("-javaagent:" + jar).start();
        assertEquals(0, app.awaitExit(), app.describe());
        assertEquals("RETRANSFORMED java/lang/ProcessBuilder bridge=true java/lang/ProcessImpl bridge=true",
                app.awaitLine("RETRANSFORMED"), app.describe());
        for (String when : List.of("before", "after")) {
            long[] f = AppJvm.numbers(app.awaitLine("START " + when).replace("START " + when, "START"));
            assertEquals(f[0], f[1], when + ": the child leads its own group; " + app.describe());
            assertNotEquals(f[2], f[1], when + ": not the JVM's group; " + app.describe());
        }
        assertEquals(List.of(), app.stderr().all());
    }

    /** A jar with only a manifest naming RetransformingAgent (which the apps' class path holds). */
    private static Path manifestOnlyAgent(Path jar) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Premain-Class", RetransformingAgent.class.getName());
        m.getMainAttributes().putValue("Can-Retransform-Classes", "true");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return jar;
    }
}
