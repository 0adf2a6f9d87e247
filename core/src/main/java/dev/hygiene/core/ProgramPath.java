package dev.hygiene.core;

import java.io.File;

/**
 * Finds the file the JDK would execute for a command, with the JDK's own rules (childproc.c,
 * {@code JDK_execvpe}), so that the agent rewrites only commands that the JDK would start, and a
 * program the JDK cannot start still fails with the JDK's own exception.
 * <ul>
 *   <li>an empty name is not found;</li>
 *   <li>a name containing {@code /} is used as it is, relative to the child's working directory;</li>
 *   <li>any other name is searched in the JVM's (the parent's) {@code PATH}, not the child's, in
 *       order; an empty entry means the child's working directory; a candidate that is not a
 *       regular, executable file is skipped, as execve's EACCES/ENOENT make the JDK go on.</li>
 * </ul>
 * The JDK uses {@code :/bin:/usr/bin} when the JVM has no PATH and the child's environment was
 * given, and glibc's {@code execvp} (default {@code /bin:/usr/bin}) when it was not.
 */
public final class ProgramPath {

    private ProgramPath() {}

    /**
     * The path to pass to execve after the JDK's chdir, or null if the JDK would fail to start it.
     *
     * @param program    the command's first element
     * @param dir        the child's working directory as given to the JDK, or null for the JVM's
     * @param pathEnv    the JVM's PATH, or null if it has none
     * @param envGiven   whether the application set the child's environment
     */
    public static String resolve(String program, String dir, String pathEnv, boolean envGiven) {
        if (program == null || program.isEmpty() || program.indexOf('\0') >= 0) return null;
        if (dir != null && dir.indexOf('\0') >= 0) return null;
        File cwd = dir == null ? null : new File(dir).isAbsolute() ? new File(dir) : new File(System.getProperty("user.dir"), dir);
        if (cwd != null && !cwd.isDirectory()) return null; // the JDK's chdir fails
        if (program.indexOf('/') >= 0) {
            return runnable(cwd, program) ? program : null;
        }
        String path = pathEnv != null ? pathEnv : (envGiven ? ":/bin:/usr/bin" : "/bin:/usr/bin");
        for (String entry : path.split(":", -1)) {
            String d = entry.isEmpty() ? "." : entry;
            String candidate = d.endsWith("/") ? d + program : d + "/" + program;
            if (runnable(cwd, candidate)) return candidate;
        }
        return null;
    }

    /**
     * True if CANDIDATE, relative to CWD (null: the JVM's working directory), is a regular file the
     * JVM may execute. java.io, not NIO: a missing file is a false here, not an exception (a PATH
     * search misses in most of its entries, at every start).
     */
    private static boolean runnable(File cwd, String candidate) {
        File f = candidate.startsWith("/") || cwd == null ? new File(candidate) : new File(cwd, candidate);
        // canExecute is access(X_OK): false on a noexec mount too, like execve.
        return f.isFile() && f.canExecute();
    }
}
