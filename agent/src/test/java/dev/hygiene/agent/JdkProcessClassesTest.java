package dev.hygiene.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The three redirects of ProcessClassesTransformer on the JDK's own ProcessBuilder and ProcessImpl,
 * of the running JDK and of JDK 25 (read from its lib/modules): each redirects exactly one call,
 * changes nothing else (see {@link RedirectCheck}), and the result parses. Then a JVM of that JDK
 * runs with the two rewritten classes and the bridge patched into java.base, verifying its boot
 * classes (which it does not by default), and starts and destroys a process through them: each
 * redirected call reaches the bridge.
 */
class JdkProcessClassesTest {

    static final Path RUNNING = Path.of(System.getProperty("java.home"));

    @Test
    void runningJdk(@TempDir Path dir) throws Exception {
        check(FileSystems.getFileSystem(URI.create("jrt:/")), RUNNING, dir);
    }

    @Test
    void jdk25(@TempDir Path dir) throws Exception {
        try (FileSystem jrt = JdkClasses.jdk25()) {
            check(jrt, JdkClasses.JDK25, dir);
        }
    }

    @Test
    void theJvmVerifiesThePatchedClasses(@TempDir Path dir) throws Exception {
        // A redirect whose descriptor does not fit the stack (a String where the ProcessHandleImpl
        // is): the patched JVM refuses ProcessImpl, so the runs above were verified.
        CallRedirect wrong = new CallRedirect("destroy", "(Z)V", CallRedirect.INVOKEVIRTUAL,
                "java/lang/ProcessHandleImpl", "destroyProcess", "(Z)Z",
                Bridge.NAME, "destroyProcess", "(Ljava/lang/String;Z)Z");
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        byte[] builder = ProcessClassesTransformer.START.apply(JdkClasses.javaBase(jrt, "java/lang/ProcessBuilder"));
        byte[] impl = wrong.apply(JdkClasses.javaBase(jrt, "java/lang/ProcessImpl"));
        String out = runPatched(RUNNING, dir, builder, impl, false);
        assertTrue(out.contains("java.lang.VerifyError") && out.contains("java/lang/ProcessImpl.destroy(Z)V"), out);
    }

    private static void check(FileSystem jrt, Path javaHome, Path dir) throws Exception {
        byte[] builder = JdkClasses.javaBase(jrt, "java/lang/ProcessBuilder");
        byte[] builderAfter = RedirectCheck.apply(ProcessClassesTransformer.START, builder);
        RedirectCheck.assertRedirected(ProcessClassesTransformer.START, builder, builderAfter, 1);

        byte[] impl = JdkClasses.javaBase(jrt, "java/lang/ProcessImpl");
        byte[] implDestroy = RedirectCheck.apply(ProcessClassesTransformer.DESTROY, impl);
        RedirectCheck.assertRedirected(ProcessClassesTransformer.DESTROY, impl, implDestroy, 1);
        byte[] implAfter = RedirectCheck.apply(ProcessClassesTransformer.HELPER_PATH, implDestroy);
        RedirectCheck.assertRedirected(ProcessClassesTransformer.HELPER_PATH, implDestroy, implAfter, 1);
        // The transformer itself gives the same bytes for ProcessImpl (ProcessBuilder's rewrite
        // also defines the bridge, which needs an Instrumentation).
        assertArrayEquals(implAfter, new ProcessClassesTransformer(null, true, null, () -> false).transform(null, "java/lang/ProcessImpl", null, null, impl));

        String out = runPatched(javaHome, dir.resolve("patched"), builderAfter, implAfter, false);
        assertTrue(out.contains("handed=[] starts=1 destroys=1 exit=143"), "the patched JVM printed:\n" + out);

        // With the handshake, and no bridge in java.base: ProcessBuilder defines it and hands it over.
        byte[] builderHandshake = LookupHandshake.apply(builderAfter);
        assertHandshakeAdded(builderAfter, builderHandshake);
        out = runPatched(javaHome, dir.resolve("handshake"), builderHandshake, implAfter, true);
        assertTrue(out.contains("handed=[lookup java.lang.ProcessBuilder full, java.lang.ProcessHygieneHook (bootstrap)]"
                + " starts=1 destroys=1 exit=143"), "the patched JVM printed:\n" + out);
    }

    /**
     * AFTER is BEFORE with LookupHandshake's method added and called at the end of the static
     * initializer, and nothing else changed: the instructions as ASM prints them.
     */
    private static void assertHandshakeAdded(byte[] before, byte[] after) {
        List<String> b = RedirectCheck.text(before), a = RedirectCheck.text(after);
        List<String> added = new java.util.ArrayList<>(a);
        for (String line : b) assertTrue(added.remove(line), "kept: " + line);
        String text = String.join("\n", added);
        assertTrue(text.contains("INVOKESTATIC java/lang/ProcessBuilder.processHygiene$bridge ()V"), text);
        assertTrue(text.contains("private static synthetic processHygiene$bridge()V"), text);
        assertTrue(text.contains("INVOKEVIRTUAL jdk/internal/misc/Unsafe.defineClass"), text);
    }

    /**
     * Runs PatchedJdkMain in a JVM of JAVA_HOME with the classes patched into java.base, and the
     * bridge too unless HANDSHAKE (ProcessBuilder defines it then); returns its output.
     */
    private static String runPatched(Path javaHome, Path dir, byte[] builder, byte[] impl, boolean handshake)
            throws Exception {
        Path lang = Files.createDirectories(dir.resolve("patch/java/lang"));
        Files.write(lang.resolve("ProcessBuilder.class"), builder);
        Files.write(lang.resolve("ProcessImpl.class"), impl);
        if (!handshake) {
            try (InputStream in = Bridge.class.getClassLoader().getResourceAsStream(Bridge.RESOURCE)) {
                assertNotNull(in, Bridge.RESOURCE + " (the agent build makes it)");
                Files.write(lang.resolve("ProcessHygieneHook.class"), in.readAllBytes());
            }
        }
        Path tests = Path.of(PatchedJdkMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path classes = Path.of(Agent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path output = dir.resolve("output.txt");
        Process jvm = new ProcessBuilder(List.of(javaHome.resolve("bin/java").toString(),
                "--patch-module", "java.base=" + dir.resolve("patch"),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+BytecodeVerificationLocal",
                "-cp", tests + java.io.File.pathSeparator + classes, PatchedJdkMain.class.getName(),
                handshake ? "handshake" : "patched"))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!jvm.waitFor(60, TimeUnit.SECONDS)) {
            jvm.descendants().forEach(ProcessHandle::destroyForcibly);
            jvm.destroyForcibly();
            jvm.waitFor(10, TimeUnit.SECONDS);
            fail("the patched JVM did not end within 60 s:\n" + read(output));
        }
        return read(output);
    }

    private static String read(Path f) throws IOException {
        return Files.readString(f, StandardCharsets.UTF_8);
    }
}
