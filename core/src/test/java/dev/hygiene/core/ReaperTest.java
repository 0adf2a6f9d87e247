package dev.hygiene.core;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reaper's reading of /proc (its hand-over to the JDK is tested end to end in it-tests). */
class ReaperTest {

    @Test
    void childrenFileNumbers() {
        assertEquals(List.of(12L, 345L, 6789012L), Reaper.pids("12 345 6789012 ".getBytes(), 15));
        assertEquals(List.of(7L), Reaper.pids("7 89".getBytes(), 1));
        assertEquals(List.of(), Reaper.pids(new byte[8], 0));
    }

    @Test
    void onlyZombiesSeenAtTheRoundBeforeWithTheSameStartTime() {
        Map<Long, Long> previous = Map.of(10L, 100L, 11L, 110L);
        Map<Long, Long> now = Map.of(10L, 100L, 11L, 999L, 12L, 120L);
        assertArrayEquals(new long[] {10L}, Reaper.seenBefore(now, previous));
        assertArrayEquals(new long[0], Reaper.seenBefore(now, Map.of()));
    }

    /**
     * A process with a zombie child of its own ({@code sleep 1 & exec sleep 30}: the shell becomes
     * a sleep that never waits): both ways of looking (the children file of its main thread, and
     * the scan of every /proc/PID/stat) find that zombie, with its start time, and nothing else.
     * The child lives a second, so that it ends after the exec: one that ended before it could be
     * reaped by the shell (dash reaps finished jobs between commands), and never be a zombie.
     */
    @Test
    void bothScansFindTheZombieChildrenOfAProcess() throws Exception {
        Process parent = new ProcessBuilder("sh", "-c", "sleep 1 & echo $!; exec sleep 30").start();
        try {
            String line = new BufferedReader(new InputStreamReader(parent.getInputStream())).readLine();
            long zombie = Long.parseLong(line.trim());
            assertTrue(poll(Duration.ofSeconds(10), () -> {
                ProcStat s = ProcStat.read(zombie);
                return s != null && s.state == 'Z';
            }), "pid " + zombie + " became a zombie");
            long startTime = ProcStat.read(zombie).startTime;
            Reaper reaper = new Reaper(() -> null, parent.pid());
            assertEquals(Map.of(zombie, startTime), reaper.zombieChildren());
            assertEquals(Map.of(zombie, startTime), reaper.zombieChildrenByScan());
        } finally {
            parent.destroyForcibly();
            parent.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean poll(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) return false;
            Thread.sleep(10);
        }
        return true;
    }
}
