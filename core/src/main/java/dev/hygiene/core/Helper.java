package dev.hygiene.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/**
 * The bundled native helper (src/main/c/hygiene-helper.c), extracted to a place where it can run.
 *
 * <p>Extraction is safe against other users of a shared directory: the helper is written into a
 * new directory with a random name, made by one mkdir (so nobody can have created it first), then
 * mode 0700 and found empty (so nobody put anything into it meanwhile), written with mode 0700,
 * read back and checked against the bundled copy (length and CRC-32).
 * Candidates are tried in order: the configured {@code helper-dir}, {@code java.io.tmpdir},
 * {@code /dev/shm}, the agent jar's directory, the user's home. A candidate mounted noexec is
 * skipped (access(X_OK) fails there as execve would).
 */
public final class Helper implements GroupLauncher {

    static final String FILE_NAME = HelperProtocol.HELPER_FILE;

    private final Path dir;
    private final Path file;
    private final String command;
    private final byte[] cmdlinePrefix;

    private Helper(Path dir, Path file) {
        this.dir = dir;
        this.file = file;
        this.command = file.toString();
        this.cmdlinePrefix = (command + "\0exec\0").getBytes(StandardCharsets.UTF_8);
    }

    /** The resource name of the helper for this machine, or null if none is bundled for it. */
    static String resourceName() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("x86_64")) return "/dev/hygiene/core/linux-x86_64/" + FILE_NAME;
        if (arch.equals("aarch64")) return "/dev/hygiene/core/linux-aarch64/" + FILE_NAME;
        return null;
    }

    /**
     * Extracts the helper to the first candidate directory where it can execute.
     *
     * @param configured the configured directory, or null
     * @param agentDir   the agent jar's directory, or null
     * @param why        receives the reason when null is returned
     * @return the helper, or null if no candidate works
     */
    public static Helper extract(Path configured, Path agentDir, StringBuilder why) {
        String resource = resourceName();
        if (resource == null) {
            why.append("none is bundled for ").append(System.getProperty("os.arch"));
            return null;
        }
        List<String> failures = new ArrayList<>();
        for (Path base : candidates(configured, agentDir)) {
            // Read anew for each candidate, in chunks: the whole helper in one array (and its copy
            // read back) cost the first start ~1.5 ms, most of it in first touches of new memory.
            try (InputStream in = Helper.class.getResourceAsStream(resource)) {
                if (in == null) {
                    why.append(resource).append(" is missing from the agent jar");
                    return null;
                }
                return extractTo(base, in);
            } catch (IOException | RuntimeException e) {
                failures.add(base + " (" + e.getMessage() + ")");
                Log.debug("cannot use " + base + " for the helper: " + e);
            }
        }
        why.append("cannot place it where it can run: ").append(String.join("; ", failures));
        return null;
    }

    private static Set<Path> candidates(Path configured, Path agentDir) {
        Set<Path> out = new LinkedHashSet<>();
        if (configured != null) out.add(configured);
        String tmp = System.getProperty("java.io.tmpdir");
        if (tmp != null && !tmp.isEmpty()) out.add(Path.of(tmp));
        out.add(Path.of("/dev/shm"));
        if (agentDir != null) out.add(agentDir);
        String home = System.getProperty("user.home");
        if (home != null && !home.isEmpty() && !home.equals("?")) out.add(Path.of(home));
        return out;
    }

    private static Helper extractTo(Path base, InputStream content) throws IOException {
        File baseDir = base.toFile();
        if (!baseDir.isDirectory()) throw new IOException("not a directory");
        File dir = createPrivateDirectory(baseDir);
        File file = new File(dir, FILE_NAME);
        try {
            // java.io throughout rather than NIO: no class to load at the first start for it. The
            // directory is ours alone (0700, empty), so the file cannot have been created by anyone else.
            byte[] buffer = new byte[8192];
            CRC32 written = new CRC32();
            long length = 0;
            try (FileOutputStream out = new FileOutputStream(file)) {
                for (int n; (n = read(content, buffer)) > 0; length += n) {
                    out.write(buffer, 0, n);
                    written.update(buffer, 0, n);
                }
            }
            if (length == 0) throw new IOException("the bundled helper is empty");
            if (!ownerOnly(file, true)) throw new IOException("cannot make " + file + " mode 0700");
            CRC32 back = new CRC32();
            long backLength = 0;
            try (FileInputStream in = new FileInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; backLength += n) back.update(buffer, 0, n);
            }
            if (backLength != length || back.getValue() != written.getValue()) throw new IOException("content changed after writing");
            if (!file.canExecute()) throw new IOException("cannot execute there (noexec?)");
            return new Helper(dir.toPath(), file.toPath());
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** IN.read(BUFFER); its failure said as the bundled copy's, not the place's. */
    private static int read(InputStream in, byte[] buffer) throws IOException {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new IOException("cannot read the bundled helper: " + e, e);
        }
    }

    /**
     * Creates BASE/process-hygiene-RANDOM with mkdir, which fails if anything (a directory, a file,
     * a link) already has the name, so nobody else can have created it first; then makes it mode
     * 0700 and checks that it is still empty, so nobody can have put anything into it while its
     * mode was the umask's (a directory that is not is left, and another name tried). A guessed
     * name can only make us try another one. java.io, not NIO with a mode given to mkdir: the same
     * guarantee without a dozen classes to load at the first start (and not
     * Files.createTempDirectory: its SecureRandom costs ~20 ms there).
     */
    private static File createPrivateDirectory(File base) throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            File dir = new File(base, HelperProtocol.DIR_PREFIX + Long.toHexString(random.nextLong() ^ System.nanoTime()));
            if (dir.mkdir()) {
                if (!ownerOnly(dir, true)) {
                    dir.delete();
                    throw new IOException("cannot make " + dir + " mode 0700");
                }
                String[] inside = dir.list();
                if (inside != null && inside.length == 0) return dir;
                Log.debug(dir + " was not empty once made private; left as it is, trying another name");
            } else if (!dir.exists()) {
                throw new IOException(base.canWrite() ? "cannot create a directory there" : "not writable");
            }
            if (attempt >= 20) throw new IOException("no free name for a directory after " + attempt + " attempts");
        }
    }

    /**
     * Mode 0700 (EXECUTABLE) or 0600: nothing for anyone but the owner. Through java.io: no NIO
     * attribute classes at the first start. False if it failed.
     */
    static boolean ownerOnly(File f, boolean executable) {
        return f.setReadable(false, false) && f.setWritable(false, false) && f.setExecutable(false, false)
                && f.setReadable(true, true) && f.setWritable(true, true) && (!executable || f.setExecutable(true, true));
    }

    /** The extracted file. */
    Path file() {
        return file;
    }

    /** The private directory the helper was extracted to (where the watchdog's groups file is). */
    Path directory() {
        return dir;
    }

    /** The helper's path as given to execve. */
    public String command() {
        return command;
    }

    /**
     * The command that runs PROGRAM (resolved) as ARGV in a new process group, with MARKER (or
     * null) added to its PROCESS_HYGIENE_GROUP environment variable.
     */
    @Override
    public String[] command(String program, String[] argv, String marker) {
        return command(program, argv, marker, null);
    }

    /**
     * The same, in the new cgroup CGROUP (an absolute directory to create; null: none). The marker
     * is added only if the child could not enter the cgroup (see {@link #cgroupFailure}).
     */
    public String[] command(String program, String[] argv, String marker, String cgroup) {
        String[] out = new String[argv.length + 6];
        out[0] = command;
        out[1] = "exec";
        out[2] = dir.toString();
        out[3] = marker == null ? "-" : marker;
        out[4] = cgroup == null ? "-" : cgroup;
        out[5] = program;
        System.arraycopy(argv, 0, out, 6, argv.length);
        return out;
    }

    /**
     * True if the helper running as PID could not exec the program (it leaves its errno in
     * exec-failed.PID of its directory, written before it exits). Consumes the report.
     */
    @Override
    public boolean execFailed(long pid) {
        Path report = dir.resolve(HelperProtocol.EXEC_FAILED_PREFIX + pid);
        try {
            return Files.deleteIfExists(report);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The command that sends SIGNAL (TERM, INT, HUP, QUIT, USR1, USR2 or KILL) to each target: a group number, or a single
     * process as {@link #processTarget PID@START}.
     */
    public String[] signalCommand(String signal, List<String> targets) {
        String[] out = new String[targets.size() + 3];
        out[0] = command;
        out[1] = "signal";
        out[2] = signal;
        for (int i = 0; i < targets.size(); i++) out[i + 3] = targets.get(i);
        return out;
    }

    /**
     * A single process for {@link #signalCommand(String, List)}: the helper signals PID only while
     * it is still the process that started at START_TIME (through a pidfd, so a reused pid is
     * never hit).
     */
    public static String processTarget(long pid, long startTime) {
        return pid + "@" + startTime;
    }

    /**
     * Why the helper running as PID could not enter its cgroup ("mkdir /sys/fs/cgroup/...: Read-only
     * file system", from cgroup-failed.PID of its directory), or null if it left no such report.
     * Consumes the report.
     */
    String cgroupFailure(long pid) {
        Path report = dir.resolve(HelperProtocol.CGROUP_FAILED_PREFIX + pid);
        try {
            String why = Files.readString(report, StandardCharsets.UTF_8).trim();
            Files.deleteIfExists(report);
            return why;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The command that sends SIGNAL (TERM, INT, HUP, QUIT, USR1, USR2 or KILL) to each group. */
    public String[] signalCommand(String signal, long[] pgids) {
        String[] out = new String[pgids.length + 3];
        out[0] = command;
        out[1] = "signal";
        out[2] = signal;
        for (int i = 0; i < pgids.length; i++) out[i + 3] = Long.toString(pgids[i]);
        return out;
    }

    /**
     * True if CMDLINE (read from /proc) may still be the helper's own: it starts with the helper's
     * "PATH\0exec\0", or is a truncation of it (a read that races with an exit returns a prefix).
     * A real program's command line never is: its argv[0] would have to be the helper's path.
     */
    @Override
    public boolean stillLaunching(byte[] cmdline, int length) {
        int n = Math.min(length, cmdlinePrefix.length);
        for (int i = 0; i < n; i++) {
            if (cmdline[i] != cmdlinePrefix[i]) return false;
        }
        return true;
    }

    /** True while the extracted file is still there and executable. */
    boolean present() {
        return file.toFile().canExecute();
    }

    /** Removes the extracted helper and its private directory. */
    public void delete() {
        deleteTree(dir.toFile());
    }

    /** Best effort: every file in DIR, then DIR (java.io: no NIO directory stream to load at exit). */
    private static void deleteTree(File dir) {
        String[] names = dir.list();
        if (names != null) for (String n : names) new File(dir, n).delete();
        dir.delete();
    }

    @Override
    public String toString() {
        return command;
    }
}
