package dev.hygiene.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelperTest {

    @TempDir
    Path tmp;

    private final List<Helper> extracted = new ArrayList<>();

    @AfterEach
    void deleteHelpers() {
        extracted.forEach(Helper::delete);
    }

    private Helper extract(Path dir) {
        Helper h = Helper.extract(dir, null, new StringBuilder());
        assertNotNull(h);
        extracted.add(h);
        return h;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue() + ":" + out.trim();
    }

    @Test
    void extractsIntoAPrivateDirectoryOfTheConfiguredPlace() throws Exception {
        Helper h = extract(tmp);
        Path file = Path.of(h.command());
        Path dir = file.getParent();
        assertEquals(tmp, dir.getParent());
        assertTrue(dir.getFileName().toString().startsWith("process-hygiene-"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (InputStream in = Helper.class.getResourceAsStream(Helper.resourceName())) {
            assertArrayEquals(in.readAllBytes(), Files.readAllBytes(file));
        }
        assertEquals("0:process-hygiene-helper 6", run(h.command(), "version"));
        h.delete();
        assertFalse(Files.exists(dir));
    }

    @Test
    void twoExtractionsNeverShareADirectory() {
        Helper a = extract(tmp);
        Helper b = extract(tmp);
        assertFalse(Path.of(a.command()).getParent().equals(Path.of(b.command()).getParent()));
    }

    @Test
    void aPlaceThatCannotHoldItIsSkipped() throws IOException {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        Helper h = extract(notADir);
        assertFalse(Path.of(h.command()).startsWith(notADir));
    }

    @Test
    void execRunsTheProgramWithItsOwnArgv0InANewGroup() throws Exception {
        Helper h = extract(tmp);
        String[] cmd = h.command("/bin/sh", new String[] {"my-argv0", "-c", "echo $0; cut -d' ' -f5 /proc/$$/stat; echo $$"}, null);
        String[] lines = run(cmd).split("\n");
        assertEquals("0:my-argv0", lines[0]);
        assertEquals(lines[2], lines[1], "pgrp == pid");
    }

    @Test
    void execFallsBackToShForAScriptWithoutInterpreterLine() throws Exception {
        Helper h = extract(tmp);
        Path script = tmp.resolve("script");
        Files.writeString(script, "echo \"script $1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        assertEquals("0:script arg", run(h.command(script.toString(), new String[] {"x", "arg"}, null)));
    }

    @Test
    void execFailureIsReportedToTheAgentSilently() throws Exception {
        Helper h = extract(tmp);
        Path script = tmp.resolve("bad-interpreter");
        Files.writeString(script, "#!/no/such/interpreter\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Process p = new ProcessBuilder(h.command(script.toString(), new String[] {"x"}, null))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(127, p.exitValue());
        assertEquals("", out, "nothing on the child's streams: the agent retries with the JDK");
        assertTrue(h.execFailed(p.pid()), "the report is there");
        assertFalse(h.execFailed(p.pid()), "and consumed");
    }

    @Test
    void execEntersItsCgroupBeforeTheProgramAndAddsNoMarker() throws Exception {
        String own = Cgroups.ownCgroup();
        String[] mount = own == null ? null : Cgroups.mount(own);
        Path parent = mount == null ? null
                : Path.of(mount[0], own.substring(mount[1].equals("/") ? 0 : mount[1].length()), "process-hygiene-test-"
                        + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectory(parent);
        } catch (IOException | RuntimeException e) {
            org.junit.jupiter.api.Assumptions.abort("no cgroup can be made here: " + e);
        }
        Path cgroup = parent.resolve("c1");
        try {
            Helper h = extract(tmp);
            String[] cmd = h.command("/bin/sh", new String[] {"sh", "-c",
                    "grep '^0::' /proc/$$/cgroup; echo \"${PROCESS_HYGIENE_GROUP-no marker}\""}, "1.2.3", cgroup.toString());
            String[] lines = run(cmd).split("\n");
            assertTrue(lines[0].startsWith("0:0::/") && lines[0].endsWith("/" + parent.getFileName() + "/c1"), lines[0]);
            assertEquals("no marker", lines[1], "with a cgroup, the environment is the application's");
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(cgroup)), "mode 0755");
        } finally {
            Files.deleteIfExists(cgroup);
            Files.deleteIfExists(parent);
        }
    }

    @Test
    void execThatCannotEnterItsCgroupRunsWithTheMarkerAndSaysWhyInItsDirectory() throws Exception {
        Helper h = extract(tmp);
        Path cgroup = tmp.resolve("no-such-dir").resolve("c1");
        Process p = new ProcessBuilder(h.command("/bin/sh", new String[] {"sh", "-c", "echo \"$PROCESS_HYGIENE_GROUP\""},
                "1.2.3", cgroup.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals("1.2.3\n", out, "the program runs, in group mode: with the marker, nothing else on its streams");
        assertFalse(Files.exists(cgroup));
        assertEquals("mkdir " + cgroup + ": No such file or directory", h.cgroupFailure(p.pid()));
        assertEquals(null, h.cgroupFailure(p.pid()), "consumed");
    }

    @Test
    void aProgramThatRunsLeavesNoReport() throws Exception {
        Helper h = extract(tmp);
        Process p = new ProcessBuilder(h.command("/bin/sh", new String[] {"sh", "-c", "exit 127"}, null)).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(127, p.exitValue());
        assertFalse(h.execFailed(p.pid()));
    }

    @Test
    void signalRefusesDangerousGroupNumbers() throws Exception {
        Helper h = extract(tmp);
        for (String bad : new String[] {"1", "0", "-5", "abc", ""}) {
            String out = run(h.command(), "signal", "TERM", bad);
            assertTrue(out.startsWith("1:") && out.contains("refusing"), bad + " -> " + out);
        }
        assertTrue(run(h.command(), "signal", "STOP", "12345").startsWith("2:"), "only the stop signals and KILL");
        assertTrue(run(h.command(), "signal", "SIGTERM", "12345").startsWith("2:"), "names without SIG");
    }

    /** A stop signal other than TERM reaches the group (here a handler of the leader's). */
    @Test
    void signalSendsAnotherStopSignalToTheGroup() throws Exception {
        Helper h = extract(tmp);
        // setsid(1) makes sh lead a group of our own making.
        // Perl, not sh: a shell cannot trap a signal ignored when it started (a CI job in the background).
        Process p = new ProcessBuilder("setsid", "perl", "-e",
                "$SIG{INT} = sub { print \"got INT\\n\"; exit 3; }; $| = 1; print \"ready\\n\"; sleep 1 while 1;")
                .redirectErrorStream(true).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        try {
            assertEquals("ready", out.readLine());
            ProcStat s = ProcStat.read(p.pid());
            assertEquals(p.pid(), s.pgrp, "sh leads its group");
            assertEquals("0:", run(h.command(), "signal", "INT", Long.toString(p.pid())));
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the group got SIGINT");
            assertEquals(3, p.exitValue());
            assertEquals("got INT", out.readLine());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void signalRefusesItsOwnGroup() throws Exception {
        Helper h = extract(tmp);
        // A group of our own making: setsid makes sh lead a new group; the helper replaces sh and is
        // asked to signal that very group. Were the guard broken, only this new group would be hit.
        String out = run("setsid", "sh", "-c", "exec \"$0\" signal KILL $$", h.command());
        assertTrue(out.startsWith("1:") && out.contains("our own"), out);
    }

    @Test
    void aGroupThatIsGoneIsNotAnError() throws Exception {
        Helper h = extract(tmp);
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertEquals("0:", run(h.command(), "signal", "KILL", Long.toString(p.pid())));
    }
}
