package dev.hygiene.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProgramPathTest {

    @TempDir
    Path tmp;

    private Path file(String rel, String perms) throws IOException {
        Path p = tmp.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @Test
    void searchesThePathInOrder() throws IOException {
        file("a/prog", "rwxr-xr-x");
        file("b/prog", "rwxr-xr-x");
        String path = tmp.resolve("a") + ":" + tmp.resolve("b");
        assertEquals(tmp.resolve("a") + "/prog", ProgramPath.resolve("prog", null, path, false));
    }

    @Test
    void skipsWhatExecveWouldRefuse() throws IOException {
        file("a/prog", "rw-r--r--");          // not executable: EACCES, the JDK goes on
        Files.createDirectories(tmp.resolve("b/prog")); // a directory: EACCES
        file("c/prog", "rwxr-xr-x");
        String path = tmp.resolve("a") + ":" + tmp.resolve("b") + ":" + tmp.resolve("c");
        assertEquals(tmp.resolve("c") + "/prog", ProgramPath.resolve("prog", null, path, false));
    }

    @Test
    void notFoundIsNull() throws IOException {
        file("a/prog", "rw-r--r--");
        assertNull(ProgramPath.resolve("prog", null, tmp.resolve("a").toString(), false));
        assertNull(ProgramPath.resolve("missing", null, tmp.toString(), false));
        assertNull(ProgramPath.resolve("", null, tmp.toString(), false));
    }

    @Test
    void emptyEntryMeansTheChildsWorkingDirectory() throws IOException {
        file("work/prog", "rwxr-xr-x");
        String dir = tmp.resolve("work").toString();
        assertEquals("./prog", ProgramPath.resolve("prog", dir, "/nonexistent-dir:", true));
        assertEquals("./prog", ProgramPath.resolve("prog", dir, ":/nonexistent-dir", true));
        assertNull(ProgramPath.resolve("prog", null, "/nonexistent-dir", true));
    }

    @Test
    void trailingSlashInEntryIsKept() throws IOException {
        file("a/prog", "rwxr-xr-x");
        assertEquals(tmp.resolve("a") + "/prog", ProgramPath.resolve("prog", null, tmp.resolve("a") + "/", false));
    }

    @Test
    void aNameWithASlashIsUsedAsItIsRelativeToTheWorkingDirectory() throws IOException {
        file("work/bin/prog", "rwxr-xr-x");
        String dir = tmp.resolve("work").toString();
        assertEquals("bin/prog", ProgramPath.resolve("bin/prog", dir, "/usr/bin", false));
        assertEquals("./bin/prog", ProgramPath.resolve("./bin/prog", dir, "/usr/bin", false));
        assertNull(ProgramPath.resolve("bin/prog", tmp.toString(), "/usr/bin", false));
        String abs = tmp.resolve("work/bin/prog").toString();
        assertEquals(abs, ProgramPath.resolve(abs, null, null, false));
    }

    @Test
    void aMissingWorkingDirectoryFailsLikeTheJdksChdir() throws IOException {
        file("a/prog", "rwxr-xr-x");
        assertNull(ProgramPath.resolve(tmp.resolve("a/prog").toString(), tmp.resolve("nope").toString(), null, false));
    }

    @Test
    void withoutPathTheJdkDefaultsApply() {
        // Environment untouched: glibc execvp's /bin:/usr/bin. Given: the JDK's :/bin:/usr/bin.
        String expected = Files.isExecutable(Path.of("/bin/sh")) ? "/bin/sh" : "/usr/bin/sh";
        assertEquals(expected, ProgramPath.resolve("sh", null, null, false));
        assertEquals(expected, ProgramPath.resolve("sh", tmp.toString(), null, true));
    }
}
