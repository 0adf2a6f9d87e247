package dev.hygiene.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The agent's own loader (Agent.Own) defines its classes from the two resources the build writes
 * (agent/src/build/BundleClasses.java: the first start's classes, and the others), and from a
 * class's own entry where they lack it or are damaged; it never defines a class from the
 * application's side of the jar.
 */
class OwnLoaderTest {

    /** A class of this module with no dependency beyond the JDK's (its bytes, as the build compiled them). */
    private static final String NAME = "dev.hygiene.agent.BytesClassLoader";

    @TempDir
    Path dir;

    @Test
    void definesFromTheBundleAlone() throws Exception {
        Path jar = jar(Map.of(Agent.Own.CLASSES, bundle(NAME, classBytes(NAME))));
        try (JarFile j = new JarFile(jar.toFile(), false)) {
            Agent.Own own = new Agent.Own(j, new Object[0]);
            Class<?> c = own.loadClass(NAME);
            assertSame(own, c.getClassLoader());
            assertNotSame(BytesClassLoader.class, c);
            assertEquals(NAME, c.getName());
        }
    }

    @Test
    void definesFromTheSecondBundleWhatTheFirstLacks() throws Exception {
        String other = "dev.hygiene.agent.OwnLoaderTest$Other";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(Agent.Own.CLASSES, bundle(NAME, classBytes(NAME)));
        entries.put(Agent.Own.LATER, bundle(other, classBytes(other)));
        try (JarFile j = new JarFile(jar(entries).toFile(), false)) {
            Agent.Own own = new Agent.Own(j, new Object[0]);
            assertEquals(NAME, own.loadClass(NAME).getName());
            Class<?> c = own.loadClass(other);
            assertSame(own, c.getClassLoader());
            assertNotSame(Other.class, c);
        }
        // Without the second bundle (or with a damaged one), a class still comes from its own entry.
        entries.put(Agent.Own.LATER, Arrays.copyOf(bundle(other, classBytes(other)), 12));
        entries.put(other.replace('.', '/') + ".class", classBytes(other));
        try (JarFile j = new JarFile(jar(entries).toFile(), false)) {
            assertEquals(other, new Agent.Own(j, new Object[0]).loadClass(other).getName());
        }
    }

    /** A second class for the second bundle. */
    static final class Other {}

    @Test
    void aDamagedBundleLeavesEachClassToItsOwnEntry() throws Exception {
        byte[] whole = bundle(NAME, classBytes(NAME));
        byte[] truncated = Arrays.copyOf(whole, whole.length - 10);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(Agent.Own.CLASSES, truncated);
        entries.put(NAME.replace('.', '/') + ".class", classBytes(NAME));
        try (JarFile j = new JarFile(jar(entries).toFile(), false)) {
            Class<?> c = new Agent.Own(j, new Object[0]).loadClass(NAME);
            assertEquals(NAME, c.getName());
        }
        try (JarFile j = new JarFile(jar(Map.of(Agent.Own.CLASSES, truncated)).toFile(), false)) {
            Agent.Own own = new Agent.Own(j, new Object[0]);
            assertThrows(ClassNotFoundException.class, () -> own.loadClass(NAME));
        }
    }

    @Test
    void onlyTheAgentsPackagesAreItsOwn() throws Exception {
        Path jar = jar(Map.of(Agent.Own.CLASSES, bundle(NAME, classBytes(NAME))));
        try (JarFile j = new JarFile(jar.toFile(), false)) {
            Agent.Own own = new Agent.Own(j, new Object[0]);
            // The JDK's classes come from the platform loader; others are not the agent's to define.
            assertSame(String.class, own.loadClass("java.lang.String"));
            assertThrows(ClassNotFoundException.class, () -> own.loadClass("org.example.Missing"));
        }
    }

    private static byte[] classBytes(String name) throws IOException {
        try (InputStream in = OwnLoaderTest.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** The bundle's format, as BundleClasses writes it: "PHC1", then name (u16 + ASCII), length (u32), bytes. */
    private static byte[] bundle(String name, byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        data.writeBytes("PHC1");
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        data.writeShort(n.length);
        data.write(n);
        data.writeInt(bytes.length);
        data.write(bytes);
        data.flush();
        return out.toByteArray();
    }

    private Path jar(Map<String, byte[]> entries) throws IOException {
        Path jar = Files.createTempFile(dir, "own", ".jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return jar;
    }
}
