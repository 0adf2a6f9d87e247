package dev.hygiene.core;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The helper in watch mode (src/main/c/watchdog.c): a small process, in a session of its own, that
 * gives the live groups the escalation if the JVM dies without running its shutdown hooks (kill
 * -9, the OOM killer, a crash, Runtime.halt).
 *
 * <p>It is not the JVM's child and the JVM holds no descriptor to it, so the application sees
 * neither (ProcessHandle.children(), its open pipes): the helper forks once, its first process
 * exits as soon as the second (the watchdog) is set up, and start() waits for that exit, so the
 * JDK has reaped the first process before the application's start() returns. The watchdog watches
 * the JVM through a pidfd (the JVM's pid and start time are its arguments) and, once the JVM has
 * died, reads the live groups from {@link HelperProtocol#GROUPS_FILE} in the helper's private
 * directory, to which the JVM appends one line per group started and per group gone (opened,
 * written and closed each time: no descriptor is kept). When most lines are cancelled ones the
 * file is compacted: the live lines go to {@link HelperProtocol#GROUPS_TMP}, renamed over it.
 *
 * <p>Started at the first isolated child, never before: by that child's helper where it runs in
 * the spawn mode ({@link #request}), else on a thread of its own while that child starts ({@link
 * Lifecycle#watchdogSoon}); either way its start returns only once the watchdog runs.
 */
final class Watchdog {

    /** Compaction once the file has more lines than this and fewer than a quarter of them are live. */
    private static final int COMPACT_LINES = 1000;
    private static final long START_TIMEOUT_SECONDS = 10;

    private final Path dir;
    private final File groups;
    /** The "+" line of each group the file lists as live, in the order they were started (ProcessGroup's identity is the object). */
    private final Map<ProcessGroup, String> live = new LinkedHashMap<>();
    /** The "R" lines, kept by compaction. */
    private final List<String> removals = new ArrayList<>();
    /** The "H" line of each group handed off at shutdown (kept by compaction, after the "+" lines). */
    private final Map<ProcessGroup, String> handedOff = new LinkedHashMap<>();
    private int lines;
    private boolean closed;

    Watchdog(Path dir) {
        this.dir = dir;
        this.groups = dir.resolve(HelperProtocol.GROUPS_FILE).toFile();
    }

    /** Starts the watchdog; null (with one warning) if it cannot run. */
    static Watchdog start(Helper helper, Config config) {
        ProcStat self = ProcStat.self();
        if (self == null) {
            Log.warn("cannot start the watchdog (/proc/self/stat is unreadable); groups are not terminated if the JVM is killed");
            return null;
        }
        Watchdog w = new Watchdog(helper.directory());
        String[] cmd = {helper.command(), "watch",
                Log.enabled(Log.Level.INFO) ? "1" : "0", config.report == null ? "-" : config.report.toString(),
                Long.toString(self.pid), Long.toString(self.startTime), w.groups.getPath()};
        boolean outer = Untracked.enter();
        try {
            createGroupsFile(w.groups);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(Redirect.from(new File("/dev/null")))
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(Redirect.INHERIT);
            // A nested JVM inherits its parent JVM's marker: the watchdog, in a session of its own,
            // must not look like an escaped member of the parent's group.
            pb.environment().remove(Membership.MARKER_VAR);
            int exit = awaitExit(pb.start());
            if (exit != 0) {
                Log.warn("cannot start the watchdog (" + (exit < 0 ? "its setup took more than "
                        + START_TIMEOUT_SECONDS + " s" : "exit " + exit) + "); groups are not terminated if the JVM is killed");
                w.groups.delete();
                return null;
            }
            return w;
        } catch (IOException e) {
            Log.warn("cannot start the watchdog (" + e.getMessage() + "); groups are not terminated if the JVM is killed");
            w.groups.delete();
            return null;
        } finally {
            Untracked.exit(outer);
        }
    }

    /**
     * Asks the spawn mode of the next child started through it to start the watchdog
     * (src/main/c/watch_start.c), rather than start it here: the watch mode's arguments in {@link
     * HelperProtocol#WATCH_REQUEST}, the groups file made empty. java.io only: no class more at the
     * first start. Returns the outcome, to be taken once the start that carried the request has
     * returned or thrown ({@link #requested}); null, leaving nothing behind, if either file cannot
     * be written (then start it here).
     */
    static Supplier<Watchdog> request(Helper helper, Config config) {
        ProcStat self = ProcStat.self();
        if (self == null) return null; // start() says why there is no watchdog
        File dir = helper.directory().toFile();
        File groups = new File(dir, HelperProtocol.GROUPS_FILE);
        File request = new File(dir, HelperProtocol.WATCH_REQUEST);
        String args = (Log.enabled(Log.Level.INFO) ? "1" : "0") + "\0" + (config.report == null ? "-" : config.report.toString())
                + "\0" + self.pid + "\0" + self.startTime + "\0" + groups.getPath() + "\0";
        try {
            createGroupsFile(groups);
            // Written whole before any child can claim it: the first start that asks for it is
            // the first that can run the spawn mode, and it starts after this.
            try (FileOutputStream out = new FileOutputStream(request)) {
                out.write(args.getBytes(StandardCharsets.UTF_8));
            }
            return new Requested(helper, config);
        } catch (IOException e) {
            Log.debug("cannot ask the spawn mode to start the watchdog (" + e.getMessage() + "); starting it here");
            request.delete();
            groups.delete();
            return null;
        }
    }

    /** The outcome of a {@link #request}: {@link #requested}. */
    private static final class Requested implements Supplier<Watchdog> {
        private final Helper helper;
        private final Config config;

        Requested(Helper helper, Config config) {
            this.helper = helper;
            this.config = config;
        }

        @Override
        public Watchdog get() {
            return requested(helper, config);
        }
    }

    /**
     * The watchdog asked for with {@link #request} of HELPER, once the start that carried the
     * request has returned or thrown: running (the child that claimed the request started it), null
     * (with one warning) if the watch mode failed (it said why on stderr), or started here if no
     * child claimed the request (its start did not run the spawn mode, or ended before it could).
     * Only a child of another thread that is starting at that moment can have claimed it without
     * an outcome yet: its outcome is waited for.
     */
    private static Watchdog requested(Helper helper, Config config) {
        File dir = helper.directory().toFile();
        File started = new File(dir, HelperProtocol.WATCH_STARTED);
        File failed = new File(dir, HelperProtocol.WATCH_FAILED);
        File claimed = new File(dir, HelperProtocol.WATCH_CLAIMED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        boolean interrupted = false;
        try {
            while (true) {
                if (started.exists()) return new Watchdog(helper.directory());
                if (failed.exists()) {
                    Log.warn("cannot start the watchdog (the watch mode failed); groups are not terminated if the JVM is killed");
                    new File(dir, HelperProtocol.GROUPS_FILE).delete();
                    return null;
                }
                // Unclaimed: the start is this JVM's again (an outcome may have appeared since).
                if (new File(dir, HelperProtocol.WATCH_REQUEST).delete()
                        || !claimed.exists() && !started.exists() && !failed.exists()) {
                    new File(dir, HelperProtocol.GROUPS_FILE).delete();
                    return start(helper, config);
                }
                if (System.nanoTime() - deadline > 0) {
                    Log.warn("cannot start the watchdog (its setup took more than " + START_TIMEOUT_SECONDS
                            + " s); groups are not terminated if the JVM is killed");
                    return null;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    interrupted = true; // the application's start() goes on: keep its interrupt for later
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The exit status of the helper's first process, -1 if it did not exit in time (then it is killed). */
    private static int awaitExit(Process p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) return p.exitValue();
                    p.destroyForcibly();
                    return -1;
                } catch (InterruptedException e) {
                    interrupted = true; // the application's start() goes on: keep its interrupt for later
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    synchronized void track(ProcessGroup g) {
        if (closed || live.containsKey(g)) return;
        String line = HelperProtocol.TAG_LIVE + "\t" + g.pid + "\t" + g.startTime + "\t" + field(g.marker) + "\t"
                + field(g.cgroup) + "\t" + field(g.command) + "\t" + field(g.origin) + "\t" + g.policy.grace.toMillis()
                + "\t" + g.policy.signal + "\t" + g.policy.mode() + "\n";
        live.put(g, line);
        append(line);
    }

    synchronized void untrack(ProcessGroup g) {
        if (closed || live.remove(g) == null) return;
        handedOff.remove(g);
        append(HelperProtocol.TAG_GONE + "\t" + g.pid + "\t" + g.startTime + "\n");
    }

    /**
     * At shutdown: the watchdog is to go on with the escalation of GROUPS once the JVM has exited,
     * from where each got (see {@link HelperProtocol#TAG_HANDED_OFF}), with no second stop signal.
     * One write for all. Returns the groups it took: those it lists (a group in a tree is not
     * listed), none if the file cannot be written.
     */
    synchronized List<ProcessGroup> handOff(List<Escalation.HandOff> groups) {
        List<ProcessGroup> taken = new ArrayList<>();
        if (closed) return taken;
        StringBuilder text = new StringBuilder();
        Map<ProcessGroup, String> lines = new LinkedHashMap<>();
        for (Escalation.HandOff h : groups) {
            ProcessGroup g = h.group;
            if (!live.containsKey(g)) continue;
            String line = HelperProtocol.TAG_HANDED_OFF + "\t" + g.pid + "\t" + g.startTime + "\t" + h.signalledAt + "\t"
                    + h.stage + "\t" + h.members + "\t" + h.rssBytes + "\t" + h.escapees + "\n";
            lines.put(g, line);
            text.append(line);
        }
        if (lines.isEmpty()) return taken;
        handedOff.putAll(lines);
        if (!append(text.toString(), lines.size())) {
            for (ProcessGroup g : lines.keySet()) handedOff.remove(g);
            return taken;
        }
        taken.addAll(lines.keySet());
        return taken;
    }

    /** Asks the watchdog to remove CGROUP_DIR (a per-JVM cgroup directory) at the end, after the groups' own. */
    synchronized void removeAtEnd(String cgroupDir) {
        if (closed) return;
        String line = HelperProtocol.TAG_REMOVE + "\t" + field(cgroupDir) + "\n";
        removals.add(line);
        append(line);
    }

    /**
     * After the shutdown hook's own escalation. True if groups are still listed: the watchdog gives
     * them its turn once the JVM has exited (those handed off, from where the JVM got), and then
     * removes the helper's directory itself; until the JVM has exited, the file is still written
     * (the groups that go meanwhile). Otherwise nothing more is written: the file is removed (the
     * directory too, if that leaves it empty), and the watchdog has nothing to do.
     */
    synchronized boolean close() {
        if (!live.isEmpty()) return true;
        closed = true;
        if (!groups.delete() && groups.exists()) Log.debug("cannot remove " + groups);
        // Empty only if the helper there was lost and the file written anew (restore()): then no
        // one else removes it. Otherwise the helper is still there, and this does nothing.
        dir.toFile().delete();
        return false;
    }

    /** Writes the file anew if it was removed (with the helper's directory, by a cleaner of /tmp). */
    synchronized void restore() {
        if (closed || groups.exists()) return;
        try {
            rewrite();
        } catch (IOException e) {
            closed = true;
            Log.warn("cannot write the watchdog's list of groups again (" + e.getMessage()
                    + "); groups are not terminated if the JVM is killed");
        }
    }

    /** True if the file is in HELPER's directory. */
    boolean isIn(Helper helper) {
        return dir.equals(helper.directory());
    }

    /** One line, in one write of an O_APPEND file opened for it alone. */
    private void append(String line) {
        append(line, 1);
    }

    /** TEXT, of COUNT lines, in one write of an O_APPEND file opened for it alone; false if it failed. */
    private boolean append(String text, int count) {
        try {
            if (!groups.exists()) {
                // Removed under us (a cleaner of /tmp, or a helper extracted again): write it anew.
                rewrite();
                return true;
            }
            try (FileOutputStream out = new FileOutputStream(groups, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            lines += count;
            if (lines > COMPACT_LINES && 4 * (live.size() + handedOff.size() + removals.size()) < lines) rewrite();
            return true;
        } catch (IOException e) {
            closed = true;
            Log.warn("cannot write the watchdog's list of groups (" + e.getMessage()
                    + "); groups are not terminated if the JVM is killed");
            return false;
        }
    }

    /** The live lines and R lines only, written to GROUPS_TMP and renamed over the file (atomically). */
    private void rewrite() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        File tmp = dir.resolve(HelperProtocol.GROUPS_TMP).toFile();
        StringBuilder text = new StringBuilder();
        for (String l : live.values()) text.append(l);
        for (String h : handedOff.values()) text.append(h);
        for (String r : removals) text.append(r);
        try (FileOutputStream out = new FileOutputStream(tmp)) {
            if (!Helper.ownerOnly(tmp, false)) throw new IOException("cannot make " + tmp + " mode 0600");
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (!tmp.renameTo(groups)) throw new IOException("cannot rename " + tmp + " to " + groups);
        lines = live.size() + handedOff.size() + removals.size();
    }

    /** GROUPS made anew, empty, mode 0600; an IOException if it exists already or cannot be made so. */
    private static void createGroupsFile(File groups) throws IOException {
        if (!groups.createNewFile()) throw new IOException(groups + " exists already");
        if (!Helper.ownerOnly(groups, false)) throw new IOException("cannot make " + groups + " mode 0600");
    }

    private static String field(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
    }

}
