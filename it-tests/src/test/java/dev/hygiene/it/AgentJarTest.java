package dev.hygiene.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 4: what the agent jar holds. Nothing third-party (the application's own ASM, Byte Buddy or
 * SLF4J can never meet a copy of the agent's), the agent manifest, at most 1 MB, and the helper
 * for each platform it supports: x86_64 always, aarch64 wherever the build had the cross compiler
 * (always under CI), each a static program for its machine, the very file the core build made.
 */
class AgentJarTest {

    static final long MAX_SIZE = 1024 * 1024;
    static final String X86_64 = "dev/hygiene/core/linux-x86_64/hygiene-helper";
    static final String AARCH64 = "dev/hygiene/core/linux-aarch64/hygiene-helper";

    @Test
    void onlyTheAgentsOwnClassesAndResources() throws IOException {
        List<String> foreign = new ArrayList<>();
        List<String> thirdParty = new ArrayList<>();
        try (JarFile jar = new JarFile(AppJvm.agentJar().toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                String n = e.getName();
                if (!(n.startsWith("META-INF/") || n.startsWith("dev/hygiene/") || n.equals("dev/"))) foreign.add(n);
                if (n.contains("org/objectweb") || n.contains("net/bytebuddy") || n.contains("org/slf4j")) thirdParty.add(n);
            }
        }
        assertEquals(List.of(), foreign, "entries outside META-INF/ and dev/hygiene/");
        assertEquals(List.of(), thirdParty, "third-party classes (ASM, Byte Buddy, SLF4J), relocated or not");
    }

    @Test
    void theManifestMakesItAnAgent() throws IOException {
        try (JarFile jar = new JarFile(AppJvm.agentJar().toFile())) {
            Manifest m = jar.getManifest();
            assertNotNull(m, "no manifest");
            Attributes a = m.getMainAttributes();
            assertEquals("dev.hygiene.agent.Agent", a.getValue("Premain-Class"));
            assertEquals("dev.hygiene.agent.Agent", a.getValue("Agent-Class"));
            assertEquals("true", a.getValue("Can-Retransform-Classes"));
            assertNotNull(jar.getEntry("dev/hygiene/agent/Agent.class"), "the Premain-Class is in the jar");
        }
    }

    /**
     * The agent's own loader reads its classes from two resources (Agent.Own): those of the first
     * start, and the others (the ending of groups, attach...); core's classes are there, each in
     * one of them, and nowhere else in the jar; the entry point is not (the application's loader
     * loads it).
     */
    @Test
    void theAgentsClassesAreBundledInTwoResources() throws IOException {
        try (JarFile jar = new JarFile(AppJvm.agentJar().toFile())) {
            List<String> first = bundled(jar, "dev/hygiene/agent/classes.bin");
            List<String> later = bundled(jar, "dev/hygiene/agent/classes-later.bin");
            assertTrue(first.contains("dev.hygiene.core.ProcessHygiene"), first.toString());
            assertTrue(first.contains("dev.hygiene.agent.Installation"), first.toString());
            assertTrue(later.contains("dev.hygiene.core.Escalation"), later.toString());
            List<String> both = new ArrayList<>(first);
            both.retainAll(later);
            assertEquals(List.of(), both, "classes in both bundles");
            assertTrue(!first.contains("dev.hygiene.agent.Agent") && !later.contains("dev.hygiene.agent.Agent"),
                    "the entry point is the application loader's");
            List<String> coreEntries = new ArrayList<>();
            for (JarEntry e : Collections.list(jar.entries())) {
                if (e.getName().startsWith("dev/hygiene/core/") && e.getName().endsWith(".class")) coreEntries.add(e.getName());
            }
            assertEquals(List.of(), coreEntries, "core's classes outside the bundles");
        }
    }

    /** The binary names of the classes in the bundle NAME of JAR ("PHC1", then name, length, bytes per class). */
    private static List<String> bundled(JarFile jar, String name) throws IOException {
        JarEntry bundle = jar.getJarEntry(name);
        assertNotNull(bundle, name);
        byte[] b;
        try (java.io.InputStream in = jar.getInputStream(bundle)) {
            b = in.readAllBytes();
        }
        java.io.DataInputStream data = new java.io.DataInputStream(new java.io.ByteArrayInputStream(b));
        byte[] magic = new byte[4];
        data.readFully(magic);
        assertEquals("PHC1", new String(magic, java.nio.charset.StandardCharsets.US_ASCII), name);
        List<String> names = new ArrayList<>();
        while (data.available() > 0) {
            byte[] n = new byte[data.readUnsignedShort()];
            data.readFully(n);
            names.add(new String(n, java.nio.charset.StandardCharsets.US_ASCII));
            data.skipBytes(data.readInt());
        }
        return names;
    }

    @Test
    void atMostOneMegabyte() throws IOException {
        long size = Files.size(AppJvm.agentJar());
        assertTrue(size <= MAX_SIZE, "the agent jar has " + size + " bytes, more than " + MAX_SIZE);
    }

    @Test
    void theX86HelperIsAStaticX86Program() throws IOException {
        byte[] helper = entry(X86_64);
        assertEquals(62, Elf.machine(helper), X86_64 + " is for x86-64 (EM_X86_64)");
        assertFalse(Elf.hasInterpreter(helper), X86_64 + " is static");
        assertArrayEquals(Files.readAllBytes(coreClasses().resolve(X86_64)), helper, "the helper the core build made");
    }

    @Test
    void theAarch64HelperIsAStaticAarch64Program() throws IOException {
        String cc = System.getProperty("hygiene.crossCc", "aarch64-linux-gnu-gcc");
        boolean ci = "true".equals(System.getenv("CI"));
        assumeTrue(onPath(cc) || ci, cc + " is not installed, so the build made no aarch64 helper"
                + " (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)");
        byte[] helper = entry(AARCH64);
        assertEquals(183, Elf.machine(helper), AARCH64 + " is for aarch64 (EM_AARCH64)");
        assertFalse(Elf.hasInterpreter(helper), AARCH64 + " is static");
        assertArrayEquals(Files.readAllBytes(coreClasses().resolve(AARCH64)), helper, "the helper the core build made");
    }

    static byte[] entry(String name) throws IOException {
        try (JarFile jar = new JarFile(AppJvm.agentJar().toFile())) {
            JarEntry e = jar.getJarEntry(name);
            assertNotNull(e, "no " + name + " in " + AppJvm.agentJar());
            try (InputStream in = jar.getInputStream(e)) {
                return in.readAllBytes();
            }
        }
    }

    static Path coreClasses() {
        String p = System.getProperty("hygiene.coreClasses");
        if (p == null) throw new IllegalStateException("system property hygiene.coreClasses is not set");
        return Path.of(p);
    }

    static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name)) && Files.isRegularFile(Path.of(dir, name))) return true;
        }
        return false;
    }

    /** Just enough of ELF64 (elf(5)): the machine, and whether a program interpreter is asked for. */
    static final class Elf {
        static int machine(byte[] b) {
            return header(b).getShort(0x12) & 0xffff;
        }

        static boolean hasInterpreter(byte[] b) {
            ByteBuffer h = header(b);
            long phoff = h.getLong(0x20);
            int phentsize = h.getShort(0x36) & 0xffff;
            int phnum = h.getShort(0x38) & 0xffff;
            for (int i = 0; i < phnum; i++) {
                if (h.getInt((int) (phoff + (long) i * phentsize)) == 3) return true; // PT_INTERP
            }
            return false;
        }

        private static ByteBuffer header(byte[] b) {
            assertTrue(b.length > 64 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F', "an ELF file");
            assertEquals(2, b[4], "ELFCLASS64");
            assertEquals(1, b[5], "little endian");
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
