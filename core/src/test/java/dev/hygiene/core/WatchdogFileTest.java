package dev.hygiene.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM's side of the watchdog's groups file (the format the helper's groups_file.c reads): one
 * line per group started and gone and per directory to remove; compacted once most lines are
 * cancelled; written anew when removed under the JVM; removed at a clean close.
 */
class WatchdogFileTest {

    @TempDir
    Path tmp;

    private Path file() {
        return tmp.resolve(HelperProtocol.GROUPS_FILE);
    }

    private List<String> lines() throws Exception {
        return Files.readAllLines(file());
    }

    private static ProcessGroup group(long pid) {
        return group(pid, null);
    }

    private static ProcessGroup group(long pid, String cgroup) {
        return new ProcessGroup(pid, 1000 + pid, cgroup != null ? Containment.CGROUP : Containment.GROUP, cgroup,
                "sh -c\tsleep\n1", pid % 2 == 0 ? "m." + pid : null, null,
                pid == 11 ? new StopPolicy("db", Duration.ofSeconds(30), "INT", true) : Config.defaults().defaultPolicy());
    }

    @Test
    void oneLinePerEventInTheHelpersFormat() throws Exception {
        Files.createFile(file());
        Watchdog w = new Watchdog(tmp);
        ProcessGroup a = group(10, "/sys/fs/cgroup/unified/process-hygiene-1/child-10");
        ProcessGroup b = group(11);
        w.track(a);
        w.track(b);
        w.untrack(a);
        w.untrack(a); // once only
        w.removeAtEnd("/sys/fs/cgroup/unified/process-hygiene-1");
        assertEquals(List.of(
                "+\t10\t1010\tm.10\t/sys/fs/cgroup/unified/process-hygiene-1/child-10\tsh -c sleep 1\t\t5000\tTERM\tgroup",
                "+\t11\t1011\t\t\tsh -c sleep 1\t\t30000\tINT\tleader-first",
                "-\t10\t1010",
                "R\t/sys/fs/cgroup/unified/process-hygiene-1"), lines());
        assertTrue(w.close(), "b is still listed: left to the watchdog");
        assertTrue(Files.exists(file()));
        // Until the JVM has exited the file follows it: a group that goes meanwhile is not the watchdog's.
        w.untrack(b);
        assertEquals("-\t11\t1011", lines().get(4));
    }

    /** At shutdown: one H line per group handed off, and only for a group the file lists; kept by compaction. */
    @Test
    void handedOffGroupsGetAnHLineKeptByCompaction() throws Exception {
        Files.createFile(file());
        Watchdog w = new Watchdog(tmp);
        ProcessGroup a = group(10);
        ProcessGroup b = group(11);
        ProcessGroup unlisted = group(13);
        w.track(a);
        w.track(b);
        List<ProcessGroup> taken = w.handOff(List.of(
                new Escalation.HandOff(a, 0, HelperProtocol.STAGE_NONE, -1, 0, 0),
                new Escalation.HandOff(b, 123456789L, HelperProtocol.STAGE_LEADER, 3, 4096, 1),
                new Escalation.HandOff(unlisted, 0, HelperProtocol.STAGE_NONE, -1, 0, 0)));
        assertEquals(List.of(a, b), taken, "the listed groups only");
        List<String> written = lines();
        assertEquals(List.of("H\t10\t1010\t0\tnone\t-1\t0\t0", "H\t11\t1011\t123456789\tleader\t3\t4096\t1"),
                written.subList(2, 4));
        // Many groups come and go: compaction keeps the live lines, then the H lines.
        for (long pid = 100; pid < 700; pid++) {
            ProcessGroup g = group(pid);
            w.track(g);
            w.untrack(g);
        }
        List<String> left = lines();
        assertTrue(left.size() < 1000, "compacted: " + left.size() + " lines");
        assertTrue(left.indexOf("H\t11\t1011\t123456789\tleader\t3\t4096\t1") > left.indexOf(written.get(1)),
                "b's H line is kept after its + line: " + left);
        w.untrack(b);
        w.track(group(20));
        for (long pid = 700; pid < 1500; pid++) {
            ProcessGroup g = group(pid);
            w.track(g);
            w.untrack(g);
        }
        assertFalse(lines().stream().anyMatch(l -> l.startsWith("H\t11\t")), "b went: its H line with it");
    }

    @Test
    void mostlyCancelledLinesAreCompactedAway() throws Exception {
        Files.createFile(file());
        Watchdog w = new Watchdog(tmp);
        List<ProcessGroup> kept = new ArrayList<>();
        for (long pid = 2; pid < 12; pid++) {
            ProcessGroup g = group(pid);
            kept.add(g);
            w.track(g);
        }
        w.removeAtEnd("/x/process-hygiene-2");
        int most = 0;
        for (long pid = 100; pid < 700; pid++) {
            ProcessGroup g = group(pid);
            w.track(g);
            w.untrack(g);
            most = Math.max(most, lines().size());
        }
        assertTrue(most <= 1001, "compacted once past 1000 lines: at most " + most);
        List<String> left = lines();
        assertTrue(left.size() < 1000 - 1, "compacted: " + left.size() + " lines");
        // Applied in order as the watchdog does: the live groups (in the order they came) and the R line.
        Map<String, String> live = new LinkedHashMap<>();
        List<String> removals = new ArrayList<>();
        for (String l : left) {
            String[] f = l.split("\t", -1);
            if (f[0].equals("+")) live.put(f[1] + "\t" + f[2], l);
            else if (f[0].equals("-")) live.remove(f[1] + "\t" + f[2]);
            else removals.add(l);
        }
        List<String> expected = new ArrayList<>();
        for (ProcessGroup g : kept) expected.add(g.pid + "\t" + g.startTime);
        assertEquals(expected, new ArrayList<>(live.keySet()), "the live groups, in order: " + left);
        assertEquals(List.of("R\t/x/process-hygiene-2"), removals, "the R line is kept: " + left);
        assertFalse(Files.exists(tmp.resolve(HelperProtocol.GROUPS_TMP)), "no temporary file left");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
    }

    @Test
    void aFileRemovedUnderTheJvmIsWrittenAnewWithEveryLiveGroup() throws Exception {
        Path dir = tmp.resolve("process-hygiene-test");
        Files.createDirectory(dir);
        Files.createFile(dir.resolve(HelperProtocol.GROUPS_FILE));
        Watchdog w = new Watchdog(dir);
        w.track(group(20));
        w.track(group(21));
        // A cleaner of /tmp removes the directory: the next change writes it anew, mode 0700.
        Files.delete(dir.resolve(HelperProtocol.GROUPS_FILE));
        Files.delete(dir);
        w.track(group(22));
        List<String> left = Files.readAllLines(dir.resolve(HelperProtocol.GROUPS_FILE));
        assertEquals(3, left.size(), "every live group: " + left);
        assertTrue(left.get(2).startsWith("+\t22\t"), left.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }

    @Test
    void aCleanCloseRemovesTheFile() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("process-hygiene-test"));
        Files.createFile(dir.resolve(HelperProtocol.HELPER_FILE));
        Files.createFile(dir.resolve(HelperProtocol.GROUPS_FILE));
        Watchdog w = new Watchdog(dir);
        ProcessGroup g = group(30);
        w.track(g);
        w.untrack(g);
        assertFalse(w.close(), "nothing listed");
        assertFalse(Files.exists(dir.resolve(HelperProtocol.GROUPS_FILE)), "no file: the watchdog has nothing to do");
        assertTrue(Files.exists(dir.resolve(HelperProtocol.HELPER_FILE)), "the helper is the shutdown hook's to remove");
    }
}
