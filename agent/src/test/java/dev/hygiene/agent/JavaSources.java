package dev.hygiene.agent;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Compiles Java sources written by a test with the JDK's own compiler (javax.tools). */
final class JavaSources {

    private JavaSources() {}

    /**
     * Compiles SOURCES (path relative to the source root, such as "p/A.java", to text) under DIR
     * with javac {@code --release 17 -g}; returns every class file made, by internal name.
     */
    static Map<String, byte[]> compile(Path dir, Map<String, String> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new IllegalStateException("no system Java compiler: run the tests with a JDK");
        Path src = dir.resolve("src"), out = dir.resolve("classes");
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of("--release", "17", "-g", "-encoding", "UTF-8", "-d", out.toString()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
            args.add(file.toString());
        }
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(messages, true, StandardCharsets.UTF_8);
        int rc = javac.run(null, err, err, args.toArray(new String[0]));
        if (rc != 0) throw new IllegalStateException("javac failed (" + rc + "):\n" + messages.toString(StandardCharsets.UTF_8));
        Map<String, byte[]> classes = new HashMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String name = out.relativize(f).toString();
                classes.put(name.substring(0, name.length() - ".class".length()), Files.readAllBytes(f));
            }
        }
        return classes;
    }
}
