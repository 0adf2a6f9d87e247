package dev.hygiene.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the benchmarks read of /proc (see proc(5)); independent of the agent's own code. */
public final class Proc {

    /** One /proc/PID/stat line: the fields the benchmarks use. */
    public static final class Stat {
        public final long pid;
        public final char state;
        public final long ppid;
        public final long pgrp;
        public final long session;

        Stat(long pid, char state, long ppid, long pgrp, long session) {
            this.pid = pid;
            this.state = state;
            this.ppid = ppid;
            this.pgrp = pgrp;
            this.session = session;
        }

        /** Zombies and dead tasks are gone: they run nothing. */
        public boolean alive() {
            return state != 'Z' && state != 'X';
        }
    }

    private Proc() {}

    /** The stat of PID, or null if there is no such process. */
    public static Stat stat(long pid) {
        byte[] b;
        try {
            b = Files.readAllBytes(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return null;
        }
        String line = new String(b, StandardCharsets.ISO_8859_1);
        int close = line.lastIndexOf(')');
        if (close < 0) return null;
        String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): ppid is field 4, pgrp 5, session 6.
        return new Stat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
    }

    /** True if PID exists and is neither a zombie nor dead. */
    public static boolean alive(long pid) {
        Stat s = stat(pid);
        return s != null && s.alive();
    }

    /** Every process in /proc. */
    public static List<Stat> all() {
        String[] names = new File("/proc").list();
        List<Stat> out = new ArrayList<>();
        if (names == null) return out;
        for (String n : names) {
            if (n.isEmpty() || n.charAt(0) < '0' || n.charAt(0) > '9') continue;
            Stat s = stat(Long.parseLong(n));
            if (s != null) out.add(s);
        }
        return out;
    }

    /** A "Name: value kB" field of /proc/PID/status in kB, or -1. */
    public static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
