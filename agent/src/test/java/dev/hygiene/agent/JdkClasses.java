package dev.hygiene.agent;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The class files of a JDK, read from its lib/modules through a jrt file system. */
final class JdkClasses {

    /** Where the it-tests find JDK 25 too. */
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    private JdkClasses() {}

    /** JDK 25's classes (close it); skips the test where that JDK is not installed. */
    static FileSystem jdk25() throws IOException {
        assumeTrue(Files.isRegularFile(JDK25.resolve("lib/modules")), "no JDK 25 at " + JDK25);
        return FileSystems.newFileSystem(URI.create("jrt:/"), Map.of("java.home", JDK25.toString()));
    }

    /** The class file of java.base's class NAME (internal form) in JRT. */
    static byte[] javaBase(FileSystem jrt, String name) throws IOException {
        return Files.readAllBytes(jrt.getPath("/modules/java.base/" + name + ".class"));
    }
}
