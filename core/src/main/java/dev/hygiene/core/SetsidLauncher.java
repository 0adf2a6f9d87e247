package dev.hygiene.core;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * setsid(1) (util-linux) as the launcher where no helper can run (every candidate directory is
 * mounted noexec, or {@code helper-dir=none}). It forks only when its caller leads a group, which a
 * JDK child never does, so the pid is kept; the child leads a new session and group. Its limits,
 * against the helper: argv[0] becomes the program's resolved path, the environment carries no
 * marker (escapees are not found), and there is no watchdog.
 */
final class SetsidLauncher implements GroupLauncher {

    private final String path;
    private final byte[] prefix;

    private SetsidLauncher(String path) {
        this.path = path;
        this.prefix = (path + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /** setsid(1) where the system keeps it, or null. */
    static SetsidLauncher find() {
        for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
            if (Files.isExecutable(Path.of(p))) return new SetsidLauncher(p);
        }
        return null;
    }

    @Override
    public String[] command(String program, String[] argv, String marker) {
        String[] out = new String[argv.length + 1];
        out[0] = path;
        out[1] = program; // setsid execvp()s its first argument: the resolved path, not argv[0]
        System.arraycopy(argv, 1, out, 2, argv.length - 1);
        return out;
    }

    @Override
    public boolean stillLaunching(byte[] cmdline, int length) {
        int n = Math.min(length, prefix.length);
        for (int i = 0; i < n; i++) if (cmdline[i] != prefix[i]) return false;
        return true;
    }

    @Override
    public boolean execFailed(long pid) {
        return false; // the program was resolved first; setsid's own failure is its exit code 1
    }

    @Override
    public String toString() {
        return path;
    }
}
