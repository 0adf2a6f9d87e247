package dev.hygiene.it;

import dev.hygiene.it.apps.LibrariesApp;
import net.bytebuddy.ByteBuddy;
import org.objectweb.asm.ClassReader;
import org.slf4j.LoggerFactory;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.simple.SimpleLoggerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4 (class-path isolation): an application that carries its own ASM, Byte Buddy and SLF4J
 * (with slf4j-simple as its binding) runs unchanged under the agent: the same classes from the
 * same jars, one copy of each on its class path, the same results, and its logging in its own
 * format, not taken over. Compared line by line with the same application without the agent.
 */
class ClassPathIsolationTest extends AppJvmTest {

    /** The application's libraries: the jars this test JVM loaded them from (it-tests' test dependencies). */
    static final List<Class<?>> LIBRARIES = List.of(ClassReader.class, ByteBuddy.class, LoggerFactory.class, SimpleLogger.class);

    static List<String> jars() {
        List<String> out = new ArrayList<>();
        for (Class<?> c : LIBRARIES) out.add(jarOf(c));
        return out;
    }

    static String jarOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hygiene.it.Jdks#all")
    void theApplicationsOwnLibrariesAndLoggingAreUntouched(Jdks.Jdk jdk) throws Exception {
        AppJvm.Builder without = app(jdk, LibrariesApp.class).noAgent();
        AppJvm.Builder with = app(jdk, LibrariesApp.class);
        for (String jar : jars()) {
            without.classPath(jar);
            with.classPath(jar);
        }
        AppJvm plain = without.start();
        assertEquals(0, plain.awaitExit(), plain.describe());
        AppJvm agent = with.start();
        assertEquals(0, agent.awaitExit(), agent.describe());

        // The agent was at work (children isolated), and only with it.
        assertEquals(List.of("ISOLATION before child leads its own group: false", "ISOLATION after child leads its own group: false"),
                isolation(plain), plain.describe());
        assertEquals(List.of("ISOLATION before child leads its own group: true", "ISOLATION after child leads its own group: true"),
                isolation(agent), agent.describe());

        // Everything else the same, line by line.
        assertEquals(withoutIsolation(plain), withoutIsolation(agent), "stdout without and with the agent" + agent.describe());
        assertEquals(plain.stderr().all(), agent.stderr().all(), "stderr without and with the agent" + agent.describe());

        // ... and what it should be: the application's own libraries, one copy each, and its own log format.
        List<String> out = agent.stdout().all();
        List<String> expected = List.of(
                "CHILD before exit 3 out 'child got hello before' err 'child-err'",
                "RESOURCE org/objectweb/asm/ClassReader.class 1 jar:file:" + jarOf(ClassReader.class) + "!/org/objectweb/asm/ClassReader.class",
                "RESOURCE net/bytebuddy/ByteBuddy.class 1 jar:file:" + jarOf(ByteBuddy.class) + "!/net/bytebuddy/ByteBuddy.class",
                "RESOURCE org/slf4j/LoggerFactory.class 1 jar:file:" + jarOf(LoggerFactory.class) + "!/org/slf4j/LoggerFactory.class",
                "RESOURCE org/slf4j/simple/SimpleLogger.class 1 jar:file:" + jarOf(SimpleLogger.class) + "!/org/slf4j/simple/SimpleLogger.class",
                "RESOURCE META-INF/services/org.slf4j.spi.SLF4JServiceProvider 1 jar:file:" + jarOf(SimpleLogger.class)
                        + "!/META-INF/services/org.slf4j.spi.SLF4JServiceProvider",
                LibrariesApp.lib(ClassReader.class),
                "ASM dev/hygiene/it/apps/LibrariesApp methods [<clinit>, <init>, child, lib, main, resources]",
                LibrariesApp.lib(ByteBuddy.class),
                "BYTEBUDDY dev.hygiene.it.apps.LibrariesApp$Generated says made by Byte Buddy",
                LibrariesApp.lib(LoggerFactory.class),
                LibrariesApp.lib(SimpleLoggerFactory.class),
                LibrariesApp.lib(SimpleLogger.class),
                "CHILD after exit 3 out 'child got hello after' err 'child-err'",
                "DONE");
        // (A multi-release jar serves a class from META-INF/versions/N/ on a newer JDK.)
        List<String> actual = withoutIsolation(agent).stream()
                .map(l -> l.startsWith("RESOURCE ") ? l.replaceAll("!/META-INF/versions/[0-9]+/", "!/") : l)
                .collect(Collectors.toList());
        assertEquals(expected, actual, agent.describe());
        for (String line : expected) {
            if (line.startsWith("LIB ")) assertTrue(line.endsWith(" app"), "loaded by the application's class loader: " + line);
        }
        assertEquals(List.of(
                "[INFO] LibrariesApp - the application's own logger, after a child",
                "[INFO] LibrariesApp - the application's own logger, after another child"), agent.stderr().all(),
                "slf4j-simple logs in the application's format, and nothing else is said" + agent.describe());
    }

    static List<String> isolation(AppJvm app) {
        return app.stdout().all().stream().filter(l -> l.startsWith("ISOLATION ")).collect(Collectors.toList());
    }

    static List<String> withoutIsolation(AppJvm app) {
        return app.stdout().all().stream().filter(l -> !l.startsWith("ISOLATION ")).collect(Collectors.toList());
    }
}
