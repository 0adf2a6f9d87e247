package dev.hygiene.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real helper's watch mode against a stand-in for the JVM (a sleep this test starts and kills
 * with SIGKILL), with a groups file written here: a group whose child has a cgroup of its own
 * (created here under /sys/fs/cgroup/unified, one member in another session, found through
 * cgroup.procs only), a group with a marked escapee, a group listed and then gone (never
 * signalled), a line that does not parse; and the single-process signals of the signal mode,
 * which check the start time.
 */
class WatchModeTest {

    static final Path CGROUP2 = Path.of("/sys/fs/cgroup/unified");
    static final long GRACE_MS = 1000;

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();
    /** Processes this test made, by pid and start time: killed after it, if still alive. */
    private final List<ProcStat> made = new ArrayList<>();
    /** Cgroup directories this test made, removed after it (children first). */
    private final List<Path> cgroups = new ArrayList<>();
    private Helper helper;

    @AfterEach
    void cleanUp() throws Exception {
        for (ProcStat m : made) {
            ProcStat now = ProcStat.read(m.pid);
            if (now != null && now.startTime == m.startTime && now.alive()) {
                ProcessHandle.of(m.pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        for (Process p : started) p.destroyForcibly();
        for (int i = cgroups.size() - 1; i >= 0; i--) {
            Path cg = cgroups.get(i);
            poll(5000, () -> !Files.exists(cg) || procs(cg).isEmpty(), () -> "the members of " + cg + " are gone");
            Files.deleteIfExists(cg);
        }
        if (helper != null) helper.delete();
    }

    @Test
    void everyListedGroupIsTerminatedWhenTheJvmDies() throws Exception {
        assumeTrue(writableCgroup2(), CGROUP2 + " is not a writable cgroup2 mount here: the watchdog's cgroup escalation is not tested");
        helper = Helper.extract(tmp, null, new StringBuilder());
        assertNotNull(helper);
        String name = HelperProtocol.DIR_PREFIX + "test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path jvmCgroup = mkdir(CGROUP2.resolve(name));
        Path childCgroup = mkdir(jvmCgroup.resolve("child-1"));

        ProcStat jvm = start("sleep", "600");

        // A: a child with a cgroup. Moved there before it forks: it waits for a line on stdin.
        Process a = new ProcessBuilder("setsid", "sh", "-c", "read go; setsid sleep 600 & exec sleep 600")
                .redirectError(Redirect.INHERIT).start();
        started.add(a);
        ProcStat aLeader = stat(a.pid());
        made.add(aLeader);
        Files.writeString(childCgroup.resolve("cgroup.procs"), Long.toString(a.pid()));
        try (OutputStream in = a.getOutputStream()) {
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
        }
        List<ProcStat> aMembers = awaitMembers(() -> procs(childCgroup), m -> m.size() == 2 && m.stream().anyMatch(s -> s.pgrp != a.pid()),
                "2 processes in " + childCgroup + ", one of them out of the group (setsid)");

        // B: a child in its own group (the helper's exec mode) with a marked escapee.
        String marker = "test." + ProcessHandle.current().pid() + "." + System.nanoTime();
        Process b = new ProcessBuilder(helper.command("/bin/sh", new String[] {"sh", "-c", "setsid sleep 600 & exec sleep 600"}, marker))
                .redirectError(Redirect.INHERIT).start();
        started.add(b);
        List<ProcStat> bMembers = awaitMembers(() -> withMarker(marker), m -> m.size() == 2 && m.stream().anyMatch(s -> s.pgrp != b.pid()),
                "2 processes with marker " + marker + ", one of them out of the group (setsid)");
        ProcStat bLeader = stat(b.pid());
        assertEquals(b.pid(), bLeader.pgrp, "B leads its group");

        // C: listed, then gone from the list: never signalled.
        Process c = new ProcessBuilder("setsid", "sleep", "600").start();
        started.add(c);
        ProcStat cLeader = stat(c.pid());
        made.add(cLeader);

        Path groups = tmp.resolve("groups");
        Files.writeString(groups, ""
                + "+\t" + a.pid() + "\t" + aLeader.startTime + "\t\t" + childCgroup + "\tgroup a\tWatchModeTest\t" + POLICY + "\n"
                + "+\t" + b.pid() + "\t" + bLeader.startTime + "\t" + marker + "\t\tgroup b\t\t" + POLICY + "\n"
                + "+\t" + c.pid() + "\t" + cLeader.startTime + "\t\t\tgroup c\t\t" + POLICY + "\n"
                + "+\tnot-a-number\t1\t\t\tbad\t\t" + POLICY + "\n"
                + "-\t" + c.pid() + "\t" + cLeader.startTime + "\n"
                + "R\t" + jvmCgroup + "\n");
        Path stderr = tmp.resolve("watchdog-stderr");
        Process first = new ProcessBuilder(helper.command(), "watch", "1", "-",
                Long.toString(jvm.pid), Long.toString(jvm.startTime), groups.toString())
                .redirectInput(Redirect.from(new java.io.File("/dev/null"))).redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.to(stderr.toFile())).start();
        assertTrue(first.waitFor(10, TimeUnit.SECONDS), "the first process exits once the watchdog is set up");
        assertEquals(0, first.exitValue(), "the watchdog is set up: " + Files.readString(stderr));
        ProcStat watchdog = watchdogFor(groups);
        assertNotNull(watchdog, "the watchdog runs");
        made.add(watchdog);
        assertNotEquals(ProcessHandle.current().pid(), watchdog.ppid, "not our child: " + watchdog);
        assertEquals(watchdog.pid, watchdog.session, "in a session of its own: " + watchdog);

        List<ProcStat> all = new ArrayList<>(aMembers);
        all.addAll(bMembers);
        all.add(cLeader);
        made.addAll(all);
        // The JVM lives: the watchdog does nothing.
        Thread.sleep(300);
        for (ProcStat m : all) assertTrue(alive(m), "nothing is signalled while the JVM lives: " + m);

        ProcessHandle.of(jvm.pid).orElseThrow().destroyForcibly();
        all.remove(cLeader);
        poll(GRACE_MS + 3000, () -> all.stream().noneMatch(WatchModeTest::alive),
                () -> "every member of A and B is gone: " + all.stream().filter(WatchModeTest::alive).toList());
        poll(3000, () -> !Files.exists(childCgroup) && !Files.exists(jvmCgroup),
                () -> "the child's cgroup, then the JVM's, are removed: " + Files.exists(childCgroup) + " " + Files.exists(jvmCgroup));
        poll(3000, () -> !alive(watchdog), () -> "the watchdog exits: " + ProcStat.read(watchdog.pid));
        assertTrue(alive(cLeader), "C, listed as gone, is not signalled");
        assertFalse(Files.exists(Path.of(helper.command()).getParent()), "the watchdog removed the helper's directory");
        String err = Files.readString(stderr);
        assertTrue(err.contains(groups + " line 4: skipped"), "the line that does not parse is named: " + err);
        assertTrue(err.contains("terminated group " + a.pid() + " (group a)") && err.contains("with 1 escaped members"), err);
        assertTrue(err.contains("terminated group " + b.pid() + " (group b)"), err);
        assertFalse(err.contains("terminated group " + c.pid()), err);
    }

    /** The policy fields of a live line: the grace, the stop signal, the mode. */
    private static final String POLICY = GRACE_MS + "\tTERM\tgroup";

    @Test
    void signalModeChecksTheStartTimeOfASingleProcess() throws Exception {
        helper = Helper.extract(tmp, null, new StringBuilder());
        assertNotNull(helper);
        Process p = new ProcessBuilder("sleep", "600").start();
        started.add(p);
        ProcStat s = stat(p.pid());
        assertEquals("0:", run(helper.command(), "signal", "TERM", p.pid() + "@" + (s.startTime + 1)));
        assertFalse(p.waitFor(300, TimeUnit.MILLISECONDS), "a wrong start time: not signalled");
        assertEquals("0:", run(helper.command(), "signal", "TERM", p.pid() + "@" + s.startTime));
        assertTrue(p.waitFor(5, TimeUnit.SECONDS), "the right start time: signalled");
        assertEquals(143, p.exitValue());
        // Gone now (reaped): not an error either.
        assertEquals("0:", run(helper.command(), "signal", "KILL", p.pid() + "@" + s.startTime));
        for (String bad : new String[] {"1@5", "0@1", "5@", "@5", "5@x", "5@-1", "x@5"}) {
            String out = run(helper.command(), "signal", "TERM", bad);
            assertTrue(out.startsWith("1:") && out.contains("refusing"), bad + " -> " + out);
        }
    }

    /** /sys/fs/cgroup/unified is mounted as cgroup2, read-write, and we may make a directory there. */
    private static boolean writableCgroup2() {
        try {
            boolean mounted = Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 3 && f[1].equals(CGROUP2.toString()) && f[2].equals("cgroup2")
                            && List.of(f[3].split(",")).contains("rw"));
            return mounted && Files.isWritable(CGROUP2);
        } catch (IOException e) {
            return false;
        }
    }

    private Path mkdir(Path cg) throws IOException {
        Files.createDirectory(cg);
        cgroups.add(cg);
        return cg;
    }

    private ProcStat start(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        started.add(p);
        return stat(p.pid());
    }

    private static ProcStat stat(long pid) {
        ProcStat s = ProcStat.read(pid);
        assertNotNull(s, "pid " + pid + " runs");
        return s;
    }

    private static boolean alive(ProcStat m) {
        ProcStat now = ProcStat.read(m.pid);
        return now != null && now.startTime == m.startTime && now.alive();
    }

    /** The live processes listed in CG/cgroup.procs. */
    private static List<ProcStat> procs(Path cg) {
        List<ProcStat> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(cg.resolve("cgroup.procs"))) {
                ProcStat s = l.isBlank() ? null : ProcStat.read(Long.parseLong(l.trim()));
                if (s != null && s.alive()) out.add(s);
            }
        } catch (IOException e) {
            // gone: no members
        }
        return out;
    }

    /** The live processes whose innermost marker is MARKER. */
    private static List<ProcStat> withMarker(String marker) {
        List<ProcStat> out = new ArrayList<>();
        byte[] buffer = new byte[65536];
        for (ProcStat s : ProcStat.all()) {
            if (s.alive() && marker.equals(Membership.innermost(Membership.markers(s.pid, buffer)))) out.add(s);
        }
        return out;
    }

    private List<ProcStat> awaitMembers(Supplier<List<ProcStat>> members, Predicate<List<ProcStat>> ready, String what) {
        poll(10_000, () -> ready.test(members.get()), () -> what + ": " + members.get());
        List<ProcStat> found = members.get();
        made.addAll(found);
        return found;
    }

    /** The live process running "hygiene-helper watch ... GROUPS". */
    private static ProcStat watchdogFor(Path groups) {
        for (ProcStat s : ProcStat.all()) {
            try {
                String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + s.pid + "/cmdline")), StandardCharsets.UTF_8);
                if (s.alive() && cmdline.contains("\0watch\0") && cmdline.endsWith("\0" + groups + "\0")) return s;
            } catch (IOException e) {
                // gone
            }
        }
        return null;
    }

    private static void poll(long timeoutMs, BooleanSupplier done, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("not within " + timeoutMs + " ms: " + what.get());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue() + ":" + out.trim();
    }
}
