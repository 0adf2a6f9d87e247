package dev.hygiene.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads the truth about processes from {@code /proc}: one line of {@code /proc/PID/stat} (fields
 * counted after the last {@code ')'}, see proc(5)), {@code /proc/PID/cmdline}, the agent's group
 * marker in {@code /proc/PID/environ} and the resident size in {@code /proc/PID/status}.
 *
 * <p>Used by the tests and by the apps (plain JDK only: the apps run without JUnit).
 */
public final class Proc {

    private static final Path PROC = Path.of("/proc");

    private Proc() {}

    /** One read of /proc/PID/stat. */
    public static final class Stat {
        public final long pid;
        public final String comm;
        /** R, S, D, T, t, Z, X, I... */
        public final char state;
        public final long ppid;
        public final long pgrp;
        public final long session;
        public final long ttyNr;
        /** Field 22: clock ticks after boot; with the pid it identifies a process across pid reuse. */
        public final long startTime;

        Stat(long pid, String comm, char state, long ppid, long pgrp, long session, long ttyNr, long startTime) {
            this.pid = pid;
            this.comm = comm;
            this.state = state;
            this.ppid = ppid;
            this.pgrp = pgrp;
            this.session = session;
            this.ttyNr = ttyNr;
            this.startTime = startTime;
        }

        /** Able to run: zombies (Z) and dead tasks (X) are not alive. */
        public boolean alive() {
            return state != 'Z' && state != 'X';
        }

        @Override
        public String toString() {
            return pid + "(" + comm + " state=" + state + " ppid=" + ppid + " pgrp=" + pgrp + " sid=" + session + ")";
        }
    }

    /** The stat of PID, or null if there is no such process. */
    public static Stat stat(long pid) {
        try {
            return parse(pid, Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The stat of the calling JVM. */
    public static Stat self() {
        return stat(ProcessHandle.current().pid());
    }

    /** True if PID exists and is not a zombie. */
    public static boolean alive(long pid) {
        Stat s = stat(pid);
        return s != null && s.alive();
    }

    /** True if PID exists with START_TIME and is not a zombie (false once the pid was reused). */
    public static boolean alive(long pid, long startTime) {
        Stat s = stat(pid);
        return s != null && s.startTime == startTime && s.alive();
    }

    /** Every process visible now. */
    public static List<Stat> all() {
        List<Stat> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                Stat s = stat(Long.parseLong(name));
                if (s != null) out.add(s);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return out;
    }

    /** The live (non-zombie) processes whose process group is PGID. */
    public static List<Stat> liveInGroup(long pgid) {
        return all().stream().filter(s -> s.pgrp == pgid && s.alive()).collect(Collectors.toList());
    }

    /** /proc/PID/cmdline with each NUL turned into '|' (so "cat\0-\0" reads "cat|-|"), or null. */
    public static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline")),
                    StandardCharsets.UTF_8).replace('\0', '|');
        } catch (IOException e) {
            return null;
        }
    }

    /** The live (non-zombie) processes whose parent is PID. */
    public static List<Stat> liveChildren(long pid) {
        return all().stream().filter(s -> s.ppid == pid && s.alive()).collect(Collectors.toList());
    }

    /** The environment variable in which the agent marks its children's descendants. */
    public static final String MARKER_VAR = "PROCESS_HYGIENE_GROUP";

    /**
     * The tokens of {@value #MARKER_VAR} in /proc/PID/environ (one per agent JVM the process
     * descends from, {@code <jvm pid>.<jvm start time>.<n>}); empty if it has none, or if the
     * environment cannot be read (gone, a zombie, another user).
     */
    public static List<String> markers(long pid) {
        byte[] env;
        try {
            env = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        String prefix = MARKER_VAR + "=";
        for (String entry : new String(env, StandardCharsets.ISO_8859_1).split("\0")) {
            if (entry.startsWith(prefix)) {
                return Arrays.stream(entry.substring(prefix.length()).split(" "))
                        .filter(t -> !t.isEmpty()).collect(Collectors.toList());
            }
        }
        return List.of();
    }

    /** VmRSS of /proc/PID/status in kB; -1 if the process is gone or has none (a zombie). */
    public static long residentKb(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"),
                    StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.substring(6).trim().split(" +")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static Stat parse(long pid, byte[] bytes) {
        String line = new String(bytes, StandardCharsets.ISO_8859_1);
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) return null;
        String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): field n is f[n - 3].
        return new Stat(pid, line.substring(open + 1, close), f[0].charAt(0), Long.parseLong(f[1]),
                Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[19]));
    }
}
