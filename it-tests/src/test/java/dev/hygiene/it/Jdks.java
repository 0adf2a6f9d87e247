package dev.hygiene.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JDKs every JVM-based test runs on: JDK 17 always, JDK 25 where it is installed. Used as
 * {@code @MethodSource("dev.hygiene.it.Jdks#all")}.
 */
public final class Jdks {

    static final Path JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    private Jdks() {}

    /** A JDK: its feature version and its java launcher. */
    public static final class Jdk {
        public final int feature;
        public final Path java;

        Jdk(int feature, Path home) {
            this.feature = feature;
            this.java = home.resolve("bin/java");
        }

        @Override
        public String toString() {
            return "JDK " + feature;
        }
    }

    public static Stream<Jdk> all() {
        List<Jdk> out = new ArrayList<>();
        out.add(new Jdk(17, jdk17Home()));
        if (Files.isExecutable(JDK25.resolve("bin/java"))) out.add(new Jdk(25, JDK25));
        return out.stream();
    }

    /** The JDKs that can still have a SecurityManager (it was removed in JDK 24). */
    public static Stream<Jdk> withSecurityManager() {
        return all().filter(jdk -> jdk.feature < 24);
    }

    private static Path jdk17Home() {
        if (Files.isExecutable(JDK17.resolve("bin/java"))) return JDK17;
        if (Runtime.version().feature() == 17) return Path.of(System.getProperty("java.home"));
        throw new IllegalStateException("no JDK 17: neither " + JDK17 + " nor the test JVM");
    }
}
