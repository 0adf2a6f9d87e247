package dev.hygiene.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of {@code /proc/PID/stat}: the fields the agent trusts about a process. See proc(5).
 * The command name (field 2) may contain spaces and parentheses, so fields are counted from the
 * last {@code ')'}.
 */
public final class ProcStat {

    public final long pid;
    /** R, S, D, T, t, Z, X, ... */
    public final char state;
    public final long ppid;
    public final long pgrp;
    public final long session;
    /** Device number of the controlling terminal, 0 if none. */
    public final long ttyNr;
    /** In clock ticks after boot: with the pid, identifies a process across pid reuse. */
    public final long startTime;

    ProcStat(long pid, char state, long ppid, long pgrp, long session, long ttyNr, long startTime) {
        this.pid = pid;
        this.state = state;
        this.ppid = ppid;
        this.pgrp = pgrp;
        this.session = session;
        this.ttyNr = ttyNr;
        this.startTime = startTime;
    }

    /** Alive means able to run: zombies ('Z') and dead tasks ('X') are not. */
    public boolean alive() {
        return state != 'Z' && state != 'X';
    }

    /** Stopped ('T', by a signal) or stopped by a tracer ('t'): it acts on a signal only once continued. */
    public boolean stopped() {
        return state == 'T' || state == 't';
    }

    /** The stat of PID, or null if there is no such process (or it cannot be read). */
    public static ProcStat read(long pid) {
        return read(pid, new byte[512]);
    }

    private static ProcStat read(long pid, byte[] buffer) {
        try {
            int n = readFile("/proc/" + pid + "/stat", buffer);
            return n <= 0 ? null : parse(pid, buffer, n);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The JVM's own stat, read through /proc/self (its pid from the file itself), or null if
     * unreadable. Without ProcessHandle: a thread of the agent's that asked it would initialize
     * its implementation, which the application's first start then waits for (CgroupWarmUp).
     */
    public static ProcStat self() {
        byte[] buffer = new byte[512];
        try {
            int n = readFile("/proc/self/stat", buffer);
            long pid = 0;
            int i = 0;
            for (; i < n && buffer[i] >= '0' && buffer[i] <= '9'; i++) pid = pid * 10 + (buffer[i] - '0');
            return i == 0 ? null : parse(pid, buffer, n);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Every process visible in /proc, read once each. */
    public static List<ProcStat> all() {
        String[] names = new File("/proc").list();
        if (names == null) return List.of(); // no /proc: nothing can be seen, so nothing is signalled
        List<ProcStat> out = new ArrayList<>(names.length);
        byte[] buffer = new byte[512];
        for (String name : names) {
            char c = name.charAt(0);
            if (c < '0' || c > '9') continue;
            long pid;
            try {
                pid = Long.parseLong(name);
            } catch (NumberFormatException e) {
                continue;
            }
            ProcStat s = read(pid, buffer);
            if (s != null) out.add(s);
        }
        return out;
    }

    /**
     * Reads a /proc file into BUFFER (plain java.io: no NIO channel to set up on the first start);
     * returns the number of bytes, which a stat line never lets exceed the buffer.
     */
    static int readFile(String path, byte[] buffer) throws IOException {
        try (FileInputStream in = new FileInputStream(path)) {
            int n = 0;
            for (int r; n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) > 0; ) {
                n += r;
                // A /proc file this small comes whole in one read: no second read just for the end.
                if (n < 1024 && n < buffer.length) break;
            }
            return n;
        }
    }

    /**
     * Parses a stat line without splitting it into strings: fields 3 to 22 are read from the
     * bytes after the last ')'. Null if the line is cut short.
     */
    static ProcStat parse(long pid, byte[] b, int length) {
        int close = -1;
        for (int i = length - 1; i >= 0; i--) {
            if (b[i] == ')') {
                close = i;
                break;
            }
        }
        if (close < 0 || close + 2 >= length) return null;
        int p = close + 2;
        char state = (char) b[p];
        long[] fields = new long[20]; // fields 3..22; field 3 (state) stays 0
        int field = 3;
        p++;
        while (field < 22 && p < length) {
            while (p < length && b[p] == ' ') p++;
            field++;
            boolean negative = p < length && b[p] == '-';
            if (negative) p++;
            long v = 0;
            while (p < length && b[p] >= '0' && b[p] <= '9') v = v * 10 + (b[p++] - '0');
            fields[field - 3] = negative ? -v : v;
            while (p < length && b[p] != ' ') p++;
        }
        if (field < 22) return null;
        return new ProcStat(pid, state, fields[4 - 3], fields[5 - 3], fields[6 - 3], fields[7 - 3], fields[22 - 3]);
    }

    @Override
    public String toString() {
        return "pid " + pid + " state " + state + " ppid " + ppid + " pgrp " + pgrp;
    }
}
