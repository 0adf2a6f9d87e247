package dev.hygiene.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Escalation on real process groups, through core alone (no agent): the group is the witness. */
class EscalationTest {

    private static final String TREE = "sleep 300 & sleep 300 & wait";
    private static final String DEAF_TREE = "trap '' TERM; sleep 300 & sleep 300 & wait";

    private final List<Long> groups = new ArrayList<>();

    @AfterEach
    void killWhatWeStarted() {
        for (long pgid : groups) {
            for (ProcStat s : ProcStat.all()) {
                if (s.pgrp == pgid) ProcessHandle.of(s.pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static ProcessHygiene hygiene(Duration grace) {
        return new ProcessHygiene(Config.defaults().withGrace(grace), null);
    }

    private Process startTree(ProcessHygiene h, String script, int members) throws IOException {
        Process p = h.start(new ProcessBuilder("sh", "-c", script));
        groups.add(p.pid());
        awaitTrue(() -> live(p.pid()) == members, 5_000, "group " + p.pid() + " to have " + members + " members");
        return p;
    }

    static int live(long pgid) {
        int n = 0;
        for (ProcStat s : ProcStat.all()) if (s.pgrp == pgid && s.alive()) n++;
        return n;
    }

    static void awaitTrue(BooleanSupplier condition, long millis, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void childLeadsItsOwnGroup() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(2));
        Process p = h.start(new ProcessBuilder("sh", "-c", TREE));
        groups.add(p.pid());
        ProcStat s = ProcStat.read(p.pid());
        assertEquals(p.pid(), s.pgrp, "read at once after start()");
        assertTrue(s.pgrp != ProcStat.self().pgrp);
        h.destroy(p.toHandle(), true);
    }

    @Test
    void destroyTerminatesTheWholeGroup() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(2));
        Process p = startTree(h, TREE, 3);
        assertTrue(h.destroy(p.toHandle(), false));
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
        awaitTrue(() -> live(p.pid()) == 0, 1_000, "the group to be empty");
        awaitTrue(() -> h.liveGroups() == 0, 1_000, "the registry to be empty");
    }

    @Test
    void destroyForciblyKillsAtOnce() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(30));
        Process p = startTree(h, DEAF_TREE, 3);
        long t0 = System.nanoTime();
        h.destroy(p.toHandle(), true);
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
        awaitTrue(() -> live(p.pid()) == 0, 1_000, "the group to be empty");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "no grace period for a forced kill");
    }

    @Test
    void aGroupIgnoringSigtermIsKilledAfterTheGrace() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(1));
        Process p = startTree(h, DEAF_TREE, 3);
        long t0 = System.nanoTime();
        h.destroy(p.toHandle(), false);
        Thread.sleep(500); // a point inside the grace period, not a synchronisation
        assertEquals(3, live(p.pid()), "SIGTERM is ignored: all members alive during the grace period");
        awaitTrue(() -> live(p.pid()) == 0, 3_000, "SIGKILL after the grace period");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 950 && ms < 2_000, "killed after " + ms + " ms, grace 1 s");
        assertTrue(p.waitFor(1, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
    }

    @Test
    void manyGroupsShareOneGracePeriod() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(1));
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 8; i++) ps.add(startTree(h, DEAF_TREE, 3));
        long t0 = System.nanoTime();
        for (Process p : ps) h.destroy(p.toHandle(), false);
        for (Process p : ps) awaitTrue(() -> live(p.pid()) == 0, 4_000, "group " + p.pid() + " gone");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 2_500, "8 groups with grace 1 s took " + ms + " ms: they must share the grace period");
    }

    @Test
    void stoppedMembersAreContinuedToActOnSigterm() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(10));
        Process p = startTree(h, TREE, 3);
        for (ProcStat s : ProcStat.all()) {
            if (s.pgrp == p.pid() && s.pid != p.pid()) {
                new ProcessBuilder("kill", "-STOP", Long.toString(s.pid)).start().waitFor();
            }
        }
        awaitTrue(() -> ProcStat.all().stream().filter(s -> s.pgrp == p.pid() && s.state == 'T').count() == 2,
                2_000, "two stopped members");
        long t0 = System.nanoTime();
        h.destroy(p.toHandle(), false);
        awaitTrue(() -> live(p.pid()) == 0, 3_000, "stopped members to act on SIGTERM");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "well before the 10 s grace");
    }

    @Test
    void orphansOfADroppedProcessAreTerminated() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(2));
        long pgid = startOrphanMaker(h);
        awaitTrue(() -> live(pgid) == 1, 5_000, "the orphan to be the only member");
        awaitTrue(() -> {
            System.gc();
            return live(pgid) == 0;
        }, 10_000, "the Cleaner to terminate the orphan");
        awaitTrue(() -> h.liveGroups() == 0, 2_000, "the registry to be empty");
    }

    /** Starts a leader that exits at once leaving a sleeping member; returns the group, not the Process. */
    private long startOrphanMaker(ProcessHygiene h) throws Exception {
        Process p = h.start(new ProcessBuilder("sh", "-c", "sleep 300 & exit 0"));
        groups.add(p.pid());
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        return p.pid();
    }

    /**
     * A child that exits by itself while the application holds its Process leaves no cgroup behind:
     * a later start (at most once a second) finds its cgroup empty and removes it, and the group.
     */
    @Test
    void theCgroupOfAFinishedChildIsRemovedWhileItsProcessIsHeld() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(1));
        Process p = h.start(new ProcessBuilder("sh", "-c", "exit 3"));
        groups.add(p.pid());
        ProcessGroup g = h.groups().stream().filter(x -> x.pid == p.pid()).findFirst().orElseThrow();
        org.junit.jupiter.api.Assumptions.assumeTrue(g.cgroup != null, "no cgroups here: " + g.containment);
        assertEquals(Containment.CGROUP, g.containment);
        assertEquals(3, p.waitFor());
        assertTrue(java.nio.file.Files.isDirectory(java.nio.file.Path.of(g.cgroup)), "still there: nothing looked yet");
        List<Process> more = new ArrayList<>();
        awaitTrue(() -> {
            try {
                Process q = h.start(new ProcessBuilder("true"));
                groups.add(q.pid());
                more.add(q);
                q.waitFor();
                Thread.sleep(50);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return !java.nio.file.Files.exists(java.nio.file.Path.of(g.cgroup));
        }, 5_000, "a later start to remove " + g.cgroup);
        assertTrue(h.groups().stream().noneMatch(x -> x == g), "the group is gone from the registry");
        assertEquals(Containment.CGROUP, g.containment, "what it was stays known");
    }

    @Test
    void anExitedGroupIsNeverSignalledAgain() throws Exception {
        ProcessHygiene h = hygiene(Duration.ofSeconds(1));
        Process p = h.start(new ProcessBuilder("true"));
        groups.add(p.pid());
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        awaitTrue(() -> live(p.pid()) == 0, 2_000, "the group to be empty");
        // The JDK would not call destroyProcess now; the hook must not signal an empty group either.
        h.destroy(p.toHandle(), true);
        awaitTrue(() -> h.liveGroups() == 0, 2_000, "the registry to drop the empty group");
    }
}
