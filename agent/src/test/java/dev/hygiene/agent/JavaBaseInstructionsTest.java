package dev.hygiene.agent;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CallRedirect's instruction lengths against ASM's reading of every method of every class of
 * java.base, on the running JDK and on JDK 25: the JDK's own bytecode is what it steps through.
 */
class JavaBaseInstructionsTest {

    @Test
    void runningJdk() throws IOException {
        sweep(FileSystems.getFileSystem(URI.create("jrt:/")));
    }

    @Test
    void jdk25() throws IOException {
        try (FileSystem jrt = JdkClasses.jdk25()) {
            sweep(jrt);
        }
    }

    private static void sweep(FileSystem jrt) throws IOException {
        List<Path> classes;
        try (Stream<Path> files = Files.walk(jrt.getPath("/modules/java.base"))) {
            classes = files.filter(f -> f.toString().endsWith(".class")).toList();
        }
        assertTrue(classes.size() > 3000, classes.size() + " classes in java.base");
        for (Path c : classes) InstructionOffsets.assertAsAsm(Files.readAllBytes(c), c.toString());
    }
}
