package dev.hygiene.core;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

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
        Path cwd;
        try {
            cwd = Path.of(System.getProperty("user.dir"));
            if (dir != null) cwd = cwd.resolve(dir);
        } catch (InvalidPathException e) {
            return null;
        }
        if (dir != null && !Files.isDirectory(cwd)) return null; // the JDK's chdir fails
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

    private static boolean runnable(Path cwd, String candidate) {
        try {
            Path p = cwd.resolve(candidate);
            // isExecutable is access(X_OK): false on a noexec mount too, like execve.
            return Files.isRegularFile(p) && Files.isExecutable(p);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
