package dev.hygiene.core;

import java.io.PrintStream;

/**
 * The agent's only output: single lines on stderr, prefixed {@code process-hygiene:}. Never stdout,
 * which belongs to the application.
 */
public final class Log {

    /** Levels in increasing verbosity; {@code off} prints nothing. */
    public enum Level { OFF, ERROR, WARN, INFO, DEBUG }

    private static volatile Level level = Level.WARN;

    private Log() {}

    public static void setLevel(Level newLevel) {
        level = newLevel;
    }

    public static boolean enabled(Level l) {
        return l != Level.OFF && l.ordinal() <= level.ordinal();
    }

    public static void error(String message) { print(Level.ERROR, message); }

    public static void warn(String message) { print(Level.WARN, message); }

    public static void info(String message) { print(Level.INFO, message); }

    public static void debug(String message) { print(Level.DEBUG, message); }

    private static void print(Level l, String message) {
        if (!enabled(l)) return;
        PrintStream err = System.err;
        // One println call: concurrent lines are not interleaved mid-line.
        err.println("process-hygiene: " + message);
    }
}
