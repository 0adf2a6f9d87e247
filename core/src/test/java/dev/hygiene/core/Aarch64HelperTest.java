package dev.hygiene.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 4 (ARM64): the aarch64 helper that the build cross-compiles, picked by {@code os.arch},
 * run under qemu-user: it execs (the exec'd program is a host program, which the kernel runs
 * natively), leads a new group, keeps argv[0], passes the exit code through, adds its marker to
 * PROCESS_HYGIENE_GROUP, reports an exec failure, signals a group with TERM and CONT, refuses group
 * numbers of 1 or less and its own group, and prints the same protocol version as the x86_64 one.
 *
 * <p>Skipped (with a message) only where the cross compiler is not installed, and so the build
 * made no aarch64 helper; never under CI ({@code CI=true}), whose script installs it.
 */
class Aarch64HelperTest {

    static final String RESOURCE = "/dev/hygiene/core/linux-aarch64/hygiene-helper";
    static final String PACKAGES = "gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static";

    @TempDir
    Path tmp;

    private String qemu;
    private Helper helper;
    private final List<Process> started = new ArrayList<>();
    /** Groups this test made (each led by a process it started), killed member by member after it. */
    private final List<Long> groups = new ArrayList<>();

    @BeforeEach
    void aarch64HelperAndQemu() {
        String cc = System.getProperty("hygiene.crossCc", "aarch64-linux-gnu-gcc");
        boolean ci = "true".equals(System.getenv("CI"));
        assumeTrue(onPath(cc) != null || ci,
                cc + " is not installed, so the build made no aarch64 helper: not tested here (apt-get install " + PACKAGES + ")");
        assertNotNull(Helper.class.getResource(RESOURCE),
                "the build bundled no " + RESOURCE + " although " + cc + (ci ? " must be installed under CI" : " is installed"));
        qemu = onPath("qemu-aarch64-static");
        if (qemu == null) qemu = onPath("qemu-aarch64");
        assertNotNull(qemu, "no qemu-aarch64-static or qemu-aarch64 on PATH to run the aarch64 helper (apt-get install qemu-user-static)");
        helper = extractAs("aarch64");
    }

    @AfterEach
    void cleanUp() {
        for (long pgid : groups) {
            for (ProcStat s : ProcStat.all()) {
                if (s.pgrp == pgid && s.alive()) ProcessHandle.of(s.pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        for (Process p : started) p.destroyForcibly();
        if (helper != null) helper.delete();
    }

    /** Helper.extract as on a machine whose os.arch is ARCH. */
    private Helper extractAs(String arch) {
        String real = System.getProperty("os.arch");
        try {
            System.setProperty("os.arch", arch);
            Helper h = Helper.extract(tmp, null, new StringBuilder());
            assertNotNull(h, "extracting the helper with os.arch=" + arch);
            return h;
        } finally {
            System.setProperty("os.arch", real);
        }
    }

    @Test
    void theAarch64HelperIsPickedOnAarch64() throws Exception {
        String real = System.getProperty("os.arch");
        try {
            System.setProperty("os.arch", "aarch64");
            assertEquals(RESOURCE, Helper.resourceName());
            System.setProperty("os.arch", "amd64");
            assertEquals("/dev/hygiene/core/linux-x86_64/hygiene-helper", Helper.resourceName());
            System.setProperty("os.arch", "riscv64");
            assertNull(Helper.resourceName(), "no helper is bundled for riscv64");
        } finally {
            System.setProperty("os.arch", real);
        }
        byte[] bundled;
        try (InputStream in = Helper.class.getResourceAsStream(RESOURCE)) {
            bundled = in.readAllBytes();
        }
        // That it is a static aarch64 program is checked on the jar (AgentJarTest).
        assertArrayEquals(bundled, Files.readAllBytes(Path.of(helper.command())), "the extracted helper is the aarch64 one");
    }

    @Test
    void versionIsTheSameProtocolAsTheX86Helper() throws Exception {
        Helper x86 = Helper.extract(tmp, null, new StringBuilder());
        assertNotNull(x86);
        try {
            Result here = run(List.of(x86.command(), "version"), Map.of());
            Result emulated = run(qemu(helper.command(), "version"), Map.of());
            assertEquals(0, emulated.exit, emulated.toString());
            assertTrue(emulated.stdout.startsWith("process-hygiene-helper "), emulated.toString());
            assertEquals(here.stdout, emulated.stdout);
            assertEquals("", emulated.stderr);
        } finally {
            x86.delete();
        }
    }

    /** The exec'd program's view of itself, printed by a /bin/sh script. */
    static final String REPORT = "echo \"pid $$\"; echo \"pgrp $(cut -d' ' -f5 /proc/$$/stat)\";"
            + " printf 'cmdline %s\\n' \"$(tr '\\000' '|' </proc/$$/cmdline)\"; echo \"exe $(readlink /proc/$$/exe)\";"
            + " echo \"marker ${PROCESS_HYGIENE_GROUP-unset}\"; exit 7";

    @Test
    void execLeadsANewGroupKeepsArgv0AndTheExitCodeAndAddsTheMarker() throws Exception {
        String[] argv = {"argv0-kept", "-c", REPORT, "one", "two words"};
        String cmdline = "argv0-kept|-c|" + REPORT + "|one|two words|";
        String sh = Path.of("/bin/sh").toRealPath().toString();

        Result fresh = run(qemu(helper.command("/bin/sh", argv, "77.123.1")), Map.of("PROCESS_HYGIENE_GROUP", ""));
        assertExec(fresh, cmdline, sh, "77.123.1");

        Result nested = run(qemu(helper.command("/bin/sh", argv, "77.123.2")), Map.of("PROCESS_HYGIENE_GROUP", "12.99.4"));
        assertExec(nested, cmdline, sh, "12.99.4 77.123.2");

        Result none = run(qemu(helper.command("/bin/sh", argv, null)), Map.of());
        assertExec(none, cmdline, sh, "unset");
    }

    private void assertExec(Result r, String cmdline, String sh, String marker) {
        assertEquals(7, r.exit, "the program's exit code passes through: " + r);
        assertEquals("", r.stderr, r.toString());
        assertEquals(List.of("pid " + r.pid, "pgrp " + r.pid, "cmdline " + cmdline, "exe " + sh, "marker " + marker),
                Arrays.asList(r.stdout.split("\n")),
                "same pid, leads its own group, argv kept, the host's /bin/sh runs natively, marker: " + r);
        assertNotEquals(ProcStat.self().pgrp, r.pid);
    }

    @Test
    void execFailureIsReportedAndAScriptWithoutInterpreterLineRunsWithBinSh() throws Exception {
        Result missing = run(qemu(helper.command("/nonexistent/program", new String[] {"program"}, "1.2.3")), Map.of());
        assertEquals(127, missing.exit, missing.toString());
        assertEquals("", missing.stderr, "the helper reports through its directory, not stderr: " + missing);
        assertTrue(helper.execFailed(missing.pid), "exec-failed." + missing.pid + " written: " + missing);

        Path script = tmp.resolve("no-interpreter-line");
        Files.writeString(script, "echo \"via sh: $0 $1 pgrp $(cut -d' ' -f5 /proc/$$/stat)\"\n");
        script.toFile().setExecutable(true);
        Result sh = run(qemu(helper.command(script.toString(), new String[] {"name", "arg"}, "1.2.4")), Map.of());
        assertEquals(0, sh.exit, sh.toString());
        assertEquals("via sh: " + script + " arg pgrp " + sh.pid + "\n", sh.stdout);
        assertFalse(helper.execFailed(sh.pid));
    }

    @Test
    void signalTermReachesTheWholeGroupAndContinuesStoppedMembers() throws Exception {
        String tree = "sleep 300 & kill -STOP $!; sleep 300 & echo ready; wait";
        Process p = start(qemu(helper.command("/bin/sh", new String[] {"sh", "-c", tree}, "5.6.7")), Map.of());
        long pgid = p.pid();
        groups.add(pgid);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        // The shell sent SIGSTOP before "ready"; the kernel stops the member when it next runs.
        awaitGroup(pgid, m -> m.size() >= 3 && m.stream().anyMatch(s -> s.state == 'T'), "3 members, one of them stopped");

        Result signal = run(qemu(helper.signalCommand("TERM", new long[] {pgid})), Map.of());
        assertEquals(0, signal.exit, signal.toString());
        assertEquals("", signal.stdout + signal.stderr);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!liveInGroup(pgid).isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(List.of(), liveInGroup(pgid), "the whole group (the stopped member too) is gone after TERM and CONT");
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
    }

    /**
     * Group numbers of 1 or less, and the helper's own group, are refused. Run in a PID namespace of
     * its own (unshare), where kill(-1) or a signal to its own group could reach nothing outside,
     * should the helper not refuse.
     */
    @Test
    void signalRefusesGroupsOfOneOrLessAndItsOwnGroup() throws Exception {
        List<String> sandbox = List.of("unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child");
        List<String> low = new ArrayList<>(sandbox);
        low.addAll(qemu(helper.command(), "signal", "TERM", "1", "0", "-1"));
        Result r = run(low, Map.of());
        assertEquals(1, r.exit, r.toString());
        assertEquals("", r.stdout);
        assertEquals("hygiene-helper: refusing group '1': not a group number above 1\n"
                + "hygiene-helper: refusing group '0': not a group number above 1\n"
                + "hygiene-helper: refusing group '-1': not a group number above 1\n", r.stderr);

        // In the sandbox: a shell that leads a session and group of its own execs the helper with
        // its own group number ($$).
        List<String> own = new ArrayList<>(sandbox);
        // (Not the namespace's pid 1 itself, whose group number 1 is refused for being 1.)
        own.addAll(List.of("/bin/sh", "-c", "setsid /bin/sh -c 'exec \"$0\" \"$1\" signal KILL $$' \"$0\" \"$1\" & wait $!",
                qemu, helper.command()));
        Result self = run(own, Map.of());
        assertEquals(1, self.exit, self.toString());
        assertTrue(self.stderr.matches("hygiene-helper: refusing group [0-9]+: it is our own \\(the JVM's\\) group\n"), self.toString());
    }

    private List<String> qemu(String... helperCommand) {
        List<String> cmd = new ArrayList<>();
        cmd.add(qemu);
        cmd.addAll(Arrays.asList(helperCommand));
        return cmd;
    }

    private Process start(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("PROCESS_HYGIENE_GROUP");
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private Result run(List<String> cmd, Map<String, String> env) throws Exception {
        Process p = start(cmd, env);
        p.getOutputStream().close();
        StringBuilder err = new StringBuilder();
        Thread errReader = new Thread(() -> {
            try {
                err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // ended
            }
        });
        errReader.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "did not end within 30 s: " + cmd);
        errReader.join(5000);
        return new Result(cmd, p.pid(), p.exitValue(), out, err.toString());
    }

    static final class Result {
        final List<String> command;
        final long pid;
        final int exit;
        final String stdout;
        final String stderr;

        Result(List<String> command, long pid, int exit, String stdout, String stderr) {
            this.command = command;
            this.pid = pid;
            this.exit = exit;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        @Override
        public String toString() {
            return command + " (pid " + pid + ") exit " + exit + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private static List<ProcStat> liveInGroup(long pgid) {
        List<ProcStat> out = new ArrayList<>();
        for (ProcStat s : ProcStat.all()) if (s.pgrp == pgid && s.alive()) out.add(s);
        return out;
    }

    /** Waits up to 10 s until the live members of group PGID satisfy CONDITION; fails otherwise. */
    private static List<ProcStat> awaitGroup(long pgid, Predicate<List<ProcStat>> condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<ProcStat> members = liveInGroup(pgid);
            if (condition.test(members)) return members;
            assertTrue(System.nanoTime() < deadline, "group " + pgid + " has " + members + ", expected " + what);
            Thread.sleep(10);
        }
    }

    /** The PATH entry holding an executable NAME, or null. */
    static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
