package dev.hygiene.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads the cgroup v2 tree as the witness of containment (see cgroups(7)): where it is mounted,
 * which cgroup a process is in ({@code 0::PATH} of /proc/PID/cgroup), the pids in a cgroup
 * ({@code cgroup.procs}), whether anything lives in it or below ({@code populated} of
 * {@code cgroup.events}). The agent makes {@code <mount><JVM's cgroup>/process-hygiene-<pid>-<start
 * time>} per JVM and {@code p<pid>} in it per child ({@code c<N>} with the FORK and VFORK launch mechanisms).
 *
 * <p>Used by the tests and by the apps (plain JDK only).
 */
public final class Cgroups {

    private Cgroups() {}

    /** The cgroup2 mount point (from /proc/self/mountinfo), or null if there is none. */
    public static Path mount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
                int dash = line.indexOf(" - ");
                if (dash >= 0 && line.startsWith("cgroup2 ", dash + 3)) return Path.of(line.split(" ")[4]);
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** PID's cgroup v2 path ({@code /a/b}, as /proc/PID/cgroup shows it), or null if unreadable. */
    public static String of(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("0::")) return line.substring(3);
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** The directory of PID's cgroup, or null. */
    public static Path dirOf(long pid) {
        String path = of(pid);
        Path mount = mount();
        return path == null || mount == null ? null : mount.resolve(path.substring(1));
    }

    /** The name of the per-JVM directory of the JVM PID that started at START_TIME. */
    public static String jvmDirName(long pid, long startTime) {
        return "process-hygiene-" + pid + "-" + startTime;
    }

    /** The per-JVM directory of the live JVM PID: {@code <its cgroup's directory>/process-hygiene-<pid>-<start>}. */
    public static Path jvmDir(long pid) {
        Proc.Stat s = Proc.stat(pid);
        Path own = dirOf(pid);
        if (s == null || own == null) throw new IllegalStateException("no process " + pid);
        return own.resolve(jvmDirName(pid, s.startTime));
    }

    /** The pids in DIR itself; empty if it is gone. */
    public static List<Long> procs(Path dir) {
        try {
            return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank())
                    .map(l -> Long.parseLong(l.trim())).collect(Collectors.toList());
        } catch (IOException e) {
            return List.of();
        }
    }

    /** True if a live process is in DIR or below it. */
    public static boolean populated(Path dir) {
        try {
            return Files.readString(dir.resolve("cgroup.events")).contains("populated 1");
        } catch (IOException e) {
            return false;
        }
    }

    /** True if the test JVM may create cgroups (a sub-cgroup of its own can be made and removed). */
    public static boolean writable() {
        Path own = dirOf(ProcessHandle.current().pid());
        if (own == null) return false;
        Path probe = own.resolve("process-hygiene-probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectory(probe);
            Files.delete(probe);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The containment the agent gives children here by default (auto): {@code cgroup} where the
     * test JVM (as the apps, root) can create cgroups, else {@code group}.
     */
    public static String expectedContainment() {
        return writable() ? "cgroup" : "group";
    }

    /** The subdirectories of DIR (its child cgroups); none if it is gone. */
    public static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) if (Files.isDirectory(p)) out.add(p);
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Removes DIR and the cgroups below it, deepest first (only cgroups without processes can go). */
    public static void removeTree(Path dir) {
        for (Path sub : children(dir)) removeTree(sub);
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("cleanup: cannot remove the cgroup " + dir + ": " + e);
        }
    }
}
